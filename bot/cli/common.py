"""What several commands share: the knowledge option and loading a glossary with advice."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.config import ConfigError, Settings
from retrieval import Glossary, GlossaryError, Severity


class CommandError(Exception):
    """Ends a command with a one-line message and an exit code (2 = usage or set-up)."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def add_knowledge_option(parser: argparse.ArgumentParser) -> None:
    """``--knowledge DIR`` (repeatable), defaulting to the KNOWLEDGE_DIR setting."""
    parser.add_argument(
        "--knowledge",
        metavar="DIR",
        action="append",
        type=Path,
        help="folder of knowledge files (default: KNOWLEDGE_DIR or ./knowledge); repeat to combine folders",
    )


def load_settings() -> Settings:
    """Settings from the environment, turning a bad value into a usage error."""
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise CommandError(str(exc)) from None


def knowledge_folders(args: argparse.Namespace, settings: Settings) -> list[Path]:
    """The folders a command should read."""
    folders: list[Path] | None = getattr(args, "knowledge", None)
    return folders or [settings.knowledge_dir]


def load_glossary(folders: list[Path], *, show_problems: bool = True) -> Glossary:
    """Build the glossary, print file problems to stderr, and fail clearly when empty.

    Parsed files are kept in INDEX_CACHE_DIR (default data/cache, "off" disables), so the
    next start only reads files that changed.
    """
    try:
        glossary = Glossary.from_folders(folders, cache_dir=load_settings().index_cache_dir)
    except GlossaryError as exc:
        raise CommandError(str(exc)) from None
    if show_problems:
        errors = [p for p in glossary.problems if p.severity is Severity.ERROR]
        for problem in errors:
            print(problem, file=sys.stderr)
        if errors:
            print(
                f"{len(errors)} file problem(s): those files were skipped; "
                "run 'glossary-bot check' for details",
                file=sys.stderr,
            )
    where = ", ".join(str(f) for f in folders)
    try:
        glossary.require_entries(where)
    except GlossaryError as exc:
        raise CommandError(str(exc)) from None
    return glossary
