"""Proof that FakeBotApi behaves like Telegram, driven through the real PTB client.

The bot's end-to-end tests are only as trustworthy as this fake, so each
behaviour the bot relies on (wire format, validation, long polling, error
mapping) is checked here through ``telegram.Bot`` itself rather than by
inspecting the fake's internals.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
import telegram
from aiohttp import web
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
)
from telegram.error import (
    BadRequest,
    Conflict,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

from tests.bot.fake_bot_api import (
    BOT_ID,
    BOT_USERNAME,
    CLIENT_CLOSED_REQUEST,
    DEFAULT_GROUP_CHAT_ID,
    DEFAULT_USER_ID,
    TEST_TOKEN,
    FakeBotApi,
    HtmlParseError,
    RecordedCall,
    fake_bot_api_fixture,  # noqa: F401  (registers fake_bot_api)
    mention_entity,
    parse_telegram_html,
    post_webhook,
    utf16_len,
)

pytestmark = pytest.mark.asyncio

CHAT = DEFAULT_USER_ID
OTHER_CHAT = 555000111


@pytest_asyncio.fixture
async def bot(fake_bot_api: FakeBotApi) -> AsyncIterator[telegram.Bot]:
    """A real PTB client pointed at the fake exactly as the bot will configure it."""
    async with telegram.Bot(TEST_TOKEN, base_url=f"{fake_bot_api.base_url}/bot") as client:
        yield client


async def raw_call(
    server: FakeBotApi,
    method: str,
    *,
    token: str = TEST_TOKEN,
    json_body: Any = None,
    query: dict[str, str] | None = None,
    http_method: str = "POST",
) -> tuple[int, dict[str, Any]]:
    """Speak the wire format directly, for cases PTB's client would not produce."""
    url = f"{server.base_url}/bot{token}/{method}"
    async with (
        aiohttp.ClientSession() as session,
        session.request(http_method, url, json=json_body, params=query) as response,
    ):
        payload: dict[str, Any] = await response.json()
        return response.status, payload


def callback_markup(data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("More", callback_data=data)]])


# ------------------------------------------------------------------ basics


async def test_base_url_is_server_root_and_ptb_appends_the_token(
    fake_bot_api: FakeBotApi, bot: telegram.Bot
) -> None:
    assert fake_bot_api.base_url == f"http://127.0.0.1:{fake_bot_api.port}"
    assert fake_bot_api.bot_base_url == f"{fake_bot_api.base_url}/bot"
    assert bot.base_url == f"{fake_bot_api.base_url}/bot{TEST_TOKEN}"
    # Bot.__aenter__ already called getMe through the fake.
    assert [c.method for c in fake_bot_api.calls()] == ["getMe"]


async def test_get_me_describes_the_glossary_bot(bot: telegram.Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.first_name, me.username, me.is_bot) == (
        BOT_ID,
        "Glossary",
        BOT_USERNAME,
        True,
    )
    assert me.can_join_groups is True
    assert me.can_read_all_group_messages is False
    assert me.supports_inline_queries is True


async def test_wrong_token_is_unauthorized(fake_bot_api: FakeBotApi) -> None:
    intruder = telegram.Bot(
        "654321:WRONG-token_abcdefghijklmnopqrstuvwxyz99", base_url=fake_bot_api.bot_base_url
    )
    # Bot.__aenter__ shuts the HTTP client down again when initialize() fails.
    with pytest.raises(InvalidToken, match="rejected by the server") as info:
        async with intruder:
            pass
    # PTB puts the token into this message: the bot must never log it verbatim.
    assert "WRONG-token" in str(info.value)
    assert isinstance(info.value.__cause__, InvalidToken)
    assert info.value.__cause__.message == "Unauthorized"
    (call,) = fake_bot_api.calls("getMe")
    assert call.status == 401
    assert call.response == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    assert fake_bot_api.rejected_calls() == [call]


async def test_wire_format_routing_json_get_and_case_insensitive_methods(
    fake_bot_api: FakeBotApi,
) -> None:
    status, body = await raw_call(fake_bot_api, "getMe", http_method="GET")
    assert status == 200 and body["ok"] is True and body["result"]["id"] == BOT_ID

    status, body = await raw_call(
        fake_bot_api,
        "SENDMESSAGE",
        json_body={
            "chat_id": CHAT,
            "text": "hi",
            "reply_markup": '{"inline_keyboard": [[{"text": "a", "callback_data": "x"}]]}',
        },
    )
    assert status == 200
    assert body["result"]["reply_markup"] == {
        "inline_keyboard": [[{"text": "a", "callback_data": "x"}]]
    }
    call = fake_bot_api.calls("sendmessage")[-1]
    assert call.method == "sendMessage"
    assert isinstance(call.params["reply_markup"], dict)

    status, body = await raw_call(fake_bot_api, "getChatMenuButtonz", json_body={})
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})

    status, body = await raw_call(fake_bot_api, "getUpdates", query={"offset": "x1"})
    assert status == 400 and body["description"].startswith("Bad Request:")


async def test_form_encoded_params_are_typed_like_telegram(
    fake_bot_api: FakeBotApi, bot: telegram.Bot
) -> None:
    """PTB sends form data where every value is a string; the record must be typed."""
    await bot.send_message(
        str(CHAT), "x", reply_markup=callback_markup("d"), disable_notification=True
    )
    params = fake_bot_api.calls("sendMessage")[-1].params
    assert params["chat_id"] == CHAT
    assert params["disable_notification"] is True
    assert params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "d"


# --------------------------------------------------------------- messages


async def test_send_message_with_html_returns_a_realistic_message(
    fake_bot_api: FakeBotApi, bot: telegram.Bot
) -> None:
    first = await bot.send_message(
        CHAT,
        "<b>API</b> &amp; <i>REST</i>",
        parse_mode="HTML",
        reply_markup=callback_markup("more:API"),
    )
    assert first.text == "API & REST"
    assert [(e.type, e.offset, e.length) for e in first.entities] == [
        ("bold", 0, 3),
        ("italic", 6, 4),
    ]
    assert first.from_user is not None and first.from_user.id == BOT_ID
    assert first.chat.id == CHAT and first.chat.type == "private"
    assert first.reply_markup == callback_markup("more:API")
    assert abs((dt.datetime.now(dt.UTC) - first.date).total_seconds()) < 300

    second = await bot.send_message(CHAT, "two")
    elsewhere = await bot.send_message(OTHER_CHAT, "three")
    assert (first.message_id, second.message_id, elsewhere.message_id) == (1, 2, 1)
    assert [m["text"] for m in fake_bot_api.sent_messages(CHAT)] == ["API & REST", "two"]
    assert len(fake_bot_api.sent_messages()) == 3
    # The raw HTML the bot sent stays available for formatting assertions.
    assert fake_bot_api.calls("sendMessage")[0].params["text"] == "<b>API</b> &amp; <i>REST</i>"


@pytest.mark.parametrize(
    ("html", "fragment"),
    [
        ("<b>unclosed", 'can\'t find end tag corresponding to start tag "b"'),
        ("<foo>x</foo>", 'unsupported start tag "foo" at byte offset 0'),
        ("1 < 2", 'unsupported start tag "" at byte offset 2'),
        ("R&D", 'character "&" must be escaped'),
        ("&nbsp;", 'unsupported html entity "&nbsp;"'),
        ("<b><i>x</b></i>", 'unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "unexpected end tag at byte offset 1"),
        ("<span>x</span>", 'tag "span" must have class "tg-spoiler"'),
        ("<b", "unclosed start tag at byte offset 0"),
        ("é<br>", 'unsupported start tag "br" at byte offset 2'),
    ],
)
async def test_invalid_html_is_rejected_with_telegrams_wording(
    fake_bot_api: FakeBotApi, bot: telegram.Bot, html: str, fragment: str
) -> None:
    with pytest.raises(BadRequest) as info:
        await bot.send_message(CHAT, html, parse_mode="HTML")
    assert "can't parse entities" in info.value.message.lower()
    assert fragment in info.value.message.lower()
    (call,) = fake_bot_api.rejected_calls()
    assert call.status == 400 and not call.injected
    assert call.description is not None and call.description.startswith(
        "Bad Request: can't parse entities: "
    )
    assert fake_bot_api.sent_messages() == []


@pytest.mark.parametrize(
    ("html", "plain", "entity_types"),
    [
        ("&lt;tag&gt; &quot;q&quot; &#39;s&#x27; &#128512;", "<tag> \"q\" 's' \U0001f600", []),
        ('<a href="https://example.com/?a=1&b=2">link</a>', "link", ["text_link"]),
        ('<pre><code class="language-python">x = 1</code></pre>', "x = 1", ["pre"]),
        (
            '<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>',
            "st",
            ["spoiler", "spoiler"],
        ),
        ("<blockquote expandable>q</blockquote>", "q", ["expandable_blockquote"]),
        (
            '<tg-emoji emoji-id="5368324170671202286">\U0001f44d</tg-emoji>',
            "\U0001f44d",
            ["custom_emoji"],
        ),
        (
            "<B>loud</B> <strong>x</strong> <s>y</s> <u>z</u>",
            "loud x y z",
            ["bold", "bold", "strikethrough", "underline"],
        ),
        ("a > b", "a > b", []),
    ],
)
async def test_valid_html_is_accepted_and_parsed(
    bot: telegram.Bot, html: str, plain: str, entity_types: list[str]
) -> None:
    message = await bot.send_message(CHAT, html, parse_mode="HTML")
    assert message.text == plain
    assert [e.type for e in message.entities] == entity_types


async def test_pre_code_language_and_link_url_survive_parsing() -> None:
    _, entities = parse_telegram_html(
        '<pre><code class="language-go">x</code></pre><a href="t.me/x">y</a>'
    )
    assert entities == [
        {"offset": 0, "length": 1, "type": "pre", "language": "go"},
        {"offset": 1, "length": 1, "type": "text_link", "url": "http://t.me/x"},
    ]
    with pytest.raises(HtmlParseError):
        parse_telegram_html("<code>")


async def test_message_length_is_counted_in_utf16_after_parsing(
    fake_bot_api: FakeBotApi, bot: telegram.Bot
) -> None:
    await bot.send_message(CHAT, "a" * 4096)
    await bot.send_message(CHAT, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")
    await bot.send_message(CHAT, "&amp;" * 4096, parse_mode="HTML")
    await bot.send_message(CHAT, "\U0001f600" * 2048)  # 2 UTF-16 units each
    for too_long in ("a" * 4097, "\U0001f600" * 2049):
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message(CHAT, too_long)
    assert utf16_len("\U0001f600" * 2049) == 4098 and len("\U0001f600" * 2049) < 4096
    assert len(fake_bot_api.sent_messages(CHAT)) == 4


@pytest.mark.parametrize(("text", "parse_mode"), [("   \n ", None), ("<b> </b>", "HTML")])
async def test_empty_text_is_rejected(bot: telegram.Bot, text: str, parse_mode: str | None) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(CHAT, text, parse_mode=parse_mode)


async def test_text_is_stripped_like_telegram(bot: telegram.Bot) -> None:
    message = await bot.send_message(CHAT, "  <b>x</b>  \n", parse_mode="HTML")
    assert message.text == "x"
    assert [(e.offset, e.length) for e in message.entities] == [(0, 1)]


async def test_chat_id_must_be_an_int_or_username(
    fake_bot_api: FakeBotApi, bot: telegram.Bot
) -> None:
    channel = await bot.send_message("@glossary_news", "hello")
    assert channel.chat.username == "glossary_news"
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message("not-a-chat", "hello")
    assert len(fake_bot_api.sent_messages("@glossary_news")) == 1


async def test_reply_parameters_must_point_at_a_known_message(
    fake_bot_api: FakeBotApi, bot: telegram.Bot
) -> None:
    update = fake_bot_api.message_update("what is an API?")
    fake_bot_api.push_update(update)
    user_message_id = update["message"]["message_id"]
    reply = await bot.send_message(CHAT, "An API is...", reply_to_message_id=user_message_id)
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.text == "what is an API?"
    assert reply.message_id == user_message_id + 1  # ids are per chat, shared with the user
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(CHAT, "x", reply_to_message_id=999)


# --------------------------------------------------------------- keyboards


async def test_callback_data_is_limited_to_64_bytes(
    fake_bot_api: FakeBotApi, bot: telegram.Bot
) -> None:
    ok = await bot.send_message(CHAT, "x", reply_markup=callback_markup("d" * 64))
    assert ok.reply_markup is not None
    assert ok.reply_markup.inline_keyboard[0][0].callback_data == "d" * 64
    for too_long in ("d" * 65, "\u00e9" * 33):  # 33 characters but 66 bytes
        with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
            await bot.send_message(CHAT, "x", reply_markup=callback_markup(too_long))
    assert len(fake_bot_api.rejected_calls()) == 2


async def test_button_urls_must_be_http_or_tg(bot: telegram.Bot) -> None:
    https = InlineKeyboardMarkup([[InlineKeyboardButton("Docs", url="https://example.com/api")]])
    await bot.send_message(CHAT, "x", reply_markup=https)
    ftp = InlineKeyboardMarkup([[InlineKeyboardButton("Docs", url="ftp://example.com/api")]])
    with pytest.raises(BadRequest, match=r"(?i)button url 'ftp://example.com/api' is invalid"):
        await bot.send_message(CHAT, "x", reply_markup=ftp)


@pytest.mark.parametrize(
    ("button", "fragment"),
    [
        ({"text": "plain"}, "Text buttons are unallowed"),
        ({"text": "two", "callback_data": "a", "url": "https://x.io"}, "exactly one"),
        ({"callback_data": "a"}, 'Field "text" must be of type String'),
    ],
)
async def test_inline_buttons_need_text_and_exactly_one_action(
    fake_bot_api: FakeBotApi, button: dict[str, Any], fragment: str
) -> None:
    status, body = await raw_call(
        fake_bot_api,
        "sendMessage",
        json_body={"chat_id": CHAT, "text": "x", "reply_markup": {"inline_keyboard": [[button]]}},
    )
    assert status == 400
    assert fragment in body["description"]


# ----------------------------------------------------------------- editing


async def test_edit_message_text_applies_to_the_stored_message(
    fake_bot_api: FakeBotApi, bot: telegram.Bot
) -> None:
    sent = await bot.send_message(CHAT, "draft", reply_markup=callback_markup("more"))
    edited = await bot.edit_message_text(
        "<b>final</b>",
        chat_id=CHAT,
        message_id=sent.message_id,
        parse_mode="HTML",
        reply_markup=callback_markup("more"),
    )
    assert isinstance(edited, telegram.Message)
    assert edited.text == "final" and edited.edit_date is not None
    (stored,) = fake_bot_api.sent_messages(CHAT)
    assert stored["text"] == "final"
    assert stored["reply_markup"] == {
        "inline_keyboard": [[{"text": "More", "callback_data": "more"}]]
    }

    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(
            "<b>final</b>",
            chat_id=CHAT,
            message_id=sent.message_id,
            parse_mode="HTML",
            reply_markup=callback_markup("more"),
        )
    # Like Telegram, an edit that omits reply_markup removes the keyboard.
    await bot.edit_message_text(
        "<b>final</b>", chat_id=CHAT, message_id=sent.message_id, parse_mode="HTML"
    )
    assert "reply_markup" not in fake_bot_api.sent_messages(CHAT)[0]


async def test_edit_errors_match_telegram(fake_bot_api: FakeBotApi, bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=CHAT, message_id=42)

    sent = await bot.send_message(CHAT, "x")
    await bot.edit_message_reply_markup(CHAT, sent.message_id, reply_markup=callback_markup("a"))
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(
            CHAT, sent.message_id, reply_markup=callback_markup("a")
        )

    user_update = fake_bot_api.message_update("hello")
    with pytest.raises(BadRequest, match=r"(?i)message can't be edited"):
        await bot.edit_message_text(
            "x", chat_id=CHAT, message_id=user_update["message"]["message_id"]
        )

    assert await bot.delete_message(CHAT, sent.message_id) is True
    assert fake_bot_api.sent_messages(CHAT) == []
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(CHAT, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("y", chat_id=CHAT, message_id=sent.message_id)


# ----------------------------------------------------------------- queries


def article(result_id: str, text: str = "An API is an interface.") -> InlineQueryResultArticle:
    return InlineQueryResultArticle(
        id=result_id, title="API", input_message_content=InputTextMessageContent(text)
    )


async def test_answer_inline_query_limits(fake_bot_api: FakeBotApi, bot: telegram.Bot) -> None:
    query_id = fake_bot_api.inline_query_update("api")["inline_query"]["id"]

    with pytest.raises(BadRequest, match=r"(?i)RESULTS_TOO_MUCH"):
        await bot.answer_inline_query(query_id, [article(str(i)) for i in range(51)])
    with pytest.raises(BadRequest, match=r"(?i)RESULT_ID_DUPLICATE"):
        await bot.answer_inline_query(query_id, [article("1"), article("1")])
    with pytest.raises(BadRequest, match=r"(?i)RESULT_ID_INVALID"):
        await bot.answer_inline_query(query_id, [article("x" * 65)])
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.answer_inline_query(
            query_id,
            [
                InlineQueryResultArticle(
                    id="1",
                    title="API",
                    input_message_content=InputTextMessageContent("<b>API", parse_mode="HTML"),
                )
            ],
        )

    assert await bot.answer_inline_query(query_id, [article(str(i)) for i in range(50)]) is True
    # An answered query cannot be answered again.
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_inline_query(query_id, [article("1")])
    assert fake_bot_api.calls("answerInlineQuery")[-2].ok


async def test_inline_article_needs_title_and_content(fake_bot_api: FakeBotApi) -> None:
    query_id = fake_bot_api.inline_query_update("api")["inline_query"]["id"]
    status, body = await raw_call(
        fake_bot_api,
        "answerInlineQuery",
        json_body={
            "inline_query_id": query_id,
            "results": [{"type": "article", "id": "1", "title": "t"}],
        },
    )
    assert status == 400 and "input_message_content" in body["description"]


async def test_answer_callback_query(fake_bot_api: FakeBotApi, bot: telegram.Bot) -> None:
    sent = await bot.send_message(CHAT, "x", reply_markup=callback_markup("more"))
    update = fake_bot_api.callback_query_update("more", message=sent.to_dict())
    query_id = update["callback_query"]["id"]
    with pytest.raises(BadRequest, match=r"(?i)MESSAGE_TOO_LONG"):
        await bot.answer_callback_query(query_id, text="x" * 201)
    assert await bot.answer_callback_query(query_id, text="x" * 200) is True
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query("12345")


# -------------------------------------------------------------- polling


async def test_long_poll_wakes_up_when_an_update_is_pushed(
    fake_bot_api: FakeBotApi, bot: telegram.Bot
) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await fake_bot_api.wait_for_poller()
    assert not poll.done()
    update_id = fake_bot_api.push_update(fake_bot_api.message_update("/define API"))
    updates = await asyncio.wait_for(poll, 10)
    assert loop.time() - started < 15  # far below the 30 s poll timeout
    (update,) = updates
    assert update.update_id == update_id
    assert update.message is not None and update.message.text == "/define API"
    assert update.message.entities[0].type == "bot_command"
    assert update.message.entities[0].length == len("/define")


async def test_long_poll_returns_empty_after_its_timeout(bot: telegram.Bot) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await bot.get_updates(timeout=1) == ()
    assert loop.time() - started >= 0.8  # it really waited instead of returning at once


async def test_offset_confirms_earlier_updates(fake_bot_api: FakeBotApi, bot: telegram.Bot) -> None:
    ids = [fake_bot_api.push_update(fake_bot_api.message_update(f"m{i}")) for i in range(3)]
    assert [u.update_id for u in await bot.get_updates()] == ids
    # Without a higher offset nothing is confirmed, so the same updates come back.
    assert [u.update_id for u in await bot.get_updates()] == ids
    assert [u.update_id for u in await bot.get_updates(offset=ids[1])] == ids[1:]
    assert [u["update_id"] for u in fake_bot_api.pending_updates()] == ids[1:]
    assert await bot.get_updates(offset=ids[2] + 1) == ()
    assert fake_bot_api.pending_updates() == []

    more = [fake_bot_api.push_update(fake_bot_api.message_update(f"n{i}")) for i in range(3)]
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == more[-1:]
    assert [u["update_id"] for u in fake_bot_api.pending_updates()] == more[-1:]


async def test_limit_and_allowed_updates(fake_bot_api: FakeBotApi, bot: telegram.Bot) -> None:
    sent = await bot.send_message(CHAT, "x", reply_markup=callback_markup("more"))
    fake_bot_api.push_update(fake_bot_api.message_update("a"))
    fake_bot_api.push_update(fake_bot_api.message_update("b"))
    click = fake_bot_api.push_update(
        fake_bot_api.callback_query_update("more", message=sent.to_dict())
    )
    assert len(await bot.get_updates(limit=2)) == 2
    only_clicks = await bot.get_updates(allowed_updates=["callback_query"])
    assert [u.update_id for u in only_clicks] == [click]
    assert only_clicks[0].callback_query is not None
    assert only_clicks[0].callback_query.data == "more"


async def test_second_poller_terminates_the_first(fake_bot_api: FakeBotApi) -> None:
    first = asyncio.create_task(raw_call(fake_bot_api, "getUpdates", json_body={"timeout": 30}))
    await fake_bot_api.wait_for_poller()
    status, body = await raw_call(fake_bot_api, "getUpdates", json_body={"timeout": 0})
    assert (status, body) == (200, {"ok": True, "result": []})
    first_status, first_body = await asyncio.wait_for(first, 10)
    assert first_status == 409
    assert "terminated by other getUpdates request" in first_body["description"]


async def test_webhook_blocks_get_updates(fake_bot_api: FakeBotApi, bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)https url must be provided"):
        await bot.set_webhook("http://127.0.0.1:9/hook")
    assert (
        await bot.set_webhook("https://bot.example.com/hook", secret_token="s3cr3t-token") is True
    )
    assert fake_bot_api.webhook is not None
    assert fake_bot_api.webhook.secret_token == "s3cr3t-token"
    info = await bot.get_webhook_info()
    assert info.url == "https://bot.example.com/hook"
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    fake_bot_api.push_update(fake_bot_api.message_update("queued"))
    assert await bot.delete_webhook(drop_pending_updates=True) is True
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.get_updates() == ()


# ------------------------------------------------------ failure injection


async def test_injected_429_surfaces_as_retry_after(
    fake_bot_api: FakeBotApi, bot: telegram.Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without PTB_TIMEDELTA, PTB 22 emits a deprecation warning while building
    # RetryAfter, which this project's warnings-as-errors setting would raise.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    fake_bot_api.fail_next("sendMessage", retry_after=3, times=2)
    for _ in range(2):
        with pytest.raises(RetryAfter) as info:
            await bot.send_message(CHAT, "x")
        assert info.value.retry_after == dt.timedelta(seconds=3)
    await bot.send_message(CHAT, "x")  # the third call goes through

    failed = [c for c in fake_bot_api.calls("sendMessage") if not c.ok]
    assert [c.injected for c in failed] == [True, True]
    assert failed[0].response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3},
    }
    assert fake_bot_api.rejected_calls() == []
    assert len(fake_bot_api.sent_messages(CHAT)) == 1


async def test_injected_500_surfaces_as_network_error(
    fake_bot_api: FakeBotApi, bot: telegram.Bot
) -> None:
    fake_bot_api.fail_next("sendMessage", status=500)
    with pytest.raises(NetworkError, match="Internal Server Error") as info:
        await bot.send_message(CHAT, "x")
    assert isinstance(info.value, TelegramError)
    assert fake_bot_api.sent_messages() == []
    with pytest.raises(ValueError, match="does not implement"):
        fake_bot_api.fail_next("sendMesage")


async def test_delay_causes_client_timeout_without_side_effects(
    fake_bot_api: FakeBotApi, bot: telegram.Bot
) -> None:
    fake_bot_api.delay_next("sendMessage", 30)
    with pytest.raises(TimedOut):
        await bot.send_message(CHAT, "slow", read_timeout=0.3)
    gave_up = await fake_bot_api.wait_for_call("sendMessage", lambda c: c.disconnected)
    assert gave_up.status == CLIENT_CLOSED_REQUEST and not gave_up.rejected
    assert fake_bot_api.sent_messages() == []
    # The delay was used up: the next call is answered promptly.
    assert (await bot.send_message(CHAT, "fast", read_timeout=10)).text == "fast"


async def test_delay_after_processing_sends_although_the_client_timed_out(
    fake_bot_api: FakeBotApi, bot: telegram.Bot
) -> None:
    fake_bot_api.delay_next("sendMessage", 30, process_first=True)
    with pytest.raises(TimedOut):
        await bot.send_message(CHAT, "sent anyway", read_timeout=0.3)
    call = await fake_bot_api.wait_for_call("sendMessage", lambda c: c.disconnected)
    assert call.status == 200 and call.result["text"] == "sent anyway"
    assert [m["text"] for m in fake_bot_api.sent_messages(CHAT)] == ["sent anyway"]


# --------------------------------------------------------------- waiting


async def test_wait_for_call_hands_out_each_call_once(
    fake_bot_api: FakeBotApi, bot: telegram.Bot
) -> None:
    await bot.send_message(CHAT, "one")
    await bot.send_message(OTHER_CHAT, "two")
    # Both calls happened before anyone waited: they must still be found, in order.
    first = await fake_bot_api.wait_for_call("sendMessage")
    second = await fake_bot_api.wait_for_call("SendMessage")
    assert (first.params["text"], second.params["text"]) == ("one", "two")
    with pytest.raises(AssertionError, match="no new sendMessage call"):
        await fake_bot_api.wait_for_call("sendMessage", timeout=0.2)

    mark = fake_bot_api.checkpoint()
    await bot.send_message(CHAT, "three")
    later = await fake_bot_api.wait_for_call(None, after=mark)
    assert isinstance(later, RecordedCall) and later.params["text"] == "three"


async def test_wait_for_reply_filters_by_chat_and_waits(
    fake_bot_api: FakeBotApi, bot: telegram.Bot
) -> None:
    await bot.send_message(OTHER_CHAT, "not for alice")

    async def reply_later() -> None:
        await asyncio.sleep(0.05)
        await bot.send_message(CHAT, "for alice")

    task = asyncio.create_task(reply_later())
    reply = await fake_bot_api.wait_for_reply(CHAT)
    await task
    assert reply["text"] == "for alice" and reply["chat"]["id"] == CHAT
    other = await fake_bot_api.wait_for_reply(OTHER_CHAT)
    assert other["text"] == "not for alice"


async def test_clear_forgets_calls_but_keeps_chat_history(
    fake_bot_api: FakeBotApi, bot: telegram.Bot
) -> None:
    await bot.send_message(CHAT, "x")
    fake_bot_api.clear()
    assert fake_bot_api.calls() == []
    assert len(fake_bot_api.sent_messages(CHAT)) == 1


# ------------------------------------------------------------- factories


async def test_update_factories_parse_as_ptb_updates(
    fake_bot_api: FakeBotApi, bot: telegram.Bot
) -> None:
    sent = await bot.send_message(CHAT, "API: interface", reply_markup=callback_markup("more"))
    text = f"@{BOT_USERNAME} what is an API"
    raw_updates = [
        fake_bot_api.message_update(text, chat_type="supergroup"),
        fake_bot_api.sticker_update(),
        fake_bot_api.photo_update(caption="diagram"),
        fake_bot_api.callback_query_update("more", message=sent.to_dict()),
        fake_bot_api.inline_query_update("api", offset="10"),
    ]
    raw_updates.append(fake_bot_api.edited_message_update(raw_updates[0], "edited"))
    for raw in raw_updates:
        fake_bot_api.push_update(raw)
    group, sticker, photo, click, inline, edited = await bot.get_updates()

    assert group.message is not None and group.message.chat.id == DEFAULT_GROUP_CHAT_ID
    assert group.message.chat.type == "supergroup"
    assert group.message.parse_entities(["mention"]) == {
        telegram.MessageEntity("mention", 0, len(BOT_USERNAME) + 1): f"@{BOT_USERNAME}"
    }
    assert mention_entity(text) == {"type": "mention", "offset": 0, "length": 16}
    assert sticker.message is not None and sticker.message.sticker is not None
    assert sticker.message.text is None
    assert photo.message is not None and photo.message.caption == "diagram"
    assert len(photo.message.photo) == 3
    assert click.callback_query is not None and click.callback_query.message is not None
    assert click.callback_query.message.message_id == sent.message_id
    assert inline.inline_query is not None and inline.inline_query.offset == "10"
    assert edited.edited_message is not None and edited.edited_message.text == "edited"
    assert edited.edited_message.message_id == group.message.message_id
    with pytest.raises(ValueError, match="exactly one known update field"):
        fake_bot_api.push_update({"nonsense": {}})


async def test_commands_descriptions_and_chat_actions(
    fake_bot_api: FakeBotApi, bot: telegram.Bot
) -> None:
    commands = [("define", "Explain a term"), ("help", "How to use the bot")]
    assert await bot.set_my_commands(commands) is True
    assert [(c.command, c.description) for c in await bot.get_my_commands()] == commands
    assert fake_bot_api.my_commands()[0] == {"command": "define", "description": "Explain a term"}
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([("Define", "uppercase is not allowed")])
    assert await bot.delete_my_commands() is True
    assert await bot.get_my_commands() == ()

    assert await bot.set_my_description("Answers from the company glossary") is True
    assert await bot.set_my_short_description("Glossary answers") is True
    assert fake_bot_api.description() == "Answers from the company glossary"
    assert fake_bot_api.description(short=True) == "Glossary answers"

    assert await bot.send_chat_action(CHAT, "typing") is True
    with pytest.raises(BadRequest, match=r"(?i)wrong parameter action"):
        await bot.send_chat_action(CHAT, "dancing")
    assert await bot.close() is True and await bot.log_out() is True


# -------------------------------------------------------------- lifecycle


async def test_post_webhook_sends_secret_header() -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        async with FakeBotApi() as server:
            update = server.message_update("/start")
            status = await post_webhook(f"http://127.0.0.1:{port}/hook", update, secret_token="abc")
            assert status == 200
            assert await post_webhook(f"http://127.0.0.1:{port}/missing", update) == 404
    finally:
        await runner.cleanup()
    secret, body = received[0]
    assert secret == "abc"
    assert body["message"]["text"] == "/start" and isinstance(body["update_id"], int)
    with pytest.raises(ValueError, match="loopback"):
        await post_webhook("https://api.telegram.org/hook", update)


async def test_stop_releases_a_parked_long_poll() -> None:
    server = FakeBotApi()
    await server.start()
    poll = asyncio.create_task(raw_call(server, "getUpdates", json_body={"timeout": 60}))
    await server.wait_for_poller()
    loop = asyncio.get_running_loop()
    started = loop.time()
    await server.stop()
    status, body = await asyncio.wait_for(poll, 10)
    assert loop.time() - started < 10
    assert (status, body) == (200, {"ok": True, "result": []})
    with pytest.raises(RuntimeError):
        _ = server.base_url


async def test_ptb_application_polls_and_replies_end_to_end(fake_bot_api: FakeBotApi) -> None:
    """The whole PTB Updater lifecycle (deleteWebhook, long polls, final offset
    confirmation on stop) must run against the fake without a single rejection."""

    async def start(update: telegram.Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_html("<b>Hello</b> from the glossary")

    app = ApplicationBuilder().token(TEST_TOKEN).base_url(fake_bot_api.bot_base_url).build()
    app.add_handler(CommandHandler("start", start))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=dt.timedelta(seconds=5))
        update_id = fake_bot_api.push_update(fake_bot_api.message_update("/start"))
        reply = await fake_bot_api.wait_for_reply(CHAT)
        await app.updater.stop()
        await app.stop()

    assert reply["text"] == "Hello from the glossary"
    assert reply["entities"] == [{"offset": 0, "length": 5, "type": "bold"}]
    assert fake_bot_api.rejected_calls() == []
    # Stopping confirmed the handled update, so a restarted bot will not see it again.
    assert fake_bot_api.pending_updates() == []
    assert update_id == 1
