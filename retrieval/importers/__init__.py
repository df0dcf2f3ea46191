"""Turn existing glossary content into knowledge files (what ``glossary-bot import`` runs).

Pure converters, text in and Markdown text out; the command reads and writes the files.
Sources and their modules:

- page text saved from a glossary website: ``page_text``;
- a saved HTML page of one entry: ``html_page``;
- a CSV or JSON export of ``term, definition[, url, aliases]`` rows: ``table``.

Every converter fills an ``EntryDraft`` and ``markdown.render_entry`` writes it, so all
sources give the same format. A source that cannot be imported at all raises
``SourceError``; a bad row of a table is a ``SourceProblem`` and the other rows import.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

from retrieval.importers.draft import (
    EntryDraft,
    ImportBatch,
    SourceError,
    SourceProblem,
    slugify,
)
from retrieval.importers.html_page import convert_html
from retrieval.importers.markdown import render_entry
from retrieval.importers.page_text import convert_page_text
from retrieval.importers.table import convert_csv, convert_json

KINDS = ("page", "html", "csv", "json")
_EXTENSIONS = {".html": "html", ".htm": "html", ".csv": "csv", ".tsv": "csv", ".json": "json"}


@dataclass(frozen=True, slots=True)
class ImportedEntry:
    """A knowledge file ready to write: ``slug`` + ``.md`` is its file name."""

    slug: str
    title: str
    text: str


def detect_kind(name: str, text: str) -> str:
    """The source kind from the file extension, else from the content (page text last)."""
    kind = _EXTENSIONS.get(PurePath(name).suffix.casefold())
    if kind is not None:
        return kind
    start = text.lstrip()[:200].casefold()
    if start.startswith(("<!doctype html", "<html")) or "<body" in start:
        return "html"
    if start.startswith(("[", "{")):
        return "json"
    return "page"


def convert_source(
    kind: str, text: str, *, url: str | None = None, tags: Sequence[str] = ()
) -> tuple[list[ImportedEntry], list[SourceProblem]]:
    """Convert one source of ``kind`` (see ``KINDS``); raises ``SourceError``."""
    if kind == "page":
        batch = ImportBatch((convert_page_text(text, url=url, tags=tags),))
    elif kind == "html":
        batch = ImportBatch((convert_html(text, url=url, tags=tags),))
    elif kind == "csv":
        batch = convert_csv(text, tags=tags)
    elif kind == "json":
        batch = convert_json(text, tags=tags)
    else:
        raise ValueError(f"unknown source kind {kind!r}; use one of {', '.join(KINDS)}")
    entries = [ImportedEntry(slugify(d.title), d.title, render_entry(d)) for d in batch.drafts]
    return entries, list(batch.problems)


__all__ = [
    "KINDS",
    "EntryDraft",
    "ImportedEntry",
    "SourceError",
    "SourceProblem",
    "convert_csv",
    "convert_html",
    "convert_json",
    "convert_page_text",
    "convert_source",
    "detect_kind",
    "render_entry",
    "slugify",
]
