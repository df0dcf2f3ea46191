"""Running the real bot against the fake Bot API, the way ``glossary-bot run`` does.

``running_bot`` builds the application with ``build_application`` and serves it with
``serve`` (the two functions the CLI calls), on the bundled knowledge folder and a fresh
SQLite file. ``RunningBot`` adds the few conveniences the tests need on top of the fake
server: say something as a user, wait for the bot's reply, press a button.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.app import BotApplication, Timeouts, build_application, serve
from bot.config import Settings
from bot.flood import FloodGate
from bot.holder import GlossaryHolder
from bot.storage import QuestionStore
from retrieval import Glossary
from tests.bot.fake_bot_api import DEFAULT_USER_ID, TEST_TOKEN, FakeBotApi

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"
ADMIN_ID = 424242
# Short enough that timeouts and shutdown are quick, long enough never to fire by accident.
TEST_TIMEOUTS = Timeouts(connect=2.0, read=2.0, write=2.0, pool=2.0, poll=1)

JSONDict = dict[str, Any]


def bot_settings(server: FakeBotApi, database: Path, **overrides: Any) -> Settings:
    """Settings for a bot talking to ``server``, as a new user would set them up."""
    values: dict[str, Any] = {
        "knowledge_dir": KNOWLEDGE,
        "telegram_bot_token": TEST_TOKEN,
        "telegram_api_base_url": server.base_url,
        "admin_user_ids": frozenset({ADMIN_ID}),
        "database_path": database,
        "log_level": "DEBUG",
        "watch_knowledge": False,
        "index_cache_dir": None,
    }
    values.update(overrides)
    return Settings(**values)


def keyboard(message: JSONDict) -> list[list[JSONDict]]:
    """The inline keyboard rows under a message (empty when it has none)."""
    rows: list[list[JSONDict]] = message.get("reply_markup", {}).get("inline_keyboard", [])
    return rows


def button(message: JSONDict, text: str) -> JSONDict:
    """The button labelled ``text`` (exactly) under ``message``."""
    for row in keyboard(message):
        for candidate in row:
            if candidate["text"] == text:
                return candidate
    labels = [b["text"] for row in keyboard(message) for b in row]
    raise AssertionError(f"no button {text!r} under the message; buttons: {labels}")


@dataclass
class RunningBot:
    """A bot being served, and the fake server it talks to."""

    server: FakeBotApi
    settings: Settings
    application: BotApplication
    store: QuestionStore
    expect_rejected_calls: bool = field(default=False)

    def say(self, text: str, **kwargs: Any) -> JSONDict:
        """A user sends ``text``; returns the message as the bot will receive it."""
        update = self.server.message_update(text, **kwargs)
        self.server.push_update(update)
        message: JSONDict = update["message"]
        return message

    async def reply(self, chat_id: int = DEFAULT_USER_ID, timeout: float = 5.0) -> JSONDict:
        """The next message the bot sends to ``chat_id``."""
        return await self.server.wait_for_reply(chat_id, timeout=timeout)

    async def ask(self, text: str, **kwargs: Any) -> JSONDict:
        """Say ``text`` in a private chat and return the bot's reply."""
        message = self.say(text, **kwargs)
        return await self.reply(int(message["chat"]["id"]))

    def press(self, message: JSONDict, data: str, **kwargs: Any) -> str:
        """Press a callback button under ``message``; returns the callback query id."""
        update = self.server.callback_query_update(data, message=message, **kwargs)
        self.server.push_update(update)
        query_id: str = update["callback_query"]["id"]
        return query_id

    async def callback_answer(self, query_id: str) -> JSONDict:
        """The parameters of the bot's answerCallbackQuery for ``query_id``."""
        call = await self.server.wait_for_call(
            "answerCallbackQuery", lambda c: str(c.params.get("callback_query_id")) == query_id
        )
        assert call.ok, call.description
        return call.params


async def _until_serving(server: FakeBotApi, task: asyncio.Task[None], webhook: bool) -> None:
    """Wait until the bot polls (or has set its webhook); fail fast if serving failed."""

    async def ready() -> None:
        if not webhook:
            await server.wait_for_poller(timeout=10.0)
            return
        while server.webhook is None:
            await asyncio.sleep(0.01)

    waiter = asyncio.create_task(ready())
    done, _ = await asyncio.wait({waiter, task}, timeout=10.0, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        waiter.cancel()
        task.result()  # re-raises what stopped the bot
        raise AssertionError("serve() returned before the bot was serving")
    if waiter not in done:
        waiter.cancel()
        raise AssertionError("the bot did not start serving within 10 s")
    waiter.result()


@asynccontextmanager
async def running_bot(
    server: FakeBotApi,
    settings: Settings,
    glossary: Glossary,
    *,
    flood: FloodGate | None = None,
) -> AsyncIterator[RunningBot]:
    """Serve the bot until the block ends, then stop it as SIGTERM would."""
    holder = GlossaryHolder(glossary, [settings.knowledge_dir])
    store = QuestionStore.from_settings(settings)
    application = build_application(settings, holder, store, timeouts=TEST_TIMEOUTS, flood=flood)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(application, settings, stop, poll_timeout=TEST_TIMEOUTS.poll))
    try:
        await _until_serving(server, task, webhook=bool(settings.webhook_url))
        yield RunningBot(server, settings, application, store)
    finally:
        stop.set()
        await task
        store.close()
