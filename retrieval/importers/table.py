"""Import a spreadsheet export: CSV or JSON rows of ``term, definition[, url, aliases]``.

HR teams keep glossaries in spreadsheets, so headers are matched loosely ("Term",
"Name" or "Title"; "Definition", "Description" or "Meaning"; ...), the delimiter may be
``,``, ``;`` or a tab (what Excel writes depends on the locale), and aliases may be
separated by ``;``, ``|`` or ``,``. A bad row is reported with its line and skipped; the
other rows still import.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlparse

from retrieval.importers.draft import (
    DraftBlock,
    EntryDraft,
    ImportBatch,
    SourceError,
    SourceProblem,
    clean_text,
    slugify,
)
from retrieval.importers.page_text import read_blocks

COLUMNS: Mapping[str, tuple[str, ...]] = {
    "term": ("term", "title", "name", "word", "entry"),
    "definition": ("definition", "description", "meaning", "explanation", "text"),
    "url": ("url", "link", "href", "source"),
    "aliases": ("aliases", "alias", "synonyms", "also known as", "aka"),
    "tags": ("tags", "tag", "category", "categories"),
}
_DELIMITERS = (",", ";", "\t")  # what Excel writes depends on the locale
_LIST_SEPARATORS = re.compile(r"\s*[;|,]\s*")


@dataclass(frozen=True, slots=True)
class _Row:
    """One CSV row or JSON item: its fields by name, where it is, and what is odd about it."""

    values: dict[str, str]
    line: int | None = None
    item: int | None = None
    extra_cells: str = ""  # the delimiter, when cells beyond the header hold text
    not_an_object: bool = False


def column_for(header: str) -> str | None:
    """Which field a header names ("Also known as" -> aliases), or None."""
    key = " ".join(re.sub(r"[_\-]+", " ", header).casefold().split())
    return next((field for field, names in COLUMNS.items() if key in names), None)


def convert_csv(text: str, *, tags: Sequence[str] = ()) -> ImportBatch:
    """CSV text (first row: headers) -> one draft per row."""
    if not text.strip():
        raise SourceError("the file is empty: export the glossary sheet as CSV into it")
    first_line = text.lstrip("\n").split("\n", 1)[0]
    delimiter = max(_DELIMITERS, key=first_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    headers = next((row for row in reader if any(cell.strip() for cell in row)), [])
    fields = [column_for(h) for h in headers]
    if "term" not in fields or "definition" not in fields:
        found = [h.strip() for h in headers if h.strip()]
        raise SourceError(
            _missing(found, "columns", "make the first row term,definition,url,aliases")
        )
    rows: list[_Row] = []
    line = reader.line_num
    for cells in reader:
        values = {f: cell for f, cell in zip(fields, cells, strict=False) if f is not None}
        extra = any(cell.strip() for cell in cells[len(fields) :])
        rows.append(_Row(values, line=line + 1, extra_cells=delimiter if extra else ""))
        line = reader.line_num
    return _convert_rows(rows, tags)


def convert_json(text: str, *, tags: Sequence[str] = ()) -> ImportBatch:
    """A JSON list of objects (or ``{"entries": [...]}``, or ``{term: definition}``)."""
    if not text.strip():
        raise SourceError("the file is empty: export the glossary as JSON into it")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(
            f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}): "
            "export the file again or fix it in a JSON checker"
        ) from None
    items = _json_items(data)
    records: list[_Row] = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            records.append(_Row({}, item=number, not_an_object=True))
            continue
        values = {
            field: _json_value(value)
            for key, value in item.items()
            if (field := column_for(str(key))) is not None
        }
        records.append(_Row(values, item=number))
    if not any(set(r.values) >= {"term", "definition"} for r in records):
        found = sorted({str(k) for item in items if isinstance(item, dict) for k in item})
        raise SourceError(_missing(found, "keys", 'give every object "term" and "definition"'))
    return _convert_rows(records, tags)


def _json_items(data: object) -> list[object]:
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        if len(lists) == 1:
            return lists[0]
        if data and all(isinstance(v, str) for v in data.values()):
            return [{"term": k, "definition": v} for k, v in data.items()]
    raise SourceError(
        "the JSON must be a list of objects like "
        '[{"term": "API", "definition": "..."}] or an object mapping terms to definitions'
    )


def _json_value(value: object) -> str:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value if v is not None)
    return "" if value is None else str(value)


def _missing(found: Sequence[str], what: str, fix: str) -> str:
    shown = ", ".join(f"'{h}'" for h in found) or "none"
    return f"needs {what} 'term' and 'definition' (found {shown}): {fix}"


def _convert_rows(rows: Iterable[_Row], tags: Sequence[str]) -> ImportBatch:
    drafts: list[EntryDraft] = []
    problems: list[SourceProblem] = []
    first_seen: dict[str, str] = {}
    for row in rows:
        line, item = row.line, row.item
        if not row.not_an_object and not any(v.strip() for v in row.values.values()):
            continue  # a blank row
        draft, message = _row_draft(row, tags)
        slug = slugify(draft.title) if draft is not None else ""
        if draft is not None and slug in first_seen:
            message = (
                f"'{draft.title}' appears again (first {first_seen[slug]}): "
                "merge the two rows; this one was skipped"
            )
            draft = None
        if draft is not None:
            first_seen[slug] = f"on line {line}" if line is not None else f"as item {item}"
            drafts.append(draft)
        if message:
            problems.append(SourceProblem(message, line=line, item=item, skipped=draft is None))
    return ImportBatch(tuple(drafts), tuple(problems))


def _row_draft(row: _Row, tags: Sequence[str]) -> tuple[EntryDraft | None, str]:
    """One row -> (draft or None, what was wrong with it or "")."""
    if row.not_an_object:
        return None, "not an object with term and definition: skipped"
    record = row.values
    term = clean_text(record.get("term", ""))
    definition = record.get("definition", "").strip()
    if not term:
        return None, "no term: fill in the term or delete the row"
    if not definition:
        return None, f"'{term}' has no definition: write one or delete the row"
    message = ""
    if row.extra_cells:
        message = (
            f"the row of '{term}' has more cells than the header: put cells that contain "
            f"'{row.extra_cells}' in double quotes; imported the first ones only"
        )
    url = clean_text(record.get("url", "")) or None
    if url is not None and not _is_link(url):
        message = (
            f"the url '{url}' of '{term}' is not a full link (https://...): imported without it"
        )
        url = None
    draft = EntryDraft(
        title=term,
        lead=tuple(_definition_blocks(definition)),
        url=url,
        aliases=_names(record.get("aliases", ""), exclude=term),
        tags=tuple(dict.fromkeys([*tags, *_names(record.get("tags", ""), exclude="")])),
    )
    return draft, message


def _definition_blocks(definition: str) -> list[DraftBlock]:
    """A definition cell: every line break starts a paragraph; "- x" lines are items."""
    lines: list[str] = []
    for raw in definition.splitlines():
        line = clean_text(raw)
        if lines and line and not re.match(r"^(?:\d{1,3}[.)]|[-•*·–])\s", line):
            lines.append("")  # a line break in a cell starts a new paragraph
        lines.append(line)
    return read_blocks(lines, headings=False)


def _names(cell: str, *, exclude: str) -> tuple[str, ...]:
    names: dict[str, str] = {}
    for raw in _LIST_SEPARATORS.split(cell):
        name = clean_text(raw)
        if name and name.casefold() != exclude.casefold():
            names.setdefault(name.casefold(), name)
    return tuple(names.values())


def _is_link(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)
