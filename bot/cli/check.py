"""``glossary-bot check``: validate a knowledge folder in one pass, as ``path:line: fix``.

Exit codes: 0 no errors (warnings allowed), 1 errors found, 2 the folder is unusable.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bot.cli.common import CommandError, load_settings
from retrieval import GlossaryError
from retrieval.loading import knowledge_files, read_entry_file
from retrieval.parsing import ParseResult, parse_entry
from retrieval.validation import FolderCheck, check_folder


def register(subparsers: Any) -> None:
    """Add the ``check`` sub-command."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "check",
        help="check the knowledge folder and list every problem to fix",
        description="Check every knowledge file in DIR and print each problem as "
        "'path:line: what to fix', then a summary. Exits 1 when there are errors; "
        "warnings alone exit 0.",
    )
    parser.add_argument(
        "folder",
        nargs="?",
        type=Path,
        metavar="DIR",
        help="knowledge folder to check (default: KNOWLEDGE_DIR or ./knowledge)",
    )
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Check the folder, print the problems and the summary."""
    folder: Path = args.folder or load_settings().knowledge_dir
    result = check_path(folder)
    if args.json:
        print(json.dumps(check_to_dict(result), ensure_ascii=False, indent=2))
    else:
        for problem in result.problems:
            print(problem)
        print(summary_line(result))
    return 1 if result.errors else 0


def check_path(folder: Path) -> FolderCheck:
    """Read and check every knowledge file below ``folder``."""
    if not folder.exists():
        raise CommandError(
            f"{folder} does not exist: pass the knowledge folder to check, "
            "like 'glossary-bot check knowledge'"
        )
    try:
        paths = knowledge_files(folder)
    except GlossaryError as exc:
        raise CommandError(str(exc)) from None
    if not paths:
        raise CommandError(
            f"no knowledge files (*.md) in {folder}: add one Markdown file per term "
            "(see README, 'For content owners')",
            exit_code=1,
        )
    results: list[ParseResult] = []
    sources: dict[Path, str] = {}
    for path in paths:
        try:
            raw = path.read_bytes()
        except OSError:
            results.append(read_entry_file(path))  # turns the read error into a problem
            continue
        results.append(parse_entry(path, raw))
        sources[path] = raw.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
    return check_folder(results, sources=sources)


def summary_line(result: FolderCheck) -> str:
    """E.g. ``46 entries, 512 passages: 0 errors, 2 warnings``."""
    return (
        f"{_count(result.entries, 'entry', 'entries')}, "
        f"{_count(result.passages, 'passage', 'passages')}: "
        f"{_count(result.errors, 'error', 'errors')}, "
        f"{_count(result.warnings, 'warning', 'warnings')}"
    )


def check_to_dict(result: FolderCheck) -> dict[str, object]:
    """The ``--json`` shape: counts and one record per problem."""
    return {
        "entries": result.entries,
        "passages": result.passages,
        "errors": result.errors,
        "warnings": result.warnings,
        "problems": [
            {
                "path": str(p.path),
                "line": p.line,
                "severity": str(p.severity),
                "message": p.message,
            }
            for p in result.problems
        ],
    }


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"
