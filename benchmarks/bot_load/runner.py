"""One load-test run: start the fake Bot API and the bot, let the users ask, collect figures.

Throughput is end to end: questions answered divided by the wall-clock time from the
first question pushed to the last reply recorded by the fake server. Latency is what a
user sees, from pushing a question to the server answering the bot's sendMessage.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.bot_load.serving import (
    KNOWLEDGE,
    BotOptions,
    BotReport,
    ChildProcessBot,
    InProcessBot,
    RunningBot,
)
from benchmarks.bot_load.users import (
    FIRST_USER_ID,
    LoadError,
    ReplyRouter,
    UserLog,
    ask_in_turn,
    load_questions,
    questions_for,
)
from bot.render import APOLOGY, FLOOD_NOTICE
from retrieval import Glossary
from tests.bot.fake_bot_api import TEST_TOKEN, FakeBotApi

#: Replies that mean a question was not served: flood control, or a handler error.
NOT_SERVED = frozenset({FLOOD_NOTICE, APOLOGY})


@dataclass(frozen=True, slots=True)
class LoadConfig:
    """The shape of a run."""

    users: int = 200
    questions: int = 10  # per user
    separate_process: bool = False  # the bot in its own process, the fake server in this one
    unthrottled: bool = False  # rate limiter's flood limits off (see serving.py)
    concurrent_updates: int | None = None  # None: the app's CONCURRENT_UPDATES
    reply_timeout: float = 120.0  # the app's limiter alone makes 1,000 users wait ~33 s


@dataclass(frozen=True, slots=True)
class LoadResult:
    """Everything a run measured; figures in seconds unless named otherwise."""

    config: LoadConfig
    users: tuple[UserLog, ...]
    seconds: float  # first question pushed to last reply
    driver_cpu_seconds: float  # this process's CPU time meanwhile (fake server and users)
    machine_busy_seconds: float  # CPU time all processes on the machine used meanwhile
    bot: BotReport
    rejected: tuple[str, ...]  # "method: description" of every call the fake server refused
    calls: dict[str, int]
    extra_replies: int  # messages beyond one per question

    @property
    def updates(self) -> int:
        """Questions asked (each is one update)."""
        return sum(len(u.questions) for u in self.users)

    @property
    def updates_per_second(self) -> float:
        """End-to-end throughput."""
        return self.updates / self.seconds

    @property
    def other_load(self) -> float:
        """Cores kept busy by other processes during the run (the figures suffer from it)."""
        ours = self.driver_cpu_seconds + (
            self.bot.cpu_seconds if self.config.separate_process else 0
        )
        return max(0.0, self.machine_busy_seconds - ours) / self.seconds

    @property
    def not_served(self) -> int:
        """Replies that were a flood notice or an apology instead of an answer."""
        return sum(r.text in NOT_SERVED for u in self.users for r in u.replies)

    def latency(self, percent: float) -> float:
        """Reply latency percentile, as the users saw it."""
        return percentile([t for u in self.users for t in u.latencies], percent)

    def search_render(self, percent: float) -> float:
        """Search + rendering time per update (wall clock), percentile."""
        return percentile([t.search + t.render for t in self.bot.timings], percent)

    def search(self, percent: float) -> float:
        """Search time per update alone (wall clock), percentile."""
        return percentile([t.search for t in self.bot.timings], percent)

    def search_render_cpu(self, percent: float) -> float:
        """Search + rendering CPU time per update (no GIL or core waits), percentile."""
        return percentile([t.cpu for t in self.bot.timings], percent)


def machine_busy() -> float:
    """Seconds of CPU time every process has used since boot (all cores); 0 if unknown."""
    try:
        fields = Path("/proc/stat").read_text("ascii").split("\n", 1)[0].split()[1:]
    except OSError:
        return 0.0
    idle = int(fields[3]) + int(fields[4])  # idle, iowait
    return (sum(int(f) for f in fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def percentile(values: Sequence[float], percent: float) -> float:
    """The ``percent`` percentile (linear interpolation); NaN for no values."""
    return float(np.percentile(values, percent)) if values else float("nan")


async def _start(server: FakeBotApi, config: LoadConfig, folder: Path) -> RunningBot:
    options = BotOptions(
        database=folder / "questions.sqlite3",
        unthrottled=config.unthrottled,
        flood_limit=config.questions + 1,  # never reached by a user asking `questions`
        concurrent_updates=config.concurrent_updates,
        log_file=folder / "bot.log",
    )
    if config.separate_process:
        return await ChildProcessBot.start(server, options)
    return await InProcessBot.start(server, options, Glossary.from_folder(KNOWLEDGE))


async def _ask_all(
    server: FakeBotApi, router: ReplyRouter, config: LoadConfig, questions: Sequence[str]
) -> tuple[tuple[UserLog, ...], float, float, float]:
    """Every user asks its questions; returns logs, wall-clock, own and machine CPU seconds."""
    busy = machine_busy()
    cpu = time.process_time()
    started = time.perf_counter()
    logs = await asyncio.gather(
        *(
            ask_in_turn(
                server,
                router,
                FIRST_USER_ID + n,
                questions_for(n, config.questions, questions),
                reply_timeout=config.reply_timeout,
            )
            for n in range(config.users)
        )
    )
    cpu = time.process_time() - cpu
    busy = machine_busy() - busy
    finished = max(log.replies[-1].at for log in logs if log.replies)
    return tuple(logs), finished - started, cpu, busy


async def run_load(config: LoadConfig, questions: Sequence[str] | None = None) -> LoadResult:
    """Run the load test once; raises ``LoadError`` when a user gets no reply in time."""
    if config.users < 1 or config.questions < 1:
        raise LoadError("users and questions per user must be at least 1")
    asked = tuple(questions) if questions is not None else load_questions()
    with tempfile.TemporaryDirectory(prefix="bot-load-") as folder:
        async with FakeBotApi(token=TEST_TOKEN) as server:
            bot = await _start(server, config, Path(folder))
            router = ReplyRouter(server)
            routing = asyncio.create_task(router.run())
            try:
                logs, seconds, cpu, busy = await _ask_all(server, router, config, asked)
            finally:
                report = await bot.stop()
                routing.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await routing
            router.take_recorded()
    return LoadResult(
        config=config,
        users=logs,
        seconds=seconds,
        driver_cpu_seconds=cpu,
        machine_busy_seconds=busy,
        bot=report,
        rejected=tuple(f"{c.method}: {c.description}" for c in router.rejected),
        calls=dict(router.calls),
        extra_replies=sum(q.qsize() for q in router.inboxes.values()),
    )
