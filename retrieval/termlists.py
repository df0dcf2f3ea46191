"""The analysed terms of every passage, as the ranker receives them, without copies.

A glossary of 100,000 passages has millions of terms; as Python lists of strings they
would take more memory than the rest of the glossary. They are kept as the term ids the
build records already hold (one int32 array per file) and decoded to strings only for
the passages someone asks for.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload

import numpy as np

from retrieval.counts import Int32Array, IntArray


class PassageTerms(Sequence[list[str]]):
    """Each passage's terms in order, decoded from per-file term ids when asked for."""

    def __init__(self, terms: list[str], chunks: Sequence[tuple[Int32Array, IntArray]]) -> None:
        """``chunks``: per file, its passages' term ids (concatenated) and their lengths."""
        self._terms = terms
        self._tokens = [tokens for tokens, _ in chunks]
        self._lengths = [lengths for _, lengths in chunks]
        per_chunk = np.asarray([len(lengths) for lengths in self._lengths], dtype=np.int64)
        self._chunk: IntArray = np.repeat(np.arange(len(chunks), dtype=np.int64), per_chunk)
        lengths = np.concatenate([np.zeros(0, dtype=np.int64), *self._lengths])
        sizes = np.asarray([len(tokens) for tokens in self._tokens], dtype=np.int64)
        chunk_start = np.cumsum(sizes) - sizes
        # Offsets inside each file's array: global offsets minus where the file starts.
        self._hi: IntArray = np.cumsum(lengths) - chunk_start[self._chunk]
        self._lo: IntArray = self._hi - lengths

    def __len__(self) -> int:
        return len(self._chunk)

    @overload
    def __getitem__(self, i: int) -> list[str]: ...
    @overload
    def __getitem__(self, i: slice) -> list[list[str]]: ...
    def __getitem__(self, i: int | slice) -> list[str] | list[list[str]]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        tokens = self._tokens[int(self._chunk[i])][self._lo[i] : self._hi[i]]
        terms = self._terms
        return [terms[t] for t in tokens.tolist()]

    def __iter__(self) -> Iterator[list[str]]:
        terms = self._terms
        for tokens, lengths in zip(self._tokens, self._lengths, strict=True):
            ids = tokens.tolist()
            at = 0
            for n in lengths.tolist():
                yield [terms[t] for t in ids[at : at + n]]
                at += n
