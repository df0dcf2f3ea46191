"""Read many knowledge files in worker processes: a cold build on every CPU.

Parsing and analysis are pure Python, so threads would not help (the GIL); processes
do. Each worker reads a contiguous run of files with its own ``Lexicon`` and sends back
its records laid out as the on-disk cache lays them out (``cache_format.encode_chunk``:
one string table and int columns, in its own term ids); the parent renames the term
ids into the shared lexicon with one numpy take per column, and the records' entries
and passages stay in those columns, as after a start from the cache. Results come back
in file order, so a parallel build equals a serial one.

Workers are forked when this process has a single thread (instant, nothing to import).
A process with threads (the bot reloading from a worker thread) must not fork, since a
lock held by another thread would stay locked in the child; it reads serially instead.

The parent's share of the work is receiving records, so it is kept small: the paths
reach the workers through the fork (a task is two numbers), a chunk travels as a few
arrays and one string table instead of tens of thousands of objects (unpickling those
and renaming their ids was 1.2 s of the parent's CPU at 100,000 passages), and writing
the cache afterwards copies each chunk's strings and rows whole. The parent's cyclic
garbage collector is paused while it receives: each pass would rescan every record
received so far, although records hold no cycles.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from retrieval.analysis import learn_words
from retrieval.building import FileRecord, Lexicon, cpu_count, read_file
from retrieval.cache_format import ChunkPayload, decode_chunk, encode_chunk

logger = logging.getLogger(__name__)

PARALLEL_MIN_FILES = 500
# Small chunks keep both CPUs busy to the end (the last chunk of one worker is all the
# other may wait for) and let the parent take records in while the workers still read.
CHUNKS_PER_WORKER = 16
MIN_CHUNK_FILES = 50

_paths: Sequence[Path] = ()  # set in each forked worker by ``_share_paths``


def _share_paths(paths: Sequence[Path]) -> None:
    """Pool initializer: the forked worker keeps the parent's list, nothing is pickled."""
    global _paths  # noqa: PLW0603  # one list per worker process, set once at its start
    _paths = paths
    gc.enable()  # forked while the parent had paused it


def _read_range(
    span: tuple[int, int],
) -> tuple[list[str], ChunkPayload, list[tuple[str, str]]]:
    lexicon = Lexicon()
    records = [read_file(p, lexicon) for p in _paths[span[0] : span[1]]]
    return lexicon.terms, encode_chunk(records), lexicon.word_terms()


def parallel_workers(n_files: int) -> int:
    """How many worker processes a build of ``n_files`` should use (0: none)."""
    cpus = cpu_count()
    if cpus < 2 or n_files < PARALLEL_MIN_FILES:
        return 0
    if threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
        return 0
    return cpus


def chunk_spans(n_files: int, workers: int) -> list[tuple[int, int]]:
    """Contiguous (start, stop) runs of files, in order, about the same size each."""
    size = max(MIN_CHUNK_FILES, -(-n_files // (workers * CHUNKS_PER_WORKER)))
    return [(start, min(start + size, n_files)) for start in range(0, n_files, size)]


def read_files_in_parallel(paths: Sequence[Path], lexicon: Lexicon) -> list[FileRecord] | None:
    """Records of ``paths`` read by worker processes, or None when not worth it."""
    workers = parallel_workers(len(paths))
    if not workers:
        return None
    spans = chunk_spans(len(paths), workers)
    logger.debug("reading %d files in %d worker processes", len(paths), workers)
    records: list[FileRecord] = []
    context = multiprocessing.get_context("fork")
    collecting = gc.isenabled()
    gc.disable()  # records hold no cycles; see the module docstring
    try:
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_share_paths, initargs=(paths,)
        ) as pool:
            for (start, stop), (terms, payload, words) in zip(
                spans, pool.map(_read_range, spans), strict=True
            ):
                mapping = lexicon.mapping(terms)
                records += decode_chunk(payload, paths[start:stop], mapping, len(lexicon))
                lexicon.note_words(words)  # the words the worker met, with their terms
                learn_words(words)  # the worker analysed them: this process need not
    finally:
        if collecting:
            gc.enable()
    return records
