"""``ask --explain`` names the query terms each passage matched."""

from __future__ import annotations

from pathlib import Path

from retrieval import Glossary
from retrieval.explain import explain, matched_terms

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"


def test_matched_terms_are_the_query_terms_in_the_passage_in_query_order() -> None:
    glossary = Glossary.from_folder(KNOWLEDGE)
    index = glossary._ranker.index
    lead = next(i for i, p in enumerate(glossary.passages) if p.entry == "agile")
    assert matched_terms(index, ["softwar", "zzz", "agil", "blockchain"], lead) == [
        "softwar",
        "agil",
    ]
    assert "matched: agil" in explain(glossary, "what is agile")
