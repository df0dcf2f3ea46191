"""Import a glossary entry from a saved HTML page (File > Save Page As... > HTML only).

The page is read with BeautifulSoup's standard-library ``html.parser`` backend, which
copes with the broken markup real sites serve. Navigation, headers and footers, scripts,
forms and elements whose class or id says "breadcrumb", "sidebar", "share" and the like
are dropped; the entry is what remains of ``<main>`` (or ``<article>``, or ``<body>``)
after the ``<h1>`` title: paragraphs, lists and definition lists, with the highest
heading level below the title as ``##`` sections. Tables and images are left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from urllib.parse import urlparse

from bs4 import BeautifulSoup
from bs4.element import NavigableString, PreformattedString, Tag

from retrieval.importers.draft import (
    DraftBlock,
    EntryDraft,
    SourceError,
    breadcrumb_title,
    clean_text,
    draft_from_blocks,
    is_footer_marker,
    is_read_time,
    parse_date,
    split_label,
)

_DROP_TAGS = (
    "script", "style", "noscript", "template", "nav", "footer", "aside", "form",
    "iframe", "svg", "button", "select", "dialog", "table", "img", "figure",
)  # fmt: skip
_DROP_WORDS = frozenset(
    {
        "breadcrumb", "breadcrumbs", "nav", "navbar", "navigation", "menu", "footer",
        "sidebar", "share", "sharing", "social", "cookie", "cookies", "newsletter",
        "subscribe", "related", "comments", "banner", "advert", "ads", "toc",
    }
)  # fmt: skip
_HEADING = re.compile(r"^h([1-6])$")
_BLOCK_TAGS = frozenset(
    {"p", "div", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "section", "br"}
)
_BLOCK_TAG_NAMES = sorted(_BLOCK_TAGS)
_SEPARATORS = (":", "—", "–", "-")
_TITLE_SUFFIX = re.compile(r"\s+[|–—-]\s+.*$")


def convert_html(html: str, *, url: str | None = None, tags: Sequence[str] = ()) -> EntryDraft:
    """HTML page -> an entry draft; raises ``SourceError`` when there is no usable entry."""
    if not html.strip():
        raise SourceError("the file is empty: save the glossary page as HTML into it")
    soup = BeautifulSoup(html, "html.parser")
    page_url = url or _page_url(soup)
    updated = _page_date(soup)
    _drop_boilerplate(soup)
    root = _content_root(soup)
    h1 = root.find("h1") or soup.find("h1")
    title = clean_text(h1.get_text()) if isinstance(h1, Tag) else _fallback_title(soup)
    if not title:
        raise SourceError(
            "no title found: the page has no <h1> heading or <title>; save the entry's "
            "own page, not a list of entries"
        )
    raw = list(_walk(root, h1 if isinstance(h1, Tag) else None))
    if any(kind == "title" for kind, _, _ in raw):
        raw = raw[next(n for n, (kind, _, _) in enumerate(raw) if kind == "title") + 1 :]
    blocks, found_date = _blocks(raw)
    return draft_from_blocks(
        title,
        blocks,
        url=page_url,
        tags=tags,
        updated=updated or found_date,
        empty_advice="save the entry's page with its content (File > Save Page As)",
    )


def _page_url(soup: BeautifulSoup) -> str | None:
    """The canonical link (or og:url) when it is a full http(s) link."""
    candidates = [
        _attr(soup.find("link", rel="canonical"), "href"),
        _attr(soup.find("meta", property="og:url"), "content"),
    ]
    for candidate in candidates:
        parsed = urlparse(candidate or "")
        if parsed.scheme in ("http", "https") and parsed.netloc:
            return candidate
    return None


def _page_date(soup: BeautifulSoup) -> str | None:
    """The modified (else published) date from meta tags or the first ``<time>``."""
    candidates = [
        _attr(soup.find("meta", property="article:modified_time"), "content"),
        _attr(soup.find("meta", property="article:published_time"), "content"),
        _attr(soup.find("time", datetime=True), "datetime"),
    ]
    for candidate in candidates:
        if candidate and (date := parse_date(candidate[:10])):
            return date
    return None


def _attr(tag: object, name: str) -> str | None:
    if not isinstance(tag, Tag):
        return None
    value = tag.get(name)
    if isinstance(value, list):
        value = " ".join(value)
    return value.strip() if isinstance(value, str) else None


def _drop_boilerplate(soup: BeautifulSoup) -> None:
    for tag in soup.find_all(list(_DROP_TAGS)):
        tag.decompose()
    for tag in soup.find_all(True):
        if tag.decomposed or tag.name in ("html", "body", "main", "article"):
            continue
        words = set(re.split(r"[\s_-]+", " ".join([*_classes(tag), _attr(tag, "id") or ""])))
        role = _attr(tag, "role") or ""
        is_page_header = tag.name == "header" and tag.find("h1") is None
        if words & _DROP_WORDS or role in ("navigation", "banner", "contentinfo") or is_page_header:
            tag.decompose()


def _classes(tag: Tag) -> list[str]:
    value = tag.get("class")
    if isinstance(value, str):
        return [value.casefold()]
    return [v.casefold() for v in value or []]


def _content_root(soup: BeautifulSoup) -> Tag:
    for candidate in (soup.find("main"), soup.find(role="main"), soup.find("article")):
        if isinstance(candidate, Tag) and candidate.find(string=re.compile(r"\w")):
            return candidate
    return soup.body if isinstance(soup.body, Tag) else soup


def _fallback_title(soup: BeautifulSoup) -> str:
    og = _attr(soup.find("meta", property="og:title"), "content")
    if og:
        return clean_text(og)
    title = soup.find("title")
    if isinstance(title, Tag):
        return clean_text(_TITLE_SUFFIX.sub("", clean_text(title.get_text())))
    return ""


def _walk(node: Tag, title: Tag | None) -> Iterator[tuple[str, int, DraftBlock]]:
    """(kind, heading level, block) in document order; kind is title, heading or block."""
    pending: list[str] = []

    def flush() -> Iterator[tuple[str, int, DraftBlock]]:
        text = clean_text("".join(pending))
        pending.clear()
        if text:
            yield "block", 0, DraftBlock(text)

    for child in node.children:
        if isinstance(child, NavigableString):
            if not isinstance(child, PreformattedString):
                pending.append(str(child))
            continue
        if not isinstance(child, Tag):
            continue
        if _is_inline(child):
            pending.append(_text(child))
            continue
        yield from flush()
        level = _HEADING.match(child.name)
        if child is title:
            yield "title", 1, DraftBlock(_text(child))
        elif level:
            yield "heading", int(level.group(1)), DraftBlock(_text(child))
        elif child.name in ("p", "pre", "blockquote"):
            yield "block", 0, DraftBlock(_text(child))
        elif child.name in ("ul", "ol"):
            kind = "ordered" if child.name == "ol" else "bullet"
            for li in child.find_all("li", recursive=False):
                yield "block", 0, _item(li, kind)
        elif child.name == "dl":
            for term in child.find_all("dt", recursive=False):
                definition = term.find_next_sibling("dd")
                text = _text(definition) if isinstance(definition, Tag) else ""
                yield "block", 0, DraftBlock(text, label=_text(term) or None, kind="bullet")
        elif child.name != "br":
            yield from _walk(child, title)
    yield from flush()


def _is_inline(tag: Tag) -> bool:
    """Text-level elements (links, bold, spans) that hold no block or heading inside."""
    if tag.name in _BLOCK_TAGS or _HEADING.match(tag.name) or tag.name in ("header", "main"):
        return False
    return tag.find(_BLOCK_TAG_NAMES) is None and tag.find(_HEADING) is None


def _text(tag: Tag) -> str:
    """Visible text of an element, with a space wherever a block or line break ends."""
    parts: list[str] = []
    for piece in tag.descendants:
        if isinstance(piece, NavigableString) and not isinstance(piece, PreformattedString):
            parts.append(str(piece))
        elif isinstance(piece, Tag) and piece.name in _BLOCK_TAGS:
            parts.append(" ")
    return clean_text("".join(parts))


def _item(li: Tag, kind: str) -> DraftBlock:
    """A list item; a leading bold "Label:" (or a plain short "Label:") becomes its label."""
    text = _text(li)
    first = next((c for c in li.children if not (isinstance(c, str) and not c.strip())), None)
    if isinstance(first, Tag) and first.name in ("strong", "b"):
        bold = _text(first)
        rest = text.removeprefix(bold).lstrip()
        if text.startswith(bold) and (bold.endswith(_SEPARATORS) or rest.startswith(_SEPARATORS)):
            name = bold.rstrip("".join(_SEPARATORS) + " ")
            if name:
                return DraftBlock(rest.lstrip("".join(_SEPARATORS) + " "), label=name, kind=kind)
    label, body = split_label(text)
    return DraftBlock(body, label=label, kind=kind)


def _blocks(raw: Sequence[tuple[str, int, DraftBlock]]) -> tuple[list[DraftBlock], str | None]:
    """Drop page furniture (dates, reading times, breadcrumbs, footers); rank headings."""
    levels = [level for kind, level, _ in raw if kind == "heading"]
    section_level = min(levels) if levels else 0
    blocks: list[DraftBlock] = []
    found_date: str | None = None
    for kind, level, block in raw:
        if is_footer_marker(block.text):
            break
        if kind == "block" and block.label is None:
            date = parse_date(block.text)
            if date is not None:
                found_date = found_date or date
                continue
            if is_read_time(block.text) or breadcrumb_title(block.text):
                continue
        if kind == "heading":
            blocks.append(
                DraftBlock(block.text, kind="heading" if level == section_level else "subheading")
            )
        elif kind == "block" and (block.text or block.label):
            blocks.append(block)
    return blocks, found_date
