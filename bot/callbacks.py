"""Callback data codec: every inline button's payload, within Telegram's 64 bytes.

Buttons must keep working after a restart and across several bot processes, so a payload
carries everything it needs or a question id whose row lives in SQLite; nothing is kept only
in memory. Formats (``<key>`` is ``entry_key(entry id)``, ``<q>`` a question row id)::

    m:<q>:<page>     More answers: show hit number <page> of the question
    f:<q>:+ / f:<q>:-  feedback on the question's answer
    d:<q>:<key>      Did you mean: that entry's best passage for the question (<q> may be empty)
    o:<key>          open the whole entry
    b:<page>         /browse page
    a:<question>     ask an example question
    n                a label button that does nothing (page counter)

Entry ids are file names and may be long or contain characters that neither callback data
nor ``/start`` deep links allow (deep links accept only ``A-Z a-z 0-9 _ -``, 64 at most), so
such ids travel as a stable hash that is looked up in the current glossary.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from telegram.constants import InlineKeyboardButtonLimit

MAX_BYTES = InlineKeyboardButtonLimit.MAX_CALLBACK_DATA
MAX_PLAIN_KEY = 40
_PLAIN_KEY = re.compile(rf"^[A-Za-z0-9_-]{{1,{MAX_PLAIN_KEY}}}$")
_NUMBER = re.compile(r"^(0|[1-9][0-9]{0,17})$")

T = TypeVar("T")


@lru_cache(maxsize=4096)
def entry_key(entry_id: str) -> str:
    """A short, stable key for an entry: the id itself when it is short and plain, else a hash.

    The key fits both callback data and a ``/start`` deep-link payload.
    """
    if _PLAIN_KEY.match(entry_id):
        return entry_id
    digest = hashlib.sha256(entry_id.encode("utf-8")).digest()[:10]
    return "h" + base64.b32encode(digest).decode("ascii").lower()


def resolve_entry_key(key: str, entries: Mapping[str, T]) -> T | None:
    """The entry a key stands for in ``entries`` (keyed by entry id), if it still exists."""
    direct = entries.get(key)
    if direct is not None:
        return direct
    for entry_id, entry in entries.items():
        if entry_key(entry_id) == key:
            return entry
    return None


@dataclass(frozen=True, slots=True)
class MoreAnswers:
    """Show hit number ``page`` (0-based) for a stored question."""

    question_id: int
    page: int


@dataclass(frozen=True, slots=True)
class Feedback:
    """A thumbs up (+1) or down (-1) on a stored question's answer."""

    question_id: int
    value: int


@dataclass(frozen=True, slots=True)
class DidYouMean:
    """Open an entry's best passage for a stored question (or its lead when there is none)."""

    question_id: int | None
    key: str


@dataclass(frozen=True, slots=True)
class OpenEntry:
    """Send a whole entry."""

    key: str


@dataclass(frozen=True, slots=True)
class BrowsePage:
    """Show one page of the A to Z list."""

    page: int


@dataclass(frozen=True, slots=True)
class AskExample:
    """Ask one of the example questions offered by /start."""

    question: str


@dataclass(frozen=True, slots=True)
class Noop:
    """A button that only labels something (the page counter)."""


Callback = MoreAnswers | Feedback | DidYouMean | OpenEntry | BrowsePage | AskExample | Noop


def fits(data: str) -> bool:
    """Whether ``data`` is acceptable callback data (1 to 64 bytes of UTF-8)."""
    return 1 <= len(data.encode("utf-8")) <= MAX_BYTES


def encode(callback: Callback) -> str:
    """The callback data for ``callback``; ``ValueError`` if it would not fit in 64 bytes."""
    match callback:
        case MoreAnswers(question_id, page):
            data = f"m:{question_id}:{page}"
        case Feedback(question_id, value):
            data = f"f:{question_id}:{'+' if value > 0 else '-'}"
        case DidYouMean(question_id, key):
            data = f"d:{'' if question_id is None else question_id}:{key}"
        case OpenEntry(key):
            data = f"o:{key}"
        case BrowsePage(page):
            data = f"b:{page}"
        case AskExample(question):
            data = f"a:{question}"
        case Noop():
            data = "n"
    if not fits(data):
        raise ValueError(f"callback data is {len(data.encode('utf-8'))} bytes, over {MAX_BYTES}")
    return data


def _number(text: str) -> int | None:
    return int(text) if _NUMBER.match(text) else None


def decode(data: str | None) -> Callback | None:
    """The callback a button carries, or None for data this version does not understand."""
    if not data:
        return None
    kind, _, rest = data.partition(":")
    if kind == "n" and not rest:
        return Noop()
    if kind == "o" and rest:
        return OpenEntry(rest)
    if kind == "a" and rest.strip():
        return AskExample(rest)
    if kind == "b":
        page = _number(rest)
        return None if page is None else BrowsePage(page)
    first, _, second = rest.partition(":")
    if kind == "d" and second:
        if not first:
            return DidYouMean(None, second)
        question_id = _number(first)
        return None if question_id is None else DidYouMean(question_id, second)
    question_id = _number(first)
    if question_id is None:
        return None
    if kind == "m":
        page = _number(second)
        return None if page is None else MoreAnswers(question_id, page)
    if kind == "f" and second in {"+", "-"}:
        return Feedback(question_id, 1 if second == "+" else -1)
    return None
