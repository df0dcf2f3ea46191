"""The simulated users: each asks its questions one at a time, waiting for every reply.

A closed loop, like people in private chats: a user pushes its next question to the fake
Bot API only after the bot's answer to the previous one arrived, so the load is as high as
the bot can take and never higher. Replies are routed to users by a single ``ReplyRouter``
that takes the fake server's recorded calls in batches (``calls()`` then ``clear()``,
with no await in between, so nothing is lost): waiting with ``wait_for_reply`` per user
would rescan every recorded call for every waiting user, which costs more than the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.bot.fake_bot_api import FakeBotApi, RecordedCall

ROOT = Path(__file__).resolve().parents[2]
EVAL_QUESTIONS = ROOT / "evals" / "bundled.jsonl"
GOLDEN_QUESTIONS = ROOT / "tests" / "retrieval" / "golden_questions.tsv"
FIRST_USER_ID = 700_000_001


class LoadError(Exception):
    """The load test could not run to the end; the message says what went wrong."""


def load_questions() -> tuple[str, ...]:
    """The bundled eval questions, then the golden questions, each once, in file order."""
    questions = [json.loads(line)["q"] for line in EVAL_QUESTIONS.read_text("utf-8").splitlines()]
    for line in GOLDEN_QUESTIONS.read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            questions.append(line.split("\t", 1)[0])
    return tuple(dict.fromkeys(q.strip() for q in questions if q.strip()))


def questions_for(user: int, count: int, questions: Sequence[str]) -> list[str]:
    """User ``user``'s ``count`` questions: the next ones in the list, wrapping around."""
    return [questions[(user * count + i) % len(questions)] for i in range(count)]


@dataclass(frozen=True, slots=True)
class Reply:
    """A message the bot sent, as the fake server answered it, and when."""

    text: str
    at: float  # time.perf_counter() when the router saw the call


@dataclass(slots=True)
class ReplyRouter:
    """Hands each message the bot sends to the inbox of the chat it went to."""

    server: FakeBotApi
    inboxes: dict[int, asyncio.Queue[Reply]] = field(default_factory=dict)
    rejected: list[RecordedCall] = field(default_factory=list)
    calls: dict[str, int] = field(default_factory=dict)  # API calls made, by method

    def inbox(self, chat_id: int) -> asyncio.Queue[Reply]:
        """The queue of replies to ``chat_id`` (created on first use)."""
        return self.inboxes.setdefault(chat_id, asyncio.Queue())

    def take_recorded(self) -> None:
        """Route every call recorded so far and forget them on the server."""
        batch = self.server.calls()
        self.server.clear()
        now = time.perf_counter()
        for call in batch:
            self.calls[call.method] = self.calls.get(call.method, 0) + 1
            if call.rejected:
                self.rejected.append(call)
            elif call.method == "sendMessage" and call.ok:
                message = call.result
                self.inbox(int(message["chat"]["id"])).put_nowait(Reply(message["text"], now))

    async def run(self) -> None:
        """Route calls as they are recorded, until cancelled."""
        while True:
            with contextlib.suppress(AssertionError):  # no call for a minute: keep waiting
                await self.server.wait_for_call(None, timeout=60.0)
            self.take_recorded()


@dataclass(frozen=True, slots=True)
class UserLog:
    """What one simulated user asked and got back."""

    user_id: int
    questions: tuple[str, ...]
    replies: tuple[Reply, ...]
    latencies: tuple[float, ...]  # seconds from pushing each question to its reply


async def ask_in_turn(
    server: FakeBotApi,
    router: ReplyRouter,
    user_id: int,
    questions: Sequence[str],
    *,
    reply_timeout: float,
) -> UserLog:
    """Ask each question in a private chat, the next only once the reply has come."""
    inbox = router.inbox(user_id)
    replies: list[Reply] = []
    latencies: list[float] = []
    for question in questions:
        update = server.message_update(
            question, user_id=user_id, username=f"user{user_id}", first_name="Load"
        )
        started = time.perf_counter()
        server.push_update(update)
        try:
            reply = await asyncio.wait_for(inbox.get(), reply_timeout)
        except TimeoutError:
            raise LoadError(
                f"user {user_id} got no reply within {reply_timeout:g} s to {question!r} "
                f"(after {len(replies)} replies): the bot is stuck or far too slow"
            ) from None
        replies.append(reply)
        latencies.append(reply.at - started)
    return UserLog(user_id, tuple(questions), tuple(replies), tuple(latencies))
