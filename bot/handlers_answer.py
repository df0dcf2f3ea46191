"""The answer flow every way of asking shares: cut, search, store, reply.

Private messages, ``/ask``, group mentions and the example buttons all end here, so a
question gets the same answer however it was asked.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Chat, InlineKeyboardMarkup, Message, User
from telegram.ext import ContextTypes

from bot.keyboards import answer_keyboard, link_keyboard, suggestions_keyboard
from bot.render import (
    LinkSettings,
    entry_link,
    entry_messages,
    not_confident_html,
    passage_html,
    truncation_notice,
    web_link,
)
from bot.services import services
from retrieval import Entry, Glossary, Hit

logger = logging.getLogger(__name__)

QUESTION_LIMIT = 1000  # characters kept of a question; the rest is cut before search
PAGES = 5  # passages a question can page through with "More answers"
ENTRY_SEARCH_DEPTH = 50  # how deep "Did you mean" looks for the entry's best passage


def cut_question(text: str) -> tuple[str, bool]:
    """Collapse whitespace and keep at most ``QUESTION_LIMIT`` characters."""
    flat = " ".join(text.split())
    if len(flat) <= QUESTION_LIMIT:
        return flat, False
    return flat[:QUESTION_LIMIT], True


def links(context: ContextTypes.DEFAULT_TYPE) -> LinkSettings:
    """Link settings for this bot."""
    return LinkSettings(services(context).settings.glossary_base_url, context.bot.username)


async def send_html(
    context: ContextTypes.DEFAULT_TYPE,
    *,
    chat_id: int,
    reply_to: Message | None,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
) -> None:
    """Reply to ``reply_to`` (quoted in groups only) or, without it, send to the chat."""
    if reply_to is not None:
        await reply_to.reply_html(text, reply_markup=keyboard)
    else:
        await context.bot.send_message(chat_id, text, reply_markup=keyboard)


async def answer_question(
    context: ContextTypes.DEFAULT_TYPE,
    *,
    chat: Chat,
    user: User | None,
    question: str,
    reply_to: Message | None,
) -> None:
    """Answer ``question``: the best passage with its buttons, or an honest "not sure"."""
    svc = services(context)
    text, cut = cut_question(question)
    answer = svc.holder.current.answer(text, limit=PAGES)
    best = answer.best
    question_id = await asyncio.to_thread(
        svc.store.record,
        chat_type=chat.type,
        user_id=user.id if user else None,
        question=text,
        top_entry=best.entry if best else None,
        top_score=best.score if best else None,
        answered=answer.answered,
    )
    svc.counters.asked += 1
    notice = truncation_notice(QUESTION_LIMIT) if cut or answer.truncated else None
    keyboard: InlineKeyboardMarkup | None
    if answer.answered and best is not None:
        svc.counters.answered += 1
        link = entry_link(best.entry, best.url, links(context))
        html = passage_html(best, answer.terms, link=link, notice=notice)
        keyboard = answer_keyboard(
            question_id=question_id, page=0, pages=len(answer.hits), link=link
        )
    else:
        html = not_confident_html(answer, notice=notice)
        keyboard = suggestions_keyboard(question_id, answer.hits)
    logger.info(
        "Question in %s chat: %d hits, answered=%s", chat.type, len(answer.hits), answer.answered
    )
    await send_html(context, chat_id=chat.id, reply_to=reply_to, text=html, keyboard=keyboard)


def best_passage_in(
    glossary: Glossary, entry: Entry, question: str
) -> tuple[Hit, tuple[str, ...]] | None:
    """The entry's best passage for ``question`` (then for its title), with the terms to mark."""
    for query in (question, entry.title):
        answer = glossary.answer(query, limit=ENTRY_SEARCH_DEPTH)
        for hit in answer.hits:
            if hit.entry == entry.id:
                return hit, answer.terms
    return None


async def send_entry(
    context: ContextTypes.DEFAULT_TYPE, *, chat_id: int, reply_to: Message | None, entry: Entry
) -> None:
    """The whole entry, in as many messages as it needs."""
    link = web_link(entry.id, entry.url, services(context).settings.glossary_base_url)
    for text in entry_messages(entry, link=link):
        await send_html(context, chat_id=chat_id, reply_to=reply_to, text=text)


async def send_passage_of(
    context: ContextTypes.DEFAULT_TYPE, *, chat_id: int, entry: Entry, question: str
) -> None:
    """ "Did you mean": the chosen entry's best passage for the question, with its link."""
    found = best_passage_in(services(context).holder.current, entry, question)
    if found is None:
        await send_entry(context, chat_id=chat_id, reply_to=None, entry=entry)
        return
    hit, terms = found
    link = entry_link(hit.entry, hit.url, links(context))
    html = passage_html(hit, terms, link=link)
    await send_html(
        context, chat_id=chat_id, reply_to=None, text=html, keyboard=link_keyboard(link)
    )
