"""Folder-wide checks of a knowledge folder: everything ``glossary-bot check`` reports.

Single files are checked by ``parsing`` (front matter, title, url, empty body) and
duplicate ids by ``loading``; this module adds the rules that need every entry at once,
and the warnings that help content owners write answers people can use:

- errors: the same title or alias claimed by two entries (the bot could not tell which
  entry a person means);
- warnings: an entry longer than one passage (``MAX_PASSAGE_CHARS``) with no ``##``
  section (answers then have no section to name; a shorter definition is one answer and
  needs none); a paragraph or list item longer than ``LONG_BLOCK_CHARS`` (twice
  ``MAX_PASSAGE_CHARS``: it is cut into three or more passages, and a passage quoted
  alone loses its context); near-duplicate entries (see ``duplicates``).

It is pure: callers pass parse results and, for line numbers, the files' text.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from retrieval.duplicates import find_near_duplicates
from retrieval.loading import collect_entries
from retrieval.models import Entry, Problem, Severity
from retrieval.parsing import ParseResult
from retrieval.passages import MAX_PASSAGE_CHARS, build_passages

LONG_BLOCK_CHARS = 2 * MAX_PASSAGE_CHARS


@dataclass(frozen=True, slots=True)
class FolderCheck:
    """The outcome of checking a folder: counts, and every problem sorted by path and line."""

    entries: int
    passages: int
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> int:
        """Problems that keep a file (or a name) from working."""
        return sum(p.severity is Severity.ERROR for p in self.problems)

    @property
    def warnings(self) -> int:
        """Problems worth fixing that do not stop anything."""
        return sum(p.severity is Severity.WARNING for p in self.problems)


def check_folder(
    results: Sequence[ParseResult], *, sources: Mapping[Path, str] | None = None
) -> FolderCheck:
    """Apply every folder-wide rule to parsed files; ``sources`` gives precise lines."""
    contents = collect_entries(results)
    entries = sorted(contents.entries, key=lambda e: (str(e.path), e.id))
    texts = sources or {}
    problems = [*contents.problems, *name_conflicts(entries, texts)]
    for entry in entries:
        problems.extend(entry_warnings(entry))
    problems.extend(near_duplicate_warnings(entries))
    passages = len(build_passages(contents.entries))
    return FolderCheck(len(contents.entries), passages, sort_problems(problems))


def sort_problems(problems: Sequence[Problem]) -> tuple[Problem, ...]:
    """Order problems by path, then line, then message, for stable output."""
    return tuple(sorted(problems, key=lambda p: (str(p.path), p.line, p.message)))


def name_key(name: str) -> str:
    """Names are the same when they differ only in case, spacing or Unicode form."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def name_conflicts(entries: Sequence[Entry], sources: Mapping[Path, str]) -> list[Problem]:
    """An error on every later entry that claims a title or alias an earlier one has."""
    owners: dict[str, tuple[Entry, str]] = {}
    problems: list[Problem] = []
    for entry in entries:
        claimed: set[str] = set()
        for kind, name in (("title", entry.title), *(("alias", a) for a in entry.aliases)):
            key = name_key(name)
            if not key or key in claimed:
                continue
            claimed.add(key)
            owner = owners.get(key)
            if owner is None:
                owners[key] = (entry, kind)
                continue
            other, other_kind = owner
            problems.append(
                Problem(
                    entry.path,
                    _name_line(sources.get(entry.path), kind, name),
                    f"the {kind} '{name}' is also the {other_kind} of {other.path}: "
                    "a name may belong to one entry only, so remove it here or merge the "
                    "two entries",
                )
            )
    return problems


def entry_warnings(entry: Entry) -> list[Problem]:
    """Warnings about one entry's shape: no sections, over-long paragraphs or items."""
    problems: list[Problem] = []
    length = sum(len(block.text) for block in entry.blocks)
    if not entry.sections and length > MAX_PASSAGE_CHARS:
        problems.append(
            Problem(
                entry.path,
                entry.blocks[min(1, len(entry.blocks) - 1)].line,
                f"the entry has no sections but {length} characters of text: add "
                "'## Heading' lines (e.g. '## Overview') so answers can name the part "
                "they quote",
                Severity.WARNING,
            )
        )
    for block in entry.blocks:
        if len(block.text) > LONG_BLOCK_CHARS:
            kind = "list item" if block.is_item else "paragraph"
            problems.append(
                Problem(
                    entry.path,
                    block.line,
                    f"very long {kind} ({len(block.text)} characters, more than "
                    f"{LONG_BLOCK_CHARS}): the bot quotes it in pieces; split it into "
                    "shorter paragraphs",
                    Severity.WARNING,
                )
            )
    return problems


def near_duplicate_warnings(entries: Sequence[Entry]) -> list[Problem]:
    """A warning on the later entry of each near-duplicate pair."""
    return [
        Problem(
            pair.second.path,
            1,
            f"near-duplicate of {pair.first.path} ({pair.overlap:.0%} of the wording is the "
            "same): merge them into one entry and list the other names under 'aliases'",
            Severity.WARNING,
        )
        for pair in find_near_duplicates(entries)
    ]


def _name_line(text: str | None, kind: str, name: str) -> int:
    """The front-matter line that holds a title or alias (2 when it cannot be found)."""
    lines = (text or "").split("\n")
    end = next((n for n in range(1, len(lines)) if lines[n].strip() == "---"), 0)
    key = "title" if kind == "title" else "aliases"
    start = next((n for n in range(1, end) if re.match(rf"{key}\s*:", lines[n])), None)
    if start is None:
        return 2
    if kind == "title":
        return start + 1
    block = [start]
    block += itertools.takewhile(lambda n: not re.match(r"\S", lines[n]), range(start + 1, end))
    wanted = name.casefold()
    for number in block:
        item = lines[number].strip().removeprefix("- ").strip().strip("'\"")
        if item.casefold() == wanted:
            return number + 1
    return next((n + 1 for n in block if wanted in lines[n].casefold()), start + 1)
