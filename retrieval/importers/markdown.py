"""Write an ``EntryDraft`` as a knowledge file: YAML front matter and a Markdown body.

Text from other sources can contain characters that mean something in Markdown (``*``,
``_``, ``[``, a line starting with ``1.`` or ``#``). They are backslash-escaped, which
CommonMark turns back into the same characters, so the parsed entry reads exactly like
the source. Front-matter values are written plain when YAML reads them back unchanged,
and double-quoted (JSON strings are valid YAML) when it would not, e.g. ``Yes`` or ``1.0``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

import yaml

from retrieval.importers.draft import DraftBlock, EntryDraft

_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<])")
_ENTITY = re.compile(r"&(?=#?\w+;)")
_LINE_START = re.compile(r"^(\s*)([#>+\-=|]|\d{1,9}(?=[.)]))")
_PLAIN = re.compile(r"[A-Za-z0-9][\w .'&()/+:?=%~@!-]*(?<! )")


def escape_markdown(text: str, *, heading: bool = False) -> str:
    """Escape ``text`` so CommonMark renders it as exactly these characters.

    In a heading every ``#`` is escaped, since a trailing `` #`` would close it.
    """
    text = _INLINE_SPECIAL.sub(r"\\\1", text)
    text = _ENTITY.sub(r"\\&", text)
    if heading:
        return text.replace("#", "\\#")
    return _LINE_START.sub(_escape_line_start, text, count=1)


def _escape_line_start(match: re.Match[str]) -> str:
    indent, marker = match.group(1), match.group(2)
    if marker.isdigit():
        return f"{indent}{marker}\\"  # "1." -> "1\." (the escape goes before the dot)
    return f"{indent}\\{marker}"


def yaml_scalar(value: str, *, in_list: bool = False) -> str:
    """``value`` as a YAML scalar that reads back as the same string."""
    if _PLAIN.fullmatch(value) and not value.endswith(":"):
        document = f"k: [{value}]" if in_list else f"k: {value}"
        expected: object = [value] if in_list else value
        try:
            if yaml.safe_load(document) == {"k": expected}:
                return value
        except yaml.YAMLError:
            pass
    return json.dumps(value, ensure_ascii=False)


def front_matter(draft: EntryDraft) -> list[str]:
    """The front-matter lines, fences included."""
    lines = ["---", f"title: {yaml_scalar(draft.title)}"]
    if draft.url:
        lines.append(f"url: {yaml_scalar(draft.url)}")
    for key, values in (("aliases", draft.aliases), ("tags", draft.tags)):
        if values:
            items = ", ".join(yaml_scalar(v, in_list=True) for v in values)
            lines.append(f"{key}: [{items}]")
    if draft.updated:
        lines.append(f"updated: {draft.updated}")
    lines.append("---")
    return lines


def render_blocks(blocks: Sequence[DraftBlock]) -> list[str]:
    """Markdown lines for blocks; consecutive items of one kind form one list."""
    lines: list[str] = []
    previous: str | None = None
    number = 0
    for block in blocks:
        continues_list = block.kind in ("ordered", "bullet") and block.kind == previous
        if lines and not continues_list:
            lines.append("")
        number = number + 1 if continues_list else 1
        text = escape_markdown(block.text)
        if block.label:
            text = f"**{escape_markdown(block.label)}:** {text}".rstrip()
        if block.kind == "ordered":
            lines.append(f"{number}. {text}")
        elif block.kind == "bullet":
            lines.append(f"- {text}")
        elif block.kind == "subheading":
            lines.append(f"### {escape_markdown(block.text, heading=True)}")
        else:
            lines.append(text)
        previous = block.kind
    return lines


def render_entry(draft: EntryDraft) -> str:
    """The whole knowledge file for ``draft``."""
    lines = front_matter(draft)
    lines += render_blocks(draft.lead)
    for section in draft.sections:
        lines += ["", f"## {escape_markdown(section.heading, heading=True)}", ""]
        lines += render_blocks(section.blocks)
    return "\n".join(lines) + "\n"
