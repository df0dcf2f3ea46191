"""Flood control with a hand-driven clock: serve, warn once, stay quiet, serve again."""

from __future__ import annotations

import pytest

from bot.flood import FloodGate, Verdict


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_is_served_up_to_the_limit_then_warned_once_then_ignored() -> None:
    clock = Clock()
    gate = FloodGate(limit=3, window=10.0, clock=clock)
    verdicts = [gate.check(7) for _ in range(6)]
    assert verdicts == [
        Verdict.SERVE,
        Verdict.SERVE,
        Verdict.SERVE,
        Verdict.NOTIFY,
        Verdict.IGNORE,
        Verdict.IGNORE,
    ]


def test_the_user_is_served_again_once_the_window_has_room() -> None:
    clock = Clock()
    gate = FloodGate(limit=2, window=10.0, clock=clock)
    assert [gate.check(7) for _ in range(3)] == [Verdict.SERVE, Verdict.SERVE, Verdict.NOTIFY]
    clock.now += 9.9
    assert gate.check(7) is Verdict.IGNORE
    clock.now += 0.1  # the first message is now exactly one window old
    assert [gate.check(7) for _ in range(4)] == [
        Verdict.SERVE,
        Verdict.SERVE,
        Verdict.NOTIFY,  # a new burst earns a new notice
        Verdict.IGNORE,
    ]


def test_ignored_messages_do_not_extend_the_penalty() -> None:
    clock = Clock()
    gate = FloodGate(limit=1, window=5.0, clock=clock)
    assert gate.check(1) is Verdict.SERVE
    for _ in range(4):
        clock.now += 1.0
        gate.check(1)
    clock.now += 1.0  # 5 s after the only served message
    assert gate.check(1) is Verdict.SERVE


def test_users_are_counted_separately() -> None:
    gate = FloodGate(limit=1, window=10.0, clock=Clock())
    assert gate.check(1) is Verdict.SERVE
    assert gate.check(1) is Verdict.NOTIFY
    assert gate.check(2) is Verdict.SERVE


def test_idle_users_are_forgotten() -> None:
    clock = Clock()
    gate = FloodGate(limit=1, window=1.0, clock=clock)
    for user in range(1023):
        gate.check(user)
    clock.now += 2.0
    gate.check(5000)  # the 1024th call sweeps everyone idle
    assert set(gate._served) == {5000}


def test_nonsense_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="limit must be at least 1"):
        FloodGate(limit=0)
