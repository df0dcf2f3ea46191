"""The fast index gives rank-bm25's scores bit for bit, and top-k equals sorting them all."""

from __future__ import annotations

import itertools
import random
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from retrieval.counts import TermCounts, encode_corpus
from retrieval.index import BM25Index


def zipf_corpus(n_docs: int, seed: int, *, vocabulary: int = 3000) -> list[list[str]]:
    """Passages with a skewed vocabulary: a few terms in most passages, a long tail."""
    rng = random.Random(seed)
    words = [f"t{i}" for i in range(vocabulary)]
    cumulative = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(words))))
    return [rng.choices(words, cum_weights=cumulative, k=rng.randint(0, 80)) for _ in range(n_docs)]


def zipf_queries(n: int, seed: int, *, vocabulary: int = 3000) -> list[list[str]]:
    rng = random.Random(seed)
    words = [f"t{i}" for i in range(vocabulary)]
    cumulative = list(itertools.accumulate(1.0 / (rank + 1) ** 0.7 for rank in range(len(words))))
    queries = [rng.choices(words, cum_weights=cumulative, k=rng.randint(1, 6)) for _ in range(n)]
    return [*queries, ["t0", "t0", "t1"], ["t5", "unknown"], ["t2999", "t2998"], ["t0"]]


def sorted_top(index: BM25Index, query: list[str], k: int) -> list[tuple[int, float]]:
    """The reference top-k: every matching passage, sorted by (-score, passage id)."""
    docs, scores = index.score(query)
    order = np.lexsort((docs, -scores))[:k]
    return [(int(docs[i]), float(scores[i])) for i in order]


@pytest.fixture(scope="module")
def corpus() -> list[list[str]]:
    return zipf_corpus(2500, seed=11)


@pytest.fixture(scope="module")
def reference(corpus: list[list[str]]) -> BM25Okapi:
    return BM25Okapi(corpus)


def test_every_score_is_bit_identical_to_rank_bm25(
    corpus: list[list[str]], reference: BM25Okapi
) -> None:
    index = BM25Index(corpus)
    for query in zipf_queries(150, seed=3):
        assert np.array_equal(index.get_scores(query), reference.get_scores(query)), query


def test_every_idf_is_bit_identical_including_epsilon_for_common_terms(
    corpus: list[list[str]], reference: BM25Okapi
) -> None:
    index = BM25Index(corpus)
    common = [t for t in ("t0", "t1", "t2") if sum(t in doc for doc in corpus) > len(corpus) / 2]
    assert common  # their negative idf is replaced by epsilon x the average idf
    assert index.term_idf(common[0]) == reference.epsilon * reference.average_idf
    assert {t: index.term_idf(t) for t in reference.idf} == reference.idf
    assert index.avgdl == reference.avgdl


def test_term_ids_in_another_order_still_sum_idf_in_rank_bm25_order(
    corpus: list[list[str]], reference: BM25Okapi
) -> None:
    terms, counts = encode_corpus(corpus)
    shuffled = list(range(len(terms)))
    random.Random(5).shuffle(shuffled)
    mapping = np.asarray(shuffled, dtype=np.int32)
    renamed = [""] * len(terms)
    for old, new in enumerate(shuffled):
        renamed[new] = terms[old]
    index = BM25Index.from_counts(renamed, counts.remapped(mapping))
    assert {t: index.term_idf(t) for t in reference.idf} == reference.idf
    assert np.array_equal(index.get_scores(["t0", "t7"]), reference.get_scores(["t0", "t7"]))


@pytest.mark.parametrize("idf_floor", [None, 0.05])
@pytest.mark.parametrize("k", [1, 5, 10, 37])
def test_top_k_equals_sorting_every_score(
    corpus: list[list[str]], idf_floor: float | None, k: int
) -> None:
    index = BM25Index(corpus, idf_floor=idf_floor)
    for query in zipf_queries(120, seed=k):
        assert index.top_k(query, k) == sorted_top(index, query, k), query


def test_top_k_breaks_long_runs_of_ties_by_passage_id() -> None:
    corpus = [["same", "words", "here"] for _ in range(300)] + [["other"]] * 50
    index = BM25Index(corpus)
    top = index.top_k(["same", "words"], 7)
    assert [pid for pid, _ in top] == [0, 1, 2, 3, 4, 5, 6]
    assert len({score for _, score in top}) == 1


def test_top_k_on_a_large_corpus_equals_sorting_for_common_and_rare_terms() -> None:
    corpus = zipf_corpus(20000, seed=2, vocabulary=20000)
    index = BM25Index(corpus, idf_floor=0.05)
    queries = [["t0", "t1", "t2"], ["t0", "t19000"], ["t3", "t3", "t40", "t400", "t4000"]]
    for query in queries + zipf_queries(60, seed=9, vocabulary=20000):
        assert index.top_k(query, 10) == sorted_top(index, query, 10), query


def test_unused_term_ids_are_left_out_of_the_vocabulary_and_the_average_idf() -> None:
    corpus = [["api", "rest"], ["api", "grpc"], ["cache"], ["queue"], ["cache", "ttl"]]
    terms, counts = encode_corpus(corpus)
    index = BM25Index.from_counts([*terms, "gone", "removed"], counts)
    assert sorted(index.vocabulary) == sorted(terms)
    assert index.term_idf("gone") is None
    reference = BM25Okapi(corpus)
    assert {t: index.term_idf(t) for t in terms} == reference.idf


def test_counts_keep_first_seen_order_and_lengths() -> None:
    counts = TermCounts.from_passages([[4, 2, 4, 9], [], [1]])
    assert counts.doc_ptr.tolist() == [0, 3, 3, 4]
    assert counts.terms.tolist() == [4, 2, 9, 1]
    assert counts.tf.tolist() == [2, 1, 1, 1]
    assert counts.doc_len.tolist() == [4, 0, 1]
    both = TermCounts.concatenate([counts, counts])
    assert both.doc_ptr.tolist() == [0, 3, 3, 4, 7, 7, 8]
    assert both.doc_len.tolist() == [4, 0, 1, 4, 0, 1]


def test_weighted_scores_add_weight_times_bm25_per_term(
    corpus: list[list[str]], reference: BM25Okapi
) -> None:
    index = BM25Index(corpus)
    docs, scores = index.weighted_scores({"t3": 1.0, "t50": 0.5})
    dense = reference.get_scores(["t3"]) + 0.5 * reference.get_scores(["t50"])
    assert docs.tolist() == np.flatnonzero(index.get_scores(["t3", "t50"]) != 0).tolist()
    np.testing.assert_allclose(scores, dense[docs], rtol=1e-15, atol=0)


def test_dense_weighted_scores_are_the_sparse_ones_bit_for_bit(corpus: list[list[str]]) -> None:
    index = BM25Index(corpus)
    for weights in ({"t3": 1.0}, {"t3": 1.0, "t50": 0.5, "t7": 2.0}, {"t50": 0.5}):
        docs, scores = index.weighted_scores(weights)
        dense = index.dense_weighted_scores(weights)
        assert dense is not None and len(dense) == len(index)
        assert np.flatnonzero(dense).tolist() == docs.tolist()  # 0 exactly where no term
        assert dense[docs].tobytes() == scores.tobytes()
    assert index.dense_weighted_scores({"unknown": 1.0}) is None


@pytest.mark.parametrize("budget", [0, 3 * 8 * 2500, 1 << 30])
def test_dense_rows_of_common_terms_add_the_same_bits_in_any_term_order(
    corpus: list[list[str]], monkeypatch: pytest.MonkeyPatch, budget: int
) -> None:
    """Common terms are added as whole rows, rare ones posting by posting; whatever the
    mix, order and weights, every document's sum is the one its postings give."""
    from retrieval import index as index_module

    monkeypatch.setattr(index_module, "DENSE_ROWS_BUDGET", budget)  # none, 3 rows, all
    index = BM25Index(corpus)
    rng = random.Random(4)
    common = ["t0", "t1", "t2", "t3", "t4"]
    rare = ["t40", "t300", "t900", "t2000"]
    for _ in range(60):
        chosen = rng.sample(common, rng.randint(0, 3)) + rng.sample(rare, rng.randint(0, 3))
        rng.shuffle(chosen)
        weights = {t: rng.choice([0.5, 1.0, 2.0]) for t in chosen}
        docs, scores = index.weighted_scores(weights)
        dense = index.dense_weighted_scores(weights)
        if not docs.size:
            assert dense is None or not dense.any()
            continue
        assert dense is not None
        assert np.flatnonzero(dense).tolist() == docs.tolist()
        assert dense[docs].tobytes() == scores.tobytes()
    rows = [row for row in index._rows.values() if row is not None]
    assert len(rows) == min(budget // (8 * len(corpus)), 5)  # the budget is kept


def test_postings_and_contains_agree_with_the_corpus(corpus: list[list[str]]) -> None:
    index = BM25Index(corpus)
    having = [i for i, doc in enumerate(corpus) if "t120" in doc]
    assert index.postings("t120").tolist() == having
    assert index.contains("t120", having[0])
    assert not index.contains("t120", having[0] + 1) or having[0] + 1 in having
    assert not index.contains("unknown", 0)
    assert index.postings("unknown").tolist() == []


def test_rows_made_at_start_are_the_most_common_terms_within_the_budget(
    corpus: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from retrieval import index as index_module

    monkeypatch.setattr(index_module, "DENSE_ROWS_BUDGET", 4 * 8 * len(corpus))  # 4 rows
    index = BM25Index(corpus)
    weights = {"t3": 1.0, "t300": 0.5, "t0": 2.0}
    lazily = index.dense_weighted_scores(weights)
    started = BM25Index(corpus)
    started.make_dense_rows()
    made = [t for t, row in started._rows.items() if row is not None]
    by_freq = sorted(range(len(started.doc_freq)), key=lambda t: (-started.doc_freq[t], t))
    assert made == by_freq[:4]
    result = started.dense_weighted_scores(weights)
    assert lazily is not None and result is not None
    assert result.tobytes() == lazily.tobytes()


def test_contains_answers_the_same_from_a_common_terms_dense_row(corpus: list[list[str]]) -> None:
    index = BM25Index(corpus)
    common = ["t0", "t1", "t2"]
    before = {t: [index.contains(t, i) for i in range(len(corpus))] for t in common}
    index.dense_weighted_scores(dict.fromkeys(common, 1.0))  # makes their rows
    assert all(index._rows.get(index.vocabulary[t]) is not None for t in common)
    for term in common:
        assert [index.contains(term, i) for i in range(len(corpus))] == before[term]
        assert before[term] == [term in doc for doc in corpus]


def test_top_k_skips_postings_without_falling_back_to_scoring_everything(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    corpus = zipf_corpus(20000, seed=4, vocabulary=20000)
    index = BM25Index(corpus, idf_floor=0.05)
    expected = {
        tuple(q): sorted_top(index, q, 10) for q in (["t0", "t15000"], ["t1", "t2", "t900"])
    }

    def scoring_everything(*args: object) -> None:
        raise AssertionError("MaxScore should have pruned this query")

    monkeypatch.setattr("retrieval.selection.exhaustive", scoring_everything)
    for query, top in expected.items():
        assert index.top_k(list(query), 10) == top


def test_answers_do_not_depend_on_which_questions_came_first_or_on_threads(
    corpus: list[list[str]],
) -> None:
    """A term's factors are made on first use: order and concurrency must not show."""
    queries = zipf_queries(80, seed=5)
    terms, counts = encode_corpus(corpus)
    first = BM25Index(corpus)  # every term prepared up front
    forward = [first.top_k(q, 10) for q in queries]
    second = BM25Index.from_counts(terms, counts, lazy=True)
    backward = [second.top_k(q, 10) for q in reversed(queries)][::-1]
    assert forward == backward
    third = BM25Index.from_counts(terms, counts, lazy=True)
    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(lambda q: third.top_k(q, 10), queries))
    assert threaded == forward
    assert [third.get_scores(q).tolist() for q in queries[:5]] == [
        first.get_scores(q).tolist() for q in queries[:5]
    ]


def test_exact_scores_on_the_spot_are_the_kept_factors_scores_bit_for_bit(
    corpus: list[list[str]],
) -> None:
    terms, counts = encode_corpus(corpus)
    kept = BM25Index.from_counts(terms, counts)
    spot = BM25Index.from_counts(terms, counts, keep_factors=False)
    rng = np.random.default_rng(3)
    for _ in range(50):
        cands = np.unique(rng.integers(0, len(corpus), rng.integers(1, 80))).astype(np.int32)
        query = [kept.vocabulary[t] for t in rng.choice(terms, rng.integers(1, 5))]
        query += query[:1]  # a repeated word counts twice
        expected = kept.exact_scores(cands, query)
        assert spot.exact_scores(cands, query).tobytes() == expected.tobytes()
    none = np.zeros(0, dtype=np.int32)
    assert spot.exact_scores(cands, []).tolist() == [0.0] * len(cands)
    assert spot.exact_scores(none, query).tolist() == kept.exact_scores(none, query).tolist()
    assert not any(spot._ready)  # no term's factors were made for its whole postings
    assert spot.top_k(corpus[0][:3], 5) == kept.top_k(corpus[0][:3], 5)  # made when asked


def test_first_positions_are_where_each_term_first_occurs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from retrieval import index as index_module

    rng = np.random.default_rng(9)
    terms = rng.integers(0, 50, 5000).astype(np.int32)
    expected = [-1] * 60
    for at, term in reversed(list(enumerate(terms.tolist()))):
        expected[term] = at
    monkeypatch.setattr(index_module, "_CHUNK", 7)  # many chunks: the first still wins
    assert index_module._first_positions(terms, 60).tolist() == expected


def test_scores_made_a_chunk_at_a_time_equal_the_ones_made_per_term(
    corpus: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A start makes every term's scores in chunks that cut through posting lists; a
    reload makes them term by term. Both must give the same bits."""
    from retrieval import index as index_module

    terms, counts = encode_corpus(corpus)
    monkeypatch.setattr(index_module, "_CHUNK", 97)  # a chunk ends inside most lists
    chunked = BM25Index.from_counts(terms, counts)
    per_term = BM25Index.from_counts(terms, counts, lazy=True)
    for term in chunked.vocabulary:
        docs, scores = chunked.weighted_scores({term: 1.0})
        expected_docs, expected = per_term.weighted_scores({term: 1.0})
        assert docs.tolist() == expected_docs.tolist()
        assert scores.tobytes() == expected.tobytes()
