"""Read many knowledge files in worker processes: a cold build on every CPU.

Parsing and analysis are pure Python, so threads would not help (the GIL); processes
do. Each worker reads a contiguous run of files with its own ``Lexicon`` and sends back
records with its own term ids; the parent renames them into the shared lexicon. Results
come back in file order, so a parallel build equals a serial one.

Workers are forked when this process has a single thread (instant, nothing to import).
A process with threads (the bot reloading from a worker thread) must not fork, since a
lock held by another thread would stay locked in the child; it reads serially instead.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from retrieval.building import FileRecord, Lexicon, cpu_count, read_file

logger = logging.getLogger(__name__)

PARALLEL_MIN_FILES = 500
CHUNKS_PER_WORKER = 4


def _read_chunk(paths: Sequence[Path]) -> tuple[list[str], list[FileRecord]]:
    lexicon = Lexicon()
    records = [read_file(p, lexicon) for p in paths]
    return lexicon.terms, records


def parallel_workers(n_files: int) -> int:
    """How many worker processes a build of ``n_files`` should use (0: none)."""
    cpus = cpu_count()
    if cpus < 2 or n_files < PARALLEL_MIN_FILES:
        return 0
    if threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
        return 0
    return cpus


def read_files_in_parallel(paths: Sequence[Path], lexicon: Lexicon) -> list[FileRecord] | None:
    """Records of ``paths`` read by worker processes, or None when not worth it."""
    workers = parallel_workers(len(paths))
    if not workers:
        return None
    size = -(-len(paths) // (workers * CHUNKS_PER_WORKER))
    chunks = [paths[i : i + size] for i in range(0, len(paths), size)]
    logger.debug("reading %d files in %d worker processes", len(paths), workers)
    records: list[FileRecord] = []
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for terms, chunk in pool.map(_read_chunk, chunks):
            mapping = lexicon.mapping(terms)
            records.extend(r.remapped(mapping) for r in chunk)
    return records
