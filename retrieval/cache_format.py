"""How file records are laid out in the cache: columns of ints, one table of strings.

The cache file is a zip (stored, not compressed) of numpy ``.npy`` arrays, one UTF-8
``strings.bin`` and one ``meta.json``; arrays that concatenate every file's are written
piece by piece, so saving never holds a second copy of them.

Loading 100,000 passages must take well under a second, so nothing is stored as one
JSON object per block: every string (lexicon terms, block texts, headings, labels,
split passage texts) goes once into a UTF-8 table with end offsets, and blocks and
passages are int columns pointing into it. JSON holds only one short row per file
(path relative to its knowledge folder, stamp, hash, front matter, problems). Nothing in
the format can run code when loaded.

Passages are stored, not recomputed (their heading, label and text point into the same
table as the blocks', so nothing is stored twice); ``decode_records`` checks a few
against ``passages.entry_passages``, so a change in how passages are made can never be
served from an old layout.
"""

from __future__ import annotations

import io
import os
import zipfile
from array import array
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, cast

import numpy as np
import numpy.typing as npt

from retrieval.building import Content, FileRecord, Parsed
from retrieval.counts import TermCounts, narrow_counts
from retrieval.field_terms_format import FIELD_ARRAYS, FieldColumns, field_columns
from retrieval.models import Problem, Severity
from retrieval.passages import entry_passages
from retrieval.stored import StoredContent, StoredEntries, StoredStrings

Arrays = dict[str, npt.NDArray[Any]]
SELF_CHECKS = 3
_BATCH = 1024  # chunks joined per write: one write per record was a third of saving


class StringTable:
    """Strings written once, straight into the cache file, by index (None is -1).

    Short repeated strings (terms, headings, labels) are looked up by value; long texts
    by identity, since a passage's text is usually its block's very string object. So
    neither a dictionary of every text nor a copy of all of them is ever held.
    """

    def __init__(self, out: IO[bytes]) -> None:
        self._out = out
        self._size = 0
        self._by_value: dict[str, int] = {}
        self._by_identity: dict[int, int] = {}
        self._by_stored: dict[tuple[int, int], int] = {}
        self.ends = array("q")

    def _append(self, text: str) -> int:
        return self._append_raw(text.encode("utf-8"))

    def _append_raw(self, raw: bytes | memoryview) -> int:
        self._size += self._out.write(raw)
        self.ends.append(self._size)
        return len(self.ends) - 1

    def add_table(self, blob: bytes, ends: npt.NDArray[np.int64]) -> int:
        """Append a whole table of strings (``ends`` its end offsets) as it is; returns
        the index its first string gets here. Its strings are not looked up or shared."""
        first = len(self.ends)
        base = self._size
        self._size += self._out.write(blob)
        self.ends.frombytes(np.asarray(ends + base, dtype=np.int64).tobytes())
        return first

    def add_stored(self, strings: StoredStrings, index: int) -> int:
        """The index of string ``index`` of a table read from a cache, copied as bytes."""
        if index < 0:
            return -1
        key = (id(strings), index)
        found = self._by_stored.get(key)
        if found is None:
            found = self._by_stored[key] = self._append_raw(strings.raw(index))
        return found

    def add(self, text: str | None) -> int:
        """The index of a short, often repeated ``text``."""
        if text is None:
            return -1
        found = self._by_value.get(text)
        if found is None:
            found = self._by_value[text] = self._append(text)
        return found

    def add_text(self, text: str) -> int:
        """The index of a long text, stored once per string object (kept alive by the caller)."""
        found = self._by_identity.get(id(text))
        if found is None:
            found = self._by_identity[id(text)] = self._append(text)
        return found


def write_npy(zf: zipfile.ZipFile, name: str, data: npt.NDArray[Any]) -> None:
    """One array as ``name.npy`` in the zip (numpy's own format, no pickle)."""
    with zf.open(f"{name}.npy", "w", force_zip64=True) as out:
        np.lib.format.write_array(out, np.ascontiguousarray(data), allow_pickle=False)


def buffered(raw: IO[bytes]) -> io.BufferedWriter:
    """A zip member written in 1 MiB pieces: the zip writer costs a CRC-32 call and a
    file write per ``write``, and a cache is 300,000 short strings and 10,000 arrays."""
    return io.BufferedWriter(raw, buffer_size=1 << 20)  # type: ignore[arg-type]


def write_npy_chunks(
    zf: zipfile.ZipFile,
    name: str,
    dtype: type[np.generic],
    chunks: Sequence[npt.NDArray[Any]],
    width: int = 1,
) -> None:
    """The concatenation of the flat ``chunks`` as one ``name.npy`` (rows of ``width``
    when more than 1), written a batch of chunks at a time: never a second copy of the
    whole."""
    total = sum(map(len, chunks))
    header = {
        "descr": np.lib.format.dtype_to_descr(np.dtype(dtype)),
        "fortran_order": False,
        "shape": (total,) if width == 1 else (total // width, width),
    }
    with zf.open(f"{name}.npy", "w", force_zip64=True) as raw, buffered(raw) as out:
        np.lib.format.write_array_header_1_0(out, header)
        for start in range(0, len(chunks), _BATCH):
            batch = np.concatenate(chunks[start : start + _BATCH])
            out.write(np.ascontiguousarray(batch, dtype=dtype).data)


def read_npy(zf: zipfile.ZipFile, name: str) -> npt.NDArray[Any]:
    """An array written by ``write_npy``; the zip checks its CRC-32 as it is read."""
    with zf.open(f"{name}.npy") as file:
        data: npt.NDArray[Any] = np.lib.format.read_array(file, allow_pickle=False)
    return data


def _relative(path: Path, root: str, folder: Path) -> str:
    """``path`` relative to ``folder`` in POSIX form; by string when it starts with it."""
    text = str(path)
    if os.sep == "/" and text.startswith(root + "/"):
        return text[len(root) + 1 :]  # the usual case, without pathlib's parsing
    return path.relative_to(folder).as_posix()


Column = tuple[str, type[np.generic], int, Sequence[npt.NDArray[Any]]]  # name, type, width, parts


class _Rows:
    """An int column filled row by row and whole arrays at a time, as numpy parts."""

    def __init__(self) -> None:
        self._parts: list[npt.NDArray[Any]] = []
        self._tail = array("q")

    def extend(self, values: Iterable[int]) -> None:
        self._tail.extend(values)

    def add(self, part: npt.NDArray[Any]) -> None:
        self._flush()
        self._parts.append(part)

    def _flush(self) -> None:
        if self._tail:
            self._parts.append(np.frombuffer(self._tail, dtype=np.int64))
            self._tail = array("q")

    def parts(self) -> list[npt.NDArray[Any]]:
        self._flush()
        return self._parts


class Chunk:
    """Records a worker process laid out as the cache does (``encode_chunk``).

    Their contents stay in these columns (``ChunkContent``), and writing the cache
    copies a whole chunk's strings and rows at once instead of string by string.
    """

    def __init__(self, blob: bytes, arrays: Arrays, entries: int) -> None:
        self.blob = blob
        self.ends = arrays["string_ends"].astype(np.int64, copy=False)
        self.blocks = arrays["blocks"].reshape(-1, 5)
        self.passages = arrays["passages"].reshape(-1, 3)
        self.names = arrays["names"]  # every entry's names and name words, as strings here
        self.words = arrays["words"]
        self.entries = entries  # records with an entry, each a ``ChunkContent``


class ChunkContent(StoredContent):
    """A record's content in a ``Chunk``: its ``index``-th entry."""

    __slots__ = ("chunk", "index")

    def __init__(self, store: StoredEntries, meta: Sequence[Any], path: Path, *,
                 first_block: int, first_passage: int, count: int, chunk: Chunk,
                 index: int) -> None:  # fmt: skip
        super().__init__(store, meta, path, first_block=first_block,
                         first_passage=first_passage, count=count)  # fmt: skip
        self.chunk = chunk
        self.index = index


def _chunk_run(records: Sequence[FileRecord], start: int) -> int:
    """How many records from ``start`` hold a whole chunk's entries, in order (0: none)."""
    first = records[start].content
    if not isinstance(first, ChunkContent) or first.index:
        return 0
    chunk, found, at = first.chunk, 0, start
    while at < len(records) and found < chunk.entries:
        content = records[at].content
        if isinstance(content, ChunkContent) and content.chunk is chunk and content.index == found:
            found += 1
        elif content.entry_id is not None:
            return 0
        at += 1
    return at - start if found == chunk.entries else 0


class RecordWriter:
    """Lays records out as the cache stores them: their strings into one table written
    to ``out``, int columns, and one row per record (stamp, hash, front matter, problems)."""

    def __init__(self, out: IO[bytes]) -> None:
        self.table = StringTable(out)
        self.rows: list[list[Any]] = []
        self._blocks = _Rows()  # text, section, label, line, is_item per block
        self._passages = _Rows()  # section, label, text per passage
        self._names = array("q")  # the ranker's names of every entry, record after record
        self._words = array("q")  # the names' words as written, record after record

    def add(self, records: Sequence[FileRecord]) -> None:
        """Lay out ``records``, after the ones added before."""
        at = 0
        while at < len(records):
            run = _chunk_run(records, at)
            if run:
                self._add_chunk(records[at : at + run])
                at += run
            else:
                self._add(records[at])
                at += 1

    def _add(self, record: FileRecord) -> None:
        table, blocks, passages = self.table, self._blocks, self._passages
        content = record.content
        meta = None
        if isinstance(content, StoredContent) and not content.made:
            # Still in a cache's columns: copy its rows, never make its objects.
            meta = list(content.meta)
            strings = content.strings
            for text, section, label, line, item in content.block_rows():
                blocks.extend((table.add_stored(strings, text),
                               table.add_stored(strings, section),
                               table.add_stored(strings, label), line, item))  # fmt: skip
            for section, label, text in content.passage_rows():
                passages.extend((table.add_stored(strings, section),
                                 table.add_stored(strings, label),
                                 table.add_stored(strings, text)))  # fmt: skip
        elif (entry := content.entry) is not None:
            meta = [entry.id, entry.title, entry.url, list(entry.aliases),
                    list(entry.tags), entry.updated, len(entry.blocks)]  # fmt: skip
            for b in entry.blocks:
                blocks.extend((table.add_text(b.text), table.add(b.section),
                               table.add(b.label), b.line, int(b.is_item)))  # fmt: skip
            for p in record.passages:
                passages.extend((table.add(p.section), table.add(p.label), table.add_text(p.text)))
        self._add_row(record, meta)

    def _add_chunk(self, records: Sequence[FileRecord]) -> None:
        """Records holding a whole chunk: its strings and rows are copied as they are."""
        chunk = cast(ChunkContent, records[0].content).chunk
        first = self.table.add_table(chunk.blob, chunk.ends)
        for rows, width in ((chunk.blocks, 5), (chunk.passages, 3)):
            moved = rows.astype(np.int64, copy=True).reshape(-1, width)
            strings = moved[:, :3]
            strings[strings >= 0] += first  # -1 (None) stays
            (self._blocks if width == 5 else self._passages).add(moved.reshape(-1))
        self._names.frombytes(np.asarray(chunk.names + first, dtype=np.int64).tobytes())
        self._words.frombytes(np.asarray(chunk.words + first, dtype=np.int64).tobytes())
        for record in records:
            content = record.content
            meta = list(content.meta) if isinstance(content, ChunkContent) else None
            self._add_row(record, meta, names=False)

    def _add_row(self, record: FileRecord, meta: list[Any] | None, *, names: bool = True) -> None:
        if meta is not None and names:
            add = self.table.add
            self._names.extend(add(name) for name in record.fields.names)
            self._words.extend(add(word) for word in record.fields.words)
        problems = [[p.line, p.message, p.severity.value] for p in record.problems]
        self.rows.append([*record.stamp, record.digest, meta, problems])

    def columns(self, records: Sequence[FileRecord]) -> list[Column]:
        """Every column of the records added (``records``), as parts to concatenate."""
        tf = [r.counts.tf for r in records]
        return [
            ("string_ends", np.int64, 1, [np.frombuffer(self.table.ends, dtype=np.int64)]),
            ("blocks", np.int64, 5, self._blocks.parts()),
            ("passages", np.int64, 3, self._passages.parts()),
            ("record_passages", np.int64, 1, [np.asarray([len(r.lengths) for r in records])]),
            ("lengths", np.int64, 1, [r.lengths for r in records]),
            ("terms", np.int32, 1, [r.counts.terms for r in records]),
            ("tf", narrow_counts(tf), 1, tf),
            ("distinct", np.int64, 1, [np.diff(r.counts.doc_ptr) for r in records]),
            ("names", np.int64, 1, [np.frombuffer(self._names, dtype=np.int64)]),
            ("words", np.int64, 1, [np.frombuffer(self._words, dtype=np.int64)]),
            *field_columns([r.fields for r in records]),
        ]


def write_records(
    zf: zipfile.ZipFile,
    records: Sequence[FileRecord],
    folder_of: Sequence[int],
    folders: Sequence[Path],
    lexicon: Sequence[str],
) -> list[Any]:
    """Write ``records``' strings and arrays into ``zf``; returns their JSON rows.

    Record ``i`` is in ``folders[folder_of[i]]``.
    """
    with zf.open("strings.bin", "w", force_zip64=True) as raw, buffered(raw) as out:
        writer = RecordWriter(out)
        for term in lexicon:
            writer.table.add(term)
        writer.add(records)
    for name, dtype, width, parts in writer.columns(records):
        write_npy_chunks(zf, name, dtype, parts, width)
    roots = [str(folder) for folder in folders]
    return [
        [folder, _relative(record.path, roots[folder], folders[folder]), *row]
        for record, folder, row in zip(records, folder_of, writer.rows, strict=True)
    ]


# Columns of term ids: a worker's are in its own lexicon's ids until the parent maps them.
TERM_COLUMNS = ("terms", "name_ids", "section_ids", "label_ids", "entry_terms", "word_terms")

ChunkPayload = tuple[bytes, Arrays, list[list[Any]]]


def encode_chunk(records: Sequence[FileRecord]) -> ChunkPayload:
    """``records`` laid out as the cache does (term ids as they are), to send elsewhere."""
    out = io.BytesIO()
    writer = RecordWriter(out)
    writer.add(records)
    arrays: Arrays = {}
    for name, dtype, width, parts in writer.columns(records):
        joined = np.concatenate([p.reshape(-1) for p in parts]) if parts else np.zeros(0)
        column = joined.astype(dtype, copy=False)
        arrays[name] = column if width == 1 else column.reshape(-1, width)
    return out.getvalue(), arrays, writer.rows


def decode_chunk(
    payload: ChunkPayload, paths: Sequence[Path], mapping: npt.NDArray[np.int32], n_terms: int
) -> list[FileRecord]:
    """The records of ``encode_chunk`` for ``paths``, term ``i`` renamed ``mapping[i]``
    (below ``n_terms``)."""
    blob, arrays, rows = payload
    arrays = {k: mapping[v] if k in TERM_COLUMNS else v for k, v in arrays.items()}
    chunk = Chunk(blob, arrays, sum(row[3] is not None for row in rows))
    strings = StoredStrings(blob, chunk.ends)
    return _decode(rows, paths, strings, arrays, n_terms, chunk=chunk, checks=0)


ARRAYS = ("string_ends", "blocks", "passages", "record_passages", "lengths",
          "terms", "tf", "distinct", "names", "words", *FIELD_ARRAYS)  # fmt: skip


def read_arrays(zf: zipfile.ZipFile) -> tuple[bytes, dict[str, npt.NDArray[Any]]]:
    """The string blob and every array of a cache written by ``write_records``."""
    return zf.read("strings.bin"), {name: read_npy(zf, name) for name in ARRAYS}


def decode_records(
    files: list[Any],
    blob: bytes,
    arrays: Mapping[str, npt.NDArray[Any]],
    folders: Sequence[Path],
    n_terms: int,
) -> tuple[list[str], tuple[tuple[FileRecord, ...], ...]]:
    """The lexicon and records per folder; raises ValueError when anything is inconsistent.

    Entries and passages stay in the columns until first used (``retrieval.stored``).
    """
    strings = StoredStrings(blob, arrays["string_ends"])
    if n_terms > len(strings):
        raise ValueError("term ids outside the lexicon")
    paths = [folders[row[0]] / row[1] for row in files]
    records = _decode([row[2:] for row in files], paths, strings, arrays, n_terms,
                      chunk=None, checks=SELF_CHECKS)  # fmt: skip
    scans: list[list[FileRecord]] = [[] for _ in folders]
    for row, record in zip(files, records, strict=True):
        scans[row[0]].append(record)
    return strings.first(n_terms), tuple(tuple(scan) for scan in scans)


def _decode(
    rows: Sequence[Sequence[Any]],
    paths: Sequence[Path],
    strings: StoredStrings,
    arrays: Mapping[str, npt.NDArray[Any]],
    n_terms: int,
    *,
    chunk: Chunk | None,
    checks: int,
) -> list[FileRecord]:
    """Records from their rows (stamp, hash, front matter, problems) and columns.

    Contents are ``ChunkContent`` of ``chunk`` when given; ``checks`` entries have their
    passages made again and compared.
    """
    blocks = arrays["blocks"].reshape(-1, 5)
    store = StoredEntries(strings, blocks, arrays["passages"].reshape(-1, 3))
    lengths = arrays["lengths"].astype(np.int64, copy=False)
    terms = arrays["terms"].astype(np.int32, copy=False)
    tf = arrays["tf"]  # uint8 when every count fits: kept narrow
    if tf.dtype.kind not in "iu":
        raise ValueError("term counts are not integers")
    distinct = arrays["distinct"].astype(np.int64, copy=False)
    if int(lengths.sum()) != int(tf.sum()) or not int(distinct.sum()) == len(terms) == len(tf):
        raise ValueError("term totals do not match")
    if len(terms) and not 0 <= int(terms.min()) <= int(terms.max()) < n_terms:
        raise ValueError("term ids outside the lexicon")
    if len(blocks) and (int(blocks[:, :3].max()) >= len(strings) or int(blocks[:, 0].min()) < 0):
        raise ValueError("block strings outside the table")
    per_record = arrays["record_passages"].tolist()
    n_passages = len(arrays["passages"].reshape(-1, 3))
    if not n_passages == len(lengths) == len(distinct) == sum(per_record):
        raise ValueError("passage totals do not match")
    if not len(per_record) == len(rows) == len(paths):
        raise ValueError("file totals do not match")
    names = [strings.get(i) or "" for i in arrays["names"].tolist()]
    words = [strings.get(i) or "" for i in arrays["words"].tolist()]
    columns = FieldColumns(arrays, names, words, arrays["record_passages"].astype(np.int64))
    count_at = [0, *np.cumsum(distinct).tolist()]
    records: list[FileRecord] = []
    b_at = p_at = entries = 0
    for (mtime, size, digest, meta, problem_rows), path, count in zip(
        rows, paths, per_record, strict=True
    ):
        content: Content = Parsed(None, ())
        p0 = p_at
        if meta is not None:
            if chunk is None:
                content = StoredContent(
                    store, meta, path, first_block=b_at, first_passage=p_at, count=count
                )
            else:
                content = ChunkContent(store, meta, path, first_block=b_at, first_passage=p_at,
                                       count=count, chunk=chunk, index=entries)  # fmt: skip
            entries += 1
            b_at += meta[6]
            p_at += count
            if checks and count:
                checks -= 1
                entry = store.entry(meta, path, b_at - meta[6])  # made for the check only
                if store.passages(entry, p0, count) != tuple(entry_passages(entry)):
                    raise ValueError("passages are made differently now")
        p1 = p_at
        doc_ptr = np.asarray(count_at[p0 : p1 + 1], dtype=np.int64) - count_at[p0]
        c0, c1 = count_at[p0], count_at[p1]
        counts = TermCounts(doc_ptr, terms[c0:c1], tf[c0:c1], lengths[p0:p1])
        problems = tuple(Problem(path, int(n), str(m), Severity(s)) for n, m, s in problem_rows)
        records.append(FileRecord(path, (int(mtime), int(size)), str(digest), content, problems,
                                  lengths[p0:p1], counts, columns.next()))  # fmt: skip
    if p_at != n_passages or b_at != len(blocks) or not columns.finished():
        raise ValueError("rows left over")
    return records
