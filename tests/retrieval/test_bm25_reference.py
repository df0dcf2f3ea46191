"""BM25 scores equal rank-bm25's BM25Okapi on the same tokens, and small corpora behave."""

from __future__ import annotations

import random

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from retrieval.index import BM25Index


def zipf_corpus(n_docs: int, seed: int) -> list[list[str]]:
    """Passages with a skewed vocabulary, like real text: a few very common terms."""
    rng = random.Random(seed)
    vocabulary = [f"t{i}" for i in range(2000)]
    weights = [1.0 / (rank + 1) for rank in range(len(vocabulary))]
    return [rng.choices(vocabulary, weights, k=rng.randint(0, 60)) for _ in range(n_docs)]


@pytest.fixture(scope="module")
def corpus() -> list[list[str]]:
    return zipf_corpus(1500, seed=7)


QUERIES = [
    ["t0"],  # in most passages: rank-bm25 turns its negative idf into epsilon * average idf
    ["t1", "t2", "t3"],
    ["t5", "t5", "t900"],  # repeated terms count twice
    ["t1999", "unknown"],
    ["unknown"],
    [],
    ["t10", "t100", "t1000", "t50", "t7", "t0"],
]


@pytest.mark.parametrize("query", QUERIES)
def test_scores_equal_rank_bm25(corpus: list[list[str]], query: list[str]) -> None:
    reference = BM25Okapi(corpus).get_scores(query)
    ours = BM25Index(corpus).get_scores(query)
    assert len(corpus) >= 1000
    np.testing.assert_allclose(ours, reference, rtol=0, atol=1e-9)


def test_idf_equals_rank_bm25_for_every_term(corpus: list[list[str]]) -> None:
    reference = BM25Okapi(corpus)
    index = BM25Index(corpus)
    for term, idf in reference.idf.items():
        assert index.term_idf(term) == pytest.approx(idf, abs=1e-12)


def test_a_query_only_touches_passages_that_contain_its_terms(corpus: list[list[str]]) -> None:
    index = BM25Index(corpus)
    docs, _ = index.score(["t1500", "t1700"])
    containing = {i for i, doc in enumerate(corpus) if "t1500" in doc or "t1700" in doc}
    assert set(docs.tolist()) == containing
    assert 0 < len(containing) < len(corpus) / 10


def test_top_k_is_best_first_with_ties_broken_by_passage_order() -> None:
    corpus = [["a", "b"], ["a", "b"], ["c"], ["a"], ["d"], ["e"], ["f"], ["g"]]
    index = BM25Index(corpus)
    top = index.top_k(["a"], 3)
    assert [pid for pid, _ in top] == [3, 0, 1]
    assert top[1][1] == top[2][1]


def test_rank_bm25_zeroes_a_term_in_half_the_passages_and_the_floor_keeps_it_findable() -> None:
    corpus = [["fintech", "bank"], ["fintech", "payment"], ["health"], ["school"]]
    assert BM25Okapi(corpus).get_scores(["fintech"]).tolist() == [0.0, 0.0, 0.0, 0.0]
    exact = BM25Index(corpus)
    floored = BM25Index(corpus, idf_floor=0.05)
    assert exact.get_scores(["fintech"]).tolist() == [0.0, 0.0, 0.0, 0.0]
    assert [pid for pid, _ in floored.top_k(["fintech"], 5)] == [0, 1]
    assert all(score > 0 for _, score in floored.top_k(["fintech"], 5))


def test_one_passage_corpus_scores_its_match_positive_with_the_floor() -> None:
    corpus = [["api", "interface"]]
    assert BM25Okapi(corpus).get_scores(["api"])[0] < 0
    assert BM25Index(corpus, idf_floor=0.05).top_k(["api"], 1)[0][1] > 0


def test_empty_corpus_does_not_divide_by_zero() -> None:
    with pytest.raises(ZeroDivisionError):
        BM25Okapi([])
    index = BM25Index([])
    assert len(index) == 0
    assert index.top_k(["anything"], 5) == []
    assert index.get_scores(["anything"]).tolist() == []
