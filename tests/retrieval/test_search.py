"""Specification of Glossary.search: hits, confidence, small corpora and bad questions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval import EmptyGlossaryError, Glossary, Hit, KnowledgeFolderError, fields, index

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def bundled() -> Glossary:
    return Glossary.from_folder(KNOWLEDGE)


def test_example_question_reaches_the_fintech_item(bundled: Glossary) -> None:
    hits = bundled.search("what does a back-end engineer do in fintech")
    assert hits[0] == Hit(
        entry="back-end-engineer",
        title="Back-end Engineer",
        section="Applications",
        label="Fintech",
        text=hits[0].text,
        url="https://itexus.com/glossary/back-end-engineer-2/",
        score=hits[0].score,
    )
    assert hits[0].text.startswith("Back-end Engineers play a crucial role")
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_limit_bounds_the_hits(bundled: Glossary) -> None:
    assert len(bundled.search("engineer", limit=3)) == 3
    assert len(bundled.search("engineer", limit=1)) == 1


def test_search_is_deterministic(bundled: Glossary) -> None:
    first = bundled.search("cloud fintech security", limit=10)
    again = Glossary.from_folder(KNOWLEDGE).search("cloud fintech security", limit=10)
    assert first == again


@pytest.mark.parametrize("question", ["", "   ", "\n\t", "what is it?", "the of and", "?!"])
def test_empty_or_stopword_questions_get_no_hits(bundled: Glossary, question: str) -> None:
    answer = bundled.answer(question)
    assert answer.hits == ()
    assert not answer.answered


def test_a_100_kb_question_is_cut_and_still_answered(bundled: Glossary) -> None:
    question = "what does a back-end engineer do in fintech " + "lorem ipsum " * 9000
    assert len(question) > 100_000
    answer = bundled.answer(question)
    assert answer.truncated
    assert len(answer.query) <= 1000
    assert answer.hits[0].entry == "back-end-engineer"


def test_odd_unicode_and_html_looking_text_do_not_break_search(bundled: Glossary) -> None:
    assert bundled.search("<b>what</b> is an API & SQL?")[0].entry in {"api", "sql"}
    assert bundled.search("\u202ekubernetes\u200b 🚀")[0].entry == "kubernetes"
    assert bundled.search("\x00\x01\ufffd") == []


def test_out_of_glossary_question_is_not_answered(bundled: Glossary) -> None:
    answer = bundled.answer("recipe for chocolate cake")
    assert not answer.answered


def test_tiny_corpus_term_in_every_passage_is_still_found(tmp_path: Path) -> None:
    write(tmp_path, "api.md", "---\ntitle: API\n---\nAn API lets programs talk.\n")
    glossary = Glossary.from_folder(tmp_path)
    hits = glossary.search("what is an API")
    assert [h.entry for h in hits] == ["api"]
    assert hits[0].score > 0


def test_term_in_half_the_passages_is_still_found(tmp_path: Path) -> None:
    write(tmp_path, "a.md", "---\ntitle: Alpha\n---\nFintech payments.\n")
    write(tmp_path, "b.md", "---\ntitle: Beta\n---\nHospital records.\n")
    glossary = Glossary.from_folder(tmp_path)
    assert [h.entry for h in glossary.search("fintech")] == ["a"]


def test_empty_folder_gives_a_clear_message(tmp_path: Path) -> None:
    glossary = Glossary.from_folder(tmp_path)
    assert len(glossary) == 0
    assert glossary.search("anything") == []
    with pytest.raises(EmptyGlossaryError, match=r"no glossary entries in .*: add Markdown files"):
        glossary.require_entries(str(tmp_path))


def test_missing_folder_gives_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(
        KnowledgeFolderError, match="does not exist: create it or pass --knowledge DIR"
    ):
        Glossary.from_folder(tmp_path / "nope")


def test_broken_files_are_skipped_and_listed(tmp_path: Path) -> None:
    write(tmp_path, "good.md", "---\ntitle: Good\n---\nGood text about caching.\n")
    write(tmp_path, "bad.md", "---\ntitle: [oops\n---\nBad.\n")
    glossary = Glossary.from_folder(tmp_path)
    assert list(glossary.entries) == ["good"]
    assert [p.path.name for p in glossary.problems] == ["bad.md"]


def test_find_entry_by_id_title_alias_or_search(bundled: Glossary) -> None:
    assert (found := bundled.find_entry("back-end-engineer")) and found.id == "back-end-engineer"
    assert (
        found := bundled.find_entry("Server-side Developer")
    ) and found.id == "back-end-engineer"
    assert (found := bundled.find_entry("k8s")) and found.id == "kubernetes"
    assert bundled.find_entry("???") is None


def test_passage_factors_on_the_spot_give_the_same_answers(
    bundled: Glossary, monkeypatch: pytest.MonkeyPatch
) -> None:
    questions = [
        json.loads(line)["q"]
        for line in (KNOWLEDGE.parent / "evals" / "bundled.jsonl").read_text().splitlines()
    ]
    monkeypatch.setattr(fields, "EXHAUSTIVE_FACTOR", 0)  # candidates scored one by one
    kept = Glossary.from_folder(KNOWLEDGE)
    monkeypatch.setattr(index, "FACTOR_BUDGET", 0)  # as a glossary too big to keep them
    spot = Glossary.from_folder(KNOWLEDGE)
    assert kept._index.keep_factors and kept._ranker.fields.entries.keep_factors
    assert not spot._index.keep_factors and not spot._ranker.fields.entries.keep_factors
    for question in questions:
        expected = bundled.answer(question, limit=10)
        assert kept.answer(question, limit=10) == expected
        assert spot.answer(question, limit=10) == expected
    assert not any(spot._index._ready)  # no posting list's factors were made
    assert not any(spot._ranker.fields.entries._ready)
