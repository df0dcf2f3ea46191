"""The on-disk build cache: parsed entries and analysed terms per file, for fast starts.

One file per set of knowledge folders, ``<cache_dir>/glossary-<key>.zip``: numpy
``.npy`` arrays (term ids, lengths, counts, block and passage columns), one UTF-8 string
table and one JSON document (per file: path, stamp, hash, front matter, problems; and
the words the documents use with their term ids, which a start gives the analysis so
that a question's words need no stemming: ``analysis.learn_words``). Arrays
are read with ``allow_pickle=False`` and the rest with ``json``, so loading it can never
run code. The zip format's CRC-32 catches a damaged file.

What makes a cached record valid:

- the *settings*: a fingerprint of the code and data that turn a file into terms
  (parsing, passages, analysis, names and other fields, ``passage_terms``, ``retrieval/data``,
  nltk's version).
  A cache made with other settings is stale and rebuilt as a whole;
- the *content*: each record carries its file's sha256; a file whose content changed is
  parsed and analysed again, the others are reused.

A corrupt or stale cache is never fatal: it is logged, ignored and rewritten. Writing is
atomic (a temporary file renamed over the old one), so a crash leaves the old cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import logging
import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import numpy as np

from retrieval import analysis, counts, field_terms, models, names, parsing, passages, ranking
from retrieval.building import FileRecord, Lexicon
from retrieval.cache_format import decode_records, read_arrays, write_records
from retrieval.counts import Int32Array

logger = logging.getLogger(__name__)

CACHE_FORMAT = 7
_READ_ERRORS = (OSError, ValueError, KeyError, IndexError, TypeError, EOFError, zipfile.BadZipFile)


@cache
def analysis_fingerprint() -> str:
    """A hash of everything that decides which terms a file yields."""
    digest = hashlib.sha256(f"glossary-bot cache format {CACHE_FORMAT}".encode())
    for module in (analysis, counts, field_terms, models, names, parsing, passages):
        digest.update(inspect.getsource(module).encode())
    digest.update(inspect.getsource(ranking.passage_terms).encode())
    data = resources.files("retrieval").joinpath("data")
    for item in sorted(data.iterdir(), key=lambda i: i.name):
        if item.name.endswith(".txt"):
            digest.update(item.name.encode() + item.read_bytes())
    digest.update(metadata.version("nltk").encode())
    return digest.hexdigest()


def cache_path(cache_dir: Path, folders: Sequence[Path]) -> Path:
    """Where the cache of these folders lives (one file per set of folders)."""
    key = hashlib.sha256("\n".join(str(f.resolve()) for f in folders).encode()).hexdigest()
    return cache_dir / f"glossary-{key[:16]}.zip"


@dataclass(frozen=True, slots=True)
class Cached:
    """What a valid cache holds: the lexicon and the last records of every folder."""

    lexicon: Lexicon
    records: tuple[tuple[FileRecord, ...], ...]


def load(cache_dir: Path, folders: Sequence[Path]) -> Cached | None:
    """The cached records of ``folders``, or None (logged) when missing, stale or corrupt."""
    path = cache_path(cache_dir, folders)
    if not path.exists():
        logger.info("no index cache at %s yet: building from the files", path)
        return None
    try:
        with zipfile.ZipFile(path) as zf:
            meta: dict[str, Any] = json.loads(zf.read("meta.json").decode("utf-8"))
            if meta.get("format") != CACHE_FORMAT or meta.get("fingerprint") != (
                analysis_fingerprint()
            ):
                logger.info(
                    "index cache %s was made by another version of the analysis: rebuilding it",
                    path,
                )
                return None
            if meta.get("folders") != [str(f.resolve()) for f in folders]:
                raise ValueError("it belongs to other folders")
            blob, arrays = read_arrays(zf)
        n_terms = int(meta["lexicon"])
        strings, records = decode_records(meta["files"], blob, arrays, folders, n_terms)
        del blob, arrays
        lexicon = Lexicon(strings[:n_terms], _word_ids(meta["words"], n_terms))
    except _READ_ERRORS as exc:
        logger.warning("index cache %s is unreadable (%s): rebuilding it", path, exc)
        return None
    return Cached(lexicon, records)


def save(
    cache_dir: Path,
    folders: Sequence[Path],
    scans: Sequence[Sequence[FileRecord]],
    lexicon: Lexicon,
) -> Path | None:
    """Write the cache of ``folders`` atomically; a failure is logged, never raised."""
    path = cache_path(cache_dir, folders)
    records = [r for scan in scans for r in scan if not r.kept]
    folder_of = [i for i, scan in enumerate(scans) for r in scan if not r.kept]
    terms, records, renamed = _compact(lexicon, records)
    words = [
        [word, renamed[i]]
        for word, i in list(lexicon.words.items())
        if i < len(renamed) and renamed[i] >= 0  # a term added since is not saved yet
    ]
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
            files = write_records(zf, records, folder_of, folders, terms)
            meta = {
                "format": CACHE_FORMAT,
                "fingerprint": analysis_fingerprint(),
                "folders": [str(f.resolve()) for f in folders],
                "lexicon": len(terms),
                "files": files,
                "words": words,
            }
            zf.writestr("meta.json", json.dumps(meta))
        os.replace(temporary, path)
    except OSError as exc:
        logger.warning(
            "cannot write the index cache %s (%s): check INDEX_CACHE_DIR; "
            "the next start will build from the files again",
            path,
            exc,
        )
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        return None
    logger.info("index cache written to %s (%d files)", path, len(records))
    return path


def _word_ids(rows: Any, n_terms: int) -> list[tuple[str, int]]:
    """The documents' words and their term ids, checked (a damaged cache raises)."""
    if not isinstance(rows, list):
        raise ValueError("the word table is not a list")
    words: list[tuple[str, int]] = []
    for row in rows:
        if not (isinstance(row, list) and len(row) == 2 and isinstance(row[0], str)):
            raise ValueError("a row of the word table is not [word, term id]")
        word, term = row
        if type(term) is not int or not 0 <= term < n_terms:
            raise ValueError("a word's term id is outside the lexicon")
        words.append((word, term))
    return words


def _compact(
    lexicon: Lexicon, records: list[FileRecord]
) -> tuple[list[str], list[FileRecord], list[int]]:
    """The lexicon without terms no record uses any more, the records renamed to it, and
    each old term id's new one (-1 for a term dropped)."""
    used = np.zeros(len(lexicon), dtype=bool)
    for start in range(0, len(records), 1024):  # a few numpy calls per 1,024 files
        ids: list[Int32Array] = []
        for record in records[start : start + 1024]:
            f = record.fields  # a name can hold a term no passage has ("back" of "back end")
            ids += (record.counts.terms, f.name_terms.ids, f.section_terms.ids,
                    f.label_terms.ids, f.word_terms)  # fmt: skip
        used[np.concatenate(ids)] = True
    if used.all():
        return lexicon.terms[:], records, list(range(len(lexicon)))
    mapping = np.full(len(lexicon), -1, dtype=np.int32)
    kept = np.flatnonzero(used)
    mapping[kept] = np.arange(len(kept), dtype=np.int32)
    terms = [lexicon.terms[i] for i in kept.tolist()]
    return terms, [r.remapped(mapping) for r in records], mapping.tolist()
