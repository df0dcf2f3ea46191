"""Wiring: the python-telegram-bot ``Application`` with every handler, and how it is served.

``build_application`` registers all handlers in one list; ``serve`` runs long polling or the
webhook until a stop event is set. ``glossary-bot run`` and the end-to-end tests both go
through these two functions, so the tests exercise exactly what production runs. (PTB's
``post_init`` hook only runs under ``run_polling``/``run_webhook``, so ``serve`` does the
start-up work itself: purge old questions, fill the command menu.)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    LinkPreviewOptions,
)
from telegram.constants import ParseMode, UpdateType
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    ExtBot,
    InlineQueryHandler,
    JobQueue,
    MessageHandler,
    filters,
)

from bot.config import Settings
from bot.flood import FloodGate
from bot.handlers_callbacks import on_button
from bot.handlers_commands import (
    on_ask,
    on_browse,
    on_entry,
    on_help,
    on_reload,
    on_start,
    on_stats,
    on_unknown_command,
)
from bot.handlers_errors import on_error
from bot.handlers_inline import on_inline_query
from bot.handlers_messages import (
    GROUP_QUESTION,
    NEW_MESSAGE,
    PRIVATE_NON_TEXT,
    PRIVATE_QUESTION,
    SERVED_MESSAGE,
    flood_guard,
    on_group_question,
    on_non_text,
    on_private_question,
)
from bot.holder import GlossaryHolder
from bot.services import SERVICES_KEY, Services
from bot.storage import QuestionStore
from bot.telegram_http import AiohttpRequest
from bot.watcher import watch_for_bot

logger = logging.getLogger(__name__)

RATE_LIMIT_RETRIES = 3  # a 429 is waited out (retry_after) this many times before giving up
CONCURRENT_UPDATES = 32  # a slow reply in one chat must not hold up the others
# Connections to the Bot API for replies (python-telegram-bot's default, so that concurrent
# updates never queue for one), and the one long poll.
CONNECTION_POOL_SIZE = 256
GET_UPDATES_POOL_SIZE = 1
# Edited messages are not requested: an edit never gets a second answer.
ALLOWED_UPDATES = [UpdateType.MESSAGE, UpdateType.CALLBACK_QUERY, UpdateType.INLINE_QUERY]

PUBLIC_COMMANDS = (
    BotCommand("ask", "Ask a question"),
    BotCommand("entry", "Show a whole entry, e.g. /entry API"),
    BotCommand("browse", "All entries A to Z"),
    BotCommand("help", "What I can do"),
    BotCommand("start", "Welcome and example questions"),
)
ADMIN_COMMANDS = (
    BotCommand("reload", "Reread the knowledge folder"),
    BotCommand("stats", "Entries, passages and questions since start"),
)


@dataclass(frozen=True, slots=True)
class Timeouts:
    """HTTP timeouts towards the Bot API, in seconds; ``poll`` is the long-poll duration."""

    connect: float = 5.0
    read: float = 10.0
    write: float = 10.0
    pool: float = 5.0
    poll: int = 30


DEFAULT_TIMEOUTS = Timeouts()


def bot_api_request(timeouts: Timeouts, *, connection_pool_size: int) -> AiohttpRequest:
    """The HTTP client for Bot API calls (aiohttp: a fraction of httpx's CPU per call)."""
    return AiohttpRequest(
        connection_pool_size=connection_pool_size,
        connect_timeout=timeouts.connect,
        read_timeout=timeouts.read,  # for getUpdates, PTB adds the long-poll time to this
        write_timeout=timeouts.write,
        pool_timeout=timeouts.pool,
    )


BotApplication = Application[
    ExtBot[int],  # int: the rate limiter's per-call argument (retries)
    ContextTypes.DEFAULT_TYPE,
    dict[Any, Any],
    dict[Any, Any],
    dict[Any, Any],
    JobQueue[ContextTypes.DEFAULT_TYPE],
]


def handlers() -> dict[int, Sequence[BaseHandler[Any, ContextTypes.DEFAULT_TYPE, Any]]]:
    """Every handler, by group; group -1 (flood control) runs before the rest."""
    command = filters.UpdateType.MESSAGE
    return {
        -1: [
            MessageHandler(SERVED_MESSAGE, flood_guard),
            CallbackQueryHandler(flood_guard),
        ],
        0: [
            CommandHandler("start", on_start, filters=command),
            CommandHandler("help", on_help, filters=command),
            CommandHandler("ask", on_ask, filters=command),
            CommandHandler("entry", on_entry, filters=command),
            CommandHandler("browse", on_browse, filters=command),
            CommandHandler("reload", on_reload, filters=command),
            CommandHandler("stats", on_stats, filters=command),
            MessageHandler(
                NEW_MESSAGE & filters.ChatType.PRIVATE & filters.COMMAND, on_unknown_command
            ),
            MessageHandler(PRIVATE_QUESTION, on_private_question),
            MessageHandler(GROUP_QUESTION, on_group_question),
            MessageHandler(PRIVATE_NON_TEXT, on_non_text),
            CallbackQueryHandler(on_button),
            InlineQueryHandler(on_inline_query),
        ],
    }


def build_application(
    settings: Settings,
    holder: GlossaryHolder,
    store: QuestionStore,
    *,
    timeouts: Timeouts = DEFAULT_TIMEOUTS,
    flood: FloodGate | None = None,
) -> BotApplication:
    """The bot, wired: Bot API address and client, rate limiter, handlers, error handler."""
    base = settings.telegram_api_base_url
    application = (
        Application.builder()
        .token(settings.require_token())
        .base_url(f"{base}/bot")  # PTB appends the token: {base}/bot<token>/<method>
        .base_file_url(f"{base}/file/bot")
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .rate_limiter(AIORateLimiter(max_retries=RATE_LIMIT_RETRIES))
        .request(bot_api_request(timeouts, connection_pool_size=CONNECTION_POOL_SIZE))
        .get_updates_request(bot_api_request(timeouts, connection_pool_size=GET_UPDATES_POOL_SIZE))
        .concurrent_updates(CONCURRENT_UPDATES)
        .build()
    )
    application.bot_data[SERVICES_KEY] = Services(
        settings, holder, store, flood if flood is not None else FloodGate()
    )
    application.add_handlers(handlers())
    application.add_error_handler(on_error)
    return application


async def register_commands(application: BotApplication, admin_ids: Sequence[int]) -> None:
    """Fill the command menu: public commands for everyone, admin ones in admins' chats.

    The menu is a convenience: a failure is logged and the bot serves anyway.
    """
    bot = application.bot
    scopes: list[tuple[BotCommandScope, tuple[BotCommand, ...]]] = [
        (BotCommandScopeDefault(), PUBLIC_COMMANDS)
    ]
    scopes += [(BotCommandScopeChat(i), PUBLIC_COMMANDS + ADMIN_COMMANDS) for i in admin_ids]
    for scope, commands in scopes:
        try:
            await bot.set_my_commands(commands, scope=scope)
        except TelegramError as exc:  # e.g. an admin who has not started the bot yet
            logger.warning("Could not set the command menu (%s): %s", scope.type, exc)


def webhook_path(url: str) -> str:
    """The path the local webhook server listens on: the path of WEBHOOK_URL."""
    return urlsplit(url).path.strip("/")


@asynccontextmanager
async def http_closed_at_exit(application: BotApplication) -> AsyncIterator[None]:
    """Close the bot's HTTP sessions at the end, also when start-up failed.

    python-telegram-bot skips shutting the bot down when ``initialize`` failed (a token
    Telegram rejects, no network), which would leave aiohttp's sessions open; closing
    twice is harmless.
    """
    try:
        yield
    finally:
        await application.bot.shutdown()


async def serve(
    application: BotApplication,
    settings: Settings,
    stop: asyncio.Event,
    *,
    poll_timeout: int = DEFAULT_TIMEOUTS.poll,
) -> None:
    """Run the bot until ``stop`` is set: long polling, or a webhook when WEBHOOK_URL is set."""
    async with http_closed_at_exit(application), application:  # initialize (getMe) ... shutdown
        services: Services = application.bot_data[SERVICES_KEY]
        await asyncio.to_thread(services.store.purge)
        await register_commands(application, sorted(settings.admin_user_ids))
        await application.start()
        updater = application.updater
        assert updater is not None
        if settings.webhook_url:
            await updater.start_webhook(
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                url_path=webhook_path(settings.webhook_url),
                webhook_url=settings.webhook_url,
                secret_token=settings.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
            )
            logger.info("Serving @%s by webhook", application.bot.username)
        else:
            await updater.start_polling(
                timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES, bootstrap_retries=3
            )
            logger.info("Serving @%s by long polling", application.bot.username)
        watcher = watch_for_bot(application.bot, services) if settings.watch_knowledge else None
        try:
            await stop.wait()
        finally:
            logger.info("Stopping")
            if watcher is not None:
                await watcher.stop()
            if updater.running:
                await updater.stop()
            if application.running:
                await application.stop()
