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

from bot.watcher import KnowledgeFilter, KnowledgeWatcher

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


FILTER_CASES = [
    ("api.md", True),
    ("sub/folder/api.md", True),
    ("synonyms.txt", True),
    ("sub", True),  # a folder moved in or out is one event
    ("", True),  # the knowledge folder itself (deleted, recreated)
    ("notes.txt", False),
    (".api.md.swp", False),
    ("api.md.swp", False),
    ("api.md~", False),
    ("#api.md#", False),
    (".#api.md", False),
    ("4913", False),  # vim's write test
    ("api.md___jb_tmp___", False),
    ("api.md.tmp", False),
    (".git/index", False),
    (".drafts/api.md", False),
]


@pytest.mark.parametrize(("relative", "kept"), FILTER_CASES)
def test_the_filter_keeps_entries_and_drops_temp_files(relative: str, kept: bool) -> None:
    folder = Path("/srv/.config/knowledge")  # a dot above the folder does not hide it
    path = folder / relative if relative else folder
    assert KnowledgeFilter([folder])(Change.modified, str(path)) is kept


def test_the_filter_drops_paths_outside_the_folders() -> None:
    keep = KnowledgeFilter([Path("/srv/knowledge")])
    assert keep(Change.added, "/srv/knowledge-old/api.md") is False
    assert keep(Change.added, "/srv/api.md") is False


async def test_a_new_file_triggers_a_refresh(
    folder: Path, watched: tuple[KnowledgeWatcher, Recorder]
) -> None:
    _, recorder = watched
    replace_file(folder / "sql.md", "---\ntitle: SQL\n---\nA query language.\n")
    await recorder.wait_for(2)


async def test_temp_files_alone_trigger_nothing(
    folder: Path, watched: tuple[KnowledgeWatcher, Recorder]
) -> None:
    _, recorder = watched
    (folder / ".api.md.swp").write_text("swap")
    (folder / "api.md~").write_text("backup")
    (folder / "notes.txt").write_text("not an entry")
    await asyncio.sleep(SETTLE)
    (folder / "api.md").write_text("---\ntitle: API\n---\nAn interface, changed.\n")
    await recorder.wait_for(2)
    await asyncio.sleep(SETTLE)
    assert recorder.calls == 2  # the catch-up and the entry; the temp files added none


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
