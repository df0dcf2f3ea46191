"""A glossary's entries and passages, seen through its build records.

A glossary of 10,000 entries has 100,000 passages and as many blocks; making all those
objects is a good part of a start from the cache. The records read from the cache make
their entry and passages only when first asked (``retrieval.stored``), and these views
give the glossary's usual ``entries`` mapping and ``passages`` sequence on top of them,
so a start makes only what a question or a command actually reads.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from itertools import accumulate

from retrieval.building import Content, FileRecord
from retrieval.lazy_sequence import LazySequence
from retrieval.models import Entry, Passage
from retrieval.stored import Shown, StoredContent, shown_fields


class EntriesView(Mapping[str, Entry]):
    """Entries by id, in id order, read from their records when looked up."""

    def __init__(self, records: Sequence[FileRecord]) -> None:
        """``records``: one per entry in service, sorted by entry id."""
        self.records: dict[str, FileRecord] = {}
        for record in records:
            if record.entry_id is not None:
                self.records[record.entry_id] = record

    def __getitem__(self, entry_id: str) -> Entry:
        entry = self.records[entry_id].entry
        if entry is None:  # a record with an id always has its entry
            raise KeyError(entry_id)
        return entry

    def __iter__(self) -> Iterator[str]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self.records


class PassagesView(LazySequence[Passage]):
    """Every record's passages, one record after the other."""

    def __init__(self, records: Sequence[FileRecord]) -> None:
        self._records = [r for r in records if len(r.lengths)]
        self._contents = [r.content for r in self._records]  # a hit reads one: no hop
        # Machine integers (an ``array``), not a list of int objects: a hit reads two.
        self._ends = array("q", accumulate(len(r.lengths) for r in self._records))
        self._size = self._ends[-1] if self._ends else 0

    def __len__(self) -> int:
        return self._size

    def _item(self, i: int) -> Passage:
        content, j = self._locate(i)
        return content.passage(j)

    def shown(self, i: int) -> Shown:
        """Passage ``i``'s (entry, title, section, label, text, url), for a hit: a cached
        entry gives them straight from its columns, without making the ``Passage``."""
        if not 0 <= i < self._size:
            raise IndexError(i)
        return self.shown_at(bisect_right(self._ends, i), i)

    def shown_at(self, record: int, i: int) -> Shown:
        """``shown(i)`` when the caller knows which record holds passage ``i``: its
        position among the records with passages (the ranker's entry number), which
        saves the search through every record's end."""
        start = self._ends[record - 1] if record else 0
        if not start <= i < self._ends[record]:
            raise IndexError(f"passage {i} is not in record {record}")
        content = self._contents[record]
        if isinstance(content, StoredContent):
            return content.shown(i - start)
        return shown_fields(content.passage(i - start))

    def _locate(self, i: int) -> tuple[Content, int]:
        """The content holding passage ``i`` (0 <= i < len) and its position there."""
        at = bisect_right(self._ends, i)
        return self._contents[at], i - self._ends[at - 1] if at else i

    def __iter__(self) -> Iterator[Passage]:
        for record in self._records:
            yield from record.passages
