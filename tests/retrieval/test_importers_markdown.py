"""Writing drafts as knowledge files: Markdown and YAML escaping round-trip exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from retrieval.importers import EntryDraft, render_entry, slugify
from retrieval.importers.draft import DraftBlock, DraftSection, find_aliases, parse_date
from retrieval.importers.markdown import escape_markdown, yaml_scalar
from retrieval.parsing import parse_entry

TRICKY = [
    "Use *args and **kwargs",
    "snake_case_names and __dunder__",
    "A [link](http://x) and ![image](y.png)",
    "<b>not bold</b> & <script>",
    "1. not a list",
    "2) not a list either",
    "# not a heading",
    "> not a quote",
    "- not a bullet",
    "+ not a bullet",
    "--- not a rule",
    "Entities stay: &amp; &copy; &#169;",
    "Back\\slash and `code`",
    "C# and C++ and F#",
    "Ends with a hash #",
]


@pytest.mark.parametrize("text", TRICKY)
def test_paragraph_text_survives_markdown(text: str) -> None:
    draft = EntryDraft(
        title="X",
        lead=(DraftBlock(text),),
        sections=(
            DraftSection(
                text,
                (
                    DraftBlock("labelled", label=text, kind="ordered"),
                    DraftBlock(text, kind="ordered"),
                ),
            ),
        ),
    )
    entry = parse_entry(Path("x.md"), render_entry(draft).encode()).entry
    assert entry is not None
    lead, labelled, item = entry.blocks
    assert lead.text == text
    assert (labelled.section, labelled.label, labelled.text) == (text, text, "labelled")
    assert (item.label, item.text) == (None, text)


@pytest.mark.parametrize(
    "value", ["Yes", "no", "1.0", "2024", "null", "C#", "a: b", "x #y", "[list]", "'quoted'"]
)
def test_yaml_values_read_back_as_the_same_string(value: str) -> None:
    assert yaml.safe_load(f"k: {yaml_scalar(value)}") == {"k": value}
    assert yaml.safe_load(f"k: [{yaml_scalar(value, in_list=True)}]") == {"k": [value]}


def test_plain_values_stay_plain() -> None:
    assert yaml_scalar("Back-end Engineer") == "Back-end Engineer"
    assert yaml_scalar("https://itexus.com/glossary/back-end-engineer-2/") == (
        "https://itexus.com/glossary/back-end-engineer-2/"
    )
    assert yaml_scalar("Yes") == '"Yes"'
    assert yaml_scalar("a, b", in_list=True) == '"a, b"'


def test_escaping_only_touches_what_markdown_would_change() -> None:
    assert escape_markdown("Plain words, 100% fine: yes.") == "Plain words, 100% fine: yes."
    assert escape_markdown("1. item") == "1\\. item"
    assert escape_markdown("Title #", heading=True) == "Title \\#"


def test_front_matter_and_lists_are_written_in_the_documented_shape() -> None:
    draft = EntryDraft(
        title="Yes",
        lead=(DraftBlock("Lead."),),
        sections=(
            DraftSection(
                "Kinds",
                (
                    DraftBlock("Intro:"),
                    DraftBlock("first", label="One", kind="ordered"),
                    DraftBlock("second", kind="ordered"),
                    DraftBlock("a bullet", kind="bullet"),
                ),
            ),
        ),
        url="https://example.com/a#b",
        aliases=("Y", "Oui, Si"),
        tags=("misc",),
        updated="2024-03-19",
    )
    assert render_entry(draft) == (
        "---\n"
        'title: "Yes"\n'
        'url: "https://example.com/a#b"\n'
        'aliases: [Y, "Oui, Si"]\n'
        "tags: [misc]\n"
        "updated: 2024-03-19\n"
        "---\n"
        "Lead.\n"
        "\n"
        "## Kinds\n"
        "\n"
        "Intro:\n"
        "\n"
        "1. **One:** first\n"
        "2. second\n"
        "\n"
        "- a bullet\n"
    )


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Back-end Engineer", "back-end-engineer"),
        ("  UX / UI Designer ", "ux-ui-designer"),
        ("C++", "c-plus-plus"),
        ("C#", "c-sharp"),
        ("R&D", "r-and-d"),
        ("Café Société", "cafe-societe"),
        ("snake_case", "snake-case"),
        ("???", "entry"),
    ],
)
def test_file_names_are_slugs_of_the_title(title: str, slug: str) -> None:
    assert slugify(title) == slug


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("March 19, 2024", "2024-03-19"),
        ("Mar 19 2024", "2024-03-19"),
        ("19 March 2024", "2024-03-19"),
        ("2024-03-19", "2024-03-19"),
        ("February 30, 2024", None),
        ("Read 3 min", None),
    ],
)
def test_page_dates(text: str, iso: str | None) -> None:
    assert parse_date(text) == iso


@pytest.mark.parametrize(
    ("lead", "aliases"),
    [
        (
            "A Back-end Engineer, also known as a Server-side Developer, is ...",
            ("Server-side Developer",),
        ),
        ("An SLO (also called a service target) is ...", ("service target",)),
        ("Node.js, also known as Node or NodeJS, runs JavaScript.", ("Node", "NodeJS")),
        ("Also known as Node.js is wrong here", ("Node.js",)),
        ("X is also known as X.", ()),
        ("Nothing to see here.", ()),
    ],
)
def test_aliases_come_from_also_known_as(lead: str, aliases: tuple[str, ...]) -> None:
    assert find_aliases(lead, "X") == aliases
