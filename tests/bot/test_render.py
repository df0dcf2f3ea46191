"""Rendering: valid Telegram HTML within 4096 characters, whatever the content throws at it.

HTML validity is checked with the fake Bot API's parser, the same rules the end-to-end
tests' server enforces.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.render import (
    LinkSettings,
    entry_link,
    entry_messages,
    not_confident_html,
    passage_html,
    plain_html,
    web_link,
)
from bot.textfit import ELLIPSIS, fit, marked_up, marked_up_cost, split, units
from retrieval import Answer, Block, Entry, Hit
from retrieval.analysis import analyze
from tests.bot.fake_bot_api import parse_telegram_html, utf16_len

LINKS = LinkSettings(glossary_base_url=None, bot_username="GlossaryTestBot")
HOSTILE = "<b>what</b> is an API & SQL? </a><i>&amp; \"quotes\" 'single' 😀 "


def hit(text: str, **fields: str | None) -> Hit:
    values: dict[str, str | None] = {
        "entry": "api",
        "title": "API",
        "section": "Overview",
        "label": None,
        "url": "https://example.com/api?a=1&b=2",
    }
    values.update(fields)
    return Hit(text=text, score=1.0, **values)  # type: ignore[arg-type]


def plain(html: str) -> str:
    text, _ = parse_telegram_html(html)
    return text


def assert_sendable(html: str) -> None:
    text, _ = parse_telegram_html(html)  # raises on invalid HTML
    assert utf16_len(html) <= 4096
    assert utf16_len(text.strip()) > 0


def test_a_passage_has_heading_highlights_and_link() -> None:
    html = passage_html(
        hit("Back-end Engineers build payment gateways.", label="Fintech", section="Applications"),
        analyze("back-end engineer fintech"),
        link="https://itexus.com/glossary/back-end-engineer-2/",
    )
    assert html == (
        "<b>API › Applications › Fintech</b>\n"
        "<b>Back-end</b> <b>Engineers</b> build payment gateways.\n\n"
        '<a href="https://itexus.com/glossary/back-end-engineer-2/">Full entry: API</a>'
    )


def test_hostile_content_is_escaped_everywhere() -> None:
    html = passage_html(
        hit(HOSTILE, title="<script>", section="a & b", label="</b>"),
        analyze("what is an API & SQL"),
        link='https://example.com/"x"<y>',
        notice="<cut> & more",
    )
    assert_sendable(html)
    assert plain(html) == (
        "<cut> & more\n\n<script> › a & b › </b>\n" + HOSTILE + "\n\nFull entry: <script>"
    )
    assert '<a href="https://example.com/&quot;x&quot;&lt;y&gt;">' in html


@pytest.mark.parametrize("piece", ["&", "<", "word ", "😀", "é", "a" * 50 + " "])
def test_long_passages_are_cut_on_plain_text_to_fit_4096(piece: str) -> None:
    text = piece * (10_000 // len(piece))
    html = passage_html(hit(text), ["api", "word"], link="https://example.com/x")
    assert_sendable(html)
    body = plain(html).split("\n")[1]
    assert body.endswith(ELLIPSIS)
    assert text.startswith(body[:-1].rstrip())


def test_highlights_near_the_cut_stay_balanced() -> None:
    text = "API " * 3000
    html = passage_html(hit(text), analyze("api"), link="https://example.com/x")
    assert_sendable(html)
    assert html.count("<b>") == html.count("</b>")


def test_not_confident_says_so_and_quotes_the_question_escaped() -> None:
    answer = Answer("<b>quantum</b> & yoga", False, (hit("x"),))
    assert not_confident_html(answer) == (
        "I'm not sure the glossary answers “&lt;b&gt;quantum&lt;/b&gt; &amp; yoga”.\n"
        "Did you mean one of these?"
    )
    nothing = Answer("zzz", False, ())
    assert plain(not_confident_html(nothing)) == (
        "I found nothing in the glossary for “zzz”. Try other words, or see /browse for every entry."
    )


def test_not_confident_quotes_at_most_200_characters() -> None:
    html = not_confident_html(Answer("x" * 5000, False, ()))
    assert_sendable(html)
    assert "x" * 199 + ELLIPSIS in html
    assert "x" * 200 not in html


def long_entry() -> Entry:
    blocks = [Block(None, "Lead paragraph & definition.", 1)]
    for n in range(30):
        blocks.append(Block(f"Section {n}", f"Paragraph {n} " + "word " * 60 + "<end>", n + 2))
    blocks.append(Block("Items", "first item text", 40, label="Label <1>", is_item=True))
    blocks.append(Block("Huge", "huge " * 2000, 41))
    return Entry("long", "Long <Entry>", Path("long.md"), tuple(blocks), url="https://e.com/l")


def test_a_long_entry_is_split_at_paragraph_boundaries() -> None:
    messages = entry_messages(long_entry(), link="https://e.com/l")
    assert len(messages) == 6
    for html in messages:
        assert_sendable(html)
    texts = [plain(m) for m in messages]
    assert texts[0].startswith(
        "Long <Entry>\nLead paragraph & definition.\n\nSection 0\nParagraph 0"
    )
    # no paragraph is split except the one longer than a whole message
    assert [t[-15:] for t in texts[:3]] == ["word word <end>", "word word <end>", "first item text"]
    assert texts[1].startswith("Section 11\nParagraph 11 word")
    assert texts[2].endswith("Items\n• Label <1>: first item text")
    assert texts[3].startswith("Huge\nhuge huge")
    joined = "\n\n".join(texts)
    assert joined.count("huge") == 2000
    assert texts[-1].endswith("Open on the web")
    assert '<a href="https://e.com/l">Open on the web</a>' in messages[-1]


def test_a_short_entry_is_one_message() -> None:
    entry = Entry("api", "API", Path("api.md"), (Block(None, "An interface.", 1),))
    assert entry_messages(entry) == ["<b>API</b>\nAn interface."]


def test_links_prefer_the_entry_url_then_the_web_base_then_a_deep_link() -> None:
    assert entry_link("api", "https://x.com/api", LINKS) == "https://x.com/api"
    base = LinkSettings("https://wiki.example.com/glossary/", "GlossaryTestBot")
    assert entry_link("back end", None, base) == "https://wiki.example.com/glossary/back%20end"
    assert entry_link("api", None, LINKS) == "https://t.me/GlossaryTestBot?start=api"
    assert entry_link("a b", None, LINKS).startswith("https://t.me/GlossaryTestBot?start=h")
    assert web_link("api", None, None) is None


def test_plain_messages_are_escaped() -> None:
    assert plain_html("a < b & c") == "a &lt; b &amp; c"


def test_fit_counts_escapes_highlights_and_utf16() -> None:
    assert fit("a&b", 7) == ("a&b", [], False)  # "a&amp;b" is 7
    text, spans, cut = fit("a&b c", 6)
    assert (text, cut) == ("a…", True)
    assert marked_up_cost("😀", []) == 2
    text, spans, cut = fit("API is an API", 15, [(0, 3), (10, 13)])
    assert (text, spans, cut) == ("API is…", [(0, 3)], True)
    assert units(marked_up(text, spans)) <= 15
    assert fit("API is an API", 12, [(0, 3), (10, 13)])[0] == "API…"  # back to a word end


def test_split_never_loses_text_and_every_piece_fits() -> None:
    text = "alpha & beta " * 500
    pieces = split(text, 100, 300)
    assert marked_up_cost(pieces[0]) <= 100
    assert all(marked_up_cost(p) <= 300 for p in pieces)
    assert " ".join(pieces).split() == text.split()


def test_split_refuses_budgets_too_small_for_one_character() -> None:
    with pytest.raises(ValueError, match="budgets must be at least 5 units"):
        split("abc", 4, 100)
