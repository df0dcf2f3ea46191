"""Read many knowledge files in worker processes: a cold build on every CPU.

Parsing and analysis are pure Python, so threads would not help (the GIL); processes
do. Each worker reads a contiguous run of files with its own ``Lexicon`` and sends back
records with its own term ids; the parent renames them into the shared lexicon. Results
come back in file order, so a parallel build equals a serial one.

Workers are forked when this process has a single thread (instant, nothing to import).
A process with threads (the bot reloading from a worker thread) must not fork, since a
lock held by another thread would stay locked in the child; it reads serially instead.

The parent's share of the work is receiving records, so it is kept small: the paths
reach the workers through the fork (a task is two numbers), records travel in a pickle
that is cheap to write and read (``dumps``), and the parent's cyclic garbage
collector is paused while it unpickles: each pass would rescan every record received
so far, although records hold no cycles (this made unpickling three times slower).
"""

from __future__ import annotations

import copyreg
import dataclasses
import gc
import io
import logging
import multiprocessing
import operator
import pickle
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.building import FileRecord, Lexicon, cpu_count, read_file

logger = logging.getLogger(__name__)

PARALLEL_MIN_FILES = 500
# Small chunks keep both CPUs busy to the end (the last chunk of one worker is all the
# other may wait for) and let the parent unpickle while the workers still read.
CHUNKS_PER_WORKER = 16
MIN_CHUNK_FILES = 50

_paths: Sequence[Path] = ()  # set in each forked worker by ``_share_paths``

Reduced = tuple[Callable[..., object], tuple[Any, ...]]


def _share_paths(paths: Sequence[Path]) -> None:
    """Pool initializer: the forked worker keeps the parent's list, nothing is pickled."""
    global _paths  # noqa: PLW0603  # one list per worker process, set once at its start
    _paths = paths
    gc.enable()  # forked while the parent had paused it


def _read_range(span: tuple[int, int]) -> tuple[list[str], bytes]:
    lexicon = Lexicon()
    records = [read_file(p, lexicon) for p in _paths[span[0] : span[1]]]
    return lexicon.terms, dumps(records)


def _array(data: bytes, dtype: str) -> np.ndarray[Any, Any]:
    """A writable array that owns its data, as default unpickling gives."""
    return np.frombuffer(data, dtype=dtype).copy()


def _reduce_array(array: np.ndarray[Any, Any]) -> Reduced:
    # numpy's own reduce costs ~10 µs an array to dump; records hold about fifteen.
    if array.ndim == 1 and array.dtype.isnative and array.dtype.kind in "biuf":
        return _array, (array.tobytes(), array.dtype.str)
    return array.__reduce_ex__(pickle.HIGHEST_PROTOCOL)  # type: ignore[return-value]


class _Reducers(dict[type, Callable[[Any], Any]]):
    """Pickler dispatch table that rebuilds plain dataclasses with their constructor.

    The default for a slotted dataclass calls its ``__setstate__`` in Python; the
    constructor is cheaper. Only classes whose whole state is their init fields
    qualify (slots equal to the fields, no ``__post_init__``); any other class goes
    the default way (a missing key).
    """

    def __missing__(self, cls: type) -> Callable[[Any], Any]:
        names = _constructor_fields(cls)
        if names is None:
            raise KeyError(cls)
        get = operator.attrgetter(*names)

        def reduce(obj: object) -> Reduced:
            return cls, get(obj)

        self[cls] = reduce
        return reduce


def _constructor_fields(cls: type) -> tuple[str, ...] | None:
    """The fields that rebuild an instance of ``cls`` when passed to it, if there are such."""
    if not dataclasses.is_dataclass(cls) or hasattr(cls, "__post_init__"):
        return None
    params = getattr(cls, "__dataclass_params__", None)
    fields = dataclasses.fields(cls)
    names = tuple(f.name for f in fields)
    if params is None or not params.init or not all(f.init for f in fields):
        return None
    return names if names and cls.__dict__.get("__slots__") == names else None


_REDUCERS = _Reducers(copyreg.dispatch_table)
_REDUCERS[np.ndarray] = _reduce_array


def dumps(obj: object) -> bytes:
    """``pickle.dumps`` with cheaper arrays and dataclasses; ``pickle.loads`` reads it."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _REDUCERS
    pickler.dump(obj)
    return buffer.getvalue()


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
            for terms, payload in pool.map(_read_range, spans):
                mapping = lexicon.mapping(terms)
                records.extend(r.remapped(mapping) for r in pickle.loads(payload))
    finally:
        if collecting:
            gc.enable()
    return records
