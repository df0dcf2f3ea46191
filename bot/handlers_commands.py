"""Command handlers: /start, /help, /ask, /entry, /browse, and the admins' /reload, /stats."""

from __future__ import annotations

import math
import re

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import ContextTypes

from bot.admin_notices import reload_reply_html, tell_admins
from bot.callbacks import resolve_entry_key
from bot.handlers_answer import answer_question, send_entry
from bot.keyboards import browse_keyboard, examples_keyboard
from bot.render import (
    ADMIN_ONLY,
    ASK_USAGE,
    ENTRY_USAGE,
    UNKNOWN_COMMAND,
    browse_html,
    entry_not_found_html,
    help_html,
    plain_html,
    stats_html,
    welcome_html,
)
from bot.services import services
from retrieval import Glossary

BROWSE_PAGE_SIZE = 8
EXAMPLE_QUESTIONS = (
    "What does a back-end engineer do in fintech?",
    "What is an API?",
    "Why use microservices?",
)
_COMMAND_PREFIX = re.compile(r"^/\S*\s*", re.DOTALL)


def command_argument(message: Message) -> str:
    """Everything after the command word (``/ask@bot what is X`` gives ``what is X``)."""
    return _COMMAND_PREFIX.sub("", message.text or "", count=1).strip()


def example_questions(glossary: Glossary, count: int = 3) -> list[str]:
    """Example questions this glossary answers: the usual ones, else "What is <title>?"."""
    candidates = [*EXAMPLE_QUESTIONS, *(f"What is {e.title}?" for e in glossary.entries.values())]
    chosen = [q for q in candidates[:20] if glossary.answer(q, limit=1).answered]
    return chosen[:count]


def is_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Whether the sender is in ADMIN_USER_IDS."""
    user = update.effective_user
    return user is not None and user.id in services(context).settings.admin_user_ids


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: a welcome with example questions, or /start <entry> opens that entry."""
    message, glossary = update.effective_message, services(context).holder.current
    assert message is not None
    if context.args:
        entry = resolve_entry_key(context.args[0], glossary.entries)
        if entry is not None:
            await send_entry(context, chat_id=message.chat_id, reply_to=message, entry=entry)
            return
    examples = example_questions(glossary)
    await message.reply_html(
        welcome_html(glossary, has_examples=bool(examples)),
        reply_markup=examples_keyboard(examples),
    )


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help: what the bot does and its commands."""
    assert update.effective_message is not None
    text = help_html(admin=is_admin(update, context), bot_username=context.bot.username)
    await update.effective_message.reply_html(text)


async def on_ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ask <question>: answer it (works in groups with privacy mode on)."""
    message = update.effective_message
    assert message is not None
    question = command_argument(message)
    if not question:
        await message.reply_html(plain_html(ASK_USAGE))
        return
    await answer_question(
        context, chat=message.chat, user=message.from_user, question=question, reply_to=message
    )


async def on_entry(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/entry <term>: the whole entry, split across messages when long."""
    message = update.effective_message
    assert message is not None
    term = command_argument(message)
    if not term:
        await message.reply_html(plain_html(ENTRY_USAGE))
        return
    entry = services(context).holder.current.find_entry(term[:200])
    if entry is None:
        await message.reply_html(entry_not_found_html(term))
        return
    await send_entry(context, chat_id=message.chat_id, reply_to=message, entry=entry)


def browse_page(glossary: Glossary, page: int) -> tuple[str, InlineKeyboardMarkup]:
    """The text and keyboard of one /browse page (a page past the end shows the last)."""
    entries = sorted(glossary.entries.values(), key=lambda e: (e.title.casefold(), e.id))
    pages = max(1, math.ceil(len(entries) / BROWSE_PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = entries[page * BROWSE_PAGE_SIZE : (page + 1) * BROWSE_PAGE_SIZE]
    text = browse_html(page, pages, len(entries))
    return text, browse_keyboard(shown, page=page, pages=pages)


async def on_browse(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/browse: entries A to Z, one button each, with paging."""
    assert update.effective_message is not None
    text, keyboard = browse_page(services(context).holder.current, 0)
    await update.effective_message.reply_html(text, reply_markup=keyboard)


async def on_reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reload (admins): re-read changed files now; reply what changed, tell the other admins."""
    assert update.effective_message is not None
    if not is_admin(update, context):
        await update.effective_message.reply_html(plain_html(ADMIN_ONLY))
        return
    svc, user = services(context), update.effective_user
    outcome = await svc.holder.refresh()
    await update.effective_message.reply_html(reload_reply_html(outcome))
    skip = {user.id} if user is not None else set()
    await tell_admins(context.bot, svc.settings.admin_user_ids, outcome, skip=skip)


async def on_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stats (admins): entries, passages, build time, questions since start."""
    assert update.effective_message is not None
    if not is_admin(update, context):
        await update.effective_message.reply_html(plain_html(ADMIN_ONLY))
        return
    svc = services(context)
    text = stats_html(svc.holder.current, asked=svc.counters.asked, answered=svc.counters.answered)
    await update.effective_message.reply_html(text)


async def on_unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any other command in a private chat: point to /help."""
    assert update.effective_message is not None
    await update.effective_message.reply_html(plain_html(UNKNOWN_COMMAND))
