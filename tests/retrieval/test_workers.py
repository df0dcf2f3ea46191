"""Specification of the parallel read: the same records as a serial read, in file order."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval import cache, cache_format, workers
from retrieval.building import FileRecord, Lexicon, read_file
from retrieval.cache_format import decode_chunk, encode_chunk
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


def test_the_workers_words_reach_the_lexicon_and_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Words a worker analysed are kept with the lexicon (for the cache) and learnt here."""
    from retrieval import analysis

    for memo in ("_word_terms", "_chunks", "_short_texts"):  # nothing analysed yet
        monkeypatch.setattr(analysis, memo, {})
    monkeypatch.setattr(workers, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(workers, "MIN_CHUNK_FILES", 5)
    monkeypatch.setattr(workers, "cpu_count", lambda: 2)
    lexicon = Lexicon()
    assert workers.read_files_in_parallel(_folder(tmp_path), lexicon) is not None
    words = dict(lexicon.word_terms())
    assert words["banks"] == "bank" and words["shipping"] == "ship"
    assert analysis._word_terms["banks"] == "bank"  # learnt from the worker


def test_few_files_are_read_in_this_process(tmp_path: Path) -> None:
    assert workers.read_files_in_parallel(_folder(tmp_path), Lexicon()) is None


def _chunked(paths: list[Path], size: int) -> tuple[Lexicon, list[FileRecord]]:
    """Records read as the workers send them, ``size`` files a chunk, in this process."""
    lexicon = Lexicon()
    records: list[FileRecord] = []
    for start in range(0, len(paths), size):
        own = Lexicon()
        payload = encode_chunk([read_file(p, own) for p in paths[start : start + size]])
        mapping = lexicon.mapping(own.terms)
        records += decode_chunk(payload, paths[start : start + size], mapping, len(lexicon))
    return lexicon, records


def _cached(
    tmp_path: Path, folder: Path, records: list[FileRecord], lexicon: Lexicon
) -> list[tuple[object, ...]]:
    cache.save(tmp_path, [folder], [records], lexicon)
    loaded = cache.load(tmp_path, [folder])
    assert loaded is not None
    return [_view(r, loaded.lexicon.terms) for r in loaded.records[0]]


def test_a_chunk_decodes_to_the_records_it_was_made_of(tmp_path: Path) -> None:
    paths = _folder(tmp_path)
    lexicon, records = _chunked(paths, 5)
    serial_lexicon = Lexicon()
    serial = [read_file(p, serial_lexicon) for p in paths]
    assert lexicon.terms == serial_lexicon.terms
    assert [_view(r, lexicon.terms) for r in records] == [_view(r, lexicon.terms) for r in serial]
    assert [r.entry for r in records] == [r.entry for r in serial]
    assert [r.fields.names for r in records] == [r.fields.names for r in serial]


def test_whole_chunks_are_copied_into_the_cache_as_they_are(tmp_path: Path) -> None:
    paths = _folder(tmp_path)
    lexicon, records = _chunked(paths, 5)
    serial_lexicon = Lexicon()
    serial = [read_file(p, serial_lexicon) for p in paths]
    expected = _cached(tmp_path / "serial", tmp_path, serial, serial_lexicon)
    assert [cache_format._chunk_run(records, i) for i in range(len(records))] == [
        5, 0, 0, 0, 0, 5, 0, 0, 0, 0, 1, 0  # a broken file after a chunk's last entry: alone
    ]  # fmt: skip
    assert _cached(tmp_path / "chunks", tmp_path, records, lexicon) == expected
    # A chunk one of whose files was read again is copied row by row.
    replaced = [*records[:2], read_file(paths[2], lexicon), *records[3:]]
    assert cache_format._chunk_run(replaced, 0) == 0
    assert _cached(tmp_path / "mixed", tmp_path, replaced, lexicon) == expected
