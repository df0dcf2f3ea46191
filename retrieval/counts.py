"""Term counts per passage: the compact form between analysis and the index.

A passage's terms become its distinct term ids, in the order they first occur, with how
often each occurs, plus the passage length. That is everything BM25 needs (rank-bm25
keeps the same per document: ``doc_freqs`` and ``doc_len``), it is small enough to cache
per file, and the first-seen order lets the index reproduce rank-bm25's term order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]
CountArray = npt.NDArray[np.integer[Any]]


def narrow_counts(parts: Sequence[npt.NDArray[Any]]) -> type[np.integer[Any]]:
    """The smallest dtype for the counts in ``parts``: ``uint8`` when every one fits (a
    word rarely occurs 256 times in a passage), which is a quarter of the cache's int32
    columns and of what a start reads (165 MiB at 1,000,000 passages)."""
    top = max((int(p.max()) for p in parts if len(p)), default=0)
    return np.uint8 if top < 256 else np.int32


@dataclass(frozen=True, slots=True, eq=False)
class TermCounts:
    """Passage-major counts: passage ``i`` owns ``terms[doc_ptr[i]:doc_ptr[i + 1]]``."""

    doc_ptr: IntArray
    terms: Int32Array
    tf: CountArray  # int32, or uint8 as read from the cache when every count fits
    doc_len: IntArray

    def __len__(self) -> int:
        return len(self.doc_len)

    @classmethod
    def empty(cls) -> TermCounts:
        """Counts of no passage."""
        return cls(
            np.zeros(1, dtype=np.int64),
            np.zeros(0, dtype=np.int32),
            np.zeros(0, dtype=np.int32),
            np.zeros(0, dtype=np.int64),
        )

    @classmethod
    def from_passages(cls, passages: Iterable[Sequence[int]]) -> TermCounts:
        """Count the term ids of each passage (``Counter`` keeps first-seen order)."""
        terms: list[int] = []
        tf: list[int] = []
        distinct: list[int] = []
        lengths: list[int] = []
        for ids in passages:
            counted = Counter(ids)
            terms.extend(counted)
            tf.extend(counted.values())
            distinct.append(len(counted))
            lengths.append(len(ids))
        return cls.build(terms, tf, distinct, lengths)

    @classmethod
    def build(
        cls,
        terms: Sequence[int],
        tf: Sequence[int],
        distinct: Sequence[int],
        lengths: Sequence[int],
    ) -> TermCounts:
        """Counts from flat lists: term ids and tf, distinct terms and tokens per passage."""
        doc_ptr = np.zeros(len(distinct) + 1, dtype=np.int64)
        np.cumsum(np.asarray(distinct, dtype=np.int64), out=doc_ptr[1:])
        return cls(
            doc_ptr,
            np.asarray(terms, dtype=np.int32),
            np.asarray(tf, dtype=np.int32),
            np.asarray(lengths, dtype=np.int64),
        )

    @classmethod
    def concatenate(cls, parts: Sequence[TermCounts]) -> TermCounts:
        """The passages of ``parts``, one after the other (a few numpy calls in all)."""
        if not parts:
            return cls.empty()
        sizes = np.fromiter((len(p.terms) for p in parts), dtype=np.int64, count=len(parts))
        docs = np.fromiter((len(p.doc_len) for p in parts), dtype=np.int64, count=len(parts))
        # Each part's own passage ends, moved by where the part's terms start.
        starts = np.cumsum(sizes) - sizes
        ends = np.concatenate([p.doc_ptr[1:] for p in parts]) + np.repeat(starts, docs)
        doc_ptr = np.concatenate((np.zeros(1, dtype=np.int64), ends.astype(np.int64)))
        return cls(
            doc_ptr,
            joined([p.terms for p in parts]),
            joined([p.tf for p in parts]),
            joined([p.doc_len for p in parts]),
        )

    def remapped(self, mapping: Int32Array) -> TermCounts:
        """The same counts with term id ``i`` renamed ``mapping[i]``."""
        return TermCounts(self.doc_ptr, mapping[self.terms], self.tf, self.doc_len)


def joined(parts: Sequence[npt.NDArray[Any]]) -> npt.NDArray[Any]:
    """The concatenation of 1-d ``parts``: a view, not a copy, when they lie end to end.

    Records read from the cache are slices of one array per column, in file order, so
    joining them back is free; at 1,000,000 passages a copy of the counts is 300 MiB.
    """
    if not parts:
        return np.zeros(0, dtype=np.int64)
    whole = parts
    parts = [p for p in parts if len(p)]  # an empty slice's address says nothing
    if not parts:
        return np.concatenate(whole)
    base = parts[0].base
    if (
        not isinstance(base, np.ndarray)
        or base.base is not None
        or base.ndim != 1
        or not base.flags.c_contiguous
    ):
        return np.concatenate(whole)  # parts made apart (a fresh parse): nothing to share
    size, dtype = base.dtype.itemsize, base.dtype
    origin = base.__array_interface__["data"][0]
    start = at = (parts[0].__array_interface__["data"][0] - origin) // size
    for part in parts:  # one pass, out at the first part that does not follow on
        if part.base is not base or part.dtype != dtype or not part.flags.c_contiguous:
            return np.concatenate(whole)
        if part.__array_interface__["data"][0] - origin != at * size:
            return np.concatenate(whole)
        at += len(part)
    view: npt.NDArray[Any] = base[start:at]
    return view


def encode_corpus(corpus: Iterable[Sequence[str]]) -> tuple[list[str], TermCounts]:
    """Term strings by id (first-seen order) and the corpus's counts in those ids."""
    vocabulary: dict[str, int] = {}
    known = vocabulary.get
    terms: list[int] = []
    tf: list[int] = []
    distinct: list[int] = []
    lengths: list[int] = []
    for doc in corpus:
        counted = Counter(doc)
        ids = list(map(known, counted))
        if None in ids:  # new terms get the next ids, in the order they first occur
            for j, term in enumerate(counted):
                if ids[j] is None:
                    ids[j] = vocabulary.setdefault(term, len(vocabulary))
        terms.extend(ids)  # type: ignore[arg-type]  # no None is left
        tf.extend(counted.values())
        distinct.append(len(counted))
        lengths.append(len(doc))
    return list(vocabulary), TermCounts.build(terms, tf, distinct, lengths)
