"""``glossary-bot bench``: the speed benchmark (``benchmarks/run.py``) from the command line.

The benchmark lives in the source tree, not in the installed package (it generates
hundreds of megabytes of test folders and needs the ``bench`` extra), so this command
runs ``python -m benchmarks.run`` from the checkout glossary-bot is installed from.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

from bot.cli.common import CommandError

ROOT = Path(__file__).resolve().parents[2]


def register(subparsers: Any) -> None:
    """Add the ``bench`` sub-command."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "bench",
        help="measure build, start, reload and search speed against rank-bm25 and bm25s",
        description="Generate knowledge folders of 1,000, 10,000 and 100,000 passages and "
        "measure glossary-bot's cold build, warm start, reload, memory and search latency "
        "next to rank-bm25 and bm25s on the same tokens; writes benchmarks/RESULTS.md. "
        "Needs a source checkout and the bench extra: pip install -e '.[bench]'.",
    )
    parser.add_argument("--sizes", metavar="N,N", help="passages per folder, comma-separated")
    parser.add_argument("--million", action="store_true", help="add 1,000,000 passages")
    parser.add_argument("--questions", type=int, metavar="N", help="questions (default 1000)")
    parser.add_argument("--seed", type=int, metavar="N", help="generator seed (default 42)")
    parser.add_argument("--out", type=Path, metavar="FILE", help="results file to write")
    parser.set_defaults(handler=run)


def command(args: argparse.Namespace) -> list[str]:
    """The ``benchmarks.run`` command line for these arguments."""
    line = [sys.executable, "-m", "benchmarks.run"]
    for option in ("sizes", "questions", "seed", "out"):
        value = getattr(args, option)
        if value is not None:
            line += [f"--{option}", str(value)]
    return line + (["--million"] if args.million else [])


def run(args: argparse.Namespace) -> int:
    """Run the benchmark in the source checkout."""
    if not (ROOT / "benchmarks" / "run.py").is_file():
        raise CommandError(
            "glossary-bot bench needs the source checkout (the benchmarks/ folder): "
            "clone the repository and install it with pip install -e '.[bench]'"
        )
    try:
        import bm25s  # noqa: F401
    except ImportError:
        raise CommandError(
            "the benchmark compares with bm25s: install it with pip install -e '.[bench]'"
        ) from None
    return subprocess.run(command(args), cwd=ROOT, check=False).returncode
