"""Glossary.refreshed: only changed files are read, broken files keep their last good
version, deleted files drop out, and the old glossary keeps answering."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from retrieval import Glossary
from retrieval.ranking import passage_terms
from tests.retrieval.knowledge_files import (
    API,
    BROKEN,
    CACHING,
    QUEUE,
    make_folder,
    parsed_files,
    write,
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return make_folder(tmp_path)


def same_as_cold(glossary: Glossary, folder: Path) -> None:
    cold = Glossary.from_folder(folder)
    assert glossary.entries == cold.entries
    assert tuple(glossary.passages) == tuple(cold.passages)
    assert list(glossary._passage_terms) == list(cold._passage_terms)
    for question in ("what is an api", "message queue", "cache expiry", "payments"):
        assert glossary.answer(question) == cold.answer(question)


def test_nothing_changed_returns_the_same_glossary_without_reading(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    glossary = Glossary.from_folder(folder)
    parsed = parsed_files(monkeypatch)
    refresh = glossary.refreshed()
    assert refresh.glossary is glossary
    assert (refresh.added, refresh.changed, refresh.removed) == ((), (), ())
    assert refresh.reread == ()
    assert parsed == []
    assert refresh.changes == 0


def test_an_added_file_is_the_only_one_read(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    glossary = Glossary.from_folder(folder)
    added = write(folder / "more" / "queue-two.md", QUEUE.replace("Message Queue", "Task Queue"))
    parsed = parsed_files(monkeypatch)
    refresh = glossary.refreshed()
    assert parsed == [added]
    assert refresh.added == ("queue-two",)
    assert (refresh.changed, refresh.removed) == ((), ())
    assert refresh.glossary.entries["queue-two"].title == "Task Queue"
    assert "queue-two" not in glossary.entries  # the old glossary is untouched
    same_as_cold(refresh.glossary, folder)


def test_a_changed_file_is_re_indexed_and_the_old_glossary_still_answers(folder: Path) -> None:
    glossary = Glossary.from_folder(folder)
    write(folder / "caching.md", CACHING.replace("time to live", "expiry deadline"))
    refresh = glossary.refreshed()
    assert refresh.changed == ("caching",)
    assert refresh.reread == (folder / "caching.md",)
    new_best = refresh.glossary.search("expiry deadline", limit=1)[0]
    assert new_best.entry == "caching"
    assert "expiry deadline" in new_best.text
    assert "time to live" in glossary.search("time to live", limit=1)[0].text
    same_as_cold(refresh.glossary, folder)


def test_a_file_that_breaks_keeps_its_last_good_version_and_reports_why(folder: Path) -> None:
    glossary = Glossary.from_folder(folder)
    write(folder / "api.md", BROKEN)
    refresh = glossary.refreshed()
    assert (refresh.added, refresh.changed, refresh.removed) == ((), (), ())
    assert refresh.kept == (folder / "api.md",)
    assert [str(p) for p in refresh.problems] == [
        f"{folder / 'api.md'}:2: broken front matter (expected ',' or ']', but got "
        "'<stream end>'): write 'key: value' lines, and quote values that contain ':' or '#'"
    ]
    assert refresh.glossary.entries["api"] == glossary.entries["api"]
    assert refresh.glossary.search("payment apis", limit=1)[0].entry == "api"
    assert any(p.path == folder / "api.md" for p in refresh.glossary.problems)
    assert "1 broken file(s) kept at their last good version" in refresh.summary()
    fixed = refresh.glossary.refreshed()  # unchanged broken file: nothing read again
    assert fixed.reread == ()
    write(folder / "api.md", API.replace("talk to each other", "cooperate"))
    repaired = fixed.glossary.refreshed()
    assert repaired.changed == ("api",)
    assert repaired.kept == ()
    assert not any(p.path == folder / "api.md" for p in repaired.glossary.problems)
    same_as_cold(repaired.glossary, folder)


def test_a_deleted_file_drops_out(folder: Path) -> None:
    glossary = Glossary.from_folder(folder)
    (folder / "more" / "message-queue.md").unlink()
    refresh = glossary.refreshed()
    assert refresh.removed == ("message-queue",)
    assert "message-queue" not in refresh.glossary.entries
    assert all(h.entry != "message-queue" for h in refresh.glossary.search("message queue"))
    same_as_cold(refresh.glossary, folder)


def test_a_touched_file_with_the_same_content_is_not_parsed(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    glossary = Glossary.from_folder(folder)
    write(folder / "api.md", API)  # new mtime, same bytes: its hash says it is unchanged
    parsed = parsed_files(monkeypatch)
    refresh = glossary.refreshed()
    assert parsed == []
    assert refresh.changes == 0
    assert refresh.glossary.entries == glossary.entries


def test_a_second_file_with_the_same_id_is_a_problem_and_the_first_stays(folder: Path) -> None:
    glossary = Glossary.from_folder(folder)
    write(folder / "zz" / "api.md", API.replace("title: API", "title: Other API"))
    refresh = glossary.refreshed()
    assert refresh.glossary.entries["api"].title == "API"
    assert (refresh.added, refresh.changed) == ((), ())
    messages = [str(p) for p in refresh.glossary.problems]
    assert (
        f"{folder / 'zz' / 'api.md'}:1: duplicate entry id 'api' (also {folder / 'api.md'}): "
        "rename one of the files"
    ) in messages


def test_a_glossary_made_from_entries_refreshes_from_the_folder_it_is_given(folder: Path) -> None:
    from_entries = Glossary(list(Glossary.from_folder(folder).entries.values()))
    with pytest.raises(ValueError, match="pass the folders to read"):
        from_entries.refreshed()
    refresh = from_entries.refreshed([folder])
    assert refresh.changes == 0
    same_as_cold(refresh.glossary, folder)


def test_many_edits_in_a_row_match_a_cold_build(folder: Path) -> None:
    glossary = Glossary.from_folder(folder)
    for i in range(5):
        write(folder / f"extra-{i}.md", QUEUE.replace("Message Queue", f"Queue {i}"))
        write(folder / "caching.md", CACHING.replace("faster", f"faster ({i})"))
        if i == 2:
            (folder / "extra-0.md").unlink()
        glossary = glossary.refreshed().glossary
    assert sorted(glossary.entries) == [
        "api", "caching", "extra-1", "extra-2", "extra-3", "extra-4", "message-queue",
    ]  # fmt: skip
    same_as_cold(glossary, folder)


def test_passage_terms_decode_every_passage_by_index_slice_and_iteration(folder: Path) -> None:
    glossary = Glossary.from_folder(folder)
    refreshed = glossary.refreshed([folder]).glossary  # records reused, not re-analysed
    terms = refreshed._passage_terms
    listed = list(terms)
    assert len(terms) == len(listed) == len(refreshed.passages) == 6
    assert [terms[i] for i in range(len(terms))] == listed
    assert terms[-1] == listed[-1]
    assert terms[1:3] == listed[1:3]
    first = passage_terms(refreshed.passages[0])
    assert Counter(listed[0]) == Counter(first)  # the same bag of words
    assert list(dict.fromkeys(listed[0])) == list(dict.fromkeys(first))  # met in that order
    with pytest.raises(IndexError):
        terms[len(terms)]


def test_an_edit_to_synonyms_txt_alone_is_picked_up(folder: Path) -> None:
    glossary = Glossary.from_folder(folder)
    question = "what is a job broker"
    assert not glossary.answer(question).answered
    write(folder / "synonyms.txt", "job broker, message queue\n")
    refresh = glossary.refreshed()
    assert refresh.glossary is not glossary
    assert (refresh.added, refresh.changed, refresh.removed) == ((), (), ())
    answer = refresh.glossary.answer(question)
    assert answer.answered
    assert answer.hits[0].entry == "message-queue"
    assert refresh.glossary.refreshed().glossary is refresh.glossary  # and only once
