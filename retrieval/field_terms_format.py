"""How the ranker's per-entry fields (``FieldTerms``) are laid out in the cache.

Every record's names, headings, labels and whole-entry counts become int columns that
concatenate all records, written piece by piece like the passages' own arrays; the
name strings themselves go into the cache's string table (``cache_format``). Reading
slices the columns back per record, so a warm start analyses nothing.
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from retrieval.counts import TermCounts
from retrieval.field_terms import FieldTerms, Ragged

FIELD_ARRAYS = ("name_counts", "name_ids", "name_lengths", "section_ids", "section_lengths",
                "label_ids", "label_lengths", "entry_terms", "entry_tf", "entry_sizes")  # fmt: skip


def write_field_terms(zf: zipfile.ZipFile, parts: Sequence[FieldTerms]) -> None:
    """Write every record's fields as the ``FIELD_ARRAYS`` columns."""
    from retrieval.cache_format import write_npy, write_npy_chunks

    write_npy(zf, "name_counts", np.asarray([len(p.names) for p in parts], dtype=np.int64))
    for name, field in (("name", "name_terms"), ("section", "section_terms"),
                        ("label", "label_terms")):  # fmt: skip
        docs: list[Ragged] = [getattr(p, field) for p in parts]
        write_npy_chunks(zf, f"{name}_ids", np.int32, [d.ids for d in docs])
        write_npy_chunks(zf, f"{name}_lengths", np.int64, [d.lengths for d in docs])
    write_npy_chunks(zf, "entry_terms", np.int32, [p.entry_counts.terms for p in parts])
    write_npy_chunks(zf, "entry_tf", np.int32, [p.entry_counts.tf for p in parts])
    # Per record: distinct terms and tokens of its one entry document, -1 for none.
    sizes = [
        (len(p.entry_counts.terms), int(p.entry_counts.doc_len[0])) if len(p.entry_counts)
        else (-1, -1)
        for p in parts
    ]  # fmt: skip
    write_npy(zf, "entry_sizes", np.asarray(sizes, dtype=np.int64).reshape(-1, 2))


class FieldColumns:
    """The fields of record after record, sliced from the cache's columns."""

    def __init__(self, arrays: Mapping[str, npt.NDArray[Any]], names: list[str]) -> None:
        """``names``: every record's name strings, concatenated in record order."""
        self._names = names
        self._name_counts = arrays["name_counts"].tolist()
        self._docs = {
            field: (
                arrays[f"{field}_ids"].astype(np.int32, copy=False),
                arrays[f"{field}_lengths"].astype(np.int64, copy=False),
            )
            for field in ("name", "section", "label")
        }
        self._entry_terms = arrays["entry_terms"].astype(np.int32, copy=False)
        self._entry_tf = arrays["entry_tf"].astype(np.int32, copy=False)
        self._entry_sizes = arrays["entry_sizes"].reshape(-1, 2).tolist()
        if len(self._name_counts) != len(self._entry_sizes) or sum(self._name_counts) != len(names):
            raise ValueError("field totals do not match")
        for field, (ids, lengths) in self._docs.items():
            if int(lengths.sum()) != len(ids):
                raise ValueError(f"{field} totals do not match")
        if sum(max(d, 0) for d, _ in self._entry_sizes) != len(self._entry_terms):
            raise ValueError("entry totals do not match")
        self._at = {field: (0, 0) for field in self._docs}
        self._name_at = 0
        self._entry_at = 0
        self._record = 0

    def next(self, passages: int) -> FieldTerms:
        """The fields of the next record, which has ``passages`` passages."""
        record = self._record
        self._record += 1
        n_names = self._name_counts[record]
        names = tuple(self._names[self._name_at : self._name_at + n_names])
        self._name_at += n_names
        distinct, tokens = self._entry_sizes[record]
        if distinct < 0:
            counts = TermCounts.empty()
        else:
            at = self._entry_at
            self._entry_at += distinct
            counts = TermCounts(
                np.asarray([0, distinct], dtype=np.int64),
                self._entry_terms[at : at + distinct],
                self._entry_tf[at : at + distinct],
                np.asarray([tokens], dtype=np.int64),
            )
        return FieldTerms(
            names,
            self._take("name", n_names),
            self._take("section", passages),
            self._take("label", passages),
            counts,
        )

    def _take(self, field: str, count: int) -> Ragged:
        ids, lengths = self._docs[field]
        doc_at, id_at = self._at[field]
        taken = lengths[doc_at : doc_at + count]
        size = int(taken.sum())
        self._at[field] = (doc_at + count, id_at + size)
        return Ragged(ids[id_at : id_at + size], taken)

    def finished(self) -> bool:
        """Whether every column was read to its end."""
        return self._record == len(self._entry_sizes) and all(
            doc_at == len(self._docs[f][1]) for f, (doc_at, _) in self._at.items()
        )
