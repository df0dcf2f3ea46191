"""``python -m benchmarks.bot_load``: run the bot load test and print a Markdown table.

Runs every combination of ``--mode`` (bot in this process or its own) and ``--limiter``
(the app's rate limiter, or its flood limits off), prints the machine, one table row per
run, and whether each unthrottled run meets the target (>= 200 updates/s, search +
rendering p99 <= 10 ms). Exit code 1 when any question went unanswered or any API call
was refused, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path

from benchmarks.bot_load.runner import LoadConfig, LoadResult, run_load
from benchmarks.bot_load.users import LoadError

TARGET_UPDATES_PER_SECOND = 200.0
TARGET_SEARCH_RENDER_P99 = 0.010
HEADER = (
    "| bot process | rate limiter | users × questions | updates/s | reply p50 | reply p99 "
    "| search+render p50 | search+render p99 | search p99 | search+render CPU p99 "
    "| CPU / update: bot, driver | other load |\n"
    "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def _field(path: str, key: str) -> str:
    """The first ``key: value`` line of a /proc file, or "unknown"."""
    try:
        for line in Path(path).read_text("utf-8").splitlines():
            name, _, value = line.partition(":")
            if name.strip() == key:
                return value.strip()
    except OSError:
        pass
    return "unknown"


def machine() -> str:
    """CPU model, cores, RAM, OS and Python: what the figures depend on."""
    memory = _field("/proc/meminfo", "MemTotal")
    if memory.endswith(" kB"):
        memory = f"{int(memory.split()[0]) / 1024**2:.1f} GiB"
    return (
        f"CPU: {_field('/proc/cpuinfo', 'model name')}, {os.cpu_count()} cores; RAM: {memory}; "
        f"{platform.system()} {platform.release()}; Python {platform.python_version()}; "
        f"python-telegram-bot {version('python-telegram-bot')}"
    )


def ms(seconds: float) -> str:
    """Seconds as milliseconds with two decimals."""
    return f"{seconds * 1000:.2f} ms"


def row(result: LoadResult) -> str:
    """One Markdown table row."""
    config = result.config
    where = "own process" if config.separate_process else "with the fake server"
    limiter = "flood limits off" if config.unthrottled else "as the app (30 msg/s)"
    if config.concurrent_updates is not None:
        limiter += f", concurrent_updates={config.concurrent_updates}"
    cpu = f"{ms(result.bot.cpu_seconds / result.updates)}, " + (
        ms(result.driver_cpu_seconds / result.updates) if config.separate_process else "(same)"
    )
    return (
        f"| {where} | {limiter} | {len(result.users)} × {config.questions} "
        f"| {result.updates_per_second:.0f} | {ms(result.latency(50))} | {ms(result.latency(99))} "
        f"| {ms(result.search_render(50))} | {ms(result.search_render(99))} "
        f"| {ms(result.search(99))} | {ms(result.search_render_cpu(99))} "
        f"| {cpu} | {result.other_load:.2f} cores |"
    )


def problems(result: LoadResult) -> list[str]:
    """What went wrong in a run, if anything (every question must get one answer)."""
    found = [f"refused call: {r}" for r in result.rejected]
    if result.not_served:
        found.append(f"{result.not_served} replies were a flood notice or an apology")
    if result.extra_replies:
        found.append(f"{result.extra_replies} messages beyond one reply per question")
    if len(result.bot.timings) != result.updates:
        found.append(f"{len(result.bot.timings)} timed updates for {result.updates} questions")
    return found


def verdict(result: LoadResult) -> str:
    """Whether an unthrottled run meets the issue's target."""
    met = (
        result.updates_per_second >= TARGET_UPDATES_PER_SECOND
        and result.search_render(99) <= TARGET_SEARCH_RENDER_P99
    )
    return (
        f"{'met' if met else 'NOT met'}: {result.updates_per_second:.0f} updates/s, "
        f"search+render p99 {ms(result.search_render(99))}"
    )


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bot_load", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--users", type=int, default=200, help="simulated users (200)")
    parser.add_argument("--questions", type=int, default=10, help="questions per user (10)")
    parser.add_argument("--mode", choices=("same", "separate", "both"), default="both")
    parser.add_argument("--limiter", choices=("app", "off", "both"), default="both")
    parser.add_argument(
        "--concurrent-updates", type=int, metavar="N", help="override the app's (32)"
    )
    args = parser.parse_args(argv)
    if args.users < 1 or args.questions < 1:
        parser.error("--users and --questions must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the requested combinations and print the table."""
    args = parse(argv)
    modes = {"same": [False], "separate": [True], "both": [False, True]}[args.mode]
    limits = {"app": [False], "off": [True], "both": [False, True]}[args.limiter]
    print(machine(), flush=True)
    print(HEADER, flush=True)
    failed = False
    notes: list[str] = []
    for unthrottled in limits:
        for separate in modes:
            config = LoadConfig(
                users=args.users,
                questions=args.questions,
                separate_process=separate,
                unthrottled=unthrottled,
                concurrent_updates=args.concurrent_updates,
            )
            try:
                result = asyncio.run(run_load(config))
            except LoadError as exc:
                print(f"Error: {exc}", file=sys.stderr)
                return 1
            print(row(result), flush=True)
            found = problems(result)
            failed = failed or bool(found)
            notes += found
            if unthrottled:
                where = "own process" if separate else "same process"
                notes.append(f"target ({where}) {verdict(result)}")
    print("\n".join(notes))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
