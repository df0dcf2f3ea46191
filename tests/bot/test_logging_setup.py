"""Secrets never reach a log line: messages, arguments and tracebacks are redacted."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.logging_setup import RedactingFilter, configure_logging

TOKEN = "123456:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQ"


@pytest.fixture
def restore_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_the_token_is_replaced_in_messages_arguments_and_tracebacks(restore_root: None) -> None:
    stream = io.StringIO()
    configure_logging("DEBUG", token=TOKEN, webhook_secret="hook-secret", stream=stream)
    log = logging.getLogger("tests.redaction")
    log.debug("Set Bot API URL: %s", f"https://api.telegram.org/bot{TOKEN}")
    log.info(f"inline https://api.telegram.org/bot{TOKEN}/getMe and hook-secret")
    try:
        raise RuntimeError(f"failed at /bot{TOKEN}/sendMessage")
    except RuntimeError:
        log.exception("with a traceback")
    text = stream.getvalue()
    assert TOKEN not in text
    assert "hook-secret" not in text
    assert "Set Bot API URL: https://api.telegram.org/bot<token>" in text
    assert "/bot<token>/getMe and <secret>" in text
    assert "RuntimeError: failed at /bot<token>/sendMessage" in text


def test_basic_config_handlers_are_replaced_and_httpx_is_quiet(restore_root: None) -> None:
    root = logging.getLogger()
    plain = logging.StreamHandler(io.StringIO())
    root.addHandler(plain)
    logging.getLogger("httpx").setLevel(logging.DEBUG)
    handler = configure_logging("INFO", token=TOKEN, stream=io.StringIO())
    assert plain not in root.handlers
    assert handler in root.handlers
    assert root.level == logging.INFO
    assert logging.getLogger("httpx").level == logging.WARNING
    assert logging.getLogger("httpcore").level == logging.WARNING


def test_a_filter_without_secrets_changes_nothing() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "a %s", ("b",), None)
    assert RedactingFilter([("", "<token>")]).filter(record)
    assert (record.msg, record.args) == ("a %s", ("b",))


def test_a_malformed_record_is_left_to_logging_to_report() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "a %s %s", ("b",), None)
    assert RedactingFilter([(TOKEN, "<token>")]).filter(record)
