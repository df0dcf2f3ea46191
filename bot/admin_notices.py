"""Telling the admins what a reload changed: entries added, changed, removed, and what to fix.

A notice goes to each admin's private chat (a private chat's id is the user's id) and only
when a refresh brought news (see ``RefreshOutcome.news``), so an unchanged broken file is
reported once, not on every later refresh. Content owners read the problems as
``path:line: what to fix``, the same lines ``glossary-bot check`` prints. Sending is best
effort: an admin who never started the bot, or a Telegram error, is logged and the watcher
goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram import Bot
from telegram.constants import MessageLimit
from telegram.error import TelegramError

from bot.holder import GlossaryHolder, RefreshOutcome
from bot.textfit import ELLIPSIS, escape, fit, units

logger = logging.getLogger(__name__)

MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH
NO_CHANGES = "No changes."
CHECK_HINT = "run 'glossary-bot check' for the full list"
MAX_LINE = 1000  # units; well under MAX_TEXT, so the first line always fits


def change_lines(outcome: RefreshOutcome) -> list[str]:
    """Plain-text lines of what changed and what to fix (empty when nothing is news)."""
    lines: list[str] = []
    if outcome.recovered:
        lines.append("The knowledge folder can be read again.")
    for label, titles in (
        ("Added", outcome.added),
        ("Changed", outcome.changed),
        ("Removed", outcome.removed),
    ):
        if titles:
            lines.append(f"{label} ({len(titles)}): {', '.join(titles)}")
    if outcome.problems:
        lines.append("To fix (path:line: what to fix):")
        lines += [str(problem) for problem in outcome.problems]
    for path in outcome.kept:
        lines.append(f"{path}: its last good version stays in service until it is fixed.")
    return lines


def fit_lines(lines: Iterable[str], budget: int = MAX_TEXT) -> str:
    """Escaped HTML of ``lines``, one per line, cut at a line so it fits one message.

    Each line is first cut to ``MAX_LINE`` (a list of hundreds of titles stays readable);
    lines that still do not fit are counted in a last line that points to ``check``.
    """
    texts = [escape(fit(line, MAX_LINE)[0]) for line in lines]
    costs = [units(text) + 1 for text in texts]  # each with its newline
    if sum(costs) - 1 <= budget:
        return "\n".join(texts)
    used = 0
    shown = 0
    for cost in costs:
        tail = _more_lines(len(texts) - shown - 1)
        if used + cost + units(tail) > budget:
            break
        used += cost
        shown += 1
    return "\n".join([*texts[:shown], _more_lines(len(texts) - shown)])


def _more_lines(count: int) -> str:
    return escape(f"{ELLIPSIS} {count} more line(s): {CHECK_HINT}")


def reload_reply_html(outcome: RefreshOutcome) -> str:
    """The reply to an admin's /reload: the glossary in service and everything that changed."""
    lines = change_lines(outcome)
    if outcome.failure is None and not outcome.changes:
        lines.append(NO_CHANGES)
    return fit_lines([outcome.summary(), *lines])


def notice_html(outcome: RefreshOutcome) -> str | None:
    """The notice the watcher sends after a change, or None when there is no news."""
    if not outcome.news:
        return None
    if outcome.failure is not None:
        return fit_lines([outcome.failure])
    head = (
        f"Knowledge folder changed: {outcome.entries} entries, "
        f"{outcome.passages} passages in service."
    )
    return fit_lines([head, *change_lines(outcome)])


async def tell_admins(
    bot: Bot, admin_ids: Iterable[int], outcome: RefreshOutcome, *, skip: Iterable[int] = ()
) -> int:
    """Send the notice (if there is news) to every admin but ``skip``; returns how many got it."""
    text = notice_html(outcome)
    if text is None:
        return 0
    skipped = set(skip)
    sent = 0
    for admin_id in sorted(set(admin_ids) - skipped):
        try:
            await bot.send_message(admin_id, text)
        except TelegramError as exc:  # e.g. the admin never opened a chat with the bot
            logger.warning("Could not tell admin %d about the reload: %s", admin_id, exc)
            continue
        sent += 1
    return sent


async def refresh_and_tell(holder: GlossaryHolder, bot: Bot, admin_ids: Iterable[int]) -> None:
    """Refresh the glossary and tell the admins what changed (the watcher's reaction)."""
    outcome = await holder.refresh()
    await tell_admins(bot, admin_ids, outcome)
