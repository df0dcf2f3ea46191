"""The analysed terms of every passage, as the ranker receives them, without copies.

A glossary of 100,000 passages has millions of terms; as Python lists of strings they
would take more memory than the rest of the glossary. They are decoded from the term
counts the build records already hold, only for the passages someone asks for.

A passage's terms come out grouped: each distinct term as often as it occurs, in the
order the terms first occur. That is the same bag of words rank-bm25 counts, and it
meets new terms in the same order, so BM25 over these lists (its scores and its idf
average) is exactly BM25 over the passage's terms in reading order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import pairwise

import numpy as np

from retrieval.counts import IntArray, TermCounts
from retrieval.lazy_sequence import LazySequence


class PassageTerms(LazySequence[list[str]]):
    """Each passage's terms (grouped, first-seen order), decoded from per-file counts."""

    def __init__(self, terms: list[str], chunks: Sequence[TermCounts]) -> None:
        """``chunks``: per file, its passages' term counts."""
        self._terms = terms
        self._chunks = list(chunks)
        sizes = np.asarray([len(c) for c in self._chunks], dtype=np.int64)
        self._chunk: IntArray = np.repeat(np.arange(len(self._chunks), dtype=np.int64), sizes)
        self._first: IntArray = np.cumsum(sizes) - sizes  # each chunk's first passage

    def __len__(self) -> int:
        return len(self._chunk)

    def _item(self, i: int) -> list[str]:
        chunk = int(self._chunk[i])
        counts = self._chunks[chunk]
        local = i - int(self._first[chunk])
        lo, hi = int(counts.doc_ptr[local]), int(counts.doc_ptr[local + 1])
        return self._decode(counts.terms[lo:hi].tolist(), counts.tf[lo:hi].tolist())

    def __iter__(self) -> Iterator[list[str]]:
        for counts in self._chunks:
            ids, tf, ptr = counts.terms.tolist(), counts.tf.tolist(), counts.doc_ptr.tolist()
            for lo, hi in pairwise(ptr):
                yield self._decode(ids[lo:hi], tf[lo:hi])

    def _decode(self, ids: list[int], tf: list[int]) -> list[str]:
        terms = self._terms
        return [terms[t] for t, n in zip(ids, tf, strict=True) for _ in range(n)]
