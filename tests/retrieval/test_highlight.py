"""Highlight spans: the words a question matched, found with the index's own analysis."""

from __future__ import annotations

from retrieval.analysis import analyze
from retrieval.highlight import highlight_spans


def marked(text: str, question: str) -> list[str]:
    return [text[start:end] for start, end in highlight_spans(text, analyze(question))]


def test_stems_and_case_match_like_the_index() -> None:
    text = "Back-end Engineers play a crucial role in fintech."
    assert marked(text, "back end engineer fintech") == ["Back-end", "Engineers", "fintech"]


def test_compounds_written_apart_are_one_span() -> None:
    assert highlight_spans("a back end service", analyze("backend")) == [(2, 10)]


def test_stopwords_and_unmatched_words_are_not_marked() -> None:
    assert marked("What is the API of the database?", "what is an API") == ["API"]


def test_offsets_refer_to_the_original_text_when_normalisation_changes_length() -> None:
    text = "The \ufb01ntech (ﬁ ligature) and caf\u00e9 API\u200b."
    spans = highlight_spans(text, analyze("fintech api"))
    assert [text[s:e] for s, e in spans] == ["\ufb01ntech", "API"]


def test_symbols_kept_whole() -> None:
    assert marked("Written in C++ and C#, not C.", "c++ c#") == ["C++", "C#"]


def test_no_terms_or_no_text_gives_no_spans() -> None:
    assert highlight_spans("anything", []) == []
    assert highlight_spans("", ["api"]) == []
