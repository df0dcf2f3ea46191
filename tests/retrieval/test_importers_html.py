"""Importing saved HTML pages: content kept, site furniture dropped."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.importers import SourceError, convert_html, convert_source, detect_kind
from retrieval.parsing import parse_entry

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "content" / "html"
SLO_PAGE = (PAGES / "service-level-objective.html").read_text(encoding="utf-8")


def test_an_html_page_becomes_the_expected_knowledge_file() -> None:
    [imported], problems = convert_source("html", SLO_PAGE)
    assert problems == []
    assert imported.slug == "service-level-objective"
    assert imported.text == (
        "---\n"
        "title: Service Level Objective\n"
        "url: https://glossary.example.com/terms/slo\n"
        "aliases: [SLO]\n"
        "updated: 2024-05-21\n"
        "---\n"
        "A Service Level Objective, also called an SLO, is a target for how reliable a service "
        "should be, measured over a period of time, for example 99.9% of requests succeed each "
        "month.\n"
        "\n"
        "Teams use SLOs to decide when to ship features & when to slow down and fix "
        "reliability.\n"
        "\n"
        "## How it works\n"
        "\n"
        "An SLO is built from a service level indicator and a threshold.\n"
        "\n"
        "- **Indicator:** the measurement, such as the share of fast responses.\n"
        "- **Target:** the value the indicator should reach.\n"
        "- **Window:** the period the target applies to, often 28 days.\n"
        "\n"
        "### Error budget\n"
        "\n"
        "The gap between the target and 100% is the error budget a team may spend.\n"
        "\n"
        "## Common mistakes\n"
        "\n"
        "1. Setting every target to 100%, which leaves no room for change.\n"
        "2. Measuring what is easy instead of what users feel.\n"
        "\n"
        "- **SLA:** A contract with customers, usually looser than the SLO.\n"
    )


def test_the_imported_page_parses_into_sections_and_items() -> None:
    [imported], _ = convert_source("html", SLO_PAGE)
    result = parse_entry(Path("knowledge/service-level-objective.md"), imported.text.encode())
    assert result.problems == ()
    entry = result.entry
    assert entry is not None
    assert entry.sections == ("How it works", "Common mistakes")
    assert [(b.label, b.section) for b in entry.blocks if b.is_item][:3] == [
        ("Indicator", "How it works"),
        ("Target", "How it works"),
        ("Window", "How it works"),
    ]


def test_navigation_scripts_and_footers_are_dropped() -> None:
    draft = convert_html(SLO_PAGE)
    everything = " ".join(
        b.text for b in (*draft.lead, *(b for s in draft.sections for b in s.blocks))
    )
    for furniture in ("Example Corp", "Blog", "analytics", "Share on", "Uptime", "Back to top"):
        assert furniture not in everything
    assert "Related terms" not in [s.heading for s in draft.sections]


def test_url_option_wins_over_the_canonical_link_and_tags_are_added() -> None:
    draft = convert_html(SLO_PAGE, url="https://wiki.example.com/slo", tags=("ops",))
    assert (draft.url, draft.tags) == ("https://wiki.example.com/slo", ("ops",))


def test_without_h1_the_page_title_is_used_without_the_site_name() -> None:
    html = (
        "<html><head><title>Error Budget | Example Glossary</title></head>"
        "<body><p>What a team may spend on failures.</p><h2>Use</h2><p>Plan releases.</p>"
        "</body></html>"
    )
    draft = convert_html(html)
    assert draft.title == "Error Budget"
    assert [b.text for b in draft.lead] == ["What a team may spend on failures."]
    assert [s.heading for s in draft.sections] == ["Use"]


@pytest.mark.parametrize(
    ("html", "message"),
    [
        ("  \n", "the file is empty: save the glossary page as HTML into it"),
        (
            (PAGES / "no-title.html").read_text(encoding="utf-8"),
            "no title found: the page has no <h1> heading or <title>; save the entry's own "
            "page, not a list of entries",
        ),
        (
            "<html><body><h1>Uptime</h1><nav>Home</nav></body></html>",
            "the page 'Uptime' has no text below its title: save the entry's page with its "
            "content (File > Save Page As)",
        ),
    ],
)
def test_unusable_html_says_what_to_fix(html: str, message: str) -> None:
    with pytest.raises(SourceError) as caught:
        convert_html(html)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("name", "text", "kind"),
    [
        ("page.html", "", "html"),
        ("page.HTM", "", "html"),
        ("terms.csv", "", "csv"),
        ("terms.json", "", "json"),
        ("saved", "<!DOCTYPE html><html>", "html"),
        ("export", '[{"term": "x"}]', "json"),
        ("page.txt", "Home / Glossary / X", "page"),
    ],
)
def test_the_source_kind_comes_from_the_extension_or_the_content(
    name: str, text: str, kind: str
) -> None:
    assert detect_kind(name, text) == kind
