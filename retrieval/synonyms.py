"""Synonym groups: words that mean the same to the person asking, but not to BM25.

BM25 only matches the words an entry uses; someone who asks for the "benefits" of a role
should still reach its "Advantages" section. A small list ships in
``data/synonyms.txt``; content owners add their own groups in ``synonyms.txt`` in the
knowledge folder (the loader reads only ``*.md``, so it is never taken for an entry).
Each line is one group of comma-separated words or phrases; members are compared after
the same analysis as documents, so "pictures" and "picture" are one member.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from retrieval.analysis import analyze

SYNONYMS_FILE = "synonyms.txt"


@dataclass(frozen=True, slots=True)
class Expansion:
    """Terms added to a question because ``phrase`` (its own words) has synonyms."""

    phrase: tuple[str, ...]
    terms: tuple[str, ...]


def parse_groups(text: str) -> list[tuple[str, ...]]:
    """Groups of a synonyms file: one comma-separated group per line, ``#`` comments."""
    groups = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        members = tuple(m.strip() for m in line.split(",") if m.strip())
        if len(members) > 1:
            groups.append(members)
    return groups


def shipped_groups() -> list[tuple[str, ...]]:
    """The groups that ship with glossary-bot."""
    data = resources.files("retrieval").joinpath("data").joinpath(SYNONYMS_FILE)
    return parse_groups(data.read_text(encoding="utf-8"))


def folder_groups(folders: Iterable[Path]) -> list[tuple[str, ...]]:
    """Groups from ``synonyms.txt`` in each knowledge folder that has one."""
    groups: list[tuple[str, ...]] = []
    for folder in folders:
        path = Path(folder) / SYNONYMS_FILE
        if path.is_file():
            groups.extend(parse_groups(path.read_text(encoding="utf-8")))
    return groups


class Synonyms:
    """Finds synonym phrases in analysed questions and says which terms to add."""

    def __init__(self, groups: Iterable[Sequence[str]]) -> None:
        # first term of a member -> (member terms, terms of the other members)
        self._by_first: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
        for group in groups:
            members = [tuple(analyze(m)) for m in group]
            members = [m for m in dict.fromkeys(members) if m]
            for member in members:
                others = tuple(
                    dict.fromkeys(t for m in members if m != member for t in m if t not in member)
                )
                if others:
                    self._by_first.setdefault(member[0], []).append((member, others))
        for options in self._by_first.values():
            options.sort(key=lambda option: -len(option[0]))

    def expand(self, terms: Sequence[str]) -> list[Expansion]:
        """Expansions for every synonym phrase in ``terms``, longest phrase first."""
        found: list[Expansion] = []
        for i, term in enumerate(terms):
            for member, others in self._by_first.get(term, ()):
                if tuple(terms[i : i + len(member)]) == member:
                    found.append(Expansion(member, others))
                    break
        return found
