"""Exact top-k over an inverted index, reading as few postings as the answer allows.

Scoring every passage that shares a term with the question costs the length of the
longest posting lists (a common word can sit in a third of the passages). MaxScore
(Turtle & Flood, 1995) avoids that without changing a single result:

1. Seeds: the passages where each query term weighs most (precomputed per term) are
   scored exactly; the k-th best seed score ``theta`` is a lower bound of the k-th best
   score overall.
2. Every term has an upper bound, its largest score in one passage (idf x factor).
   Terms whose bounds add up to less than ``theta`` are *non-essential*: a passage that
   has only those terms cannot make the top k, so their postings are never walked, only
   probed.
3. Candidates are passages of the essential terms whose essential part, plus the
   non-essential bounds, can still reach ``theta``; they are scored exactly, in query
   order (rank-bm25's arithmetic), and the top k is taken with ties by passage id.

A passage left out scores strictly below ``theta``, which is at most the k-th best
score, so the result equals sorting every score. Comparisons keep a relative slack of
1e-9 so that summing in another order (bounds, partial sums) can never drop a passage.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from retrieval.counts import Int32Array, IntArray

FloatArray = npt.NDArray[np.float64]
Positions = npt.NDArray[np.integer[Any]]
SLACK = 1e-9


@dataclass(frozen=True, slots=True, eq=False)
class Postings:
    """The arrays a query reads: term-major postings and per-term bounds and seeds."""

    indptr: IntArray
    docs: Int32Array
    scored: FloatArray  # per posting, idf x factor: the term's score in that document
    idf: FloatArray
    max_scored: FloatArray
    seed_ptr: IntArray
    seed_docs: Int32Array
    n_docs: int

    def span(self, term: int) -> tuple[int, int]:
        """Where the postings of ``term`` sit in ``docs`` and ``scored``."""
        return int(self.indptr[term]), int(self.indptr[term + 1])


def top_k_of(docs: IntArray | Int32Array, scores: FloatArray, k: int) -> list[tuple[int, float]]:
    """Deterministic top-k: highest score first, lower passage id first on ties."""
    if k <= 0 or len(docs) == 0:
        return []
    if len(docs) > k:
        # Keep every candidate tied with the k-th score so tie-breaking stays exact.
        kth = np.partition(scores, len(scores) - k)[len(scores) - k]
        keep = scores >= kth
        docs, scores = docs[keep], scores[keep]
    order = np.lexsort((docs, -scores))[:k]
    return [(int(docs[i]), float(scores[i])) for i in order]


def exact_scores(p: Postings, cands: Int32Array, term_ids: Sequence[int]) -> FloatArray:
    """rank-bm25's scores of sorted, distinct passages ``cands``, term by term in order.

    Only arrays the size of the candidates or of a term's postings are touched, never one
    per passage of the index.
    """
    if not len(cands):
        return np.zeros(0, dtype=np.float64)
    found = {t: _contributions(p, cands, t) for t in dict.fromkeys(term_ids)}
    return sum_in_query_order(len(cands), found, term_ids)


def sum_in_query_order(
    size: int, found: Mapping[int, tuple[Positions, FloatArray]], term_ids: Sequence[int]
) -> FloatArray:
    """Per candidate, its terms' contributions (``found[term]``: candidate positions and
    values) added in query order from 0, a repeated term again: rank-bm25's sum, bit for
    bit."""
    totals = np.zeros(size, dtype=np.float64)
    for t in term_ids:
        at, values = found[t]
        totals[at] += values  # a passage appears once per term: no index repeats
    return totals


def matches(cands: Int32Array, docs: Int32Array) -> tuple[Positions, Positions]:
    """Where the passages of sorted ``docs`` sit in sorted ``cands``, and in ``docs``.

    The shorter of the two lists is looked up in the longer one by binary search, so a
    common term costs a search per candidate and a rare one a search per posting.
    (Array methods, not ``np.`` functions: those wrappers cost microseconds a call.)
    """
    if len(docs) < len(cands):
        at = np.minimum(cands.searchsorted(docs), len(cands) - 1)
        held = (cands[at] == docs).nonzero()[0]
        return at[held], held
    at = np.minimum(docs.searchsorted(cands), len(docs) - 1)
    hit = (docs[at] == cands).nonzero()[0]
    return hit, at[hit]


def _contributions(p: Postings, cands: Int32Array, term: int) -> tuple[Positions, FloatArray]:
    """Positions in ``cands`` of the passages that hold ``term``, and their score part."""
    lo, hi = p.span(term)
    where, postings = matches(cands, p.docs[lo:hi])
    return where, p.scored[lo:hi][postings]


DENSE_FACTOR = 8  # a dense sum over every document beats sorting this many postings
DENSE_MIN = 4096


def accumulate(
    docs_parts: Sequence[Positions], values: FloatArray, n_docs: int
) -> tuple[IntArray, FloatArray]:
    """Sorted documents of several sorted docs lists, and the sum of their ``values``.

    ``values`` holds one value per posting, the lists' values one list after the other.
    ``bincount`` adds in array order, so each document's sum runs list after list, from 0:
    the order rank-bm25 adds query terms in.
    """
    if not docs_parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    if len(docs_parts) == 1:
        return docs_parts[0].astype(np.int64, copy=False), values
    matched: Positions = np.concatenate(docs_parts)
    found = distinct(matched, n_docs)
    if n_docs <= DENSE_FACTOR * len(matched) + DENSE_MIN:
        sums = np.bincount(matched, weights=values, minlength=n_docs)[found]
    else:  # a long index: sum per distinct document instead of over all of them
        sums = np.bincount(found.searchsorted(matched), weights=values, minlength=len(found))
    return found.astype(np.int64), sums.astype(np.float64, copy=False)


def distinct(docs: Positions, n_docs: int) -> Int32Array:
    """Sorted distinct passage ids: sort when few, mark and scan when many."""
    if len(docs) * 64 < n_docs:
        # Sort and drop repeats: numpy 2's ``unique`` costs several sorts of a short list.
        ordered = np.sort(docs)
        first = np.empty(len(ordered), dtype=bool)
        first[:1] = True
        np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
        return ordered[first].astype(np.int32, copy=False)
    mark = np.zeros(n_docs, dtype=bool)
    mark[docs] = True
    return np.flatnonzero(mark).astype(np.int32)


def exhaustive(p: Postings, term_ids: Sequence[int], k: int) -> list[tuple[int, float]]:
    """Score every passage that has a query term (no pruning), then take the top k."""
    total = np.zeros(p.n_docs, dtype=np.float64)
    spans = [p.span(t) for t in term_ids]
    for lo, hi in spans:
        # add.at adds posting by posting, in query-term order, as rank-bm25 does.
        np.add.at(total, p.docs[lo:hi], p.scored[lo:hi])
    found = distinct(np.concatenate([p.docs[lo:hi] for lo, hi in spans]), p.n_docs)
    return top_k_of(found, total[found], k)


def _seeds(p: Postings, terms: Sequence[int]) -> Int32Array:
    parts = [p.seed_docs[p.seed_ptr[t] : p.seed_ptr[t + 1]] for t in terms]
    return parts[0] if len(parts) == 1 else distinct(np.concatenate(parts), p.n_docs)


def _candidates(
    p: Postings, essential: Sequence[int], mult: Counter[int], need: float
) -> Int32Array:
    """Passages of essential terms whose essential part can still reach ``need``."""
    if len(essential) == 1:
        t = essential[0]
        lo, hi = p.span(t)
        partial: FloatArray = mult[t] * p.scored[lo:hi]
        found: Int32Array = p.docs[lo:hi][partial >= need]
        return found
    total = np.zeros(p.n_docs, dtype=np.float64)
    spans = [p.span(t) for t in essential]
    for t, (lo, hi) in zip(essential, spans, strict=True):
        np.add.at(total, p.docs[lo:hi], mult[t] * p.scored[lo:hi])
    touched = np.concatenate([p.docs[lo:hi] for lo, hi in spans])
    return distinct(touched[total[touched] >= need], p.n_docs)


def top_k_pruned(p: Postings, term_ids: Sequence[int], k: int) -> list[tuple[int, float]]:
    """The exact top ``k`` for known term ids (query order, repeats kept), with MaxScore."""
    mult = Counter(term_ids)
    terms = list(mult)
    if any(p.idf[t] <= 0 for t in terms):  # bounds need positive weights
        return exhaustive(p, term_ids, k)
    seeds = _seeds(p, terms)
    seed_scores = exact_scores(p, seeds, term_ids)
    if all(p.seed_ptr[t + 1] - p.seed_ptr[t] == p.indptr[t + 1] - p.indptr[t] for t in terms):
        return top_k_of(seeds, seed_scores, k)  # the seeds are every posting
    if len(seeds) < k:
        return exhaustive(p, term_ids, k)
    theta = float(np.partition(seed_scores, len(seeds) - k)[len(seeds) - k]) * (1 - SLACK)
    bound = {t: mult[t] * float(p.max_scored[t]) * (1 + SLACK) for t in terms}
    by_bound = sorted(terms, key=lambda t: (bound[t], t))
    rest = 0.0
    cut = 0
    while cut < len(by_bound) - 1 and rest + bound[by_bound[cut]] < theta:
        rest += bound[by_bound[cut]]
        cut += 1
    cands = _candidates(p, by_bound[cut:], mult, (theta - rest) * (1 - SLACK))
    scores = exact_scores(p, cands, term_ids)
    keep = scores >= theta
    return top_k_of(cands[keep], scores[keep], k)
