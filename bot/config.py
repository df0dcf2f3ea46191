"""Settings: the only code that reads the environment (and ``.env``).

Every setting is documented in ``.env.example``. Values come from the process
environment first, then from a ``.env`` file in the working directory. The token and the
webhook secret are kept out of ``repr`` so they never reach a log line or a traceback.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

TOKEN_PATTERN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(Exception):
    """A setting is missing or malformed; the message says which and how to fix it."""


def _flag(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be on or off, not {value!r}")


def _int(value: str, name: str, *, minimum: int = 0) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {number}")
    return number


def _user_ids(value: str) -> frozenset[int]:
    ids: set[int] = set()
    for raw in value.replace(";", ",").split(","):
        part = raw.strip()
        if not part:
            continue
        if not part.lstrip("-").isdigit():
            raise ConfigError(
                f"ADMIN_USER_IDS must be numeric Telegram user ids separated by commas, "
                f"not {part!r} (ask @userinfobot for yours)"
            )
        ids.add(int(part))
    return frozenset(ids)


@dataclass(frozen=True, slots=True)
class Settings:
    """Typed settings for the bot and the command line."""

    knowledge_dir: Path = Path("knowledge")
    telegram_bot_token: str | None = field(default=None, repr=False)
    telegram_api_base_url: str = "https://api.telegram.org"
    admin_user_ids: frozenset[int] = frozenset()
    glossary_base_url: str | None = None
    log_level: str = "INFO"
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    database_path: Path = Path("data/glossary-bot.sqlite3")
    query_log: bool = True
    query_log_retention_days: int = 90
    query_log_salt: str | None = field(default=None, repr=False)
    watch_knowledge: bool = True
    index_cache_dir: Path | None = Path("data/cache")

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, dotenv_path: Path | None = Path(".env")
    ) -> Settings:
        """Read settings from ``environ`` (default ``os.environ``) over a ``.env`` file."""
        values: dict[str, str] = {}
        if dotenv_path is not None and dotenv_path.is_file():
            values.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
        values.update(os.environ if environ is None else environ)

        def get(name: str) -> str | None:
            value = values.get(name)
            return value.strip() if value is not None and value.strip() else None

        level = (get("LOG_LEVEL") or "INFO").upper()
        if level not in LOG_LEVELS:
            raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {level!r}")
        cache = get("INDEX_CACHE_DIR")
        return cls(
            knowledge_dir=Path(get("KNOWLEDGE_DIR") or "knowledge"),
            telegram_bot_token=get("TELEGRAM_BOT_TOKEN"),
            telegram_api_base_url=(
                get("TELEGRAM_API_BASE_URL") or "https://api.telegram.org"
            ).rstrip("/"),
            admin_user_ids=_user_ids(get("ADMIN_USER_IDS") or ""),
            glossary_base_url=get("GLOSSARY_BASE_URL"),
            log_level=level,
            webhook_url=get("WEBHOOK_URL"),
            webhook_secret=get("WEBHOOK_SECRET"),
            webhook_listen=get("WEBHOOK_LISTEN") or "0.0.0.0",
            webhook_port=_int(get("WEBHOOK_PORT") or "8443", "WEBHOOK_PORT", minimum=1),
            database_path=Path(get("DATABASE_PATH") or "data/glossary-bot.sqlite3"),
            query_log=_flag(get("QUERY_LOG") or "on", "QUERY_LOG"),
            query_log_retention_days=_int(
                get("QUERY_LOG_RETENTION_DAYS") or "90", "QUERY_LOG_RETENTION_DAYS"
            ),
            query_log_salt=get("QUERY_LOG_SALT"),
            watch_knowledge=_flag(get("WATCH_KNOWLEDGE") or "on", "WATCH_KNOWLEDGE"),
            index_cache_dir=None if (cache or "").lower() == "off" else Path(cache or "data/cache"),
        )

    def require_token(self) -> str:
        """The bot token, or a ``ConfigError`` that says where to get one."""
        token = self.telegram_bot_token
        if not token:
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and put its "
                "token in .env (see .env.example)"
            )
        if not TOKEN_PATTERN.match(token):
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN does not look like a bot token (expected digits, ':' and "
                "at least 30 letters, digits, '_' or '-'): copy it again from @BotFather"
            )
        return token
