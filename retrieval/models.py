"""The data that flows between retrieval stages: entries, passages, hits and problems.

Everything here is immutable (frozen dataclasses, and named tuples for the small records
every answer makes many of) so that a built glossary can be shared between threads and
handlers without anyone mutating it behind the index's back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple


class Severity(StrEnum):
    """How bad a content problem is: errors keep a file out of service, warnings do not."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing a content owner should fix, reported as ``path:line: message``."""

    path: Path
    line: int
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        prefix = "" if self.severity is Severity.ERROR else "warning: "
        return f"{self.path}:{self.line}: {prefix}{self.message}"


@dataclass(frozen=True, slots=True)
class Block:
    """A paragraph or list item of an entry, in reading order.

    ``label`` is the bold lead-in of a list item ("**Fintech:** ..."), kept apart from
    the text because people ask for it by name.
    """

    section: str | None
    text: str
    line: int
    label: str | None = None
    is_item: bool = False


@dataclass(frozen=True, slots=True)
class Entry:
    """One glossary entry: one Markdown file under the knowledge folder."""

    id: str
    title: str
    path: Path
    blocks: tuple[Block, ...]
    url: str | None = None
    aliases: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    updated: str | None = None

    @property
    def sections(self) -> tuple[str, ...]:
        """Section headings in the order they appear (the lead has none)."""
        seen: dict[str, None] = {}
        for block in self.blocks:
            if block.section is not None:
                seen.setdefault(block.section, None)
        return tuple(seen)

    @property
    def lead(self) -> str:
        """The definition: the paragraphs before the first heading."""
        return "\n\n".join(b.text for b in self.blocks if b.section is None)


@dataclass(frozen=True, slots=True)
class Passage:
    """The unit the index ranks: a lead paragraph, a section paragraph or a list item."""

    entry: str
    title: str
    section: str | None
    label: str | None
    text: str
    url: str | None
    aliases: tuple[str, ...] = field(default=())


class Hit(NamedTuple):
    """One ranked passage, as the bot and the CLI see it.

    A named tuple (immutable too) rather than a frozen dataclass: every answer makes up
    to ten, and a frozen dataclass's ``__init__`` costs three times as much.
    """

    entry: str
    title: str
    section: str | None
    label: str | None
    text: str
    url: str | None
    score: float

    def to_dict(self) -> dict[str, object]:
        """The JSON shape of the CLI contract."""
        return {
            "entry": self.entry,
            "title": self.title,
            "section": self.section,
            "label": self.label,
            "text": self.text,
            "url": self.url,
            "score": self.score,
        }


@dataclass(frozen=True, slots=True)
class Answer:
    """The result of a question: ranked hits and whether the best one is good enough.

    When ``answered`` is false the hits are suggestions ("did you mean"), never an answer.
    """

    query: str
    answered: bool
    hits: tuple[Hit, ...]
    terms: tuple[str, ...] = ()
    corrections: tuple[tuple[str, str], ...] = ()
    truncated: bool = False

    @property
    def best(self) -> Hit | None:
        """The top hit, if any."""
        return self.hits[0] if self.hits else None

    def to_dict(self) -> dict[str, object]:
        """The JSON shape of the CLI contract."""
        return {
            "query": self.query,
            "answered": self.answered,
            "hits": [hit.to_dict() for hit in self.hits],
        }
