"""The ranker's fields are analysed with the passages and assembled from arrays.

They must equal what analysing every name and heading of the built glossary gives,
since a start or a reload now only concatenates what the build records hold.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from retrieval import Glossary
from retrieval.analysis import analyze
from retrieval.building import Lexicon, analyse_entry
from retrieval.field_terms import Ragged, name_words
from retrieval.fields import Fields, Postings
from retrieval.models import Block, Entry
from retrieval.ranking import passage_terms
from tests.retrieval.knowledge_files import make_folder

HTTP = Entry(
    id="http",
    title="HTTP",
    path=Path("http.md"),
    blocks=(
        Block(None, "The HyperText Transfer Protocol (HTTP) moves web pages.", 5),
        Block("Advantages", "Simple and stateless.", 9, label="Simplicity", is_item=True),
        Block("Advantages", "Cached by proxies.", 10, label="Caching", is_item=True),
    ),
    aliases=("Hypertext protocol",),
)


def test_an_entry_yields_its_names_headings_labels_and_whole_entry_counts() -> None:
    lexicon = Lexicon()
    record = analyse_entry(HTTP.path, HTTP, lexicon)
    passages, lengths, fields = record.passages, record.lengths, record.fields
    terms = lexicon.terms
    assert fields.names == ("HTTP", "Hypertext protocol", "HyperText Transfer Protocol")
    decoded = [terms[i] for i in fields.name_terms.ids.tolist()]
    assert decoded == [t for name in fields.names for t in analyze(name)]
    assert fields.name_terms.lengths.tolist() == [len(analyze(n)) for n in fields.names]
    sections = [terms[i] for i in fields.section_terms.ids.tolist()]
    assert sections == analyze("Advantages") * 2
    assert fields.section_terms.lengths.tolist() == [0, 1, 1]  # the lead has no section
    assert [terms[i] for i in fields.label_terms.ids.tolist()] == analyze("Simplicity Caching")
    whole = Counter(t for p in passages for t in passage_terms(p))
    counts = fields.entry_counts
    assert len(counts) == 1 and int(counts.doc_len[0]) == int(lengths.sum()) == whole.total()
    assert {terms[t]: int(n) for t, n in zip(counts.terms, counts.tf, strict=True)} == whole
    assert len(passages) == 3


def test_postings_of_ragged_documents_list_each_document_once_in_order() -> None:
    term_ids = {"a": 0, "b": 1, "c": 2, "unused": 3}
    docs = Ragged.of([[0, 1, 0], [], [2], [1, 2]])
    postings = Postings(docs, term_ids, n_terms=4)
    assert len(postings) == 4
    assert postings.postings("a").tolist() == [0]
    assert postings.postings("b").tolist() == [0, 3]
    assert postings.postings("c").tolist() == [2, 3]
    assert postings.postings("unused").tolist() == []
    assert postings.postings("never seen").tolist() == []
    idf = np.asarray([1.0, 2.0, 4.0, 8.0])
    assert postings.masses(idf).tolist() == [3.0, 1.0, 4.0, 6.0]  # empty counts as 1


def test_a_common_terms_held_row_marks_exactly_its_documents(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from retrieval import fields

    term_ids = {"common": 0, "rare": 1}
    docs = Ragged.of([[0] if i % 3 else [] for i in range(64)] + [[1]])
    postings = Postings(docs, term_ids, n_terms=2)
    row = postings.held("common")
    assert row is not None and np.flatnonzero(row).tolist() == postings.postings("common").tolist()
    assert postings.held("rare") is None  # in 1 of 65 documents: below 1 in 32
    assert postings.held("unknown") is None
    monkeypatch.setattr(fields, "HELD_ROWS_BUDGET", 0)
    assert Postings(docs, term_ids, n_terms=2).held("common") is None  # no budget, no row


def test_a_term_added_to_the_lexicon_later_has_no_postings_yet() -> None:
    term_ids = {"a": 0}
    postings = Postings(Ragged.of([[0]]), term_ids, n_terms=1)
    term_ids["new"] = 1  # a later reload grew the shared lexicon
    assert postings.postings("new").tolist() == []


def test_assembled_fields_equal_analysing_the_glossary_directly(tmp_path: Path) -> None:
    glossary = Glossary.from_folder(make_folder(tmp_path))
    fields = glossary._ranker.fields
    by_entry: dict[str, int] = {}
    for n, entry_id in enumerate(fields.entry_ids):
        by_entry[entry_id] = n
        lo, hi = int(fields.entry_passages[n]), int(fields.entry_passages[n + 1])
        assert {p.entry for p in glossary.passages[lo:hi]} == {entry_id}
        names = [tuple(analyze(name)) for name in _names_of(fields, n)]
        assert fields.names_by_number[n] == names
    for i, passage in enumerate(glossary.passages):
        wanted = set(analyze(passage.section or ""))
        got = {t for t in wanted if i in fields.sections.postings(t).tolist()}
        assert got == wanted
    assert sorted(by_entry) == sorted(glossary.entries)


def _names_of(fields: Fields, number: int) -> list[str]:
    return [fields.name_text[i] for i in np.flatnonzero(fields.name_entry == number).tolist()]


def test_name_words_for_typo_correction_equal_reading_every_name_at_once(
    tmp_path: Path,
) -> None:
    glossary = Glossary.from_folder(make_folder(tmp_path))
    fields = glossary._ranker.fields
    expected = name_words(fields.name_text)
    assert expected  # the fixture's names have words
    assert list(fields.name_words.items()) == list(expected.items())
