"""Field indexes the ranker adds next to the passage index: entries, names and headings.

A passage is a small piece of an entry, so the passage index alone cannot tell that a
whole entry is about a question (paraphrases spread over several paragraphs), nor that
the question *names* an entry rather than mentions it. These fields are assembled from
the ``FieldTerms`` each file's build record holds (``retrieval.field_terms``), so a
start or a reload analyses nothing here:

- entries: one document per entry, the concatenation of its passages' terms, scored
  with BM25 (``BM25Index``, rank-bm25's ``BM25Okapi`` definition);
- names: one document per name of an entry (title, each alias, learned acronyms),
  presence only (``Postings``): a name is matched by how much of it is asked;
- sections and labels: per passage, its section heading or its item label (presence
  only: ``Postings``).

``candidate_scores`` scores a weighted query with BM25 for chosen passages, reading only
the postings of the query's terms; ``matched_mass`` adds up the idf of the terms a name
holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse

from retrieval.counts import TermCounts
from retrieval.field_terms import FieldTerms, Ragged
from retrieval.index import BM25Index, FloatArray, IntArray

BoolArray = npt.NDArray[np.bool_]
IDF_FLOOR = 0.05
HELD_ROW_SHARE = 32
HELD_ROWS_BUDGET = 8 << 20  # bytes (a bool per document) per field index
EXHAUSTIVE_FACTOR = 16
SAMPLE_FACTOR = 32  # a sample of ~k x 32 scores: its k-th best keeps a few hundred


class Postings:
    """Which documents hold a term, for fields that only need presence, not BM25.

    Names, section headings and item labels are a few words each and often empty (a
    lead has neither), so they are kept as sorted postings lists: one scipy transpose of
    the documents' term ids (``Ragged``), looked up by the lexicon's term ids.
    """

    def __init__(self, docs: Ragged, term_ids: Mapping[str, int], n_terms: int) -> None:
        """``docs``' ids are ``term_ids``' values, all below ``n_terms``."""
        self._term_ids = term_ids
        self._size = len(docs)
        self._width = width = max(n_terms, 1)
        ptr = np.zeros(len(docs) + 1, dtype=np.int64)
        np.cumsum(docs.lengths, out=ptr[1:])
        ones = np.ones(len(docs.ids), dtype=np.float64)
        by_term = scipy.sparse.csr_matrix((ones, docs.ids, ptr), shape=(len(docs), width)).tocsc()
        by_term.sum_duplicates()  # a term twice in one name is one posting; docs ascending
        self._indptr: IntArray = by_term.indptr.astype(np.int64, copy=False)
        self._docs: IntArray = by_term.indices.astype(np.int64, copy=False)
        # Postings by term string, filled as questions ask: a question looks each of its
        # terms up in three of these indexes. Only known terms are kept (a bounded set).
        self._asked: dict[str, IntArray] = {}
        self._rows: dict[str, BoolArray | None] = {}
        self._rows_bytes = 0

    def __len__(self) -> int:
        return self._size

    def postings(self, term: str) -> IntArray:
        """Sorted ids of the documents that contain ``term``."""
        found = self._asked.get(term)
        if found is None:
            term_id = self._term_ids.get(term)
            if term_id is None or term_id >= self._width:
                return _NO_DOCS  # not kept: words people make up would grow it forever
            found = self._docs[self._indptr[term_id] : self._indptr[term_id + 1]]
            self._asked[term] = found
        return found

    def held(self, term: str) -> BoolArray | None:
        """Per document, whether it holds ``term``, for a term held by at least 1 in
        ``HELD_ROW_SHARE`` documents (a heading word such as "overview"), while rows fit
        ``HELD_ROWS_BUDGET``; None otherwise. Reading a hundred documents of a row is
        cheaper than finding them in a long postings list."""
        if term in self._rows:
            return self._rows[term]
        docs = self.postings(term)
        row: BoolArray | None = None
        n = self._size
        if len(docs) * HELD_ROW_SHARE >= n and self._rows_bytes + n <= HELD_ROWS_BUDGET:
            row = np.zeros(n, dtype=bool)
            row[docs] = True
            self._rows_bytes += n
        if len(docs):  # a known term: the dict stays bounded
            self._rows[term] = row
        return row

    def masses(self, idf: FloatArray) -> FloatArray:
        """Per document, the summed ``idf`` (by term id) of its distinct terms; 1 if empty."""
        per_term = np.diff(self._indptr)
        terms = np.repeat(np.arange(len(per_term), dtype=np.int64), per_term)
        totals = np.bincount(self._docs, weights=idf[terms], minlength=self._size)
        totals[totals == 0] = 1.0
        return totals[: self._size].astype(np.float64, copy=False)


_NO_DOCS: IntArray = np.zeros(0, dtype=np.int64)


def matched_mass(index: Postings, weights: Mapping[str, float]) -> FloatArray | None:
    """Per document, the summed weight of the query terms it holds (no tf, no length),
    0 where it holds none; None when no document holds any.

    One sum per document, dense: names are one or two per entry, so adding each term's
    weight to its documents beats finding the distinct matched ones first. A document
    is once in a term's postings, and terms are added in ``weights`` order, from 0.
    """
    sums: FloatArray | None = None
    for term, weight in weights.items():
        docs = index.postings(term)
        if len(docs):
            if sums is None:
                sums = np.zeros(len(index), dtype=np.float64)
            sums[docs] += weight
    return sums


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
        docs, scores = index.weighted_scores(weights)
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


def best_positions(scores: FloatArray, k: int, *, positive: bool = False) -> IntArray:
    """Positions of the ``k`` highest scores, best first, lower position first on ties.

    With documents sorted by id, a lower position is a lower id: the tie-break of
    ``index.top_k_of``. On long arrays the k-th best of an evenly spaced sample is a
    lower bound of the true k-th best, so only the scores above it are partitioned.
    ``positive``: only scores above 0 count (dense scores, where 0 means "no match").
    """
    n = len(scores)
    if k <= 0 or not n:
        return np.zeros(0, dtype=np.int64)
    floor = None
    if n > SAMPLE_FACTOR * 2 * k:
        # numpy's partition is slower than a sort at these sizes (and on many ties).
        sample = np.sort(scores[:: n // (SAMPLE_FACTOR * k)])
        floor = float(sample[len(sample) - k])
    if positive and (floor is None or floor <= 0):
        keep = (scores > 0).nonzero()[0]
    elif floor is not None:
        keep = (scores >= floor).nonzero()[0]
    else:
        keep = np.arange(n)
    kept = scores[keep]
    if len(kept) > k:
        kth = np.sort(kept)[len(kept) - k]
        keep = keep[kept >= kth]  # every tie of the k-th stays a candidate
    order = np.lexsort((keep, -scores[keep]))[:k]
    return keep[order].astype(np.int64, copy=False)


def ranking_idf(index: BM25Index) -> dict[str, float]:
    """Per term of ``index``, its idf raised to ``IDF_FLOOR``: what a term weighs here."""
    return dict(zip(index.vocabulary, np.maximum(index.idf, IDF_FLOOR).tolist(), strict=True))


def ideal(idf: Mapping[str, float], weights: Mapping[str, float]) -> float:
    """Sum of weight x idf (``ranking_idf``) over the query terms the index knows: the
    scale of its scores."""
    total = 0.0
    for term, weight in weights.items():
        x = idf.get(term)
        if x is not None:
            total += weight * x
    return total


@dataclass(frozen=True, slots=True)
class EntryFields:
    """Per entry with passages, in passage order: its fields, id and whether it opens
    with its lead (the definition)."""

    parts: Sequence[FieldTerms]
    ids: Sequence[str]
    opens_with_lead: Sequence[bool]


class Fields:
    """The entry, name and heading indexes of one glossary build."""

    def __init__(
        self,
        n_passages: int,
        entries: EntryFields,
        terms: Sequence[str],
        term_ids: Mapping[str, int],
        idf: FloatArray,
        *,
        lazy: bool = False,
    ) -> None:
        """From the build records' ``FieldTerms``: array concatenations, no analysis.

        ``terms`` and ``term_ids``: the lexicon the parts' ids refer to; ``idf``: the
        passage index's idf per lexicon id, which weighs names and headings.
        """
        used = entries.parts
        per_entry = np.asarray([len(p.section_terms) for p in used], dtype=np.int64)
        if int(per_entry.sum()) != n_passages or not per_entry.all():
            raise ValueError("field terms do not match the passages")
        self.entry_passages: IntArray = np.zeros(len(used) + 1, dtype=np.int64)
        np.cumsum(per_entry, out=self.entry_passages[1:])
        starts = self.entry_passages[:-1]
        self.entry_ids = list(entries.ids)
        self.entry_number = {e: n for n, e in enumerate(self.entry_ids)}
        if len(self.entry_number) != len(used):
            raise ValueError("every entry must come once, its passages together")
        self.passage_entry: IntArray = np.repeat(np.arange(len(used), dtype=np.int64), per_entry)
        entry_counts = TermCounts.concatenate([p.entry_counts for p in used])
        self.entries = BM25Index.from_counts(terms, entry_counts, idf_floor=IDF_FLOOR, lazy=lazy)
        if not lazy:  # a start: common terms' rows now (a reload makes them when asked)
            self.entries.make_dense_rows()
        del entry_counts  # the entries index holds the same terms; 165 MiB at 1M passages
        self.name_text = [name for p in used for name in p.names]
        self.name_words: dict[str, str] = {}  # surface word -> term, for typo correction
        for p in used:
            for word, term in zip(p.words, p.word_terms.tolist(), strict=True):
                self.name_words.setdefault(word, terms[term])
        name_docs = Ragged.concatenate([p.name_terms for p in used])
        per_name = [len(p.names) for p in used]
        self.name_entry: IntArray = np.repeat(np.arange(len(used), dtype=np.int64), per_name)
        self.name_docs = _decoded(terms, name_docs)
        self.names_by_number: list[list[tuple[str, ...]]] = []
        at = 0
        for n in per_name:
            self.names_by_number.append(self.name_docs[at : at + n])
            at += n
        width = len(terms)
        self.names = Postings(name_docs, term_ids, width)
        self.sections = Postings(
            Ragged.concatenate([p.section_terms for p in used]), term_ids, width
        )
        self.labels = Postings(Ragged.concatenate([p.label_terms for p in used]), term_ids, width)
        # The definition: the first passage of each entry, when it is in the lead.
        self.is_lead: IntArray = np.zeros(n_passages, dtype=np.int64)
        self.is_lead[starts] = np.asarray(entries.opens_with_lead, dtype=np.int64)
        self.name_mass = self.names.masses(idf)
        self.section_mass = self.sections.masses(idf)
        self.label_mass = self.labels.masses(idf)

    def entry_holds(self, number: int, terms: Iterable[str]) -> frozenset[str]:
        """Which of ``terms`` entry ``number`` holds anywhere: a question asks about a
        handful, so a binary search in each one's postings beats a set of the entry's
        hundreds of terms."""
        return frozenset(t for t in terms if self.entries.contains(t, number))

    def passages_of(self, entries: IntArray) -> tuple[IntArray, IntArray]:
        """Every passage of the sorted entry numbers ``entries``, in order, and where each
        entry's run starts in that list (an entry in service has at least one passage)."""
        starts = self.entry_passages[entries]
        lengths = self.entry_passages[entries + 1] - starts
        run_starts = lengths.cumsum() - lengths  # methods: np.cumsum's wrapper costs more
        total = int(run_starts[-1] + lengths[-1]) if len(lengths) else 0
        passages: IntArray = np.arange(total, dtype=np.int64)
        passages += (starts - run_starts).repeat(lengths)
        return passages, run_starts


def _decoded(terms: Sequence[str], docs: Ragged) -> list[tuple[str, ...]]:
    """Each document's terms as strings."""
    ids = [terms[t] for t in docs.ids.tolist()]
    out: list[tuple[str, ...]] = []
    at = 0
    for n in docs.lengths.tolist():
        out.append(tuple(ids[at : at + n]))
        at += n
    return out
