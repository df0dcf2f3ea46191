"""Entries and passages in the cache's columns, made into objects when first read.

A start from the cache needs every file's term ids and fields at once (the indexes are
built from them) but an entry's ``Entry``, ``Block`` and ``Passage`` objects only when
a question hits one of its passages or a command shows it. Making 200,000 such objects
up front took longer than building every index; here each record's content keeps a
pointer into the columns instead and makes its objects on first use (then keeps them).
"""

from __future__ import annotations

import codecs
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from retrieval.models import Block, Entry, Passage


class StoredStrings:
    """The cache's string table: UTF-8 bytes and end offsets, decoded by index."""

    def __init__(self, blob: bytes, ends: npt.NDArray[np.int64]) -> None:
        if len(ends) and (int(ends[-1]) != len(blob) or bool(np.any(np.diff(ends) < 0))):
            raise ValueError("string table is cut short")
        _check_utf8(blob)  # valid as a whole: every string of it decodes later, too
        self._blob = memoryview(blob)
        # An array of machine integers, not a list: a list's ints are objects scattered
        # over memory, and reading a hit's three strings cold paid a cache miss for each.
        self._starts = array("q", [0])
        self._starts.frombytes(ends.astype(np.int64, copy=False).tobytes())

    def __len__(self) -> int:
        return len(self._starts) - 1

    def raw(self, i: int) -> memoryview:
        """String ``i``'s UTF-8 bytes (i >= 0)."""
        return self._blob[self._starts[i] : self._starts[i + 1]]

    def get(self, i: int) -> str | None:
        """String ``i`` (-1 is None)."""
        if i < 0:
            return None
        return str(self._blob[self._starts[i] : self._starts[i + 1]], "utf-8")

    def first(self, count: int) -> list[str]:
        """The first ``count`` strings (the lexicon's terms)."""
        raw, starts = self._blob, self._starts
        return [str(raw[starts[i] : starts[i + 1]], "utf-8") for i in range(count)]

    def many(self, indexes: Sequence[int]) -> list[str | None]:
        """Strings by index, in order."""
        return [self.get(i) for i in indexes]


Shown = tuple[str, str, str | None, str | None, str, str | None]
"""What a hit shows of a passage: entry, title, section, label, text, url."""

_CHECK_CHUNK = 1 << 20


def shown_fields(passage: Passage) -> Shown:
    """The fields a hit shows of ``passage``."""
    p = passage
    return p.entry, p.title, p.section, p.label, p.text, p.url


def _check_utf8(blob: bytes) -> None:
    """Raise ``UnicodeDecodeError`` unless ``blob`` is UTF-8, a chunk at a time: decoding
    it whole would hold a copy of every text of the glossary (300 MiB at 1M passages)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(blob)
    for at in range(0, len(view), _CHECK_CHUNK):
        decoder.decode(view[at : at + _CHECK_CHUNK])
    decoder.decode(b"", final=True)


class StoredEntries:
    """Block and passage rows of every cached entry, with the strings they point into."""

    def __init__(
        self, strings: StoredStrings, blocks: npt.NDArray[Any], passages: npt.NDArray[Any]
    ) -> None:
        """``blocks``: (text, section, label, line, is_item) rows; ``passages``: (section,
        label, text) rows; string columns hold indexes into ``strings``."""
        self.strings = strings
        self._blocks = blocks
        self._passages = passages

    def block_rows(self, first: int, count: int) -> list[list[int]]:
        """(text, section, label, line, is_item) rows, string columns as indexes."""
        rows: list[list[int]] = self._blocks[first : first + count].tolist()
        return rows

    def passage_rows(self, first: int, count: int) -> list[list[int]]:
        """(section, label, text) rows, as string indexes."""
        rows: list[list[int]] = self._passages[first : first + count].tolist()
        return rows

    def entry(self, meta: Sequence[Any], path: Path, first_block: int) -> Entry:
        """The entry described by its JSON ``meta`` row, its blocks from ``first_block``."""
        entry_id, title, url, aliases, tags, updated, n_blocks = meta
        rows = self._blocks[first_block : first_block + n_blocks].tolist()
        get = self.strings.get
        return Entry(
            id=str(entry_id),
            title=str(title),
            path=path,
            blocks=tuple(
                Block(get(section), get(text) or "", line, get(label), bool(item))
                for text, section, label, line, item in rows
            ),
            url=url,
            aliases=tuple(aliases),
            tags=tuple(tags),
            updated=updated,
        )

    def passages(self, entry: Entry, first: int, count: int) -> tuple[Passage, ...]:
        """The entry's ``count`` passages from row ``first``."""
        rows = self._passages[first : first + count].tolist()
        get = self.strings.get
        e_id, title, url, aliases = entry.id, entry.title, entry.url, entry.aliases
        return tuple(
            Passage(e_id, title, get(s), get(lb), get(t) or "", url, aliases) for s, lb, t in rows
        )

    def passage(self, meta: Sequence[Any], row: int) -> Passage:
        """Passage row ``row`` of the entry described by ``meta``, made on its own."""
        return Passage(*self.passage_fields(meta, row), meta[3])

    def passage_fields(self, meta: Sequence[Any], row: int) -> Shown:
        """``passage``'s (entry, title, section, label, text, url) without the object."""
        section, label, text = self._passages[row].tolist()
        get = self.strings.get
        return meta[0], meta[1], get(section), get(label), get(text) or "", meta[2]

    def opens_with_lead(self, first: int) -> bool:
        """Whether passage row ``first`` has no section (it is in the lead)."""
        return int(self._passages[first, 0]) < 0


class StoredContent:
    """One cached file's entry and passages, made from the columns on first use."""

    __slots__ = ("_count", "_entry", "_first_block", "_first_passage", "_header", "_meta",
                 "_passages", "_path", "_store", "entry_id")  # fmt: skip

    def __init__(
        self,
        store: StoredEntries,
        meta: Sequence[Any],
        path: Path,
        *,
        first_block: int,
        first_passage: int,
        count: int,
    ) -> None:
        self._store = store
        self._meta = meta
        self._path = path
        self._first_block = first_block
        self._first_passage = first_passage
        self._count = count
        self._entry: Entry | None = None
        self._passages: tuple[Passage, ...] | None = None
        self._header: tuple[str, str, Any, tuple[str, ...]] | None = None
        self.entry_id = str(meta[0])  # asked for by every build: kept as a plain attribute

    @property
    def entry(self) -> Entry:
        if self._entry is None:
            self._entry = self._store.entry(self._meta, self._path, self._first_block)
        return self._entry

    @property
    def passages(self) -> tuple[Passage, ...]:
        if self._passages is None:
            self._passages = self._store.passages(self.entry, self._first_passage, self._count)
        return self._passages

    def passage(self, i: int) -> Passage:
        if self._passages is not None:
            return self._passages[i]
        return self._store.passage(self._header_of(i), self._first_passage + i)

    def shown(self, i: int) -> Shown:
        """Passage ``i``'s (entry, title, section, label, text, url): what a hit shows.

        Read from the JSON row itself (id, title and url are its first fields): making
        the entry's header on its first hit cost more than the hit.
        """
        if self._passages is not None:
            return shown_fields(self._passages[i])
        if not 0 <= i < self._count:
            raise IndexError(i)
        return self._store.passage_fields(self._meta, self._first_passage + i)

    def _header_of(self, i: int) -> tuple[str, str, Any, tuple[str, ...]]:
        """The (id, title, url, aliases) every passage of the entry shares; checks ``i``."""
        if not 0 <= i < self._count:
            raise IndexError(i)
        if self._header is None:
            entry_id, title, url, aliases = self._meta[:4]
            self._header = (str(entry_id), str(title), url, tuple(aliases))
        return self._header

    @property
    def made(self) -> bool:
        """Whether the entry's objects were made (then they, not the rows, are current)."""
        return self._entry is not None

    @property
    def meta(self) -> Sequence[Any]:
        """The cache's JSON row of the entry (id, title, url, aliases, tags, updated, blocks)."""
        return self._meta

    @property
    def strings(self) -> StoredStrings:
        """The string table the rows point into."""
        return self._store.strings

    def block_rows(self) -> list[list[int]]:
        """The entry's block rows in the cache's columns."""
        return self._store.block_rows(self._first_block, int(self._meta[6]))

    def passage_rows(self) -> list[list[int]]:
        """The entry's passage rows in the cache's columns."""
        return self._store.passage_rows(self._first_passage, self._count)

    @property
    def opens_with_lead(self) -> bool:
        return self._count > 0 and self._store.opens_with_lead(self._first_passage)
