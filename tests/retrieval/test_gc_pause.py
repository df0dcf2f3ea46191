"""The collector is paused during builds and comes back as it was."""

from __future__ import annotations

import gc
import threading
from pathlib import Path

from retrieval import Glossary
from retrieval.gc_pause import collector_paused
from tests.retrieval.knowledge_files import make_folder


def test_the_collector_is_paused_inside_and_restored_after_nested_use() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_an_error_inside_still_restores_the_collector() -> None:
    try:
        with collector_paused():
            raise ValueError("boom")
    except ValueError:
        pass
    assert gc.isenabled()


def test_builds_in_two_threads_leave_the_collector_on(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    glossary = Glossary.from_folder(folder)
    threads = [threading.Thread(target=glossary.refreshed) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert gc.isenabled()
    assert glossary.refreshed().glossary is glossary  # nothing changed on disk
