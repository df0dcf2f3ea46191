"""BM25 over analysed passages, scored exactly as rank-bm25's ``BM25Okapi``.

rank-bm25 scores every passage for every query term in a Python loop, which costs
O(passages) per query. Here the index is an inverted file in numpy arrays (CSR layout:
``indptr`` per term into ``docs`` and ``tf_part``), so a query touches only the postings
of its own terms. The per-posting factor
``tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))`` is precomputed; at query time it
is multiplied by the term's idf and summed per passage in query-term order, which is the
same arithmetic, in the same order, as ``BM25Okapi.get_scores`` and therefore gives the
same floating-point results.

idf follows rank-bm25 too: ``log(N - n + 0.5) - log(n + 0.5)``, and a negative idf is
replaced by ``epsilon * average_idf``. That rule misbehaves on small corpora (a term in
half the passages scores zero, and on a one-passage corpus every idf is negative), so
callers can ask for an ``idf_floor``: a small positive idf that keeps a passage sharing a
term with the question findable. With ``idf_floor=None`` scores are rank-bm25's exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class BM25Parameters:
    """rank-bm25's ``BM25Okapi`` defaults."""

    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25


class BM25Index:
    """An immutable inverted index over token lists, one list per passage."""

    def __init__(
        self,
        corpus: Sequence[Sequence[str]],
        *,
        params: BM25Parameters | None = None,
        idf_floor: float | None = None,
    ) -> None:
        self.params = params or BM25Parameters()
        self.corpus_size = len(corpus)
        vocabulary: dict[str, int] = {}
        term_ids: list[int] = []
        doc_lengths = np.fromiter((len(doc) for doc in corpus), dtype=np.int64, count=len(corpus))
        for doc in corpus:
            for token in doc:
                term_id = vocabulary.get(token)
                if term_id is None:
                    term_id = vocabulary[token] = len(vocabulary)
                term_ids.append(term_id)
        self.vocabulary = vocabulary
        self.doc_len = doc_lengths
        total = int(doc_lengths.sum())
        self.avgdl = total / self.corpus_size if self.corpus_size else 0.0
        self._build_postings(np.asarray(term_ids, dtype=np.int64), doc_lengths)
        self.idf = self._compute_idf()
        self.idf_floor = idf_floor
        self._ranking_idf = self.idf if idf_floor is None else np.maximum(self.idf, idf_floor)

    def _build_postings(self, term_ids: IntArray, doc_lengths: IntArray) -> None:
        """Group (term, passage) pairs into CSR postings sorted by term, then passage."""
        n_terms = len(self.vocabulary)
        doc_ids = np.repeat(np.arange(self.corpus_size, dtype=np.int64), doc_lengths)
        keys = term_ids * max(self.corpus_size, 1) + doc_ids
        unique_keys, tf = np.unique(keys, return_counts=True)
        posting_terms = unique_keys // max(self.corpus_size, 1)
        self._docs: IntArray = (unique_keys % max(self.corpus_size, 1)).astype(np.int64)
        self.doc_freq: IntArray = np.bincount(posting_terms, minlength=n_terms).astype(np.int64)
        self._indptr: IntArray = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(self.doc_freq, out=self._indptr[1:])
        k1, b = self.params.k1, self.params.b
        if self.corpus_size:
            dl = doc_lengths[self._docs]
            tf_f = tf.astype(np.float64)
            # Same expression and order as BM25Okapi.get_scores, per posting.
            self._tf_part: FloatArray = (
                tf_f * (k1 + 1) / (tf_f + k1 * (1 - b + b * dl / self.avgdl))
            )
        else:
            self._tf_part = np.zeros(0, dtype=np.float64)

    def _compute_idf(self) -> FloatArray:
        """rank-bm25's ``BM25Okapi._calc_idf``, term by term in first-seen order."""
        n = self.corpus_size
        idf = np.zeros(len(self.vocabulary), dtype=np.float64)
        idf_sum = 0.0
        negative: list[int] = []
        for term_id, freq in enumerate(self.doc_freq.tolist()):
            value = math.log(n - freq + 0.5) - math.log(freq + 0.5)
            idf[term_id] = value
            idf_sum += value
            if value < 0:
                negative.append(term_id)
        if len(idf):
            eps = self.params.epsilon * (idf_sum / len(idf))
            idf[negative] = eps
        return idf

    def __len__(self) -> int:
        return self.corpus_size

    def postings(self, term: str) -> IntArray:
        """Passage ids that contain ``term`` (sorted)."""
        term_id = self.vocabulary.get(term)
        if term_id is None:
            return np.zeros(0, dtype=np.int64)
        return self._docs[self._indptr[term_id] : self._indptr[term_id + 1]]

    def term_idf(self, term: str) -> float | None:
        """rank-bm25's idf of ``term``, or None when no passage contains it."""
        term_id = self.vocabulary.get(term)
        return None if term_id is None else float(self.idf[term_id])

    def score(self, query: Sequence[str]) -> tuple[IntArray, FloatArray]:
        """Passages that contain at least one query term, and their BM25 scores.

        Repeated query terms count again, as in rank-bm25. Only the postings of the
        query's terms are read.
        """
        idf = self._ranking_idf
        term_ids = [self.vocabulary[t] for t in query if t in self.vocabulary]
        if not term_ids:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        if len(term_ids) == 1:
            t = term_ids[0]
            lo, hi = self._indptr[t], self._indptr[t + 1]
            return self._docs[lo:hi].copy(), idf[t] * self._tf_part[lo:hi] + 0.0
        docs = np.concatenate([self._docs[self._indptr[t] : self._indptr[t + 1]] for t in term_ids])
        contributions = np.concatenate(
            [idf[t] * self._tf_part[self._indptr[t] : self._indptr[t + 1]] for t in term_ids]
        )
        unique_docs, inverse = np.unique(docs, return_inverse=True)
        # bincount adds in input order, i.e. term by term, like rank-bm25's loop.
        scores = np.bincount(inverse, weights=contributions, minlength=len(unique_docs))
        return unique_docs.astype(np.int64, copy=False), scores.astype(np.float64, copy=False)

    def get_scores(self, query: Sequence[str]) -> FloatArray:
        """Dense scores for every passage, the shape of ``BM25Okapi.get_scores``."""
        dense = np.zeros(self.corpus_size, dtype=np.float64)
        docs, scores = self.score(query)
        dense[docs] = scores
        return dense

    def top_k(self, query: Sequence[str], k: int) -> list[tuple[int, float]]:
        """The ``k`` best passages as (passage id, score), best first, ties by passage id."""
        docs, scores = self.score(query)
        return top_k_of(docs, scores, k)


def top_k_of(docs: IntArray, scores: FloatArray, k: int) -> list[tuple[int, float]]:
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
