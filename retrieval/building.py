"""From knowledge files to what an index is built from, one file at a time.

Parsing and analysis are the expensive stages of a build (Markdown, YAML, the
tokenizer and the stemmer run in Python), so their result is kept per file in a
``FileRecord``: the entry, the problems, the file's passages and their term ids and
counts. A record is keyed by the file's content (sha256) and reused as long as the
content is the same: by a reload in the same process (``Glossary.refreshed``) and,
through ``retrieval.cache``, by the next start. Assembling a glossary from records is
concatenation plus one vectorised index build.

Term ids come from a ``Lexicon`` that only ever grows, so records made at different
times stay valid together and an older glossary keeps working while a newer one is
built. Cold builds of many files run in worker processes (``retrieval.workers``).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import numpy as np

from retrieval.analysis import recording_words
from retrieval.counts import Int32Array, IntArray, TermCounts
from retrieval.field_terms import FieldTerms, field_terms
from retrieval.loading import duplicate_id_problem, knowledge_files
from retrieval.models import Entry, Passage, Problem
from retrieval.parsing import parse_entry
from retrieval.passages import entry_passages
from retrieval.ranking import passage_terms

Stamp = tuple[int, int]  # (mtime in ns, size in bytes): a cheap "may have changed" test


class Lexicon:
    """Term strings by id, append-only: an id, once given, always means the same term.

    Glossaries built one after the other share their lexicon; readers only index
    ``terms``, and additions hold a lock, so a reload may add terms while an older
    glossary keeps answering.
    """

    def __init__(self, terms: Iterable[str] = (), words: Iterable[tuple[str, int]] = ()) -> None:
        """``words``: surface words of the documents and their terms' ids (see ``words``)."""
        self.terms: list[str] = list(terms)
        self._ids: dict[str, int] = {t: i for i, t in enumerate(self.terms)}
        # Every word the documents were seen to use, with its term's id: kept with the
        # cache so that a start knows their terms without stemming them again.
        self.words: dict[str, int] = dict(words)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.terms)

    @property
    def term_ids(self) -> Mapping[str, int]:
        """Ids by term string (read-only; it grows as terms are added)."""
        return self._ids

    def ids(self, terms: Sequence[str]) -> list[int]:
        """Ids of ``terms``, adding the new ones."""
        known = self._ids
        out = list(map(known.get, terms))
        if None in out:
            with self._lock:
                for j, term in enumerate(terms):
                    if out[j] is None:
                        i = known.get(term)
                        if i is None:
                            i = known[term] = len(self.terms)
                            self.terms.append(term)
                        out[j] = i
        return out  # type: ignore[return-value]  # no None is left

    def note_words(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Keep (word, term) pairs met in documents whose term is in the lexicon."""
        known = self._ids
        with self._lock:
            for word, term in pairs:
                i = known.get(term)
                if i is not None:
                    self.words.setdefault(word, i)

    def word_terms(self) -> list[tuple[str, str]]:
        """``words`` as (word, term) pairs."""
        terms = self.terms
        return [(word, terms[i]) for word, i in list(self.words.items())]

    def mapping(self, terms: Sequence[str]) -> Int32Array:
        """For another lexicon's ``terms`` (by its ids), the ids they have here."""
        return np.asarray(self.ids(terms), dtype=np.int32)


class Content(Protocol):
    """A file's entry and passages: parsed now, or read from the cache when first used."""

    @property
    def entry(self) -> Entry | None: ...

    @property
    def passages(self) -> tuple[Passage, ...]: ...

    @property
    def entry_id(self) -> str | None: ...

    @property
    def opens_with_lead(self) -> bool:
        """Whether the first passage is the lead (the definition)."""

    def passage(self, i: int) -> Passage:
        """Passage ``i`` alone (a hit needs one passage, not the whole entry)."""


@dataclass(frozen=True, slots=True, eq=False)
class Parsed:
    """Content that is already in memory."""

    entry: Entry | None
    passages: tuple[Passage, ...]

    @property
    def entry_id(self) -> str | None:
        return self.entry.id if self.entry is not None else None

    @property
    def opens_with_lead(self) -> bool:
        return bool(self.passages) and self.passages[0].section is None

    def passage(self, i: int) -> Passage:
        return self.passages[i]


@dataclass(frozen=True, slots=True, eq=False)
class FileRecord:
    """One knowledge file as last read, and everything its content yielded."""

    path: Path
    stamp: Stamp
    digest: str
    content: Content
    problems: tuple[Problem, ...]
    lengths: IntArray  # tokens per passage
    counts: TermCounts
    fields: FieldTerms  # names, headings, labels and the whole entry, for the ranker
    kept: bool = False  # the file is broken now; this is its last good version

    @property
    def entry(self) -> Entry | None:
        """The file's entry (None when it has none in service)."""
        return self.content.entry

    @property
    def passages(self) -> tuple[Passage, ...]:
        """The entry's passages."""
        return self.content.passages

    @property
    def entry_id(self) -> str | None:
        """The entry's id, known without reading the entry from the cache."""
        return self.content.entry_id

    def remapped(self, mapping: Int32Array) -> FileRecord:
        """The record with another lexicon's ids (worker processes have their own)."""
        return FileRecord(self.path, self.stamp, self.digest, self.content, self.problems,
                          self.lengths, self.counts.remapped(mapping),
                          self.fields.remapped(mapping), self.kept)  # fmt: skip


def file_stamp(path: Path) -> Stamp | None:
    """(mtime_ns, size) of ``path``, or None when it cannot be read."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def digest_of(raw: bytes) -> str:
    """The content key of a file."""
    return hashlib.sha256(raw).hexdigest()


def analyse_entry(
    path: Path,
    entry: Entry | None,
    lexicon: Lexicon,
    *,
    stamp: Stamp = (0, 0),
    digest: str = "",
    problems: tuple[Problem, ...] = (),
) -> FileRecord:
    """The record of a parsed file: passages, their terms as ids, and the ranker's fields."""
    if entry is None:
        return FileRecord(path, stamp, digest, Parsed(None, ()), problems,
                          np.zeros(0, dtype=np.int64), TermCounts.empty(), FieldTerms.empty())  # fmt: skip
    passages = tuple(entry_passages(entry))
    with recording_words() as met:  # this file's words not met before: kept in the cache
        per_passage = [lexicon.ids(passage_terms(p)) for p in passages]
        fields = field_terms(passages, per_passage, lexicon.ids)
    lexicon.note_words(met)
    lengths = np.asarray([len(ids) for ids in per_passage], dtype=np.int64)
    counts = TermCounts.from_passages(per_passage)
    return FileRecord(path, stamp, digest, Parsed(entry, passages), problems, lengths,
                      counts, fields)  # fmt: skip


def read_file(path: Path, lexicon: Lexicon) -> FileRecord:
    """Read, parse and analyse one file; an unreadable file becomes a problem."""
    stamp = file_stamp(path) or (0, 0)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problem = Problem(path, 1, f"cannot read the file ({exc.strerror}): check its permissions")
        return analyse_entry(path, None, lexicon, stamp=stamp, problems=(problem,))
    result = parse_entry(path, raw)
    return analyse_entry(path, result.entry, lexicon, stamp=stamp, digest=digest_of(raw),
                         problems=result.problems)  # fmt: skip


def read_files(paths: Sequence[Path], lexicon: Lexicon) -> list[FileRecord]:
    """Records of ``paths`` in order, in worker processes when there are many."""
    from retrieval.workers import read_files_in_parallel

    records = read_files_in_parallel(paths, lexicon)
    return records if records is not None else [read_file(p, lexicon) for p in paths]


@dataclass(frozen=True, slots=True)
class FolderScan:
    """A folder's records after a scan, and which files had to be read again."""

    records: tuple[FileRecord, ...]
    reread: tuple[Path, ...]


def scan_folder(
    folder: Path,
    lexicon: Lexicon,
    previous: Iterable[FileRecord] = (),
    *,
    trust_stamps: bool,
    keep_last_good: bool = False,
) -> FolderScan:
    """Records for every file below ``folder``, reusing ``previous`` ones that still hold.

    A previous record is reused when the file's (mtime, size) is unchanged and
    ``trust_stamps`` is set, or else when its content hash is unchanged; only the other
    files are parsed and analysed. With
    ``keep_last_good``, a file that fails to parse now keeps its previous entry (its
    new problems are reported).
    """
    known = {r.path: r for r in previous}
    paths = knowledge_files(folder)  # sorted, so records come out in the same order
    fresh: list[Path] = []
    by_path: dict[Path, FileRecord] = {}
    for path in paths:
        old = known.get(path)
        if old is not None:
            if trust_stamps and file_stamp(path) == old.stamp:
                by_path[path] = old
                continue
            same = _same_content(path, old)
            if same is not None:
                by_path[path] = same
                continue
        fresh.append(path)
    for new in read_files(fresh, lexicon):
        old = known.get(new.path)
        if keep_last_good and new.entry_id is None and old is not None and old.entry_id:
            new = replace(old, stamp=new.stamp, digest=new.digest, kept=True, problems=new.problems)  # noqa: PLW2901
        by_path[new.path] = new
    ordered = tuple(by_path[p] for p in paths)
    return FolderScan(ordered, tuple(fresh))


def _same_content(path: Path, old: FileRecord) -> FileRecord | None:
    """``old`` with a fresh stamp when the file still has its content, else None."""
    stamp = file_stamp(path)
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    if stamp is None or digest_of(raw) != old.digest:
        return None
    return old if stamp == old.stamp else replace(old, stamp=stamp)


def pick_entries(
    scans: Sequence[Sequence[FileRecord]],
) -> tuple[list[FileRecord], list[Problem]]:
    """Records whose entry is in service, sorted by entry id, and every problem.

    Within a folder the first file of a duplicate id wins (and the other is a problem,
    as ``loading.collect_entries`` reports it); across folders the first folder wins.
    """
    chosen: dict[str, FileRecord] = {}
    problems: list[Problem] = []
    for records in scans:
        in_folder: dict[str, FileRecord] = {}
        for record in records:
            problems.extend(record.problems)
            entry_id = record.entry_id
            if entry_id is None:
                continue
            if entry_id in in_folder:
                first = in_folder[entry_id].path
                problems.append(duplicate_id_problem(record.path, entry_id, first))
                continue
            in_folder[entry_id] = record
            chosen.setdefault(entry_id, record)
    return [chosen[k] for k in sorted(chosen)], problems


def cpu_count() -> int:
    """CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
