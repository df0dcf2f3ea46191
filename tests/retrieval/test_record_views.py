"""A glossary's entries and passages, seen through its build records."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval import Glossary
from retrieval.passages import build_passages
from tests.retrieval.knowledge_files import make_folder


def test_passages_are_every_entry_s_passages_in_id_order_by_index_and_iteration(
    tmp_path: Path,
) -> None:
    glossary = Glossary.from_folder(make_folder(tmp_path))
    expected = build_passages(glossary.entries[e] for e in sorted(glossary.entries))
    passages = glossary.passages
    assert list(passages) == expected
    assert [passages[i] for i in range(len(passages))] == expected
    assert passages[-1] == expected[-1]
    assert passages[1:4] == expected[1:4]
    with pytest.raises(IndexError):
        passages[len(passages)]


def test_entries_map_ids_to_entries_without_copies(tmp_path: Path) -> None:
    glossary = Glossary.from_folder(make_folder(tmp_path), cache_dir=tmp_path / "cache")
    warm = Glossary.from_folder(make_folder(tmp_path), cache_dir=tmp_path / "cache")
    assert list(warm.entries) == sorted(glossary.entries)
    assert dict(warm.entries) == dict(glossary.entries)
    assert warm.entries["api"] is warm.entries["api"]  # made once, then kept
    assert "nope" not in warm.entries
    with pytest.raises(KeyError):
        warm.entries["nope"]


def test_a_cached_passage_is_made_alone_without_making_its_entry(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    cold = Glossary.from_folder(folder, cache_dir=tmp_path / "cache")
    warm = Glossary.from_folder(folder, cache_dir=tmp_path / "cache")
    assert [warm.passages[i] for i in range(len(warm.passages))] == list(cold.passages)
    records = [r for r in warm._sources.scans[0] if r.entry_id]
    assert records and not any(r.content.made for r in records)


def test_what_a_hit_shows_is_its_passage_s_fields_cached_or_parsed(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    cold = Glossary.from_folder(folder, cache_dir=tmp_path / "cache")
    warm = Glossary.from_folder(folder, cache_dir=tmp_path / "cache")
    api = next(r for r in warm._sources.scans[0] if r.entry_id == "api")
    assert api.passages  # one cached entry's passages made, the others still in the columns
    for glossary in (cold, warm):
        for i, p in enumerate(cold.passages):
            assert glossary.passages.shown(i) == (
                p.entry, p.title, p.section, p.label, p.text, p.url
            )  # fmt: skip
        with pytest.raises(IndexError):
            glossary.passages.shown(len(cold.passages))
    records = [r for r in warm._sources.scans[0] if r.entry_id and r.entry_id != "api"]
    assert records and not any(r.content.made for r in records)  # showing made nothing
