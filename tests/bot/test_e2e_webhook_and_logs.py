"""Webhook mode behind a (pretend) HTTPS proxy, and secrets kept out of every log line."""

from __future__ import annotations

import io
import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.logging_setup import configure_logging
from retrieval import Glossary
from tests.bot.fake_bot_api import DEFAULT_USER_ID, TEST_TOKEN, FakeBotApi, post_webhook
from tests.bot.harness import RunningBot, bot_settings, running_bot

SECRET = "s3cret-Webhook_value-0123456789"
TOKEN_SECRET_PART = TEST_TOKEN.split(":", 1)[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def webhook_log() -> Iterator[io.StringIO]:
    """Logging as ``glossary-bot run`` sets it up in webhook mode, at DEBUG, into a buffer."""
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = configure_logging("DEBUG", token=TEST_TOKEN, webhook_secret=SECRET, stream=stream)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


async def test_webhook_mode_accepts_only_requests_with_the_secret(
    fake_bot_api: FakeBotApi, tmp_path: Path, glossary: Glossary, webhook_log: io.StringIO
) -> None:
    port = free_port()
    settings = bot_settings(
        fake_bot_api,
        tmp_path / "q.sqlite3",
        webhook_url="https://bot.example.com/telegram/hook",
        webhook_secret=SECRET,
        webhook_listen="127.0.0.1",
        webhook_port=port,
    )
    async with running_bot(fake_bot_api, settings, glossary) as bot:
        webhook = fake_bot_api.webhook
        assert webhook is not None
        assert (webhook.url, webhook.secret_token) == (settings.webhook_url, SECRET)
        assert webhook.allowed_updates == ["message", "callback_query", "inline_query"]
        local = f"http://127.0.0.1:{port}/telegram/hook"
        update = fake_bot_api.message_update("what is an API")
        assert await post_webhook(local, update) == 403
        assert await post_webhook(local, update, secret_token="wrong") == 403
        assert await post_webhook(local, update, secret_token=SECRET) == 200
        reply = await bot.reply(DEFAULT_USER_ID)
        assert reply["text"].startswith(("API\n", "API › "))
        assert len(fake_bot_api.calls("sendMessage")) == 1  # rejected posts did nothing
        assert fake_bot_api.calls("getUpdates") == []
    log = webhook_log.getvalue()
    assert "Serving @GlossaryTestBot by webhook" in log
    assert "setWebhook" in log
    assert SECRET not in log
    assert TOKEN_SECRET_PART not in log
    assert fake_bot_api.rejected_calls() == []


async def test_no_log_line_at_debug_contains_the_token(
    bot: RunningBot, bot_log: io.StringIO
) -> None:
    # the HTTP client logs request URLs (with the token); force it on to prove the filter
    logging.getLogger("bot.telegram_http").setLevel(logging.DEBUG)
    try:
        await bot.ask("what is an API")
        bot.server.fail_next("sendMessage", status=500)
        await bot.ask("what is an API")  # an error with a traceback
        await bot.ask("what is an API")
    finally:
        logging.getLogger("bot.telegram_http").setLevel(logging.WARNING)
    log = bot_log.getvalue()
    assert "Calling Bot API endpoint `sendMessage`" in log  # PTB's own DEBUG lines are there
    assert "HTTP Request: POST" in log  # ... and the HTTP client's
    assert f"{bot.server.base_url}/bot<token>/sendMessage" in log  # redacted, not dropped
    assert "Traceback (most recent call last)" in log
    assert TEST_TOKEN not in log
    assert TOKEN_SECRET_PART not in log
    # users' questions are not logged at INFO
    info_lines = [line for line in log.splitlines() if " INFO " in line]
    assert info_lines
    assert not any("what is an API" in line for line in info_lines)
