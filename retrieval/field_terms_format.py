"""How the ranker's per-entry fields (``FieldTerms``) are laid out in the cache.

Every record's names, headings, labels and whole-entry counts become int columns that
concatenate all records, written piece by piece like the passages' own arrays; the
name strings themselves go into the cache's string table (``cache_format``). Reading
slices the columns back per record, so a warm start analyses nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from retrieval.counts import Int32Array, IntArray, TermCounts, narrow_counts
from retrieval.field_terms import FieldTerms, Ragged

FIELD_ARRAYS = ("name_counts", "name_ids", "name_lengths", "section_ids", "section_lengths",
                "label_ids", "label_lengths", "entry_terms", "entry_tf", "entry_sizes",
                "word_counts", "word_terms")  # fmt: skip


def field_columns(
    parts: Sequence[FieldTerms],
) -> list[tuple[str, type[np.generic], int, Sequence[npt.NDArray[Any]]]]:
    """Every record's fields as the ``FIELD_ARRAYS`` columns: (name, type, row width,
    the parts to concatenate)."""
    columns: list[tuple[str, type[np.generic], int, Sequence[npt.NDArray[Any]]]] = [
        ("name_counts", np.int64, 1, [np.asarray([len(p.names) for p in parts], dtype=np.int64)]),
        ("word_counts", np.int64, 1, [np.asarray([len(p.words) for p in parts], dtype=np.int64)]),
        ("word_terms", np.int32, 1, [p.word_terms for p in parts]),
    ]
    for name, field in (("name", "name_terms"), ("section", "section_terms"),
                        ("label", "label_terms")):  # fmt: skip
        docs: list[Ragged] = [getattr(p, field) for p in parts]
        columns.append((f"{name}_ids", np.int32, 1, [d.ids for d in docs]))
        columns.append((f"{name}_lengths", np.int64, 1, [d.lengths for d in docs]))
    columns.append(("entry_terms", np.int32, 1, [p.entry_counts.terms for p in parts]))
    entry_tf = [p.entry_counts.tf for p in parts]
    columns.append(("entry_tf", narrow_counts(entry_tf), 1, entry_tf))
    # Per record: distinct terms and tokens of its one entry document, -1 for none.
    sizes = [
        (len(p.entry_counts.terms), int(p.entry_counts.doc_len[0])) if len(p.entry_counts)
        else (-1, -1)
        for p in parts
    ]  # fmt: skip
    columns.append(("entry_sizes", np.int64, 2, [np.asarray(sizes, dtype=np.int64).reshape(-1)]))
    return columns


class FieldColumns:
    """The fields of record after record, sliced from the cache's columns.

    Every record's bounds in every column are worked out up front with a few numpy
    passes, so taking a record's fields is slicing only.
    """

    def __init__(
        self,
        arrays: Mapping[str, npt.NDArray[Any]],
        names: list[str],
        words: list[str],
        passages: IntArray,
    ) -> None:
        """``names`` and ``words``: every record's names and name words, in record
        order; ``passages``: how many passages each record has (one section and one
        label document each)."""
        self._names = names
        self._words = words
        self._word_terms = arrays["word_terms"].astype(np.int32, copy=False)
        self._word_at = _bounds(arrays["word_counts"].astype(np.int64, copy=False))
        if self._word_at[-1] != len(words) or len(self._word_terms) != len(words):
            raise ValueError("name word totals do not match")
        name_counts = arrays["name_counts"].astype(np.int64, copy=False)
        sizes = arrays["entry_sizes"].reshape(-1, 2)
        if not len(name_counts) == len(sizes) == len(passages):
            raise ValueError("field totals do not match")
        self._name_at = _bounds(name_counts)
        if self._name_at[-1] != len(names):
            raise ValueError("name totals do not match")
        self._columns: dict[str, tuple[Int32Array, IntArray, list[int], list[int]]] = {}
        for field, docs in (("name", name_counts), ("section", passages), ("label", passages)):
            ids = arrays[f"{field}_ids"].astype(np.int32, copy=False)
            lengths = arrays[f"{field}_lengths"].astype(np.int64, copy=False)
            doc_at = _bounds(docs)
            if doc_at[-1] != len(lengths) or int(lengths.sum()) != len(ids):
                raise ValueError(f"{field} totals do not match")
            id_ends = np.concatenate((np.zeros(1, dtype=np.int64), np.cumsum(lengths)))
            self._columns[field] = (ids, lengths, doc_at, id_ends[doc_at].tolist())
        self._entry_terms = arrays["entry_terms"].astype(np.int32, copy=False)
        self._entry_tf = arrays["entry_tf"]  # uint8 when every count fits: kept narrow
        if self._entry_tf.dtype.kind not in "iu":
            raise ValueError("entry term counts are not integers")
        self._sizes = sizes.tolist()
        self._entry_at = _bounds(np.maximum(sizes[:, 0], 0))
        if self._entry_at[-1] != len(self._entry_terms) or len(self._entry_tf) != len(
            self._entry_terms
        ):
            raise ValueError("entry totals do not match")
        self._record = 0

    def next(self) -> FieldTerms:
        """The fields of the next record."""
        r = self._record
        self._record += 1
        distinct, tokens = self._sizes[r]
        if distinct < 0:
            counts = TermCounts.empty()
        else:
            at = self._entry_at[r]
            counts = TermCounts(
                np.asarray((0, distinct), dtype=np.int64),
                self._entry_terms[at : at + distinct],
                self._entry_tf[at : at + distinct],
                np.asarray((tokens,), dtype=np.int64),
            )
        w0, w1 = self._word_at[r], self._word_at[r + 1]
        return FieldTerms(
            tuple(self._names[self._name_at[r] : self._name_at[r + 1]]),
            self._take("name", r),
            self._take("section", r),
            self._take("label", r),
            counts,
            tuple(self._words[w0:w1]),
            self._word_terms[w0:w1],
        )

    def _take(self, field: str, r: int) -> Ragged:
        ids, lengths, doc_at, id_at = self._columns[field]
        return Ragged(ids[id_at[r] : id_at[r + 1]], lengths[doc_at[r] : doc_at[r + 1]])

    def finished(self) -> bool:
        """Whether every record was taken."""
        return self._record == len(self._sizes)


def _bounds(counts: IntArray) -> list[int]:
    """Where each record starts in a column, and its end: ``[0, c0, c0 + c1, ...]``."""
    return [0, *np.cumsum(counts).tolist()]
