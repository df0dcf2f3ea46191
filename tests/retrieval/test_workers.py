"""Specification of the parallel read: the same records as a serial read, in file order."""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from retrieval import workers
from retrieval.building import FileRecord, Lexicon, read_file
from retrieval.models import Block, Passage, Problem, Severity
from tests.retrieval.knowledge_files import API, BROKEN, CACHING, QUEUE, write


def _folder(root: Path) -> list[Path]:
    texts = [API, CACHING, QUEUE, BROKEN] * 3
    return [write(root / f"f{i:02}.md", text) for i, text in enumerate(texts)]


def _view(record: FileRecord, terms: list[str]) -> tuple[object, ...]:
    """Everything a record holds, with term ids spelled out as their terms."""
    ids = record.counts.terms.tolist()
    return (record.path, record.stamp, record.digest, repr(record.entry),
            repr(record.passages), record.problems, record.lengths.tolist(),
            [terms[i] for i in ids], record.counts.tf.tolist(),
            record.counts.doc_ptr.tolist(), record.kept)  # fmt: skip


def test_chunks_are_contiguous_runs_in_file_order() -> None:
    assert workers.chunk_spans(120, 2) == [(0, 50), (50, 100), (100, 120)]
    assert workers.chunk_spans(3200, 2) == [(i, i + 100) for i in range(0, 3200, 100)]


def test_parallel_read_equals_serial_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = _folder(tmp_path)
    monkeypatch.setattr(workers, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(workers, "MIN_CHUNK_FILES", 5)  # three chunks, two workers
    monkeypatch.setattr(workers, "cpu_count", lambda: 2)
    parallel_lexicon, serial_lexicon = Lexicon(), Lexicon()
    parallel = workers.read_files_in_parallel(paths, parallel_lexicon)
    serial = [read_file(p, serial_lexicon) for p in paths]
    assert parallel is not None
    assert parallel_lexicon.terms == serial_lexicon.terms
    assert [_view(r, parallel_lexicon.terms) for r in parallel] == [
        _view(r, serial_lexicon.terms) for r in serial
    ]


def test_few_files_are_read_in_this_process(tmp_path: Path) -> None:
    assert workers.read_files_in_parallel(_folder(tmp_path), Lexicon()) is None


def test_dumped_records_load_as_they_were(tmp_path: Path) -> None:
    paths = _folder(tmp_path)[:4]
    lexicon = Lexicon()
    records = [read_file(p, lexicon) for p in paths]
    loaded = pickle.loads(workers.dumps(records))
    assert [_view(r, lexicon.terms) for r in loaded] == [_view(r, lexicon.terms) for r in records]
    assert loaded[0].entry == records[0].entry
    assert loaded[3].problems == records[3].problems  # a Path and an enum: the default way
    counts = loaded[0].counts
    assert counts.terms.dtype == np.int32 and counts.doc_ptr.dtype == np.int64
    assert counts.terms.flags.writeable and counts.terms.flags.owndata


def test_arrays_other_than_flat_numbers_keep_numpy_pickling() -> None:
    grid = np.arange(6, dtype=np.float64).reshape(2, 3)
    swapped = np.arange(3, dtype=">i4")
    loaded = pickle.loads(workers.dumps([grid, swapped]))
    assert loaded[0].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert loaded[1].dtype == np.dtype(">i4") and loaded[1].tolist() == [0, 1, 2]


@dataclass(frozen=True, slots=True)
class _Checked:
    value: int

    def __post_init__(self) -> None:
        assert self.value >= 0


@dataclass(frozen=True)
class _Open:
    value: int


def test_only_plain_slotted_dataclasses_are_rebuilt_by_their_constructor() -> None:
    assert workers._constructor_fields(Block) == ("section", "text", "line", "label", "is_item")
    assert workers._constructor_fields(Passage) is not None
    assert workers._constructor_fields(Problem) == ("path", "line", "message", "severity")
    assert workers._constructor_fields(_Checked) is None
    assert workers._constructor_fields(_Open) is None
    assert workers._constructor_fields(Severity) is None
