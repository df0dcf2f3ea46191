"""What every importer produces, and the text rules they share.

An importer turns a source (page text, HTML, a spreadsheet row) into an ``EntryDraft``:
title, names, and blocks in reading order. ``markdown.render_entry`` then writes the
knowledge file, so every source ends up in exactly the same format.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field


class SourceError(Exception):
    """A source cannot be imported at all; the message says what to fix."""


@dataclass(frozen=True, slots=True)
class DraftBlock:
    """A paragraph, a list item (``ordered`` or bulleted), a sub-heading or a heading.

    ``heading`` blocks only exist while a source is read; ``split_sections`` turns them
    into sections.
    """

    text: str
    label: str | None = None
    kind: str = "paragraph"  # "paragraph", "ordered", "bullet", "subheading" or "heading"


@dataclass(frozen=True, slots=True)
class DraftSection:
    """A ``##`` section: its heading and blocks."""

    heading: str
    blocks: tuple[DraftBlock, ...]


@dataclass(frozen=True, slots=True)
class EntryDraft:
    """One entry before it is written as Markdown."""

    title: str
    lead: tuple[DraftBlock, ...]
    sections: tuple[DraftSection, ...] = ()
    url: str | None = None
    aliases: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    updated: str | None = None


@dataclass(frozen=True, slots=True)
class SourceProblem:
    """Something wrong with one row or item of a table source.

    ``skipped`` is true when the row was left out, false when it was imported with a
    change (e.g. a malformed link dropped).
    """

    message: str
    line: int | None = None
    item: int | None = None
    skipped: bool = True

    def describe(self, source: str) -> str:
        """``source:line: message`` (CSV) or ``source: item N: message`` (JSON)."""
        if self.line is not None:
            return f"{source}:{self.line}: {self.message}"
        if self.item is not None:
            return f"{source}: item {self.item}: {self.message}"
        return f"{source}: {self.message}"


@dataclass(frozen=True, slots=True)
class ImportBatch:
    """Entries from a source that holds many (a table), and what was wrong with its rows."""

    drafts: tuple[EntryDraft, ...]
    problems: tuple[SourceProblem, ...] = field(default=())


_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
    "|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_DATE = re.compile(
    rf"^(?:(?P<m1>{_MONTHS})\.?\s+(?P<d1>\d{{1,2}}),?\s+(?P<y1>\d{{4}})"
    rf"|(?P<d2>\d{{1,2}})\s+(?P<m2>{_MONTHS})\.?,?\s+(?P<y2>\d{{4}})"
    r"|(?P<iso>\d{4}-\d{2}-\d{2}))$",
    re.IGNORECASE,
)
_READ_TIME = re.compile(r"^(?:Read\s+\d+\s*min(?:ute)?s?|\d+\s*min(?:ute)?s?\s+read)$", re.I)
_BREADCRUMB = re.compile(r"^Home\s*(?:/|›|»|>)\s*(?P<rest>.+)$", re.I)
FOOTER_MARKERS = frozenset(
    {"recent articles", "visit blog", "back to top", "related articles", "read more"}
)
_ALIAS = re.compile(
    r"\b(?:also|often|sometimes|commonly)\s+(?:known\s+as|referred\s+to\s+as|called)\s+"
    r"(?P<names>(?:(?!\.(?:\s|$))(?!\s+(?:is|are|was|were|who|which|that)\b)[^,;:()])+)",
    re.IGNORECASE,
)
_ARTICLE = re.compile(r"^(?:an?|the)\s+", re.IGNORECASE)
_LABEL = re.compile(r"^(?P<label>[^:.!?]{1,60}?):\s+(?P<text>\S.*)$", re.DOTALL)
MAX_LABEL_WORDS = 6
MAX_ALIAS_WORDS = 6


def clean_text(text: str) -> str:
    """Collapse runs of white space (including non-breaking spaces) to single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def parse_date(text: str) -> str | None:
    """``March 19, 2024``, ``19 March 2024`` or ``2024-03-19`` as ISO; None otherwise."""
    match = _DATE.match(text.strip())
    if match is None:
        return None
    if match["iso"]:
        try:
            return dt.date.fromisoformat(match["iso"]).isoformat()
        except ValueError:
            return None
    month = (match["m1"] or match["m2"])[:3].title()
    day = match["d1"] or match["d2"]
    year = match["y1"] or match["y2"]
    try:
        return dt.datetime.strptime(f"{day} {month} {year}", "%d %b %Y").date().isoformat()
    except ValueError:
        return None


def is_read_time(text: str) -> bool:
    """``Read 3 min`` and ``5 min read`` lines that sites put above an article."""
    return bool(_READ_TIME.match(text.strip()))


def breadcrumb_title(text: str) -> str | None:
    """The last part of ``Home / Glossary / Term``, or None when ``text`` is no breadcrumb."""
    match = _BREADCRUMB.match(text.strip())
    if match is None:
        return None
    parts = [p.strip() for p in re.split(r"\s*(?:/|›|»|>)\s*", match["rest"]) if p.strip()]
    return parts[-1] if parts else None


def is_footer_marker(text: str) -> bool:
    """Lines where a site's footer ("Recent Articles", "Back to top") begins."""
    return clean_text(text).casefold().rstrip(":") in FOOTER_MARKERS


def find_aliases(lead: str, title: str) -> tuple[str, ...]:
    """Names after "also known as" / "also called" in the lead, other than the title."""
    found: dict[str, str] = {}
    for match in _ALIAS.finditer(lead):
        for raw in re.split(r"\s+or\s+", match["names"]):
            name = _ARTICLE.sub("", raw.strip().strip("\"'“”‘’")).strip()
            if not name or len(name.split()) > MAX_ALIAS_WORDS:
                continue
            if name.casefold() != title.casefold():
                found.setdefault(name.casefold(), name)
    return tuple(found.values())


def split_label(text: str) -> tuple[str | None, str]:
    """``Label: text`` with a short label becomes (label, text); anything else (None, text)."""
    match = _LABEL.match(text)
    if match is None:
        return None, text
    label = match["label"].strip()
    if not label or len(label.split()) > MAX_LABEL_WORDS:
        return None, text
    return label, match["text"].strip()


def slugify(title: str) -> str:
    """The file name for a title: lower case, ASCII where possible, words joined by hyphens.

    ``C++`` and ``C#`` keep what tells them apart (``c-plus-plus``, ``c-sharp``); a title
    with no letters or digits at all becomes ``entry``.
    """
    text = title.replace("++", " plus plus ").replace("#", " sharp ").replace("&", " and ")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    slug = re.sub(r"-{2,}", "-", re.sub(r"[^\w]+|_", "-", text).strip("-"))
    return slug or "entry"


def split_sections(
    blocks: Sequence[DraftBlock],
) -> tuple[tuple[DraftBlock, ...], tuple[DraftSection, ...]]:
    """Blocks in reading order, with ``heading`` blocks, -> (lead, sections).

    A heading with nothing under it (before the next heading) is dropped: an empty
    section would only be noise in the knowledge file.
    """
    lead: list[DraftBlock] = []
    sections: list[DraftSection] = []
    heading: str | None = None
    current: list[DraftBlock] = []
    for block in [*blocks, DraftBlock("", kind="heading")]:
        if block.kind != "heading":
            (current if heading is not None else lead).append(block)
            continue
        if heading is not None and current:
            sections.append(DraftSection(heading, tuple(current)))
        heading, current = block.text, []
    return tuple(lead), tuple(sections)


def draft_from_blocks(
    title: str,
    blocks: Sequence[DraftBlock],
    *,
    url: str | None,
    tags: Sequence[str],
    updated: str | None,
    empty_advice: str,
) -> EntryDraft:
    """An entry from a page's blocks: the lead names its aliases ("also known as ...").

    Raises ``SourceError`` with ``empty_advice`` when nothing is below the title.
    """
    lead, sections = split_sections(blocks)
    if not lead and not sections:
        raise SourceError(f"the page '{title}' has no text below its title: {empty_advice}")
    return EntryDraft(
        title=title,
        lead=lead,
        sections=sections,
        url=url,
        aliases=find_aliases(" ".join(b.text for b in lead), title),
        tags=tuple(tags),
        updated=updated,
    )
