"""What people asked: the question-log report for content owners and HR.

Reads the SQLite question log that ``bot.storage`` writes (only rows with ``logged = 1``:
with ``QUERY_LOG=off`` rows exist for the buttons but must not be reported), always
read-only through a ``file:...?mode=ro`` URI, so a report can never create, lock for
writing or change the bot's database. Four lists come out of it:

- the most asked questions and the unanswered ones, each grouped by similarity of their
  analysed terms ("What is an API?" and "what's an api" are one question; see
  ``cluster_questions``);
- answers marked 👎, by question and entry;
- entries of the knowledge folder that were never the top answer in the period.
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rapidfuzz import fuzz, process

from retrieval.analysis import analyze

SIMILAR_QUESTIONS = 80.0
CONTAINED_QUESTION = 90.0
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
    disliked = [q for q in questions if q.feedback == -1]
    shown = {q.top_entry for q in questions if q.top_entry}
    most_asked = [_group(c, entry=_usual_entry(c)) for c in cluster_questions(questions)]
    unanswered = [_group(c) for c in cluster_questions([q for q in questions if not q.answered])]
    return Report(
        since=since,
        asked=len(questions),
        answered=sum(q.answered for q in questions),
        disliked=len(disliked),
        most_asked=tuple(most_asked[:top]),
        unanswered=tuple(unanswered[:top]),
        thumbs_down=tuple(count_disliked(disliked)[:top]),
        never_shown=None if entry_ids is None else tuple(sorted(set(entry_ids) - shown)),
    )


def cluster_questions(questions: Iterable[LoggedQuestion]) -> list[list[LoggedQuestion]]:
    """Similar questions together, biggest cluster first.

    Greedy and deterministic: identical questions (after analysis) are counted first;
    then, from the most asked down (ties by text), each joins the cluster whose first
    question is most alike, or starts a new one. Alike means a ``token_sort_ratio`` of
    ``SIMILAR_QUESTIONS`` (rewordings), or a ``token_set_ratio`` of ``CONTAINED_QUESTION``
    when both have two terms or more ("vpn access" joins "get vpn access", but "api"
    stays apart from "api gateway"). rapidfuzz's ``extractOne`` keeps this fast for
    thousands of distinct questions.
    """
    by_key: dict[str, list[LoggedQuestion]] = {}
    for question in questions:
        by_key.setdefault(question_key(question.question), []).append(question)
    firsts: list[str] = []
    clusters: list[list[LoggedQuestion]] = []
    multi_firsts: list[str] = []  # first questions of two terms or more ...
    multi_clusters: list[int] = []  # ... and the cluster each one starts
    for key, members in sorted(by_key.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        home = _most_alike(key, firsts, fuzz.token_sort_ratio, SIMILAR_QUESTIONS)
        if home is None and len(key.split()) >= 2:
            found = _most_alike(key, multi_firsts, fuzz.token_set_ratio, CONTAINED_QUESTION)
            home = None if found is None else multi_clusters[found]
        if home is not None:
            clusters[home].extend(members)
            continue
        if len(key.split()) >= 2:
            multi_firsts.append(key)
            multi_clusters.append(len(clusters))
        firsts.append(key)
        clusters.append(list(members))
    return sorted(clusters, key=lambda c: (-len(c), _group(c).question))


def _most_alike(
    key: str, choices: Sequence[str], scorer: Callable[..., float], cutoff: float
) -> int | None:
    """Index of the choice most like ``key`` at or above ``cutoff`` (ties: the first)."""
    if not choices:
        return None
    match = process.extractOne(key, choices, scorer=scorer, score_cutoff=cutoff)
    return None if match is None else int(match[2])


def group_similar(questions: Iterable[str]) -> list[QuestionGroup]:
    """Similar question texts counted together, biggest group first."""
    at = datetime(1970, 1, 1, tzinfo=UTC)
    logged = [LoggedQuestion(at, q, None, False, None) for q in questions]
    return [_group(cluster) for cluster in cluster_questions(logged)]


def count_disliked(questions: Iterable[LoggedQuestion]) -> list[QuestionGroup]:
    """👎 answers counted by (question, entry), most disliked first."""
    by_pair: dict[tuple[str, str], list[LoggedQuestion]] = {}
    for q in questions:
        by_pair.setdefault((question_key(q.question), q.top_entry or ""), []).append(q)
    groups = [_group(members, entry=entry or None) for (_, entry), members in by_pair.items()]
    return sorted(groups, key=lambda g: (-g.count, g.question, g.entry or ""))


def _usual_entry(questions: Sequence[LoggedQuestion]) -> str | None:
    """The entry that answered these questions most often (ties: alphabetical)."""
    counts = Counter(q.top_entry for q in questions if q.top_entry and q.answered)
    return min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0] if counts else None


def _group(questions: Sequence[LoggedQuestion], *, entry: str | None = None) -> QuestionGroup:
    """The most common wording (ties: alphabetical) represents the group."""
    wordings = Counter(" ".join(q.question.split()) for q in questions)
    ordered = sorted(wordings.items(), key=lambda kv: (-kv[1], kv[0]))
    return QuestionGroup(
        question=ordered[0][0],
        count=len(questions),
        variants=tuple(w for w, _ in ordered[1 : 1 + MAX_VARIANTS]),
        entry=entry,
    )
