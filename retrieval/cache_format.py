"""How file records are laid out in the cache: JSON for entries, arrays for terms.

Entries and problems become plain JSON lists (no pickle, nothing that runs code); paths
are stored relative to their knowledge folder, so a cache still fits when the folder is
named another way (``./knowledge`` or ``knowledge``). Term data is concatenated over all
records into a few int arrays, with each record's passage, token and count totals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from retrieval.building import FileRecord, Lexicon, token_arrays
from retrieval.counts import TermCounts
from retrieval.models import Block, Entry, Problem, Severity
from retrieval.passages import entry_passages


def entry_to_json(entry: Entry) -> list[Any]:
    """An entry as a JSON list (its path is the record's)."""
    blocks = [[b.section, b.text, b.line, b.label, b.is_item] for b in entry.blocks]
    return [entry.id, entry.title, entry.url, list(entry.aliases), list(entry.tags),
            entry.updated, blocks]  # fmt: skip


def entry_from_json(data: list[Any], path: Path) -> Entry:
    """The inverse of ``entry_to_json``."""
    entry_id, title, url, aliases, tags, updated, blocks = data
    return Entry(
        id=str(entry_id),
        title=str(title),
        path=path,
        blocks=tuple(Block(s, str(t), int(n), lb, bool(i)) for s, t, n, lb, i in blocks),
        url=url,
        aliases=tuple(aliases),
        tags=tuple(tags),
        updated=updated,
    )


def encode_records(
    records: Sequence[FileRecord], folder_of: Sequence[int], folders: Sequence[Path]
) -> tuple[list[Any], dict[str, npt.NDArray[Any]]]:
    """JSON rows and arrays for ``records`` (record ``i`` is in ``folders[folder_of[i]]``)."""
    files: list[Any] = []
    for record, folder in zip(records, folder_of, strict=True):
        relative = record.path.relative_to(folders[folder]).as_posix()
        problems = [[p.line, p.message, p.severity.value] for p in record.problems]
        entry = entry_to_json(record.entry) if record.entry is not None else None
        files.append([folder, relative, *record.stamp, record.digest, entry, problems])
    tokens, lengths = token_arrays(records)
    merged = TermCounts.concatenate([r.counts for r in records])
    arrays: dict[str, npt.NDArray[Any]] = {
        "tokens": tokens,
        "lengths": lengths,
        "terms": merged.terms,
        "tf": merged.tf,
        "distinct": np.diff(merged.doc_ptr),
        "passages": np.asarray([len(r.lengths) for r in records], dtype=np.int64),
    }
    return files, arrays


def decode_records(
    files: list[Any],
    arrays: Mapping[str, npt.NDArray[Any]],
    folders: Sequence[Path],
    lexicon: Lexicon,
) -> tuple[tuple[FileRecord, ...], ...]:
    """Records per folder from ``encode_records`` output; raises ValueError when inconsistent."""
    tokens = arrays["tokens"].astype(np.int32, copy=False)
    lengths = arrays["lengths"].astype(np.int64, copy=False)
    terms = arrays["terms"].astype(np.int32, copy=False)
    tf = arrays["tf"].astype(np.int32, copy=False)
    distinct = arrays["distinct"].astype(np.int64, copy=False)
    per_record = arrays["passages"].astype(np.int64, copy=False)
    if len(per_record) != len(files) or int(per_record.sum()) != len(lengths):
        raise ValueError("passage totals do not match")
    if int(lengths.sum()) != len(tokens) or not int(distinct.sum()) == len(terms) == len(tf):
        raise ValueError("term totals do not match")
    if len(tokens) and int(tokens.max()) >= len(lexicon.terms):
        raise ValueError("term ids outside the lexicon")
    passage_at = np.concatenate(([0], np.cumsum(per_record))).tolist()
    token_at = np.concatenate(([0], np.cumsum(lengths))).tolist()
    count_at = np.concatenate(([0], np.cumsum(distinct))).tolist()
    scans: list[list[FileRecord]] = [[] for _ in folders]
    for i, (folder, relative, mtime, size, digest, entry_data, problem_rows) in enumerate(files):
        path = folders[folder] / relative
        entry = entry_from_json(entry_data, path) if entry_data is not None else None
        p0, p1 = passage_at[i], passage_at[i + 1]
        t0, t1 = token_at[p0], token_at[p1]
        c0, c1 = count_at[p0], count_at[p1]
        doc_ptr = np.concatenate(([0], np.cumsum(distinct[p0:p1]))).astype(np.int64)
        counts = TermCounts(doc_ptr, terms[c0:c1], tf[c0:c1], lengths[p0:p1])
        passages = tuple(entry_passages(entry)) if entry is not None else ()
        if len(passages) != p1 - p0:
            raise ValueError(f"{relative}: passage count differs")
        problems = tuple(Problem(path, int(n), str(m), Severity(s)) for n, m, s in problem_rows)
        record = FileRecord(path, (int(mtime), int(size)), str(digest), entry, problems,
                            passages, tokens[t0:t1], lengths[p0:p1], counts)  # fmt: skip
        scans[folder].append(record)
    return tuple(tuple(scan) for scan in scans)
