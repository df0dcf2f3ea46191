"""Message handlers: questions in private chats and groups, other messages, flood control."""

from __future__ import annotations

import re

from telegram import Message, Update
from telegram.ext import ApplicationHandlerStop, ContextTypes, filters

from bot.flood import Verdict
from bot.handlers_answer import answer_question
from bot.render import FLOOD_NOTICE, MENTION_USAGE, NON_TEXT, plain_html
from bot.services import services


def _mention_pattern(username: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w@])@{re.escape(username)}(?!\w)", re.IGNORECASE)


class AddressedToBot(filters.MessageFilter):
    """Group messages meant for the bot: they mention it or reply to one of its messages."""

    def filter(self, message: Message) -> bool:
        """Whether the bot should answer this group message."""
        bot = message.get_bot()
        replied = message.reply_to_message
        if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
            return True
        return bool(_mention_pattern(bot.username).search(message.text or ""))


ADDRESSED_TO_BOT = AddressedToBot(name="AddressedToBot")
NEW_MESSAGE = filters.UpdateType.MESSAGE  # edits are not asked for; they never get a 2nd answer
PRIVATE_QUESTION = NEW_MESSAGE & filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND
GROUP_QUESTION = (
    NEW_MESSAGE & filters.ChatType.GROUPS & filters.TEXT & ~filters.COMMAND & ADDRESSED_TO_BOT
)
PRIVATE_NON_TEXT = NEW_MESSAGE & filters.ChatType.PRIVATE & filters.ATTACHMENT
# What flood control counts: only messages the bot would act on, never other group chatter.
SERVED_MESSAGE = NEW_MESSAGE & (
    filters.ChatType.PRIVATE | (filters.ChatType.GROUPS & (filters.COMMAND | ADDRESSED_TO_BOT))
)


def strip_mention(text: str, username: str) -> str:
    """The question without ``@username`` (and the punctuation people put after it)."""
    stripped = _mention_pattern(username).sub(" ", text)
    return stripped.strip(" \t\n,:;")


async def on_private_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Plain text in a private chat is a question."""
    message = update.effective_message
    assert message is not None and message.text is not None
    await answer_question(
        context, chat=message.chat, user=message.from_user, question=message.text, reply_to=message
    )


async def on_group_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A group message that mentions the bot or replies to it."""
    message = update.effective_message
    assert message is not None and message.text is not None
    question = strip_mention(message.text, context.bot.username)
    if not question:
        await message.reply_html(plain_html(MENTION_USAGE.format(bot=context.bot.username)))
        return
    await answer_question(
        context, chat=message.chat, user=message.from_user, question=question, reply_to=message
    )


async def on_non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice and other media in a private chat: ask for words."""
    assert update.effective_message is not None
    await update.effective_message.reply_html(plain_html(NON_TEXT))


async def flood_guard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs before every other handler: one notice to a flooding user, then silence."""
    user = update.effective_user
    if user is None:
        return
    verdict = services(context).flood.check(user.id)
    if verdict is Verdict.SERVE:
        return
    if update.callback_query is not None:
        notice = FLOOD_NOTICE if verdict is Verdict.NOTIFY else None
        await update.callback_query.answer(notice)
    elif verdict is Verdict.NOTIFY and update.effective_message is not None:
        await update.effective_message.reply_html(plain_html(FLOOD_NOTICE))
    raise ApplicationHandlerStop
