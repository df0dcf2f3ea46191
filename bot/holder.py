"""The glossary currently in service, and a full reload that swaps it in atomically.

Handlers read ``holder.current`` once per update, so a question is always answered by one
complete index even while a reload builds the next one in a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path

from retrieval import Glossary, GlossaryError, Severity

logger = logging.getLogger(__name__)


class GlossaryHolder:
    """Holds the glossary in service; ``reload`` replaces it with a fresh build."""

    def __init__(self, glossary: Glossary, folders: Sequence[Path]) -> None:
        self._current = glossary
        self.folders = tuple(folders)
        self._lock = asyncio.Lock()

    @property
    def current(self) -> Glossary:
        """The glossary to answer from (read it once per update)."""
        return self._current

    async def reload(self) -> str:
        """Rebuild from the knowledge folders and swap it in; returns a line for the admin.

        A build that fails or finds no entries keeps the glossary in service.
        """
        async with self._lock:  # two /reload at once would only build twice
            try:
                fresh = await asyncio.to_thread(Glossary.from_folders, self.folders)
            except GlossaryError as exc:
                logger.error("Reload failed: %s", exc)
                return f"Reload failed, still serving the previous glossary: {exc}"
            if not fresh.entries:
                logger.error("Reload found no entries in %s", ", ".join(map(str, self.folders)))
                return "Reload found no entries, so the previous glossary stays in service."
            self._current = fresh
        errors = sum(1 for p in fresh.problems if p.severity is Severity.ERROR)
        logger.info("Reloaded %d entries, %d passages", len(fresh), len(fresh.passages))
        summary = (
            f"Reloaded: {len(fresh)} entries, {len(fresh.passages)} passages "
            f"in {fresh.build_seconds:.2f} s."
        )
        if errors:
            summary += f" {errors} file(s) skipped: run 'glossary-bot check' for details."
        return summary
