"""Inline mode in any chat, and groups where the bot speaks only when addressed."""

from __future__ import annotations

from typing import Any

from bot.render import heading
from retrieval import Glossary
from tests.bot.fake_bot_api import BOT_USERNAME, DEFAULT_GROUP_CHAT_ID, utf16_len
from tests.bot.harness import RunningBot

GROUP = DEFAULT_GROUP_CHAT_ID


async def inline_results(bot: RunningBot, query: str) -> tuple[list[dict[str, Any]], Any]:
    update = bot.server.inline_query_update(query)
    bot.server.push_update(update)
    call = await bot.server.wait_for_call("answerInlineQuery")
    assert call.ok, call.description
    assert call.params["inline_query_id"] == update["inline_query"]["id"]
    return call.params["results"], call.params


async def test_inline_query_offers_up_to_ten_articles(bot: RunningBot, glossary: Glossary) -> None:
    answer = glossary.answer("back-end fintech", limit=10)
    results, params = await inline_results(bot, "back-end fintech")
    assert answer.answered
    assert len(results) == len(answer.hits) == 10
    assert params["cache_time"] == 60
    assert [r["title"] for r in results] == [heading(h) for h in answer.hits]
    first = results[0]
    assert first["type"] == "article"
    assert first["title"] == "Back-end Engineer › Applications › Fintech"
    assert first["description"].startswith("Back-end Engineers play a crucial role")
    assert len(first["description"]) <= 120
    content = first["input_message_content"]
    assert content["parse_mode"] == "HTML"
    assert content["message_text"].startswith("<b>Back-end Engineer › Applications › Fintech</b>")
    assert content["message_text"].endswith(
        '<a href="https://itexus.com/glossary/back-end-engineer-2/">'
        "Full entry: Back-end Engineer</a>"
    )
    assert first["reply_markup"]["inline_keyboard"][0][0]["text"] == "Full entry"
    ids = [r["id"] for r in results]
    assert len(set(ids)) == 10
    assert all(len(i.encode()) <= 64 for i in ids)


async def test_an_empty_inline_query_shows_popular_entries(bot: RunningBot) -> None:
    for question in ("what is SQL used for", "what is SQL used for", "what is an API"):
        await bot.ask(question)
    results, _ = await inline_results(bot, "")
    titles = [r["title"] for r in results]
    assert len(titles) == 5
    assert titles[:2] == ["SQL", "API"]  # most asked first, then A to Z
    assert titles[2] == "Agile"
    assert results[0]["input_message_content"]["message_text"].startswith("<b>SQL</b>\n")


async def test_an_unsure_inline_query_is_labelled_as_such(bot: RunningBot) -> None:
    results, _ = await inline_results(bot, "quantum blockchain yoga")
    assert [r["title"].split(" › ")[0] for r in results] == ["Blockchain", "CTO", "Fintech"]
    assert all(r["description"].startswith("Not a confident match: ") for r in results)


async def test_group_chatter_is_ignored_and_mentions_are_answered(bot: RunningBot) -> None:
    bot.say("what is an API", chat_type="supergroup")
    bot.server.push_update(bot.server.sticker_update(chat_type="supergroup"))
    bot.say("/frobnicate", chat_type="supergroup")
    asked = bot.say(f"@{BOT_USERNAME} what is an API", chat_type="supergroup")
    reply = await bot.reply(GROUP)
    assert reply["text"].startswith(("API\n", "API › "))
    assert reply["reply_to_message"]["message_id"] == asked["message_id"]
    assert len(bot.server.calls("sendMessage")) == 1  # nothing for the chatter before it


async def test_replies_to_the_bot_and_ask_are_answered_in_groups(bot: RunningBot) -> None:
    bot.say(f"@{BOT_USERNAME} what is an API", chat_type="supergroup")
    answer = await bot.reply(GROUP)
    bot.say("and what is SQL used for?", chat_type="supergroup", reply_to_message=answer)
    assert (await bot.reply(GROUP))["text"].startswith(("SQL\n", "SQL › "))
    bot.say(f"/ask@{BOT_USERNAME} what does a back-end engineer do in fintech", chat_type="group")
    from tests.bot.fake_bot_api import DEFAULT_BASIC_GROUP_CHAT_ID

    reply = await bot.reply(DEFAULT_BASIC_GROUP_CHAT_ID)
    assert reply["text"].startswith("Back-end Engineer › Applications › Fintech")


async def test_commands_for_other_bots_and_empty_mentions(bot: RunningBot) -> None:
    bot.say("/ask@SomeOtherBot what is an API", chat_type="supergroup")
    reply = await bot.ask(f"@{BOT_USERNAME}", chat_type="supergroup")
    assert (
        reply["text"] == f"Ask me a question after the mention, e.g. @{BOT_USERNAME} what is an API"
    )
    assert len(bot.server.calls("sendMessage")) == 1


async def test_long_group_questions_are_still_valid_messages(bot: RunningBot) -> None:
    reply = await bot.ask(f"@{BOT_USERNAME} " + "<i>API</i> & " * 2000, chat_type="supergroup")
    assert utf16_len(reply["text"]) <= 4096
    assert reply["text"].startswith("Your question was long")
