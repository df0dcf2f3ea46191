"""Fitting plain text into Telegram's limits *before* it is escaped and marked up.

Telegram refuses a message over 4096 characters and any HTML that is cut inside a tag or an
entity, so text is always cut while it is still plain, with the cost of its escaped form
and of its highlight tags counted in advance. Lengths are counted in UTF-16 code units, the
unit Telegram counts in (an emoji outside the Basic Multilingual Plane counts twice), which
is never less than Python's character count.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

Span = tuple[int, int]

ELLIPSIS = "…"
BOLD_COST = len("<b></b>")
_ESCAPED = {"&": len("&amp;"), "<": len("&lt;"), ">": len("&gt;")}
_MAX_CHAR_COST = len("&amp;")
# Back off to a word boundary only if it costs less than this share of the text kept.
_WORD_BOUNDARY_SLACK = 0.2


def units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def escape(text: str) -> str:
    """Escape text content for Telegram HTML (quotes need no escaping outside attributes)."""
    return html.escape(text, quote=False)


def _char_cost(char: str) -> int:
    cost = _ESCAPED.get(char)
    if cost is not None:
        return cost
    return 2 if ord(char) > 0xFFFF else 1


def marked_up(text: str, spans: Sequence[Span] = ()) -> str:
    """``text`` escaped, with each span wrapped in ``<b>``; spans must be sorted and disjoint."""
    pieces: list[str] = []
    position = 0
    for start, end in spans:
        pieces.append(escape(text[position:start]))
        pieces.append(f"<b>{escape(text[start:end])}</b>")
        position = end
    pieces.append(escape(text[position:]))
    return "".join(pieces)


def marked_up_cost(text: str, spans: Sequence[Span] = ()) -> int:
    """``units(marked_up(text, spans))`` without building the string."""
    return sum(_char_cost(c) for c in text) + BOLD_COST * len(spans)


def _prefix_length(text: str, spans: Sequence[Span], budget: int) -> int:
    """The longest prefix length whose marked-up cost stays within ``budget``."""
    span_starts = {start for start, _ in spans}
    spent = 0
    for index, char in enumerate(text):
        cost = _char_cost(char) + (BOLD_COST if index in span_starts else 0)
        if spent + cost > budget:
            return index
        spent += cost
    return len(text)


def _back_to_word_boundary(text: str, length: int) -> int:
    """Move a cut back to the last whitespace when that loses little text."""
    boundary = max(text.rfind(" ", 0, length + 1), text.rfind("\n", 0, length + 1))
    if boundary > 0 and length - boundary <= length * _WORD_BOUNDARY_SLACK:
        return boundary
    return length


def fit(text: str, budget: int, spans: Sequence[Span] = ()) -> tuple[str, list[Span], bool]:
    """Cut ``text`` so that ``marked_up`` of the result costs at most ``budget`` units.

    Returns the (possibly cut) plain text, the spans clipped to it, and whether it was cut;
    a cut text ends in an ellipsis, at a word boundary when one is near.
    """
    if marked_up_cost(text, spans) <= budget:
        return text, list(spans), False
    if budget < units(ELLIPSIS):
        return "", [], True
    length = _prefix_length(text, spans, budget - units(ELLIPSIS))
    length = _back_to_word_boundary(text, length)
    kept = text[:length].rstrip()
    clipped = [(s, min(e, len(kept))) for s, e in spans if s < len(kept)]
    return kept + ELLIPSIS, clipped, True


def split(text: str, first_budget: int, budget: int) -> list[str]:
    """Split plain ``text`` into pieces whose escaped forms fit (the first within ``first_budget``).

    Used for a paragraph longer than a whole message: it continues in the next message, so
    the pieces carry no ellipsis.
    """
    if min(first_budget, budget) < _MAX_CHAR_COST:
        raise ValueError(f"budgets must be at least {_MAX_CHAR_COST} units")
    pieces: list[str] = []
    rest = text
    allowance = first_budget
    while marked_up_cost(rest) > allowance:
        length = _back_to_word_boundary(rest, _prefix_length(rest, (), allowance))
        pieces.append(rest[:length].rstrip())
        rest = rest[length:].lstrip()
        allowance = budget
    pieces.append(rest.rstrip())
    return pieces
