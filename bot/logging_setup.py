"""Logging for ``glossary-bot run``: levels, one format, and secrets kept out of every line.

Bot API URLs carry the token (``/bot<token>/sendMessage``) and python-telegram-bot logs that
URL at DEBUG; the HTTP client (``bot.telegram_http``; httpx before it) logs request URLs too.
So besides keeping those loggers at WARNING, a filter on the root handlers replaces the token
and the webhook secret with ``<token>``/``<secret>`` in every record, tracebacks included
(belt and braces).
Configured only here, from the entry point, never at import time.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import TextIO

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
QUIET_LOGGERS = ("bot.telegram_http", "httpx", "httpcore")


class RedactingFilter(logging.Filter):
    """Replaces secrets in a record's message, arguments and traceback text."""

    def __init__(self, secrets: Iterable[tuple[str, str]]) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is replaced whole.
        self.secrets = sorted(((s, r) for s, r in secrets if s), key=lambda p: -len(p[0]))

    def _clean(self, text: str) -> str:
        for secret, replacement in self.secrets:
            text = text.replace(secret, replacement)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it."""
        if not self.secrets:
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed call; logging reports it itself
            return True
        cleaned = self._clean(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        if record.stack_info:
            record.stack_info = self._clean(record.stack_info)
        return True


def configure_logging(
    level: str,
    *,
    token: str | None,
    webhook_secret: str | None = None,
    stream: TextIO | None = None,
) -> logging.Handler:
    """Send log records at ``level`` and above to ``stream`` (default stderr), secrets redacted.

    Replaces handlers an earlier ``basicConfig`` installed, so every line goes through the
    filter. Returns the handler (tests read what it wrote).
    """
    root = logging.getLogger()
    for old in list(root.handlers):
        if type(old) is logging.StreamHandler:  # what basicConfig installed; not pytest's
            root.removeHandler(old)
    handler = logging.StreamHandler(sys.stderr if stream is None else stream)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(
        RedactingFilter([(token or "", "<token>"), (webhook_secret or "", "<secret>")])
    )
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler
