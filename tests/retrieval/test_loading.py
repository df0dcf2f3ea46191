"""Specification of which files a knowledge folder holds, and in which order."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from retrieval.errors import KnowledgeFolderError
from retrieval.loading import knowledge_files


def _reference(folder: Path) -> list[Path]:
    """The rule as first written: ``rglob`` and ``sorted``, hidden parts left out."""
    return sorted(
        p
        for p in folder.rglob("*.md")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def _tree(root: Path) -> Path:
    folder = root / "knowledge"
    for name in [
        "a-c.md", "a/b.md", "a/z/deep.md", "a.md", "B.md", "b.md", "notes.txt", "UPPER.MD",
        ".hidden.md", ".drafts/x.md", "sub/.y.md", "sub/y.md", "dir.md/inner.md", "é.md",
    ]:  # fmt: skip
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("---\ntitle: X\n---\nText.\n", encoding="utf-8")
    (folder / "link.md").symlink_to(folder / "b.md")
    (folder / "dangling.md").symlink_to(folder / "missing.md")
    (folder / "linked-dir").symlink_to(folder / "sub", target_is_directory=True)
    return folder


def test_files_are_the_md_files_below_in_sorted_order(tmp_path: Path) -> None:
    folder = _tree(tmp_path)
    found = knowledge_files(folder)
    assert [p.relative_to(folder).as_posix() for p in found] == [
        "B.md", "a/b.md", "a/z/deep.md", "a-c.md", "a.md", "b.md", "dir.md/inner.md",
        "link.md", "sub/y.md", "é.md",
    ]  # fmt: skip
    assert found == _reference(folder)


def test_a_relative_folder_gives_relative_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert knowledge_files(Path("knowledge")) == _reference(Path("knowledge"))
    assert knowledge_files(Path("knowledge"))[0] == Path("knowledge/B.md")


def test_an_unreadable_subfolder_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _tree(tmp_path)
    real_scandir = os.scandir
    locked = os.fspath(folder / "a")

    def scandir(path: str | os.PathLike[str]) -> object:
        if os.fspath(path) == locked:  # what a folder without read permission does
            raise PermissionError(13, "Permission denied", locked)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found = knowledge_files(folder)
    assert folder / "a-c.md" in found
    assert folder / "a" / "b.md" not in found
    assert found == _reference(folder)


def test_a_missing_folder_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeFolderError, match="does not exist: create it or pass"):
        knowledge_files(tmp_path / "nowhere")
