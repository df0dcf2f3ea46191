"""Scoring a few candidate passages gives rank-bm25's scores bit for bit, on either path."""

from __future__ import annotations

import random

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from retrieval.index import BM25Index


def skewed_corpus(n_docs: int, seed: int) -> list[list[str]]:
    """Passages where "t0" is in most passages and "t9xx" in a handful."""
    rng = random.Random(seed)
    words = [f"t{i}" for i in range(1000)]
    weights = [1.0 / (rank + 1) for rank in range(len(words))]
    return [rng.choices(words, weights=weights, k=rng.randint(1, 40)) for _ in range(n_docs)]


@pytest.fixture(scope="module")
def corpus() -> list[list[str]]:
    return skewed_corpus(3000, seed=7)


@pytest.mark.parametrize("n_cands", [1, 7, 150, 3000])
@pytest.mark.parametrize(
    "query",
    [["t0"], ["t0", "t0", "t3"], ["t950", "t1", "t950"], ["t2", "t400", "t0", "t2"]],
)
def test_candidate_scores_equal_rank_bm25_whether_postings_are_short_or_long(
    corpus: list[list[str]], query: list[str], n_cands: int
) -> None:
    index = BM25Index(corpus)
    expected = BM25Okapi(corpus).get_scores(query)
    cands = np.asarray(
        sorted(random.Random(n_cands).sample(range(len(corpus)), n_cands)), dtype=np.int32
    )
    scores = index.exact_scores(cands, [index.vocabulary[t] for t in query])
    assert scores.tobytes() == expected[cands].tobytes()


def test_no_candidates_score_nothing(corpus: list[list[str]]) -> None:
    index = BM25Index(corpus)
    no_cands = np.zeros(0, dtype=np.int32)
    assert index.exact_scores(no_cands, [index.vocabulary["t0"]]).tolist() == []
