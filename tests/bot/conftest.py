"""Fixtures for the bot's tests: the fake Bot API, the bundled glossary, a running bot.

Every test that uses ``bot`` also proves two things on the way out: the bot made no call
the fake server rejected, and no log line (at DEBUG, PTB's own included) holds the token.
"""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.logging_setup import configure_logging
from retrieval import Glossary
from tests.bot.fake_bot_api import (
    TEST_TOKEN,
    FakeBotApi,
    fake_bot_api_fixture,  # noqa: F401  (registers fake_bot_api)
)
from tests.bot.harness import KNOWLEDGE, RunningBot, bot_settings, running_bot

TOKEN_SECRET_PART = TEST_TOKEN.split(":", 1)[1]


@pytest.fixture(scope="session")
def glossary() -> Glossary:
    """The bundled knowledge folder, indexed once for the whole session."""
    return Glossary.from_folder(KNOWLEDGE)


@pytest.fixture
def bot_log() -> Iterator[io.StringIO]:
    """Logging configured as ``glossary-bot run`` does, at DEBUG, into a buffer."""
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = configure_logging("DEBUG", token=TEST_TOKEN, stream=stream)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)
    assert TOKEN_SECRET_PART not in stream.getvalue()


@pytest.fixture
async def bot(
    fake_bot_api: FakeBotApi, tmp_path: Path, glossary: Glossary, bot_log: io.StringIO
) -> AsyncIterator[RunningBot]:
    """The bot, serving by long polling against the fake server until the test ends."""
    settings = bot_settings(fake_bot_api, tmp_path / "data" / "questions.sqlite3")
    async with running_bot(fake_bot_api, settings, glossary) as running:
        yield running
    if not running.expect_rejected_calls:
        rejected = [(c.method, c.description) for c in fake_bot_api.rejected_calls()]
        assert rejected == []
