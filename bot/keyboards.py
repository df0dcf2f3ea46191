"""Inline keyboards: which buttons go under which reply, with payloads from ``callbacks``."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import (
    AskExample,
    BrowsePage,
    Callback,
    DidYouMean,
    Feedback,
    MoreAnswers,
    Noop,
    OpenEntry,
    encode,
    entry_key,
)
from bot.render import SEPARATOR
from retrieval import Entry, Hit

MAX_SUGGESTIONS = 3
BUTTON_LABEL = 60  # long labels are cut by Telegram clients anyway


def _label(text: str) -> str:
    return text if len(text) <= BUTTON_LABEL else text[: BUTTON_LABEL - 1].rstrip() + "…"


def _button(label: str, callback: Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(_label(label), callback_data=encode(callback))


def answer_keyboard(
    *, question_id: int | None, page: int, pages: int, link: str
) -> InlineKeyboardMarkup:
    """Under an answer: Full entry, paging through more answers, and feedback.

    Paging and feedback need the stored question; without a row (database down) only the
    link is offered.
    """
    rows = [[InlineKeyboardButton("Full entry", url=link)]]
    if question_id is not None:
        paging: list[InlineKeyboardButton] = []
        if page > 0:
            paging.append(_button("◀ Back", MoreAnswers(question_id, page - 1)))
        if pages > 1:
            paging.append(_button(f"{page + 1}/{pages}", Noop()))
        if page + 1 < pages:
            paging.append(_button("More answers ▶", MoreAnswers(question_id, page + 1)))
        if paging:
            rows.append(paging)
        rows.append(
            [_button("👍", Feedback(question_id, 1)), _button("👎", Feedback(question_id, -1))]
        )
    return InlineKeyboardMarkup(rows)


def link_keyboard(link: str) -> InlineKeyboardMarkup:
    """Just the Full entry button."""
    return InlineKeyboardMarkup([[InlineKeyboardButton("Full entry", url=link)]])


def suggestion_hits(hits: Sequence[Hit]) -> list[Hit]:
    """The best hit of each of the first three distinct entries."""
    chosen: dict[str, Hit] = {}
    for hit in hits:
        if hit.entry not in chosen:
            chosen[hit.entry] = hit
        if len(chosen) == MAX_SUGGESTIONS:
            break
    return list(chosen.values())


def suggestions_keyboard(
    question_id: int | None, hits: Sequence[Hit]
) -> InlineKeyboardMarkup | None:
    """Did you mean: up to three entries, one button each."""
    rows = [
        [
            _button(
                SEPARATOR.join(p for p in (h.title, h.section) if p),
                DidYouMean(question_id, entry_key(h.entry)),
            )
        ]
        for h in suggestion_hits(hits)
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def examples_keyboard(questions: Sequence[str]) -> InlineKeyboardMarkup | None:
    """/start: example questions as buttons (questions too long for callback data are left out)."""
    rows: list[list[InlineKeyboardButton]] = []
    for question in questions:
        try:
            rows.append([_button(question, AskExample(question))])
        except ValueError:  # over 64 bytes of callback data
            continue
    return InlineKeyboardMarkup(rows) if rows else None


def browse_keyboard(entries: Sequence[Entry], *, page: int, pages: int) -> InlineKeyboardMarkup:
    """/browse: one button per entry on this page, then paging."""
    rows = [[_button(e.title, OpenEntry(entry_key(e.id)))] for e in entries]
    nav: list[InlineKeyboardButton] = []
    if page > 0:
        nav.append(_button("◀ Previous", BrowsePage(page - 1)))
    if pages > 1:
        nav.append(_button(f"{page + 1}/{pages}", Noop()))
    if page + 1 < pages:
        nav.append(_button("Next ▶", BrowsePage(page + 1)))
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows)
