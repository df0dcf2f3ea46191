"""Import a glossary page saved as text (select all, copy, paste into a ``.txt`` file).

Such text has a known shape (see ``tests/fixtures/content/page/``)::

    Home / Glossary / Term          <- breadcrumb: names the title
    March 19, 2024                  <- dates (the first becomes ``updated``)
    Term                            <- the title, on a line of its own
    Read 3 min                      <- reading time: dropped
    A Term, also known as X, is ... <- the lead ("also known as X" gives an alias)
    Overview                        <- a short line of its own: a section heading
    1. Label: text                  <- numbered items, "Label:" becomes the item label
    Recent Articles / Back to top   <- the site footer: everything from here is dropped
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from retrieval.importers.draft import (
    DraftBlock,
    EntryDraft,
    SourceError,
    breadcrumb_title,
    clean_text,
    draft_from_blocks,
    is_footer_marker,
    is_read_time,
    parse_date,
    split_label,
)

MAX_HEADING_CHARS = 80
MAX_HEADING_WORDS = 10
_ORDERED = re.compile(r"^\s*\d{1,3}[.)]\s+(?P<text>\S.*)$")
_BULLET = re.compile(r"^\s*[-•*·–]\s+(?P<text>\S.*)$")


def looks_like_heading(line: str) -> bool:
    """A short line without closing punctuation ("Overview", "Why it matters?")."""
    return (
        len(line) <= MAX_HEADING_CHARS
        and len(line.split()) <= MAX_HEADING_WORDS
        and line[-1] not in ".,;:!"
        and (line[0].isupper() or line[0].isdigit())
        and not _ORDERED.match(line)
        and not _BULLET.match(line)
    )


def convert_page_text(text: str, *, url: str | None = None, tags: Sequence[str] = ()) -> EntryDraft:
    """Page text -> an entry draft; raises ``SourceError`` when there is no usable page."""
    lines = [clean_text(line) for line in text.splitlines()]
    if not any(lines):
        raise SourceError("the file is empty: paste the text of a glossary page into it")
    title, updated, start = _read_header(lines)
    body = lines[start:]
    footer = next((n for n, line in enumerate(body) if is_footer_marker(line)), len(body))
    blocks = read_blocks(body[:footer], headings=True)
    return draft_from_blocks(
        title,
        blocks,
        url=url,
        tags=tags,
        updated=updated,
        empty_advice="copy the whole page, not only its heading",
    )


def _read_header(lines: Sequence[str]) -> tuple[str, str | None, int]:
    """(title, first date, index of the first body line) from the top of the page."""
    crumb: str | None = None
    title: str | None = None
    updated: str | None = None
    for number, line in enumerate(lines):
        if not line:
            continue
        date = parse_date(line)
        if date is not None:
            updated = updated or date
            continue
        if is_read_time(line):
            continue
        if title is None and crumb is None and (found := breadcrumb_title(line)):
            crumb = found
            continue
        if title is None and crumb is not None and line.casefold() == crumb.casefold():
            title = line
            continue
        if title is None and crumb is None and looks_like_heading(line):
            title = line
            continue
        if title is None and crumb is None:
            raise SourceError(
                "no title found: the page text must start with the term on a line of its "
                "own (or a 'Home / Glossary / Term' breadcrumb)"
            )
        return title or str(crumb), updated, number
    if title is None and crumb is None:
        raise SourceError("no title found: the page text has no line that names the term")
    return title or str(crumb), updated, len(lines)


def read_blocks(lines: Sequence[str], *, headings: bool) -> list[DraftBlock]:
    """Paragraphs, list items and (when ``headings``) heading lines from plain text.

    Lines separated by blank lines are paragraphs; a lone short line followed by more
    text is a heading; ``1. Label: text`` and ``- text`` lines are list items, and lines
    right below an item continue it.
    """
    groups: list[list[str]] = [[]]
    for line in lines:
        if line:
            groups[-1].append(line)
        elif groups[-1]:
            groups.append([])
    groups = [g for g in groups if g]
    blocks: list[DraftBlock] = []
    for position, group in enumerate(groups):
        is_last = position == len(groups) - 1
        if headings and len(group) == 1 and not is_last and looks_like_heading(group[0]):
            blocks.append(DraftBlock(group[0], kind="heading"))
            continue
        blocks.extend(_group_blocks(group))
    return blocks


def _group_blocks(group: Sequence[str]) -> list[DraftBlock]:
    """One blank-line-separated group: a paragraph, then any list items."""
    blocks: list[DraftBlock] = []
    paragraph: list[str] = []
    item: tuple[str, list[str]] | None = None

    def flush() -> None:
        nonlocal item
        if paragraph:
            blocks.append(DraftBlock(" ".join(paragraph)))
            paragraph.clear()
        if item is not None:
            label, text = split_label(" ".join(item[1]))
            blocks.append(DraftBlock(text, label=label, kind=item[0]))
            item = None

    for line in group:
        match = _ORDERED.match(line) or _BULLET.match(line)
        if match:
            flush()
            item = ("ordered" if match.re is _ORDERED else "bullet", [match["text"]])
        elif item is not None:
            item[1].append(line)
        else:
            paragraph.append(line)
    flush()
    return blocks
