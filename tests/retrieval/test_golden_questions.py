"""Golden questions over the bundled knowledge: the table anyone can extend.

Each row of ``golden_questions.tsv`` names the entry that must come first, and where it
matters the section and item label of the best passage.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest

from retrieval import Glossary

HERE = Path(__file__).resolve().parent
KNOWLEDGE = HERE.parents[1] / "knowledge"


class Golden(NamedTuple):
    question: str
    entry: str
    section: str | None
    label: str | None


def load_golden() -> list[Golden]:
    rows: list[Golden] = []
    for line in (HERE / "golden_questions.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        question, entry, section, label = line.split("\t")
        rows.append(
            Golden(
                question,
                entry,
                None if section == "-" else section,
                None if label == "-" else label,
            )
        )
    return rows


GOLDEN = load_golden()


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return Glossary.from_folder(KNOWLEDGE)


def test_the_table_is_big_enough_and_names_real_entries(glossary: Glossary) -> None:
    assert len(GOLDEN) >= 60
    assert {g.entry for g in GOLDEN} <= set(glossary.entries)


@pytest.mark.parametrize("golden", GOLDEN, ids=[g.question for g in GOLDEN])
def test_golden_question(glossary: Glossary, golden: Golden) -> None:
    answer = glossary.answer(golden.question)
    assert answer.hits, "no hit at all"
    best = answer.hits[0]
    assert answer.answered
    assert best.entry == golden.entry
    if golden.section is not None:
        assert best.section == golden.section
    if golden.label is not None:
        assert best.label == golden.label
