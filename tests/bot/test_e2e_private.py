"""A private chat with the real bot over HTTP: questions, answers and their buttons."""

from __future__ import annotations

import sqlite3
from typing import Any

from bot.render import heading
from retrieval import Glossary
from tests.bot.fake_bot_api import BOT_USERNAME, DEFAULT_USER_ID
from tests.bot.harness import ADMIN_ID, RunningBot, button, keyboard

FINTECH = "what does a back-end engineer do in fintech"
BACK_END_URL = "https://itexus.com/glossary/back-end-engineer-2/"
FINTECH_TEXT = (
    "Back-end Engineers play a crucial role in the development of financial technology "
    "solutions. They work on payment gateways, online banking systems, trading platforms, "
    "and other financial applications, ensuring security, performance, and data integrity."
)


def bold(message: dict[str, Any]) -> list[str]:
    """The bold pieces of a received message, in order."""
    text = message["text"]
    units = text.encode("utf-16-le")
    return [
        units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in message.get("entities", [])
        if e["type"] == "bold"
    ]


def labels(message: dict[str, Any]) -> list[list[str]]:
    return [[b["text"] for b in row] for row in keyboard(message)]


async def test_the_example_question_gets_the_fintech_passage_and_link(bot: RunningBot) -> None:
    reply = await bot.ask(FINTECH)
    assert reply["text"] == (
        f"Back-end Engineer › Applications › Fintech\n{FINTECH_TEXT}\n\n"
        "Full entry: Back-end Engineer"
    )
    assert bold(reply) == ["Back-end Engineer › Applications › Fintech", "Back-end", "Engineers"]
    link = next(e for e in reply["entities"] if e["type"] == "text_link")
    assert link["url"] == BACK_END_URL
    assert labels(reply) == [["Full entry"], ["1/5", "More answers ▶"], ["👍", "👎"]]
    assert button(reply, "Full entry")["url"] == BACK_END_URL
    assert button(reply, "More answers ▶")["callback_data"] == "m:1:1"
    assert button(reply, "👍")["callback_data"] == "f:1:+"
    # the message is sent without a link preview, as HTML
    call = bot.server.calls("sendMessage")[-1]
    assert call.params["parse_mode"] == "HTML"
    assert call.params["link_preview_options"] == {"is_disabled": True}


async def test_more_answers_pages_through_the_next_passages(
    bot: RunningBot, glossary: Glossary
) -> None:
    hits = glossary.answer(FINTECH, limit=5).hits
    reply = await bot.ask(FINTECH)
    query = bot.press(reply, button(reply, "More answers ▶")["callback_data"])
    edit = await bot.server.wait_for_call("editMessageText")
    assert edit.ok
    assert (await bot.callback_answer(query)).get("text") is None
    edited = edit.result
    assert edited["message_id"] == reply["message_id"]
    assert edited["text"].startswith(heading(hits[1]) + "\n")
    assert labels(edited) == [["Full entry"], ["◀ Back", "2/5", "More answers ▶"], ["👍", "👎"]]
    # back to the first answer
    bot.press(edited, button(edited, "◀ Back")["callback_data"])
    back = await bot.server.wait_for_call("editMessageText")
    assert back.result["text"] == reply["text"]
    # the last page has no "More answers"
    bot.press(edited, "m:1:4")
    last = await bot.server.wait_for_call("editMessageText")
    assert last.result["text"].startswith(heading(hits[4]) + "\n")
    assert labels(last.result)[1] == ["◀ Back", "5/5"]


async def test_pressing_more_answers_twice_is_harmless(bot: RunningBot) -> None:
    reply = await bot.ask(FINTECH)
    bot.press(reply, "m:1:1")
    first = await bot.server.wait_for_call("editMessageText")
    bot.press(first.result, "m:1:1")  # the same page again: Telegram says "not modified"
    second = await bot.server.wait_for_call("editMessageText")
    assert second.status == 400
    assert "message is not modified" in (second.description or "")
    bot.expect_rejected_calls = True  # that 400 is the point of this test
    # ... and the bot carries on without an apology
    reply = await bot.ask("what is an API")
    assert reply["text"].startswith(("API\n", "API › "))


async def test_feedback_is_stored_and_acknowledged(bot: RunningBot) -> None:
    reply = await bot.ask(FINTECH)
    query = bot.press(reply, button(reply, "👍")["callback_data"])
    assert (await bot.callback_answer(query))["text"] == "Thanks for the feedback!"
    query = bot.press(reply, button(reply, "👎")["callback_data"])
    assert (await bot.callback_answer(query))["text"] == "Thanks for the feedback!"
    with sqlite3.connect(bot.settings.database_path) as conn:
        rows = conn.execute(
            "SELECT question, top_entry, answered, feedback, chat_type, logged FROM questions"
        ).fetchall()
    assert rows == [(FINTECH, "back-end-engineer", 1, -1, "private", 1)]


async def test_full_entry_deep_link_for_an_entry_without_url_opens_it(bot: RunningBot) -> None:
    reply = await bot.ask("what is SQL used for")
    assert reply["text"].startswith(("SQL\n", "SQL › "))
    link = button(reply, "Full entry")["url"]
    assert link == f"https://t.me/{BOT_USERNAME}?start=sql"
    # the user follows the link: Telegram sends "/start sql"
    first = await bot.ask("/start sql")
    assert first["text"].startswith("SQL\nSQL (Structured Query Language)")
    assert bold(first)[0] == "SQL"


async def test_not_confident_says_so_and_offers_did_you_mean(
    bot: RunningBot, glossary: Glossary
) -> None:
    reply = await bot.ask("quantum blockchain yoga")
    assert reply["text"] == (
        "I'm not sure the glossary answers “quantum blockchain yoga”.\nDid you mean one of these?"
    )
    rows = keyboard(reply)
    assert [len(row) for row in rows] == [1, 1, 1]
    assert [row[0]["callback_data"] for row in rows] == ["d:1:blockchain", "d:1:cto", "d:1:fintech"]
    bot.press(reply, rows[0][0]["callback_data"])
    passage = await bot.reply()
    best = next(h for h in glossary.answer("quantum blockchain yoga", limit=50).hits)
    assert best.entry == "blockchain"
    assert passage["text"].startswith(heading(best) + "\n" + best.text[:40])
    assert labels(passage) == [["Full entry"]]
    with sqlite3.connect(bot.settings.database_path) as conn:
        assert conn.execute("SELECT answered, top_entry FROM questions").fetchall() == [
            (0, "blockchain")
        ]


async def test_nothing_found_suggests_browsing(bot: RunningBot) -> None:
    reply = await bot.ask("zzzz qqqq")
    assert reply["text"] == (
        "I found nothing in the glossary for “zzzz qqqq”. Try other words, or see /browse "
        "for every entry."
    )
    assert "reply_markup" not in reply


async def test_text_that_looks_like_html_is_answered_as_plain_text(
    bot: RunningBot, glossary: Glossary
) -> None:
    question = "<b>what</b> is an API & SQL?"
    answer = glossary.answer(question)
    reply = await bot.ask(question)
    if answer.answered:
        assert reply["text"].startswith(heading(answer.hits[0]) + "\n")
    else:  # the question comes back quoted, as the text the user typed
        assert reply["text"].startswith(
            "I'm not sure the glossary answers “<b>what</b> is an API & SQL?”."
        )
    with sqlite3.connect(bot.settings.database_path) as conn:
        assert conn.execute("SELECT question FROM questions").fetchall() == [(question,)]


async def test_a_10000_character_message_is_cut_and_the_user_told(bot: RunningBot) -> None:
    reply = await bot.ask("what is an API " * 667)  # 10,005 characters
    assert reply["text"].startswith(
        "Your question was long, so I only used its first 1000 characters.\n\nAPI\n"
    )
    with sqlite3.connect(bot.settings.database_path) as conn:
        (stored,) = conn.execute("SELECT question FROM questions").fetchone()
    assert len(stored) == 1000


async def test_a_sticker_and_a_photo_get_a_short_hint(bot: RunningBot) -> None:
    hint = "I can only read text. Please type your question in words, e.g. what is an API?"
    bot.server.push_update(bot.server.sticker_update())
    assert (await bot.reply())["text"] == hint
    bot.server.push_update(bot.server.photo_update(caption="look"))
    assert (await bot.reply())["text"] == hint


async def test_edited_messages_are_not_answered_again(bot: RunningBot) -> None:
    original = bot.say(FINTECH)
    await bot.reply()
    bot.server.push_update(bot.server.edited_message_update(original, "what is an API"))
    reply = await bot.ask("what is SQL used for")
    assert reply["text"].startswith(("SQL\n", "SQL › "))  # the edit produced nothing in between
    assert len(bot.server.calls("sendMessage")) == 2


async def test_unknown_commands_point_to_help(bot: RunningBot) -> None:
    reply = await bot.ask("/frobnicate")
    assert reply["text"] == "I don't know that command. /help lists the ones I have."


async def test_ask_answers_and_explains_itself_when_empty(bot: RunningBot) -> None:
    assert (await bot.ask(f"/ask {FINTECH}"))["text"].startswith("Back-end Engineer › ")
    assert (await bot.ask("/ask"))["text"] == (
        "Add your question after the command, e.g. /ask what is an API"
    )


async def test_start_welcomes_with_three_example_questions(bot: RunningBot) -> None:
    reply = await bot.ask("/start")
    assert reply["text"].startswith("Hi! I answer questions from the company glossary.\nI know 46 ")
    assert labels(reply) == [
        ["What does a back-end engineer do in fintech?"],
        ["What is an API?"],
        ["Why use microservices?"],
    ]
    bot.press(reply, keyboard(reply)[0][0]["callback_data"])
    answer = await bot.reply()
    assert answer["text"].startswith("Back-end Engineer › Applications › Fintech\n")


async def test_start_with_an_unknown_payload_falls_back_to_the_welcome(bot: RunningBot) -> None:
    reply = await bot.ask("/start no-such-entry")
    assert reply["text"].startswith("Hi! I answer questions")


async def test_help_lists_admin_commands_only_to_admins(bot: RunningBot) -> None:
    user_help = (await bot.ask("/help"))["text"]
    assert "/entry <term>" in user_help
    assert "/reload" not in user_help
    admin_help = (await bot.ask("/help", user_id=ADMIN_ID))["text"]
    assert "/reload – reread the knowledge folder" in admin_help


async def test_commands_are_registered_with_admin_ones_in_admin_chats(bot: RunningBot) -> None:
    public = [c["command"] for c in bot.server.my_commands()]
    assert public == ["ask", "entry", "browse", "help", "start"]
    admin_scope = {"type": "chat", "chat_id": ADMIN_ID}
    assert [c["command"] for c in bot.server.my_commands(admin_scope)] == [
        *public,
        "reload",
        "stats",
    ]
    assert DEFAULT_USER_ID != ADMIN_ID
