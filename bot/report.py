"""What people asked: the question-log report for content owners and HR.

Reads the SQLite question log that ``bot.storage`` writes (only rows with ``logged = 1``:
with ``QUERY_LOG=off`` rows exist for the buttons but must not be reported), always
read-only through a ``file:...?mode=ro`` URI, so a report can never create, lock for
writing or change the bot's database. Four lists come out of it:

- the most asked questions, counted after analysis ("What is an API?" and "what's an
  api" are one question);
- unanswered questions grouped by similarity: greedily, biggest first, a question joins
  the first group whose first question has a rapidfuzz ``token_sort_ratio`` of at least
  ``SIMILAR_QUESTIONS`` on analysed terms (deterministic: ties break on the text);
- answers marked 👎, by question and entry;
- entries of the knowledge folder that were never the top answer in the period.
"""

from __future__ import annotations

import dataclasses
import re
import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rapidfuzz import fuzz

from retrieval.analysis import analyze

SIMILAR_QUESTIONS = 80.0
MAX_VARIANTS = 3
_PERIOD = re.compile(r"^(\d{1,5})\s*([hdw])$", re.IGNORECASE)
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


class MissingQuestionLogError(Exception):
    """There is no question log to report on yet (not an error: the bot is new)."""


class QuestionLogError(Exception):
    """The question log exists but cannot be read; the message says what to check."""


@dataclass(frozen=True, slots=True)
class LoggedQuestion:
    """One logged question, as the report needs it."""

    asked_at: datetime
    question: str
    top_entry: str | None
    answered: bool
    feedback: int | None


@dataclass(frozen=True, slots=True)
class QuestionGroup:
    """Questions counted together: the most common wording and the others."""

    question: str
    count: int
    variants: tuple[str, ...] = ()
    entry: str | None = None


@dataclass(frozen=True, slots=True)
class Report:
    """Everything ``glossary-bot report`` shows; ``never_shown`` is None without knowledge."""

    since: datetime
    asked: int
    answered: int
    disliked: int
    most_asked: tuple[QuestionGroup, ...]
    unanswered: tuple[QuestionGroup, ...]
    thumbs_down: tuple[QuestionGroup, ...]
    never_shown: tuple[str, ...] | None


def parse_since(text: str, now: datetime) -> datetime:
    """``7d``, ``24h``, ``2w`` before ``now``, or a date (``2024-03-19``, UTC midnight)."""
    value = text.strip()
    match = _PERIOD.match(value)
    if match:
        amount, unit = int(match.group(1)), match.group(2).lower()
        return now - timedelta(**{_UNITS[unit]: amount})
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"--since {text!r} is not a period or a date: use e.g. 7d, 24h, 2w or 2024-03-19"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def read_questions(db: Path, since: datetime) -> list[LoggedQuestion]:
    """Logged questions asked at or after ``since``, oldest first; never writes to ``db``."""
    if not db.is_file():
        raise MissingQuestionLogError(f"no questions logged yet (no database at {db})")
    uri = db.resolve().as_uri() + "?mode=ro"
    # Compare on the date first (safe for any ISO-8601 spelling), then exactly in Python.
    day = (since.astimezone(UTC) - timedelta(days=1)).date().isoformat()
    try:
        connection = sqlite3.connect(uri, uri=True, timeout=5)
        try:
            rows = connection.execute(
                "SELECT asked_at, question, top_entry, answered, feedback FROM questions "
                "WHERE logged = 1 AND asked_at >= ? ORDER BY asked_at, id",
                (day,),
            ).fetchall()
        finally:
            connection.close()
    except sqlite3.Error as exc:
        if "no such table" in str(exc):
            raise MissingQuestionLogError(
                f"no questions logged yet ({db} has no question table)"
            ) from None
        raise QuestionLogError(
            f"cannot read the question log {db} ({exc}): check that DATABASE_PATH or --db "
            "names the bot's database file"
        ) from None
    questions = []
    for asked_at, question, top_entry, answered, feedback in rows:
        moment = _parse_moment(str(asked_at))
        if moment is not None and moment >= since:
            questions.append(
                LoggedQuestion(moment, str(question), top_entry, bool(answered), feedback)
            )
    return questions


def _parse_moment(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def question_key(question: str) -> str:
    """What makes two questions the same: their analysed terms (else the folded text)."""
    return " ".join(analyze(question)) or " ".join(question.casefold().split())


def build_report(
    questions: Sequence[LoggedQuestion],
    entry_ids: Iterable[str] | None,
    *,
    since: datetime,
    top: int = 10,
) -> Report:
    """Count and group ``questions``; ``entry_ids`` are the knowledge folder's entries."""
    unanswered = [q.question for q in questions if not q.answered]
    disliked = [q for q in questions if q.feedback == -1]
    shown = {q.top_entry for q in questions if q.top_entry}
    return Report(
        since=since,
        asked=len(questions),
        answered=sum(q.answered for q in questions),
        disliked=len(disliked),
        most_asked=tuple(
            _with_entries(count_questions(q.question for q in questions)[:top], questions)
        ),
        unanswered=tuple(group_similar(unanswered)[:top]),
        thumbs_down=tuple(count_disliked(disliked)[:top]),
        never_shown=None if entry_ids is None else tuple(sorted(set(entry_ids) - shown)),
    )


def _with_entries(
    groups: Sequence[QuestionGroup], questions: Sequence[LoggedQuestion]
) -> list[QuestionGroup]:
    """Each group with the entry most often given as its top answer."""
    entries: dict[str, Counter[str]] = {}
    for q in questions:
        if q.top_entry:
            entries.setdefault(question_key(q.question), Counter())[q.top_entry] += 1
    result = []
    for group in groups:
        counts = entries.get(question_key(group.question))
        entry = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0] if counts else None
        result.append(dataclasses.replace(group, entry=entry))
    return result


def count_questions(questions: Iterable[str]) -> list[QuestionGroup]:
    """Identical questions (after analysis) counted, most asked first."""
    groups = _by_key(questions)
    return [_group(wordings) for _, wordings in _ranked(groups)]


def group_similar(questions: Iterable[str]) -> list[QuestionGroup]:
    """Similar questions counted together, biggest group first."""
    merged: list[tuple[str, Counter[str]]] = []
    for key, wordings in _ranked(_by_key(questions)):
        for first_key, group in merged:
            if fuzz.token_sort_ratio(key, first_key, score_cutoff=SIMILAR_QUESTIONS):
                group.update(wordings)
                break
        else:
            merged.append((key, Counter(wordings)))
    groups = [_group(wordings) for _, wordings in merged]
    return sorted(groups, key=lambda g: (-g.count, g.question))


def count_disliked(questions: Iterable[LoggedQuestion]) -> list[QuestionGroup]:
    """👎 answers counted by (question, entry), most disliked first."""
    by_pair: dict[tuple[str, str], Counter[str]] = {}
    for q in questions:
        by_pair.setdefault((question_key(q.question), q.top_entry or ""), Counter())[
            " ".join(q.question.split())
        ] += 1
    groups = [_group(wordings, entry or None) for (_, entry), wordings in by_pair.items()]
    return sorted(groups, key=lambda g: (-g.count, g.question, g.entry or ""))


def _by_key(questions: Iterable[str]) -> dict[str, Counter[str]]:
    groups: dict[str, Counter[str]] = {}
    for question in questions:
        wording = " ".join(question.split())
        groups.setdefault(question_key(wording), Counter())[wording] += 1
    return groups


def _ranked(groups: dict[str, Counter[str]]) -> list[tuple[str, Counter[str]]]:
    return sorted(groups.items(), key=lambda kv: (-kv[1].total(), kv[0]))


def _group(wordings: Counter[str], entry: str | None = None) -> QuestionGroup:
    """The most common wording (ties: alphabetical) represents the group."""
    ordered = sorted(wordings.items(), key=lambda kv: (-kv[1], kv[0]))
    return QuestionGroup(
        question=ordered[0][0],
        count=wordings.total(),
        variants=tuple(w for w, _ in ordered[1 : 1 + MAX_VARIANTS]),
        entry=entry,
    )
