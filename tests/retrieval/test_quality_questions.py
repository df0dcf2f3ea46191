"""Answer quality on a tiny fixture glossary: typos, filler, synonyms, sections, refusals.

Each row is a question a person could type, the hit it must get first and whether the
bot may answer. Extend the table when a new kind of question matters.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval import Glossary
from retrieval.explain import explain

FIXTURES = Path(__file__).resolve().parent / "fixtures_quality"


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return Glossary.from_folder(FIXTURES)


GOLDEN = [
    # (question, (entry, section, label) of the first hit); every one must be answered
    ("what is a proimse", ("promise", None, None)),
    ("hi, quick question: what does CORS stand for?", ("cors", None, None)),
    ("cross origin resource sharing", ("cors", None, None)),
    ("hypertext transfer protocol", ("http", None, None)),  # acronym learned from the lead
    ("benefits of a back-end engineer", ("back-end-engineer", "Advantages", "API Development")),
    ("what do back-end engineers do in fintech", ("back-end-engineer", "Applications", "Fintech")),
    ("what is k8s", ("kubernetes", None, None)),  # the folder's synonyms.txt
]


@pytest.mark.parametrize(("question", "first"), GOLDEN)
def test_golden_question(
    glossary: Glossary, question: str, first: tuple[str, str | None, str | None]
) -> None:
    answer = glossary.answer(question)
    assert answer.answered
    assert answer.best is not None
    assert (answer.best.entry, answer.best.section, answer.best.label) == first


def test_typo_is_corrected_against_the_vocabulary(glossary: Glossary) -> None:
    answer = glossary.answer("what is a proimse")
    assert answer.corrections == (("proimse", "promise"),)
    assert answer.terms == ("promis",)


def test_chat_filler_and_question_framing_are_dropped(glossary: Glossary) -> None:
    query = glossary._ranker.parser.parse("hi, quick question: what does CORS stand for?")
    assert query.dropped == ("hi", "quick", "question", "stand")
    assert query.analyzed == ("cor",)


def test_advantages_intent_ranks_the_advantages_section_first(glossary: Glossary) -> None:
    hits = glossary.search("what are the pros of a back-end engineer", limit=2)
    assert [(h.section, h.label) for h in hits] == [
        ("Advantages", "API Development"),
        ("Advantages", "Database Management"),
    ]


def test_out_of_glossary_question_is_not_answered(glossary: Glossary) -> None:
    answer = glossary.answer("what is Kotlin")
    assert not answer.answered
    assert answer.hits == ()


def test_near_miss_on_a_named_entry_is_refused(glossary: Glossary) -> None:
    """ "virtual DOM" names the DOM entry, but the word before it makes it another thing."""
    answer = glossary.answer("what is the virtual DOM")
    evidence = glossary._ranker.rank("what is the virtual DOM", 5).evidence
    assert not answer.answered
    assert [h.entry for h in answer.hits] == ["dom"]
    assert evidence is not None
    assert evidence.qualified
    assert evidence.missing == ("virtual",)


def test_a_name_inside_a_chatty_message_is_answered(glossary: Glossary) -> None:
    answer = glossary.answer(
        "hey, sorry to bother you, my colleague keeps mentioning the DOM in standups, "
        "what is it exactly?"
    )
    assert answer.answered
    assert answer.best is not None
    assert answer.best.entry == "dom"


def test_results_are_deterministic(glossary: Glossary) -> None:
    first = glossary.answer("browser server protocol", limit=10)
    again = Glossary.from_folder(FIXTURES).answer("browser server protocol", limit=10)
    assert first == again


def test_explain_shows_the_correction_score_parts_and_decision(glossary: Glossary) -> None:
    lines = explain(glossary, "what is a proimse", limit=2).splitlines()
    assert lines[:3] == [
        "terms: promis",
        "corrected: proimse -> promise (1 edit(s))",
        "entries (score = parts x weight):",
    ]
    assert lines[3].startswith("  1. promise  ")
    assert lines[3].endswith("+ name match 1.000x1 + exact name 1")
    assert lines[5].startswith("  1. Promise  ")
    assert lines[5].endswith("+ heading 0.000x0.3; matched: promis")
    assert lines[-1] == "answered: yes (coverage 1.00, name 1.00, margin 1.00)"


def test_why_questions_lean_to_the_advantages_section(glossary: Glossary) -> None:
    query = glossary._ranker.parser.parse("why hire a back-end engineer")
    assert [(t.term, t.weight, t.source) for t in query.terms] == [
        ("backend", 1.0, "question"),
        ("engin", 1.0, "question"),
        ("server", 0.5, "synonym"),  # backend, server-side (shipped synonyms)
        ("side", 0.5, "synonym"),
        ("advantag", 0.5, "synonym"),  # why -> advantages
    ]
    assert query.unknown == ("hire",)


def test_the_definition_goes_first_unless_a_section_is_asked_for(glossary: Glossary) -> None:
    definition = glossary.search("what is HTTP", limit=2)
    assert [h.text.split(" ")[:2] for h in definition] == [["The", "HyperText"], ["HTTP", "is"]]
    assert definition[0].score >= definition[1].score
    detail = glossary.search("is http stateless", limit=1)
    assert detail[0].text.startswith("HTTP is stateless")


def test_a_passing_mention_does_not_answer_a_short_question(glossary: Glossary) -> None:
    """Several entries mention browsers, none is about them: suggestions, not an answer."""
    answer = glossary.answer("what is a browser")
    evidence = glossary._ranker.rank("what is a browser", 5).evidence
    assert answer.hits
    assert not answer.answered
    assert evidence is not None
    assert (evidence.coverage, evidence.name, evidence.heading) == (1.0, 0.0, 0.0)
