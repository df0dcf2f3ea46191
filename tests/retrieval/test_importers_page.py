"""Importing page text saved from a glossary website: the generated file round-trips."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.importers import SourceError, convert_page_text, convert_source, render_entry
from retrieval.models import Entry
from retrieval.parsing import parse_entry
from retrieval.validation import check_folder

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "tests" / "fixtures" / "content" / "page"
SEED = ROOT / ".." / "shared" / "seed" / "back-end-engineer.page.txt"


def round_trip(text: str, name: str) -> Entry:
    """Parse generated Markdown as the bot would; it must have no problem at all."""
    result = parse_entry(Path("knowledge") / name, text.encode())
    assert result.problems == ()
    assert result.entry is not None
    return result.entry


def items(entry: Entry, section: str) -> list[tuple[str | None, str]]:
    return [(b.label, b.text) for b in entry.blocks if b.section == section and b.is_item]


def test_page_text_becomes_an_entry_with_sections_and_labelled_items() -> None:
    page = (PAGES / "data-steward.page.txt").read_text(encoding="utf-8")
    [imported], problems = convert_source(
        "page", page, url="https://wiki.example.com/data-steward", tags=["roles"]
    )
    assert problems == []
    assert imported.slug == "data-steward"
    entry = round_trip(imported.text, "data-steward.md")
    assert entry.title == "Data Steward"
    assert entry.url == "https://wiki.example.com/data-steward"
    assert entry.aliases == ("Data Custodian",)
    assert entry.tags == ("roles",)
    assert entry.updated == "2024-06-04"
    assert entry.sections == ("Overview", "Responsibilities", "Where They Work", "Conclusion")
    assert entry.lead.startswith("A Data Steward, also known as a Data Custodian, is the person")
    assert [label for label, _ in items(entry, "Responsibilities")] == [
        "Definitions",
        "Data Quality",
        "Access and Privacy",
    ]
    assert items(entry, "Where They Work") == [
        (
            "Banking",
            "Regulators expect banks to explain every figure in a report, so stewards trace "
            "numbers back to their sources.",
        ),
        (
            "Retail",
            "Product and customer records come from many suppliers and shops, and stewards "
            "keep them consistent.",
        ),
    ]
    intro = [b.text for b in entry.blocks if b.section == "Where They Work" and not b.is_item]
    assert intro == ["Most organisations with shared reporting need stewards, in particular:"]
    # The site footer is gone.
    assert "Recent Articles" not in imported.text
    assert "data catalogue" not in imported.text
    assert "Back to top" not in imported.text


def test_the_generated_file_reads_like_a_hand_written_one() -> None:
    page = (PAGES / "data-steward.page.txt").read_text(encoding="utf-8")
    text = render_entry(convert_page_text(page))
    assert text.splitlines()[:6] == [
        "---",
        "title: Data Steward",
        "aliases: [Data Custodian]",
        "updated: 2024-06-04",
        "---",
        "A Data Steward, also known as a Data Custodian, is the person who looks after the "
        "quality, meaning and safe use of a company's data. Stewards agree on definitions "
        "with business teams, watch data quality and make sure that sensitive records are "
        "handled according to policy.",
    ]
    assert (
        "1. **Definitions:** Stewards write down what each business term means, for example "
        "when a customer counts as active, and publish it in the company glossary."
    ) in text.splitlines()


def test_the_seed_page_imports_exactly() -> None:
    if not SEED.is_file():
        pytest.skip("../shared is absent (the seed page is only on developer machines)")
    page = SEED.read_text(encoding="utf-8")
    draft = convert_page_text(page, url="https://itexus.com/glossary/back-end-engineer-2/")
    entry = round_trip(render_entry(draft), "back-end-engineer.md")
    assert entry.title == "Back-end Engineer"
    assert entry.aliases == ("Server-side Developer",)
    assert entry.updated == "2024-03-19"
    assert entry.sections == ("Overview", "Advantages", "Applications", "Conclusion")
    assert [label for label, _ in items(entry, "Advantages")] == [
        "Expertise in Programming",
        "Database Management",
        "Security and Performance",
        "API Development",
    ]
    assert [label for label, _ in items(entry, "Applications")] == [
        "Software Development",
        "Fintech",
        "Healthtech",
        "IT Consultancy",
    ]
    fintech = dict(items(entry, "Applications"))["Fintech"]
    assert fintech.startswith("Back-end Engineers play a crucial role in the development of")
    assert "Recent Articles" not in render_entry(draft)
    # ... and it passes check.
    path = Path("knowledge/back-end-engineer.md")
    result = check_folder([parse_entry(path, render_entry(draft).encode())])
    assert (result.entries, result.errors, result.warnings) == (1, 0, 0)


def test_a_page_without_breadcrumb_takes_its_first_short_line_as_title() -> None:
    draft = convert_page_text("Churn Rate\n\nThe share of customers who leave in a period.\n")
    assert draft.title == "Churn Rate"
    assert [b.text for b in draft.lead] == ["The share of customers who leave in a period."]
    assert draft.sections == ()


def test_bullets_and_wrapped_lines_are_read_as_items() -> None:
    page = (
        "KPI\n\nA key performance indicator.\n\nExamples\n\n"
        "- Revenue: money earned\n  in a quarter.\n- Churn\n"
    )
    entry = round_trip(render_entry(convert_page_text(page)), "kpi.md")
    assert items(entry, "Examples") == [("Revenue", "money earned in a quarter."), (None, "Churn")]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.page.txt", "the file is empty: paste the text of a glossary page into it"),
        (
            "no-title.page.txt",
            "no title found: the page text must start with the term on a line of its own "
            "(or a 'Home / Glossary / Term' breadcrumb)",
        ),
        (
            "title-only.page.txt",
            "the page 'Churn Rate' has no text below its title: copy the whole page, not only "
            "its heading",
        ),
    ],
)
def test_unusable_pages_say_what_to_fix(name: str, message: str) -> None:
    with pytest.raises(SourceError) as caught:
        convert_page_text((PAGES / name).read_text(encoding="utf-8"))
    assert str(caught.value) == message
