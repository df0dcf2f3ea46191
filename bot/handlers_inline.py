"""Inline mode: ``@bot question`` in any chat offers answers to share as articles."""

from __future__ import annotations

import asyncio

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.constants import InlineQueryLimit, ParseMode
from telegram.ext import ContextTypes

from bot.callbacks import entry_key
from bot.handlers_answer import cut_question, links
from bot.keyboards import link_keyboard, suggestion_hits
from bot.render import LinkSettings, entry_link, heading, one_line, passage_html
from bot.services import services
from retrieval import Entry, Hit

MAX_RESULTS = min(
    10, InlineQueryLimit.RESULTS
)  # a short list reads better than Telegram's maximum of 50
POPULAR = 5  # results for an empty query
CACHE_SECONDS = 60
NOT_SURE = "Not a confident match: "


def lead_hit(entry: Entry) -> Hit:
    """An entry's definition as a hit, for results that are entries rather than answers."""
    return Hit(entry.id, entry.title, None, None, entry.lead, entry.url, 0.0)


def article(
    index: int, hit: Hit, terms: tuple[str, ...], links_: LinkSettings, *, prefix: str = ""
) -> InlineQueryResultArticle:
    """One result: title, a one-line description, and the answer with its link when sent."""
    link = entry_link(hit.entry, hit.url, links_)
    return InlineQueryResultArticle(
        id=f"{index}:{entry_key(hit.entry)}",  # at most 3 + 40 bytes of the 64 allowed
        title=one_line(heading(hit), 100),
        description=prefix + one_line(hit.text),
        input_message_content=InputTextMessageContent(
            passage_html(hit, terms, link=link), parse_mode=ParseMode.HTML
        ),
        reply_markup=link_keyboard(link),
    )


async def popular_hits(context: ContextTypes.DEFAULT_TYPE) -> list[Hit]:
    """Entries asked about most, topped up A to Z, as lead hits."""
    svc = services(context)
    entries = svc.holder.current.entries
    popular = await asyncio.to_thread(svc.store.popular_entries, POPULAR)
    chosen = [entries[i] for i in popular if i in entries]
    for entry in sorted(entries.values(), key=lambda e: e.title.casefold()):
        if len(chosen) >= POPULAR:
            break
        if entry not in chosen:
            chosen.append(entry)
    return [lead_hit(e) for e in chosen]


async def on_inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer an inline query with up to 10 articles (popular entries when it is empty)."""
    query = update.inline_query
    assert query is not None
    text, _ = cut_question(query.query)
    links_ = links(context)
    terms: tuple[str, ...]
    if not text:
        hits, terms, prefix = await popular_hits(context), (), ""
    else:
        answer = services(context).holder.current.answer(text, limit=MAX_RESULTS)
        terms = answer.terms
        if answer.answered:
            hits, prefix = list(answer.hits), ""
        else:  # never dress a weak match up as the answer
            hits, prefix = suggestion_hits(answer.hits), NOT_SURE
    results = [article(i, hit, terms, links_, prefix=prefix) for i, hit in enumerate(hits)]
    await query.answer(results, cache_time=CACHE_SECONDS, is_personal=False)
