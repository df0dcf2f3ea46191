"""Parse one knowledge file (front matter + Markdown) into an ``Entry``.

Parsing never raises on bad content: it returns every problem it finds as a
``Problem`` with the file's line number, so a content owner fixes a file in one pass.
Markdown goes through markdown-it-py (CommonMark), front matter through a ``yaml.SafeLoader`` (rejecting repeated keys)
so a knowledge file can never run code.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from retrieval.models import Block, Entry, Problem, Severity

KNOWN_KEYS = frozenset({"title", "url", "aliases", "tags", "updated"})
_FENCE = "---"
_LABEL_SEPARATORS = ":—–-"
_LABEL_ENDS = tuple(_LABEL_SEPARATORS)
_LIST_OPEN = frozenset({"bullet_list_open", "ordered_list_open"})
_CODE = frozenset({"fence", "code_block"})
# Inline tokens that carry text: links keep their text (their own text tokens), images
# their alt text, and line breaks become spaces; markup and inline HTML are dropped.
_AS_CONTENT = frozenset({"text", "code_inline", "image"})
_KEPT = _AS_CONTENT | {"softbreak", "hardbreak"}
_markdown = MarkdownIt("commonmark")

# markdown-it tries every rule at every block start and at every character that may
# start inline markup; most rules give up at once, but the tries were a quarter of
# parsing. A rule that needs a character the document does not contain can never
# match it, so each document is parsed by a commonmark parser without those rules:
# the same tokens (``tests/retrieval/test_parsing.py`` compares them), less work.
_TRIGGERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("<", ("html_block", "html_inline", "autolink")),
    ("&", ("entity",)),
    ("\\", ("escape",)),
    ("`", ("backticks",)),
    ("`~", ("fence",)),
    ("[", ("link", "image", "reference")),
    (">", ("blockquote",)),
)
# A setext underline ("===" or "---" under a paragraph) is a line of one marker and
# blanks, after indentation and blockquote marks; it is never a document's first line.
_UNDERLINE = re.compile(r"\n[ \t>]*(?:=+|-+)[ \t]*(?:\n|$)")
# The characters the commonmark inline rules react to ("]" ends a link's text); the
# text rule may run past any other character, which the rules would only hand back to
# it one at a time ("-" and ":" are frequent in prose).
_INLINE_RULES = frozenset({"text", "newline", "escape", "backticks", "emphasis", "link",
                           "image", "autolink", "html_inline", "entity"})  # fmt: skip
_INLINE_POST_RULES = frozenset({"balance_pairs", "emphasis", "fragments_join"})
_TERMINATORS = re.compile(r"[\n\\`*_\[\]!<&]")
_parsers: dict[tuple[str, ...], MarkdownIt] = {}


def _parser(body: str) -> MarkdownIt:
    """A commonmark parser without the rules that cannot match anything in ``body``."""
    if "\r" in body:  # markdown-it reads it as a line end; the checks below look for "\n"
        return _markdown
    off = tuple(
        rule for chars, rules in _TRIGGERS if not any(c in body for c in chars) for rule in rules
    )
    if _UNDERLINE.search(body) is None:
        off += ("lheading",)
    parser = _parsers.get(off)
    if parser is None:
        parser = MarkdownIt("commonmark").disable(list(off))
        active = parser.get_active_rules()
        if (
            hasattr(parser.inline, "terminator_re")
            and _INLINE_RULES.issuperset(active["inline"])
            and _INLINE_POST_RULES.issuperset(active["inline2"])
        ):
            parser.inline.terminator_re = _TERMINATORS
        parser = _parsers.setdefault(off, parser)
    return parser


class _UniqueKeys(yaml.constructor.SafeConstructor):
    """PyYAML's safe constructor, but a key given twice is an error instead of last-wins."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key '{key}' appears twice, keep one", key_node.start_mark
                )
            if isinstance(key, str):
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


class _UniqueKeyLoader(_UniqueKeys, yaml.SafeLoader):
    """Pure-Python safe loader: slower, but its error messages point at the right line."""


class _FastUniqueKeyLoader(_UniqueKeys, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The same rules on libyaml's C parser: a third of parse time is YAML otherwise."""


def _load_yaml(text: str) -> Any:
    """Parse with the C loader; on an error, parse again in Python for its precise message."""
    try:
        return yaml.load(text, Loader=_FastUniqueKeyLoader)  # a SafeLoader: no code runs
    except yaml.YAMLError:
        return yaml.load(text, Loader=_UniqueKeyLoader)


@dataclass(frozen=True, slots=True)
class ParseResult:
    """An entry (or None when an error keeps it out) and what is wrong with the file."""

    entry: Entry | None
    problems: tuple[Problem, ...]


def entry_id_for(path: Path) -> str:
    """The entry id is the file name without ``.md``."""
    return path.stem


def parse_entry(path: Path, raw: bytes) -> ParseResult:
    """Parse the bytes of one knowledge file; ``path`` is used for ids and messages."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return ParseResult(
            None,
            (Problem(path, line, "the file is not UTF-8 text: save it with UTF-8 encoding"),),
        )
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    problems: list[Problem] = []
    split = _split_front_matter(path, text, problems)
    if split is None:
        return ParseResult(None, tuple(problems))
    meta_text, body, body_line = split
    meta = _load_meta(path, meta_text, problems)
    if meta is None:
        return ParseResult(None, tuple(problems))
    fields = _check_meta(path, meta, meta_text, problems)
    blocks = parse_body(body, first_line=body_line)
    if not blocks:
        problems.append(
            Problem(path, body_line, "the entry has no text: write a definition below the '---'")
        )
    if any(p.severity is Severity.ERROR for p in problems) or fields is None:
        return ParseResult(None, tuple(problems))
    title, url, aliases, tags, updated = fields
    entry = Entry(
        id=entry_id_for(path),
        title=title,
        path=path,
        blocks=tuple(blocks),
        url=url,
        aliases=aliases,
        tags=tags,
        updated=updated,
    )
    return ParseResult(entry, tuple(problems))


def _split_front_matter(
    path: Path, text: str, problems: list[Problem]
) -> tuple[str, str, int] | None:
    """Return (front matter, body, first body line) or record why there is none."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != _FENCE:
        problems.append(
            Problem(
                path,
                1,
                "missing front matter: start the file with a '---' line, "
                "'title: <the term>' and another '---' line",
            )
        )
        return None
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() == _FENCE:
            return "\n".join(lines[1 : number - 1]), "\n".join(lines[number:]), number + 1
    problems.append(
        Problem(path, 1, "the front matter is never closed: add a '---' line after the last key")
    )
    return None


def _load_meta(path: Path, meta_text: str, problems: list[Problem]) -> dict[str, Any] | None:
    try:
        meta = _load_yaml(meta_text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = (mark.line + 2) if mark is not None else 1
        reason = getattr(exc, "problem", None) or "invalid YAML"
        problems.append(
            Problem(
                path,
                line,
                f"broken front matter ({reason}): write 'key: value' lines, "
                "and quote values that contain ':' or '#'",
            )
        )
        return None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        problems.append(
            Problem(path, 2, "the front matter must be 'key: value' lines, like 'title: API'")
        )
        return None
    return meta


def _key_line(meta_text: str, key: str) -> int:
    """Line number (in the file) of a front-matter key, for precise messages."""
    pattern = re.compile(rf"^{re.escape(key)}\s*:")
    for number, line in enumerate(meta_text.split("\n"), start=2):
        if pattern.match(line):
            return number
    return 2


def _string_list(
    path: Path, meta: dict[str, Any], meta_text: str, key: str, problems: list[Problem]
) -> tuple[str, ...]:
    value = meta.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        problems.append(
            Problem(
                path,
                _key_line(meta_text, key),
                f"'{key}' must be a list of names, like '{key}: [First, Second]'",
            )
        )
        return ()
    return tuple(str(v).strip() for v in value if str(v).strip())


def _check_meta(
    path: Path, meta: dict[str, Any], meta_text: str, problems: list[Problem]
) -> tuple[str, str | None, tuple[str, ...], tuple[str, ...], str | None] | None:
    """Validate front-matter fields; return them, or None when the title is unusable."""
    for key in meta:
        if str(key) not in KNOWN_KEYS:
            problems.append(
                Problem(
                    path,
                    _key_line(meta_text, str(key)),
                    f"unknown front-matter key '{key}' is ignored: "
                    f"use one of {', '.join(sorted(KNOWN_KEYS))}",
                    Severity.WARNING,
                )
            )
    title = meta.get("title")
    if isinstance(title, int | float) and not isinstance(title, bool):
        title = str(title)
    if not isinstance(title, str) or not title.strip():
        problems.append(
            Problem(
                path,
                _key_line(meta_text, "title") if "title" in meta else 2,
                "missing title: add 'title: <the term>' to the front matter",
            )
        )
        title = None
    url = meta.get("url")
    if url is not None:
        parsed = urlparse(str(url).strip())
        if not isinstance(url, str) or parsed.scheme not in {"http", "https"} or not parsed.netloc:
            problems.append(
                Problem(
                    path,
                    _key_line(meta_text, "url"),
                    f"malformed url {url!r}: use a full link like https://example.com/glossary/term",
                )
            )
            url = None
        else:
            url = url.strip()
    aliases = _string_list(path, meta, meta_text, "aliases", problems)
    tags = _string_list(path, meta, meta_text, "tags", problems)
    updated = meta.get("updated")
    if isinstance(updated, dt.date):
        updated = updated.isoformat()
    elif updated is not None:
        try:
            updated = dt.date.fromisoformat(str(updated)).isoformat()
        except ValueError:
            problems.append(
                Problem(
                    path,
                    _key_line(meta_text, "updated"),
                    f"'updated' must be a date like 2024-03-19, not {updated!r}",
                )
            )
            updated = None
    if title is None:
        return None
    return title.strip(), url, aliases, tags, updated


def parse_body(body: str, *, first_line: int = 1) -> list[Block]:
    """Markdown body -> blocks (paragraphs and list items) with their ``##`` section."""
    tokens = _parser(body).parse(body)
    blocks: list[Block] = []
    section: str | None = None
    i, end = 0, len(tokens)
    while i < end:
        token = tokens[i]
        kind = token.type
        if kind == "paragraph_open":
            text = _inline_text(tokens[i + 1])
            if text:
                blocks.append(Block(section, text, _line(token, first_line)))
            i += 3
        elif kind == "heading_open":
            if token.tag == "h2" or (token.tag == "h1" and section is None and blocks):
                section = _inline_text(tokens[i + 1]) or None
            i += 3
        elif kind in _LIST_OPEN and token.level == 0:
            i = _read_list(tokens, i, section, first_line, blocks)
        else:
            i += 1
    return blocks


def _line(token: Token, first_line: int) -> int:
    return (token.map[0] if token.map else 0) + first_line


def _read_list(
    tokens: list[Token], start: int, section: str | None, first_line: int, blocks: list[Block]
) -> int:
    """Read a top-level list: each top-level item becomes one block, nested items join it."""
    opening = tokens[start].type
    closing = opening.replace("_open", "_close")
    item_level = tokens[start].level + 1
    depth = 0
    item_parts: list[tuple[str | None, str]] = []
    item_line = first_line
    for i in range(start, len(tokens)):
        token = tokens[i]
        kind = token.type
        if kind == "inline":
            item_parts.append(
                _split_label(token) if not item_parts else (None, _inline_text(token))
            )
        elif kind == opening:
            depth += 1
        elif kind == closing:
            depth -= 1
            if depth == 0:
                return i + 1
        elif kind == "list_item_open" and token.level == item_level:
            item_parts = []
            item_line = _line(token, first_line)
        elif kind == "list_item_close" and token.level == item_level:
            _append_item(item_parts, section, item_line, blocks)
        elif kind in _CODE:
            item_parts.append((None, token.content.strip()))
    return len(tokens)


def _append_item(
    parts: list[tuple[str | None, str]], section: str | None, line: int, blocks: list[Block]
) -> None:
    if not parts:
        return
    label = parts[0][0]
    text = " ".join(t for _, t in parts if t).strip()
    if text or label:
        blocks.append(Block(section, text or (label or ""), line, label=label, is_item=True))


def _split_label(inline: Token) -> tuple[str | None, str]:
    """Take a bold lead-in ("**Fintech:** text") off a list item as its label."""
    children = [c for c in inline.children or [] if not (c.type == "text" and not c.content)]
    if len(children) >= 3 and children[0].type == "strong_open":
        close = next((k for k, c in enumerate(children) if c.type == "strong_close"), None)
        if close is not None:
            label = _plain_text(children[1:close])
            rest = _plain_text(children[close + 1 :])
            if label.endswith(_LABEL_ENDS):
                label = label[:-1].strip()
            elif rest[:1] in _LABEL_SEPARATORS:  # an empty rest too: the label stays
                rest = rest[1:].strip()
            else:
                label = ""
            if label:
                return label, rest
    return None, _inline_text(inline)


def _inline_text(inline: Token) -> str:
    return _plain_text(inline.children or [])


def _plain_text(children: list[Token]) -> str:
    """Plain text of inline tokens: link text without URLs, code as its content.

    Whitespace runs become one space and the ends are trimmed (``str.split`` and the
    ``\\s`` of ``re`` agree on what whitespace is).
    """
    if len(children) == 1 and children[0].type == "text":  # a plain paragraph or heading
        return " ".join(children[0].content.split())
    parts = [c.content if c.type in _AS_CONTENT else " " for c in children if c.type in _KEPT]
    return " ".join("".join(parts).split())
