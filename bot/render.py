"""Everything the bot sends, as Telegram HTML: escaped, valid, and within 4096 characters.

This is the only module that builds HTML. Every piece of content goes through
``textfit.escape`` (or ``marked_up``), long text is cut while still plain, and limits come
from ``telegram.constants``. Handlers decide *what* to say; this module decides how it looks.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from telegram.constants import MessageLimit
from telegram.helpers import create_deep_linked_url

from bot.callbacks import entry_key
from bot.textfit import escape, fit, marked_up, split, units
from retrieval import Answer, Entry, Glossary, Hit
from retrieval.highlight import highlight_spans

MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH
SEPARATOR = " › "
MAX_HEADING = 200  # title › section › label, plain characters
MAX_QUOTED_QUESTION = 200  # how much of a question is repeated back
DESCRIPTION_LENGTH = 120  # inline results show one line


@dataclass(frozen=True, slots=True)
class LinkSettings:
    """What ``entry_link`` needs to know: the web base for entries and the bot's username."""

    glossary_base_url: str | None
    bot_username: str


def web_link(entry_id: str, url: str | None, base_url: str | None) -> str | None:
    """A web page for the entry: its own url, else the web base plus its id, else None."""
    if url:
        return url
    if base_url:
        return base_url + quote(entry_id)
    return None


def entry_link(entry_id: str, url: str | None, links: LinkSettings) -> str:
    """Where "Full entry" points: a web page, else a t.me deep link that makes the bot send it."""
    return web_link(entry_id, url, links.glossary_base_url) or create_deep_linked_url(
        links.bot_username, entry_key(entry_id)
    )


def heading(hit: Hit) -> str:
    """``Title › Section › Label`` as plain text."""
    return SEPARATOR.join(part for part in (hit.title, hit.section, hit.label) if part)


def _link(url: str, label: str) -> str:
    return f'<a href="{html.escape(url, quote=True)}">{escape(label)}</a>'


def _quoted(question: str) -> str:
    text, _, _ = fit(question, MAX_QUOTED_QUESTION)
    return f"“{escape(text)}”"


def passage_html(
    hit: Hit, terms: Sequence[str], *, link: str | None, notice: str | None = None
) -> str:
    """One passage: bold heading, the text with the question's terms in bold, the entry link."""
    head, _, _ = fit(heading(hit), MAX_HEADING)
    top = f"<i>{escape(notice)}</i>\n\n" if notice else ""
    top += f"<b>{escape(head)}</b>\n"
    bottom = f"\n\n{_link(link, 'Full entry: ' + hit.title[:MAX_HEADING])}" if link else ""
    if units(top) + units(bottom) > MAX_TEXT // 2:  # an absurdly long url: drop the link
        bottom = ""
    budget = MAX_TEXT - units(top) - units(bottom)
    text, spans, _ = fit(hit.text, budget, highlight_spans(hit.text, terms))
    return top + marked_up(text, spans) + bottom


def truncation_notice(limit: int) -> str:
    """Told to the user when a question was cut before search."""
    return f"Your question was long, so I only used its first {limit} characters."


def not_confident_html(answer: Answer, *, notice: str | None = None) -> str:
    """The reply when the glossary has no confident answer: say so, never show a weak match."""
    top = f"<i>{escape(notice)}</i>\n\n" if notice else ""
    if answer.hits:
        return (
            f"{top}I'm not sure the glossary answers {_quoted(answer.query)}.\n"
            "Did you mean one of these?"
        )
    return (
        f"{top}I found nothing in the glossary for {_quoted(answer.query)}. "
        "Try other words, or see /browse for every entry."
    )


def _entry_units(entry: Entry) -> list[tuple[str, str]]:
    """(markup prefix, plain text) per paragraph; headings ride with the paragraph after them."""
    title, _, _ = fit(entry.title, MAX_HEADING)
    units_: list[tuple[str, str]] = []
    prefix = f"<b>{escape(title)}</b>\n"
    section: str | None = None
    for block in entry.blocks:
        if block.section != section and block.section is not None:
            name, _, _ = fit(block.section, MAX_HEADING)
            prefix += f"<b>{escape(name)}</b>\n"
        section = block.section
        if block.is_item:
            prefix += "• "
        if block.label:
            label, _, _ = fit(block.label, MAX_HEADING)
            prefix += f"<b>{escape(label)}:</b> "
        units_.append((prefix, block.text))
        prefix = ""
    if prefix:  # an entry without blocks still shows its title
        units_.append((prefix, ""))
    return units_


def entry_messages(entry: Entry, *, link: str | None = None) -> list[str]:
    """The whole entry as messages of at most 4096 characters, split at paragraph boundaries."""
    paragraphs: list[str] = []
    for prefix, text in _entry_units(entry):
        pieces = split(text, MAX_TEXT - units(prefix), MAX_TEXT)
        paragraphs.append(prefix + escape(pieces[0]))
        paragraphs.extend(escape(piece) for piece in pieces[1:])
    if link:
        paragraphs.append(_link(link, "Open on the web"))
    messages: list[str] = []
    current = ""
    for paragraph in paragraphs:
        joined = f"{current}\n\n{paragraph}" if current else paragraph
        if units(joined) <= MAX_TEXT:
            current = joined
        else:
            messages.append(current)
            current = paragraph
    messages.append(current)
    return messages


def entry_not_found_html(term: str) -> str:
    """/entry found nothing."""
    return f"No entry matches {_quoted(term)}. See /browse for every entry."


def _topics(glossary: Glossary, count: int) -> list[str]:
    tags = Counter(tag for entry in glossary.entries.values() for tag in entry.tags)
    return [tag for tag, _ in tags.most_common(count)]


def welcome_html(glossary: Glossary, *, has_examples: bool) -> str:
    """/start without a payload: what the bot is, what it knows, how to ask."""
    topics = _topics(glossary, 5)
    about = f" about {escape(', '.join(topics))}" if topics else ""
    text = (
        "<b>Hi! I answer questions from the company glossary.</b>\n"
        f"I know {len(glossary)} entries{about}.\n\n"
        "Just write your question in your own words."
    )
    if has_examples:
        text += " Or try one of these:"
    return text + "\n\n/help lists what else I can do."


def help_html(*, admin: bool, bot_username: str) -> str:
    """/help: commands, inline mode and groups in a few lines."""
    lines = [
        "<b>How to use me</b>",
        "Write a question, e.g. <i>what does a back-end engineer do in fintech</i>.",
        "",
        "/ask &lt;question&gt; – ask (also works in groups)",
        "/entry &lt;term&gt; – the whole entry, e.g. /entry API",
        "/browse – all entries A to Z",
        "/help – this message",
        "",
        f"In any chat, type @{escape(bot_username)} and a question to share an answer.",
        f"In groups I answer /ask, messages that mention @{escape(bot_username)}, "
        "and replies to my messages.",
    ]
    if admin:
        lines += ["", "<b>Admin</b>", "/reload – reread the knowledge folder", "/stats – numbers"]
    return "\n".join(lines)


def browse_html(page: int, pages: int, total: int) -> str:
    """/browse header; the entries themselves are buttons."""
    return f"<b>Glossary A to Z</b> – {total} entries, page {page + 1} of {pages}."


def stats_html(glossary: Glossary, *, asked: int, answered: int) -> str:
    """/stats for admins."""
    return (
        "<b>Glossary statistics</b>\n"
        f"Entries: {len(glossary)}\n"
        f"Passages: {len(glossary.passages)}\n"
        f"Index build time: {glossary.build_seconds:.2f} s\n"
        f"Questions since start: {asked}\n"
        f"Questions answered since start: {answered}"
    )


def plain_html(text: str) -> str:
    """A fixed message of the bot's own, escaped and cut to one message."""
    cut, _, _ = fit(text, MAX_TEXT)
    return escape(cut)


def one_line(text: str, limit: int = DESCRIPTION_LENGTH) -> str:
    """Plain one-line summary (inline result descriptions are not HTML)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


# The bot's fixed replies, as plain text; send them through ``plain_html``.
FLOOD_NOTICE = "You're sending messages faster than I can answer. Please wait a few seconds."
APOLOGY = "Sorry, something went wrong on my side. Please try again in a moment."
NON_TEXT = "I can only read text. Please type your question in words, e.g. what is an API?"
EXPIRED = "This button has expired. Please ask your question again."
ADMIN_ONLY = "This command is only for the bot's admins."
UNKNOWN_COMMAND = "I don't know that command. /help lists the ones I have."
ASK_USAGE = "Add your question after the command, e.g. /ask what is an API"
ENTRY_USAGE = "Add a term after the command, e.g. /entry API"
MENTION_USAGE = "Ask me a question after the mention, e.g. @{bot} what is an API"
FEEDBACK_THANKS = "Thanks for the feedback!"
