"""Inline button presses: decode the payload, then one small function per kind of button.

Every state a button needs is in its callback data or in SQLite, so buttons work after a
restart and on any of several bot processes. Every press is answered exactly once, so the
client's spinner always stops.
"""

from __future__ import annotations

import asyncio

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.callbacks import (
    AskExample,
    BrowsePage,
    DidYouMean,
    Feedback,
    MoreAnswers,
    Noop,
    OpenEntry,
    decode,
    resolve_entry_key,
)
from bot.handlers_answer import PAGES, answer_question, links, send_entry, send_passage_of
from bot.handlers_commands import browse_page
from bot.keyboards import answer_keyboard
from bot.render import EXPIRED, FEEDBACK_THANKS, entry_link, passage_html
from bot.services import services

NO_MORE = "No more answers for this question."
ENTRY_GONE = "That entry is no longer in the glossary."


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Route a button press by its payload."""
    query = update.callback_query
    assert query is not None
    chat = query.message.chat if query.message is not None else None
    match decode(query.data):
        case MoreAnswers(question_id, page) if chat is not None:
            await _more_answers(query, context, question_id, page)
        case Feedback(question_id, value):
            stored = await asyncio.to_thread(
                services(context).store.set_feedback, question_id, value
            )
            await query.answer(FEEDBACK_THANKS if stored else EXPIRED)
        case DidYouMean(question_id, key) if chat is not None:
            await _did_you_mean(query, context, chat.id, question_id, key)
        case OpenEntry(key) if chat is not None:
            entry = resolve_entry_key(key, services(context).holder.current.entries)
            await query.answer(None if entry else ENTRY_GONE)
            if entry is not None:
                await send_entry(context, chat_id=chat.id, reply_to=None, entry=entry)
        case BrowsePage(page):
            await query.answer()
            text, keyboard = browse_page(services(context).holder.current, page)
            await _edit(query, text, keyboard)
        case AskExample(question) if chat is not None:
            await query.answer()
            await answer_question(
                context, chat=chat, user=query.from_user, question=question, reply_to=None
            )
        case Noop():
            await query.answer()
        case _:
            await query.answer(EXPIRED)


async def _more_answers(
    query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, question_id: int, page: int
) -> None:
    """Replace the answer with the question's next (or previous) passage."""
    svc = services(context)
    stored = await asyncio.to_thread(svc.store.get, question_id)
    if stored is None:
        await query.answer(EXPIRED)
        return
    answer = svc.holder.current.answer(stored.question, limit=PAGES)
    if page >= len(answer.hits):
        await query.answer(NO_MORE)
        return
    await query.answer()
    hit = answer.hits[page]
    link = entry_link(hit.entry, hit.url, links(context))
    keyboard = answer_keyboard(
        question_id=question_id, page=page, pages=len(answer.hits), link=link
    )
    await _edit(query, passage_html(hit, answer.terms, link=link), keyboard)


async def _did_you_mean(
    query: CallbackQuery,
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    question_id: int | None,
    key: str,
) -> None:
    """Send the chosen entry's best passage for the original question."""
    svc = services(context)
    entry = resolve_entry_key(key, svc.holder.current.entries)
    if entry is None:
        await query.answer(ENTRY_GONE)
        return
    await query.answer()
    stored = None
    if question_id is not None:
        stored = await asyncio.to_thread(svc.store.get, question_id)
    question = stored.question if stored is not None else entry.title
    await send_passage_of(context, chat_id=chat_id, entry=entry, question=question)


async def _edit(query: CallbackQuery, text: str, keyboard: InlineKeyboardMarkup) -> None:
    """Edit the button's message; an unchanged message (a double press) is not an error."""
    if not isinstance(query.message, Message):
        return  # Telegram no longer lets the bot see (or edit) that message
    try:
        await query.edit_message_text(text, reply_markup=keyboard)
    except BadRequest as exc:
        if "message is not modified" not in exc.message.lower():
            raise
