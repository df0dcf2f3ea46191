"""The question-log report: periods, grouping, read-only access and the command's output."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

import bot.cli.report as report_cli
from bot.cli import main
from bot.report import (
    LoggedQuestion,
    MissingQuestionLogError,
    QuestionGroup,
    QuestionLogError,
    build_report,
    count_disliked,
    group_similar,
    parse_since,
    read_questions,
)

NOW = datetime(2024, 3, 20, 12, 0, tzinfo=UTC)

# The schema bot/storage.py writes (copied here so these tests do not depend on its code).
SCHEMA = """
CREATE TABLE questions (
    id INTEGER PRIMARY KEY, asked_at TEXT NOT NULL, chat_type TEXT NOT NULL, user_hash TEXT,
    question TEXT NOT NULL, top_entry TEXT, top_score REAL, answered INTEGER NOT NULL,
    feedback INTEGER, logged INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

Row = tuple[str, str, str | None, int, int | None, int]  # asked_at, question, entry, ...

ROWS: list[Row] = [
    ("2024-03-19T09:00:00+00:00", "What is an API?", "api", 1, None, 1),
    ("2024-03-19T09:05:00+00:00", "what is an api", "api", 1, -1, 1),
    ("2024-03-19T10:00:00Z", "what does a CTO do", "cto", 1, -1, 1),
    ("2024-03-19T10:01:00.250000+00:00", "what does a cto do?", "cto", 1, -1, 1),
    ("2024-03-18T08:00:00+00:00", "how do I get VPN access", None, 0, None, 1),
    ("2024-03-18T08:30:00+00:00", "VPN access?", None, 0, None, 1),
    ("2024-03-18T09:00:00+00:00", "vpn access", None, 0, None, 1),
    ("2024-03-17T12:00:00+00:00", "parental leave policy", "fintech", 0, None, 1),
    ("2024-03-17T12:00:01+00:00", "parental leave", None, 0, None, 1),
    ("2024-03-19T11:00:00+00:00", "not logged: QUERY_LOG=off", "sql", 1, None, 0),
    ("2024-03-01T12:00:00+00:00", "too old for the period", "sql", 1, None, 1),
]


def make_db(path: Path, rows: list[Row] = ROWS) -> Path:
    connection = sqlite3.connect(path)
    connection.executescript(SCHEMA)
    connection.executemany(
        "INSERT INTO questions (asked_at, chat_type, question, top_entry, answered, feedback,"
        " logged) VALUES (?, 'private', ?, ?, ?, ?, ?)",
        rows,
    )
    connection.commit()
    connection.close()
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", datetime(2024, 3, 13, 12, 0, tzinfo=UTC)),
        ("24h", datetime(2024, 3, 19, 12, 0, tzinfo=UTC)),
        ("2w", datetime(2024, 3, 6, 12, 0, tzinfo=UTC)),
        ("2024-03-19", datetime(2024, 3, 19, 0, 0, tzinfo=UTC)),
        ("2024-03-19T12:00:00+02:00", datetime(2024, 3, 19, 10, 0, tzinfo=UTC)),
    ],
)
def test_since_accepts_periods_and_dates(text: str, expected: datetime) -> None:
    assert parse_since(text, NOW) == expected


def test_since_rejects_anything_else() -> None:
    with pytest.raises(ValueError) as caught:
        parse_since("last week", NOW)
    assert str(caught.value) == (
        "--since 'last week' is not a period or a date: use e.g. 7d, 24h, 2w or 2024-03-19"
    )


def test_only_logged_questions_of_the_period_are_read(tmp_path: Path) -> None:
    db = make_db(tmp_path / "log.sqlite3")
    questions = read_questions(db, datetime(2024, 3, 17, 12, 0, 1, tzinfo=UTC))
    assert [q.question for q in questions] == [
        "parental leave",
        "how do I get VPN access",
        "VPN access?",
        "vpn access",
        "What is an API?",
        "what is an api",
        "what does a CTO do",
        "what does a cto do?",
    ]
    assert questions[-1] == LoggedQuestion(
        datetime(2024, 3, 19, 10, 1, 0, 250000, tzinfo=UTC), "what does a cto do?", "cto", True, -1
    )


def test_reading_never_changes_or_creates_the_database(tmp_path: Path) -> None:
    db = make_db(tmp_path / "log.sqlite3")
    before = digest(db)
    read_questions(db, NOW.replace(year=2000))
    assert digest(db) == before
    missing = tmp_path / "data" / "none.sqlite3"
    with pytest.raises(MissingQuestionLogError) as caught:
        read_questions(missing, NOW)
    assert str(caught.value) == f"no questions logged yet (no database at {missing})"
    assert not missing.exists()
    assert not missing.parent.exists()


def test_a_database_without_questions_is_an_empty_log(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    sqlite3.connect(db).close()  # an empty SQLite file
    with pytest.raises(MissingQuestionLogError) as caught:
        read_questions(db, NOW)
    assert str(caught.value) == f"no questions logged yet ({db} has no question table)"


def test_a_file_that_is_not_a_database_is_an_error(tmp_path: Path) -> None:
    db = tmp_path / "notes.txt"
    db.write_text("this is not SQLite " * 100, encoding="utf-8")
    with pytest.raises(QuestionLogError) as caught:
        read_questions(db, NOW)
    assert str(caught.value) == (
        f"cannot read the question log {db} (file is not a database): check that "
        "DATABASE_PATH or --db names the bot's database file"
    )


def test_similar_unanswered_questions_are_grouped_biggest_first() -> None:
    questions = [
        "parental leave",
        "how do I get VPN access",
        "VPN access?",
        "vpn access",
        "parental leave policy",
        "sick leave",
    ]
    assert group_similar(questions) == [
        QuestionGroup("VPN access?", 3, ("how do I get VPN access", "vpn access")),
        QuestionGroup("parental leave", 2, ("parental leave policy",)),
        QuestionGroup("sick leave", 1),
    ]
    # The same questions in another order give the same groups.
    assert group_similar(reversed(questions)) == group_similar(questions)


def test_a_one_word_question_is_not_swallowed_by_a_longer_one() -> None:
    assert group_similar(["api", "api gateway", "API?"]) == [
        QuestionGroup("API?", 2, ("api",)),
        QuestionGroup("api gateway", 1),
    ]


def test_thumbs_down_are_counted_by_question_and_entry() -> None:
    at = NOW
    disliked = [
        LoggedQuestion(at, "what does a CTO do", "cto", True, -1),
        LoggedQuestion(at, "what does a cto do?", "cto", True, -1),
        LoggedQuestion(at, "what does a cto do", "tech-lead", True, -1),
        LoggedQuestion(at, "what is an api", "api", True, -1),
    ]
    assert count_disliked(disliked) == [
        QuestionGroup("what does a CTO do", 2, ("what does a cto do?",), "cto"),
        QuestionGroup("what does a cto do", 1, (), "tech-lead"),
        QuestionGroup("what is an api", 1, (), "api"),
    ]


def test_the_report_lists_entries_never_shown(tmp_path: Path) -> None:
    since = datetime(2024, 3, 13, tzinfo=UTC)
    questions = read_questions(make_db(tmp_path / "log.sqlite3"), since)
    report = build_report(questions, ["api", "cto", "fintech", "sql", "mvp"], since=since)
    assert (report.asked, report.answered, report.disliked) == (9, 4, 3)
    assert report.never_shown == ("mvp", "sql")  # sql was only top entry outside the log
    assert build_report(questions, None, since=since).never_shown is None


def test_the_report_command_prints_every_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = make_db(tmp_path / "log.sqlite3")
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    for entry_id in ("api", "cto", "mvp", "sql"):
        (knowledge / f"{entry_id}.md").write_text(
            f"---\ntitle: {entry_id.upper()}\n---\nText.\n", encoding="utf-8"
        )
    monkeypatch.setattr(report_cli, "now", lambda: NOW)
    monkeypatch.chdir(tmp_path)
    csv_path = tmp_path / "report.csv"
    args = ["report", "--db", str(db), "--knowledge", str(knowledge), "--csv", str(csv_path)]
    assert main(args) == 0
    assert capsys.readouterr().out == (
        "Questions since 2024-03-13 12:00 UTC: 9 asked, 4 answered (44%), 5 unanswered, "
        "3 marked 👎\n"
        "\n"
        "Most asked (question → entry that answered it):\n"
        "     3  VPN access? → (no answer)  (also: how do I get VPN access; vpn access)\n"
        "     2  What is an API? → api  (also: what is an api)\n"
        "     2  parental leave → (no answer)  (also: parental leave policy)\n"
        "     2  what does a CTO do → cto  (also: what does a cto do?)\n"
        "\n"
        "Unanswered (similar questions counted together):\n"
        "     3  VPN access?  (also: how do I get VPN access; vpn access)\n"
        "     2  parental leave  (also: parental leave policy)\n"
        "\n"
        "Answers marked 👎 (question → entry):\n"
        "     2  what does a CTO do → cto  (also: what does a cto do?)\n"
        "     1  what is an api → api\n"
        "\n"
        "Entries never shown (2):\n"
        "  mvp, sql\n"
        f"CSV written to {csv_path}\n"
    )
    assert csv_path.read_text(encoding="utf-8").splitlines() == [
        "list,count,question,entry,also asked as",
        "most asked,3,VPN access?,,how do I get VPN access; vpn access",
        "most asked,2,What is an API?,api,what is an api",
        "most asked,2,parental leave,,parental leave policy",
        "most asked,2,what does a CTO do,cto,what does a cto do?",
        "unanswered,3,VPN access?,,how do I get VPN access; vpn access",
        "unanswered,2,parental leave,,parental leave policy",
        "thumbs down,2,what does a CTO do,cto,what does a cto do?",
        "thumbs down,1,what is an api,api,",
        "never shown,0,,mvp,",
        "never shown,0,,sql,",
    ]


def test_without_a_database_the_report_says_so_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_PATH", raising=False)
    assert main(["report"]) == 0
    assert capsys.readouterr().out == (
        "No questions logged yet (no database at data/glossary-bot.sqlite3): "
        "the bot logs questions as people ask them.\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_bad_period_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--since", "yesterday", "--db", str(tmp_path / "x")]) == 2
    assert capsys.readouterr().err == (
        "Error: --since 'yesterday' is not a period or a date: use e.g. 7d, 24h, 2w or 2024-03-19\n"
    )


def test_an_unknown_knowledge_folder_leaves_never_shown_unknown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = make_db(tmp_path / "log.sqlite3")
    monkeypatch.setattr(report_cli, "now", lambda: NOW)
    missing = tmp_path / "nope"
    assert main(["report", "--db", str(db), "--knowledge", str(missing), "--top", "1"]) == 0
    out = capsys.readouterr().out
    assert out.endswith(
        f"Entries never shown: unknown (knowledge folder {missing} does not exist: create it "
        "or pass --knowledge DIR)\n"
    )
    assert "Most asked (question → entry that answered it):\n     3  VPN access?" in out
    assert "     2  What is an API?" not in out  # --top 1
