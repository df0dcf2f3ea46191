"""Run the speed benchmark: ``python -m benchmarks.run`` (or ``glossary-bot bench``).

For each size it generates a knowledge folder (kept under ``benchmarks/out/``, which git
ignores, and reused by later runs), then runs every phase of ``benchmarks.phases`` in
its own process and writes the table to ``benchmarks/RESULTS.md``. Default sizes are
1,000, 10,000 and 100,000 passages; ``--million`` adds 1,000,000 (about an hour more,
most of it rank-bm25, which is then timed on fewer questions).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.generate import Generator, questions, write_folder
from benchmarks.report import ROOT, machine, markdown

OUT = ROOT / "benchmarks" / "out"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
DEFAULT_SIZES = (1_000, 10_000, 100_000)
MILLION = 1_000_000


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The benchmark's options."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    add_options(parser)
    return parser.parse_args(argv)


def add_options(parser: argparse.ArgumentParser) -> None:
    """Options shared with ``glossary-bot bench``."""
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="passages per folder, comma-separated (default 1000,10000,100000)")  # fmt: skip
    parser.add_argument("--million", action="store_true", help="add 1,000,000 passages")
    parser.add_argument("--questions", type=int, default=1000, help="questions (default 1000)")
    parser.add_argument("--reference-questions", type=int, default=1000, metavar="N",
                        help="questions timed on rank-bm25 (default 1000; 100 at 1M)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=42, help="generator seed (default 42)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results file to write")


def prepare(size: int, seed: int, count: int) -> tuple[Path, list[str], int]:
    """The generated folder for ``size`` (made once), its questions and file count."""
    generator = Generator(size, seed=seed)
    base = OUT / f"{size}-seed{seed}"
    folder = base / "knowledge"
    marker = base / "complete"
    if not marker.exists():
        shutil.rmtree(base, ignore_errors=True)
        started = time.perf_counter()
        write_folder(generator, folder)
        marker.write_text(f"{len(generator)} files\n", encoding="utf-8")
        print(f"  generated {len(generator):,} files in {time.perf_counter() - started:.0f} s")
    return folder, questions(generator, count, seed=seed), len(generator)


class PhaseError(Exception):
    """A phase exited with an error; the message is the end of its output."""


def phase(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Run one phase in a fresh interpreter and return its JSON result."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.phases", name, json.dumps(spec)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        print(f"  {name}: FAILED (exit {done.returncode})\n{done.stderr[-2000:]}")
        raise PhaseError(f"{name} exited with {done.returncode}: {done.stderr.strip()[-300:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"  {name}: done in {time.perf_counter() - started:.0f} s", flush=True)
    return result


def run_size(size: int, args: argparse.Namespace) -> dict[str, Any]:
    """Every phase for one size."""
    print(f"{size:,} passages", flush=True)
    folder, asked, files = prepare(size, args.seed, args.questions)
    work = OUT / f"{size}-seed{args.seed}"
    cache = work / "cache"
    spec: dict[str, Any] = {
        "folder": str(folder),
        "cache": str(cache),
        "questions": asked,
        "tokens": str(work / "tokens.npz"),
        "reference": str(work / "rank_bm25_top10.json"),
        "queries": min(args.reference_questions, 100 if size >= MILLION else args.questions),
        "reloads": 3 if size >= MILLION else 5,
    }
    result: dict[str, Any] = {"files": files}
    try:
        for attempt in range(2):
            shutil.rmtree(cache, ignore_errors=True)
            result["cold"] = phase("cold", spec)
            result["warm"] = phase("warm", spec)
            if result["warm"]["start_parsed"] == 0:
                break
            # The analysis code changed between the two phases (a shared working tree):
            # the cache was rightly rebuilt, so the warm start was not measured. Once more.
            print(f"  the cache went stale during attempt {attempt + 1}: measuring again")
        for name in ("rank_bm25", "index", "bm25s"):
            result[name] = phase(name, spec)
    except PhaseError as exc:
        result["failed"] = str(exc)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and write the results file."""
    args = parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.million and MILLION not in sizes:
        sizes.append(MILLION)
    info = machine()
    results = {size: run_size(size, args) for size in sizes}
    info["load_end"] = machine()["load"]
    command = "python -m benchmarks.run" + (" --million" if args.million else "")
    text = markdown(results, info, command)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
