"""The question log on a real SQLite file: rows, feedback, privacy, retention, failures."""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.storage import QuestionStore, StoredQuestion


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def rows(path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT id, asked_at, chat_type, user_hash, question, top_entry, top_score,"
            " answered, feedback, logged FROM questions ORDER BY id"
        ).fetchall()


def ask(store: QuestionStore, question: str = "what is an API", **kwargs: object) -> int | None:
    values: dict[str, object] = {
        "chat_type": "private",
        "user_id": 42,
        "question": question,
        "top_entry": "api",
        "top_score": 3.5,
        "answered": True,
    }
    values.update(kwargs)
    return store.record(**values)  # type: ignore[arg-type]


def test_a_question_is_stored_with_a_salted_user_hash(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "q.sqlite3"
    store = QuestionStore(path, salt="pepper", clock=Clock())
    question_id = ask(store)
    assert question_id == 1
    expected_hash = hashlib.sha256(b"pepper42").hexdigest()
    assert rows(path) == [
        (
            1,
            "2024-05-01T12:00:00+00:00",
            "private",
            expected_hash,
            "what is an API",
            "api",
            3.5,
            1,
            None,
            1,
        )
    ]
    assert store.get(1) == StoredQuestion(1, "what is an API", "private", True, None)
    assert store.get(2) is None


def test_the_database_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    ask(QuestionStore(path))
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_rows_and_feedback_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    first = QuestionStore(path)
    question_id = ask(first)
    first.close()
    second = QuestionStore(path)
    assert question_id is not None
    assert second.set_feedback(question_id, -1) is True
    assert second.set_feedback(999, 1) is False
    stored = second.get(question_id)
    assert stored is not None
    assert stored.feedback == -1


def test_feedback_must_be_plus_or_minus_one(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="feedback is 1 or -1"):
        QuestionStore(tmp_path / "q.sqlite3").set_feedback(1, 5)


def test_a_random_salt_is_created_once_and_kept_in_meta(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    ask(QuestionStore(path))
    ask(QuestionStore(path))  # a restart reuses the salt
    with sqlite3.connect(path) as conn:
        (salt,) = conn.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()
    assert len(salt) == 32
    expected = hashlib.sha256(f"{salt}42".encode()).hexdigest()
    assert [row[3] for row in rows(path)] == [expected, expected]


def test_with_the_query_log_off_rows_keep_button_state_but_no_user(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    store = QuestionStore(path, query_log=False)
    assert ask(store) == 1
    (row,) = rows(path)
    assert row[3] is None  # user_hash
    assert row[4] == "what is an API"  # kept for "More answers"
    assert row[9] == 0  # logged
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM meta").fetchone() == (0,)


def test_old_rows_are_deleted_at_start_and_then_daily(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    clock = Clock()
    store = QuestionStore(path, retention_days=30, clock=clock)
    ask(store, "old")  # the first write purges (nothing yet)
    clock.now += timedelta(days=20)
    ask(store, "newer")
    clock.now += timedelta(days=15)  # "old" is now 35 days old, "newer" 15
    assert QuestionStore(path, retention_days=30, clock=clock).purge() == 1
    assert [row[4] for row in rows(path)] == ["newer"]
    clock.now += timedelta(days=16)  # a day after the last purge of `store`
    ask(store, "latest")  # ...so this write purges "newer" (31 days old)
    assert [row[4] for row in rows(path)] == ["latest"]


def test_retention_zero_keeps_everything(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    clock = Clock()
    store = QuestionStore(path, retention_days=0, clock=clock)
    ask(store)
    clock.now += timedelta(days=3650)
    assert store.purge() == 0
    assert len(rows(path)) == 1


def test_popular_entries_count_answered_questions(tmp_path: Path) -> None:
    store = QuestionStore(tmp_path / "q.sqlite3")
    for entry in ("sql", "api", "sql", "cto", "api", "sql"):
        ask(store, top_entry=entry)
    ask(store, top_entry="mvp", answered=False)
    assert store.popular_entries(3) == ["sql", "api", "cto"]


def test_a_corrupt_database_is_logged_once_and_answers_go_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "q.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    store = QuestionStore(path)
    with caplog.at_level(logging.ERROR, logger="bot.storage"):
        assert ask(store) is None
        assert ask(store) is None
        assert store.get(1) is None
        assert store.set_feedback(1, 1) is False
        assert store.popular_entries(5) == []
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "could not record a question" in errors[0].getMessage()
    # once the file is fixed, the store recovers by itself
    path.unlink()
    with caplog.at_level(logging.WARNING, logger="bot.storage"):
        assert ask(store) == 1
    assert "works again" in caplog.records[-1].getMessage()


def test_an_unwritable_location_does_not_raise(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    store = QuestionStore(blocker / "q.sqlite3")  # parent is a file: cannot be created
    assert ask(store) is None


def test_a_locked_database_does_not_raise(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.storage.BUSY_TIMEOUT_MS", 50)
    path = tmp_path / "q.sqlite3"
    store = QuestionStore(path)
    ask(store)
    store.close()
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        assert ask(QuestionStore(path)) is None
    finally:
        locker.rollback()
        locker.close()


def test_from_settings_follows_the_query_log_settings(tmp_path: Path) -> None:
    settings = Settings(
        database_path=tmp_path / "q.sqlite3",
        query_log=False,
        query_log_retention_days=7,
        query_log_salt="s",
    )
    store = QuestionStore.from_settings(settings)
    assert (store.path, store.query_log, store.retention_days) == (tmp_path / "q.sqlite3", False, 7)
