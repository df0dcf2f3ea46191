"""Which passages to show, in which order, once the entries are ranked.

A passage inherits its entry's score and adds its own BM25 and a heading match: how
completely the question names its section ("advantages of X") or its item label ("X in
fintech"). An entry's definition (its first lead paragraph) goes first among its
passages when it is nearly as good as the best one and the question aims at no section.
Only the best entry's two best passages and every other entry's best one keep the
entry's score; further passages keep only their own evidence. So the list
shows the best entry's second passage (a question aimed at a section still finds it
when the lead ranks first) and then the next entries (a wrong first guess leaves the
right entry within the first five hits), and the scores still fall from first to last.
Numpy runs over the candidate passages in a few calls; the work per shown entry (at most
``limit`` of them) is plain Python, cheaper than numpy on arrays of ten items.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from retrieval.fields import BoolArray, Fields, Postings
from retrieval.index import FloatArray, IntArray

FIRST_ENTRY_PASSAGES = 2
AIMED_SHARE = 0.5  # a heading this completely named means the question aims at it
PROMOTION_STEP = 1e-9


class PassageParts(NamedTuple):
    """Why a passage ranked where it did: its total and the parts that made it.

    A named tuple rather than a frozen dataclass: a question builds up to ``limit`` of
    them, and a frozen dataclass's ``__init__`` costs five times as much.
    """

    passage: int
    score: float
    entry: float
    bm25: float
    heading: float
    lead: bool


@dataclass(frozen=True, slots=True)
class PassageWeights:
    """How much a passage's own evidence counts next to its entry's score."""

    bm25: float
    heading: float
    lead: float  # how far behind its entry's best passage a definition may still go first


def heading_match(fields: Fields, capped: Mapping[str, float], pids: IntArray) -> FloatArray:
    """Per passage in sorted ``pids``, the best share of its section's or label's idf named.

    ``capped`` maps each query term to weight x idf with the weight capped at 1, so a
    synonym (weight 0.5) names half a heading.
    """
    best = np.zeros(len(pids), dtype=np.float64)
    for index, mass in ((fields.sections, fields.section_mass), (fields.labels, fields.label_mass)):
        named = _named_mass(index, capped, pids)
        if named is not None:
            np.maximum(best, named / mass[pids], out=best)
    return best


def _named_mass(index: Postings, capped: Mapping[str, float], pids: IntArray) -> FloatArray | None:
    """Per passage, the summed weight of the query terms its heading holds, in query order.

    None when no heading anywhere holds a query term: most questions name no section.
    """
    total: FloatArray | None = None
    for term, weight in capped.items():
        row = index.held(term)  # a common heading word: one read per passage
        found: FloatArray
        if row is not None:
            found = np.multiply(row[pids], weight, dtype=np.float64)  # weight or 0.0
        else:
            postings = index.postings(term)
            if not len(postings):
                continue
            at = np.minimum(postings.searchsorted(pids), len(postings) - 1)
            found = (postings[at] == pids) * weight
        total = found if total is None else total + found
    return total


def order_passages(
    fields: Fields,
    *,
    weights: PassageWeights,
    entries: Sequence[tuple[int, float]],
    passages: tuple[IntArray, FloatArray],
    capped: Mapping[str, float],
    limit: int,
    first_entry: int = FIRST_ENTRY_PASSAGES,
    named: Sequence[int] = (),
) -> list[PassageParts]:
    """The passages to show for ranked ``entries`` (entry number, score), best first.

    ``first_entry`` (at least 1): how many passages of the best entry keep its score.
    ``named`` lists entries the question is nothing but the name of ("what is X"): their
    definition goes first whatever its score.
    """
    if first_entry < 1:
        raise ValueError(f"first_entry must be at least 1, not {first_entry}")
    p_docs, p_scores = passages
    if not entries or len(p_docs) == 0:
        return []
    score_of = dict(entries)
    numbers = sorted(score_of)
    kept, slot = _kept(fields.passage_entry[p_docs], numbers)
    pids, bm25 = p_docs[kept], p_scores[kept]
    if not len(pids):
        return []
    heading = heading_match(fields, capped, pids)
    entry = np.array([score_of[n] for n in numbers])[slot]
    totals = entry + weights.bm25 * bm25 + weights.heading * heading
    runs = _runs(slot, numbers)
    margins = [np.inf if n in named else weights.lead for n in runs.numbers]
    lead = _promote_definitions(fields, runs, margins, pids=pids, heading=heading, totals=totals)
    full = _within_allowance(runs, slot, totals, first=(entries[0][0], first_entry))
    # A passage beyond its entry's allowance keeps only its own evidence, so the next
    # entries' best passages come before a third paragraph of the first one.
    scores = totals - entry
    scores[full] = totals[full]
    # Kept positions are in passage order: a stable sort breaks ties by passage id.
    picked = (-scores).argsort(kind="stable")[:limit]
    kept_full = set(full.tolist())
    return [
        PassageParts(p, s, e * (i in kept_full), b, h, i in lead)
        for i, p, s, e, b, h in zip(
            picked.tolist(),
            *(column[picked].tolist() for column in (pids, scores, entry, bm25, heading)),
            strict=True,
        )
    ]


@dataclass(frozen=True, slots=True)
class _Runs:
    """The kept passages of each shown entry: one run of consecutive positions per entry.

    Lists in entry-number order with one item per entry (at most ``limit``), rather than
    an object per entry: ten small objects per question cost more than their arithmetic.
    """

    numbers: list[int]  # the entries that have kept passages
    bounds: list[int]  # entry i's passages are positions bounds[i]:bounds[i + 1]
    starts: IntArray  # bounds[:-1], for numpy's per-run reductions


def _kept(owner: IntArray, numbers: Sequence[int]) -> tuple[BoolArray, IntArray]:
    """Which candidates belong to the sorted entry ``numbers``, and for each kept one,
    its entry's position in ``numbers``."""
    wanted = np.array(numbers, dtype=np.int64)
    slot = np.minimum(wanted.searchsorted(owner), len(wanted) - 1)
    kept = wanted[slot] == owner
    return kept, slot[kept]


def _runs(slot: IntArray, numbers: Sequence[int]) -> _Runs:
    """The runs of the kept passages: ``slot`` (position in ``numbers`` of each kept
    passage's entry) is non-decreasing, since an entry's passages are consecutive."""
    edges = slot.searchsorted(np.arange(len(numbers) + 1)).tolist()
    shown = [i for i in range(len(numbers)) if edges[i + 1] > edges[i]]
    bounds = [edges[i] for i in shown] + [len(slot)]
    return _Runs([numbers[i] for i in shown], bounds, np.array(bounds[:-1], dtype=np.int64))


def _promote_definitions(
    fields: Fields,
    runs: _Runs,
    margins: Sequence[float],
    *,
    pids: IntArray,
    heading: FloatArray,
    totals: FloatArray,
) -> set[int]:
    """Put each entry's definition first among its passages when it is nearly as good.

    An entry's first lead paragraph takes the place of the entry's best passage when it
    scores within the entry's margin of it, unless the question names one of the entry's
    sections or items ("advantages of X") and is more than the entry's name. Only the order inside an entry changes: the
    definition takes the best passage's score (plus a hair), so entries keep their order.
    Returns the positions of the promoted passages (changes ``totals`` in place).

    The definition is an entry's first passage, so it can only be first in its run.
    """
    starts = runs.starts
    best = np.maximum.reduceat(totals, starts).tolist()
    aimed = np.maximum.reduceat(heading, starts).tolist()
    is_lead = fields.is_lead[pids[starts]].tolist()
    first = totals[starts].tolist()
    promoted: set[int] = set()
    for at, margin, top, named_heading, lead, total in zip(
        runs.bounds[:-1], margins, best, aimed, is_lead, first, strict=True
    ):
        # A question that is nothing but the entry's name (an infinite margin) cannot aim
        # at a section, even one whose heading repeats the name ("CORS headers").
        aims = named_heading >= AIMED_SHARE and margin != math.inf
        if lead == 1 and not aims and total + margin >= top > total:
            totals[at] = top + PROMOTION_STEP
            promoted.add(at)
    return promoted


def _within_allowance(
    runs: _Runs, slot: IntArray, totals: FloatArray, *, first: tuple[int, int]
) -> IntArray:
    """Positions of the passages that keep their entry's score: every entry's best, and
    the next ones of entry ``first[0]`` up to ``first[1]`` (by total, ties by passage id:
    positions are in passage order)."""
    order = np.lexsort((-totals, slot))  # by entry, then best first
    best = order[runs.starts]
    number, allowance = first
    if allowance == 1 or number not in runs.numbers:
        return best
    i = runs.numbers.index(number)
    start, stop = runs.bounds[i], runs.bounds[i + 1]
    return np.concatenate((best, order[start + 1 : min(stop, start + allowance)]))
