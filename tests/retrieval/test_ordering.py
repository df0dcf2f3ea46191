"""Passage ordering follows its documented rules exactly, checked against plain Python.

``reference`` spells the rules of ``retrieval.ordering`` out passage by passage; the
numpy version must give the same passages, parts and scores, bit for bit, for random
rankings of the bundled glossary (ties, named entries, aimed headings, unshown entries
among the candidates, a best entry with fewer passages than its allowance).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from retrieval import Glossary
from retrieval.analysis import analyze
from retrieval.fields import Fields
from retrieval.ordering import (
    AIMED_SHARE,
    PROMOTION_STEP,
    PassageParts,
    PassageWeights,
    heading_match,
    order_passages,
)

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"
WEIGHTS = PassageWeights(bm25=1.0, heading=0.3, lead=0.4)


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return Glossary.from_folder(KNOWLEDGE)


def share(fields: Fields, capped: Mapping[str, float], pid: int) -> float:
    """The best share of a heading's idf that the query names, summed in query order."""
    best = 0.0
    for index, mass in ((fields.sections, fields.section_mass), (fields.labels, fields.label_mass)):
        named = 0.0
        for term, weight in capped.items():
            if pid in index.postings(term).tolist():
                named += weight
        best = max(best, named / float(mass[pid]))
    return best


@dataclass
class Row:
    """One candidate passage of a shown entry, as the rules see it."""

    pid: int
    owner: int
    bm25: float
    heading: float
    total: float
    lead: bool = False
    full: bool = False  # keeps its entry's score


def reference(
    fields: Fields,
    entries: Sequence[tuple[int, float]],
    passages: Sequence[tuple[int, float]],
    capped: Mapping[str, float],
    *,
    limit: int,
    first_entry: int,
    named: Sequence[int],
) -> list[PassageParts]:
    """The rules of ``order_passages``, one passage at a time."""
    score_of = dict(entries)
    owner_of = fields.passage_entry.tolist()
    rows = []
    for pid, bm25 in passages:
        owner = owner_of[pid]
        if owner in score_of:
            heading = share(fields, capped, pid)
            total = score_of[owner] + WEIGHTS.bm25 * bm25 + WEIGHTS.heading * heading
            rows.append(Row(pid, owner, bm25, heading, total))
    by_entry: dict[int, list[Row]] = {}
    for row in rows:
        by_entry.setdefault(row.owner, []).append(row)
    for number, own in by_entry.items():
        best = max(r.total for r in own)
        # A question that is only the entry's name aims at none of its sections.
        aimed = number not in named and any(r.heading >= AIMED_SHARE for r in own)
        margin = np.inf if number in named else WEIGHTS.lead
        for r in own:
            lead = fields.is_lead[r.pid] == 1
            if lead and not aimed and r.total + margin >= best and r.total < best:
                r.total, r.lead = best + PROMOTION_STEP, True
        own.sort(key=lambda r: (-r.total, r.pid))
        allowance = first_entry if number == entries[0][0] else 1
        for r in own[:allowance]:
            r.full = True
    scored = [(r.total if r.full else r.total - score_of[r.owner], r) for r in rows]
    scored.sort(key=lambda item: (-item[0], item[1].pid))
    return [
        PassageParts(r.pid, score, score_of[r.owner] * r.full, r.bm25, r.heading, r.lead)
        for score, r in scored[:limit]
    ]


def random_case(glossary: Glossary, rng: random.Random) -> dict[str, Any]:
    """A ranking as ``Ranker`` hands it over: shown entries, their candidates and more."""
    fields = glossary._ranker.fields
    n_entries = len(fields.entry_ids)
    candidates = sorted(rng.sample(range(n_entries), rng.randint(1, 12)))
    shown = rng.sample(candidates, rng.randint(1, min(len(candidates), 10)))
    # Few distinct values, so that ties between entries and passages happen.
    entries = sorted(((n, rng.choice([0.5, 1.0, 1.25, 2.0])) for n in shown), key=lambda e: -e[1])
    starts = fields.entry_passages.tolist()
    pids = [p for n in candidates for p in range(starts[n], starts[n + 1]) if rng.random() < 0.9]
    bm25 = [rng.choice([0.0, 0.1, 0.3, 0.30000000000000004, 0.7]) for _ in pids]
    headings = [p.section or "" for p in glossary.passages] + [
        p.label or "" for p in glossary.passages
    ]
    words = [t for text in rng.sample(headings, 3) for t in analyze(text)] + ["api", "zzz"]
    capped = {t: rng.choice([0.5, 1.0, 2.5]) for t in rng.sample(words, min(len(words), 4))}
    return {
        "entries": entries,
        "passages": list(zip(pids, bm25, strict=True)),
        "capped": capped,
        "limit": rng.choice([1, 5, 10]),
        "first_entry": rng.choice([1, 2, 3]),
        "named": [n for n in shown if rng.random() < 0.2],
    }


def test_random_rankings_follow_the_rules_bit_for_bit(glossary: Glossary) -> None:
    fields = glossary._ranker.fields
    rng = random.Random(5)
    for _ in range(400):
        case = random_case(glossary, rng)
        passages = case["passages"]
        docs = np.asarray([p for p, _ in passages], dtype=np.int64)
        scores = np.asarray([s for _, s in passages], dtype=np.float64)
        found = order_passages(
            fields,
            weights=WEIGHTS,
            entries=case["entries"],
            passages=(docs, scores),
            capped=case["capped"],
            limit=case["limit"],
            first_entry=case["first_entry"],
            named=case["named"],
        )
        expected = reference(fields, **case)
        assert found == expected, case


def test_a_definition_close_enough_to_the_best_passage_goes_first(glossary: Glossary) -> None:
    fields = glossary._ranker.fields
    number = fields.entry_number["agile"]
    lo, hi = fields.entry_passages[number], fields.entry_passages[number + 1]
    docs = np.arange(lo, hi, dtype=np.int64)
    scores = np.zeros(len(docs))
    scores[1] = 0.3  # the second passage beats the definition by less than the margin
    parts = order_passages(
        fields, weights=WEIGHTS, entries=[(number, 1.0)], passages=(docs, scores),
        capped={}, limit=3,
    )  # fmt: skip
    assert [(p.passage - lo, p.score, p.entry, p.lead) for p in parts] == [
        (0, 1.3 + PROMOTION_STEP, 1.0, True),
        (1, 1.3, 1.0, False),
        (2, 0.0, 0.0, False),
    ]


def test_a_best_entry_with_one_candidate_lends_its_allowance_to_nobody(
    glossary: Glossary,
) -> None:
    fields = glossary._ranker.fields
    starts = fields.entry_passages.tolist()
    docs = np.asarray([starts[0], *range(starts[1], starts[2])], dtype=np.int64)
    parts = order_passages(
        fields, weights=WEIGHTS, entries=[(0, 2.0), (1, 1.0)],
        passages=(docs, np.zeros(len(docs))), capped={}, limit=3, first_entry=3,
    )  # fmt: skip
    assert [(p.passage, p.entry) for p in parts] == [
        (starts[0], 2.0),
        (starts[1], 1.0),
        (starts[1] + 1, 0.0),
    ]


def test_heading_match_is_the_share_of_the_heading_named(glossary: Glossary) -> None:
    fields = glossary._ranker.fields
    pids = np.arange(len(glossary.passages), dtype=np.int64)
    idf = glossary._ranker._idf
    capped = {"advantag": idf["advantag"], "fintech": 0.5 * idf["fintech"]}
    expected = [share(fields, capped, p) for p in pids.tolist()]
    assert heading_match(fields, capped, pids).tolist() == expected
    assert expected.count(1.0) > 10  # "Advantages" sections, named in full
    assert 0.5 in expected  # "Fintech" item labels, named by a synonym


def test_a_best_entry_allowance_below_one_is_refused(glossary: Glossary) -> None:
    fields = glossary._ranker.fields
    with pytest.raises(ValueError, match="first_entry must be at least 1, not 0"):
        order_passages(
            fields, weights=WEIGHTS, entries=[(0, 1.0)],
            passages=(np.zeros(1, dtype=np.int64), np.zeros(1)), capped={}, limit=1,
            first_entry=0,
        )  # fmt: skip
