"""Which passages to show, in which order, once the entries are ranked.

A passage inherits its entry's score and adds its own BM25 and a heading match: how
completely the question names its section ("advantages of X") or its item label ("X in
fintech"). The list then starts with the best entry's two best passages, so a question
aimed at a section still finds it when the lead ranks first, and continues with the best
passage of each next entry, so a wrong first guess leaves the right entry within the
first five hits. Everything is numpy over the candidate passages only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.fields import Fields, matched_mass
from retrieval.index import FloatArray, IntArray

FIRST_ENTRY_PASSAGES = 2


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
    lead: float


def heading_match(fields: Fields, capped: Mapping[str, float], pids: IntArray) -> FloatArray:
    """Per passage in ``pids``, the best share of its section's or label's idf mentioned.

    ``capped`` maps each query term to weight x idf with the weight capped at 1, so a
    synonym (weight 0.5) names half a heading.
    """
    best = np.zeros(len(pids), dtype=np.float64)
    for index, mass in ((fields.sections, fields.section_mass), (fields.labels, fields.label_mass)):
        docs, matched = matched_mass(index, capped)
        if len(docs) == 0:
            continue
        at = np.minimum(np.searchsorted(docs, pids), len(docs) - 1)
        hit = docs[at] == pids
        share = np.where(hit, matched[at] / mass[pids], 0.0)
        np.maximum(best, share, out=best)
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
) -> list[PassageParts]:
    """The passages to show for ranked ``entries`` (entry number, score), best first."""
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
    lead = fields.is_lead[pids]
    totals = entry_score[owner] + weights.bm25 * bm25 + weights.heading * heading
    totals = totals + weights.lead * lead
    order = np.lexsort((pids, -totals))
    chosen = _diversify(owner[order], [number for number, _ in entries], limit, first_entry)
    picked = order[chosen]
    return [
        PassageParts(
            passage=int(pids[i]),
            score=float(totals[i]),
            entry=float(entry_score[owner[i]]),
            bm25=float(bm25[i]),
            heading=float(heading[i]),
            lead=bool(lead[i]),
        )
        for i in picked.tolist()
    ]


def _diversify(
    owners: IntArray, entry_order: Sequence[int], limit: int, first_entry: int
) -> IntArray:
    """Positions (in best-first order) to show, up to ``limit``.

    The first entry's best ``first_entry`` passages, each next entry's best one, then
    the rest best first.
    """
    unique, first = np.unique(owners, return_index=True)
    first_of = dict(zip(unique.tolist(), first.tolist(), strict=True))
    head = np.flatnonzero(owners == entry_order[0])[:first_entry].tolist()
    head += [first_of[e] for e in entry_order[1:] if e in first_of]
    if len(head) >= limit:
        return np.asarray(head[:limit], dtype=np.int64)
    rest = np.ones(len(owners), dtype=bool)
    rest[head] = False
    tail = np.flatnonzero(rest)[: limit - len(head)]
    return np.concatenate([np.asarray(head, dtype=np.int64), tail])
