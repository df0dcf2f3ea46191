"""One measured phase per process: ``python -m benchmarks.phases PHASE SPEC_JSON``.

Each phase runs in a fresh interpreter so that its peak memory (``ru_maxrss``) is its
own and no cache from an earlier phase helps it. The result is one JSON object on the
last line of standard output. Phases:

- ``cold``: ``Glossary.from_folder`` with an empty cache directory (parse, analyse,
  index, write the cache).
- ``warm``: ``Glossary.from_folder`` from that cache, then the questions through the
  full ``Glossary.search`` path, then ``refreshed()`` after one file changes (repeated
  for a few files). It also writes the passages' and questions' tokens for the others.
- ``rank_bm25``: ``BM25Okapi.get_scores`` plus a top 10 on those tokens; it also keeps
  its top 10 per question (ties by passage id, outside the timed part).
- ``index``: glossary-bot's ``BM25Index`` alone (no idf floor, i.e. rank-bm25's
  scores) on the same tokens, and the check that its top 10 equals rank-bm25's.
- ``bm25s``: bm25s with its default numpy backend on the same tokens.
"""

from __future__ import annotations

import json
import logging
import os
import re
import resource
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

K = 10
WARMUP = 50


def peak_mib() -> float:
    """This process's peak resident memory so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def latencies(
    run: Callable[[Any], Any],
    inputs: Sequence[Any],
    *,
    after: Callable[[Any, Any], None] | None = None,
) -> dict[str, float]:
    """p50, p99 and mean latency (ms) and single-thread throughput (queries/s).

    ``after(input, result)`` runs outside the timed part (e.g. to keep results to check).
    """
    for item in inputs[:WARMUP]:
        run(item)
    times = []
    for item in inputs:
        started = time.perf_counter()
        result = run(item)
        times.append(time.perf_counter() - started)
        if after is not None:
            after(item, result)
    ms = np.asarray(times) * 1000
    return {
        "p50_ms": float(np.percentile(ms, 50)),
        "p99_ms": float(np.percentile(ms, 99)),
        "mean_ms": float(ms.mean()),
        "qps": len(times) / float(np.sum(times)),
        "queries": len(times),
    }


class RankerClock:
    """Seconds spent constructing the ranker (``retrieval.ranking``) inside a build.

    The ranker builds its own structures from the passages on every start and reload;
    timing it apart shows which share of a start is the index layer's.
    """

    def __init__(self) -> None:
        from retrieval import search

        self.seconds = 0.0
        clock = self
        base = search.Ranker

        class TimedRanker(base):  # type: ignore[valid-type, misc]
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                started = time.perf_counter()
                super().__init__(*args, **kwargs)
                clock.seconds += time.perf_counter() - started

        search.Ranker = TimedRanker

    def take(self) -> float:
        """Seconds since the last call."""
        seconds, self.seconds = self.seconds, 0.0
        return seconds


class ParsedFiles(logging.Handler):
    """How many files a build parsed, from the build's own log line."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.count = -1
        logger = logging.getLogger("retrieval.search")
        logger.setLevel(logging.INFO)
        logger.addHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        found = re.search(r"(\d+) file\(s\) parsed", record.getMessage())
        if found:
            self.count = int(found.group(1))


def cold(spec: dict[str, Any]) -> dict[str, Any]:
    """Build from the Markdown files with an empty cache."""
    from retrieval import Glossary

    clock, parsed = RankerClock(), ParsedFiles()
    started = time.perf_counter()
    glossary = Glossary.from_folder(spec["folder"], cache_dir=spec["cache"])
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "ranker_seconds": clock.take(), "parsed": parsed.count,
            "passages": len(glossary.passages), "peak_mib": peak_mib()}  # fmt: skip


def warm(spec: dict[str, Any]) -> dict[str, Any]:
    """Start from the cache, answer the questions, reload after single-file edits."""
    started = time.perf_counter()
    from retrieval import Glossary
    from retrieval.analysis import analyze

    import_seconds = time.perf_counter() - started

    clock, parsed = RankerClock(), ParsedFiles()
    started = time.perf_counter()
    glossary = Glossary.from_folder(spec["folder"], cache_dir=spec["cache"])
    start_seconds = time.perf_counter() - started
    start_ranker = clock.take()
    start_peak = peak_mib()
    questions: list[str] = spec["questions"]
    search = latencies(lambda q: glossary.search(q, limit=K), questions)
    reloads = _reloads(glossary, Path(spec["folder"]), clock, spec["reloads"])
    serving_peak = peak_mib()  # before the token export below, which only the benchmark does
    _write_tokens(glossary, [analyze(q) for q in questions], Path(spec["tokens"]))
    return {
        "import_seconds": import_seconds,
        "start_seconds": start_seconds,
        "start_ranker_seconds": start_ranker,
        "start_parsed": parsed.count,
        "start_peak_mib": start_peak,
        "search": search,
        "reload_seconds": [r for r, _ in reloads],
        "reload_ranker_seconds": [r for _, r in reloads],
        "peak_mib": serving_peak,
    }


def _reloads(
    glossary: Any, folder: Path, clock: RankerClock, count: int
) -> list[tuple[float, float]]:
    """(seconds, of which ranker) for ``refreshed()`` after one file gained a sentence.

    Each new glossary is dropped before the next reload, as the bot drops the one it
    replaced: at most two glossaries are alive at a time, the one serving and the new one.
    """
    files = sorted(folder.rglob("*.md"))
    picks = [files[i * len(files) // count] for i in range(count)]
    seconds: list[tuple[float, float]] = []
    for path in picks:
        original = path.read_bytes()
        stat = path.stat()
        try:
            path.write_bytes(original + b"\nA sentence added to measure a reload.\n")
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
            clock.take()
            started = time.perf_counter()
            refresh = glossary.refreshed()
            seconds.append((time.perf_counter() - started, clock.take()))
            changes, summary = refresh.changes, refresh.summary()
            del refresh  # the new glossary: the next reload starts from the serving one
            if changes != 1:
                raise RuntimeError(f"expected one changed entry, got {summary}")
        finally:
            path.write_bytes(original)
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    return seconds


def _write_tokens(glossary: Any, questions: list[list[str]], out: Path) -> None:
    """The passages' terms (ids + vocabulary) and the questions' terms, for other phases."""
    vocabulary: dict[str, int] = {}
    ids: list[int] = []
    lengths: list[int] = []
    for terms in glossary._passage_terms:
        ids.extend(vocabulary.setdefault(t, len(vocabulary)) for t in terms)
        lengths.append(len(terms))
    np.savez(
        out,
        ids=np.asarray(ids, dtype=np.int32),
        lengths=np.asarray(lengths, dtype=np.int64),
        vocabulary=np.frombuffer("\n".join(vocabulary).encode(), dtype=np.uint8),
        questions=np.frombuffer(json.dumps(questions).encode(), dtype=np.uint8),
    )


def read_tokens(path: Path) -> tuple[list[list[str]], list[list[str]]]:
    """Passages' and questions' terms written by the ``warm`` phase."""
    with np.load(path, allow_pickle=False) as npz:
        ids, lengths = npz["ids"].tolist(), npz["lengths"].tolist()
        vocabulary = npz["vocabulary"].tobytes().decode().split("\n")
        questions: list[list[str]] = json.loads(npz["questions"].tobytes().decode())
    corpus: list[list[str]] = []
    at = 0
    for n in lengths:
        corpus.append([vocabulary[i] for i in ids[at : at + n]])
        at += n
    return corpus, questions


def matching_top(docs: Sequence[int], scores: Sequence[float]) -> list[list[float]]:
    """(passage, score) pairs with a non-zero score, best first, ties by passage id."""
    return [[int(d), float(s)] for d, s in zip(docs, scores, strict=True) if s != 0]


def rank_bm25(spec: dict[str, Any]) -> dict[str, Any]:
    """rank-bm25: ``BM25Okapi.get_scores`` and a top k of the dense scores.

    The top 10 of every question (ties by passage id, untimed) is kept for ``index``.
    """
    from rank_bm25 import BM25Okapi

    corpus, questions = read_tokens(Path(spec["tokens"]))
    started = time.perf_counter()
    engine = BM25Okapi(corpus)
    build = time.perf_counter() - started
    tops: list[list[list[float]]] = []

    def search(q: list[str]) -> Any:
        scores = engine.get_scores(q)
        top = np.argpartition(-scores, K)[:K]
        return scores, top[np.argsort(-scores[top])]

    def keep(_: list[str], result: Any) -> None:
        scores = result[0]
        order = np.lexsort((np.arange(len(scores)), -scores))[:K]
        tops.append(matching_top(order.tolist(), scores[order].tolist()))

    timing = latencies(search, questions[: spec["queries"]], after=keep)
    Path(spec["reference"]).write_text(json.dumps(tops), encoding="utf-8")
    return {"build_seconds": build, "search": timing, "peak_mib": peak_mib()}


def index(spec: dict[str, Any]) -> dict[str, Any]:
    """glossary-bot's BM25Index on the shared tokens; its top 10 checked against rank-bm25's."""
    from retrieval.index import BM25Index

    corpus, questions = read_tokens(Path(spec["tokens"]))
    started = time.perf_counter()
    bm25 = BM25Index(corpus)
    build = time.perf_counter() - started
    timing = latencies(lambda q: bm25.top_k(q, K), questions)
    expected = json.loads(Path(spec["reference"]).read_text(encoding="utf-8"))
    mismatches = []
    for q, want in zip(questions, expected, strict=False):
        top = bm25.top_k(q, K)
        if matching_top([d for d, _ in top], [s for _, s in top]) != want:
            mismatches.append(q)
    return {"build_seconds": build, "search": timing, "peak_mib": peak_mib(),
            "checked": len(expected), "mismatches": len(mismatches),
            "first_mismatch": mismatches[:1]}  # fmt: skip


def bm25s(spec: dict[str, Any]) -> dict[str, Any]:
    """bm25s with its default numpy backend (method "robertson", rank-bm25's idf)."""
    import bm25s as engine_module

    corpus, questions = read_tokens(Path(spec["tokens"]))
    started = time.perf_counter()
    engine = engine_module.BM25(method="robertson")
    engine.index(corpus, show_progress=False)
    build = time.perf_counter() - started
    known = [[t for t in q if t in engine.vocab_dict] or ["<unknown>"] for q in questions]
    timing = latencies(
        lambda q: engine.retrieve([q], k=K, show_progress=False, backend_selection="numpy"),
        known,
    )
    return {"build_seconds": build, "search": timing, "peak_mib": peak_mib()}


PHASES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "cold": cold,
    "warm": warm,
    "index": index,
    "rank_bm25": rank_bm25,
    "bm25s": bm25s,
}


def main(argv: Sequence[str]) -> None:
    """Run one phase and print its result as JSON."""
    phase, spec = argv[0], json.loads(argv[1])
    result = PHASES[phase](spec)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
