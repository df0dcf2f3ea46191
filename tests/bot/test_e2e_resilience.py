"""The bot under stress: floods, Telegram errors, timeouts, broken handlers and databases,
restarts. In every case it keeps serving."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from bot.flood import FloodGate
from retrieval import Glossary
from tests.bot.fake_bot_api import DEFAULT_USER_ID, FakeBotApi
from tests.bot.harness import RunningBot, bot_settings, button, running_bot

FINTECH = "what does a back-end engineer do in fintech"
APOLOGY = "Sorry, something went wrong on my side. Please try again in a moment."
FLOOD_NOTICE = "You're sending messages faster than I can answer. Please wait a few seconds."


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def texts_to(server: FakeBotApi, chat_id: int) -> list[str]:
    return [
        call.result["text"]
        for call in server.calls("sendMessage")
        if call.ok and call.result["chat"]["id"] == chat_id
    ]


async def test_a_flooding_user_gets_one_notice_then_is_served_again(
    fake_bot_api: FakeBotApi, tmp_path: Path, glossary: Glossary, bot_log: io.StringIO
) -> None:
    clock = Clock()
    flood = FloodGate(limit=8, window=10.0, clock=clock)
    settings = bot_settings(fake_bot_api, tmp_path / "q.sqlite3")
    async with running_bot(fake_bot_api, settings, glossary, flood=flood) as bot:
        for _ in range(12):
            bot.say("what is an API")
        replies = [(await bot.reply())["text"] for _ in range(9)]
        assert replies.count(FLOOD_NOTICE) == 1
        assert sum(r.startswith(("API\n", "API › ")) for r in replies) == 8
        # another user is unaffected, and by the time they are answered the flood is handled
        other = await bot.ask("what is an API", user_id=777, chat_id=777)
        assert other["text"].startswith(("API\n", "API › "))
        assert len(texts_to(fake_bot_api, DEFAULT_USER_ID)) == 9  # silence after the notice
        clock.now += 10.0  # the window passes
        again = await bot.ask("what is an API")
        assert again["text"].startswith(("API\n", "API › "))
    assert fake_bot_api.rejected_calls() == []


async def test_a_429_is_waited_out_and_the_answer_still_arrives(bot: RunningBot) -> None:
    bot.server.fail_next("sendMessage", retry_after=1)
    reply = await bot.ask(FINTECH)
    assert reply["text"].startswith("Back-end Engineer › Applications › Fintech")
    statuses = [(c.status, c.injected) for c in bot.server.calls("sendMessage")]
    assert statuses == [(429, True), (200, False)]


async def test_a_500_from_telegram_gets_an_apology_and_the_bot_keeps_serving(
    bot: RunningBot, bot_log: io.StringIO
) -> None:
    bot.server.fail_next("sendMessage", status=500)
    apology = await bot.ask(FINTECH)
    assert apology["text"] == APOLOGY
    assert (
        "Error while handling an update\nTraceback (most recent call last):" in bot_log.getvalue()
    )
    assert "telegram.error.NetworkError" in bot_log.getvalue()
    reply = await bot.ask(FINTECH)
    assert reply["text"].startswith("Back-end Engineer › Applications › Fintech")


async def test_a_timeout_from_telegram_gets_an_apology_and_the_bot_keeps_serving(
    bot: RunningBot, bot_log: io.StringIO
) -> None:
    bot.server.delay_next("sendMessage", 3.0)  # longer than the 2 s read timeout
    bot.say(FINTECH)
    apology = await bot.reply(timeout=10.0)
    assert apology["text"] == APOLOGY
    assert "telegram.error.TimedOut" in bot_log.getvalue()
    reply = await bot.ask(FINTECH)
    assert reply["text"].startswith("Back-end Engineer › Applications › Fintech")


async def test_an_error_inside_a_handler_is_logged_and_apologised_for(
    bot: RunningBot, bot_log: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Broken:
        def answer(self, question: str, limit: int = 5) -> Any:
            raise RuntimeError("index exploded")

    holder = bot.application.bot_data["services"].holder
    glossary = holder.current
    monkeypatch.setattr(holder, "_current", Broken())
    assert (await bot.ask(FINTECH))["text"] == APOLOGY
    assert "RuntimeError: index exploded" in bot_log.getvalue()
    monkeypatch.setattr(holder, "_current", glossary)
    assert (await bot.ask(FINTECH))["text"].startswith("Back-end Engineer › ")


async def test_a_broken_database_never_stops_answers(
    fake_bot_api: FakeBotApi, tmp_path: Path, glossary: Glossary, bot_log: io.StringIO
) -> None:
    database = tmp_path / "q.sqlite3"
    database.write_bytes(b"not a database" * 1000)
    settings = bot_settings(fake_bot_api, database)
    async with running_bot(fake_bot_api, settings, glossary) as bot:
        first = await bot.ask(FINTECH)
        second = await bot.ask("quantum blockchain yoga")
        # buttons that need the row are left out; the link and Did you mean still work
        assert [[b["text"] for b in row] for row in first["reply_markup"]["inline_keyboard"]] == [
            ["Full entry"]
        ]
        bot.press(second, second["reply_markup"]["inline_keyboard"][0][0]["callback_data"])
        assert (await bot.reply())["text"].startswith(("Blockchain\n", "Blockchain › "))
        # an old "More answers" button whose row cannot be read says it expired
        query = bot.press(first, "m:1:1")
        assert (await bot.callback_answer(query))["text"] == (
            "This button has expired. Please ask your question again."
        )
    log = bot_log.getvalue()
    assert log.count("Question log") == 1  # logged once, not per message
    assert fake_bot_api.rejected_calls() == []


async def test_buttons_keep_working_after_a_restart(
    fake_bot_api: FakeBotApi, tmp_path: Path, glossary: Glossary, bot_log: io.StringIO
) -> None:
    settings = bot_settings(fake_bot_api, tmp_path / "q.sqlite3")
    async with running_bot(fake_bot_api, settings, glossary) as bot:
        reply = await bot.ask(FINTECH)
    # a new Application, a new process for all it knows: only the database is shared
    async with running_bot(
        fake_bot_api, settings, Glossary.from_folder(settings.knowledge_dir)
    ) as bot:
        query = bot.press(reply, button(reply, "More answers ▶")["callback_data"])
        edit = await fake_bot_api.wait_for_call("editMessageText")
        assert edit.ok
        assert edit.result["text"].startswith(glossary.answer(FINTECH).hits[1].title)
        assert (await bot.callback_answer(query)).get("text") is None
        query = bot.press(reply, button(reply, "👍")["callback_data"])
        assert (await bot.callback_answer(query))["text"] == "Thanks for the feedback!"
    assert fake_bot_api.rejected_calls() == []


async def test_unknown_button_data_says_expired(bot: RunningBot) -> None:
    reply = await bot.ask(FINTECH)
    query = bot.press(reply, "zz:from-an-older-version")
    assert (await bot.callback_answer(query))["text"] == (
        "This button has expired. Please ask your question again."
    )
    query = bot.press(reply, "m:999:1")  # a row that does not exist
    assert (await bot.callback_answer(query))["text"] == (
        "This button has expired. Please ask your question again."
    )


async def test_a_failing_command_menu_does_not_stop_the_start(
    fake_bot_api: FakeBotApi, tmp_path: Path, glossary: Glossary, bot_log: io.StringIO
) -> None:
    fake_bot_api.fail_next("setMyCommands", status=500, times=2)
    settings = bot_settings(fake_bot_api, tmp_path / "q.sqlite3")
    async with running_bot(fake_bot_api, settings, glossary) as bot:
        assert (await bot.ask("what is an API"))["text"].startswith(("API\n", "API › "))
    assert bot_log.getvalue().count("Could not set the command menu") == 2
