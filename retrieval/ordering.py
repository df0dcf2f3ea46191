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
Everything is numpy over the candidate passages only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.fields import Fields, entry_max, probe_mass
from retrieval.index import FloatArray, IntArray

FIRST_ENTRY_PASSAGES = 2
AIMED_SHARE = 0.5  # a heading this completely named means the question aims at it
PROMOTION_STEP = 1e-9


@dataclass(frozen=True, slots=True)
class PassageParts:
    """Why a passage ranked where it did: its total and the parts that made it."""

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
    """Per passage in ``pids``, the best share of its section's or label's idf mentioned.

    ``capped`` maps each query term to weight x idf with the weight capped at 1, so a
    synonym (weight 0.5) names half a heading.
    """
    best = np.zeros(len(pids), dtype=np.float64)
    for index, mass in ((fields.sections, fields.section_mass), (fields.labels, fields.label_mass)):
        np.maximum(best, probe_mass(index, capped, pids) / mass[pids], out=best)
    return best


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

    ``named`` lists entries the question is nothing but the name of ("what is X"): their
    definition goes first whatever its score.
    """
    p_docs, p_scores = passages
    if not entries or len(p_docs) == 0:
        return []
    entry_score = np.zeros(len(fields.entry_ids), dtype=np.float64)
    wanted = np.zeros(len(fields.entry_ids), dtype=bool)
    for number, score in entries:
        entry_score[number] = score
        wanted[number] = True
    owner = fields.passage_entry[p_docs]
    keep = wanted[owner]
    pids, bm25, owner = p_docs[keep], p_scores[keep], owner[keep]
    heading = heading_match(fields, capped, pids)
    totals = entry_score[owner] + weights.bm25 * bm25 + weights.heading * heading
    margin = np.full(len(pids), weights.lead)
    if named:
        is_named = np.zeros(len(fields.entry_ids), dtype=bool)
        is_named[list(named)] = True
        margin[is_named[owner]] = np.inf
    lead = _promote_definitions(
        fields, owner=owner, pids=pids, heading=heading, totals=totals, margin=margin
    )
    extra = _beyond_allowance(owner, totals, pids, entries[0][0], first_entry)
    # A passage beyond its entry's allowance keeps only its own evidence, so the next
    # entries' best passages come before a third paragraph of the first one.
    scores = totals - entry_score[owner] * extra
    picked = np.lexsort((pids, -scores))[:limit]
    return [
        PassageParts(
            passage=int(pids[i]),
            score=float(scores[i]),
            entry=float(entry_score[owner[i]]) * (1 - int(extra[i])),
            bm25=float(bm25[i]),
            heading=float(heading[i]),
            lead=bool(lead[i]),
        )
        for i in picked.tolist()
    ]


def _promote_definitions(
    fields: Fields,
    *,
    owner: IntArray,
    pids: IntArray,
    heading: FloatArray,
    totals: FloatArray,
    margin: FloatArray,
) -> IntArray:
    """Put each entry's definition first among its passages when it is nearly as good.

    An entry's first lead paragraph takes the place of the entry's best passage when it
    scores within ``margin`` of it, unless the question names one of the entry's sections
    or items ("advantages of X"). Only the order inside an entry changes: the definition
    takes the best passage's score (plus a hair), so entries keep their order. Returns
    1 for the promoted passages (changes ``totals`` in place).
    """
    entry_best = np.zeros(len(fields.entry_ids), dtype=np.float64)
    owners, best = entry_max(owner, np.arange(len(owner)), totals)  # owner is sorted
    entry_best[owners] = best
    aimed = np.zeros(len(fields.entry_ids), dtype=bool)
    aimed[owner[heading >= AIMED_SHARE]] = True
    best_of = entry_best[owner]
    promote = (fields.is_lead[pids] == 1) & ~aimed[owner] & (totals + margin >= best_of)
    promote &= totals < best_of  # already first: nothing to do
    totals[promote] = best_of[promote] + PROMOTION_STEP
    promoted: IntArray = promote.astype(np.int64)
    return promoted


def _beyond_allowance(
    owner: IntArray, totals: FloatArray, pids: IntArray, first: int, first_entry: int
) -> IntArray:
    """1 for passages past the first ``first_entry`` of the best entry or the first of
    any other entry (each entry's own passages compared by total), else 0."""
    order = np.lexsort((pids, -totals, owner))  # by entry, then best first
    grouped = owner[order]
    start = np.empty(len(grouped), dtype=bool)
    if len(grouped):
        start[0] = True
        np.not_equal(grouped[1:], grouped[:-1], out=start[1:])
    group_start = np.maximum.accumulate(np.where(start, np.arange(len(grouped)), 0))
    within = np.arange(len(grouped)) - group_start
    allowance = np.where(grouped == first, first_entry, 1)
    extra = np.zeros(len(owner), dtype=np.int64)
    extra[order] = within >= allowance
    return extra
