"""The benchmark's results table and the machine it ran on, as Markdown."""

from __future__ import annotations

import os
import platform
import subprocess
import time
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGETS_100K = {"p50_ms": 0.5, "p99_ms": 2.0, "cold": 10.0, "warm": 1.5, "mib": 400.0}


def machine() -> dict[str, str]:
    """CPU, cores, memory, load and versions: what a reader needs to compare figures."""
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    versions = ", ".join(
        f"{name} {metadata.version(name)}"
        for name in ("numpy", "scipy", "rank-bm25", "bm25s", "nltk")
    )
    return {
        "cpu": cpu,
        "cores": str(
            len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        ),
        "memory": memory,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "os": platform.platform(),
        "versions": versions,
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "commit": _git("rev-parse", "--short", "HEAD"),
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
    }


def _git(*args: str) -> str:
    try:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.strip()


def _ms(x: float) -> str:
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def size_table(size: int, r: dict[str, Any]) -> list[str]:
    """One Markdown table for one corpus size, with where the time goes."""
    if "failed" in r:
        return [f"### {size:,} passages ({r['files']:,} files)", "",
                f"The run did not finish: {r['failed']}", ""]  # fmt: skip
    g, ix, rb, bs, cold = r["warm"], r["index"], r["rank_bm25"], r["bm25s"], r["cold"]
    ours = g["search"]
    reload, reload_ranker = g["reload_seconds"], g["reload_ranker_seconds"]
    rows = [
        f"### {size:,} passages ({r['files']:,} files)",
        "",
        "| engine | build (s) | p50 (ms) | p99 (ms) | queries/s | peak MiB |",
        "|---|---:|---:|---:|---:|---:|",
        f"| glossary-bot `Glossary.search` (full path) | {cold['seconds']:.2f} "
        f"| {_ms(ours['p50_ms'])} | {_ms(ours['p99_ms'])} | {ours['qps']:,.0f} "
        f"| {cold['peak_mib']:.0f} |",
        f"| glossary-bot `BM25Index.top_k` (same tokens) | {ix['build_seconds']:.2f} "
        f"| {_ms(ix['search']['p50_ms'])} | {_ms(ix['search']['p99_ms'])} "
        f"| {ix['search']['qps']:,.0f} | {ix['peak_mib']:.0f} |",
        f"| rank-bm25 `get_scores` + top 10 | {rb['build_seconds']:.2f} "
        f"| {_ms(rb['search']['p50_ms'])} | {_ms(rb['search']['p99_ms'])} "
        f"| {rb['search']['qps']:,.1f} | {rb['peak_mib']:.0f} |",
        f"| bm25s (numpy backend) | {bs['build_seconds']:.2f} "
        f"| {_ms(bs['search']['p50_ms'])} | {_ms(bs['search']['p99_ms'])} "
        f"| {bs['search']['qps']:,.0f} | {bs['peak_mib']:.0f} |",
        "",
        f"- p50 speed-up of `Glossary.search`: {rb['search']['p50_ms'] / ours['p50_ms']:,.0f}x "
        f"rank-bm25, {bs['search']['p50_ms'] / ours['p50_ms']:,.1f}x bm25s; of `BM25Index.top_k`: "
        f"{rb['search']['p50_ms'] / ix['search']['p50_ms']:,.0f}x rank-bm25, "
        f"{bs['search']['p50_ms'] / ix['search']['p50_ms']:,.1f}x bm25s.",
        f"- Cold build from Markdown (empty cache, {cold['parsed']:,} files parsed): "
        f"{cold['seconds']:.2f} s, of which {cold['ranker_seconds']:.2f} s building the ranker.",
        f"- Warm start from the cache ({g['start_parsed']} files parsed"
        + ("; the code changed during the run, so the cache was stale" if g["start_parsed"] else "")
        + f"): "
        f"{g['start_seconds']:.2f} s, of which {g['start_ranker_seconds']:.2f} s building the "
        f"ranker (importing glossary-bot took {g['import_seconds']:.2f} s before that); peak "
        f"{g['start_peak_mib']:.0f} MiB after the start, {g['peak_mib']:.0f} MiB after the "
        "questions and reloads (two glossaries alive during a reload, as in the bot).",
        f"- Reload after one file changed (`Glossary.refreshed`, {len(reload)} edits): median "
        f"{_median(reload):.2f} s (max {max(reload):.2f} s), of which "
        f"{_median(reload_ranker):.2f} s building the ranker.",
        f"- Top 10 equal to rank-bm25's (ids and scores, same tokens): "
        f"{ix['checked'] - ix['mismatches']} of {ix['checked']} questions"
        + (f" (first mismatch: {ix['first_mismatch']})." if ix["mismatches"] else "."),
        f"- rank-bm25 was timed on {rb['search']['queries']} questions, the others on "
        f"{ours['queries']}.",
        "",
    ]
    return rows


def markdown(results: dict[int, dict[str, Any]], info: dict[str, str], command: str) -> str:
    """The whole RESULTS.md."""
    lines = [
        "# Benchmark results",
        "",
        f"Produced by `{command}` (see README, Performance). Every engine gets the same tokens",
        "(glossary-bot's analysis of the same generated passages and questions); one thread;",
        "top 10. Build and start times include reading the files; peak memory is the whole",
        "process (Python, imports, data). Design: [docs/design-speed.md](../docs/design-speed.md).",
        "",
        "## Machine",
        "",
        f"- CPU: {info['cpu']}, {info['cores']} cores; memory {info['memory']}",
        f"- {info['python']} on {info['os']}",
        f"- {info['versions']}",
        f"- commit {info['commit']}, {info['date']}; load average at start {info['load']}",
        f"  and at the end {info.get('load_end', '?')} (the machine is shared: figures move with load)",
        "",
        "## Results",
        "",
    ]
    for size in sorted(results):
        lines += size_table(size, results[size])
    if 100_000 in results and "failed" not in results[100_000]:
        lines += targets(results[100_000])
    return "\n".join(lines) + "\n"


def targets(r: dict[str, Any]) -> list[str]:
    """The issue's targets at 100,000 passages, met or not, from this run."""
    g, rb, bs = r["warm"], r["rank_bm25"], r["bm25s"]
    p50, p99 = g["search"]["p50_ms"], g["search"]["p99_ms"]
    checks = [
        ("search p50 <= 0.5 ms", f"{p50:.3f} ms", p50 <= 0.5),
        ("search p99 <= 2 ms", f"{p99:.3f} ms", p99 <= 2),
        (">= 200x rank-bm25 at p50", f"{rb['search']['p50_ms'] / p50:,.0f}x",
         rb["search"]["p50_ms"] / p50 >= 200),
        (">= 25x bm25s at p50", f"{bs['search']['p50_ms'] / p50:,.1f}x",
         bs["search"]["p50_ms"] / p50 >= 25),
        ("cold build <= 10 s", f"{r['cold']['seconds']:.1f} s", r["cold"]["seconds"] <= 10),
        ("warm start <= 1.5 s", f"{g['start_seconds']:.2f} s", g["start_seconds"] <= 1.5),
        # The whole life of a glossary: cold build, start, questions, reloads.
        ("peak memory <= 400 MiB", f"{max(r['cold']['peak_mib'], g['peak_mib']):.0f} MiB",
         max(r["cold"]["peak_mib"], g["peak_mib"]) <= 400),
        ("one changed file live <= 0.5 s", f"{_median(g['reload_seconds']):.2f} s",
         _median(g["reload_seconds"]) <= 0.5),
    ]  # fmt: skip
    rows = ["## Targets at 100,000 passages (this run)", "", "| target | measured | met |",
            "|---|---:|:---:|"]  # fmt: skip
    rows += [f"| {name} | {value} | {'yes' if ok else 'no'} |" for name, value, ok in checks]
    return [*rows, ""]
