"""``glossary-bot import``: turn saved pages and spreadsheet exports into knowledge files.

One file per entry, named after the title. Existing files are never overwritten without
``--force``; a source that cannot be imported is reported and the others still import.
Exit codes: 0 all sources imported, 1 some source or row could not be, 2 usage errors.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from bot.cli.common import CommandError, load_settings
from retrieval.importers import (
    KINDS,
    ImportedEntry,
    SourceError,
    convert_source,
    detect_kind,
)
from retrieval.models import Severity
from retrieval.parsing import parse_entry


def register(subparsers: Any) -> None:
    """Add the ``import`` sub-command."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "import",
        help="turn saved glossary pages or a CSV/JSON export into knowledge files",
        description="Import SOURCE files into the knowledge folder, one Markdown file per "
        "entry: page text saved from a glossary website (.txt), saved HTML pages "
        "(.html), or a CSV/JSON export with term and definition columns. Existing files "
        "are kept unless --force is given.",
    )
    parser.add_argument("sources", nargs="+", type=Path, metavar="SOURCE", help="files to import")
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="folder to write to (default: KNOWLEDGE_DIR or ./knowledge)",
    )
    parser.add_argument("--force", action="store_true", help="overwrite existing files")
    parser.add_argument(
        "--url", metavar="URL", help="link to the entry's page (when importing one page)"
    )
    parser.add_argument(
        "--tag",
        action="append",
        default=[],
        metavar="TAG",
        help="tag every imported entry (repeat for several tags)",
    )
    parser.add_argument(
        "--format",
        choices=KINDS,
        help="source format (default: from the file extension; .txt and others: page text)",
    )
    parser.set_defaults(handler=run)


@dataclass
class ImportTally:
    """What one run did, for the summary line and the exit code."""

    created: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    failed: int = 0
    written: dict[Path, Path] = field(default_factory=dict)  # file -> source it came from


def run(args: argparse.Namespace) -> int:
    """Import every source, print what happened and a summary."""
    _check_url_option(args)
    out: Path = args.out or load_settings().knowledge_dir
    if out.exists() and not out.is_dir():
        raise CommandError(f"--out {out} is a file: pass the knowledge folder instead")
    tally = ImportTally()
    for source in args.sources:
        import_source(source, args, out, tally)
    print(f"{len(tally.created)} created, {len(tally.skipped)} skipped, {tally.failed} failed")
    if tally.created:
        print(f"Review them with: glossary-bot check {out}")
    return 1 if tally.failed else 0


def _check_url_option(args: argparse.Namespace) -> None:
    if args.url is None:
        return
    parsed = urlparse(args.url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise CommandError(
            f"--url {args.url!r} is not a full link: use one like https://example.com/glossary/term"
        )
    if len(args.sources) != 1:
        raise CommandError("--url sets the link of one page: import pages one at a time")


def import_source(source: Path, args: argparse.Namespace, out: Path, tally: ImportTally) -> None:
    """Convert one source and write its entries; failures are reported, never raised."""
    try:
        text = source.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        _fail(tally, f"{source}: cannot read the file ({exc.strerror}): check the path")
        return
    except UnicodeDecodeError:
        _fail(
            tally,
            f"{source}: the file is not UTF-8 text: save it again with UTF-8 encoding "
            "(in Excel: 'CSV UTF-8')",
        )
        return
    kind = args.format or detect_kind(source.name, text)
    if args.url and kind in ("csv", "json"):
        _fail(tally, f"{source}: --url is for one page; put links in the table's url column")
        return
    try:
        entries, problems = convert_source(
            kind, text.replace("\r\n", "\n"), url=args.url, tags=args.tag
        )
    except SourceError as exc:
        _fail(tally, f"{source}: {exc}")
        return
    for problem in problems:
        print(problem.describe(str(source)), file=sys.stderr)
        tally.failed += problem.skipped
    if not entries and not problems:
        _fail(tally, f"{source}: no entries found: check that the file has rows below the header")
    for entry in entries:
        write_entry(entry, source, out, force=args.force, tally=tally)


def write_entry(
    entry: ImportedEntry, source: Path, out: Path, *, force: bool, tally: ImportTally
) -> None:
    """Write one entry unless its file exists (or was written by this run)."""
    path = out / f"{entry.slug}.md"
    result = parse_entry(path, entry.text.encode("utf-8"))
    errors = [p for p in result.problems if p.severity is Severity.ERROR]
    if errors:  # a converter bug: never write a file that check would reject
        _fail(tally, f"{source}: '{entry.title}' could not be converted ({errors[0].message})")
        return
    if path in tally.written:
        tally.skipped.append(path)
        print(f"skipped {path}: '{entry.title}' was already imported from {tally.written[path]}")
        return
    existed = path.exists()
    if existed and not force:
        tally.skipped.append(path)
        print(f"skipped {path}: the file already exists (use --force to overwrite it)")
        return
    out.mkdir(parents=True, exist_ok=True)
    _write_atomically(path, entry.text)
    tally.written[path] = source
    tally.created.append(path)
    print(f"{'replaced' if existed else 'created'} {path} ('{entry.title}' from {source})")


def _write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file so a running bot never reads half a file."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".import-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _fail(tally: ImportTally, message: str) -> None:
    tally.failed += 1
    print(f"Error: {message}", file=sys.stderr)
