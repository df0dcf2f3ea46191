"""The benchmark's knowledge generator: exact sizes, valid files, same bytes for a seed."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.generate import Generator, questions, write_folder
from retrieval.loading import load_folder
from retrieval.passages import build_passages


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*.md"))}


@pytest.mark.parametrize("passages", [1, 13, 250, 1200])
def test_a_folder_has_exactly_the_passages_asked_for_and_no_problems(
    tmp_path: Path, passages: int
) -> None:
    generator = Generator(passages, seed=7)
    files = write_folder(generator, tmp_path)
    contents = load_folder(tmp_path)
    assert contents.problems == ()
    assert len(contents.entries) == files == len(generator)
    assert len(build_passages(contents.entries)) == passages


def test_entries_have_sections_list_items_labels_and_see_also(tmp_path: Path) -> None:
    write_folder(Generator(300, seed=3), tmp_path)
    entries = load_folder(tmp_path).entries
    sections = {s for e in entries for s in e.sections}
    assert {"Overview", "Advantages", "Applications", "Conclusion", "See also"} <= sections
    items = [b for e in entries for b in e.blocks if b.is_item]
    assert items
    assert all(b.label for b in items if b.section != "See also")
    assert all(e.lead.startswith(f"A {e.title} is") for e in entries)
    assert all(e.url == f"https://glossary.example.com/{e.id}/" for e in entries)


def test_the_same_seed_writes_the_same_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    write_folder(Generator(400, seed=42), tmp_path / "a")
    write_folder(Generator(400, seed=42), tmp_path / "b")
    write_folder(Generator(400, seed=43), tmp_path / "c")
    assert folder_bytes(tmp_path / "a") == folder_bytes(tmp_path / "b")
    assert folder_bytes(tmp_path / "a") != folder_bytes(tmp_path / "c")


def test_files_are_spread_over_subfolders(tmp_path: Path) -> None:
    generator = Generator(1000, seed=1)
    write_folder(generator, tmp_path, files_per_subfolder=40)
    sizes = sorted(len(list(sub.glob("*.md"))) for sub in tmp_path.iterdir())
    assert sizes[-1] == 40
    assert len(sizes) == -(-len(generator) // 40)
    assert sum(sizes) == len(generator)


def test_questions_are_deterministic_and_mostly_name_an_entry() -> None:
    generator = Generator(2000, seed=5)
    asked = questions(generator, 200, seed=5)
    assert asked == questions(generator, 200, seed=5)
    assert asked != questions(generator, 200, seed=6)
    assert len(asked) == 200
    titles = {generator.plan(i).title.lower() for i in range(len(generator))}
    naming = sum(any(t in q.lower() for t in titles) for q in asked)
    assert 0.4 < naming / len(asked) < 0.8
