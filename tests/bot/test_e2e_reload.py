"""Live reload against the running bot: add, break and delete a knowledge file, no restart.

The bot runs as in the other end-to-end tests (``build_application`` + ``serve`` against
the fake Bot API), with WATCH_KNOWLEDGE on and a small copy of the knowledge folder, so the
real watchfiles watcher sees every change. Another user keeps asking while files change:
every one of those questions must get a proper answer, never the apology. Afterwards the
report lists the question that went unanswered, with its count.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.flood import FloodGate
from bot.render import APOLOGY
from retrieval import Glossary
from tests.bot.fake_bot_api import DEFAULT_USER_ID, FakeBotApi
from tests.bot.harness import ADMIN_ID, KNOWLEDGE, RunningBot, bot_settings, running_bot

QUESTION = "what is a feature flag"
NOT_ANSWERED = f"I'm not sure the glossary answers “{QUESTION}”.\nDid you mean one of these?"
FEATURE_FLAG = """---
title: Feature Flag
aliases: [Feature Toggle]
---
A feature flag is a switch in the code that turns a feature on or off without a new deployment.
"""
ANSWER = (
    "Feature Flag\nA feature flag is a switch in the code that turns a feature on or off "
    "without a new deployment.\n\nFull entry: Feature Flag"
)
BROKEN = "---\ntitle: [Feature Flag\n---\nA feature flag is a switch.\n"
BROKEN_PROBLEM = (
    "2: broken front matter (expected ',' or ']', but got '<stream end>'): "
    "write 'key: value' lines, and quote values that contain ':' or '#'"
)
# The acceptance test's limit from a saved file to the answer; generous for the other waits.
WITHIN = 5.0
BYSTANDER = 555000111  # keeps asking while the files change
BYSTANDER_QUESTION = "what is an API"


def replace_file(path: Path, text: str) -> None:
    """Save the way editors do: a hidden temp file renamed over the target."""
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(text)
    os.replace(temp, path)


class Bystander:
    """Another user asking the same answered question again and again, in the background."""

    def __init__(self, bot: RunningBot) -> None:
        self.bot = bot
        self.replies: list[str] = []
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self._ask())

    async def _ask(self) -> None:
        while not self._stop.is_set():
            self.bot.say(BYSTANDER_QUESTION, user_id=BYSTANDER)
            self.replies.append((await self.bot.reply(BYSTANDER, timeout=WITHIN))["text"])
            await asyncio.sleep(0.02)

    async def stop(self) -> list[str]:
        self._stop.set()
        await self._task
        return self.replies


def changed_notice(served: Glossary, *lines: str) -> str:
    """The admin's notice when the bot serves what ``served`` holds."""
    head = (
        f"Knowledge folder changed: {len(served)} entries, {len(served.passages)} "
        "passages in service."
    )
    return "\n".join([head, *lines])


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "knowledge"
    path.mkdir()
    for name in ("api", "sql", "agile"):
        shutil.copy(KNOWLEDGE / f"{name}.md", path / f"{name}.md")
    return path


@pytest.mark.usefixtures("bot_log")  # logs at DEBUG and checks the token never shows
async def test_files_added_broken_and_deleted_are_served_without_a_restart(
    fake_bot_api: FakeBotApi,
    folder: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    database = tmp_path / "data" / "questions.sqlite3"
    settings = bot_settings(fake_bot_api, database, knowledge_dir=folder, watch_knowledge=True)
    path = folder / "feature-flag.md"
    glossary = Glossary.from_folder(folder)
    async with running_bot(fake_bot_api, settings, glossary, flood=FloodGate(limit=10_000)) as bot:
        for _ in range(2):
            assert (await bot.ask(QUESTION))["text"] == NOT_ANSWERED
        bystander = Bystander(bot)

        # add the file: announced to the admin, then answered
        replace_file(path, FEATURE_FLAG)
        with_flag = Glossary.from_folder(folder)
        notice = await bot.reply(ADMIN_ID, timeout=WITHIN)
        assert notice["text"] == changed_notice(with_flag, "Added (1): Feature Flag")
        assert (await bot.ask(QUESTION))["text"] == ANSWER

        # break it: the admin is told what to fix; the last good version keeps answering
        replace_file(path, BROKEN)
        notice = await bot.reply(ADMIN_ID, timeout=WITHIN)
        assert notice["text"] == changed_notice(
            with_flag,
            "To fix (path:line: what to fix):",
            f"{path}:{BROKEN_PROBLEM}",
            f"{path}: its last good version stays in service until it is fixed.",
        )
        assert (await bot.ask(QUESTION))["text"] == ANSWER

        # saved again unchanged: not told twice; /reload forces a re-scan and says so
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        reply = await bot.ask("/reload", user_id=ADMIN_ID)
        head = f"Reloaded: 4 entries, {len(with_flag.passages)} passages in "
        assert re.fullmatch(re.escape(head) + r"\d+\.\d\d s\.\nNo changes\.", reply["text"])

        # delete it: gone, and the admin hears it (the next notice, so none came in between)
        path.unlink()
        notice = await bot.reply(ADMIN_ID, timeout=WITHIN)
        assert notice["text"] == changed_notice(glossary, "Removed (1): Feature Flag")
        assert (await bot.ask(QUESTION))["text"] == NOT_ANSWERED

        replies = await bystander.stop()
    assert len(replies) >= 3
    # every question asked during the reloads got an answer from a complete index
    proper = [r for r in replies if r.startswith("API") and r.endswith("\n\nFull entry: API")]
    assert proper == replies
    sent = [m["text"] for m in fake_bot_api.sent_messages()]
    assert APOLOGY not in sent
    assert [(c.method, c.description) for c in fake_bot_api.rejected_calls()] == []
    assert sorted({m["chat"]["id"] for m in fake_bot_api.sent_messages()}) == sorted(
        {DEFAULT_USER_ID, ADMIN_ID, BYSTANDER}
    )

    # the report lists the question, unanswered three times (twice before, once after)
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["report", "--db", str(database), "--knowledge", str(folder)]) == 0
    report = capsys.readouterr().out
    unanswered = report.split("Unanswered (similar questions counted together):\n", 1)[1]
    assert unanswered.split("\n\n", 1)[0] == f"     3  {QUESTION}"
