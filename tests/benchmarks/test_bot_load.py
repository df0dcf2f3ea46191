"""The bot load test as a tool: small runs that check what it counts, never how fast.

Each run drives the real bot (``build_application`` + ``serve``) through the fake Bot API,
so these also prove the load test's changes (rate limits, flood gate, timing wrappers) stay
within the run and leave the bot as production builds it.
"""

from __future__ import annotations

import pytest
from telegram.ext import AIORateLimiter

import bot.app
import bot.handlers_answer
import bot.keyboards
import bot.render
from benchmarks.bot_load.__main__ import HEADER, main, problems
from benchmarks.bot_load.runner import LoadConfig, LoadResult, percentile, run_load
from benchmarks.bot_load.serving import BotReport
from benchmarks.bot_load.timing import RENDER_FUNCTIONS
from benchmarks.bot_load.users import (
    FIRST_USER_ID,
    Reply,
    UserLog,
    load_questions,
    questions_for,
)
from bot.render import FLOOD_NOTICE
from retrieval import Glossary

QUESTIONS = load_questions()


def assert_every_question_answered_once(result: LoadResult, users: int, questions: int) -> None:
    """One reply per question, to the user who asked, and nothing refused or held back."""
    assert [u.user_id for u in result.users] == [FIRST_USER_ID + n for n in range(users)]
    assert [len(u.replies) for u in result.users] == [questions] * users
    assert [len(u.latencies) for u in result.users] == [questions] * users
    assert result.updates == users * questions
    assert result.rejected == ()
    assert result.not_served == 0
    assert result.extra_replies == 0
    assert result.calls["sendMessage"] == users * questions
    assert len(result.bot.timings) == users * questions  # every update was timed


def test_questions_are_the_eval_set_then_the_golden_table_each_once() -> None:
    assert QUESTIONS[:3] == ("what is agile", "define blockchain", "what is caching")
    assert "what does a back-end engineer do in fintech" in QUESTIONS
    assert len(QUESTIONS) == len(set(QUESTIONS))


def test_each_user_takes_the_next_questions_and_wraps_around() -> None:
    assert questions_for(0, 2, ["a", "b", "c"]) == ["a", "b"]
    assert questions_for(1, 2, ["a", "b", "c"]) == ["c", "a"]


def test_percentile_interpolates_and_is_nan_without_values() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 50) == 3.0
    assert percentile([0.0, 10.0], 99) == pytest.approx(9.9)
    assert percentile([], 50) != percentile([], 50)  # NaN


async def test_twenty_users_asking_two_questions_each_get_both_replies() -> None:
    result = await run_load(LoadConfig(users=20, questions=2, unthrottled=True))

    assert_every_question_answered_once(result, users=20, questions=2)
    first = result.users[0]
    assert first.questions == ("what is agile", "define blockchain")
    assert first.replies[0].text.startswith("Agile")  # the entry the answer comes from
    assert first.replies[1].text.startswith("Blockchain")
    assert result.users[19].questions == (QUESTIONS[38], QUESTIONS[39])


async def test_the_apps_own_rate_limiter_serves_every_question_too() -> None:
    result = await run_load(LoadConfig(users=5, questions=2, unthrottled=False))

    assert_every_question_answered_once(result, users=5, questions=2)


async def test_the_bot_in_its_own_process_reports_its_timings_back() -> None:
    result = await run_load(
        LoadConfig(users=4, questions=2, separate_process=True, unthrottled=True)
    )

    assert_every_question_answered_once(result, users=4, questions=2)
    assert result.bot.cpu_seconds > 0


async def test_a_run_leaves_the_bot_as_production_builds_it() -> None:
    glossary_answer = Glossary.answer
    await run_load(LoadConfig(users=2, questions=1, unthrottled=True, concurrent_updates=4))

    assert vars(bot.app)["AIORateLimiter"] is AIORateLimiter
    assert bot.app.CONCURRENT_UPDATES == 32
    assert Glossary.answer is glossary_answer
    for name in RENDER_FUNCTIONS:
        original = getattr(bot.render, name, None) or getattr(bot.keyboards, name)
        assert getattr(bot.handlers_answer, name) is original, name


def test_the_command_prints_the_machine_a_row_per_run_and_the_verdict(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["--users", "3", "--questions", "1", "--mode", "same", "--limiter", "off"])

    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert lines[0].startswith("CPU: ")
    assert "\n".join(lines[1:3]) == HEADER
    assert lines[3].startswith("| with the fake server | flood limits off | 3 × 1 | ")
    assert lines[4].startswith("target (same process) ")
    assert len(lines) == 5


def test_a_flood_notice_a_refused_call_and_a_missed_timing_are_reported() -> None:
    asked = UserLog(FIRST_USER_ID, ("what is agile",), (Reply(FLOOD_NOTICE, 1.0),), (0.5,))
    result = LoadResult(
        config=LoadConfig(users=1, questions=1),
        users=(asked,),
        seconds=1.0,
        driver_cpu_seconds=0.1,
        machine_busy_seconds=0.1,
        bot=BotReport(timings=(), cpu_seconds=0.1),
        rejected=("sendMessage: Bad Request: can't parse entities",),
        calls={"sendMessage": 2},
        extra_replies=1,
    )

    assert problems(result) == [
        "refused call: sendMessage: Bad Request: can't parse entities",
        "1 replies were a flood notice or an apology",
        "1 messages beyond one reply per question",
        "0 timed updates for 1 questions",
    ]


def test_the_command_refuses_an_empty_run(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--users", "0"])

    assert exit_info.value.code == 2
    assert "--users and --questions must be at least 1" in capsys.readouterr().err
