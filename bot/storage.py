"""The question log: one SQLite file for button state, feedback and ``glossary-bot report``.

Buttons ("More answers", feedback) point at a question row, so they keep working after a
restart and across several bot processes sharing the file (WAL mode, a busy timeout).
Schema, read by ``glossary-bot report`` (keep the names)::

    questions(id, asked_at /* UTC ISO-8601 */, chat_type, user_hash, question, top_entry,
              top_score, answered, feedback /* 1, -1 or NULL */, logged)
    meta(key, value)

User ids are stored only as ``sha256(salt + user id)``. With ``QUERY_LOG=off`` rows are
still written, because buttons need the question, but with ``logged = 0`` and no user hash.
A locked, full or corrupt database must never stop answers: every ``sqlite3.Error`` is
caught, logged once until the database works again, and turned into "nothing stored".
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from bot.config import Settings

logger = logging.getLogger(__name__)

T = TypeVar("T")

BUSY_TIMEOUT_MS = 5000
PURGE_EVERY = timedelta(days=1)
SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY,
    asked_at TEXT NOT NULL,
    chat_type TEXT NOT NULL,
    user_hash TEXT,
    question TEXT NOT NULL,
    top_entry TEXT,
    top_score REAL,
    answered INTEGER NOT NULL,
    feedback INTEGER,
    logged INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS questions_asked_at ON questions (asked_at);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class StoredQuestion:
    """A question row as the buttons need it."""

    id: int
    question: str
    chat_type: str
    answered: bool
    feedback: int | None


class QuestionStore:
    """Questions, feedback and button state in one SQLite file; never raises ``sqlite3.Error``.

    Methods are synchronous and thread-safe; the bot calls them through
    ``asyncio.to_thread`` so a busy database never blocks other chats.
    """

    def __init__(
        self,
        path: Path,
        *,
        query_log: bool = True,
        retention_days: int = 90,
        salt: str | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.path = path
        self.query_log = query_log
        self.retention_days = retention_days
        self._salt = salt
        self._clock = clock
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._failing = False
        self._last_purge: datetime | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> QuestionStore:
        """The store the settings describe (the file is created on first use)."""
        return cls(
            settings.database_path,
            query_log=settings.query_log,
            retention_days=settings.query_log_retention_days,
            salt=settings.query_log_salt,
        )

    def record(
        self,
        *,
        chat_type: str,
        user_id: int | None,
        question: str,
        top_entry: str | None,
        top_score: float | None,
        answered: bool,
    ) -> int | None:
        """Store one question and return its row id (None when the database is unavailable)."""

        def insert(conn: sqlite3.Connection) -> int | None:
            user_hash = None
            if self.query_log and user_id is not None:
                user_hash = self._hash_user(conn, user_id)
            cursor = conn.execute(
                "INSERT INTO questions (asked_at, chat_type, user_hash, question, top_entry,"
                " top_score, answered, logged) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    _iso(self._clock()),
                    chat_type,
                    user_hash,
                    question,
                    top_entry,
                    top_score,
                    int(answered),
                    int(self.query_log),
                ),
            )
            return cursor.lastrowid

        row_id = self._run("record a question", insert)
        if row_id is not None and self._purge_due():
            self.purge()
        return row_id

    def get(self, question_id: int) -> StoredQuestion | None:
        """The stored question, or None when it is gone (or the database is unavailable)."""

        def select(conn: sqlite3.Connection) -> StoredQuestion | None:
            row = conn.execute(
                "SELECT id, question, chat_type, answered, feedback FROM questions WHERE id = ?",
                (question_id,),
            ).fetchone()
            if row is None:
                return None
            return StoredQuestion(row[0], row[1], row[2], bool(row[3]), row[4])

        return self._run("read a question", select)

    def set_feedback(self, question_id: int, value: int) -> bool:
        """Record 1 or -1 for a question; False when the row is gone or not writable."""
        if value not in (1, -1):
            raise ValueError("feedback is 1 or -1")

        def update(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(
                "UPDATE questions SET feedback = ? WHERE id = ?", (value, question_id)
            )
            return cursor.rowcount == 1

        return self._run("record feedback", update) or False

    def popular_entries(self, limit: int) -> list[str]:
        """Entry ids answered most often, most popular first (ties by id)."""

        def select(conn: sqlite3.Connection) -> list[str]:
            rows = conn.execute(
                "SELECT top_entry FROM questions WHERE answered = 1 AND top_entry IS NOT NULL"
                " GROUP BY top_entry ORDER BY COUNT(*) DESC, top_entry LIMIT ?",
                (limit,),
            ).fetchall()
            return [str(row[0]) for row in rows]

        return self._run("read popular entries", select) or []

    def purge(self) -> int:
        """Delete rows older than the retention period; returns how many went."""
        now = self._clock()
        self._last_purge = now
        if self.retention_days <= 0:
            return 0
        cutoff = _iso(now - timedelta(days=self.retention_days))

        def delete(conn: sqlite3.Connection) -> int:
            return conn.execute("DELETE FROM questions WHERE asked_at < ?", (cutoff,)).rowcount

        deleted = self._run("delete old questions", delete) or 0
        if deleted:
            logger.info("Deleted %d questions older than %d days", deleted, self.retention_days)
        return deleted

    def close(self) -> None:
        """Close the database file."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _purge_due(self) -> bool:
        return self._last_purge is None or self._clock() - self._last_purge >= PURGE_EVERY

    def _hash_user(self, conn: sqlite3.Connection, user_id: int) -> str:
        if self._salt is None:
            # INSERT OR IGNORE then SELECT: two processes starting together agree on one salt.
            conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('salt', ?)",
                (secrets.token_hex(16),),
            )
            self._salt = str(
                conn.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()[0]
            )
        return hashlib.sha256(f"{self._salt}{user_id}".encode()).hexdigest()

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.executescript(SCHEMA)
        except sqlite3.Error:
            conn.close()
            raise
        return conn

    def _run(self, action: str, work: Callable[[sqlite3.Connection], T]) -> T | None:
        """Run ``work`` in its own transaction; on a database error log once and return None."""
        with self._lock:
            try:
                if self._conn is None:
                    self._conn = self._connect()
                with self._conn:  # BEGIN ... COMMIT, or ROLLBACK on error
                    self._conn.execute("BEGIN")
                    result = work(self._conn)
            except (sqlite3.Error, OSError) as exc:
                if not self._failing:
                    logger.error(
                        "Question log %s unavailable (could not %s: %s); answers go on "
                        "without it and buttons on affected answers will say they expired",
                        self.path,
                        action,
                        exc,
                    )
                    self._failing = True
                if self._conn is not None:
                    self._conn.close()
                    self._conn = None  # reconnect next time: the file may have been fixed
                return None
            if self._failing:
                logger.warning("Question log %s works again", self.path)
                self._failing = False
            return result
