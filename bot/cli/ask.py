"""``glossary-bot ask``: the terminal front end, on the same search path as the bot."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from bot.cli.common import (
    CommandError,
    add_knowledge_option,
    knowledge_folders,
    load_glossary,
    load_settings,
)
from retrieval import Answer, Glossary
from retrieval.explain import explain

PROMPT = "Ask a question (Ctrl-D to quit): "


def register(subparsers: Any) -> None:
    """Add the ``ask`` sub-command."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "ask",
        help="answer a question (or one per line from standard input)",
        description="Answer a question from the glossary. Without QUESTION, read one "
        "question per line from standard input and answer each (the index is built once).",
    )
    parser.add_argument("question", nargs="?", metavar="QUESTION", help="the question to answer")
    add_knowledge_option(parser)
    parser.add_argument(
        "--limit", type=int, default=5, metavar="N", help="passages to return (default 5)"
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object per question per line"
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="also show why the passages ranked as they did (terms, corrections, score parts)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Answer the question(s) and print them."""
    if args.limit < 1 or args.limit > 100:
        raise CommandError("--limit must be between 1 and 100")
    if args.question is not None and not args.question.strip():
        raise CommandError(
            'the question is empty: ask something, like glossary-bot ask "what is an API"'
        )
    glossary = load_glossary(knowledge_folders(args, load_settings()))
    if args.question is not None:
        _answer_one(glossary, args.question, args, sys.stdout)
        return 0
    interactive = sys.stdin.isatty() and not args.json
    if interactive:
        print(f"glossary-bot: {len(glossary)} entries loaded.", file=sys.stderr)
    while True:
        if interactive:
            print(PROMPT, end="", file=sys.stderr, flush=True)
        line = sys.stdin.readline()
        if not line:
            return 0
        if not line.strip():
            continue
        _answer_one(glossary, line, args, sys.stdout)
        sys.stdout.flush()


def _answer_one(glossary: Glossary, question: str, args: argparse.Namespace, out: TextIO) -> None:
    answer = glossary.answer(question, limit=args.limit)
    explanation = explain(glossary, question, args.limit) if args.explain else None
    if args.json:
        data = answer.to_dict()
        if explanation is not None:
            data["explain"] = explanation.splitlines()
        out.write(json.dumps(data, ensure_ascii=False) + "\n")
    else:
        out.write(format_answer(answer) + "\n")
        if explanation is not None:
            out.write(explanation + "\n\n")


def format_answer(answer: Answer) -> str:
    """A readable answer: title › section › label, the passage, the link."""
    if answer.truncated:
        notice = "(Your question was long, so only its beginning was used.)\n"
    else:
        notice = ""
    if not answer.hits:
        return (
            f"{notice}No entry matches “{answer.query}”. Try other words, or a shorter question.\n"
        )
    if not answer.answered:
        lines = [f"{notice}I am not sure the glossary answers “{answer.query}”. Did you mean:"]
        lines += [
            f"  - {h.title}" + (f" › {h.section}" if h.section else "") for h in answer.hits[:3]
        ]
        return "\n".join(lines) + "\n"
    best = answer.hits[0]
    heading = " › ".join(part for part in (best.title, best.section, best.label) if part)
    lines = [f"{notice}{heading}", best.text]
    if best.url:
        lines.append(best.url)
    else:
        lines.append(f"(entry: {best.entry})")
    others = [
        h
        for h in answer.hits[1:4]
        if (h.entry, h.section, h.label) != (best.entry, best.section, best.label)
    ]
    if others:
        lines.append(
            "See also: "
            + "; ".join(" › ".join(p for p in (h.title, h.section, h.label) if p) for h in others)
        )
    return "\n".join(lines) + "\n"
