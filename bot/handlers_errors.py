"""The error handler: log the traceback, apologise to the user, keep serving."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.render import APOLOGY, plain_html

logger = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log any error raised while handling an update and tell the user, if there is one."""
    logger.error("Error while handling an update", exc_info=context.error)
    if not isinstance(update, Update):
        return  # polling or job errors: nobody to apologise to
    chat = update.effective_chat
    try:
        if update.callback_query is not None:
            try:
                await update.callback_query.answer(APOLOGY)
                return
            except BadRequest:  # already answered before the error: say it in the chat
                pass
        if chat is not None:
            await context.bot.send_message(chat.id, plain_html(APOLOGY))
    except TelegramError as exc:  # the apology can fail for the same reason; don't loop
        logger.warning("Could not apologise to the user: %s", exc)
