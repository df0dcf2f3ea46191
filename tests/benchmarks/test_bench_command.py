"""``glossary-bot bench`` hands its options to ``python -m benchmarks.run`` unchanged."""

from __future__ import annotations

import sys
from pathlib import Path

from benchmarks.run import parse_args
from bot.cli import build_parser
from bot.cli.bench import ROOT, command


def test_bench_passes_every_option_to_the_benchmark_runner() -> None:
    options = "--sizes 1000,5000 --million --questions 50 --seed 7 --out /tmp/results.md"
    args = build_parser().parse_args(["bench", *options.split()])
    line = command(args)
    assert line[:3] == [sys.executable, "-m", "benchmarks.run"]
    parsed = parse_args(line[3:])
    assert (parsed.sizes, parsed.million, parsed.questions, parsed.seed, parsed.out) == (
        "1000,5000", True, 50, 7, Path("/tmp/results.md"),
    )  # fmt: skip


def test_bench_without_options_uses_the_runner_defaults() -> None:
    line = command(build_parser().parse_args(["bench"]))
    assert line == [sys.executable, "-m", "benchmarks.run"]
    defaults = parse_args([])
    assert defaults.sizes == "1000,10000,100000"
    assert defaults.questions == 1000
    assert defaults.out == ROOT / "benchmarks" / "RESULTS.md"
