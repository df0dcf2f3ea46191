"""Small knowledge folders for build, cache and reload tests, written into ``tmp_path``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from retrieval.building import FileRecord, Lexicon, read_file

API = """\
---
title: API
aliases: [Application Programming Interface]
---
An API is a set of rules that lets programs talk to each other.

## Applications
1. **Fintech:** Banks expose payment APIs to partners.
2. **E-commerce:** Shops connect shipping carriers through APIs.
"""

CACHING = """\
---
title: Caching
---
Caching keeps copies of data close to where it is used, so answers come back faster.

## Overview
A cache holds recent results in memory; entries expire after a time to live.
"""

QUEUE = """\
---
title: Message Queue
aliases: [MQ]
---
A message queue lets services hand work to each other without waiting.
"""

BROKEN = """\
---
title: [unclosed
---
Text.
"""


def write(path: Path, text: str) -> Path:
    """Write ``text`` and move the mtime forward, as an editor saving a file later would.

    File times can be coarser than the time between two writes in a test, so the mtime is
    set explicitly: one second after the file's previous one (or now).
    """
    before = path.stat().st_mtime_ns if path.exists() else None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if before is not None:
        later = before + 1_000_000_000
        os.utime(path, ns=(later, later))
    return path


def make_folder(root: Path) -> Path:
    """A folder with three valid entries and one broken file."""
    folder = root / "knowledge"
    write(folder / "api.md", API)
    write(folder / "caching.md", CACHING)
    write(folder / "more" / "message-queue.md", QUEUE)
    write(folder / "broken.md", BROKEN)
    return folder


def parsed_files(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record every file the build parses from now on."""
    seen: list[Path] = []

    def counting(path: Path, lexicon: Lexicon) -> FileRecord:
        seen.append(path)
        return read_file(path, lexicon)

    monkeypatch.setattr("retrieval.building.read_file", counting)
    return seen
