"""The knowledge watcher: real watchfiles events, temp files ignored, a folder that comes back.

These tests watch a real folder with the platform's native events (inotify here), the same
watcher production runs. Waits are bounded by generous timeouts; nothing asserts a duration.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from watchfiles import Change

from bot.holder import GlossaryHolder
from bot.watcher import KnowledgeFilter, KnowledgeWatcher
from retrieval import Glossary

TIMEOUT = 10.0
SETTLE = 1.0  # longer than the watcher's quiet period: a burst of changes has been handled


class Recorder:
    """An ``on_change`` that counts its calls and can fail on purpose."""

    def __init__(self) -> None:
        self.calls = 0
        self.fail_next = False
        self._changed = asyncio.Event()

    async def __call__(self) -> None:
        self.calls += 1
        self._changed.set()
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("refresh failed on purpose")

    async def wait_for(self, calls: int) -> None:
        """Until ``on_change`` has run ``calls`` times in all."""
        async with asyncio.timeout(TIMEOUT):
            while self.calls < calls:
                self._changed.clear()
                await self._changed.wait()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "knowledge"
    path.mkdir()
    (path / "api.md").write_text("---\ntitle: API\n---\nAn interface.\n")
    return path


@pytest.fixture
async def watched(folder: Path) -> AsyncIterator[tuple[KnowledgeWatcher, Recorder]]:
    """A started watcher on ``folder`` that has made its catch-up call."""
    recorder = Recorder()
    watcher = KnowledgeWatcher([folder], recorder)
    watcher.start()
    await recorder.wait_for(1)  # the catch-up refresh once the watch is in place
    assert watcher.watching.is_set()
    yield watcher, recorder
    await watcher.stop()


def replace_file(path: Path, text: str) -> None:
    """Write the way editors save: a hidden temp file renamed over the target."""
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(text)
    os.replace(temp, path)


ADDED, MODIFIED, DELETED = Change.added, Change.modified, Change.deleted
FILTER_CASES = [
    ("api.md", MODIFIED, True),
    ("api.md", DELETED, True),
    ("sub/folder/api.md", ADDED, True),
    ("synonyms.txt", MODIFIED, True),
    ("sub", ADDED, True),  # a folder moved in or out is one event
    ("sub", DELETED, True),
    ("sub", MODIFIED, False),  # only says a file in it changed, which has its own event
    ("", DELETED, True),  # the knowledge folder itself
    ("", MODIFIED, False),
    ("notes.txt", MODIFIED, False),
    (".api.md.swp", ADDED, False),
    ("api.md.swp", ADDED, False),
    ("api.md~", ADDED, False),
    ("#api.md#", ADDED, False),
    (".#api.md", ADDED, False),
    ("4913", ADDED, False),  # vim's write test
    ("api.md___jb_tmp___", ADDED, False),
    ("api.md.tmp", DELETED, False),
    (".git/index", MODIFIED, False),
    (".drafts/api.md", ADDED, False),
]


@pytest.mark.parametrize(("relative", "change", "kept"), FILTER_CASES)
def test_the_filter_keeps_entries_and_drops_temp_files(
    relative: str, change: Change, kept: bool
) -> None:
    folder = Path("/srv/.config/knowledge")  # a dot above the folder does not hide it
    path = folder / relative if relative else folder
    assert KnowledgeFilter([folder])(change, str(path)) is kept


def test_the_filter_drops_paths_outside_the_folders() -> None:
    keep = KnowledgeFilter([Path("/srv/knowledge")])
    assert keep(Change.added, "/srv/knowledge-old/api.md") is False
    assert keep(Change.added, "/srv/api.md") is False


async def test_a_new_file_triggers_a_refresh_and_one_more_once_quiet(
    folder: Path, watched: tuple[KnowledgeWatcher, Recorder]
) -> None:
    _, recorder = watched
    replace_file(folder / "sql.md", "---\ntitle: SQL\n---\nA query language.\n")
    await recorder.wait_for(2)
    await recorder.wait_for(3)  # the settling refresh
    await asyncio.sleep(2 * SETTLE)
    assert recorder.calls == 3  # and no more while nothing changes


async def test_temp_files_alone_trigger_nothing(
    folder: Path, watched: tuple[KnowledgeWatcher, Recorder]
) -> None:
    _, recorder = watched
    (folder / ".api.md.swp").write_text("swap")
    (folder / "api.md~").write_text("backup")
    (folder / "notes.txt").write_text("not an entry")
    await asyncio.sleep(SETTLE)
    (folder / "api.md").write_text("---\ntitle: API\n---\nAn interface, changed.\n")
    await recorder.wait_for(3)
    await asyncio.sleep(2 * SETTLE)
    assert recorder.calls == 3  # the catch-up, the entry and its settling refresh; no more


async def test_two_saves_within_one_second_are_both_served_when_polling(tmp_path: Path) -> None:
    folder = tmp_path / "knowledge"
    folder.mkdir()
    path = folder / "api.md"
    path.write_text("---\ntitle: API\n---\nVersion one.\n")
    holder = GlossaryHolder(Glossary.from_folder(folder), [folder])
    refreshed = Recorder()

    async def refresh() -> None:
        await holder.refresh()
        await refreshed()

    watcher = KnowledgeWatcher([folder], refresh, force_polling=True)
    watcher.start()
    await refreshed.wait_for(1)
    path.write_text("---\ntitle: API\n---\nVersion two.\n")
    await refreshed.wait_for(2)
    # saved again within the same second: polling compares whole seconds and misses it
    second = path.stat()
    path.write_text("---\ntitle: API\n---\nVersion three, longer.\n")
    os.utime(path, ns=(second.st_atime_ns, second.st_mtime_ns + 1))
    async with asyncio.timeout(TIMEOUT):
        while holder.current.entries["api"].lead != "Version three, longer.":
            await asyncio.sleep(0.05)
    await watcher.stop()


async def test_a_failing_refresh_does_not_stop_the_watcher(
    folder: Path, watched: tuple[KnowledgeWatcher, Recorder]
) -> None:
    _, recorder = watched
    recorder.fail_next = True
    (folder / "a.md").write_text("---\ntitle: A\n---\nFirst.\n")
    await recorder.wait_for(2)
    (folder / "b.md").write_text("---\ntitle: B\n---\nSecond.\n")
    await recorder.wait_for(3)


async def test_a_deleted_and_recreated_folder_is_watched_again(
    folder: Path, watched: tuple[KnowledgeWatcher, Recorder]
) -> None:
    watcher, recorder = watched
    shutil.rmtree(folder)
    await recorder.wait_for(2)  # told: the refresh reports the missing folder
    assert not watcher.watching.is_set()
    folder.mkdir()
    (folder / "api.md").write_text("---\ntitle: API\n---\nBack.\n")
    await recorder.wait_for(3)  # the catch-up refresh of the new watch
    assert watcher.watching.is_set()
    (folder / "sql.md").write_text("---\ntitle: SQL\n---\nA query language.\n")
    await recorder.wait_for(4)  # and events of the new folder arrive


async def test_a_watcher_started_without_its_folder_waits_for_it(tmp_path: Path) -> None:
    folder = tmp_path / "not-yet"
    recorder = Recorder()
    watcher = KnowledgeWatcher([folder], recorder)
    watcher.start()
    await recorder.wait_for(1)  # the missing folder is reported at once
    folder.mkdir()
    await recorder.wait_for(2)
    assert watcher.watching.is_set()
    await watcher.stop()


async def test_stop_ends_the_watch_even_while_waiting_for_the_folder(tmp_path: Path) -> None:
    recorder = Recorder()
    watcher = KnowledgeWatcher([tmp_path / "missing"], recorder)
    watcher.start()
    await recorder.wait_for(1)
    await watcher.stop()
    await watcher.stop()  # stopping twice is harmless
    assert recorder.calls == 1
