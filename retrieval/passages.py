"""Split entries into passages: the units the bot can quote as an answer.

A passage is the lead, one paragraph of a section, or one list item; paragraphs longer
than ``MAX_PASSAGE_CHARS`` are cut at sentence boundaries so an answer stays readable in
a chat bubble. "See also" style sections are link lists, not answers, and are left out,
and so are the lead-in sentences of lists ("... in many industries, including:").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from retrieval.models import Block, Entry, Passage

MAX_PASSAGE_CHARS = 700
TARGET_PASSAGE_CHARS = 450
MAX_INTRO_CHARS = 240
NON_ANSWER_SECTIONS = frozenset({"see also", "related", "related terms", "references", "links"})
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")


def split_sentences(text: str) -> list[str]:
    """Split prose at sentence ends (a regex, so no tokenizer data is downloaded)."""
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


def chunk_text(
    text: str, *, target: int = TARGET_PASSAGE_CHARS, limit: int = MAX_PASSAGE_CHARS
) -> list[str]:
    """Cut over-long text into chunks of whole sentences of about ``target`` characters."""
    if len(text) <= limit:
        return [text]
    chunks: list[str] = []
    current = ""
    for sentence in split_sentences(text):
        if current and len(current) + 1 + len(sentence) > target:
            chunks.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}".strip()
    if current:
        chunks.append(current)
    return chunks


def is_answer_section(section: str | None) -> bool:
    """False for link-list sections such as "See also"."""
    return section is None or section.strip().lower() not in NON_ANSWER_SECTIONS


def is_list_intro(blocks: tuple[Block, ...], position: int) -> bool:
    """True for a lead-in paragraph ("... used in many industries, including:") of a list.

    Such a sentence names the entry and its section, so it would match a question as well
    as the items it introduces, while saying nothing by itself; the items answer instead.
    """
    block = blocks[position]
    if block.is_item or not block.text.rstrip().endswith(":") or position + 1 >= len(blocks):
        return False
    if len(block.text) > MAX_INTRO_CHARS or len(split_sentences(block.text)) > 1:
        return False  # a paragraph that says something before its list is kept
    following = blocks[position + 1]
    return following.is_item and following.section == block.section


def entry_passages(entry: Entry) -> Iterator[Passage]:
    """Passages of one entry in reading order."""
    for position, block in enumerate(entry.blocks):
        if not is_answer_section(block.section) or is_list_intro(entry.blocks, position):
            continue
        for text in chunk_text(block.text):
            yield Passage(
                entry=entry.id,
                title=entry.title,
                section=block.section,
                label=block.label,
                text=text,
                url=entry.url,
                aliases=entry.aliases,
            )


def build_passages(entries: Iterable[Entry]) -> list[Passage]:
    """Passages of all entries, entry by entry."""
    return [p for entry in entries for p in entry_passages(entry)]
