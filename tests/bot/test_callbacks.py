"""The callback-data codec: round trips, Telegram's 64-byte limit, and entry keys."""

from __future__ import annotations

import re

import pytest

from bot.callbacks import (
    AskExample,
    BrowsePage,
    Callback,
    DidYouMean,
    Feedback,
    MoreAnswers,
    Noop,
    OpenEntry,
    decode,
    encode,
    entry_key,
    resolve_entry_key,
)

LONGEST_ID = 999_999_999_999_999_999  # 18 digits: more rows than SQLite will ever hold here


@pytest.mark.parametrize(
    ("callback", "data"),
    [
        (MoreAnswers(12, 3), "m:12:3"),
        (Feedback(12, 1), "f:12:+"),
        (Feedback(12, -1), "f:12:-"),
        (DidYouMean(12, "api"), "d:12:api"),
        (DidYouMean(None, "api"), "d::api"),
        (OpenEntry("back-end-engineer"), "o:back-end-engineer"),
        (BrowsePage(4), "b:4"),
        (AskExample("what is an API?"), "a:what is an API?"),
        (Noop(), "n"),
    ],
)
def test_callbacks_round_trip(callback: Callback, data: str) -> None:
    assert encode(callback) == data
    assert decode(data) == callback


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "x:1",
        "m:1",
        "m:a:1",
        "m:1:-1",
        "m:01:1",
        "f:1:0",
        "d:x:api",
        "d:1:",
        "b:",
        "o:",
        "a: ",
    ],
)
def test_unknown_or_broken_data_decodes_to_none(data: str | None) -> None:
    assert decode(data) is None


def test_the_largest_payloads_fit_in_64_bytes() -> None:
    long_id = "a-very-long-entry-file-name-that-goes-on-and-on-and-on-for-ever"
    for callback in (
        MoreAnswers(LONGEST_ID, 99),
        Feedback(LONGEST_ID, -1),
        DidYouMean(LONGEST_ID, entry_key(long_id)),
        DidYouMean(LONGEST_ID, "x" * 40),
        OpenEntry(entry_key("é" * 200)),
    ):
        assert len(encode(callback).encode("utf-8")) <= 64


def test_a_payload_over_64_bytes_is_refused() -> None:
    with pytest.raises(ValueError, match="callback data is 66 bytes, over 64"):
        encode(AskExample("q" * 64))
    with pytest.raises(ValueError, match="callback data is 65 bytes"):
        encode(AskExample("é" * 31 + "q"))  # 2 + 62 + 1 bytes: bytes count, not characters


def test_plain_short_ids_are_their_own_key() -> None:
    assert entry_key("back-end-engineer") == "back-end-engineer"
    assert entry_key("ci_cd") == "ci_cd"


def test_long_or_unusual_ids_get_a_stable_deep_link_safe_hash() -> None:
    for entry_id in ("x" * 41, "Back end engineer", "café", "a/b"):
        key = entry_key(entry_id)
        assert re.fullmatch(r"h[a-z2-7]{16}", key), key
    assert entry_key("Back end engineer") == entry_key("Back end engineer")
    assert entry_key("Back end engineer") != entry_key("back end engineer")


def test_keys_resolve_in_the_current_entries() -> None:
    entries = {"api": "API entry", "Back end engineer": "BE entry"}
    assert resolve_entry_key("api", entries) == "API entry"
    assert resolve_entry_key(entry_key("Back end engineer"), entries) == "BE entry"
    assert resolve_entry_key("gone", entries) is None
