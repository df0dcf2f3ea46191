"""Why a passage won: the question's terms, the parts of each score, and the decision.

``glossary-bot ask --explain`` prints this under each answer. It is the same ranking the
bot uses (``Ranker.rank``), laid out for a person tuning content or synonyms: which
words were dropped as filler, corrected or expanded, which terms each passage matched,
and how its score adds up.
"""

from __future__ import annotations

from collections.abc import Sequence

from retrieval.index import BM25Index
from retrieval.models import Passage
from retrieval.ranking import NAMED_ONLY, Ranker, Ranking
from retrieval.search import Glossary


def explain(glossary: Glossary, question: str, limit: int = 5) -> str:
    """A readable account of how ``question`` was ranked on ``glossary``."""
    ranker: Ranker = glossary._ranker
    ranking = ranker.rank(question, limit)
    return "\n".join(explain_lines(ranking, ranker))


def explain_lines(ranking: Ranking, ranker: Ranker) -> list[str]:
    """The lines of an explanation (see ``explain``)."""
    lines = _query_lines(ranking)
    w = ranker.weights
    if ranking.entries:
        lines.append("entries (score = parts x weight):")
    for rank, e in enumerate(ranking.entries[:5], start=1):
        lines.append(
            f"  {rank}. {e.entry}  {e.score:.3f} = entry BM25 {e.entry_bm25:.3f}x{w.entry:g}"
            f" + best passage {e.best_passage:.3f}x{w.best_passage:g}"
            f" + name match {e.name_match:.3f}x{w.name_match:g}"
            + (f" + exact name {w.exact_name:g}" if e.name_match >= NAMED_ONLY else "")
        )
    if ranking.passages:
        lines.append("passages:")
    terms = list(dict.fromkeys(t.term for t in ranking.query.terms))
    for rank, p in enumerate(ranking.passages, start=1):
        passage = ranker.passages[p.passage]
        matched = matched_terms(ranker.index, terms, p.passage)
        lines.append(
            f"  {rank}. {_heading(passage)}  {p.score:.3f} = entry {p.entry:.3f}"
            f" + BM25 {p.bm25:.3f}x{w.passage:g} + heading {p.heading:.3f}x{w.heading:g}"
            + (" (definition moved first)" if p.lead else "")
            + f"; matched: {', '.join(matched) or '-'}"
        )
    lines.extend(_decision_lines(ranking))
    return lines


def matched_terms(index: BM25Index, terms: Sequence[str], passage: int) -> list[str]:
    """The query terms that occur in one passage."""
    return [term for term in terms if index.contains(term, passage)]


def _heading(passage: Passage) -> str:
    return " › ".join(p for p in (passage.title, passage.section, passage.label) if p)


def _query_lines(ranking: Ranking) -> list[str]:
    q = ranking.query
    own = [f"{t.term}" if t.weight == 1 else f"{t.term} ({t.weight:g})" for t in q.terms]
    lines = [f"terms: {' '.join(own) or '-'}"]
    if q.dropped:
        lines.append(f"dropped as filler: {' '.join(q.dropped)}")
    for c in q.corrections:
        lines.append(f"corrected: {c.wrong} -> {c.right} ({c.distance} edit(s))")
    for x in q.expansions:
        lines.append(f"synonyms: {' '.join(x.phrase)} -> {' '.join(x.terms)}")
    if q.unknown:
        lines.append(f"not in the glossary: {' '.join(q.unknown)}")
    return lines


def _decision_lines(ranking: Ranking) -> list[str]:
    ev = ranking.evidence
    if ev is None:
        return ["answered: no (no entry matches any term)"]
    reason = (
        f"coverage {ev.coverage:.2f}, name {ev.name:.2f}"
        + (", qualified name" if ev.qualified else "")
        + f", margin {ev.margin:.2f}"
        + (f"; missing: {' '.join(ev.missing)}" if ev.missing else "")
    )
    return [f"answered: {'yes' if ev.answered else 'no'} ({reason})"]
