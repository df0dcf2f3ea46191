"""The passages' terms the benchmark compares engines on are BM25-equal to reading order.

The build keeps term counts, not token streams; ``PassageTerms`` gives each passage's
terms grouped (each distinct term as often as it occurs, in first-seen order). rank-bm25
must score those exactly as it scores the passages' terms in reading order.
"""

from __future__ import annotations

from pathlib import Path

from rank_bm25 import BM25Okapi

from retrieval import Glossary
from retrieval.analysis import analyze
from retrieval.ranking import passage_terms
from tests.retrieval.knowledge_files import make_folder


def test_grouped_terms_give_rank_bm25_the_same_idf_and_scores(tmp_path: Path) -> None:
    glossary = Glossary.from_folder(make_folder(tmp_path))
    reading = [passage_terms(p) for p in glossary.passages]
    grouped = list(glossary._passage_terms)
    assert grouped != reading  # really regrouped, or this test proves nothing
    assert [sorted(a) for a in grouped] == [sorted(b) for b in reading]
    by_reading, by_group = BM25Okapi(reading), BM25Okapi(grouped)
    assert list(by_group.idf.items()) == list(by_reading.idf.items())  # values and order
    for question in ("what is an api", "message queue retries", "cache time to live"):
        query = analyze(question)
        assert by_group.get_scores(query).tolist() == by_reading.get_scores(query).tolist()
