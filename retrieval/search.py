"""The glossary: entries, passages and their index, and the one ``search`` everyone uses.

The bot and the CLI only ever see ``Glossary`` and ``Hit``; nothing outside this package
knows how passages are scored. A ``Glossary`` is immutable: a reload builds a new one and
the caller swaps the reference, so a question is always answered by a complete index.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from retrieval.analysis import analyze
from retrieval.errors import EmptyGlossaryError
from retrieval.index import BM25Index
from retrieval.loading import FolderContents, load_folder
from retrieval.models import Answer, Entry, Hit, Passage, Problem
from retrieval.passages import build_passages
from retrieval.ranking import Ranker, passage_terms
from retrieval.synonyms import folder_groups

IDF_FLOOR = 0.05


class Glossary:
    """A searchable glossary built from entries; build once, then share it read-only."""

    def __init__(
        self,
        entries: Sequence[Entry],
        *,
        problems: Sequence[Problem] = (),
        synonyms: Sequence[Sequence[str]] = (),
    ) -> None:
        """``synonyms``: extra synonym groups, e.g. from a knowledge folder's synonyms.txt."""
        started = time.perf_counter()
        self.entries: dict[str, Entry] = {e.id: e for e in sorted(entries, key=lambda e: e.id)}
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.passages: tuple[Passage, ...] = tuple(build_passages(self.entries.values()))
        self._passage_terms = [passage_terms(p) for p in self.passages]
        self._index = BM25Index(self._passage_terms, idf_floor=IDF_FLOOR)
        self._ranker = Ranker(self.passages, self._passage_terms, self._index, synonyms=synonyms)
        self.build_seconds = time.perf_counter() - started

    @classmethod
    def from_folder(cls, path: str | Path) -> Glossary:
        """Load and index every entry below ``path``.

        Raises ``KnowledgeFolderError`` when the folder is unusable; broken files are
        skipped and listed in ``problems``.
        """
        contents = load_folder(Path(path))
        return cls(
            contents.entries, problems=contents.problems, synonyms=folder_groups([Path(path)])
        )

    @classmethod
    def from_folders(cls, paths: Iterable[str | Path]) -> Glossary:
        """One glossary over several folders (the first file of a duplicate id wins)."""
        entries: dict[str, Entry] = {}
        problems: list[Problem] = []
        folders = [Path(p) for p in paths]
        for path in folders:
            contents = load_folder(Path(path))
            problems.extend(contents.problems)
            for entry in contents.entries:
                entries.setdefault(entry.id, entry)
        return cls(list(entries.values()), problems=problems, synonyms=folder_groups(folders))

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
