"""Builds run with Python's cyclic garbage collector paused.

A build allocates a few hundred thousand long-lived objects (term strings, dict entries,
records). Every so many allocations CPython runs a collection, and an old-generation
collection walks every object the process holds, the glossary already in service
included: at 100,000 passages those walks took a third of a reload. Nothing a build
makes forms reference cycles that need the collector (reference counting frees the
temporaries), so the collector is paused for the build and resumed after it.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause automatic collection for the block (nested and threaded use is safe)."""
    global _depth, _was_enabled  # noqa: PLW0603  # one collector per process
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
