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
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from retrieval.building import Content, FileRecord, Parsed
from retrieval.counts import TermCounts
from retrieval.field_terms_format import FIELD_ARRAYS, FieldColumns, write_field_terms
from retrieval.models import Problem, Severity
from retrieval.passages import entry_passages
from retrieval.stored import StoredContent, StoredEntries, StoredStrings

Arrays = dict[str, npt.NDArray[Any]]
SELF_CHECKS = 3


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
    zf: zipfile.ZipFile, name: str, dtype: type[np.generic], chunks: Sequence[npt.NDArray[Any]]
) -> None:
    """The concatenation of ``chunks`` as one ``name.npy``, written piece by piece."""
    header = {
        "descr": np.lib.format.dtype_to_descr(np.dtype(dtype)),
        "fortran_order": False,
        "shape": (sum(len(c) for c in chunks),),
    }
    with zf.open(f"{name}.npy", "w", force_zip64=True) as raw, buffered(raw) as out:
        np.lib.format.write_array_header_1_0(out, header)
        for chunk in chunks:
            out.write(np.ascontiguousarray(chunk, dtype=dtype).data)


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
    files: list[Any] = []
    blocks = array("q")  # text, section, label, line, is_item per block
    passages = array("q")  # section, label, text per passage
    names = array("q")  # the ranker's names of every entry, record after record
    words = array("q")  # the names' words as written, record after record
    with zf.open("strings.bin", "w", force_zip64=True) as raw, buffered(raw) as out:
        table = StringTable(out)
        for term in lexicon:
            table.add(term)
        roots = [str(folder) for folder in folders]
        for record, folder in zip(records, folder_of, strict=True):
            relative = _relative(record.path, roots[folder], folders[folder])
            problems = [[p.line, p.message, p.severity.value] for p in record.problems]
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
                    passages.extend(
                        (table.add(p.section), table.add(p.label), table.add_text(p.text))
                    )
            if meta is not None:
                names.extend(table.add(name) for name in record.fields.names)
                words.extend(table.add(word) for word in record.fields.words)
            files.append([folder, relative, *record.stamp, record.digest, meta, problems])
    write_npy(zf, "string_ends", np.frombuffer(table.ends, dtype=np.int64))
    write_npy(zf, "blocks", np.frombuffer(blocks, dtype=np.int64).reshape(-1, 5))
    write_npy(zf, "passages", np.frombuffer(passages, dtype=np.int64).reshape(-1, 3))
    write_npy(zf, "record_passages", np.asarray([len(r.lengths) for r in records]))
    write_npy_chunks(zf, "lengths", np.int64, [r.lengths for r in records])
    write_npy_chunks(zf, "terms", np.int32, [r.counts.terms for r in records])
    write_npy_chunks(zf, "tf", np.int32, [r.counts.tf for r in records])
    write_npy_chunks(zf, "distinct", np.int64, [np.diff(r.counts.doc_ptr) for r in records])
    write_npy(zf, "names", np.frombuffer(names, dtype=np.int64))
    write_npy(zf, "words", np.frombuffer(words, dtype=np.int64))
    write_field_terms(zf, [r.fields for r in records])
    return files


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
    blocks = arrays["blocks"].reshape(-1, 5)
    store = StoredEntries(strings, blocks, arrays["passages"].reshape(-1, 3))
    lengths = arrays["lengths"].astype(np.int64, copy=False)
    terms = arrays["terms"].astype(np.int32, copy=False)
    tf = arrays["tf"].astype(np.int32, copy=False)
    distinct = arrays["distinct"].astype(np.int64, copy=False)
    if int(lengths.sum()) != int(tf.sum()) or not int(distinct.sum()) == len(terms) == len(tf):
        raise ValueError("term totals do not match")
    if n_terms > len(strings) or (
        len(terms) and not 0 <= int(terms.min()) <= int(terms.max()) < n_terms
    ):
        raise ValueError("term ids outside the lexicon")
    if len(blocks) and (int(blocks[:, :3].max()) >= len(strings) or int(blocks[:, 0].min()) < 0):
        raise ValueError("block strings outside the table")
    per_record = arrays["record_passages"].tolist()
    n_passages = len(arrays["passages"].reshape(-1, 3))
    if not n_passages == len(lengths) == len(distinct) == sum(per_record):
        raise ValueError("passage totals do not match")
    if len(per_record) != len(files):
        raise ValueError("file totals do not match")
    names = [strings.get(i) or "" for i in arrays["names"].tolist()]
    words = [strings.get(i) or "" for i in arrays["words"].tolist()]
    columns = FieldColumns(arrays, names, words, arrays["record_passages"].astype(np.int64))
    count_at = [0, *np.cumsum(distinct).tolist()]
    scans: list[list[FileRecord]] = [[] for _ in folders]
    b_at = p_at = 0
    checks = SELF_CHECKS
    for (folder, relative, mtime, size, digest, meta, problem_rows), count in zip(
        files, per_record, strict=True
    ):
        path = folders[folder] / relative
        content: Content = Parsed(None, ())
        p0 = p_at
        if meta is not None:
            content = StoredContent(
                store, meta, path, first_block=b_at, first_passage=p_at, count=count
            )
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
        record = FileRecord(path, (int(mtime), int(size)), str(digest), content, problems,
                            lengths[p0:p1], counts,
                            columns.next())  # fmt: skip
        scans[folder].append(record)
    if p_at != n_passages or b_at != len(blocks) or not columns.finished():
        raise ValueError("rows left over")
    return strings.first(n_terms), tuple(tuple(scan) for scan in scans)
