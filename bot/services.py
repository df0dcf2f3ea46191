"""What every handler may use, built once at start-up and kept in ``bot_data``."""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram.ext import ContextTypes

from bot.config import Settings
from bot.flood import FloodGate
from bot.holder import GlossaryHolder
from bot.storage import QuestionStore

SERVICES_KEY = "services"


@dataclass(slots=True)
class Counters:
    """Questions since start, for /stats (per process, on purpose: it says "since start")."""

    asked: int = 0
    answered: int = 0


@dataclass(frozen=True, slots=True)
class Services:
    """Settings, the glossary holder, the question store and flood control."""

    settings: Settings
    holder: GlossaryHolder
    store: QuestionStore
    flood: FloodGate = field(default_factory=FloodGate)
    counters: Counters = field(default_factory=Counters)


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    """The services of the application this update came through."""
    found = context.bot_data[SERVICES_KEY]
    if not isinstance(found, Services):  # pragma: no cover - a wiring mistake
        raise TypeError("bot_data['services'] is not set up; use build_application")
    return found
