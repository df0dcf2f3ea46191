"""Flood control: a per-user sliding window that says whether to serve, warn once, or ignore.

Pure and clock-injected so it can be tested without sleeping. A user who sends more than
``limit`` messages within ``window`` seconds gets one notice; further messages are ignored
until the window has room again, and then the user is served as before. Ignored messages do
not count, so a user who stops is back within one window.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import Enum

DEFAULT_LIMIT = 8
DEFAULT_WINDOW = 10.0
_SWEEP_EVERY = 1024  # forget idle users now and then so memory stays bounded


class Verdict(Enum):
    """What to do with one incoming message."""

    SERVE = "serve"
    NOTIFY = "notify"  # over the limit for the first time in this burst: send the notice
    IGNORE = "ignore"  # over the limit and already told


class FloodGate:
    """Counts each user's recent messages and decides whether to serve the next one."""

    def __init__(
        self,
        *,
        limit: int = DEFAULT_LIMIT,
        window: float = DEFAULT_WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit must be at least 1 and window positive")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._served: dict[int, deque[float]] = {}
        self._warned: set[int] = set()
        self._calls = 0

    def check(self, user_id: int) -> Verdict:
        """Record a message from ``user_id`` and return what to do with it."""
        now = self._clock()
        self._calls += 1
        if self._calls % _SWEEP_EVERY == 0:
            self._sweep(now)
        served = self._served.setdefault(user_id, deque())
        while served and served[0] <= now - self.window:
            served.popleft()
        if len(served) < self.limit:
            served.append(now)
            self._warned.discard(user_id)
            return Verdict.SERVE
        if user_id in self._warned:
            return Verdict.IGNORE
        self._warned.add(user_id)
        return Verdict.NOTIFY

    def _sweep(self, now: float) -> None:
        idle = [
            u for u, times in self._served.items() if not times or times[-1] <= now - self.window
        ]
        for user_id in idle:
            del self._served[user_id]
            self._warned.discard(user_id)
