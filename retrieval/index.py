"""BM25 over analysed passages, scored exactly as rank-bm25's ``BM25Okapi``.

rank-bm25 scores every passage for every query term in a Python loop, which costs
O(passages) per query. Here the index is an inverted file in numpy arrays (CSR layout:
``indptr`` per term into ``docs`` and ``scored``), so a query touches only the postings
of its own terms, and ``top_k`` (``retrieval.selection``) skips most of those too. The
per-posting factor ``tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))``, multiplied by
the term's idf (``scored``), is computed for every term when an index is built for a
start, and after a reload (``lazy``, where ``avgdl`` moves every factor) the first time a
question uses the term; an index whose factors would pass ``FACTOR_BUDGET`` keeps none and
computes the ones a question reads. idf x factor is added per passage in query-term order:
the same arithmetic, in the same order, as ``BM25Okapi.get_scores`` and therefore gives the
same floating-point results. Terms that most documents hold can also keep a dense row of
those scores (``dense_weighted_scores``, for the small entries index).

idf follows rank-bm25 too: ``log(N - n + 0.5) - log(n + 0.5)`` (with ``math.log``), and a
negative idf is replaced by ``epsilon * average_idf``, the average summed in the order
rank-bm25 first meets the terms. That rule misbehaves on small corpora (a term in half
the passages scores zero, and on a one-passage corpus every idf is negative), so callers
can ask for an ``idf_floor``: a small positive idf that keeps a passage sharing a term
with the question findable. With ``idf_floor=None`` scores are rank-bm25's exactly.

An index is built from ``TermCounts`` (per passage: distinct term ids and how often each
occurs), which is what the build cache stores per file; building is a handful of
vectorised passes (scipy turns the passage-major counts into term-major postings).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse

from retrieval.counts import Int32Array, IntArray, TermCounts, encode_corpus, narrow_counts
from retrieval.selection import (
    Postings,
    accumulate,
    exact_scores,
    matches,
    sum_in_query_order,
    top_k_of,
    top_k_pruned,
)

FloatArray = npt.NDArray[np.float64]
SEED_DOCS = 32
# Bytes of factors (a float per posting) an index makes for every term at start; above
# it, the factors a question needs are computed on the spot (``keep_factors``).
FACTOR_BUDGET = 128 << 20
# ``dense_weighted_scores`` keeps a term's scores as one row over every document when the
# term is in at least 1 of DENSE_ROW_SHARE documents (adding a row then costs less than
# gathering its postings), up to DENSE_ROWS_BUDGET bytes of rows per index.
DENSE_ROW_SHARE = 4
DENSE_ROWS_BUDGET = 32 << 20
_CHUNK = 1 << 18  # postings per step when preparing every term

__all__ = ["BM25Index", "BM25Parameters", "FloatArray", "IntArray", "TermCounts", "top_k_of"]


@dataclass(frozen=True, slots=True)
class BM25Parameters:
    """rank-bm25's ``BM25Okapi`` defaults."""

    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25


def _best_docs(scored: FloatArray, docs: Int32Array) -> Int32Array:
    """The ``SEED_DOCS`` documents with the largest scores, sorted by id (seeds)."""
    best = np.argpartition(scored, len(scored) - SEED_DOCS)[-SEED_DOCS:]
    seeds: Int32Array = np.sort(docs[best])
    return seeds


def _first_positions(terms: Int32Array, width: int) -> IntArray:
    """Per term id below ``width``, where it first occurs in ``terms`` (passage-major).

    ``minimum.at`` a chunk at a time: no array of every position is ever made (it was
    as big as the counts: 140 MiB at 1M passages). Ids that never occur get -1.
    """
    never = np.iinfo(np.int64).max
    first = np.full(width, never, dtype=np.int64)
    for lo in range(0, len(terms), _CHUNK):
        hi = min(lo + _CHUNK, len(terms))
        np.minimum.at(first, terms[lo:hi], np.arange(lo, hi, dtype=np.int64))
    first[first == never] = -1
    return first


class BM25Index:
    """An immutable inverted index over token lists, one list per passage."""

    keep_factors: bool  # False: ``exact_scores`` computes the factors it needs on the spot

    def __init__(
        self,
        corpus: Sequence[Sequence[str]],
        *,
        params: BM25Parameters | None = None,
        idf_floor: float | None = None,
    ) -> None:
        terms, counts = encode_corpus(corpus)
        self._build(terms, counts, params or BM25Parameters(), idf_floor)
        self.keep_factors = True
        self._prepare_all()

    @classmethod
    def from_counts(
        cls,
        terms: Sequence[str],
        counts: TermCounts,
        *,
        params: BM25Parameters | None = None,
        idf_floor: float | None = None,
        lazy: bool = False,
        keep_factors: bool | None = None,
    ) -> BM25Index:
        """Build from term counts whose ids index ``terms`` (unused ids are dropped).

        ``lazy``: leave each term's factors, bound and seeds to its first question (a
        reload, live sooner while the old index still answers) instead of making them
        all now (a start, before anyone asks). ``keep_factors=False`` (implies lazy): the
        scoring methods compute the factors they need on the spot, so only ``top_k``
        ever keeps a term's (a float per posting); None (the default): keep them while
        they fit ``FACTOR_BUDGET``.
        """
        index = cls.__new__(cls)
        index._build(terms, counts, params or BM25Parameters(), idf_floor)
        if keep_factors is None:
            keep_factors = 8 * len(counts.terms) <= FACTOR_BUDGET
        index.keep_factors = keep_factors
        if keep_factors and not lazy:
            index._prepare_all()
        return index

    def _build(
        self,
        terms: Sequence[str],
        counts: TermCounts,
        params: BM25Parameters,
        idf_floor: float | None,
    ) -> None:
        self.params = params
        self.corpus_size = n = len(counts)
        self.doc_len: IntArray = counts.doc_len
        self.avgdl = int(counts.doc_len.sum()) / n if n else 0.0
        # Term-major postings: scipy's CSR -> CSC transpose is a stable counting sort, so
        # every term's passages come out ascending, each with its count as ``data``.
        by_term = scipy.sparse.csr_matrix(
            (
                counts.tf.astype(narrow_counts([counts.tf]), copy=False),
                counts.terms,
                counts.doc_ptr,
            ),
            shape=(n, max(len(terms), 1)),
        ).tocsc()
        indptr = by_term.indptr.astype(np.int64)
        doc_freq = np.diff(indptr)
        live = np.flatnonzero(doc_freq)
        # Ids no passage uses any more (after a reload removed them) are dropped, so the
        # vocabulary, doc_freq and idf hold exactly rank-bm25's terms.
        self.vocabulary: dict[str, int] = {terms[int(t)]: i for i, t in enumerate(live.tolist())}
        self.source_ids: IntArray = live  # per index term, its id in the ``terms`` built from
        self.doc_freq: IntArray = doc_freq[live]
        self._indptr: IntArray = np.zeros(len(live) + 1, dtype=np.int64)
        np.cumsum(self.doc_freq, out=self._indptr[1:])
        self._docs: Int32Array = by_term.indices.astype(np.int32, copy=False)
        self._tf: npt.NDArray[np.integer[Any]] = by_term.data
        del by_term
        first_seen = _first_positions(counts.terms, max(len(terms), 1))[live]
        self.idf = self._compute_idf(first_seen=first_seen)
        self.idf_floor = idf_floor
        self._ranking_idf = self.idf if idf_floor is None else np.maximum(self.idf, idf_floor)
        # Each term's BM25 factors, bound and seeds are made by ``_prepare_all`` or, in a
        # lazy index, by ``_prepare`` the first time a question uses the term.
        k1, b = params.k1, params.b
        # Per passage: k1 * (1 - b + b * doc_len / avgdl), as rank-bm25 computes it.
        self._norm: FloatArray = np.asarray(
            k1 * (1 - b + b * self.doc_len / self.avgdl) if n else [], dtype=np.float64
        )
        # Per posting, idf x factor: the term's score in that passage, which every query
        # reads; kept multiplied, so a question does not multiply whole posting lists.
        self._scored: FloatArray = np.empty(len(self._docs), dtype=np.float64)
        self._max_scored: FloatArray = np.zeros(len(self.doc_freq), dtype=np.float64)
        seed_ptr = np.zeros(len(self.doc_freq) + 1, dtype=np.int64)
        np.cumsum(np.minimum(self.doc_freq, SEED_DOCS), out=seed_ptr[1:])
        self._seed_docs: Int32Array = np.empty(int(seed_ptr[-1]), dtype=np.int32)
        self._ready = bytearray(len(self.doc_freq))
        self._rows: dict[int, FloatArray | None] = {}  # dense rows, made as terms are asked
        self._rows_bytes = 0
        self._postings = Postings(
            indptr=self._indptr,
            docs=self._docs,
            scored=self._scored,
            idf=self._ranking_idf,
            max_scored=self._max_scored,
            seed_ptr=seed_ptr,
            seed_docs=self._seed_docs,
            n_docs=n,
        )

    def _prepare_all(self) -> None:
        """``_prepare`` for every term at once, in a few vectorised passes."""
        n = len(self.doc_freq)
        if not n:
            return
        for lo in range(0, len(self._docs), _CHUNK):  # bounded temporaries
            hi = min(lo + _CHUNK, len(self._docs))
            self._scored[lo:hi] = self._scores(lo, hi)
        self._max_scored[:] = np.maximum.reduceat(self._scored, self._indptr[:-1])
        seed_ptr = self._postings.seed_ptr
        small = self.doc_freq <= SEED_DOCS  # short postings are their own seeds
        self._seed_docs[np.repeat(small, np.diff(seed_ptr))] = self._docs[
            np.repeat(small, self.doc_freq)
        ]
        for t in np.flatnonzero(~small).tolist():
            lo, hi = int(self._indptr[t]), int(self._indptr[t + 1])
            self._seed_docs[seed_ptr[t] : seed_ptr[t + 1]] = _best_docs(
                self._scored[lo:hi], self._docs[lo:hi]
            )
        self._ready[:] = b"\x01" * n

    def _prepare(self, term_ids: Iterable[int]) -> None:
        """Make the scores, bound and seeds of the terms that do not have them yet.

        idf x rank-bm25's factor ``tf * (k1 + 1) / (tf + norm)`` per posting, the same
        arithmetic as ``get_scores``; the bound is its largest value; the seeds are the
        ``SEED_DOCS`` passages with the largest scores. Writing the same values twice
        (two threads on one new term) is harmless, and a term is marked ready only after.
        """
        ready = self._ready
        for t in term_ids:
            if ready[t]:
                continue
            lo, hi = int(self._indptr[t]), int(self._indptr[t + 1])
            docs = self._docs[lo:hi]
            scored = self._ranking_idf[t] * self._factors(lo, hi)
            self._scored[lo:hi] = scored
            self._max_scored[t] = scored.max()
            at = int(self._postings.seed_ptr[t])
            if hi - lo <= SEED_DOCS:
                self._seed_docs[at : at + hi - lo] = docs
            else:
                self._seed_docs[at : at + SEED_DOCS] = _best_docs(scored, docs)
            ready[t] = 1

    def _scores(self, lo: int, hi: int) -> FloatArray:
        """idf x factor for postings ``lo:hi``, which may span several terms."""
        ptr = self._indptr
        first = int(ptr.searchsorted(lo, side="right")) - 1  # the term posting lo is of
        last = int(ptr.searchsorted(hi, side="left"))  # terms first..last-1 reach into lo:hi
        inside = np.diff(np.minimum(np.maximum(ptr[first : last + 1], lo), hi))
        idf: FloatArray = np.repeat(self._ranking_idf[first:last], inside)
        return idf * self._factors(lo, hi)  # the same product as idf[t] * factors

    def _factors(self, lo: int, hi: int) -> FloatArray:
        """rank-bm25's factors for postings ``lo:hi``."""
        return self._factors_of(self._tf[lo:hi], self._norm[self._docs[lo:hi]])

    def _factors_of(self, tf: npt.NDArray[np.integer[Any]], norm: FloatArray) -> FloatArray:
        """rank-bm25's ``tf * (k1 + 1) / (tf + norm)``: the one place it is computed, so
        factors kept and factors made on the spot are the same bits."""
        counts = tf.astype(np.float64)
        factors: FloatArray = counts * (self.params.k1 + 1) / (counts + norm)
        return factors

    def _compute_idf(self, first_seen: IntArray) -> FloatArray:
        """rank-bm25's ``BM25Okapi._calc_idf``, summed in its first-seen term order."""
        n = self.corpus_size
        values, inverse = np.unique(self.doc_freq, return_inverse=True)
        # math.log per distinct doc_freq: the same function rank-bm25 calls.
        by_freq = np.array(
            [math.log(n - f + 0.5) - math.log(f + 0.5) for f in values.tolist()], dtype=np.float64
        )
        idf = by_freq[inverse]
        if len(idf):
            # cumsum adds left to right, like rank-bm25's ``idf_sum += idf`` loop.
            idf_sum = float(np.cumsum(idf[np.argsort(first_seen, kind="stable")])[-1])
            idf[idf < 0] = self.params.epsilon * (idf_sum / len(idf))
        return idf

    def __len__(self) -> int:
        return self.corpus_size

    def term_id(self, term: str) -> int | None:
        """The id of ``term`` in this index, or None when no passage contains it."""
        return self.vocabulary.get(term)

    def postings(self, term: str) -> IntArray:
        """Passage ids that contain ``term`` (sorted)."""
        t = self.vocabulary.get(term)
        if t is None:
            return np.zeros(0, dtype=np.int64)
        return self._docs[self._indptr[t] : self._indptr[t + 1]].astype(np.int64)

    def contains(self, term: str, passage: int) -> bool:
        """Whether ``passage`` contains ``term`` (a binary search in its postings)."""
        t = self.vocabulary.get(term)
        if t is None:
            return False
        row = self._rows.get(t)
        if row is not None:  # a common term's kept row: its scores are above 0 where held
            return bool(row[passage] > 0)
        docs = self._docs[self._indptr[t] : self._indptr[t + 1]]
        i = int(docs.searchsorted(passage))  # the method: no dispatch through np.searchsorted
        return i < len(docs) and int(docs[i]) == passage

    def term_idf(self, term: str) -> float | None:
        """rank-bm25's idf of ``term``, or None when no passage contains it."""
        t = self.vocabulary.get(term)
        return None if t is None else float(self.idf[t])

    def _term_ids(self, query: Sequence[str]) -> list[int]:
        vocabulary = self.vocabulary
        return [vocabulary[t] for t in query if t in vocabulary]

    def score(self, query: Sequence[str]) -> tuple[IntArray, FloatArray]:
        """Passages that contain at least one query term, and their BM25 scores.

        Repeated query terms count again, as in rank-bm25. Only the postings of the
        query's terms are read.
        """
        return self.weighted_scores({}, terms=self._term_ids(query))

    def weighted_scores(
        self, weights: Mapping[str, float], *, terms: Sequence[int] | None = None
    ) -> tuple[IntArray, FloatArray]:
        """Sorted passages containing a term, with the sum of weight x BM25 per term.

        Terms are added in ``weights`` order (or ``terms`` order, weight 1), passage by
        passage, so a weight of 1 gives rank-bm25's score bit for bit.
        """
        parts = [(t, 1.0) for t in terms] if terms is not None else []
        parts += [(self.vocabulary[t], w) for t, w in weights.items() if t in self.vocabulary]
        if not parts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        spans, values = self._weighted(parts)
        docs = self._docs
        if len(parts) == 1:
            lo, hi = spans[0]
            return docs[lo:hi].astype(np.int64), values[0] + 0.0
        return accumulate(
            [docs[lo:hi] for lo, hi in spans], np.concatenate(values), self.corpus_size
        )

    def dense_weighted_scores(self, weights: Mapping[str, float]) -> FloatArray | None:
        """``weighted_scores`` as one score per document (0 where no term is held).

        For a small index that most questions touch in bulk (the entries: a common word
        sits in most of them), one ``bincount`` over every document is cheaper than
        finding the distinct documents first, and a term held by a quarter of them or
        more is added as a kept row (``_dense_row``) rather than posting by posting.
        Each document adds its terms in the same order either way, so the sums are the
        same bits. None when the index knows none of the terms.
        """
        parts = [(self.vocabulary[t], w) for t, w in weights.items() if t in self.vocabulary]
        if not parts:
            return None
        rows = [self._dense_row(t) for t, _ in parts]
        # Terms with no row before the first one with a row: one bincount, from 0.
        lead = next((i for i, row in enumerate(rows) if row is not None), len(parts))
        sparse = [p for p, row in zip(parts, rows, strict=True) if row is None]
        spans, values = self._weighted(sparse) if sparse else ([], [])
        docs = self._docs
        dense: FloatArray | None = None
        if lead:
            matched = np.concatenate([docs[lo:hi] for lo, hi in spans[:lead]])
            counted = np.bincount(
                matched, weights=np.concatenate(values[:lead]), minlength=self.corpus_size
            )
            dense = counted.astype(np.float64, copy=False)  # float64 already: no copy
        # Then term by term (a term without a row as its own bincount: 0 + x is x), so
        # each document still adds its terms in query order.
        at = lead
        for (_, weight), row in zip(parts[lead:], rows[lead:], strict=True):
            added: FloatArray
            if row is None:
                (lo, hi), value = spans[at], values[at]  # weight x score already
                at += 1
                counts = np.bincount(docs[lo:hi], weights=value, minlength=self.corpus_size)
                added = counts.astype(np.float64, copy=False)  # float64 already: no copy
            else:
                added = row if weight == 1.0 else row * weight
            if dense is None:
                dense = added.copy() if added is row else added
            else:
                dense += added
        return dense

    def make_dense_rows(self) -> None:
        """Make the dense rows of ``dense_weighted_scores`` for every term that may have
        one, most common first, while they fit the budget: at a start, before anyone
        asks, so no question pays for making one."""
        n = self.corpus_size
        eligible = (self.doc_freq * DENSE_ROW_SHARE >= n).nonzero()[0]
        for term in eligible[(-self.doc_freq[eligible]).argsort(kind="stable")].tolist():
            if self._rows_bytes + 8 * n > DENSE_ROWS_BUDGET:
                break
            self._dense_row(term)

    def _dense_row(self, term: int) -> FloatArray | None:
        """The term's scores over every document (0 where absent), for a term held by at
        least 1 in ``DENSE_ROW_SHARE`` documents while rows fit ``DENSE_ROWS_BUDGET``;
        None otherwise. Made by ``make_dense_rows`` at a start, or else on the term's first
        question, from the same values the postings give, so a row adds the same bits as
        a ``bincount`` of its postings."""
        if term in self._rows:
            return self._rows[term]
        n = self.corpus_size
        row: FloatArray | None = None
        if (
            self.doc_freq[term] * DENSE_ROW_SHARE >= n
            and self._rows_bytes + 8 * n <= DENSE_ROWS_BUDGET
            and self._ranking_idf[term] > 0  # then a held term scores above 0 (``contains``)
        ):
            [(lo, hi)], [values] = self._weighted([(term, 1.0)])
            row = np.zeros(n, dtype=np.float64)
            row[self._docs[lo:hi]] = values
            self._rows_bytes += row.nbytes
        self._rows[term] = row
        return row

    def _weighted(
        self, parts: Sequence[tuple[int, float]]
    ) -> tuple[list[tuple[int, int]], list[FloatArray]]:
        """Per (term id, weight): its postings span and weight x idf x factor per posting
        (kept scores, or made on the spot when the index keeps none). A weight of 1 gives
        a view of the kept scores: callers read it, never write it."""
        idf, ptr = self._ranking_idf, self._indptr
        spans = [(int(ptr[t]), int(ptr[t + 1])) for t, _ in parts]
        if self.keep_factors:
            self._prepare(t for t, _ in parts)
            scored = [self._scored[lo:hi] for lo, hi in spans]
        else:
            scored = [
                idf[t] * self._factors(lo, hi)
                for (t, _), (lo, hi) in zip(parts, spans, strict=True)
            ]
        values = [s if w == 1.0 else s * w for (_, w), s in zip(parts, scored, strict=True)]
        return spans, values

    def get_scores(self, query: Sequence[str]) -> FloatArray:
        """Dense scores for every passage, the shape of ``BM25Okapi.get_scores``."""
        dense = np.zeros(self.corpus_size, dtype=np.float64)
        docs, scores = self.score(query)
        dense[docs] = scores
        return dense

    def top_k(self, query: Sequence[str], k: int) -> list[tuple[int, float]]:
        """The ``k`` best passages as (passage id, score), best first, ties by passage id.

        Exactly the first ``k`` of ``score`` sorted by (-score, passage id), computed
        with MaxScore pruning: postings that cannot reach the top ``k`` are not scored.
        """
        term_ids = self._term_ids(query)
        if k <= 0 or not term_ids:
            return []
        self._prepare(term_ids)
        return top_k_pruned(self._postings, term_ids, k)

    def exact_scores(self, passages: Int32Array, term_ids: Sequence[int]) -> FloatArray:
        """rank-bm25 scores of the sorted ``passages`` for a query of term ids.

        From the terms' factors when this index keeps them (``keep_factors``); otherwise
        the factors of the postings found among ``passages`` are computed on the spot,
        with the same arithmetic, so scoring a hundred candidates never makes a term's
        factors for its whole posting list. Either way the scores are the same bits.
        """
        if self.keep_factors:
            self._prepare(term_ids)
            return exact_scores(self._postings, passages, term_ids)
        if not len(passages) or not term_ids:
            return np.zeros(len(passages), dtype=np.float64)
        distinct = list(dict.fromkeys(term_ids))
        found = []
        for t in distinct:
            lo, hi = int(self._indptr[t]), int(self._indptr[t + 1])
            where, at = matches(passages, self._docs[lo:hi])
            found.append((where, at + lo))
        # Every term's factors in one pass: a dozen numpy calls instead of a dozen a term.
        where = np.concatenate([w for w, _ in found])
        postings = np.concatenate([p for _, p in found])
        factors = self._factors_of(self._tf[postings], self._norm[passages[where]])
        sizes = [len(w) for w, _ in found]
        values = self._ranking_idf[distinct].repeat(sizes) * factors
        ends = list(itertools.accumulate(sizes))
        per_term = {
            t: (where[end - n : end], values[end - n : end])
            for t, n, end in zip(distinct, sizes, ends, strict=True)
        }
        return sum_in_query_order(len(passages), per_term, term_ids)
