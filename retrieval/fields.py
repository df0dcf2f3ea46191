"""Field indexes the ranker adds next to the passage index: entries, names and headings.

A passage is a small piece of an entry, so the passage index alone cannot tell that a
whole entry is about a question (paraphrases spread over several paragraphs), nor that
the question *names* an entry rather than mentions it. These fields are built from the
passages and term lists the glossary already has, so nothing is analysed twice except
short names and headings:

- entries: one document per entry, the concatenation of its passages' terms, scored
  with BM25 (``BM25Index``, rank-bm25's ``BM25Okapi`` definition);
- names: one document per name of an entry (title, each alias, learned acronyms),
  presence only (``Postings``): a name is matched by how much of it is asked;
- sections and labels: per passage, its section heading or its item label (presence
  only: ``Postings``).

``weighted_scores`` and ``candidate_scores`` score a weighted query with BM25, reading
only the postings of the query's terms; ``matched_mass`` and ``probe_mass`` add up the
idf of the terms a name or heading holds; ``entry_max`` folds passage scores into
entries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from retrieval.analysis import analyze
from retrieval.index import BM25Index, FloatArray, IntArray
from retrieval.models import Passage
from retrieval.names import names_by_entry

IDF_FLOOR = 0.05
DENSE_FACTOR = 8
EXHAUSTIVE_FACTOR = 16
DENSE_MIN = 4096
SAMPLE_FACTOR = 8


def weighted_scores(index: BM25Index, weights: Mapping[str, float]) -> tuple[IntArray, FloatArray]:
    """BM25 scores of ``index``'s documents for terms with weights (weight 1 = rank-bm25).

    Sums per term with ``bincount`` (``_accumulate``), in ``weights`` order.
    """
    docs_parts: list[IntArray] = []
    score_parts: list[FloatArray] = []
    for term, weight in weights.items():
        if term in index.vocabulary:
            docs, scores = index.score((term,))
            docs_parts.append(docs)
            score_parts.append(scores * weight)
    return _accumulate(docs_parts, score_parts, len(index))


class Postings:
    """Which documents hold a term, for fields that only need presence, not BM25.

    Section headings and item labels are a few words each and often empty (a lead has
    neither), so they are kept as plain sorted postings lists.
    """

    def __init__(self, docs: Sequence[Sequence[str]]) -> None:
        lists: dict[str, list[int]] = {}
        for number, doc in enumerate(docs):
            for term in dict.fromkeys(doc):
                lists.setdefault(term, []).append(number)
        self._postings = {t: np.asarray(ids, dtype=np.int64) for t, ids in lists.items()}
        self._size = len(docs)

    def __len__(self) -> int:
        return self._size

    def postings(self, term: str) -> IntArray:
        """Sorted ids of the documents that contain ``term``."""
        found = self._postings.get(term)
        return found if found is not None else np.zeros(0, dtype=np.int64)


def matched_mass(
    index: BM25Index | Postings, weights: Mapping[str, float]
) -> tuple[IntArray, FloatArray]:
    """Per document, the summed weight of the query terms it contains (no tf, no length)."""
    docs_parts: list[IntArray] = []
    score_parts: list[FloatArray] = []
    for term, weight in weights.items():
        docs = index.postings(term)
        if len(docs):
            docs_parts.append(docs)
            score_parts.append(np.full(len(docs), weight, dtype=np.float64))
    return _accumulate(docs_parts, score_parts, len(index))


def probe_mass(
    index: BM25Index | Postings, weights: Mapping[str, float], docs: IntArray
) -> FloatArray:
    """``matched_mass`` for the sorted ``docs`` only, by binary search in each postings list."""
    totals = np.zeros(len(docs), dtype=np.float64)
    if not len(docs):
        return totals
    for term, weight in weights.items():
        postings = index.postings(term)
        if len(postings):
            at = np.minimum(np.searchsorted(postings, docs), len(postings) - 1)
            totals += np.where(postings[at] == docs, weight, 0.0)
    return totals


def _accumulate(
    docs_parts: Sequence[IntArray], score_parts: Sequence[FloatArray], size: int
) -> tuple[IntArray, FloatArray]:
    """Sum per document over several (sorted docs, values) lists, in list order."""
    if not docs_parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    if len(docs_parts) == 1:
        return docs_parts[0], score_parts[0]
    docs = np.concatenate(docs_parts)
    values = np.concatenate(score_parts)
    if size <= DENSE_FACTOR * len(docs) + DENSE_MIN:
        # Small index: a dense sum is cheaper than sorting the postings.
        dense = np.bincount(docs, weights=values, minlength=size)
        found = np.nonzero(dense > 0)[0]  # every weight and contribution is positive
        return found.astype(np.int64, copy=False), dense[found].astype(np.float64, copy=False)
    unique, inverse = np.unique(docs, return_inverse=True)
    totals = np.bincount(inverse, weights=values, minlength=len(unique))
    return unique.astype(np.int64, copy=False), totals.astype(np.float64, copy=False)


def candidate_scores(
    index: BM25Index, passages: IntArray, weights: Mapping[str, float]
) -> FloatArray:
    """Weighted BM25 of the sorted ``passages`` only (rank-bm25's score per term).

    When the candidates are a good part of a small index, scoring every posting and
    keeping the candidates is cheaper than probing for them.
    """
    if not len(passages):
        return np.zeros(0, dtype=np.float64)
    if len(index) <= EXHAUSTIVE_FACTOR * len(passages):
        docs, scores = weighted_scores(index, weights)
        dense = np.zeros(len(index), dtype=np.float64)
        dense[docs] = scores
        return dense[passages]
    # One probe per distinct weight (1 for the question's words, 0.5 for synonyms):
    # a weight of 2 is the word asked twice, which rank-bm25 also counts twice.
    by_weight: dict[float, list[int]] = {}
    for term, weight in weights.items():
        term_id = index.term_id(term)
        if term_id is None:
            continue
        whole = float(int(weight))
        if weight == whole:
            by_weight.setdefault(1.0, []).extend([term_id] * int(whole))
        else:
            by_weight.setdefault(weight, []).append(term_id)
    totals = np.zeros(len(passages), dtype=np.float64)
    cands = passages.astype(np.int32)
    for weight, term_ids in by_weight.items():
        totals += weight * index.exact_scores(cands, term_ids)
    return totals


def best_positions(scores: FloatArray, k: int) -> IntArray:
    """Positions of the ``k`` highest scores, best first, lower position first on ties.

    With documents sorted by id, a lower position is a lower id: the tie-break of
    ``index.top_k_of``. On long arrays the k-th best of an evenly spaced sample is a
    lower bound of the true k-th best, so only the scores above it are partitioned.
    """
    n = len(scores)
    if k <= 0 or not n:
        return np.zeros(0, dtype=np.int64)
    if n > SAMPLE_FACTOR * 2 * k:
        sample = scores[:: n // (SAMPLE_FACTOR * k)]
        floor = np.partition(sample, len(sample) - k)[len(sample) - k]
        keep = np.nonzero(scores >= floor)[0]
    else:
        keep = np.arange(n)
    kept = scores[keep]
    if len(kept) > k:
        kth = np.partition(kept, len(kept) - k)[len(kept) - k]
        keep = keep[kept >= kth]  # every tie of the k-th stays a candidate
    order = np.lexsort((keep, -scores[keep]))[:k]
    return keep[order].astype(np.int64, copy=False)


def ideal(index: BM25Index, weights: Mapping[str, float]) -> float:
    """Sum of weight x idf over the query terms the index knows: the scale of its scores."""
    total = 0.0
    for term, weight in weights.items():
        idf = index.term_idf(term)
        if idf is not None:
            total += weight * max(idf, IDF_FLOOR)
    return total


def entry_max(owners: IntArray, docs: IntArray, scores: FloatArray) -> tuple[IntArray, FloatArray]:
    """The best score per owner (entry) of sorted ``docs`` whose owners are non-decreasing."""
    if len(docs) == 0:
        return docs, scores
    owner = owners[docs]
    change = np.empty(len(owner), dtype=bool)
    change[0] = True
    np.not_equal(owner[1:], owner[:-1], out=change[1:])
    starts = np.flatnonzero(change)
    return owner[starts], np.maximum.reduceat(scores, starts)


class Fields:
    """The entry, name and heading indexes of one glossary build."""

    def __init__(
        self,
        passages: Sequence[Passage],
        terms: Sequence[Sequence[str]],
        idf: Mapping[str, float],
    ) -> None:
        """``idf``: the passage index's idf per term, used to weigh names and headings."""
        entry_ids: dict[str, int] = {}
        passage_entry: list[int] = []
        for passage in passages:
            passage_entry.append(entry_ids.setdefault(passage.entry, len(entry_ids)))
        if passage_entry != sorted(passage_entry):
            raise ValueError("passages must be grouped by entry, as build_passages yields them")
        self.entry_ids = list(entry_ids)
        self.entry_number = entry_ids
        self.passage_entry: IntArray = np.asarray(passage_entry, dtype=np.int64)
        self.entry_passages: IntArray = np.searchsorted(
            self.passage_entry, np.arange(len(entry_ids) + 1)
        ).astype(np.int64)
        entry_docs: list[list[str]] = [[] for _ in entry_ids]
        for owner, passage_terms in zip(passage_entry, terms, strict=True):
            entry_docs[owner].extend(passage_terms)
        self.entries = BM25Index(entry_docs, idf_floor=IDF_FLOOR)
        self.entry_terms = [frozenset(doc) for doc in entry_docs]
        self.names_of = names_by_entry(passages)
        name_docs: list[list[str]] = []
        name_entry: list[int] = []
        self.name_text: list[str] = []
        for entry, number in entry_ids.items():
            for name in self.names_of[entry]:
                name_docs.append(analyze(name))
                name_entry.append(number)
                self.name_text.append(name)
        self.names = Postings(name_docs)
        self.name_docs = [tuple(doc) for doc in name_docs]
        self.names_by_number: list[list[tuple[str, ...]]] = [[] for _ in entry_ids]
        for owner, doc in zip(name_entry, self.name_docs, strict=True):
            self.names_by_number[owner].append(doc)
        self.name_entry: IntArray = np.asarray(name_entry, dtype=np.int64)
        cache: dict[str, list[str]] = {}
        self.section_docs = [tuple(_field_terms(cache, p.section)) for p in passages]
        self.label_docs = [tuple(_field_terms(cache, p.label)) for p in passages]
        self.sections = Postings(self.section_docs)
        self.labels = Postings(self.label_docs)
        # The definition: the first passage of each entry, when it is in the lead.
        self.is_lead: IntArray = np.zeros(len(passages), dtype=np.int64)
        starts = self.entry_passages[:-1]
        self.is_lead[starts[starts < len(passages)]] = [
            passages[i].section is None for i in starts[starts < len(passages)].tolist()
        ]
        self.name_mass = masses(self.name_docs, idf)
        self.section_mass = masses(self.section_docs, idf)
        self.label_mass = masses(self.label_docs, idf)

    def passages_of(self, entries: IntArray) -> IntArray:
        """Every passage of the sorted entry numbers ``entries``, in order."""
        return _ranges(self.entry_passages[entries], self.entry_passages[entries + 1])


def _ranges(starts: IntArray, stops: IntArray) -> IntArray:
    """The concatenation of ``range(start, stop)`` for each pair, as one array."""
    lengths = stops - starts
    if not len(lengths) or not lengths.sum():
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    ranges: IntArray = np.arange(int(lengths.sum()), dtype=np.int64) + offsets
    return ranges


def masses(docs: Sequence[Sequence[str]], idf: Mapping[str, float]) -> FloatArray:
    """Per document, the summed idf of its distinct terms (1 for an empty document)."""
    return np.asarray(
        [sum(idf.get(t, IDF_FLOOR) for t in set(doc)) or 1.0 for doc in docs], dtype=np.float64
    )


def _field_terms(cache: dict[str, list[str]], text: str | None) -> list[str]:
    if not text:
        return []
    if text not in cache:
        cache[text] = analyze(text)
    return cache[text]
