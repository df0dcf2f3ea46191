"""What a reload changed: the new glossary, the entries added, changed and removed.

``Glossary.refreshed`` re-reads only files whose (mtime, size) moved and whose content
hash then differs; a file that fails to parse keeps its last good version in service
(its problems are reported), and the glossary it was called on stays valid, so
questions already in flight finish on the old one while the caller swaps in the new.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from retrieval.models import Problem

if TYPE_CHECKING:
    from retrieval.building import FileRecord
    from retrieval.search import Glossary


@dataclass(frozen=True, slots=True)
class Refresh:
    """The result of ``Glossary.refreshed``."""

    glossary: Glossary
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    problems: tuple[Problem, ...]  # of the files read again (kept ones included)
    reread: tuple[Path, ...]  # files parsed again
    kept: tuple[Path, ...]  # broken files still served at their last good version
    seconds: float

    @property
    def changes(self) -> int:
        """How many entries were added, changed or removed."""
        return len(self.added) + len(self.changed) + len(self.removed)

    def summary(self) -> str:
        """One line for a log or an admin: what changed and what to fix."""
        parts = [f"{len(self.added)} added", f"{len(self.changed)} changed",
                 f"{len(self.removed)} removed"]  # fmt: skip
        if self.kept:
            parts.append(f"{len(self.kept)} broken file(s) kept at their last good version")
        return ", ".join(parts) + f" ({len(self.reread)} file(s) read in {self.seconds:.2f} s)"


def diff_entries(
    old: Mapping[str, FileRecord], new: Mapping[str, FileRecord]
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Entry ids added, changed and removed between two glossaries' records, each sorted.

    A record kept from the old build shares its content, so only the entries of files
    read again are compared (and read from the cache) at all.
    """
    added = tuple(sorted(new.keys() - old.keys()))
    removed = tuple(sorted(old.keys() - new.keys()))
    changed = tuple(
        sorted(
            k
            for k in new.keys() & old.keys()
            if new[k].content is not old[k].content and new[k].entry != old[k].entry
        )
    )
    return added, changed, removed
