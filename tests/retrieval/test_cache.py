"""The on-disk cache: a warm start equals a cold build, reads only changed files, and a
corrupt or stale cache is logged and rebuilt."""

from __future__ import annotations

import json
import logging
import zipfile
from pathlib import Path

import numpy as np
import pytest

from retrieval import Glossary, cache
from tests.retrieval.knowledge_files import API, make_folder, parsed_files, write

QUESTIONS = ["what is an api", "payment apis in fintech", "cache time to live", "mq"]


def same_glossary(a: Glossary, b: Glossary) -> None:
    assert a.entries == b.entries
    assert tuple(a.passages) == tuple(b.passages)
    assert a.problems == b.problems
    assert list(a._passage_terms) == list(b._passage_terms)
    fa, fb = a._ranker.fields, b._ranker.fields
    assert fa.name_docs == fb.name_docs
    assert fa.name_text == fb.name_text
    assert list(fa.name_words.items()) == list(fb.name_words.items())
    assert sorted(fa.entries.vocabulary) == sorted(fb.entries.vocabulary)
    for term in fa.entries.vocabulary:  # the same entries hold the same terms
        assert fa.entries.postings(term).tolist() == fb.entries.postings(term).tolist()
    for mass in ("name_mass", "section_mass", "label_mass", "is_lead", "passage_entry"):
        assert getattr(fa, mass).tolist() == getattr(fb, mass).tolist()
    for question in QUESTIONS:
        assert a.answer(question, limit=5) == b.answer(question, limit=5)


def cached_folder(root: Path) -> tuple[Path, Path]:
    """A knowledge folder built once with a cache under ``root / "cache"``, and the cache."""
    folder = make_folder(root)
    Glossary.from_folder(folder, cache_dir=root / "cache")
    return folder, cache.cache_path(root / "cache", [folder])


def test_a_warm_start_parses_nothing_and_equals_a_cold_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = make_folder(tmp_path)
    cold = Glossary.from_folder(folder)
    first = Glossary.from_folder(folder, cache_dir=tmp_path / "cache")
    assert cache.cache_path(tmp_path / "cache", [folder]).is_file()
    parsed = parsed_files(monkeypatch)
    warm = Glossary.from_folder(folder, cache_dir=tmp_path / "cache")
    assert parsed == []
    same_glossary(warm, cold)
    same_glossary(first, cold)
    assert [str(p) for p in warm.problems] == [
        f"{folder / 'broken.md'}:2: broken front matter (expected ',' or ']', but got '<stream end>'): "
        "write 'key: value' lines, and quote values that contain ':' or '#'"
    ]


def test_only_a_changed_file_is_parsed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = make_folder(tmp_path)
    Glossary.from_folder(folder, cache_dir=tmp_path / "cache")
    write(folder / "api.md", API.replace("talk to each other", "exchange data"))
    parsed = parsed_files(monkeypatch)
    warm = Glossary.from_folder(folder, cache_dir=tmp_path / "cache")
    assert parsed == [folder / "api.md"]
    assert warm.search("exchange data", limit=1)[0].entry == "api"
    same_glossary(warm, Glossary.from_folder(folder))


def test_rewriting_the_cache_copies_unchanged_entries_without_making_their_objects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = make_folder(tmp_path)
    Glossary.from_folder(folder, cache_dir=tmp_path / "cache")
    write(folder / "api.md", API.replace("talk to each other", "exchange data"))
    warm = Glossary.from_folder(folder, cache_dir=tmp_path / "cache")  # rewrites the cache
    untouched = [r for r in warm._sources.scans[0] if r.path.name != "api.md" and r.entry_id]
    assert untouched and all(not r.content.made for r in untouched)
    parsed = parsed_files(monkeypatch)
    again = Glossary.from_folder(folder, cache_dir=tmp_path / "cache")
    assert parsed == []
    same_glossary(again, Glossary.from_folder(folder))


def test_the_cache_is_found_under_another_spelling_of_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = make_folder(tmp_path)
    Glossary.from_folder(folder, cache_dir=tmp_path / "cache")
    monkeypatch.chdir(tmp_path)
    parsed = parsed_files(monkeypatch)
    warm = Glossary.from_folder("./knowledge/", cache_dir=tmp_path / "cache")
    assert parsed == []
    assert warm.entry("api") is not None
    assert warm.entries["api"].path == Path("knowledge/api.md")


def _data_offset(path: Path, member: str) -> int:
    """Where ``member``'s bytes start in the zip (after its local header)."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    raw = path.read_bytes()
    name_len = int.from_bytes(raw[info.header_offset + 26 : info.header_offset + 28], "little")
    extra_len = int.from_bytes(raw[info.header_offset + 28 : info.header_offset + 30], "little")
    return info.header_offset + 30 + name_len + extra_len


def test_a_corrupt_cache_is_logged_and_rebuilt(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder, path = cached_folder(tmp_path)
    data = bytearray(path.read_bytes())
    data[_data_offset(path, "strings.bin") + 5] ^= 0xFF  # one byte of a passage text
    path.write_bytes(bytes(data))
    with caplog.at_level(logging.INFO, logger="retrieval"):
        rebuilt = Glossary.from_folder(folder, cache_dir=tmp_path / "cache")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"index cache {path} is unreadable (")
    assert warnings[0].endswith("): rebuilding it")
    same_glossary(rebuilt, Glossary.from_folder(folder))
    assert cache.load(tmp_path / "cache", [folder]) is not None  # written again


def test_a_truncated_cache_is_logged_and_rebuilt(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder, path = cached_folder(tmp_path)
    path.write_bytes(path.read_bytes()[:100])
    with caplog.at_level(logging.WARNING, logger="retrieval"):
        assert cache.load(tmp_path / "cache", [folder]) is None
    assert "is unreadable" in caplog.text


def test_a_cache_made_by_other_analysis_settings_is_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    folder = make_folder(tmp_path)
    Glossary.from_folder(folder, cache_dir=tmp_path / "cache")
    monkeypatch.setattr(cache, "analysis_fingerprint", lambda: "other stemmer")
    parsed = parsed_files(monkeypatch)
    with caplog.at_level(logging.INFO, logger="retrieval"):
        Glossary.from_folder(folder, cache_dir=tmp_path / "cache")
    path = cache.cache_path(tmp_path / "cache", [folder])
    assert f"index cache {path} was made by another version of the analysis: rebuilding it" in (
        caplog.text
    )
    assert sorted(parsed) == sorted(folder.rglob("*.md"))


def test_the_fingerprint_covers_the_analysis_code_and_its_word_lists() -> None:
    first = cache.analysis_fingerprint()
    assert first == cache.analysis_fingerprint()
    assert len(first) == 64


def test_the_cache_holds_only_int_arrays_json_and_text(tmp_path: Path) -> None:
    _, path = cached_folder(tmp_path)
    with zipfile.ZipFile(path) as zf:
        names = sorted(zf.namelist())
        kinds = {
            name: np.lib.format.read_array(zf.open(name), allow_pickle=False).dtype.kind
            for name in names
            if name.endswith(".npy")
        }
        json.loads(zf.read("meta.json"))
        zf.read("strings.bin").decode("utf-8")
    assert [n for n in names if not n.endswith(".npy")] == ["meta.json", "strings.bin"]
    assert set(kinds.values()) == {"i", "u"}  # signed ints, and counts that fit uint8


def test_an_unwritable_cache_folder_only_costs_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = make_folder(tmp_path)
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="retrieval"):
        glossary = Glossary.from_folder(folder, cache_dir=blocker)
    assert glossary.entry("api") is not None
    assert "cannot write the index cache" in caplog.text
    assert "check INDEX_CACHE_DIR" in caplog.text


def test_two_folders_share_one_cache_file_and_the_first_folder_wins(tmp_path: Path) -> None:
    first = make_folder(tmp_path / "a")
    second = tmp_path / "b"
    write(second / "api.md", API.replace("talk to each other", "second folder"))
    write(second / "extra.md", API.replace("title: API", "title: Extra"))
    cold = Glossary.from_folders([first, second])
    Glossary.from_folders([first, second], cache_dir=tmp_path / "cache")
    warm = Glossary.from_folders([first, second], cache_dir=tmp_path / "cache")
    same_glossary(warm, cold)
    assert warm.entries["api"].path == first / "api.md"
    assert warm.entry("extra") is not None


def test_text_beyond_ascii_comes_back_unchanged(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    write(folder / "cafe.md", "---\ntitle: Café 日本\n---\nNaïve “quotes” — emoji 😀 and 日本語.\n")
    cold = Glossary.from_folder(folder)
    Glossary.from_folder(folder, cache_dir=tmp_path / "cache")
    warm = Glossary.from_folder(folder, cache_dir=tmp_path / "cache")
    same_glossary(warm, cold)
    assert warm.entries["cafe"].lead == "Naïve “quotes” — emoji 😀 and 日本語."


def test_counts_too_big_for_a_byte_survive_the_cache(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    write(folder / "echo.md", "---\ntitle: Echo\n---\n" + "echo " * 300 + "\n")
    cold = Glossary.from_folder(folder, cache_dir=tmp_path / "cache")
    warm = Glossary.from_folder(folder, cache_dir=tmp_path / "cache")
    same_glossary(cold, warm)
    record = next(r for r in warm._sources.scans[0] if r.entry_id == "echo")
    assert int(record.counts.tf.max()) >= 300  # not cut to a byte
    assert warm.search("echo", limit=1)[0].entry == "echo"


@pytest.fixture
def fresh_analysis(monkeypatch: pytest.MonkeyPatch) -> None:
    """Analysis memos as in a new process: no word or text has been analysed yet."""
    from retrieval import analysis

    for memo in ("_word_terms", "_chunks", "_short_texts"):
        monkeypatch.setattr(analysis, memo, {})


def _saved_words(cache_dir: Path, folder: Path) -> dict[str, str]:
    with zipfile.ZipFile(cache.cache_path(cache_dir, [folder])) as zf:
        meta = json.loads(zf.read("meta.json"))
        terms = zf.read("strings.bin").decode("utf-8")  # terms come first in the table
    assert terms  # the table is there; ids are checked through a warm start below
    loaded = cache.load(cache_dir, [folder])
    assert loaded is not None
    by_id = dict(loaded.lexicon.word_terms())
    assert len(by_id) == len(meta["words"])
    return by_id


@pytest.mark.usefixtures("fresh_analysis")
def test_a_warm_start_knows_the_documents_words_without_stemming_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The words the documents use are kept with their terms, so a question's words need
    no Snowball stem after a start, and its answer is the same."""
    from retrieval import analysis

    folder = make_folder(tmp_path)
    cold = Glossary.from_folder(folder, cache_dir=tmp_path / "cache")
    words = _saved_words(tmp_path / "cache", folder)
    assert words["banks"] == "bank" and words["partners"] == "partner"
    assert "an" not in words  # stopwords have no term
    expected = {q: cold.answer(q, limit=5) for q in ["banks and their partners", "shops"]}

    for memo in ("_word_terms", "_chunks", "_short_texts"):  # a new process
        monkeypatch.setattr(analysis, memo, {})
    warm = Glossary.from_folder(folder, cache_dir=tmp_path / "cache")

    def no_stemming(word: str) -> str:
        raise AssertionError(f"{word!r} was stemmed again")

    monkeypatch.setattr(analysis, "stem", no_stemming)
    for question, answer in expected.items():
        assert warm.answer(question, limit=5) == answer


@pytest.mark.usefixtures("fresh_analysis")
def test_words_only_a_question_used_are_not_kept_in_the_cache(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    glossary = Glossary.from_folder(folder, cache_dir=tmp_path / "cache")
    glossary.answer("which banking partnerships expose apis", limit=3)  # "bank", "partner"
    write(folder / "api.md", API + "\nBanks publish their rates.\n")
    Glossary.from_folder(folder, cache_dir=tmp_path / "cache")  # rewrites the cache
    words = _saved_words(tmp_path / "cache", folder)
    assert words["publish"] == "publish"  # the edited file's new word
    assert "banking" not in words and "partnerships" not in words


def test_a_damaged_word_table_is_logged_and_the_cache_rebuilt(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder, path = cached_folder(tmp_path)
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    meta = json.loads(members["meta.json"])
    meta["words"].append(["bogus", 10**9])  # a term id outside the lexicon
    members["meta.json"] = json.dumps(meta).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with caplog.at_level(logging.WARNING, logger="retrieval"):
        assert cache.load(tmp_path / "cache", [folder]) is None
    assert "term id is outside the lexicon" in caplog.text
