"""Questions become weighted terms: filler dropped unless it spells out an entry name."""

from __future__ import annotations

import pytest

from retrieval.query import QueryParser, QueryTerm, shipped_filler
from retrieval.spelling import Speller
from retrieval.synonyms import Synonyms

DOC_FREQ = {"question": 2, "bank": 5, "pool": 2, "design": 3, "data": 4}
# Several names start with the same word, with different lengths.
NAMES = [("question", "bank"), ("question", "pool", "bank"), ("question", "design"), ("data",)]


@pytest.fixture(scope="module")
def parser() -> QueryParser:
    return QueryParser(
        doc_freq=DOC_FREQ,
        names=NAMES,
        speller=Speller(DOC_FREQ, {}),
        synonyms=Synonyms([]),
        filler=shipped_filler(),
    )


@pytest.mark.parametrize(
    ("question", "kept", "dropped"),
    [
        ("question bank", ("question", "bank"), ()),
        ("Question pool bank?", ("question", "pool", "bank"), ()),
        ("a question design for data", ("question", "design", "data"), ()),
        ("quick question: what is a pool", ("pool",), ("quick", "question")),
        ("quick question: what is a bank", ("question", "bank"), ("quick",)),  # stopwords skipped
        ("question pool", ("pool",), ("question",)),
        ("bank question", ("bank",), ("question",)),
    ],
)
def test_a_filler_word_is_kept_only_inside_a_name_written_out(
    parser: QueryParser, question: str, kept: tuple[str, ...], dropped: tuple[str, ...]
) -> None:
    query = parser.parse(question)
    assert query.analyzed == kept
    assert query.dropped == dropped


def test_terms_say_where_they_came_from(parser: QueryParser) -> None:
    query = parser.parse("why question bank")
    assert query.terms == (
        QueryTerm("question", 1.0, "question", "question"),
        QueryTerm("bank", 1.0, "bank", "question"),
    )
    assert [(x.phrase, x.terms) for x in query.expansions] == [(("why",), ("advantag",))]
    assert query.weights() == {"question": 1.0, "bank": 1.0}
