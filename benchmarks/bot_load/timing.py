"""Search and rendering time per update, measured inside the running bot.

The load test must not change what the bot does, so nothing in ``bot/`` knows about it:
for the length of a run, the functions ``bot.handlers_answer.answer_question`` calls are
replaced by timed wrappers that call the originals. Search is the glossary's ``answer``
(``holder.current.answer``); rendering is every ``bot.render``/``bot.keyboards`` function
``answer_question`` calls by name (``RENDER_FUNCTIONS``). Storing the question (SQLite, in a
worker thread) and sending the reply are not part of either: they are I/O, and they show in
the reply latency the users see instead.

Updates run concurrently, each in its own asyncio task (python-telegram-bot's
``concurrent_updates``), and ``answer_question`` awaits between searching and rendering, so
the two halves of one update are tied together through a context variable: a task sees only
its own value. ``answer`` runs first on every question, so it opens the update's record.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import ParamSpec, TypeVar
from unittest import mock

from bot import handlers_answer
from retrieval import Glossary

P = ParamSpec("P")
R = TypeVar("R")

#: What answer_question calls to turn an Answer into the reply's HTML and buttons.
RENDER_FUNCTIONS = (
    "entry_link",
    "passage_html",
    "not_confident_html",
    "truncation_notice",
    "answer_keyboard",
    "suggestions_keyboard",
)


@dataclass(slots=True)
class UpdateTiming:
    """Seconds one update spent searching and rendering (wall clock), and its CPU time.

    The wall clock is what the target is about; it also counts time the thread waited
    for the GIL (held by the worker thread that stores questions) or for a core (taken by
    other processes). ``cpu`` is the thread's own CPU time in both, without those waits.
    """

    search: float = 0.0
    render: float = 0.0
    cpu: float = 0.0


_CURRENT: ContextVar[UpdateTiming | None] = ContextVar("bot_load_update", default=None)


def _timed(function: Callable[P, R], record: Callable[[float, float], None]) -> Callable[P, R]:
    """``function``, unchanged in what it does, reporting wall and CPU seconds to ``record``."""

    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            return function(*args, **kwargs)
        finally:
            record(time.perf_counter() - started, time.thread_time() - cpu)

    return wrapper


class HandlerTimer:
    """Collects one ``UpdateTiming`` per question the bot answered while installed."""

    def __init__(self) -> None:
        self.timings: list[UpdateTiming] = []

    def _searched(self, seconds: float, cpu: float) -> None:
        timing = UpdateTiming(search=seconds, cpu=cpu)
        _CURRENT.set(timing)
        self.timings.append(timing)

    def _rendered(self, seconds: float, cpu: float) -> None:
        timing = _CURRENT.get()
        if timing is None:  # rendering without a search first: not the question path
            timing = UpdateTiming()
            _CURRENT.set(timing)
            self.timings.append(timing)
        timing.render += seconds
        timing.cpu += cpu

    @contextmanager
    def installed(self, glossary: Glossary) -> Iterator[None]:
        """Time ``glossary.answer`` and the render functions until the block ends."""
        with ExitStack() as patches:
            patches.enter_context(
                mock.patch.object(glossary, "answer", _timed(glossary.answer, self._searched))
            )
            for name in RENDER_FUNCTIONS:
                original = getattr(handlers_answer, name)
                timed = _timed(original, self._rendered)
                patches.enter_context(mock.patch.object(handlers_answer, name, timed))
            yield
