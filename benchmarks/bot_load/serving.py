"""The bot under load, started as ``glossary-bot run`` starts it, in this process or its own.

``serve_bot`` builds the application with ``bot.app.build_application`` and serves it with
``bot.app.serve`` (long polling), the two calls ``glossary-bot run`` makes, on the bundled
knowledge folder and a fresh SQLite file. The load test changes three things, each for the
run only and each reported with the results:

* ``unthrottled``: the same ``AIORateLimiter`` with its flood limits off (``max_retries``
  kept). In production it holds the bot to Telegram's ~30 messages/s; Telegram is not in
  the loop here, so with the limits on a run measures the limiter, not the bot.
* ``flood_limit``: the per-user flood gate allows this many messages per window. A simulated
  user asks as fast as the bot answers, faster than the gate lets a person ask.
* ``concurrent_updates``: python-telegram-bot's ``concurrent_updates`` (None: the app's).

The long-poll timeout is 1 s instead of 30 s so that a run ends promptly; while updates
are waiting, getUpdates returns at once either way. The knowledge watcher is off: a reload
mid-run would swap in a glossary the timers do not wrap (idle, inotify costs nothing).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from unittest import mock

from telegram.ext import AIORateLimiter

import bot.app as app_module
from benchmarks.bot_load.timing import HandlerTimer, UpdateTiming
from benchmarks.bot_load.users import ROOT, LoadError
from bot.app import build_application, serve
from bot.config import Settings
from bot.flood import FloodGate
from bot.holder import GlossaryHolder
from bot.logging_setup import configure_logging
from bot.storage import QuestionStore
from retrieval import Glossary
from tests.bot.fake_bot_api import TEST_TOKEN, FakeBotApi

KNOWLEDGE = ROOT / "knowledge"
POLL_SECONDS = 1
START_SECONDS = 60.0  # a child process imports nltk and scipy and indexes knowledge/ first


@dataclass(frozen=True, slots=True)
class BotOptions:
    """How the bot under load is set up (picklable: it is sent to a child process)."""

    database: Path
    unthrottled: bool
    flood_limit: int
    concurrent_updates: int | None = None
    log_file: Path | None = None  # INFO log as ``glossary-bot run`` writes it; None: none


@dataclass(frozen=True, slots=True)
class BotReport:
    """What the bot measured about itself: search and rendering per update, CPU."""

    timings: tuple[UpdateTiming, ...]
    cpu_seconds: float  # process CPU time while serving (the fake server's too, in-process)


def _unthrottled_limiter(applied: list[bool]) -> Any:
    """A stand-in for ``AIORateLimiter`` that builds it with its flood limits off."""

    def build(**kwargs: Any) -> AIORateLimiter:
        applied.append(True)
        return AIORateLimiter(**{**kwargs, "overall_max_rate": 0, "group_max_rate": 0})

    return build


@contextmanager
def _overrides(options: BotOptions) -> Iterator[None]:
    """The load test's settings, in force while ``build_application`` runs."""
    applied: list[bool] = []
    with ExitStack() as patches:
        if options.unthrottled:
            limiter = _unthrottled_limiter(applied)
            patches.enter_context(mock.patch.object(app_module, "AIORateLimiter", limiter))
        if options.concurrent_updates is not None:
            patches.enter_context(
                mock.patch.object(app_module, "CONCURRENT_UPDATES", options.concurrent_updates)
            )
        yield
    if options.unthrottled and not applied:
        raise LoadError("bot.app no longer builds AIORateLimiter by name: update serving.py")


async def serve_bot(
    base_url: str, options: BotOptions, glossary: Glossary, stop: asyncio.Event
) -> BotReport:
    """Serve the bot against the Bot API at ``base_url`` until ``stop`` is set."""
    settings = Settings(
        knowledge_dir=KNOWLEDGE,
        telegram_bot_token=TEST_TOKEN,
        telegram_api_base_url=base_url,
        database_path=options.database,
        watch_knowledge=False,
        index_cache_dir=None,
    )
    holder = GlossaryHolder(glossary, [KNOWLEDGE])
    store = QuestionStore.from_settings(settings)
    timer = HandlerTimer()
    with ExitStack() as scope:
        if options.log_file is not None:
            root = logging.getLogger()
            scope.callback(root.setLevel, root.level)
            stream = scope.enter_context(options.log_file.open("a", encoding="utf-8"))
            handler = configure_logging("INFO", token=TEST_TOKEN, stream=stream)
            scope.callback(root.removeHandler, handler)
        scope.callback(store.close)
        with _overrides(options):
            flood = FloodGate(limit=options.flood_limit)
            application = build_application(settings, holder, store, flood=flood)
        scope.enter_context(timer.installed(glossary))
        cpu = time.process_time()
        await serve(application, settings, stop, poll_timeout=POLL_SECONDS)
        cpu = time.process_time() - cpu
    return BotReport(tuple(timer.timings), cpu)


class RunningBot:
    """A bot being served for the load test; ``stop`` ends it and returns its report."""

    async def stop(self) -> BotReport:  # pragma: no cover - overridden
        raise NotImplementedError


class InProcessBot(RunningBot):
    """The bot on the load test's own event loop, next to the fake server."""

    def __init__(self, task: asyncio.Task[BotReport], stop_event: asyncio.Event) -> None:
        self._task = task
        self._stop_event = stop_event

    @classmethod
    async def start(
        cls, server: FakeBotApi, options: BotOptions, glossary: Glossary
    ) -> InProcessBot:
        """Start serving and return once the bot is polling."""
        stop_event = asyncio.Event()
        task = asyncio.create_task(serve_bot(server.base_url, options, glossary, stop_event))
        poller = asyncio.create_task(server.wait_for_poller(timeout=START_SECONDS))
        await asyncio.wait({task, poller}, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            poller.cancel()
            task.result()  # re-raises what stopped the bot
            raise LoadError("the bot stopped serving before it polled the fake Bot API")
        await poller
        return cls(task, stop_event)

    async def stop(self) -> BotReport:
        """Stop as SIGTERM would and return the bot's measurements."""
        self._stop_event.set()
        return await self._task


def _child_main(base_url: str, options: BotOptions, conn: Connection) -> None:
    """The bot process: serve until the parent writes to ``conn``, then send the report."""

    async def main() -> BotReport:
        glossary = Glossary.from_folder(KNOWLEDGE)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()

        def on_message() -> None:  # "stop", or end of file if the parent has gone
            loop.remove_reader(conn.fileno())
            with contextlib.suppress(EOFError):
                conn.recv()
            stop.set()

        loop.add_reader(conn.fileno(), on_message)
        return await serve_bot(base_url, options, glossary, stop)

    conn.send(asyncio.run(main()))
    conn.close()


class ChildProcessBot(RunningBot):
    """The bot in a process of its own (spawned), as ``glossary-bot run`` would be."""

    def __init__(self, process: multiprocessing.process.BaseProcess, conn: Connection) -> None:
        self._process = process
        self._conn = conn

    @classmethod
    async def start(cls, server: FakeBotApi, options: BotOptions) -> ChildProcessBot:
        """Spawn the bot process and return once it is polling."""
        context = multiprocessing.get_context("spawn")
        conn, child_conn = context.Pipe()
        process = context.Process(
            target=_child_main, args=(server.base_url, options, child_conn), daemon=True
        )
        process.start()
        child_conn.close()
        bot = cls(process, conn)
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                await server.wait_for_poller(timeout=0.5)
                return bot
            except AssertionError:
                if not process.is_alive() or time.monotonic() > deadline:
                    await bot.stop()  # raises LoadError with the exit code
                    raise LoadError("the bot process did not start polling") from None

    async def stop(self) -> BotReport:
        """Tell the bot process to stop, and return its measurements."""
        try:
            self._conn.send("stop")
            report: BotReport = await asyncio.to_thread(self._conn.recv)
        except (EOFError, BrokenPipeError, ConnectionResetError):
            await asyncio.to_thread(self._process.join, 10.0)
            raise LoadError(
                f"the bot process ended without a report (exit code {self._process.exitcode}); "
                "its traceback is printed above"
            ) from None
        finally:
            self._conn.close()
        await asyncio.to_thread(self._process.join, 10.0)
        return report
