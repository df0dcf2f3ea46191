"""Admins hear what a refresh changed, and each broken file once per change, within one message."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import cast

from telegram import Bot
from telegram.error import Forbidden

from bot.admin_notices import MAX_TEXT, fit_lines, notice_html, reload_reply_html, tell_admins
from bot.holder import GlossaryHolder, RefreshOutcome
from bot.textfit import units
from retrieval import Glossary
from tests.bot.harness import KNOWLEDGE

FEATURE_FLAG = """---
title: Feature Flag
aliases: [Feature Toggle]
---
A feature flag is a switch in the code that turns a feature on or off without a new
deployment, so teams can release gradually and roll back at once.
"""
BROKEN = "---\ntitle: [Feature Flag\n---\nA feature flag is a switch.\n"
BROKEN_MESSAGE = (
    "2: broken front matter (expected ',' or ']', but got '<stream end>'): "
    "write 'key: value' lines, and quote values that contain ':' or '#'"
)


def knowledge(tmp_path: Path) -> Path:
    folder = tmp_path / "knowledge"
    folder.mkdir()
    for name in ("api", "sql"):
        shutil.copy(KNOWLEDGE / f"{name}.md", folder / f"{name}.md")
    return folder


def holder_for(folder: Path) -> GlossaryHolder:
    return GlossaryHolder(Glossary.from_folder(folder), [folder])


def touch(path: Path) -> None:
    """A new modification time, same content (what a "save" without edits does)."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


async def test_an_added_file_is_announced_by_title(tmp_path: Path) -> None:
    folder = knowledge(tmp_path)
    holder = holder_for(folder)
    (folder / "feature-flag.md").write_text(FEATURE_FLAG)
    outcome = await holder.refresh()
    assert outcome.added == ("Feature Flag",)
    assert (outcome.changed, outcome.removed, outcome.problems) == ((), (), ())
    assert sorted(holder.current.entries) == ["api", "feature-flag", "sql"]
    passages = len(holder.current.passages)
    assert notice_html(outcome) == (
        f"Knowledge folder changed: 3 entries, {passages} passages in service.\n"
        "Added (1): Feature Flag"
    )


async def test_a_broken_file_is_reported_once_and_its_last_good_version_stays(
    tmp_path: Path,
) -> None:
    folder = knowledge(tmp_path)
    path = folder / "feature-flag.md"
    path.write_text(FEATURE_FLAG)
    holder = holder_for(folder)
    served = holder.current.entries["feature-flag"]
    path.write_text(BROKEN)
    outcome = await holder.refresh()
    assert holder.current.entries["feature-flag"] is served
    assert [str(p) for p in outcome.problems] == [f"{path}:{BROKEN_MESSAGE}"]
    assert outcome.kept == (path,)
    passages = len(holder.current.passages)
    assert notice_html(outcome) == (
        f"Knowledge folder changed: 3 entries, {passages} passages in service.\n"
        "To fix (path:line: what to fix):\n"
        f"{path}:{BROKEN_MESSAGE.replace('<', '&lt;').replace('>', '&gt;')}\n"
        f"{path}: its last good version stays in service until it is fixed."
    )
    # the same broken file, saved again unchanged: nothing new to tell
    touch(path)
    again = await holder.refresh()
    assert (again.problems, again.news, notice_html(again)) == ((), False, None)
    assert holder.current.entries["feature-flag"] is served
    # a kept file is not "skipped": its last good version answers
    assert again.summary().startswith("Reloaded: 3 entries, ")
    assert "skipped" not in again.summary()


async def test_a_new_breakage_of_the_same_file_is_told_again(tmp_path: Path) -> None:
    folder = knowledge(tmp_path)
    path = folder / "feature-flag.md"
    path.write_text(FEATURE_FLAG)
    holder = holder_for(folder)
    path.write_text(BROKEN)
    assert len((await holder.refresh()).problems) == 1
    path.write_text(FEATURE_FLAG.replace("switch", "toggle"))  # fixed (and changed)
    fixed = await holder.refresh()
    assert (fixed.changed, fixed.problems) == (("Feature Flag",), ())
    path.write_text(BROKEN)  # broken again, exactly as before: a new change, told again
    assert [str(p) for p in (await holder.refresh()).problems] == [f"{path}:{BROKEN_MESSAGE}"]


async def test_a_file_broken_since_the_start_is_not_told_until_it_changes(tmp_path: Path) -> None:
    folder = knowledge(tmp_path)
    path = folder / "broken.md"
    path.write_text(BROKEN)
    holder = holder_for(folder)
    touch(path)
    outcome = await holder.refresh()
    assert (outcome.problems, outcome.news) == ((), False)
    assert outcome.summary().endswith(" 1 file(s) skipped: run 'glossary-bot check' for details.")


async def test_a_deleted_file_leaves_and_is_announced(tmp_path: Path) -> None:
    folder = knowledge(tmp_path)
    holder = holder_for(folder)
    (folder / "sql.md").unlink()
    outcome = await holder.refresh()
    assert (outcome.added, outcome.changed, outcome.removed) == ((), (), ("SQL",))
    assert sorted(holder.current.entries) == ["api"]
    assert notice_html(outcome) == (
        f"Knowledge folder changed: 1 entries, {len(holder.current.passages)} passages "
        "in service.\nRemoved (1): SQL"
    )


async def test_a_missing_folder_is_told_once_and_its_return_too(tmp_path: Path) -> None:
    folder = knowledge(tmp_path)
    holder = holder_for(folder)
    served = holder.current
    shutil.move(folder, tmp_path / "elsewhere")
    gone = await holder.refresh()
    failure = (
        f"Reload failed, still serving the previous glossary: knowledge folder {folder} "
        "does not exist: create it or pass --knowledge DIR"
    )
    assert notice_html(gone) == failure
    assert holder.current is served
    still_gone = await holder.refresh()
    assert (still_gone.failure, still_gone.news, notice_html(still_gone)) == (failure, False, None)
    assert reload_reply_html(still_gone) == failure  # an admin who asks is always answered
    shutil.move(tmp_path / "elsewhere", folder)
    back = await holder.refresh()
    assert notice_html(back) == (
        f"Knowledge folder changed: 2 entries, {len(served.passages)} passages in service.\n"
        "The knowledge folder can be read again."
    )


async def test_the_reload_reply_says_no_changes(tmp_path: Path) -> None:
    holder = holder_for(knowledge(tmp_path))
    outcome = await holder.refresh()
    passages = len(holder.current.passages)
    assert reload_reply_html(outcome) == (
        f"Reloaded: 2 entries, {passages} passages in {outcome.seconds:.2f} s.\nNo changes."
    )


def test_a_long_notice_is_cut_at_a_line_and_says_how_many_lines_are_left() -> None:
    lines = ["Head <b>"] + [f"{i:03d} " + "x" * 95 for i in range(300)]  # 100 units each
    text = fit_lines(lines)
    assert units(text) <= MAX_TEXT
    shown = text.split("\n")
    assert shown[0] == "Head &lt;b&gt;"
    assert shown[1:3] == ["000 " + "x" * 95, "001 " + "x" * 95]
    # 15 units of head and newline, then 40 lines of 100, then the 62 units of the tail
    assert len(shown) == 42
    assert shown[-1] == "… 260 more line(s): run 'glossary-bot check' for the full list"
    assert units(text) == 15 + 40 * 100 + 62


def test_an_overlong_line_is_cut_with_an_ellipsis() -> None:
    text = fit_lines(["Added (2000): " + ", ".join(["Term"] * 2000)])
    # cut to 1000 units, back to the last word: 164 terms and the ellipsis (998 units)
    assert text == "Added (2000): " + ", ".join(["Term"] * 164) + ",…"


def test_no_notice_without_news() -> None:
    assert notice_html(RefreshOutcome(entries=3, passages=9, seconds=0.1)) is None


class RecordingBot:
    """Stands in for ``telegram.Bot``: records messages, refuses one chat like Telegram."""

    def __init__(self, refusing: int) -> None:
        self.refusing = refusing
        self.sent: list[tuple[int, str]] = []

    async def send_message(self, chat_id: int, text: str) -> None:
        if chat_id == self.refusing:
            raise Forbidden("Forbidden: bot can't initiate conversation with a user")
        self.sent.append((chat_id, text))


async def test_an_admin_who_cannot_be_reached_does_not_stop_the_others() -> None:
    stub = RecordingBot(refusing=2)
    outcome = RefreshOutcome(entries=3, passages=9, seconds=0.1, removed=("SQL",))
    sent = await tell_admins(cast(Bot, stub), [3, 2, 1, 4], outcome, skip=[4])
    notice = "Knowledge folder changed: 3 entries, 9 passages in service.\nRemoved (1): SQL"
    assert sent == 2
    assert stub.sent == [(1, notice), (3, notice)]
