"""A fake Telegram Bot API server for glossary-bot's end-to-end tests.

Why a real HTTP server instead of mocking ``telegram.Bot``: the bot under test
must be exercised through the exact code path it uses in production (PTB's
HTTP client, form encoding, error mapping, long polling), so that a test fails
when the bot would fail against Telegram.  The fake therefore speaks the Bot
API *wire format* on ``127.0.0.1`` and rejects what Telegram rejects, using
Telegram's own error wording wherever it is known.

Typical use::

    async with FakeBotApi(token=TEST_TOKEN) as server:
        bot = telegram.Bot(TEST_TOKEN, base_url=server.bot_base_url)
        server.push_update(server.message_update("/define API"))
        reply = await server.wait_for_reply(DEFAULT_USER_ID)

``server.base_url`` is the server root (``http://127.0.0.1:PORT``); Telegram
clients append ``/bot<token>/<method>`` themselves.  PTB's ``Bot(base_url=...)``
appends the token directly, so give it ``server.bot_base_url`` (root + ``/bot``).

Deliberate differences from Telegram are listed in :class:`FakeBotApi`.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any, Final, Literal

import aiohttp
import pytest_asyncio
from aiohttp import web
from yarl import URL

__all__ = [
    "BOT_FIRST_NAME",
    "BOT_ID",
    "BOT_USERNAME",
    "CLIENT_CLOSED_REQUEST",
    "DEFAULT_BASIC_GROUP_CHAT_ID",
    "DEFAULT_FIRST_NAME",
    "DEFAULT_GROUP_CHAT_ID",
    "DEFAULT_USERNAME",
    "DEFAULT_USER_ID",
    "MAX_MESSAGE_LENGTH",
    "TEST_TOKEN",
    "FakeBotApi",
    "HtmlParseError",
    "RecordedCall",
    "WebhookState",
    "bot_command_entity",
    "fake_bot_api",
    "fake_bot_api_fixture",
    "mention_entity",
    "parse_telegram_html",
    "post_webhook",
    "utf16_len",
]

JSONDict = dict[str, Any]
ChatType = Literal["private", "group", "supergroup"]

#: Looks like a real token on purpose: tests that check the token never leaks
#: into logs or replies are only meaningful if the token has a realistic shape.
TEST_TOKEN: Final = "123456:TEST-token_abcdefghijklmnopqrstuvwxyz1234"

BOT_ID: Final = 1000001
BOT_FIRST_NAME: Final = "Glossary"
BOT_USERNAME: Final = "GlossaryTestBot"

DEFAULT_USER_ID: Final = 111222333
DEFAULT_USERNAME: Final = "alice"
DEFAULT_FIRST_NAME: Final = "Alice"
#: Supergroup ids start with -100 on Telegram; basic groups are small negatives.
DEFAULT_GROUP_CHAT_ID: Final = -1001234567890
DEFAULT_BASIC_GROUP_CHAT_ID: Final = -412345678

#: Telegram's limit, counted in UTF-16 code units after entity parsing.
MAX_MESSAGE_LENGTH: Final = 4096
MAX_CALLBACK_ANSWER_LENGTH: Final = 200
MAX_INLINE_RESULTS: Final = 50
MAX_BUTTON_DATA_BYTES: Final = 64
MAX_INLINE_KEYBOARD_BUTTONS: Final = 100

#: Status recorded for calls whose client hung up before the server answered
#: (nginx's convention); such calls were never processed.
CLIENT_CLOSED_REQUEST: Final = 499

_BOT_USER: Final[JSONDict] = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": BOT_FIRST_NAME,
    "username": BOT_USERNAME,
}

_NOT_MODIFIED: Final = (
    "message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_QUERY_INVALID: Final = "query is too old and response timeout expired or query ID is invalid"

_UPDATE_TYPES: Final = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "message_reaction",
        "message_reaction_count",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
#: Telegram leaves these out unless allowed_updates asks for them explicitly.
_OPT_IN_UPDATE_TYPES: Final = frozenset(
    {"chat_member", "message_reaction", "message_reaction_count"}
)

_CHAT_ACTIONS: Final = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

_BUTTON_ACTIONS: Final = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)

_INLINE_RESULT_TYPES: Final = frozenset(
    {
        "article",
        "photo",
        "gif",
        "mpeg4_gif",
        "video",
        "audio",
        "voice",
        "document",
        "location",
        "venue",
        "contact",
        "game",
        "sticker",
    }
)

# Form and multipart bodies carry every value as a string; these tell the fake
# how Telegram would type each top-level parameter.
_JSON_FIELDS: Final = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "results",
        "commands",
        "allowed_updates",
        "scope",
        "link_preview_options",
        "reply_parameters",
        "button",
        "menu_button",
    }
)
_INT_FIELDS: Final = frozenset(
    {
        "offset",
        "limit",
        "message_id",
        "reply_to_message_id",
        "cache_time",
        "max_connections",
        "message_thread_id",
        "user_id",
    }
)
_FLOAT_FIELDS: Final = frozenset({"timeout"})
_BOOL_FIELDS: Final = frozenset(
    {
        "show_alert",
        "is_personal",
        "drop_pending_updates",
        "disable_notification",
        "protect_content",
        "allow_sending_without_reply",
        "disable_web_page_preview",
        "allow_paid_broadcast",
    }
)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram uses for limits and offsets."""
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------- HTML


class HtmlParseError(ValueError):
    """Text is not valid Telegram HTML; the message mirrors Telegram's wording."""


_ALLOWED_TAGS: Final = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "span",
        "tg-spoiler",
        "blockquote",
        "tg-emoji",
    }
)
_SIMPLE_TAG_ENTITIES: Final = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
}
_NAMED_HTML_ENTITIES: Final = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_ENTITY_RE: Final = re.compile(
    r"&(?:#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8})|([A-Za-z][A-Za-z0-9]*));"
)


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    start: int  # UTF-16 offset in the output text
    language: str | None = None


def _decode_html_entity(text: str, pos: int) -> tuple[str, int] | None:
    """Decode the entity at ``text[pos] == '&'``; None if it is not one Telegram knows."""
    match = _HTML_ENTITY_RE.match(text, pos)
    if match is None:
        return None
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        char = _NAMED_HTML_ENTITIES.get(name)
        return None if char is None else (char, match.end())
    code = int(decimal, 10) if decimal is not None else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), match.end()


def _byte_offset(text: str, pos: int) -> int:
    return len(text[:pos].encode("utf-8"))


def _skip_spaces(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def _parse_attr_value(text: str, pos: int, unclosed: str) -> tuple[str, int]:
    """Parse a quoted or bare attribute value starting at ``pos``; return it and the next index."""
    size = len(text)
    if text[pos] in "\"'":
        quote = text[pos]
        pos += 1
        value: list[str] = []
        while pos < size and text[pos] != quote:
            # Telegram keeps an unknown '&' in attribute values literally
            # (URLs with query strings are common), so the fake does too.
            decoded = _decode_html_entity(text, pos) if text[pos] == "&" else None
            if decoded is not None:
                value.append(decoded[0])
                pos = decoded[1]
            else:
                value.append(text[pos])
                pos += 1
        if pos >= size:
            raise HtmlParseError(unclosed)
        return "".join(value), pos + 1
    start = pos
    while pos < size and text[pos].isascii() and (text[pos].isalnum() or text[pos] in ".-_"):
        pos += 1
    if pos >= size:
        raise HtmlParseError(unclosed)
    if not text[pos].isspace() and text[pos] != ">":
        raise HtmlParseError(
            f"Unexpected end of name token at byte offset {_byte_offset(text, pos)}"
        )
    return text[start:pos], pos


def _parse_tag_attrs(text: str, pos: int, tag: str, tag_byte: int) -> tuple[dict[str, str], int]:
    """Parse attributes from ``pos`` up to the closing '>'; return them and the '>' index."""
    attrs: dict[str, str] = {}
    size = len(text)
    unclosed = f'Unclosed start tag "{tag}" at byte offset {tag_byte}'
    while True:
        pos = _skip_spaces(text, pos)
        if pos >= size:
            raise HtmlParseError(unclosed)
        if text[pos] == ">":
            return attrs, pos
        name_start = pos
        while pos < size and not text[pos].isspace() and text[pos] not in "=>/\"'":
            pos += 1
        name = text[name_start:pos].lower()
        if not name:
            raise HtmlParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset {tag_byte}'
            )
        pos = _skip_spaces(text, pos)
        if pos >= size:
            raise HtmlParseError(unclosed)
        if text[pos] != "=":
            attrs[name] = ""  # boolean attribute, e.g. <blockquote expandable>
            continue
        pos = _skip_spaces(text, pos + 1)
        if pos >= size:
            raise HtmlParseError(unclosed)
        attrs[name], pos = _parse_attr_value(text, pos, unclosed)


def _normalize_link(href: str) -> str | None:
    """Telegram adds http:// to scheme-less links and drops links it cannot use."""
    href = href.strip()
    if not href:
        return None
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", href):
        scheme = href.split("://", 1)[0].lower()
        return href if scheme in {"http", "https", "tg", "ton", "ftp"} else None
    if href.lower().startswith(("mailto:", "tg:")):
        return href
    return f"http://{href}"


def _close_tag(tag: _OpenTag, end: int, stack: list[_OpenTag], entities: list[JSONDict]) -> None:
    """Turn a closed tag into a MessageEntity dict (empty ranges produce none, like Telegram)."""
    length = end - tag.start
    language = None
    if tag.name == "code":
        css_class = tag.attrs.get("class", "")
        if css_class.startswith("language-"):
            language = css_class[len("language-") :]
        parent = stack[-1] if stack else None
        if parent is not None and parent.name == "pre" and parent.start == tag.start:
            # <pre><code class="language-x">: one pre entity carrying the language.
            if language:
                parent.language = language
            return
    if length <= 0:
        return
    entity: JSONDict = {"offset": tag.start, "length": length}
    if tag.name in _SIMPLE_TAG_ENTITIES:
        entity["type"] = _SIMPLE_TAG_ENTITIES[tag.name]
    elif tag.name == "pre":
        entity["type"] = "pre"
        if tag.language:
            entity["language"] = tag.language
    elif tag.name == "a":
        url = _normalize_link(tag.attrs.get("href", ""))
        if url is None:
            return
        entity["type"] = "text_link"
        entity["url"] = url
    elif tag.name == "blockquote":
        entity["type"] = "expandable_blockquote" if "expandable" in tag.attrs else "blockquote"
    elif tag.name == "tg-emoji":
        entity["type"] = "custom_emoji"
        entity["custom_emoji_id"] = tag.attrs["emoji-id"]
    entities.append(entity)


class _HtmlParser:
    """Single-pass parser mirroring tdlib's parse_html (errors use its wording)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.out: list[str] = []
        self.offset16 = 0
        self.entities: list[JSONDict] = []
        self.stack: list[_OpenTag] = []

    def emit(self, chunk: str) -> None:
        self.out.append(chunk)
        self.offset16 += utf16_len(chunk)

    def run(self) -> tuple[str, list[JSONDict]]:
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char == "&":
                self.entity()
            elif char != "<":
                self.emit(char)
                self.pos += 1
            elif text.startswith("</", self.pos):
                self.end_tag()
            else:
                self.start_tag()
        if self.stack:
            raise HtmlParseError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"'
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def entity(self) -> None:
        decoded = _decode_html_entity(self.text, self.pos)
        if decoded is not None:
            self.emit(decoded[0])
            self.pos = decoded[1]
            return
        where = _byte_offset(self.text, self.pos)
        named = re.match(r"&[A-Za-z][A-Za-z0-9]*;", self.text[self.pos :])
        if named is not None:
            raise HtmlParseError(
                f'Unsupported HTML entity "{named.group(0)}" at byte offset {where}'
            )
        raise HtmlParseError(f'Character "&" must be escaped as "&amp;" at byte offset {where}')

    def end_tag(self) -> None:
        text, size = self.text, len(self.text)
        tag_byte = _byte_offset(text, self.pos)
        name_end = self.pos + 2
        while name_end < size and not text[name_end].isspace() and text[name_end] != ">":
            name_end += 1
        end_name = text[self.pos + 2 : name_end].lower()
        name_end = _skip_spaces(text, name_end)
        if name_end >= size or text[name_end] != ">":
            raise HtmlParseError(f"Unclosed end tag at byte offset {tag_byte}")
        if not self.stack:
            raise HtmlParseError(f"Unexpected end tag at byte offset {tag_byte}")
        if end_name and end_name != self.stack[-1].name:
            raise HtmlParseError(
                f'Unmatched end tag at byte offset {tag_byte}, expected "</{self.stack[-1].name}>", '
                f'found "</{end_name}>"'
            )
        _close_tag(self.stack.pop(), self.offset16, self.stack, self.entities)
        self.pos = name_end + 1

    def start_tag(self) -> None:
        text, size = self.text, len(self.text)
        tag_byte = _byte_offset(text, self.pos)
        name_end = self.pos + 1
        while name_end < size and not text[name_end].isspace() and text[name_end] != ">":
            name_end += 1
        if name_end >= size:
            raise HtmlParseError(f"Unclosed start tag at byte offset {tag_byte}")
        name = text[self.pos + 1 : name_end].lower()
        if name not in _ALLOWED_TAGS:
            raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {tag_byte}')
        attrs, close_pos = _parse_tag_attrs(text, name_end, name, tag_byte)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise HtmlParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {tag_byte}'
            )
        if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
            raise HtmlParseError("Invalid custom emoji identifier specified")
        self.stack.append(_OpenTag(name=name, attrs=attrs, start=self.offset16))
        self.pos = close_pos + 1


def parse_telegram_html(text: str) -> tuple[str, list[JSONDict]]:
    """Parse Telegram-flavoured HTML into ``(plain_text, entities)``.

    Public so the bot's formatter can be unit-tested against the same rules the
    fake server enforces.  Entity offsets/lengths are UTF-16 code units.  The
    text is not stripped here; the server strips it like Telegram does.

    Deliberately stricter than Telegram in one respect: a ``&`` that does not
    start ``&lt; &gt; &amp; &quot;`` or a numeric entity is rejected, because the
    Bot API documentation requires escaping it and real Telegram's tolerance is
    undocumented.  Raises :class:`HtmlParseError` with Telegram's wording.
    """
    return _HtmlParser(text).run()


def _strip_text(text: str, entities: list[JSONDict]) -> tuple[str, list[JSONDict]]:
    """Strip surrounding whitespace like Telegram, clipping entities to the result."""
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    stripped = text.strip()
    total = utf16_len(stripped)
    result: list[JSONDict] = []
    for entity in entities:
        start = max(0, int(entity.get("offset", 0)) - lead)
        end = min(total, int(entity.get("offset", 0)) + int(entity.get("length", 0)) - lead)
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    return stripped, result


# ------------------------------------------------------------------- entities


def bot_command_entity(text: str) -> JSONDict:
    """The ``bot_command`` entity Telegram attaches to a text starting with '/'."""
    match = re.match(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{5,32})?", text)
    if match is None:
        raise ValueError(f"text does not start with a bot command: {text!r}")
    return {"type": "bot_command", "offset": 0, "length": utf16_len(match.group(0))}


def mention_entity(text: str, username: str = BOT_USERNAME) -> JSONDict:
    """The ``mention`` entity for the first ``@username`` in ``text``.

    Group tests need it because bots in privacy mode only see messages that
    mention them, and handlers usually find the mention through entities.
    """
    needle = f"@{username}"
    index = text.find(needle)
    if index < 0:
        raise ValueError(f"{needle!r} does not occur in {text!r}")
    return {"type": "mention", "offset": utf16_len(text[:index]), "length": utf16_len(needle)}


_MENTION_RE: Final = re.compile(r"(?<![\w@/])@[A-Za-z][A-Za-z0-9_]{4,31}(?![\w])")


def _auto_entities(text: str) -> list[JSONDict]:
    """Entities Telegram itself would add to a user's plain text message."""
    entities: list[JSONDict] = []
    if re.match(r"/[A-Za-z0-9_]", text):
        entities.append(bot_command_entity(text))
    for match in _MENTION_RE.finditer(text):
        entities.append(
            {
                "type": "mention",
                "offset": utf16_len(text[: match.start()]),
                "length": utf16_len(match.group(0)),
            }
        )
    return entities


# ---------------------------------------------------------------- recording


@dataclass(frozen=True)
class RecordedCall:
    """One Bot API request as the fake saw and answered it.

    ``params`` are normalized the way Telegram types them: JSON-string fields
    such as ``reply_markup`` are decoded, numeric ids are ints, flags are bools.
    ``status``/``response`` are what the server produced.  ``injected`` marks
    failures requested with :meth:`FakeBotApi.fail_next`, so tests can tell
    them apart from rejections of bad requests.  ``disconnected`` means the
    client hung up (e.g. its read timeout fired) before the answer was sent;
    if that happened before processing, ``status`` is ``CLIENT_CLOSED_REQUEST``.
    ``seq`` is a per-server sequence number usable with ``wait_for_call(after=)``.
    """

    method: str
    params: JSONDict
    status: int
    response: JSONDict
    injected: bool = False
    disconnected: bool = False
    seq: int = 0

    @property
    def ok(self) -> bool:
        """True when Telegram would have reported success."""
        return self.status == HTTPStatus.OK and self.response.get("ok") is True

    @property
    def result(self) -> Any:
        """The ``result`` field of a successful response (None otherwise)."""
        return self.response.get("result")

    @property
    def description(self) -> str | None:
        """Telegram's error description for a failed call."""
        description = self.response.get("description")
        return description if isinstance(description, str) else None

    @property
    def rejected(self) -> bool:
        """The server refused the request on its merits (not injected, not a hang-up)."""
        return (
            not self.injected
            and self.status >= HTTPStatus.BAD_REQUEST
            and self.status != CLIENT_CLOSED_REQUEST
        )


@dataclass(frozen=True)
class WebhookState:
    """What the bot registered with setWebhook; tests read it to drive webhooks."""

    url: str
    secret_token: str | None
    max_connections: int
    allowed_updates: list[str] | None


@dataclass
class _Fault:
    status: int
    description: str
    retry_after: int | None
    remaining: int


@dataclass
class _Delay:
    seconds: float
    process_first: bool
    remaining: int


@dataclass
class _Exchange:
    """Mutable state of one request, so a hang-up mid-way can still be recorded."""

    method: str
    params: JSONDict = field(default_factory=dict)
    status: int = CLIENT_CLOSED_REQUEST
    body: JSONDict = field(
        default_factory=lambda: _error_body(CLIENT_CLOSED_REQUEST, "Client Closed Request")
    )
    injected: bool = False

    def answer(self, status: int, body: JSONDict) -> None:
        self.status = int(status)
        self.body = body


class _ApiError(Exception):
    """Internal: becomes an ``{"ok": false, ...}`` response."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def _bad(description: str) -> _ApiError:
    return _ApiError(HTTPStatus.BAD_REQUEST, f"Bad Request: {description}")


def _error_body(status: int, description: str, parameters: JSONDict | None = None) -> JSONDict:
    body: JSONDict = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return body


def _default_description(status: int) -> str:
    known = {
        400: "Bad Request",
        401: "Unauthorized",
        403: "Forbidden: bot was blocked by the user",
        404: "Not Found",
        409: "Conflict",
        500: "Internal Server Error",
        502: "Bad Gateway",
        503: "Service Unavailable",
        504: "Gateway Timeout",
    }
    if status in known:
        return known[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _normalize_params(raw: Mapping[str, Any]) -> JSONDict:
    """Type form/query values like Telegram does; raise _ApiError for undecodable ones."""
    params: JSONDict = {}
    for key, raw_value in raw.items():
        value = raw_value
        if isinstance(value, str):
            if key in _JSON_FIELDS:
                try:
                    value = json.loads(value)
                except ValueError:
                    raise _bad(f"can't parse {key} JSON object") from None
            elif key in _INT_FIELDS:
                try:
                    value = int(value)
                except ValueError:
                    raise _bad(f"invalid {key} specified") from None
            elif key in _FLOAT_FIELDS:
                try:
                    value = float(value)
                except ValueError:
                    raise _bad(f"invalid {key} specified") from None
            elif key in _BOOL_FIELDS:
                value = value.strip().lower() in {"true", "1"}
            elif key == "chat_id" and re.fullmatch(r"-?\d+", value.strip()):
                value = int(value)
        params[key] = value
    return params


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return None


def _now() -> int:
    return int(time.time())


def _message_dict(update: Mapping[str, Any]) -> Mapping[str, Any]:
    """Accept either a Message dict or an update dict wrapping one."""
    if "message_id" in update:
        return update
    for key in ("message", "edited_message", "channel_post", "edited_channel_post"):
        inner = update.get(key)
        if isinstance(inner, Mapping):
            return inner
    raise ValueError("expected a Message dict (or an update containing one)")


# ------------------------------------------------------------------- server


Handler = Callable[[JSONDict], Awaitable[Any]]


class FakeBotApi:
    """In-process fake of the Telegram Bot API, bound to 127.0.0.1 on a free port.

    Everything runs on the test's event loop, so controls such as
    :meth:`push_update` are plain synchronous calls.

    Deliberate differences from Telegram (kept small and documented so tests
    stay honest):

    * Methods outside the supported set answer 404 "Not Found", which PTB
      reports as ``InvalidToken``; that makes a gap in the fake loud.
    * Markdown/MarkdownV2 texts are accepted unparsed; only HTML is validated.
    * HTML is stricter about a bare ``&`` (see :func:`parse_telegram_html`).
    * Updates are never delivered to a webhook; use :func:`post_webhook`.
    * Any int chat id (or @username) is a valid chat; unknown ones get a
      synthesized private/group/supergroup chat from the id's sign and size.

    Telegram behaviours the bot must cope with, reproduced on purpose:

    * A second getUpdates terminates a waiting one with 409 Conflict;
      getUpdates fails with 409 while a webhook is set.
    * Updates stay queued until a later getUpdates ``offset`` confirms them.
    * editMessageText without ``reply_markup`` removes the inline keyboard.
    * Callback and inline query ids can be answered once (later: 400).

    Calls are recorded in completion order: a long poll is recorded when it
    returns, after calls that arrived while it was waiting.
    """

    def __init__(self, token: str = TEST_TOKEN, *, port: int = 0) -> None:
        self._token = token
        self._requested_port = port
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

        self._handlers: dict[str, tuple[str, Handler]] = {}
        for name, handler in self._method_table().items():
            self._handlers[name.lower()] = (name, handler)

        self._calls: list[RecordedCall] = []
        self._consumed: set[int] = set()
        self._next_seq = 0
        self._calls_changed = asyncio.Event()

        self._updates: list[JSONDict] = []
        self._next_update_id = 1
        self._allowed_updates: frozenset[str] | None = None
        self._updates_changed = asyncio.Event()
        self._poll_generation = 0
        self._waiting_pollers = 0
        self._pollers_changed = asyncio.Event()
        self._closing = asyncio.Event()

        self._faults: dict[str, list[_Fault]] = {}
        self._delays: dict[str, list[_Delay]] = {}

        self._chats: dict[int, JSONDict] = {}
        self._username_chats: dict[str, int] = {}
        self._messages: dict[int, dict[int, JSONDict]] = {}
        self._last_message_id: dict[int, int] = {}
        self._pending_callback_queries: set[str] = set()
        self._pending_inline_queries: set[str] = set()
        self._query_ids = itertools.count(4_000_000_000_000_000_001)

        self._webhook: WebhookState | None = None
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._descriptions: dict[tuple[str, str], str] = {}

    # ------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        """Bind 127.0.0.1 and start serving; ``base_url`` is valid afterwards."""
        if self._runner is not None:
            raise RuntimeError("FakeBotApi is already running")
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("GET", "/bot{token}/{method}", self._handle)
        app.router.add_route("POST", "/bot{token}/{method}", self._handle)
        # handler_cancellation: a client that gives up (read timeout) must not
        # leave a zombie long poll that steals updates or blocks shutdown.
        runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=5.0
        )
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", self._requested_port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        self._closing.clear()

    async def stop(self) -> None:
        """Release long polls and delays, then shut the server down."""
        if self._runner is None:
            return
        self._closing.set()
        self._wake_pollers()
        runner, self._runner = self._runner, None
        await runner.cleanup()
        self._port = None

    @property
    def port(self) -> int:
        """The real TCP port chosen by the OS."""
        if self._port is None:
            raise RuntimeError("FakeBotApi is not running")
        return self._port

    @property
    def base_url(self) -> str:
        """Server root such as ``http://127.0.0.1:PORT`` (the bot appends ``/bot``)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def bot_base_url(self) -> str:
        """``base_url + "/bot"``: the value for ``telegram.Bot(base_url=...)``."""
        return f"{self.base_url}/bot"

    @property
    def token(self) -> str:
        """The only token the server accepts."""
        return self._token

    # ------------------------------------------------------------ recording

    def calls(self, method: str | None = None) -> list[RecordedCall]:
        """All recorded calls in completion order, optionally for one method (any case)."""
        if method is None:
            return list(self._calls)
        wanted = method.lower()
        return [c for c in self._calls if c.method.lower() == wanted]

    def rejected_calls(self) -> list[RecordedCall]:
        """Calls refused on their merits (validation, token, 404, conflicts), not injected."""
        return [c for c in self._calls if c.rejected]

    def sent_messages(self, chat_id: int | str | None = None) -> list[JSONDict]:
        """Current state (after edits, without deleted ones) of messages the bot sent."""
        result: list[JSONDict] = []
        for cid, messages in self._messages.items():
            if chat_id is not None and not self._chat_matches(cid, chat_id):
                continue
            result.extend(
                copy.deepcopy(m) for m in messages.values() if m.get("from", {}).get("id") == BOT_ID
            )
        return result

    def clear(self) -> None:
        """Forget recorded calls and wait cursors; chat history and updates stay."""
        self._calls.clear()
        self._consumed.clear()

    def checkpoint(self) -> int:
        """A marker for ``wait_for_call(after=...)``: only calls recorded later match."""
        return self._next_seq

    def _record(self, call: RecordedCall) -> None:
        self._calls.append(call)
        self._calls_changed.set()
        self._calls_changed = asyncio.Event()

    async def wait_for_call(
        self,
        method: str | None,
        predicate: Callable[[RecordedCall], bool] | None = None,
        *,
        timeout: float = 5.0,
        after: int | None = None,
    ) -> RecordedCall:
        """Return the oldest matching call not handed out by an earlier wait.

        Already-recorded calls count, so a test cannot miss a call that
        happened before it started waiting; and because every call is handed
        out at most once, waiting twice yields two distinct calls in order.
        ``method=None`` matches any method.  Raises ``AssertionError`` (listing
        what was recorded) if nothing matches within ``timeout`` seconds.
        """
        wanted = method.lower() if method is not None else None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for call in self._calls:
                if call.seq in self._consumed or (after is not None and call.seq < after):
                    continue
                if wanted is not None and call.method.lower() != wanted:
                    continue
                if predicate is not None and not predicate(call):
                    continue
                self._consumed.add(call.seq)
                return call
            remaining = deadline - loop.time()
            if remaining <= 0:
                seen = ", ".join(f"{c.method}->{c.status}" for c in self._calls[-20:])
                raise AssertionError(
                    f"no new {method or 'API'} call matched within {timeout}s; "
                    f"last recorded calls: [{seen}]"
                )
            changed = self._calls_changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    async def wait_for_reply(self, chat_id: int | str, timeout: float = 5.0) -> JSONDict:
        """Wait for a successful sendMessage to ``chat_id``; return the Message as sent.

        Shares the cursor of :meth:`wait_for_call`, so each reply is returned once.
        """

        def to_chat(call: RecordedCall) -> bool:
            result = call.result
            return (
                call.ok
                and isinstance(result, dict)
                and self._chat_matches(int(result["chat"]["id"]), chat_id)
            )

        call = await self.wait_for_call("sendMessage", to_chat, timeout=timeout)
        message: JSONDict = copy.deepcopy(call.result)
        return message

    async def wait_for_poller(self, timeout: float = 5.0) -> None:
        """Wait until a getUpdates long poll is parked on the server.

        Lets a test push an update *after* the bot is known to be polling,
        which is the only way to prove delivery wakes a waiting poll.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._waiting_pollers == 0:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"no getUpdates long poll arrived within {timeout}s")
            changed = self._pollers_changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    # ---------------------------------------------------- failure injection

    def fail_next(
        self,
        method: str,
        *,
        status: int = HTTPStatus.TOO_MANY_REQUESTS,
        retry_after: int = 1,
        description: str | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail with ``status``.

        429 carries ``parameters.retry_after`` (PTB raises ``RetryAfter``);
        other statuses use Telegram's usual description unless one is given.
        Injected failures do not execute the method and are recorded with
        ``injected=True``.
        """
        key = self._known_method(method)
        if times < 1:
            raise ValueError("times must be >= 1")
        if status < 400:
            raise ValueError("fail_next needs an error status (>= 400)")
        is_flood = status == HTTPStatus.TOO_MANY_REQUESTS
        if description is None:
            description = (
                f"Too Many Requests: retry after {retry_after}"
                if is_flood
                else _default_description(status)
            )
        fault = _Fault(status, description, retry_after if is_flood else None, times)
        self._faults.setdefault(key, []).append(fault)

    def delay_next(
        self, method: str, seconds: float, *, times: int = 1, process_first: bool = False
    ) -> None:
        """Delay the answer to the next ``times`` calls of ``method``.

        By default the delay happens before processing, so a client that
        times out leaves no effect.  ``process_first=True`` applies the call
        first and delays only the answer: the "Telegram sent it but the bot saw
        TimedOut" case that tempts bots into duplicate sends.
        """
        key = self._known_method(method)
        if times < 1 or seconds < 0:
            raise ValueError("times must be >= 1 and seconds >= 0")
        self._delays.setdefault(key, []).append(_Delay(seconds, process_first, times))

    def _known_method(self, method: str) -> str:
        key = method.lower()
        if key not in self._handlers:
            raise ValueError(
                f"FakeBotApi does not implement {method!r}; a typo would never trigger"
            )
        return key

    @staticmethod
    def _take(queue: list[Any]) -> Any:
        if not queue:
            return None
        head = queue[0]
        head.remaining -= 1
        if head.remaining == 0:
            queue.pop(0)
        return head

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but end early when the server stops so shutdown never hangs."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), seconds)

    # ------------------------------------------------------------- updates

    def push_update(self, update: Mapping[str, Any]) -> int:
        """Queue an update for getUpdates, wake waiting polls, return its update_id.

        Any update_id in ``update`` is replaced: ids must grow monotonically
        for offset confirmation to mean anything.
        """
        kinds = [k for k in update if k != "update_id"]
        if len(kinds) != 1 or kinds[0] not in _UPDATE_TYPES:
            raise ValueError(f"an update needs exactly one known update field, got {kinds}")
        stored: JSONDict = copy.deepcopy(dict(update))
        stored["update_id"] = self._next_update_id
        self._next_update_id += 1
        self._observe_update(stored)
        self._updates.append(stored)
        self._wake_pollers()
        return int(stored["update_id"])

    def pending_updates(self) -> list[JSONDict]:
        """Updates not yet confirmed by a getUpdates offset."""
        return copy.deepcopy(self._updates)

    @property
    def webhook(self) -> WebhookState | None:
        """The webhook registered by the bot, if any."""
        return self._webhook

    def my_commands(
        self, scope: Mapping[str, Any] | None = None, language_code: str = ""
    ) -> list[JSONDict]:
        """Commands stored by setMyCommands for a scope (default scope if None)."""
        return copy.deepcopy(self._commands.get((self._scope_key(scope), language_code), []))

    def description(self, *, short: bool = False, language_code: str = "") -> str:
        """What setMyDescription / setMyShortDescription stored."""
        return self._descriptions.get(("short" if short else "long", language_code), "")

    def _wake_pollers(self) -> None:
        self._updates_changed.set()
        self._updates_changed = asyncio.Event()

    def _observe_update(self, update: Mapping[str, Any]) -> None:
        """Learn chats, messages and query ids so later API calls can refer to them."""
        for key in ("message", "edited_message", "channel_post", "edited_channel_post"):
            message = update.get(key)
            if isinstance(message, Mapping):
                self._remember_message(message)
        callback = update.get("callback_query")
        if isinstance(callback, Mapping) and "id" in callback:
            self._pending_callback_queries.add(str(callback["id"]))
        inline = update.get("inline_query")
        if isinstance(inline, Mapping) and "id" in inline:
            self._pending_inline_queries.add(str(inline["id"]))

    def _remember_message(self, message: Mapping[str, Any]) -> None:
        chat = message.get("chat")
        message_id = _as_int(message.get("message_id"))
        if not isinstance(chat, Mapping) or message_id is None:
            return
        chat_id = int(chat["id"])
        self._chats.setdefault(chat_id, copy.deepcopy(dict(chat)))
        self._messages.setdefault(chat_id, {})[message_id] = copy.deepcopy(dict(message))
        self._last_message_id[chat_id] = max(self._last_message_id.get(chat_id, 0), message_id)

    def _next_message_id(self, chat_id: int) -> int:
        value = self._last_message_id.get(chat_id, 0) + 1
        self._last_message_id[chat_id] = value
        return value

    # ----------------------------------------------------------- factories

    @staticmethod
    def _user(user_id: int, username: str | None, first_name: str) -> JSONDict:
        user: JSONDict = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": "en",
        }
        if username:
            user["username"] = username
        return user

    def _chat_for(
        self,
        user: JSONDict,
        chat_id: int | None,
        chat_type: ChatType,
        chat_title: str,
    ) -> JSONDict:
        if chat_type == "private":
            chat: JSONDict = {
                "id": chat_id if chat_id is not None else user["id"],
                "type": "private",
            }
            chat["first_name"] = user["first_name"]
            if "username" in user:
                chat["username"] = user["username"]
            return chat
        default = (
            DEFAULT_GROUP_CHAT_ID if chat_type == "supergroup" else DEFAULT_BASIC_GROUP_CHAT_ID
        )
        return {
            "id": chat_id if chat_id is not None else default,
            "type": chat_type,
            "title": chat_title,
        }

    def _new_user_message(
        self,
        *,
        user_id: int,
        chat_id: int | None,
        chat_type: ChatType,
        username: str | None,
        first_name: str,
        chat_title: str,
        reply_to_message: Mapping[str, Any] | None,
    ) -> JSONDict:
        user = self._user(user_id, username, first_name)
        chat = self._chat_for(user, chat_id, chat_type, chat_title)
        message: JSONDict = {
            "message_id": self._next_message_id(int(chat["id"])),
            "from": user,
            "chat": chat,
            "date": _now(),
        }
        if reply_to_message is not None:
            replied = copy.deepcopy(dict(_message_dict(reply_to_message)))
            replied.pop("reply_to_message", None)  # Telegram never nests replies twice
            message["reply_to_message"] = replied
        return message

    def message_update(
        self,
        text: str,
        *,
        user_id: int = DEFAULT_USER_ID,
        chat_id: int | None = None,
        chat_type: ChatType = "private",
        username: str | None = DEFAULT_USERNAME,
        first_name: str = DEFAULT_FIRST_NAME,
        entities: list[JSONDict] | None = None,
        reply_to_message: Mapping[str, Any] | None = None,
        chat_title: str = "Glossary Test Group",
    ) -> JSONDict:
        """A ``{"message": ...}`` update from a user (no update_id; push_update adds it).

        ``chat_id=None`` means the private chat with the user (or the default
        group for group types).  ``entities=None`` adds what Telegram would:
        ``bot_command`` for a leading "/cmd" and ``mention`` for each @username;
        pass ``[]`` for none.  ``reply_to_message`` accepts a Message dict, for
        instance one from :meth:`sent_messages`.
        """
        message = self._new_user_message(
            user_id=user_id,
            chat_id=chat_id,
            chat_type=chat_type,
            username=username,
            first_name=first_name,
            chat_title=chat_title,
            reply_to_message=reply_to_message,
        )
        message["text"] = text
        auto = _auto_entities(text) if entities is None else entities
        if auto:
            message["entities"] = copy.deepcopy(auto)
        self._remember_message(message)
        return {"message": message}

    def sticker_update(
        self,
        *,
        emoji: str = "\N{SLIGHTLY SMILING FACE}",
        user_id: int = DEFAULT_USER_ID,
        chat_id: int | None = None,
        chat_type: ChatType = "private",
        username: str | None = DEFAULT_USERNAME,
        first_name: str = DEFAULT_FIRST_NAME,
        set_name: str = "GlossaryTestStickers",
    ) -> JSONDict:
        """A message update carrying a sticker and no text (the "unsupported input" case)."""
        message = self._new_user_message(
            user_id=user_id,
            chat_id=chat_id,
            chat_type=chat_type,
            username=username,
            first_name=first_name,
            chat_title="Glossary Test Group",
            reply_to_message=None,
        )
        n = message["message_id"]
        message["sticker"] = {
            "file_id": f"CAACAgIAAxkBAAI-test-sticker-{n}",
            "file_unique_id": f"AgADsticker{n}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "set_name": set_name,
            "file_size": 23456,
        }
        self._remember_message(message)
        return {"message": message}

    def photo_update(
        self,
        *,
        caption: str | None = None,
        caption_entities: list[JSONDict] | None = None,
        user_id: int = DEFAULT_USER_ID,
        chat_id: int | None = None,
        chat_type: ChatType = "private",
        username: str | None = DEFAULT_USERNAME,
        first_name: str = DEFAULT_FIRST_NAME,
    ) -> JSONDict:
        """A message update with a photo (three sizes, like Telegram) and optional caption."""
        message = self._new_user_message(
            user_id=user_id,
            chat_id=chat_id,
            chat_type=chat_type,
            username=username,
            first_name=first_name,
            chat_title="Glossary Test Group",
            reply_to_message=None,
        )
        n = message["message_id"]
        message["photo"] = [
            {
                "file_id": f"AgACAgIAAxkBAAI-test-photo-{n}-{w}",
                "file_unique_id": f"AQADphoto{n}x{w}",
                "width": w,
                "height": w * 3 // 4,
                "file_size": w * 40,
            }
            for w in (90, 320, 1280)
        ]
        if caption is not None:
            message["caption"] = caption
            auto = _auto_entities(caption) if caption_entities is None else caption_entities
            if auto:
                message["caption_entities"] = copy.deepcopy(auto)
        self._remember_message(message)
        return {"message": message}

    def edited_message_update(
        self,
        message: Mapping[str, Any],
        text: str,
        *,
        entities: list[JSONDict] | None = None,
    ) -> JSONDict:
        """An ``{"edited_message": ...}`` update: ``message`` (or its update) with new text."""
        edited = copy.deepcopy(dict(_message_dict(message)))
        edited["text"] = text
        edited["edit_date"] = max(_now(), int(edited.get("date", 0)) + 1)
        auto = _auto_entities(text) if entities is None else entities
        if auto:
            edited["entities"] = copy.deepcopy(auto)
        else:
            edited.pop("entities", None)
        self._remember_message(edited)
        return {"edited_message": edited}

    def callback_query_update(
        self,
        data: str,
        *,
        message: Mapping[str, Any],
        user_id: int = DEFAULT_USER_ID,
        username: str | None = DEFAULT_USERNAME,
        first_name: str = DEFAULT_FIRST_NAME,
    ) -> JSONDict:
        """A user pressing an inline button with ``data`` under ``message``.

        ``message`` should be a message the bot sent (e.g. ``wait_for_reply``'s
        return value); the query id becomes answerable via answerCallbackQuery.
        """
        origin = _message_dict(message)
        if "chat" not in origin:
            raise ValueError("message must be a Message dict with a chat")
        query_id = str(next(self._query_ids))
        self._pending_callback_queries.add(query_id)
        return {
            "callback_query": {
                "id": query_id,
                "from": self._user(user_id, username, first_name),
                "message": copy.deepcopy(dict(origin)),
                "chat_instance": str(abs(int(origin["chat"]["id"])) * 7 + 13),
                "data": data,
            }
        }

    def inline_query_update(
        self,
        query: str,
        *,
        user_id: int = DEFAULT_USER_ID,
        username: str | None = DEFAULT_USERNAME,
        first_name: str = DEFAULT_FIRST_NAME,
        offset: str = "",
        chat_type: str = "sender",
    ) -> JSONDict:
        """An ``@GlossaryTestBot query`` inline query; its id becomes answerable."""
        query_id = str(next(self._query_ids))
        self._pending_inline_queries.add(query_id)
        return {
            "inline_query": {
                "id": query_id,
                "from": self._user(user_id, username, first_name),
                "query": query,
                "offset": offset,
                "chat_type": chat_type,
            }
        }

    # -------------------------------------------------------------- HTTP

    async def _read_raw_params(self, request: web.Request) -> JSONDict:
        raw: JSONDict = dict(request.query)
        if request.method != "POST" or not request.body_exists:
            return raw
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise _bad("can't parse JSON object") from None
            if not isinstance(body, dict):
                raise _bad("JSON object expected")
            raw.update(body)
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    raw[key] = {
                        "filename": value.filename,
                        "content_type": value.content_type,
                        "size": len(value.file.read()),
                    }
                elif isinstance(value, bytes):
                    raw[key] = value.decode("utf-8", "replace")
                else:
                    raw[key] = value
        return raw

    async def _handle(self, request: web.Request) -> web.Response:
        raw_method = request.match_info["method"]
        entry = self._handlers.get(raw_method.lower())
        exchange = _Exchange(method=entry[0] if entry is not None else raw_method)
        try:
            await self._process(request, entry, exchange)
        except asyncio.CancelledError:
            # The client hung up (e.g. its read timeout fired); keep the evidence.
            self._record_exchange(exchange, disconnected=True)
            raise
        self._record_exchange(exchange, disconnected=False)
        return web.json_response(exchange.body, status=exchange.status)

    def _record_exchange(self, exchange: _Exchange, *, disconnected: bool) -> None:
        seq = self._next_seq
        self._next_seq += 1
        self._record(
            RecordedCall(
                method=exchange.method,
                params=exchange.params,
                status=exchange.status,
                response=exchange.body,
                injected=exchange.injected,
                disconnected=disconnected,
                seq=seq,
            )
        )

    async def _process(
        self, request: web.Request, entry: tuple[str, Handler] | None, exchange: _Exchange
    ) -> None:
        """Fill ``exchange`` with the answer: auth, routing, injection, then the method."""
        parse_error: _ApiError | None = None
        try:
            raw = await self._read_raw_params(request)
            exchange.params = raw
            exchange.params = _normalize_params(raw)
        except _ApiError as exc:
            parse_error = exc

        if request.match_info["token"] != self._token:
            exchange.answer(HTTPStatus.UNAUTHORIZED, _error_body(401, "Unauthorized"))
            return
        if entry is None:
            exchange.answer(HTTPStatus.NOT_FOUND, _error_body(404, "Not Found"))
            return
        if parse_error is not None:
            exchange.answer(
                parse_error.status, _error_body(parse_error.status, parse_error.description)
            )
            return

        key = exchange.method.lower()
        delay: _Delay | None = self._take(self._delays.get(key, []))
        if delay is not None and not delay.process_first:
            await self._sleep(delay.seconds)
        fault: _Fault | None = self._take(self._faults.get(key, []))
        if fault is not None:
            exchange.injected = True
            extra = {"retry_after": fault.retry_after} if fault.retry_after is not None else None
            exchange.answer(fault.status, _error_body(fault.status, fault.description, extra))
        else:
            try:
                result = await entry[1](exchange.params)
            except _ApiError as exc:
                exchange.answer(
                    exc.status, _error_body(exc.status, exc.description, exc.parameters)
                )
            else:
                exchange.answer(HTTPStatus.OK, {"ok": True, "result": result})
        if delay is not None and delay.process_first:
            await self._sleep(delay.seconds)

    # ------------------------------------------------------------ helpers

    @staticmethod
    def _scope_key(scope: Any) -> str:
        if scope is None:
            return json.dumps({"type": "default"})
        if not isinstance(scope, Mapping) or not isinstance(scope.get("type"), str):
            raise _bad("can't parse BotCommandScope JSON object")
        return json.dumps(dict(scope), sort_keys=True)

    def _chat_matches(self, stored_id: int, wanted: int | str) -> bool:
        if isinstance(wanted, str) and wanted.startswith("@"):
            return self._username_chats.get(wanted[1:].lower()) == stored_id
        return _as_int(wanted) == stored_id

    def _resolve_chat(self, raw: Any) -> JSONDict:
        """Accept any int chat id or @username like Telegram's parameter parser."""
        if raw is None or raw == "":
            raise _bad("chat_id is empty")
        chat_id = _as_int(raw)
        if chat_id is not None:
            if chat_id == 0:
                raise _bad("chat not found")
            if chat_id not in self._chats:
                if chat_id > 0:
                    self._chats[chat_id] = {
                        "id": chat_id,
                        "type": "private",
                        "first_name": f"User {chat_id}",
                    }
                elif chat_id <= -1_000_000_000_000:
                    self._chats[chat_id] = {
                        "id": chat_id,
                        "type": "supergroup",
                        "title": f"Chat {chat_id}",
                    }
                else:
                    self._chats[chat_id] = {
                        "id": chat_id,
                        "type": "group",
                        "title": f"Chat {chat_id}",
                    }
            return self._chats[chat_id]
        if isinstance(raw, str) and re.fullmatch(r"@[A-Za-z][A-Za-z0-9_]{3,31}", raw):
            name = raw[1:]
            if name.lower() not in self._username_chats:
                new_id = -1_009_000_000_000 - len(self._username_chats)
                self._username_chats[name.lower()] = new_id
                self._chats[new_id] = {
                    "id": new_id,
                    "type": "channel",
                    "title": name,
                    "username": name,
                }
            return self._chats[self._username_chats[name.lower()]]
        raise _bad("chat not found")

    @staticmethod
    def _prepare_text(text: Any, parse_mode: Any, entities: Any) -> tuple[str, list[JSONDict]]:
        """Apply Telegram's text rules: parse, strip, then empty/length checks."""
        if text is None:
            text = ""
        if not isinstance(text, str):
            text = str(text)
        mode = parse_mode.lower() if isinstance(parse_mode, str) else None
        parsed_entities: list[JSONDict]
        if not mode:
            parsed = text
            parsed_entities = (
                [dict(e) for e in entities if isinstance(e, Mapping)]
                if isinstance(entities, list)
                else []
            )
        elif mode == "html":
            try:
                parsed, parsed_entities = parse_telegram_html(text)
            except HtmlParseError as exc:
                raise _bad(f"can't parse entities: {exc}") from None
        elif mode in ("markdown", "markdownv2"):
            parsed, parsed_entities = text, []
        else:
            raise _bad("unsupported parse_mode")
        parsed, parsed_entities = _strip_text(parsed, parsed_entities)
        if not parsed:
            raise _bad("message text is empty")
        if utf16_len(parsed) > MAX_MESSAGE_LENGTH:
            raise _bad("message is too long")
        return parsed, parsed_entities

    @staticmethod
    def _validate_inline_keyboard(rows: Any) -> None:
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad(
                'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
            )
        if sum(len(row) for row in rows) > MAX_INLINE_KEYBOARD_BUTTONS:
            raise _bad("reply markup is too long")
        for row in rows:
            for button in row:
                if not isinstance(button, Mapping):
                    raise _bad(
                        "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
                    )
                text = button.get("text")
                if not isinstance(text, str):
                    raise _bad(
                        'can\'t parse inline keyboard button: Field "text" must be of type String'
                    )
                if not text.strip():
                    raise _bad("can't parse inline keyboard button: Text must be non-empty")
                actions = [name for name in _BUTTON_ACTIONS if name in button]
                if not actions:
                    raise _bad(
                        "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                    )
                if len(actions) > 1:
                    raise _bad(
                        "can't parse inline keyboard button: exactly one of the optional fields "
                        f"must be used, got {', '.join(actions)}"
                    )
                if "callback_data" in button:
                    data = button["callback_data"]
                    if (
                        not isinstance(data, str)
                        or not 1 <= len(data.encode("utf-8")) <= MAX_BUTTON_DATA_BYTES
                    ):
                        raise _bad("BUTTON_DATA_INVALID")
                if "url" in button:
                    url = button["url"]
                    if not isinstance(url, str) or not re.match(
                        r"^(https?|tg)://\S+$", url, re.IGNORECASE
                    ):
                        raise _bad(
                            f"inline keyboard button URL '{url}' is invalid: Unsupported URL protocol"
                        )

    def _validate_reply_markup(self, markup: Any, *, inline_only: bool) -> JSONDict | None:
        """Validate markup; return the inline keyboard to echo (Telegram echoes only those)."""
        if markup is None:
            return None
        if not isinstance(markup, Mapping):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            self._validate_inline_keyboard(markup["inline_keyboard"])
            return {"inline_keyboard": copy.deepcopy(markup["inline_keyboard"])}
        if inline_only:
            raise _bad("inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise _bad(
                    'field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays'
                )
            for row in rows:
                for button in row:
                    text = button.get("text") if isinstance(button, Mapping) else button
                    if not isinstance(text, str) or not text.strip():
                        raise _bad("keyboard button text must be non-empty")
            return None
        if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
            return None
        raise _bad("can't parse reply keyboard markup JSON object")

    def _lookup_message(self, chat_id: int, params: JSONDict, not_found: str) -> JSONDict:
        message_id = _as_int(params.get("message_id"))
        if message_id is None:
            raise _bad("message identifier is not specified")
        message = self._messages.get(chat_id, {}).get(message_id)
        if message is None:
            raise _bad(not_found)
        return message

    def _reply_target(self, chat_id: int, params: JSONDict) -> JSONDict | None:
        reply = params.get("reply_parameters")
        allow_missing = bool(params.get("allow_sending_without_reply"))
        if isinstance(reply, Mapping):
            message_id = _as_int(reply.get("message_id"))
            allow_missing = allow_missing or bool(reply.get("allow_sending_without_reply"))
            if reply.get("chat_id") is not None:
                chat_id = int(self._resolve_chat(reply["chat_id"])["id"])
        else:
            message_id = _as_int(params.get("reply_to_message_id"))
        if message_id is None:
            return None
        target = self._messages.get(chat_id, {}).get(message_id)
        if target is None:
            if allow_missing:
                return None
            raise _bad("message to be replied not found")
        replied = copy.deepcopy(target)
        replied.pop("reply_to_message", None)
        return replied

    # ------------------------------------------------------------ methods

    def _method_table(self) -> dict[str, Handler]:
        return {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "answerInlineQuery": self._answer_inline_query,
            "sendChatAction": self._send_chat_action,
            "setMyDescription": self._set_my_description,
            "getMyDescription": self._get_my_description,
            "setMyShortDescription": self._set_my_short_description,
            "getMyShortDescription": self._get_my_short_description,
            "close": self._ok,
            "logOut": self._ok,
        }

    async def _ok(self, params: JSONDict) -> bool:
        return True

    async def _get_me(self, params: JSONDict) -> JSONDict:
        return {
            **_BOT_USER,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _is_allowed(self, update: Mapping[str, Any]) -> bool:
        kind = next((k for k in update if k != "update_id"), "")
        if self._allowed_updates is None:
            return kind not in _OPT_IN_UPDATE_TYPES
        return kind in self._allowed_updates

    async def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        if self._webhook is not None:
            raise _ApiError(
                HTTPStatus.CONFLICT,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = _as_int(params.get("offset")) or 0
        limit = min(100, max(1, _as_int(params.get("limit")) or 100))
        timeout_value = params.get("timeout", 0)
        timeout = float(timeout_value) if isinstance(timeout_value, (int, float)) else 0.0
        allowed = params.get("allowed_updates")
        if allowed is not None:
            if not isinstance(allowed, list) or not all(isinstance(a, str) for a in allowed):
                raise _bad("can't parse allowed_updates JSON object")
            self._allowed_updates = frozenset(allowed) if allowed else None

        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]

        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_pollers()  # an older poll still waiting is now terminated

        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, timeout)
        while True:
            if generation != self._poll_generation:
                raise _ApiError(
                    HTTPStatus.CONFLICT,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            batch = [copy.deepcopy(u) for u in self._updates if self._is_allowed(u)][:limit]
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._closing.is_set():
                return batch
            changed = self._updates_changed
            self._waiting_pollers += 1
            self._pollers_changed.set()  # lets wait_for_poller() see us
            self._pollers_changed = asyncio.Event()
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), remaining)
            finally:
                self._waiting_pollers -= 1

    async def _set_webhook(self, params: JSONDict) -> bool:
        url = params.get("url", "")
        if not isinstance(url, str):
            raise _bad("bad webhook: URL must be a String")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        if not url:
            self._webhook = None
            return True
        if not url.lower().startswith("https://"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and (
            not isinstance(secret, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret)
        ):
            raise _bad("secret token contains unallowed characters")
        max_connections = _as_int(params.get("max_connections")) or 40
        if not 1 <= max_connections <= 100:
            raise _bad("bad webhook: max_connections must be between 1 and 100")
        allowed = params.get("allowed_updates")
        self._webhook = WebhookState(
            url=url,
            secret_token=secret,
            max_connections=max_connections,
            allowed_updates=list(allowed) if isinstance(allowed, list) else None,
        )
        return True

    async def _delete_webhook(self, params: JSONDict) -> bool:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._webhook = None
        return True

    async def _get_webhook_info(self, params: JSONDict) -> JSONDict:
        info: JSONDict = {
            "url": self._webhook.url if self._webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook is not None:
            info["max_connections"] = self._webhook.max_connections
            if self._webhook.allowed_updates is not None:
                info["allowed_updates"] = list(self._webhook.allowed_updates)
        return info

    async def _set_my_commands(self, params: JSONDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        cleaned: list[JSONDict] = []
        for command in commands:
            if not isinstance(command, Mapping):
                raise _bad("can't parse BotCommand JSON object")
            name = command.get("command")
            description = command.get("description")
            if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise _bad("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise _bad("command description must be 1-256 characters")
            cleaned.append({"command": name, "description": description})
        language = str(params.get("language_code") or "")
        self._commands[(self._scope_key(params.get("scope")), language)] = cleaned
        return True

    async def _get_my_commands(self, params: JSONDict) -> list[JSONDict]:
        language = str(params.get("language_code") or "")
        return copy.deepcopy(
            self._commands.get((self._scope_key(params.get("scope")), language), [])
        )

    async def _delete_my_commands(self, params: JSONDict) -> bool:
        language = str(params.get("language_code") or "")
        self._commands.pop((self._scope_key(params.get("scope")), language), None)
        return True

    def _store_description(self, params: JSONDict, field_name: str, kind: str, limit: int) -> bool:
        value = params.get(field_name) or ""
        if not isinstance(value, str):
            raise _bad(f"{field_name} must be a String")
        if len(value) > limit:
            raise _bad(f"{field_name} is too long")
        self._descriptions[(kind, str(params.get("language_code") or ""))] = value
        return True

    async def _set_my_description(self, params: JSONDict) -> bool:
        return self._store_description(params, "description", "long", 512)

    async def _set_my_short_description(self, params: JSONDict) -> bool:
        return self._store_description(params, "short_description", "short", 120)

    async def _get_my_description(self, params: JSONDict) -> JSONDict:
        return {
            "description": self._descriptions.get(
                ("long", str(params.get("language_code") or "")), ""
            )
        }

    async def _get_my_short_description(self, params: JSONDict) -> JSONDict:
        language = str(params.get("language_code") or "")
        return {"short_description": self._descriptions.get(("short", language), "")}

    async def _send_message(self, params: JSONDict) -> JSONDict:
        chat = self._resolve_chat(params.get("chat_id"))
        chat_id = int(chat["id"])
        text, entities = self._prepare_text(
            params.get("text"), params.get("parse_mode"), params.get("entities")
        )
        markup = self._validate_reply_markup(params.get("reply_markup"), inline_only=False)
        replied = self._reply_target(chat_id, params)
        message: JSONDict = {
            "message_id": self._next_message_id(chat_id),
            "from": dict(_BOT_USER),
            "chat": copy.deepcopy(chat),
            "date": _now(),
            "text": text,
        }
        if entities:
            message["entities"] = entities
        if markup is not None:
            message["reply_markup"] = markup
        if replied is not None:
            message["reply_to_message"] = replied
        thread = _as_int(params.get("message_thread_id"))
        if thread is not None:
            message["message_thread_id"] = thread
        self._messages.setdefault(chat_id, {})[message["message_id"]] = message
        return copy.deepcopy(message)

    def _editable(self, params: JSONDict) -> JSONDict:
        chat = self._resolve_chat(params.get("chat_id"))
        message = self._lookup_message(int(chat["id"]), params, "message to edit not found")
        if message.get("from", {}).get("id") != BOT_ID:
            raise _bad("message can't be edited")
        return message

    async def _edit_message_text(self, params: JSONDict) -> JSONDict | bool:
        text, entities = self._prepare_text(
            params.get("text"), params.get("parse_mode"), params.get("entities")
        )
        markup = self._validate_reply_markup(params.get("reply_markup"), inline_only=True)
        if params.get("inline_message_id") and params.get("chat_id") is None:
            return True  # inline messages are not stored; Telegram answers True for them
        message = self._editable(params)
        if "text" not in message:
            raise _bad("there is no text in the message to edit")
        if (
            message["text"] == text
            and message.get("entities", []) == entities
            and message.get("reply_markup") == markup
        ):
            raise _bad(_NOT_MODIFIED)
        message["text"] = text
        if entities:
            message["entities"] = entities
        else:
            message.pop("entities", None)
        # Telegram drops an inline keyboard that the edit does not repeat.
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup
        message["edit_date"] = max(_now(), int(message["date"]))
        return copy.deepcopy(message)

    async def _edit_message_reply_markup(self, params: JSONDict) -> JSONDict | bool:
        markup = self._validate_reply_markup(params.get("reply_markup"), inline_only=True)
        if params.get("inline_message_id") and params.get("chat_id") is None:
            return True
        message = self._editable(params)
        if message.get("reply_markup") == markup:
            raise _bad(_NOT_MODIFIED)
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup
        message["edit_date"] = max(_now(), int(message["date"]))
        return copy.deepcopy(message)

    async def _delete_message(self, params: JSONDict) -> bool:
        chat = self._resolve_chat(params.get("chat_id"))
        chat_id = int(chat["id"])
        message = self._lookup_message(chat_id, params, "message to delete not found")
        del self._messages[chat_id][int(message["message_id"])]
        return True

    async def _answer_callback_query(self, params: JSONDict) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._pending_callback_queries:
            raise _bad(_QUERY_INVALID)
        text = params.get("text")
        if text is not None and (
            not isinstance(text, str) or len(text) > MAX_CALLBACK_ANSWER_LENGTH
        ):
            raise _bad("MESSAGE_TOO_LONG")
        self._pending_callback_queries.discard(query_id)
        return True

    def _validate_inline_result(self, result: Any, seen: set[str]) -> None:
        if not isinstance(result, Mapping):
            raise _bad("can't parse inline query result: InlineQueryResult must be an Object")
        result_id = result.get("id")
        if not isinstance(result_id, str) or not 1 <= len(result_id.encode("utf-8")) <= 64:
            raise _bad("RESULT_ID_INVALID")
        if result_id in seen:
            raise _bad("RESULT_ID_DUPLICATE")
        seen.add(result_id)
        kind = result.get("type")
        if kind not in _INLINE_RESULT_TYPES:
            raise _bad(f'can\'t parse inline query result: Result type "{kind}" is unsupported')
        content = result.get("input_message_content")
        if kind == "article":
            title = result.get("title")
            if not isinstance(title, str) or not title.strip():
                raise _bad('can\'t parse inline query result: Field "title" must be of type String')
            if not isinstance(content, Mapping):
                raise _bad(
                    'can\'t parse inline query result: Field "input_message_content" must be of type Object'
                )
        if content is not None:
            if not isinstance(content, Mapping):
                raise _bad(
                    "can't parse input message content: InputMessageContent must be an Object"
                )
            if "message_text" in content or not (
                {"latitude", "phone_number", "payload"} & set(content)
            ):
                self._prepare_text(
                    content.get("message_text"), content.get("parse_mode"), content.get("entities")
                )
        self._validate_reply_markup(result.get("reply_markup"), inline_only=True)

    async def _answer_inline_query(self, params: JSONDict) -> bool:
        query_id = str(params.get("inline_query_id") or "")
        if query_id not in self._pending_inline_queries:
            raise _bad(_QUERY_INVALID)
        results = params.get("results")
        if not isinstance(results, list):
            raise _bad("can't parse JSON encoded inline query results")
        if len(results) > MAX_INLINE_RESULTS:
            raise _bad("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            self._validate_inline_result(result, seen)
        next_offset = params.get("next_offset")
        if next_offset is not None and len(str(next_offset).encode("utf-8")) > 64:
            raise _bad("NEXT_OFFSET_INVALID")
        self._pending_inline_queries.discard(query_id)
        return True

    async def _send_chat_action(self, params: JSONDict) -> bool:
        self._resolve_chat(params.get("chat_id"))
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True


# ---------------------------------------------------------------- webhooks

_webhook_update_ids = itertools.count(900_000_001)


async def post_webhook(
    url: str,
    update: Mapping[str, Any],
    secret_token: str | None = None,
    *,
    timeout: float = 10.0,
) -> int:
    """POST ``update`` to a bot's webhook endpoint the way Telegram does; return the status.

    Sends ``X-Telegram-Bot-Api-Secret-Token`` when ``secret_token`` is given, so
    tests can check the bot rejects missing or wrong secrets.  An update
    without ``update_id`` gets a fresh one.  Only loopback URLs are allowed:
    tests must never reach the network.
    """
    host = URL(url).host
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise ValueError(f"post_webhook only targets loopback addresses, not {host!r}")
    payload = dict(update)
    payload.setdefault("update_id", next(_webhook_update_ids))
    headers: dict[str, str] = {}
    if secret_token is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret_token
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    async with (
        aiohttp.ClientSession(timeout=client_timeout) as session,
        session.post(url, json=payload, headers=headers) as response,
    ):
        await response.read()
        return response.status


# ----------------------------------------------------------------- fixture


@pytest_asyncio.fixture(name="fake_bot_api")
async def fake_bot_api_fixture() -> AsyncIterator[FakeBotApi]:
    """A running :class:`FakeBotApi` accepting :data:`TEST_TOKEN`, stopped after the test.

    Registered under the name ``fake_bot_api``.  Import it into a conftest as
    ``from tests.bot.fake_bot_api import fake_bot_api_fixture  # noqa: F401``:
    importing the differently named function avoids ruff's F811 when test
    parameters are called ``fake_bot_api``.  (``fake_bot_api`` is an alias of
    the same fixture for ``from ... import fake_bot_api``.)
    """
    async with FakeBotApi(token=TEST_TOKEN) as server:
        yield server


fake_bot_api = fake_bot_api_fixture
