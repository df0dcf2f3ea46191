"""The glossary currently in service, and the incremental refresh that swaps in the next one.

Handlers read ``holder.current`` once per update, so a question is always answered by one
complete index: ``refresh`` builds the next glossary in a worker thread
(``Glossary.refreshed`` re-reads only the files that changed) and then replaces the
reference in one assignment. One lock serialises refreshes, whether the file watcher or an
admin's ``/reload`` asked for them.

The holder also remembers which file problems and failures it has already reported, so a
broken file is reported once per change and not again on every later refresh.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from retrieval import Glossary, GlossaryError, Problem, Severity
from retrieval.refresh import Refresh

logger = logging.getLogger(__name__)

NO_ENTRIES = "Reload found no entries, so the previous glossary stays in service."


@dataclass(frozen=True, slots=True)
class RefreshOutcome:
    """What one refresh did: the numbers in service, what changed, what is news to report.

    ``problems`` holds only problems not reported before; ``failure`` says why the previous
    glossary stays in service, and ``repeated_failure`` that it was already reported.
    """

    entries: int
    passages: int
    seconds: float
    added: tuple[str, ...] = ()  # entry titles, in entry id order
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()
    kept: tuple[Path, ...] = ()  # broken files whose last good version stays in service
    skipped: int = 0  # files with errors and nothing in service
    failure: str | None = None
    repeated_failure: bool = False
    recovered: bool = False  # the previous refresh failed, this one worked

    @property
    def changes(self) -> int:
        """How many entries were added, changed or removed."""
        return len(self.added) + len(self.changed) + len(self.removed)

    @property
    def news(self) -> bool:
        """Whether anything here has not been reported yet."""
        new_failure = self.failure is not None and not self.repeated_failure
        return bool(self.changes or self.problems or new_failure or self.recovered)

    def summary(self) -> str:
        """One line for an admin: the glossary in service, or why the old one stays."""
        if self.failure is not None:
            return self.failure
        line = (
            f"Reloaded: {self.entries} entries, {self.passages} passages in {self.seconds:.2f} s."
        )
        if self.skipped:
            line += f" {self.skipped} file(s) skipped: run 'glossary-bot check' for details."
        return line


class GlossaryHolder:
    """Holds the glossary in service; ``refresh`` swaps in the folders' current content."""

    def __init__(self, glossary: Glossary, folders: Sequence[Path]) -> None:
        self._current = glossary
        self.folders = tuple(folders)
        self._lock = asyncio.Lock()
        self._told: dict[Path, frozenset[Problem]] = _by_path(glossary.problems)
        self._kept: set[Path] = set()
        self._failure: str | None = None

    @property
    def current(self) -> Glossary:
        """The glossary to answer from (read it once per update)."""
        return self._current

    async def refresh(self) -> RefreshOutcome:
        """Re-read the changed files off the serving path and swap the result in.

        A refresh that fails (the folder is gone or unreadable) or finds no entries keeps
        the glossary in service. Never raises for content problems: they are in the outcome.
        """
        async with self._lock:  # the watcher and /reload never build at the same time
            try:
                refresh = await asyncio.to_thread(self._current.refreshed, self.folders)
            except GlossaryError as exc:
                return self._failed(f"Reload failed, still serving the previous glossary: {exc}")
            if not refresh.glossary.entries:
                return self._failed(NO_ENTRIES)
            old, self._current = self._current, refresh.glossary
            new_problems = await asyncio.to_thread(self._news, refresh)
            recovered, self._failure = self._failure is not None, None
            outcome = self._outcome(refresh, old, new_problems, recovered=recovered)
        for problem in new_problems:
            logger.warning("Knowledge problem: %s", problem)
        level = logging.INFO if refresh.reread or refresh.changes else logging.DEBUG
        logger.log(level, "Refreshed the glossary: %s", refresh.summary())
        return outcome

    async def reload(self) -> str:
        """``refresh``, summed up in one line (see ``RefreshOutcome.summary``)."""
        return (await self.refresh()).summary()

    def _failed(self, failure: str) -> RefreshOutcome:
        repeated, self._failure = failure == self._failure, failure
        logger.log(logging.WARNING if repeated else logging.ERROR, "%s", failure)
        glossary = self._current
        return RefreshOutcome(
            len(glossary),
            len(glossary.passages),
            0.0,
            failure=failure,
            repeated_failure=repeated,
        )

    def _news(self, refresh: Refresh) -> tuple[Problem, ...]:
        """Problems of the re-read files not reported before; forget fixed and gone files.

        Runs in a worker thread (it checks which files still exist), under the lock.
        """
        found = _by_path(refresh.problems)
        news: list[Problem] = []
        for path in refresh.reread:
            problems = found.get(path)
            if not problems:
                self._told.pop(path, None)
            elif problems != self._told.get(path):
                self._told[path] = problems
                news += [p for p in refresh.problems if p.path == path]
        self._told = {p: v for p, v in self._told.items() if p.exists()}
        self._kept = {p for p in self._kept if p not in set(refresh.reread) and p.exists()}
        self._kept.update(refresh.kept)
        return tuple(news)

    def _outcome(
        self, refresh: Refresh, old: Glossary, problems: tuple[Problem, ...], *, recovered: bool
    ) -> RefreshOutcome:
        new = refresh.glossary
        broken = {p.path for p in new.problems if p.severity is Severity.ERROR}
        return RefreshOutcome(
            len(new),
            len(new.passages),
            refresh.seconds,
            added=_titles(new, refresh.added),
            changed=_titles(new, refresh.changed),
            removed=_titles(old, refresh.removed),
            problems=problems,
            kept=tuple(p for p in refresh.kept if any(q.path == p for q in problems)),
            skipped=len(broken - self._kept),
            recovered=recovered,
        )


def _by_path(problems: Iterable[Problem]) -> dict[Path, frozenset[Problem]]:
    grouped: dict[Path, set[Problem]] = {}
    for problem in problems:
        grouped.setdefault(problem.path, set()).add(problem)
    return {path: frozenset(found) for path, found in grouped.items()}


def _titles(glossary: Glossary, ids: Iterable[str]) -> tuple[str, ...]:
    return tuple(glossary.entries[i].title for i in ids if i in glossary.entries)
