"""The glossary: entries, passages and their index, and the one ``search`` everyone uses.

The bot and the CLI only ever see ``Glossary`` and ``Hit``; nothing outside this package
knows how passages are scored. A ``Glossary`` is immutable: a reload builds a new one and
the caller swaps the reference, so a question is always answered by a complete index.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from retrieval.analysis import analyze, learn_words
from retrieval.building import (
    FileRecord,
    FolderScan,
    Lexicon,
    analyse_entry,
    pick_entries,
    scan_folder,
)
from retrieval.counts import TermCounts
from retrieval.errors import EmptyGlossaryError
from retrieval.fields import EntryFields
from retrieval.gc_pause import collector_paused
from retrieval.index import BM25Index
from retrieval.loading import FolderContents
from retrieval.models import Answer, Entry, Hit, Problem
from retrieval.ranking import Ranker
from retrieval.record_views import EntriesView, PassagesView
from retrieval.refresh import Refresh, diff_entries
from retrieval.synonyms import folder_groups
from retrieval.termlists import PassageTerms

logger = logging.getLogger(__name__)

IDF_FLOOR = 0.05


@dataclass(frozen=True, slots=True, eq=False)
class _Sources:
    """Where a glossary came from: what ``refreshed`` compares the folders against."""

    folders: tuple[Path, ...]
    scans: tuple[tuple[FileRecord, ...], ...]
    lexicon: Lexicon
    cache_dir: Path | None


class Glossary:
    """A searchable glossary built from entries; build once, then share it read-only."""

    @collector_paused()
    def __init__(
        self,
        entries: Sequence[Entry],
        *,
        problems: Sequence[Problem] = (),
        synonyms: Sequence[Sequence[str]] = (),
    ) -> None:
        """``synonyms``: extra synonym groups, e.g. from a knowledge folder's synonyms.txt."""
        started = time.perf_counter()
        by_id = {e.id: e for e in sorted(entries, key=lambda e: e.id)}
        lexicon = Lexicon()
        records = [analyse_entry(e.path, e, lexicon) for e in by_id.values()]
        self._assemble(records, problems, lexicon, synonyms, lazy=False)
        self._sources: _Sources | None = None
        self.build_seconds = time.perf_counter() - started

    def _assemble(
        self,
        records: Sequence[FileRecord],
        problems: Sequence[Problem],
        lexicon: Lexicon,
        synonyms: Sequence[Sequence[str]],
        *,
        lazy: bool,
    ) -> None:
        """Entries, passages, index and ranker from records sorted by entry id.

        ``lazy`` (a reload): the indexes make each term's factors on its first question.
        """
        self.entries = EntriesView(records)
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.passages = PassagesView(records)
        self._passage_terms = PassageTerms(lexicon.terms, [r.counts for r in records])
        counts = TermCounts.concatenate([r.counts for r in records])
        # A question scores only a dozen entries' passages. Their factors come from a
        # float per posting made at start while that fits the index's FACTOR_BUDGET
        # (faster: ~20 us a question at 100,000 passages); beyond it they are computed on
        # the spot, which saves 280 MiB at 1,000,000 passages for ~2% of a question there.
        self._index = BM25Index.from_counts(lexicon.terms, counts, idf_floor=IDF_FLOOR, lazy=lazy)
        del counts  # every record's counts joined (a copy unless read from the cache): free it
        self._synonyms = tuple(tuple(group) for group in synonyms)
        in_service = [r for r in records if len(r.lengths)]  # entries with passages
        self._ranker = Ranker(
            self.passages,
            self._index,
            EntryFields(
                [r.fields for r in in_service],
                [r.entry_id or "" for r in in_service],
                [r.content.opens_with_lead for r in in_service],
            ),
            (lexicon.terms, lexicon.term_ids),
            synonyms=synonyms,
            lazy=lazy,
        )

    @classmethod
    def _from_sources(cls, sources: _Sources, started: float, *, lazy: bool) -> Glossary:
        records, problems = pick_entries(sources.scans)
        glossary = cls.__new__(cls)
        groups = folder_groups(sources.folders)
        glossary._assemble(records, problems, sources.lexicon, groups, lazy=lazy)
        glossary._sources = sources
        glossary.build_seconds = time.perf_counter() - started
        return glossary

    @classmethod
    def from_folder(cls, path: str | Path, *, cache_dir: str | Path | None = None) -> Glossary:
        """Load and index every entry below ``path``.

        Raises ``KnowledgeFolderError`` when the folder is unusable; broken files are
        skipped and listed in ``problems``. With ``cache_dir``, parsed and analysed files
        are kept there and reused by the next start (see ``retrieval.cache``).
        """
        return cls.from_folders([path], cache_dir=cache_dir)

    @classmethod
    @collector_paused()
    def from_folders(
        cls, paths: Iterable[str | Path], *, cache_dir: str | Path | None = None
    ) -> Glossary:
        """One glossary over several folders (the first file of a duplicate id wins)."""
        from retrieval import cache

        started = time.perf_counter()
        folders = tuple(Path(p) for p in paths)
        directory = Path(cache_dir) if cache_dir is not None else None
        cached = cache.load(directory, folders) if directory is not None else None
        if cached:  # the documents' words: a question's words need no stemming then
            learn_words(cached.lexicon.word_terms())
        lexicon = cached.lexicon if cached else Lexicon()
        previous = cached.records if cached else tuple(() for _ in folders)
        scans = [
            scan_folder(folder, lexicon, old, trust_stamps=True)
            for folder, old in zip(folders, previous, strict=True)
        ]
        records = tuple(s.records for s in scans)
        reread = sum(len(s.reread) for s in scans)
        from_cache = cached is not None
        if directory is not None and (not from_cache or reread or _removed(previous, scans)):
            cache.save(directory, folders, records, lexicon)
        sources = _Sources(folders, records, lexicon, directory)
        glossary = cls._from_sources(sources, started, lazy=False)
        logger.info(
            "glossary built in %.2f s: %d entries, %d passages, %d file(s) parsed%s",
            glossary.build_seconds, len(glossary.entries), len(glossary.passages), reread,
            " (others from the cache)" if from_cache else "",
        )  # fmt: skip
        return glossary

    @collector_paused()
    def refreshed(self, folders: Iterable[str | Path] | None = None) -> Refresh:
        """A new glossary with the folders' current content, and what changed.

        Only files whose (mtime, size) changed are read again, and only those whose
        content hash changed are parsed and analysed. A file that fails to parse now
        keeps its last good version (its problems are in ``Refresh.problems``); deleted
        files drop out. This glossary is left as it was, so questions already being
        answered finish on it. ``folders`` defaults to the ones this glossary came from.
        """
        started = time.perf_counter()
        old = self._sources
        if folders is not None:
            wanted = tuple(Path(f) for f in folders)
        elif old is not None:
            wanted = old.folders
        else:
            raise ValueError("this glossary was not built from folders: pass the folders to read")
        same = old is not None and old.folders == wanted
        lexicon = old.lexicon if old is not None and same else Lexicon()
        previous = old.scans if old is not None and same else tuple(() for _ in wanted)
        scans = [
            scan_folder(folder, lexicon, prev, trust_stamps=True, keep_last_good=True)
            for folder, prev in zip(wanted, previous, strict=True)
        ]
        reread = tuple(p for s in scans for p in s.reread)
        cache_dir = old.cache_dir if old is not None else None
        sources = _Sources(wanted, tuple(s.records for s in scans), lexicon, cache_dir)
        unchanged = (
            same
            and not reread
            and not _removed(previous, scans)
            and tuple(tuple(g) for g in folder_groups(wanted)) == self._synonyms
        )  # an edit to synonyms.txt alone is a change too
        # Live sooner: each term's factors are made by its first question (``lazy``).
        glossary = self if unchanged else self._from_sources(sources, started, lazy=True)
        fresh = set(reread)
        records = [r for s in scans for r in s.records if r.path in fresh]
        return Refresh(
            glossary,
            *diff_entries(self.entries.records, glossary.entries.records),
            problems=tuple(p for r in records for p in r.problems),
            reread=reread,
            kept=tuple(r.path for r in records if r.kept),
            seconds=time.perf_counter() - started,
        )

    @classmethod
    def from_contents(cls, contents: FolderContents) -> Glossary:
        """Index already loaded entries."""
        return cls(contents.entries, problems=contents.problems)

    def require_entries(self, where: str) -> None:
        """Raise ``EmptyGlossaryError`` with advice when nothing can be answered."""
        if not self.entries:
            raise EmptyGlossaryError(
                f"no glossary entries in {where}: add Markdown files (see README, "
                "'Knowledge format') or fix the problems listed above"
            )

    def __len__(self) -> int:
        return len(self.entries)

    def entry(self, entry_id: str) -> Entry | None:
        """The entry with this id, if any."""
        return self.entries.get(entry_id)

    def find_entry(self, term: str) -> Entry | None:
        """The entry a person means by ``term``: id, title or alias first, then search."""
        wanted = analyze(term)
        if not wanted:
            return None
        for entry in self.entries.values():
            names = (entry.id.replace("-", " ").replace("_", " "), entry.title, *entry.aliases)
            if any(analyze(name) == wanted for name in names):
                return entry
        hits = self.search(term, limit=1)
        return self.entries[hits[0].entry] if hits else None

    def search(self, question: str, limit: int = 5) -> list[Hit]:
        """The best passages for ``question``, best first (suggestions when not answered)."""
        return list(self.answer(question, limit=limit).hits)

    def answer(self, question: str, limit: int = 5) -> Answer:
        """Rank passages for ``question`` and decide whether the best one answers it."""
        return self._ranker.answer(question, limit)


def _removed(previous: Sequence[Sequence[FileRecord]], scans: Sequence[FolderScan]) -> bool:
    """Whether a file of ``previous`` is gone from ``scans``."""
    for old, scan in zip(previous, scans, strict=True):
        now = {r.path for r in scan.records}
        if any(r.path not in now for r in old):
            return True
    return False
