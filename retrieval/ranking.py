"""Ranking: from a question to hits, and the decision whether the best hit answers it.

This is the only module that combines scores; ``index`` only knows BM25 and ``search``
only wires stages together. BM25 (rank-bm25's definition) stays the core of every part;
what is added here is where it is computed and how the parts are weighed:

1. The question becomes weighted terms (``query``: filler dropped, typos corrected,
   synonyms added at a lower weight).
2. Entries are ranked first. An entry's score adds its BM25 over the whole entry, its
   best passage's BM25, and how completely the question spells out one of its names
   (title, aliases, learned acronyms). Every BM25 part is divided by the query's
   ideal (sum of weight x idf), so the weights below mean the same for every question.
3. Passages of the ranked entries follow their entry, ordered by passage BM25 plus a
   match on their section heading or item label ("advantages", "fintech").
4. The hits are the best entry's two best passages, then the best passage of each next
   entry, so a wrong first guess still leaves the right entry in the first five.
5. ``confidence`` decides whether the first hit answers the question.

Keep it deterministic: same glossary and question, same hits (ties by passage id).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from retrieval.analysis import analyze
from retrieval.confidence import Evidence, decide
from retrieval.fields import (
    IDF_FLOOR,
    EntryFields,
    Fields,
    best_positions,
    candidate_scores,
    ideal,
    matched_mass,
    ranking_idf,
)
from retrieval.index import BM25Index, FloatArray, IntArray
from retrieval.models import Answer, Hit, Passage
from retrieval.ordering import (
    FIRST_ENTRY_PASSAGES,
    PassageParts,
    PassageWeights,
    order_passages,
)
from retrieval.query import Query, QueryParser, prepare_question, shipped_filler
from retrieval.spelling import Speller
from retrieval.synonyms import Synonyms, shipped_groups

if TYPE_CHECKING:  # record_views imports building, which imports this module
    from retrieval.record_views import PassagesView

__all__ = ["Ranker", "Weights", "passage_terms", "prepare_question"]

ENTRY_DEPTH = 10
CANDIDATE_ENTRIES = 12
NAMED_ONLY = 0.99  # name match of a question that is just the entry's name
_NO_PASSAGES: IntArray = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class Weights:
    """How much each part counts; BM25 parts are relative to the query's ideal score."""

    entry: float = 1.0
    best_passage: float = 0.5
    name_match: float = 1.0
    exact_name: float = 1.0
    passage: float = 1.0
    heading: float = 0.3
    lead: float = 0.4  # a definition this far behind its entry's best passage still goes first


def passage_terms(passage: Passage) -> list[str]:
    """Index terms of a passage: its names count too, so "fintech" reaches the Fintech item."""
    names = " ".join((passage.title, *passage.aliases, passage.section or "", passage.label or ""))
    return analyze(names) + analyze(passage.text)


class EntryParts(NamedTuple):
    """Why an entry ranked where it did.

    A named tuple rather than a frozen dataclass: a question makes a dozen of them.
    """

    entry: str
    score: float
    entry_bm25: float
    best_passage: float
    name_match: float
    number: int  # the entry's position in the fields' entry order


class Ranking(NamedTuple):
    """Everything one question produced: the query, entry parts and ordered passages."""

    query: Query
    entries: tuple[EntryParts, ...]
    passages: tuple[PassageParts, ...]
    evidence: Evidence | None


class Ranker:
    """Ranks passages of one glossary build for questions."""

    def __init__(
        self,
        passages: PassagesView,
        index: BM25Index,
        fields: EntryFields,
        lexicon: tuple[Sequence[str], Mapping[str, int]],
        *,
        synonyms: Sequence[Sequence[str]] = (),
        weights: Weights | None = None,
        lazy: bool = False,
    ) -> None:
        """``fields``: per entry (in passage order), its ``FieldTerms``; ``lexicon``: the
        term strings by id and ids by string that the fields' and index's ids refer to.
        """
        self.passages = passages
        self.index = index
        self.weights = w = weights or Weights()
        self._passage_weights = PassageWeights(bm25=w.passage, heading=w.heading, lead=w.lead)
        self._idf = ranking_idf(index)
        self._max_idf = max(self._idf.values(), default=1.0)
        terms, term_ids = lexicon
        idf_by_id = np.full(len(terms), IDF_FLOOR, dtype=np.float64)
        idf_by_id[index.source_ids] = np.maximum(index.idf, IDF_FLOOR)
        self.fields = Fields(len(passages), fields, terms, term_ids, idf_by_id, lazy=lazy)
        self._entry_idf = ranking_idf(self.fields.entries)
        doc_freq = dict(zip(index.vocabulary, index.doc_freq.tolist(), strict=True))
        self.parser = QueryParser(
            doc_freq=doc_freq,
            names=self.fields.name_docs,
            speller=Speller(doc_freq, self.fields.name_words),
            synonyms=Synonyms([*shipped_groups(), *synonyms]),
            filler=shipped_filler(),
        )

    def answer(self, question: str, limit: int) -> Answer:
        """Rank passages for ``question`` and decide whether the best one answers it."""
        ranking = self.rank(question, limit)
        query = ranking.query
        shown = ranking.passages[:limit]
        numbers = self.fields.passage_entry[[p.passage for p in shown]].tolist()
        hits = tuple(
            Hit(*self.passages.shown_at(n, p.passage), p.score)
            for n, p in zip(numbers, shown, strict=True)
        )
        answered = bool(hits) and ranking.evidence is not None and ranking.evidence.answered
        return Answer(
            query.text,
            answered,
            hits,
            query.analyzed,
            corrections=tuple((c.wrong, c.right) for c in query.corrections),
            truncated=query.truncated,
        )

    def rank(self, question: str, limit: int) -> Ranking:
        """The full ranking for ``question``, with the parts of every score."""
        query = self.parser.parse(question)
        weights = query.weights()
        if not weights or not self.passages or limit <= 0:
            return Ranking(query, (), (), None)
        entries, passage_scores = self._rank_entries(query, weights, max(limit, 2))
        if not entries:
            return Ranking(query, (), (), None)
        evidence = decide(query, entries, self.fields, self._idf, self._max_idf)
        capped = {t: min(x, 1.0) * self._idf[t] for t, x in weights.items()}
        passages = order_passages(
            self.fields,
            weights=self._passage_weights,
            entries=[(e.number, e.score) for e in entries[:limit]],
            passages=passage_scores,
            capped=capped,
            limit=limit,
            # Unanswered hits are suggestions: one per entry reads better than two.
            first_entry=FIRST_ENTRY_PASSAGES if evidence.answered else 1,
            named=[e.number for e in entries[:limit] if e.name_match >= NAMED_ONLY],
        )
        return Ranking(query, tuple(entries), tuple(passages), evidence)

    def _rank_entries(
        self, query: Query, weights: dict[str, float], depth: int
    ) -> tuple[list[EntryParts], tuple[IntArray, FloatArray]]:
        """The ``depth`` best entries with their score parts, and their passages' BM25.

        Two stages keep the work proportional to the question, not the glossary: entries
        are first ranked by their own BM25 and name match (an entry index is ~10 times
        smaller than the passage index), then only the passages of the best
        ``CANDIDATE_ENTRIES`` are scored, which adds each entry's best passage.
        """
        f, w = self.fields, self.weights
        entry_scores = f.entries.dense_weighted_scores(weights)
        if entry_scores is None:
            return [], (_NO_PASSAGES, np.zeros(0, dtype=np.float64))
        # Most questions share a word with most entries: per entry number, dense.
        scale = ideal(self._entry_idf, weights) or 1.0
        combined = entry_scores / scale
        if w.entry != 1.0:
            combined *= w.entry
        name_match = self._name_match(query)
        if name_match is not None:  # 0 for an entry with no name match: the same bits
            combined += name_match if w.name_match == 1.0 else w.name_match * name_match
        # An entry that shares no term with the question scores 0: it is no candidate.
        candidates = best_positions(combined, CANDIDATE_ENTRIES, positive=True)
        candidates.sort()  # a new array: sorted in place
        p_docs, runs = f.passages_of(candidates)
        p_scores = candidate_scores(self.index, p_docs, weights)
        p_scores /= ideal(self._idf, weights) or 1.0
        best_p = np.maximum.reduceat(p_scores, runs) if len(runs) else p_scores
        named_of = name_match[candidates] if name_match is not None else candidates * 0.0
        # A dozen candidates: plain Python is cheaper than a dozen numpy calls.
        parts = list(
            zip(
                candidates.tolist(),
                (entry_scores[candidates] / scale).tolist(),  # the same division and bits
                named_of.tolist(),
                best_p.tolist(),
                strict=True,
            )
        )
        totals: list[tuple[float, int]] = []
        for at, (_, bm25, named, best_passage) in enumerate(parts):
            total = w.entry * bm25 + w.best_passage * best_passage + w.name_match * named
            if named >= NAMED_ONLY:  # a question that is exactly an entry's name asks for it
                total += w.exact_name
            totals.append((-total, at))
        # Best first; candidates are in entry order, so ties go to the lower entry number.
        totals.sort()
        rows = []
        for minus_total, at in totals[: min(depth, ENTRY_DEPTH)]:
            entry, bm25, named, best_passage = parts[at]
            rows.append(
                EntryParts(f.entry_ids[entry], -minus_total, bm25, best_passage, named, entry)
            )
        return rows, (p_docs, p_scores)

    def _name_match(self, query: Query) -> FloatArray | None:
        """Per entry number, how completely the question spells out one of its names
        (0..1, 0 for none); None when no name holds a question term.

        The product of two shares of idf weight: of the name, the part the question
        mentions; of the question's own terms, the part the name covers.
        """
        own = {t: min(w, 1.0) * self._idf[t] for t, w in _own_weights(query).items()}
        held = matched_mass(self.fields.names, own)
        if held is None:
            return None
        docs = (held > 0).nonzero()[0]  # weights are above 0: held means matched
        mass = held[docs]
        total = sum(own.values()) + len(query.unknown) * self._max_idf
        scores = (mass / self.fields.name_mass[docs]) * (mass / (total or 1.0))
        best = np.zeros(len(self.fields.entry_ids), dtype=np.float64)
        np.maximum.at(best, self.fields.name_entry[docs], scores)  # an entry's best name
        return best


def _own_weights(query: Query) -> dict[str, float]:
    weights: dict[str, float] = {}
    for t in query.terms:
        if t.source != "synonym":
            weights[t.term] = weights.get(t.term, 0.0) + t.weight
    return weights
