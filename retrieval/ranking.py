"""Ranking: from a question to hits, and the decision whether the best hit answers it.

This is the only module that combines scores; ``index`` only knows BM25 and ``search``
only wires stages together. Keep it deterministic: same glossary and question, same hits.
"""

from __future__ import annotations

from collections.abc import Sequence

from retrieval.analysis import analyze
from retrieval.index import BM25Index
from retrieval.models import Answer, Hit, Passage

MAX_QUESTION_CHARS = 1000
ANSWER_COVERAGE = 0.5


def passage_terms(passage: Passage) -> list[str]:
    """Index terms of a passage: its names count too, so "fintech" reaches the Fintech item."""
    names = " ".join((passage.title, *passage.aliases, passage.section or "", passage.label or ""))
    return analyze(names) + analyze(passage.text)


def prepare_question(question: str) -> tuple[str, bool]:
    """Collapse whitespace and cut over-long questions; returns (text, was it cut)."""
    text = " ".join(question.split())
    if len(text) > MAX_QUESTION_CHARS:
        return text[:MAX_QUESTION_CHARS], True
    return text, False


class Ranker:
    """Ranks passages of one glossary build for questions."""

    def __init__(
        self,
        passages: Sequence[Passage],
        terms: Sequence[Sequence[str]],
        index: BM25Index,
    ) -> None:
        self.passages = passages
        self.index = index
        self._term_sets = [frozenset(t) for t in terms]

    def answer(self, question: str, limit: int) -> Answer:
        """Rank passages for ``question`` and decide whether the best one answers it."""
        text, truncated = prepare_question(question)
        terms = tuple(analyze(text))
        if not terms or not self.passages or limit <= 0:
            return Answer(text, False, (), terms, truncated=truncated)
        ranked = self.index.top_k(terms, limit)
        hits = tuple(self._hit(pid, score) for pid, score in ranked)
        answered = bool(ranked) and self._coverage(terms, ranked[0][0]) >= ANSWER_COVERAGE
        return Answer(text, answered, hits, terms, truncated=truncated)

    def _coverage(self, terms: Sequence[str], passage_id: int) -> float:
        """Share of the question's idf weight that the passage matches."""
        present = self._term_sets[passage_id]
        idf_floor = self.index.idf_floor or 0.0
        total = matched = 0.0
        max_idf = float(self.index.idf.max()) if len(self.index.idf) else 1.0
        for term in set(terms):
            idf = self.index.term_idf(term)
            weight = max(idf, idf_floor) if idf is not None else max_idf
            total += weight
            if term in present:
                matched += weight
        return matched / total if total else 0.0

    def _hit(self, passage_id: int, score: float) -> Hit:
        p = self.passages[passage_id]
        return Hit(
            entry=p.entry,
            title=p.title,
            section=p.section,
            label=p.label,
            text=p.text,
            url=p.url,
            score=score,
        )
