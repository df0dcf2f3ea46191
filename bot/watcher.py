"""Watching the knowledge folders, so a saved file is in service within seconds.

``KnowledgeWatcher`` runs watchfiles' ``awatch`` (inotify on Linux, FSEvents on macOS,
ReadDirectoryChangesW on Windows) and calls ``on_change`` once per burst of changes:
watchfiles waits until the folder has been quiet for ``quiet_ms`` (an editor's
write-then-rename, or a ``git pull`` of many files, becomes one refresh), but never longer
than ``max_wait_ms``. Editor temp files and dotfiles are ignored (the glossary skips them
too). Where native events do not work (network mounts, some containers), set watchfiles'
own ``WATCHFILES_FORCE_POLLING=1`` in the environment.

A watch is bound to the folder it started on: when the folder is deleted, native events for
a new folder of the same name never come. So the watcher reports the loss (``on_change``:
the refresh fails and says so), waits for the folder to exist again, and then watches it
anew, starting with a catch-up refresh. The same catch-up runs when a watch starts, so a
file saved between the start-up build and the first watch is not missed.

After a change, once the folder has been quiet for ``recheck_ms``, one more refresh runs:
watchfiles' polling mode compares modification times to the second, so a second save of a
file within the same second would otherwise wait for the next change. The refresh itself
compares times in nanoseconds and sizes, and costs one ``stat`` per file when nothing moved.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from pathlib import Path

from telegram import Bot
from watchfiles import Change, awatch

from bot.admin_notices import refresh_and_tell
from bot.services import Services

logger = logging.getLogger(__name__)

OnChange = Callable[[], Awaitable[None]]

QUIET_MS = 300
MAX_WAIT_MS = 3000
RECHECK_MS = 1000  # how often a missing folder is looked for, and a watch checks its folder
STOP_SECONDS = 5.0

# Emacs (#x#, .#x), vim (x~, .x.swp, 4913), JetBrains (x___jb_tmp___), downloads and the like.
_TEMP_NAME = re.compile(
    r"(~|\.sw[a-p]|\.tmp|\.temp|\.bak|\.orig|\.part|\.crdownload|___jb_\w+___)$|^#.*#$|^4913$",
    re.IGNORECASE,
)
WATCHED_NAMES = {"synonyms.txt"}


class KnowledgeFilter:
    """watchfiles filter: keep changes to entries and folders, drop temp files and dotfiles."""

    def __init__(self, folders: Sequence[Path]) -> None:
        self.folders = tuple(folders)

    def __call__(self, change: Change, path: str) -> bool:
        """Whether a change to ``path`` may change the glossary."""
        changed = Path(path)
        for folder in self.folders:
            if not changed.is_relative_to(folder):
                continue
            relative = changed.relative_to(folder)
            if any(part.startswith(".") for part in relative.parts):
                return False  # hidden files and folders are never loaded
            if _TEMP_NAME.search(changed.name):
                return False
            if changed.suffix == ".md" or changed.name in WATCHED_NAMES:
                return True
            # A folder added or deleted (a moved folder is one event, not one per file); a
            # folder "modified" only means a file in it came or went, reported on its own.
            return not changed.suffix and change is not Change.modified
        return False


class KnowledgeWatcher:
    """Calls ``on_change`` after changes below ``folders``, from ``start`` until ``stop``."""

    def __init__(
        self,
        folders: Sequence[Path],
        on_change: OnChange,
        *,
        quiet_ms: int = QUIET_MS,
        max_wait_ms: int = MAX_WAIT_MS,
        recheck_ms: int = RECHECK_MS,
        force_polling: bool | None = None,
    ) -> None:
        """``force_polling``: None lets watchfiles decide (and obey WATCHFILES_FORCE_POLLING)."""
        # Events name absolute, resolved paths; compare against the same form.
        self.folders = tuple(Path(f).resolve() for f in folders)
        self._on_change = on_change
        self._quiet_ms = quiet_ms
        self._max_wait_ms = max_wait_ms
        self._recheck_ms = recheck_ms
        self._force_polling = force_polling
        self._filter = KnowledgeFilter(self.folders)
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.watching = asyncio.Event()  # set while a watch is in place (for tests and logs)

    def start(self) -> None:
        """Start watching in a background task."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="knowledge-watcher")

    async def stop(self) -> None:
        """Stop watching; a refresh in progress may finish first (up to ``STOP_SECONDS``)."""
        self._stop.set()
        task, self._task = self._task, None
        if task is None:
            return
        try:
            await asyncio.wait_for(task, STOP_SECONDS)
        except TimeoutError:
            logger.warning("The knowledge watcher did not stop within %.0f s", STOP_SECONDS)
        except Exception:  # already logged where it happened; stopping must not fail
            logger.exception("The knowledge watcher ended with an error")

    async def _run(self) -> None:
        where = ", ".join(map(str, self.folders))
        logger.info("Watching %s for changes", where)
        while not self._stop.is_set():
            if not self._present():
                logger.warning("Knowledge folder missing, waiting for it: %s", where)
                await self._changed()  # the refresh reports the missing folder
                if not await self._until_present():
                    break
            try:
                await self._watch()
            except Exception:  # e.g. the folder vanished as the watch started: try again
                logger.exception("Watching %s failed; trying again", where)
                self.watching.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), self._recheck_ms / 1000)
        logger.info("Stopped watching %s", where)

    async def _watch(self) -> None:
        """Watch until stopped or until a folder disappears."""
        caught_up = False
        settle = False  # one more refresh once quiet after a change (see the module docstring)
        async for changes in awatch(
            *self.folders,
            watch_filter=self._filter,
            debounce=self._max_wait_ms,
            step=self._quiet_ms,
            stop_event=self._stop,
            rust_timeout=self._recheck_ms,
            yield_on_timeout=True,
            force_polling=self._force_polling,
        ):
            self.watching.set()
            lost = not self._present() or any(
                kind is Change.deleted and Path(path) in self.folders for kind, path in changes
            )
            if lost:
                self.watching.clear()
                return
            if changes or not caught_up or settle:
                caught_up, settle = True, bool(changes)
                logger.debug("%d change(s) below the knowledge folder", len(changes))
                await self._changed()
        self.watching.clear()

    async def _changed(self) -> None:
        """Run ``on_change``; an error is logged and watching goes on."""
        try:
            await self._on_change()
        except Exception:
            logger.exception("Reloading after a knowledge change failed")

    def _present(self) -> bool:
        return all(folder.is_dir() for folder in self.folders)

    async def _until_present(self) -> bool:
        """Wait until every folder exists (True) or the watcher is stopped (False)."""
        while not self._present():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self._recheck_ms / 1000)
            if self._stop.is_set():
                return False
        logger.info("Knowledge folder is back: %s", ", ".join(map(str, self.folders)))
        return True


def watch_for_bot(bot: Bot, services: Services) -> KnowledgeWatcher:
    """A started watcher that refreshes the bot's glossary and tells the admins."""
    on_change = partial(
        refresh_and_tell, services.holder, bot, sorted(services.settings.admin_user_ids)
    )
    watcher = KnowledgeWatcher(services.holder.folders, on_change)
    watcher.start()
    return watcher
