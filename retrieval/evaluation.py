"""Answer-quality metrics: how often the first answer is right, per kind of question.

An evaluation set is JSON Lines, one question per line::

    {"q": "what is CORS", "gold": ["cors"], "section": null, "kind": "acronym"}

``gold`` lists the entry ids that answer the question; an empty list means the glossary
cannot answer it and the right behaviour is to say so. The metrics are computed on the
same ``Answer`` the bot and ``glossary-bot ask`` get, so a figure here is what a person
sees:

- Hit@1, Hit@5 and MRR@10 *by entry*: hits are reduced to their distinct entries in
  order, and the first gold entry's rank counts (answerable questions only).
- Section@3: the gold entry's gold section is among the first three passages (only
  questions with a ``section``).
- For unanswerable questions, the share that were not answered; for answerable ones,
  the share wrongly refused (``answered`` false).
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from retrieval.errors import GlossaryError
from retrieval.models import Answer

MRR_DEPTH = 10
SECTION_DEPTH = 3
ALL_KINDS = "all"


class EvaluationError(GlossaryError):
    """An evaluation file is missing or a line is not a valid question."""


@dataclass(frozen=True, slots=True)
class Question:
    """One evaluation question and what a right answer is."""

    q: str
    gold: tuple[str, ...]
    section: str | None = None
    kind: str | None = None

    @property
    def answerable(self) -> bool:
        """True when some entry answers the question."""
        return bool(self.gold)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one question."""

    question: Question
    entry_rank: int | None
    section_hit: bool | None
    answered: bool
    seconds: float


@dataclass(frozen=True, slots=True)
class Metrics:
    """Aggregates over a group of questions; None where the group has no such question."""

    kind: str
    questions: int
    hit_at_1: float | None
    hit_at_5: float | None
    mrr_at_10: float | None
    section_at_3: float | None
    none_rejected: float | None
    false_refusal: float | None

    def to_dict(self) -> dict[str, object]:
        """The JSON shape printed by ``glossary-bot eval --json``."""
        return {
            "kind": self.kind,
            "questions": self.questions,
            "hit_at_1": self.hit_at_1,
            "hit_at_5": self.hit_at_5,
            "mrr_at_10": self.mrr_at_10,
            "section_at_3": self.section_at_3,
            "none_rejected": self.none_rejected,
            "false_refusal": self.false_refusal,
        }


def parse_question(line: str, *, where: str) -> Question:
    """One JSON line as a ``Question``; ``where`` ("path:line") prefixes any error."""
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        raise EvaluationError(f"{where}: not valid JSON ({exc.msg}): fix the line") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("q"), str):
        raise EvaluationError(f'{where}: expected an object with a "q" string')
    gold = raw.get("gold", [])
    if not isinstance(gold, list) or not all(isinstance(g, str) for g in gold):
        raise EvaluationError(f'{where}: "gold" must be a list of entry ids ([] = unanswerable)')
    section, kind = raw.get("section"), raw.get("kind")
    if section is not None and not isinstance(section, str):
        raise EvaluationError(f'{where}: "section" must be a string or null')
    if kind is not None and not isinstance(kind, str):
        raise EvaluationError(f'{where}: "kind" must be a string or null')
    return Question(raw["q"], tuple(gold), section, kind)


def load_questions(path: Path) -> list[Question]:
    """Every question in a JSON Lines file (blank lines skipped)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise EvaluationError(
            f"cannot read {path} ({exc.strerror}): pass a JSON Lines file of questions"
        ) from None
    return [
        parse_question(line, where=f"{path}:{number}")
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip()
    ]


def entry_rank(answer: Answer, gold: Sequence[str]) -> int | None:
    """1-based rank of the first gold entry among the answer's distinct entries."""
    seen: list[str] = []
    for hit in answer.hits:
        if hit.entry not in seen:
            seen.append(hit.entry)
            if hit.entry in gold:
                return len(seen)
    return None


def section_hit(answer: Answer, question: Question) -> bool | None:
    """Whether a gold entry's gold section is among the first passages (None: no section)."""
    if question.section is None:
        return None
    wanted = question.section.casefold()
    return any(
        hit.entry in question.gold and (hit.section or "").casefold() == wanted
        for hit in answer.hits[:SECTION_DEPTH]
    )


def judge(question: Question, answer: Answer, seconds: float = 0.0) -> Outcome:
    """Score one answer against its question."""
    return Outcome(
        question=question,
        entry_rank=entry_rank(answer, question.gold) if question.answerable else None,
        section_hit=section_hit(answer, question) if question.answerable else None,
        answered=answer.answered,
        seconds=seconds,
    )


def run(ask: Callable[[str], Answer], questions: Iterable[Question]) -> list[Outcome]:
    """Ask every question and judge the answers, timing each call."""
    outcomes = []
    for question in questions:
        started = time.perf_counter()
        answer = ask(question.q)
        outcomes.append(judge(question, answer, time.perf_counter() - started))
    return outcomes


def _share(flags: Sequence[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def summarize(kind: str, outcomes: Sequence[Outcome]) -> Metrics:
    """Metrics over a group of outcomes."""
    answerable = [o for o in outcomes if o.question.answerable]
    ranks = [o.entry_rank for o in answerable]
    sections = [o.section_hit for o in answerable if o.section_hit is not None]
    unanswerable = [o for o in outcomes if not o.question.answerable]
    mrr = [1.0 / r if r is not None and r <= MRR_DEPTH else 0.0 for r in ranks]
    return Metrics(
        kind=kind,
        questions=len(outcomes),
        hit_at_1=_share([r == 1 for r in ranks]),
        hit_at_5=_share([r is not None and r <= 5 for r in ranks]),
        mrr_at_10=sum(mrr) / len(mrr) if mrr else None,
        section_at_3=_share(sections),
        none_rejected=_share([not o.answered for o in unanswerable]),
        false_refusal=_share([not o.answered for o in answerable]),
    )


def report(outcomes: Sequence[Outcome]) -> list[Metrics]:
    """Overall metrics first, then one row per kind in order of first appearance."""
    kinds: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        kinds.setdefault(outcome.question.kind or "-", []).append(outcome)
    return [summarize(ALL_KINDS, outcomes)] + [summarize(k, group) for k, group in kinds.items()]


def median_ms(outcomes: Sequence[Outcome]) -> float:
    """Median time per question in milliseconds (0 when there are none)."""
    return statistics.median(o.seconds for o in outcomes) * 1000 if outcomes else 0.0
