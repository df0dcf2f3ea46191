"""Specification of ``check``: every folder-wide error and warning, with its path and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.duplicates import find_near_duplicates, name_words
from retrieval.loading import load_folder
from retrieval.parsing import parse_entry
from retrieval.passages import MAX_PASSAGE_CHARS
from retrieval.validation import LONG_BLOCK_CHARS, FolderCheck, check_folder, name_key

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT / ".." / "shared"
MDN = SHARED / "corpora" / "mdn-glossary-knowledge"

PAYROLL = """\
---
title: Payroll
aliases: [Salary Run]
---
Payroll is the process of paying employees their wages on time.

## Schedule
Salaries are paid on the last working day of the month.
"""

# Two copies of one entry, as real glossaries grow them (written for these tests).
BACKEND_TEXT = """\
Builds and runs the server side of web applications: the APIs, the business rules and
the databases behind them. Works with front-end developers so that every screen gets the
data it needs quickly and safely, and keeps services fast and reliable under load.

## Skills
1. **Programming:** Writes maintainable code in languages such as Java, Go or Python.
2. **Databases:** Designs schemas, writes queries and keeps data consistent.
"""


def check(files: dict[str, str | bytes]) -> FolderCheck:
    """Check files given as {path: content} without touching the disk."""
    results = []
    sources = {}
    for name, content in files.items():
        raw = content.encode() if isinstance(content, str) else content
        results.append(parse_entry(Path(name), raw))
        sources[Path(name)] = raw.decode("utf-8", "replace")
    return check_folder(results, sources=sources)


def lines(files: dict[str, str | bytes]) -> list[str]:
    return [str(p) for p in check(files).problems]


def entry(title: str, body: str, extra: str = "") -> str:
    return f"---\ntitle: {title}\n{extra}---\n{body}"


def test_a_clean_folder_counts_entries_and_passages() -> None:
    result = check({"kb/payroll.md": PAYROLL, "kb/bonus.md": entry("Bonus", "Extra pay.\n")})
    assert (result.entries, result.passages, result.errors, result.warnings) == (2, 3, 0, 0)
    assert result.problems == ()


# --- errors found in single files (parsing) and across files -------------------------------


def test_non_utf8_file_is_an_error_at_the_bad_line() -> None:
    raw = b"---\ntitle: Caf\xe9\n---\nText.\n"
    assert lines({"kb/cafe.md": raw}) == [
        "kb/cafe.md:2: the file is not UTF-8 text: save it with UTF-8 encoding"
    ]


def test_missing_front_matter_is_an_error() -> None:
    assert lines({"kb/x.md": "Just text.\n"}) == [
        "kb/x.md:1: missing front matter: start the file with a '---' line, "
        "'title: <the term>' and another '---' line"
    ]


def test_broken_yaml_is_reported_at_its_line() -> None:
    assert lines({"kb/x.md": "---\ntitle: X\naliases: [A, B\n---\nText.\n"}) == [
        "kb/x.md:3: broken front matter (expected ',' or ']', but got '<stream end>'): "
        "write 'key: value' lines, and quote values that contain ':' or '#'"
    ]


def test_missing_title_is_an_error() -> None:
    assert lines({"kb/x.md": "---\nurl: https://example.com/x\n---\nText.\n"}) == [
        "kb/x.md:2: missing title: add 'title: <the term>' to the front matter"
    ]


def test_empty_body_is_an_error() -> None:
    assert lines({"kb/x.md": "---\ntitle: X\n---\n\n"}) == [
        "kb/x.md:4: the entry has no text: write a definition below the '---'"
    ]


def test_malformed_url_is_an_error() -> None:
    assert lines({"kb/x.md": entry("X", "Text.\n", "url: www.example.com/x\n")}) == [
        "kb/x.md:3: malformed url 'www.example.com/x': use a full link like "
        "https://example.com/glossary/term"
    ]


def test_duplicate_entry_id_keeps_the_first_file() -> None:
    result = check({"kb/a/pto.md": entry("PTO", "Paid time off.\n"), "kb/b/pto.md": PAYROLL})
    assert [str(p) for p in result.problems] == [
        "kb/b/pto.md:1: duplicate entry id 'pto' (also kb/a/pto.md): rename one of the files"
    ]
    assert (result.entries, result.errors) == (1, 1)


def test_the_same_title_in_two_entries_is_an_error_on_the_second() -> None:
    files = {"kb/payroll.md": PAYROLL, "kb/salary.md": entry("payroll", "Other text.\n")}
    assert lines(files) == [
        "kb/salary.md:2: the title 'payroll' is also the title of kb/payroll.md: "
        "a name may belong to one entry only, so remove it here or merge the two entries"
    ]


def test_an_alias_claimed_twice_is_reported_at_the_alias_line() -> None:
    other = "---\ntitle: Wages\naliases:\n  - Pay\n  - salary run\n---\nMoney for work.\n"
    assert lines({"kb/payroll.md": PAYROLL, "kb/wages.md": other}) == [
        "kb/wages.md:5: the alias 'salary run' is also the alias of kb/payroll.md: "
        "a name may belong to one entry only, so remove it here or merge the two entries"
    ]


def test_an_alias_equal_to_its_own_title_is_fine() -> None:
    assert lines({"kb/x.md": entry("Payroll", "Text.\n", "aliases: [payroll]\n")}) == []


def test_names_differ_only_in_case_spacing_and_unicode_form() -> None:
    assert name_key("  Back-end   ENGINEER ") == name_key("back-end engineer")
    assert name_key("ﬁntech") == name_key("fintech")  # the "fi" ligature, NFKC
    assert name_key("Backend Engineer") != name_key("Back-end Engineer")


# --- warnings -------------------------------------------------------------------------------


def test_unknown_front_matter_key_is_a_warning() -> None:
    result = check({"kb/x.md": entry("X", "Text.\n", "owner: HR\n")})
    assert [str(p) for p in result.problems] == [
        "kb/x.md:3: warning: unknown front-matter key 'owner' is ignored: "
        "use one of aliases, tags, title, updated, url"
    ]
    assert (result.errors, result.warnings) == (0, 1)


def test_a_long_entry_without_sections_is_a_warning_at_its_second_paragraph() -> None:
    first, second = "Lead. " * 70, "More. " * 60
    body = f"{first.strip()}\n\n{second.strip()}\n"
    text = entry("X", body)
    length = len(first.strip()) + len(second.strip())
    assert length > MAX_PASSAGE_CHARS
    assert lines({"kb/x.md": text}) == [
        f"kb/x.md:6: warning: the entry has no sections but {length} characters of text: add "
        "'## Heading' lines (e.g. '## Overview') so answers can name the part they quote"
    ]


def test_a_short_entry_needs_no_sections() -> None:
    assert lines({"kb/x.md": entry("X", "One short definition.\n\nAnd a second line.\n")}) == []


def test_a_very_long_paragraph_is_a_warning() -> None:
    paragraph = "This sentence is part of a paragraph that goes on. " * 30
    text = entry("X", f"Lead.\n\n## Details\n{paragraph.strip()}\n")
    assert len(paragraph.strip()) == 1529 > LONG_BLOCK_CHARS
    assert lines({"kb/x.md": text}) == [
        "kb/x.md:7: warning: very long paragraph (1529 characters, more than 1400): the bot "
        "quotes it in pieces; split it into shorter paragraphs"
    ]


def test_a_very_long_list_item_is_a_warning() -> None:
    item = "A list item that keeps going. " * 50
    text = entry("X", f"Lead.\n\n## Steps\n1. Short item.\n2. {item.strip()}\n")
    assert lines({"kb/x.md": text}) == [
        f"kb/x.md:8: warning: very long list item ({len(item.strip())} characters, more than "
        "1400): the bot quotes it in pieces; split it into shorter paragraphs"
    ]


def test_near_duplicate_entries_are_a_warning_on_the_later_file() -> None:
    files = {
        "kb/back-end-engineer.md": entry("Back-end Engineer", BACKEND_TEXT),
        "kb/backend-engineer.md": entry(
            "Backend Engineer", BACKEND_TEXT.replace("quickly and safely", "fast")
        ),
        "kb/payroll.md": PAYROLL,
    }
    assert lines(files) == [
        "kb/backend-engineer.md:1: warning: near-duplicate of kb/back-end-engineer.md (83% of "
        "the wording is the same): merge them into one entry and list the other names under "
        "'aliases'"
    ]


def test_similar_names_lower_the_bar_for_near_duplicates() -> None:
    # Half of the text is rewritten: too different on its own, but the names match.
    rewritten = BACKEND_TEXT.split(", and keeps services", maxsplit=1)[0] + (
        ".\n\n## Skills\n1. **Languages:** Uses Kotlin, Rust and TypeScript every day.\n"
        "2. **Storage:** Tunes indexes and migrations for large tables.\n"
    )
    first = entry("Back-end Developer", BACKEND_TEXT)
    second = entry("Backend Developer", rewritten)
    third = entry("Server Developer", rewritten)
    result = lines({"kb/a.md": first, "kb/b.md": second, "kb/c.md": third})
    assert [line.split(" (")[0] for line in result] == [
        "kb/b.md:1: warning: near-duplicate of kb/a.md",
        "kb/c.md:1: warning: near-duplicate of kb/b.md",
    ]


def test_name_words_join_compounds_without_stemming() -> None:
    assert name_words("Back-end Engineer") == name_words("Back End Engineer") == "backend engineer"
    assert name_words("Authentication") != name_words("Authenticator")


def test_entries_on_related_topics_are_not_near_duplicates() -> None:
    contents = load_folder(ROOT / "knowledge")
    assert find_near_duplicates(contents.entries) == []


def test_problems_are_sorted_by_path_then_line() -> None:
    files = {
        "kb/z.md": "no front matter\n",
        "kb/a.md": entry("A", "Text.\n", "owner: HR\nurl: nope\n"),
    }
    assert [(str(p.path), p.line) for p in check(files).problems] == [
        ("kb/a.md", 3),
        ("kb/a.md", 4),
        ("kb/z.md", 1),
    ]


def test_the_bundled_knowledge_folder_is_clean() -> None:
    folder = ROOT / "knowledge"
    results = []
    for path in sorted(folder.rglob("*.md")):
        results.append(parse_entry(path, path.read_bytes()))
    result = check_folder(results)
    assert [str(p) for p in result.problems] == []


def test_the_mdn_corpus_has_only_its_real_alias_clashes() -> None:
    if not MDN.is_dir():
        pytest.skip("../shared is absent (corpora are only on developer machines)")
    paths = sorted(MDN.glob("*.md"))
    sources = {p: p.read_text(encoding="utf-8") for p in paths}
    results = [parse_entry(p, sources[p].encode()) for p in paths]
    result = check_folder(results, sources=sources)
    errors = [str(p).replace(str(MDN), "mdn") for p in result.problems if p.severity == "error"]
    assert errors == [
        "mdn/css_descriptor.md:6: the alias 'CSS' is also the title of mdn/css.md: a name may "
        "belong to one entry only, so remove it here or merge the two entries",
        "mdn/css_selector.md:6: the alias 'CSS' is also the title of mdn/css.md: a name may "
        "belong to one entry only, so remove it here or merge the two entries",
    ]
    duplicates = [p for p in result.problems if "near-duplicate" in p.message]
    assert [(p.path.name, p.message.split(" (")[0]) for p in duplicates] == [
        ("logical_properties.md", f"near-duplicate of {MDN / 'flow_relative_values.md'}")
    ]
    assert result.entries == 626
