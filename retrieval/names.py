"""The names an entry is known by: title, aliases, and acronyms its own lead defines.

People ask for an entry by name far more often than by anything else, so names get
their own field in ranking. Content owners list aliases in the front matter, but many
glossaries only spell an acronym out in the first sentence ("The HyperText Transfer
Protocol (**HTTP**) is ..."). Those pairs are learned here, so "hypertext transfer
protocol" finds the HTTP entry and "what is CORS" finds Cross-Origin Resource Sharing,
without anyone writing a synonym list. A pair only counts when one side is already a
name of the entry and the initials of the long form spell the acronym.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_MARKUP = re.compile(r"[*_`]")
# "Long Form (ABBR)" and "ABBR (Long Form)": up to eight words on the long side.
_LONG_THEN_SHORT = re.compile(
    r"((?:[\w'’.+-]+\s+){1,7}[\w'’.+-]+)\s*\(\s*([A-Za-z][\w.+-]{1,11})\s*\)"
)
_SHORT_THEN_LONG = re.compile(
    r"\b([A-Za-z][\w.+-]{1,11})\s*\(\s*((?:[\w'’.+-]+\s+){1,7}[\w'’.+-]+)\s*\)"
)
_SMALL_WORDS = frozenset(
    {"a", "an", "and", "as", "for", "in", "of", "on", "or", "the", "to", "via"}
)


def initials(phrase: str) -> str:
    """Initials of a phrase, hyphenated parts counted apart ("Cross-Origin" -> "co")."""
    parts = [p for p in re.split(r"[\s\-/]+", phrase) if p]
    letters = []
    for part in parts:
        if part.casefold() in _SMALL_WORDS:
            continue
        letters.append(part[0].casefold())
        # CamelCase inside a word ("HyperText", "JavaScript") adds its capitals.
        letters.extend(ch.casefold() for ch in part[1:] if ch.isupper())
    return "".join(letters)


def is_acronym(word: str) -> bool:
    """Short words written mostly in capitals: CORS, HTTP, rDNS, WebGL is not one."""
    letters = [ch for ch in word if ch.isalpha()]
    if not 2 <= len(letters) <= 8:
        return False
    return sum(ch.isupper() for ch in letters) >= max(2, len(letters) - 1)


def _matches(short: str, long: str) -> bool:
    if not is_acronym(short):
        return False
    wanted = "".join(ch for ch in short.casefold() if ch.isalnum())
    got = initials(long)
    # The long form may start with extra words: take the shortest tail that fits.
    return got.endswith(wanted) and bool(wanted)


def _trim(long: str, short: str) -> str:
    """The tail of ``long`` whose initials spell ``short``."""
    words = long.split()
    wanted = "".join(ch for ch in short.casefold() if ch.isalnum())
    for start in range(len(words) - 1, -1, -1):
        tail = " ".join(words[start:])
        if initials(tail) == wanted:
            return tail
    return long


def defined_acronyms(text: str) -> list[tuple[str, str]]:
    """(acronym, long form) pairs written as "Long Form (ABBR)" or "ABBR (Long Form)"."""
    if "(" not in text:
        return []  # both patterns need a parenthesis; the regexes backtrack at every word
    plain = _MARKUP.sub("", text)
    pairs: list[tuple[str, str]] = []
    for long, short in _LONG_THEN_SHORT.findall(plain):
        if _matches(short, long):
            pairs.append((short, _trim(long, short)))
    for short, long in _SHORT_THEN_LONG.findall(plain):
        if _matches(short, long) and initials(long) == "".join(
            ch for ch in short.casefold() if ch.isalnum()
        ):
            pairs.append((short, long))
    return pairs


def entry_names(title: str, aliases: Iterable[str], lead: str) -> tuple[str, ...]:
    """Title, aliases, then acronym pairs from the lead that extend one of those names."""
    names: dict[str, str] = {}
    for name in (title, *aliases):
        if name.strip():
            names.setdefault(name.casefold(), name)
    for short, long in defined_acronyms(lead):
        if short.casefold() in names or long.casefold() in names:
            names.setdefault(short.casefold(), short)
            names.setdefault(long.casefold(), long)
    return tuple(names.values())
