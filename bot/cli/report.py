"""``glossary-bot report``: what people asked, what went unanswered, what got a 👎.

Reads the question log read-only; a missing log is not an error (the bot is new).
"""

from __future__ import annotations

import argparse
import csv
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.cli.common import CommandError, add_knowledge_option, knowledge_folders, load_settings
from bot.report import (
    MissingQuestionLogError,
    QuestionGroup,
    QuestionLogError,
    Report,
    build_report,
    parse_since,
    read_questions,
)
from retrieval import GlossaryError
from retrieval.loading import load_folder


def register(subparsers: Any) -> None:
    """Add the ``report`` sub-command."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "report",
        help="summarise the question log: top questions, unanswered ones, 👎 answers",
        description="Summarise logged questions for content owners: the most asked, the "
        "unanswered ones grouped by similarity, answers marked 👎, and entries nobody was "
        "shown. The database is only read, never changed.",
    )
    parser.add_argument(
        "--since",
        default="7d",
        metavar="WHEN",
        help="period: 24h, 7d, 2w, or a date like 2024-03-19 (default 7d)",
    )
    parser.add_argument("--csv", type=Path, metavar="FILE", help="also write the lists as CSV")
    parser.add_argument(
        "--db", type=Path, metavar="PATH", help="question log (default: DATABASE_PATH)"
    )
    add_knowledge_option(parser)
    parser.add_argument(
        "--top", type=int, default=10, metavar="N", help="rows per list (default 10)"
    )
    parser.set_defaults(handler=run)


def now() -> datetime:
    """The current time in UTC (a seam for tests)."""
    return datetime.now(UTC)


def run(args: argparse.Namespace) -> int:
    """Read the log, print the report, optionally write the CSV."""
    if args.top < 1:
        raise CommandError("--top must be at least 1")
    settings = load_settings()
    try:
        since = parse_since(args.since, now())
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    db: Path = args.db or settings.database_path
    try:
        questions = read_questions(db, since)
    except MissingQuestionLogError as exc:
        message = str(exc)
        print(f"{message[:1].upper()}{message[1:]}: the bot logs questions as people ask them.")
        return 0
    except QuestionLogError as exc:
        raise CommandError(str(exc)) from None
    entry_ids, note = _entry_ids(knowledge_folders(args, settings))
    report = build_report(questions, entry_ids, since=since, top=args.top)
    print(format_report(report, note=note), end="")
    if args.csv:
        write_csv(report, args.csv)
        print(f"CSV written to {args.csv}")
    return 0


def _entry_ids(folders: list[Path]) -> tuple[list[str] | None, str]:
    ids: list[str] = []
    for folder in folders:
        try:
            ids += [entry.id for entry in load_folder(folder).entries]
        except GlossaryError as exc:
            return None, str(exc)
    return ids, ""


def format_report(report: Report, *, note: str = "") -> str:
    """The report as text for a terminal or an e-mail."""
    share = f" ({report.answered / report.asked:.0%})" if report.asked else ""
    lines = [
        f"Questions since {report.since:%Y-%m-%d %H:%M} UTC: {report.asked} asked, "
        f"{report.answered} answered{share}, {report.asked - report.answered} unanswered, "
        f"{report.disliked} marked 👎",
        "",
        "Most asked (question → entry that answered it):",
        *_group_lines(report.most_asked, with_entry=True),
        "",
        "Unanswered (similar questions counted together):",
        *_group_lines(report.unanswered),
        "",
        "Answers marked 👎 (question → entry):",
        *_group_lines(report.thumbs_down, with_entry=True),
        "",
    ]
    if report.never_shown is None:
        lines.append(f"Entries never shown: unknown ({note})")
    else:
        lines.append(f"Entries never shown ({len(report.never_shown)}):")
        names = ", ".join(report.never_shown) or "(none)"
        lines += textwrap.wrap(
            names,
            width=98,
            initial_indent="  ",
            subsequent_indent="  ",
            break_on_hyphens=False,
            break_long_words=False,
        )
    return "\n".join(lines) + "\n"


def _group_lines(groups: tuple[QuestionGroup, ...], *, with_entry: bool = False) -> list[str]:
    if not groups:
        return ["  (none)"]
    lines = []
    for group in groups:
        line = f"  {group.count:>4}  {group.question}"
        if with_entry:
            line += f" → {group.entry or '(no answer)'}"
        if group.variants:
            line += "  (also: " + "; ".join(group.variants) + ")"
        lines.append(line)
    return lines


def write_csv(report: Report, path: Path) -> None:
    """One row per line of the report: list, count, question, entry, other wordings."""
    try:
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["list", "count", "question", "entry", "also asked as"])
            for name, groups in (
                ("most asked", report.most_asked),
                ("unanswered", report.unanswered),
                ("thumbs down", report.thumbs_down),
            ):
                for g in groups:
                    writer.writerow(
                        [name, g.count, g.question, g.entry or "", "; ".join(g.variants)]
                    )
            for entry in report.never_shown or ():
                writer.writerow(["never shown", 0, "", entry, ""])
    except OSError as exc:
        raise CommandError(
            f"cannot write {path} ({exc.strerror}): choose another --csv file"
        ) from None
