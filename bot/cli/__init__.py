"""The ``glossary-bot`` command: one sub-command per module, wired here.

Each module in ``COMMANDS`` has ``register(subparsers)``, which adds its parser and sets
``handler``: a function taking the parsed arguments and returning the exit code.
Exit codes: 0 success, 1 content problems found (``check``), 2 usage or set-up errors.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from bot.cli.common import CommandError

COMMANDS = ("ask", "eval", "check", "run", "import_cmd", "report", "bench")


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="glossary-bot",
        description="Answer questions from a Markdown glossary, in a terminal or on Telegram.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"bot.cli.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return 2
    logging.basicConfig(
        level=logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Bot API URLs carry the token; the HTTP clients log request URLs.
    for noisy in ("bot.telegram_http", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        code: int = args.handler(args)
    except CommandError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    return code
