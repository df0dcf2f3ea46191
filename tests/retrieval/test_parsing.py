"""Specification of the knowledge format: what parses, and every problem with its line."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from retrieval import parsing
from retrieval.loading import load_folder
from retrieval.models import Severity
from retrieval.parsing import parse_entry

VALID = """\
---
title: Back-end Engineer
url: https://itexus.com/glossary/back-end-engineer-2/
aliases: [Server-side Developer, Backend Engineer]
tags: [roles, engineering]
updated: 2024-03-19
---
A Back-end Engineer builds the server side of web applications.

Second lead paragraph.

## Overview
They provide the foundation of the application.

## Advantages
1. **Expertise in Programming:** Strong command of Java and Python.
2. **Database Management:** Proficient with SQL.

## Applications
Valuable in many industries:

1. **Fintech:** Payment gateways and online banking.
2. **Healthtech**: Medical record systems.

## Conclusion
Essential members of development teams.
"""


def parse(text: str | bytes, name: str = "back-end-engineer.md"):  # type: ignore[no-untyped-def]
    raw = text.encode() if isinstance(text, str) else text
    return parse_entry(Path("knowledge") / name, raw)


def messages(text: str | bytes) -> list[str]:
    return [str(p) for p in parse(text).problems]


def test_valid_entry_has_front_matter_fields() -> None:
    entry = parse(VALID).entry
    assert entry is not None
    assert entry.id == "back-end-engineer"
    assert entry.title == "Back-end Engineer"
    assert entry.url == "https://itexus.com/glossary/back-end-engineer-2/"
    assert entry.aliases == ("Server-side Developer", "Backend Engineer")
    assert entry.tags == ("roles", "engineering")
    assert entry.updated == "2024-03-19"


def test_valid_entry_blocks_keep_sections_labels_and_lines() -> None:
    entry = parse(VALID).entry
    assert entry is not None
    assert entry.sections == ("Overview", "Advantages", "Applications", "Conclusion")
    assert entry.lead == (
        "A Back-end Engineer builds the server side of web applications.\n\nSecond lead paragraph."
    )
    items = [(b.section, b.label, b.text, b.line) for b in entry.blocks if b.is_item]
    assert items == [
        ("Advantages", "Expertise in Programming", "Strong command of Java and Python.", 16),
        ("Advantages", "Database Management", "Proficient with SQL.", 17),
        ("Applications", "Fintech", "Payment gateways and online banking.", 22),
        ("Applications", "Healthtech", "Medical record systems.", 23),
    ]
    assert parse(VALID).problems == ()


def test_links_and_code_become_plain_text() -> None:
    entry = parse("---\ntitle: X\n---\nSee [the docs](https://x.y) and `C++` code.\n").entry
    assert entry is not None
    assert entry.blocks[0].text == "See the docs and C++ code."


def test_item_without_bold_label_has_no_label() -> None:
    entry = parse("---\ntitle: X\n---\nLead.\n\n## Uses\n- plain item\n").entry
    assert entry is not None
    assert [(b.label, b.text) for b in entry.blocks if b.is_item] == [(None, "plain item")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "title: X\n\nbody\n",
            "knowledge/back-end-engineer.md:1: missing front matter: start the file with a "
            "'---' line, 'title: <the term>' and another '---' line",
        ),
        (
            "---\ntitle: X\nbody\n",
            "knowledge/back-end-engineer.md:1: the front matter is never closed: "
            "add a '---' line after the last key",
        ),
        (
            "---\ntitle: X\naliases: [a, b\n---\nbody\n",
            "knowledge/back-end-engineer.md:3: broken front matter (expected ',' or ']', but got "
            "'<stream end>'): write 'key: value' lines, and quote values that contain ':' or '#'",
        ),
        (
            "---\ntags: [a]\n---\nbody\n",
            "knowledge/back-end-engineer.md:2: missing title: add 'title: <the term>' "
            "to the front matter",
        ),
        (
            "---\ntitle: X\nurl: not a link\n---\nbody\n",
            "knowledge/back-end-engineer.md:3: malformed url 'not a link': use a full link like "
            "https://example.com/glossary/term",
        ),
        (
            "---\ntitle: X\n---\n\n   \n",
            "knowledge/back-end-engineer.md:4: the entry has no text: write a definition "
            "below the '---'",
        ),
        (
            "---\ntitle: X\nupdated: last week\n---\nbody\n",
            "knowledge/back-end-engineer.md:3: 'updated' must be a date like 2024-03-19, "
            "not 'last week'",
        ),
        (
            "---\ntitle: X\naliases: {a: b}\n---\nbody\n",
            "knowledge/back-end-engineer.md:3: 'aliases' must be a list of names, "
            "like 'aliases: [First, Second]'",
        ),
    ],
)
def test_each_error_is_reported_with_its_line(text: str, expected: str) -> None:
    result = parse(text)
    assert result.entry is None
    assert messages(text) == [expected]


def test_a_key_given_twice_is_an_error_at_its_second_line() -> None:
    assert messages("---\ntitle: A\ntags: [x]\ntitle: B\n---\nbody\n") == [
        "knowledge/back-end-engineer.md:4: broken front matter (the key 'title' appears twice, "
        "keep one): write 'key: value' lines, and quote values that contain ':' or '#'"
    ]


def test_item_text_keeps_a_leading_dash_after_the_label() -> None:
    entry = parse("---\ntitle: X\n---\nLead.\n\n## Uses\n1. **Range:** -5 to 5\n").entry
    assert entry is not None
    assert [(b.label, b.text) for b in entry.blocks if b.is_item] == [("Range", "-5 to 5")]


def test_non_utf8_file_reports_the_line_of_the_bad_byte() -> None:
    raw = b"---\ntitle: Caf\xe9\n---\nbody\n"
    assert messages(raw) == [
        "knowledge/back-end-engineer.md:2: the file is not UTF-8 text: save it with UTF-8 encoding"
    ]


def test_all_problems_of_a_file_are_reported_in_one_pass() -> None:
    text = "---\nurl: nope\ncolour: blue\n---\nbody\n"
    assert messages(text) == [
        "knowledge/back-end-engineer.md:3: warning: unknown front-matter key 'colour' is "
        "ignored: use one of aliases, tags, title, updated, url",
        "knowledge/back-end-engineer.md:2: missing title: add 'title: <the term>' to the front matter",
        "knowledge/back-end-engineer.md:2: malformed url 'nope': use a full link like "
        "https://example.com/glossary/term",
    ]


def test_unknown_key_is_only_a_warning() -> None:
    result = parse("---\ntitle: X\nowner: hr\n---\nbody\n")
    assert result.entry is not None
    assert [p.severity for p in result.problems] == [Severity.WARNING]


def test_windows_line_endings_and_bom_are_accepted() -> None:
    raw = ("\ufeff" + VALID.replace("\n", "\r\n")).encode()
    entry = parse(raw).entry
    assert entry is not None
    assert entry.sections == ("Overview", "Advantages", "Applications", "Conclusion")


def test_a_broken_file_never_stops_the_others(tmp_path: Path) -> None:
    (tmp_path / "good.md").write_text("---\ntitle: Good\n---\nA good entry.\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "also-good.md").write_text("---\ntitle: Also Good\n---\nText.\n")
    (tmp_path / "broken.md").write_text("---\ntitle: [unclosed\n---\nText.\n")
    (tmp_path / "latin1.md").write_bytes(b"---\ntitle: X\n---\nna\xefve\n")
    contents = load_folder(tmp_path)
    assert [e.id for e in contents.entries] == ["also-good", "good"]
    assert sorted(p.path.name for p in contents.problems) == ["broken.md", "latin1.md"]


def test_duplicate_entry_ids_are_an_error(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "api.md").write_text("---\ntitle: API\n---\nFirst.\n")
    (tmp_path / "b" / "api.md").write_text("---\ntitle: API again\n---\nSecond.\n")
    contents = load_folder(tmp_path)
    assert [e.title for e in contents.entries] == ["API"]
    assert [str(p) for p in contents.problems] == [
        f"{tmp_path}/b/api.md:1: duplicate entry id 'api' (also {tmp_path}/a/api.md): "
        "rename one of the files"
    ]


# Pieces of Markdown that start, end or nearly make every construct of CommonMark.
_PIECES = (
    "Foo", "bar baz", "---", "===", "=", "-", "- ", "* ", "1. ", "2) ", "> ", ">", "  ", "    ",
    "\t", "\n", "\n\n", "**x:**", "*a*", "_b_", "__c__", "`code`", "``", "```", "~~~", "~~x~~",
    "[a](b)", "[ref]", '[ref]: /u "t"', "![i](s)", "<b>", "</b>", "<div>", "<!-- c -->",
    "<http://a.b>", "&amp;", "&#42;", "&copy", "\\*", "\\", "#", "## H", "# ", "***", "___",
    "- - -", "a-b", "x: y", "+++", "!", "]", "[", "(", ")", '"', "'", "  \n", "\\\n",
    '<a href="x">', "-->", "é", "|a|b|", "{", "$", "@", "^", "\r\n",
)  # fmt: skip


def _tokens(tokens: list[Token]) -> list[Any]:
    return [
        (t.type, t.tag, t.nesting, t.level, t.map, t.content, t.markup, t.info, dict(t.attrs),
         t.block, t.hidden, t.meta, None if t.children is None else _tokens(t.children))
        for t in tokens
    ]  # fmt: skip


def _documents() -> list[str]:
    rng = random.Random(6)
    documents = [VALID, VALID.replace("\n", "\r\n"), "Foo\n---\n", "> a\n> ===\n", "- a\n  ---\n"]
    for _ in range(3000):  # each from a few kinds of piece, so that rules are left out
        kinds = rng.sample(_PIECES, rng.randint(2, 12))
        documents.append("".join(rng.choice(kinds) for _ in range(rng.randint(1, 40))))
    return documents


def test_the_trimmed_parsers_give_commonmarks_tokens() -> None:
    full = MarkdownIt("commonmark")
    for document in _documents():
        assert _tokens(parsing._parser(document).parse(document)) == _tokens(full.parse(document))
    assert len(parsing._parsers) > 20  # many rule sets were tried


def test_a_plain_document_leaves_out_the_rules_it_cannot_use() -> None:
    body = VALID.split("---\n", 2)[2]
    rules = parsing._parser(body).get_active_rules()
    assert "html_block" not in rules["block"] and "lheading" not in rules["block"]
    assert "entity" not in rules["inline"] and "emphasis" in rules["inline"]
