"""Whole entries: /entry across several messages, /browse paging, and the admin commands."""

from __future__ import annotations

from retrieval import Glossary
from tests.bot.fake_bot_api import utf16_len
from tests.bot.harness import ADMIN_ID, RunningBot, button, keyboard


async def test_entry_sends_a_long_entry_split_at_paragraph_boundaries(
    bot: RunningBot, glossary: Glossary
) -> None:
    entry = glossary.entries["back-end-engineer"]
    bot.say("/entry back-end engineer")
    first = await bot.reply()
    second = await bot.reply()
    texts = [first["text"], second["text"]]
    assert all(utf16_len(t) <= 4096 for t in texts)
    assert texts[0].startswith(f"Back-end Engineer\n{entry.blocks[0].text}\n\nOverview\n")
    # each message ends exactly where a paragraph (or the closing link) ends
    endings = {b.text[-40:] for b in entry.blocks} | {"Open on the web"}
    assert all(t[-40:] in endings or t.endswith("Open on the web") for t in texts)
    joined = "\n\n".join(texts)
    for block in entry.blocks:
        assert block.text in joined
    assert texts[1].endswith("Open on the web")
    link = next(e for e in second["entities"] if e["type"] == "text_link")
    assert link["url"] == "https://itexus.com/glossary/back-end-engineer-2/"
    assert len(bot.server.calls("sendMessage")) == 2


async def test_entry_finds_entries_by_alias_and_says_when_nothing_matches(bot: RunningBot) -> None:
    reply = await bot.ask("/entry Application Programming Interface")
    assert reply["text"].startswith("API\nAn API (Application Programming Interface)")
    assert (await bot.ask("/entry zzzz"))["text"] == (
        "No entry matches “zzzz”. See /browse for every entry."
    )
    assert (await bot.ask("/entry"))["text"] == "Add a term after the command, e.g. /entry API"


async def test_browse_lists_entries_a_to_z_with_paging(bot: RunningBot, glossary: Glossary) -> None:
    titles = sorted((e.title for e in glossary.entries.values()), key=str.casefold)
    reply = await bot.ask("/browse")
    assert reply["text"] == "Glossary A to Z – 46 entries, page 1 of 6."
    rows = keyboard(reply)
    assert [row[0]["text"] for row in rows[:8]] == titles[:8]
    assert [b["text"] for b in rows[8]] == ["1/6", "Next ▶"]
    bot.press(reply, button(reply, "Next ▶")["callback_data"])
    page2 = (await bot.server.wait_for_call("editMessageText")).result
    assert page2["text"] == "Glossary A to Z – 46 entries, page 2 of 6."
    assert [row[0]["text"] for row in keyboard(page2)[:8]] == titles[8:16]
    assert [b["text"] for b in keyboard(page2)[8]] == ["◀ Previous", "2/6", "Next ▶"]
    bot.press(page2, "b:5")
    last = (await bot.server.wait_for_call("editMessageText")).result
    assert [row[0]["text"] for row in keyboard(last)[:-1]] == titles[40:]
    assert [b["text"] for b in keyboard(last)[-1]] == ["◀ Previous", "6/6"]
    # an entry button sends the whole entry
    bot.press(last, keyboard(last)[0][0]["callback_data"])
    opened = await bot.reply()
    assert opened["text"].startswith(titles[40] + "\n")


async def test_stats_and_reload_are_for_admins_only(bot: RunningBot, glossary: Glossary) -> None:
    refused = "This command is only for the bot's admins."
    assert (await bot.ask("/stats"))["text"] == refused
    assert (await bot.ask("/reload"))["text"] == refused
    await bot.ask("what is an API")
    await bot.ask("zzzz qqqq")
    stats = await bot.ask("/stats", user_id=ADMIN_ID)
    lines = stats["text"].split("\n")
    assert lines[:3] == [
        "Glossary statistics",
        "Entries: 46",
        f"Passages: {len(glossary.passages)}",
    ]
    assert lines[3].startswith("Index build time: ")
    assert lines[4:] == ["Questions since start: 2", "Questions answered since start: 1"]
    reload = await bot.ask("/reload", user_id=ADMIN_ID)
    assert reload["text"].startswith(f"Reloaded: 46 entries, {len(glossary.passages)} passages in ")
    holder = bot.application.bot_data["services"].holder
    assert reload["text"].endswith("\nNo changes.")
    assert holder.current is glossary  # nothing changed: the refresh kept the same index
