"""Importing spreadsheet exports (CSV, JSON): good rows import, bad rows are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.importers import SourceError, convert_csv, convert_json, convert_source
from retrieval.parsing import parse_entry

TABLES = Path(__file__).resolve().parents[1] / "fixtures" / "content" / "table"


def read(name: str) -> str:
    return (TABLES / name).read_text(encoding="utf-8")


def test_csv_rows_become_entries_and_bad_rows_are_reported_with_their_line() -> None:
    imported, problems = convert_source("csv", read("hr-glossary.csv"))
    assert [(e.slug, e.title) for e in imported] == [
        ("onboarding", "Onboarding"),
        ("probation-period", "Probation Period"),
        ("offboarding", "Offboarding"),
    ]
    assert [(p.describe("hr.csv"), p.skipped) for p in problems] == [
        ("hr.csv:6: 'Sabbatical' has no definition: write one or delete the row", True),
        ("hr.csv:7: no term: fill in the term or delete the row", True),
        (
            "hr.csv:8: the url 'intranet/offboarding' of 'Offboarding' is not a full link "
            "(https://...): imported without it",
            False,
        ),
        (
            "hr.csv:9: 'onboarding' appears again (first on line 2): merge the two rows; "
            "this one was skipped",
            True,
        ),
    ]
    assert imported[0].text == (
        "---\n"
        "title: Onboarding\n"
        "url: https://intranet.example.com/hr/onboarding\n"
        "aliases: [Induction, Orientation]\n"
        "---\n"
        "The first weeks of a new employee: accounts, equipment, introductions and a buddy "
        "who answers questions.\n"
    )


def test_a_multi_line_definition_keeps_its_paragraphs() -> None:
    imported, _ = convert_source("csv", read("hr-glossary.csv"))
    probation = parse_entry(Path("probation-period.md"), imported[1].text.encode()).entry
    assert probation is not None
    assert [b.text for b in probation.blocks] == [
        "The first three months of a contract, during which either side may end it with one "
        "week's notice.",
        "Your manager reviews the period with you before it ends.",
    ]


def test_semicolon_separated_csv_with_loose_headers() -> None:
    batch = convert_csv(read("semicolons.csv"), tags=["hr"])
    assert [(d.title, d.aliases, d.tags) for d in batch.drafts] == [
        ("Sick Leave", ("Sick Day",), ("hr",)),
        ("Parental Leave", ("up to 12 months",), ("hr",)),
    ]
    assert batch.drafts[0].lead[0].text == (
        "Time off when you are ill; tell your manager before 9:00."
    )
    assert [p.describe("s.csv") for p in batch.problems] == [
        "s.csv:3: the row of 'Parental Leave' has more cells than the header: put cells that "
        "contain ';' in double quotes; imported the first ones only"
    ]


def test_csv_without_the_needed_columns_is_refused() -> None:
    with pytest.raises(SourceError) as caught:
        convert_csv(read("no-columns.csv"))
    assert str(caught.value) == (
        "needs columns 'term' and 'definition' (found 'Keyword', 'Notes'): make the first row "
        "term,definition,url,aliases"
    )


def test_empty_csv_is_refused() -> None:
    with pytest.raises(SourceError) as caught:
        convert_csv("\n")
    assert str(caught.value) == "the file is empty: export the glossary sheet as CSV into it"


def test_json_objects_become_entries_and_bad_items_are_named() -> None:
    imported, problems = convert_source("json", read("hr-glossary.json"), tags=["hr"])
    assert [e.slug for e in imported] == ["remote-work", "overtime"]
    assert [p.describe("hr.json") for p in problems] == [
        "hr.json: item 3: 'Bonus' has no definition: write one or delete the row",
        "hr.json: item 4: not an object with term and definition: skipped",
    ]
    overtime = parse_entry(Path("overtime.md"), imported[1].text.encode()).entry
    assert overtime is not None
    assert [(b.text, b.is_item) for b in overtime.blocks] == [
        ("Hours worked beyond the contract.", False),
        ("Paid at 125% on weekdays", True),
        ("Paid at 150% on Sundays", True),
    ]
    remote = parse_entry(Path("remote-work.md"), imported[0].text.encode()).entry
    assert remote is not None
    assert (remote.aliases, remote.tags, remote.url) == (
        ("Home Office", "WFH"),
        ("hr",),
        "https://intranet.example.com/hr/remote",
    )


def test_json_may_map_terms_to_definitions() -> None:
    batch = convert_json('{"PTO": "Paid time off.", "TOIL": "Time off in lieu."}')
    assert [(d.title, d.lead[0].text) for d in batch.drafts] == [
        ("PTO", "Paid time off."),
        ("TOIL", "Time off in lieu."),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty: export the glossary as JSON into it"),
        (
            '[{"term": "x",}]',
            "not valid JSON (line 1, column 15: Expecting property name enclosed in double "
            "quotes): export the file again or fix it in a JSON checker",
        ),
        (
            '[{"name": "x", "notes": "y"}]',
            "needs keys 'term' and 'definition' (found 'name', 'notes'): give every object "
            '"term" and "definition"',
        ),
        (
            '"just a string"',
            "the JSON must be a list of objects like "
            '[{"term": "API", "definition": "..."}] or an object mapping terms to definitions',
        ),
    ],
)
def test_unusable_json_says_what_to_fix(text: str, message: str) -> None:
    with pytest.raises(SourceError) as caught:
        convert_json(text)
    assert str(caught.value) == message
