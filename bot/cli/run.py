"""``glossary-bot run``: the Telegram bot, by long polling or by webhook, until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import re
import signal
from typing import Any

from bot.cli.common import CommandError, load_glossary, load_settings
from bot.config import ConfigError, Settings
from bot.holder import GlossaryHolder
from bot.logging_setup import configure_logging
from bot.storage import QuestionStore

# Telegram's rule for secret_token: 1-256 characters of A-Z, a-z, 0-9, _ and -.
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def register(subparsers: Any) -> None:
    """Add the ``run`` sub-command."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "run",
        help="run the Telegram bot (settings from the environment or .env)",
        description="Run the Telegram bot: long polling, or a webhook when WEBHOOK_URL is set. "
        "Needs TELEGRAM_BOT_TOKEN; every setting is described in .env.example. "
        "Stop it with Ctrl-C (SIGINT) or SIGTERM.",
    )
    parser.set_defaults(handler=run)


def check_webhook(settings: Settings) -> None:
    """Webhook settings Telegram would refuse, as a ``ConfigError`` before anything starts."""
    if not settings.webhook_url:
        return
    if not settings.webhook_url.startswith("https://"):
        raise ConfigError(
            "WEBHOOK_URL must be an https:// address (Telegram only posts to HTTPS); "
            "put the bot behind an HTTPS reverse proxy, or leave WEBHOOK_URL empty for polling"
        )
    if not settings.webhook_secret or not _WEBHOOK_SECRET.match(settings.webhook_secret):
        raise ConfigError(
            "WEBHOOK_SECRET must be set when WEBHOOK_URL is, to 1-256 characters of "
            "A-Z, a-z, 0-9, _ and - (for example: openssl rand -hex 32)"
        )


async def serve_until_signal(
    settings: Settings, holder: GlossaryHolder, store: QuestionStore
) -> None:
    """Build the application and serve it until SIGINT or SIGTERM."""
    from bot.app import build_application, serve  # the Telegram stack: only for ``run``

    application = build_application(settings, holder, store)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await serve(application, settings, stop)


def run(args: argparse.Namespace) -> int:
    """Start the bot and block until it is stopped."""
    # Imported here, not at the top: every command builds the parser, which imports this
    # module, and python-telegram-bot with its HTTP client is a third of ``ask``'s start.
    from telegram.error import InvalidToken, NetworkError

    settings = load_settings()
    try:
        token = settings.require_token()
        check_webhook(settings)
    except ConfigError as exc:
        raise CommandError(str(exc)) from None
    configure_logging(settings.log_level, token=token, webhook_secret=settings.webhook_secret)
    glossary = load_glossary([settings.knowledge_dir])
    holder = GlossaryHolder(glossary, [settings.knowledge_dir])
    store = QuestionStore.from_settings(settings)
    try:
        asyncio.run(serve_until_signal(settings, holder, store))
    except InvalidToken:
        raise CommandError(
            "Telegram rejected TELEGRAM_BOT_TOKEN: copy it again from @BotFather "
            "(or /revoke there and use the new one)"
        ) from None
    except NetworkError as exc:
        detail = str(exc).replace(token, "<token>")
        raise CommandError(
            f"cannot reach the Bot API at {settings.telegram_api_base_url} ({detail}): "
            "check TELEGRAM_API_BASE_URL and the network, then start again"
        ) from None
    finally:
        store.close()
    return 0
