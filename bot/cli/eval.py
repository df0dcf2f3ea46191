"""``glossary-bot eval``: answer-quality figures for a question set, per kind of question."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.cli.common import (
    CommandError,
    add_knowledge_option,
    knowledge_folders,
    load_glossary,
    load_settings,
)
from retrieval.errors import GlossaryError
from retrieval.evaluation import Metrics, Outcome, Question, load_questions, median_ms, report
from retrieval.evaluation import run as run_questions

COLUMNS = (
    ("questions", "n"),
    ("hit_at_1", "Hit@1"),
    ("hit_at_5", "Hit@5"),
    ("mrr_at_10", "MRR@10"),
    ("section_at_3", "Sect@3"),
    ("none_rejected", "NoneOK"),
    ("false_refusal", "Refused"),
)


def register(subparsers: Any) -> None:
    """Add the ``eval`` sub-command."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "eval",
        help="measure answer quality on a JSON Lines question set",
        description="Ask every question of QUESTIONS (JSON Lines: q, gold, section, kind) "
        "on the same search path as the bot and print Hit@1, Hit@5, MRR@10 by entry, the "
        "gold section in the top 3 passages, and refusals, overall and per kind.",
    )
    parser.add_argument("questions", metavar="QUESTIONS", type=Path)
    add_knowledge_option(parser)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--limit", type=int, default=10, metavar="N", help="passages per question (default 10)"
    )
    parser.add_argument(
        "--half",
        choices=("odd", "even"),
        help="only odd or even lines of the file (tune on one half, check on the other)",
    )
    parser.add_argument(
        "--misses", action="store_true", help="also list the questions answered wrongly"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Evaluate and print the table (or JSON)."""
    if args.limit < 1 or args.limit > 100:
        raise CommandError("--limit must be between 1 and 100")
    path: Path = args.questions
    try:
        questions = load_questions(path)
    except GlossaryError as exc:
        raise CommandError(str(exc)) from None
    if args.half:
        keep = 1 if args.half == "odd" else 0
        questions = [q for i, q in enumerate(questions, start=1) if i % 2 == keep]
    if not questions:
        raise CommandError(f"{path} has no questions: add one JSON object per line")
    glossary = load_glossary(knowledge_folders(args, load_settings()))
    outcomes = run_questions(lambda q: glossary.answer(q, limit=args.limit), questions)
    rows = report(outcomes)
    if args.json:
        payload = {
            "questions": len(outcomes),
            "median_ms": round(median_ms(outcomes), 4),
            "kinds": [row.to_dict() for row in rows],
        }
        print(json.dumps(payload, ensure_ascii=False))
    else:
        print(format_table(rows))
        print(f"median search time: {median_ms(outcomes):.3f} ms over {len(outcomes)} questions")
    if args.misses:
        for line in format_misses(outcomes):
            print(line, file=sys.stdout if not args.json else sys.stderr)
    return 0


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def format_table(rows: Sequence[Metrics]) -> str:
    """A Markdown table, one row per kind (overall first), ready to paste into docs."""
    header = "| kind | " + " | ".join(title for _, title in COLUMNS) + " |"
    rule = "|---|" + "|".join("---:" for _ in COLUMNS) + "|"
    lines = [header, rule]
    for row in rows:
        data = row.to_dict()
        lines.append(f"| {row.kind} | " + " | ".join(_cell(data[k]) for k, _ in COLUMNS) + " |")
    return "\n".join(lines)


def _is_miss(outcome: Outcome) -> bool:
    question = outcome.question
    if not question.answerable:
        return outcome.answered
    return outcome.entry_rank != 1 or outcome.section_hit is False or not outcome.answered


def format_misses(outcomes: Sequence[Outcome]) -> list[str]:
    """One line per question that was not answered right, for whoever tunes the ranking."""
    return [_miss_line(o.question, o) for o in outcomes if _is_miss(o)]


def _miss_line(question: Question, outcome: Outcome) -> str:
    if not question.answerable:
        return f"[{question.kind}] answered but should not: {question.q}"
    rank = outcome.entry_rank if outcome.entry_rank is not None else "-"
    problems = []
    if outcome.entry_rank != 1:
        problems.append(f"gold rank {rank}")
    if outcome.section_hit is False:
        problems.append(f"section {question.section!r} not in top 3")
    if not outcome.answered:
        problems.append("refused")
    return f"[{question.kind}] {', '.join(problems)}: {question.q} -> {', '.join(question.gold)}"
