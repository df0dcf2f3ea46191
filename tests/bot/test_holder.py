"""Reloading swaps in a complete new glossary, or keeps the old one when the new is unusable."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.holder import GlossaryHolder
from retrieval import Glossary

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"


def copy_entries(target: Path, *names: str) -> Path:
    target.mkdir()
    for name in names:
        shutil.copy(KNOWLEDGE / f"{name}.md", target / f"{name}.md")
    return target


async def test_reload_swaps_in_the_new_glossary(tmp_path: Path) -> None:
    folder = copy_entries(tmp_path / "k", "api")
    holder = GlossaryHolder(Glossary.from_folder(folder), [folder])
    shutil.copy(KNOWLEDGE / "sql.md", folder / "sql.md")
    summary = await holder.reload()
    assert sorted(holder.current.entries) == ["api", "sql"]
    assert summary.startswith(f"Reloaded: 2 entries, {len(holder.current.passages)} passages in ")


async def test_a_reload_that_finds_nothing_keeps_the_glossary_in_service(tmp_path: Path) -> None:
    folder = copy_entries(tmp_path / "k", "api")
    old = Glossary.from_folder(folder)
    holder = GlossaryHolder(old, [folder])
    (folder / "api.md").unlink()
    assert await holder.reload() == (
        "Reload found no entries, so the previous glossary stays in service."
    )
    assert holder.current is old


async def test_a_reload_of_a_missing_folder_keeps_the_glossary_in_service(tmp_path: Path) -> None:
    folder = copy_entries(tmp_path / "k", "api")
    old = Glossary.from_folder(folder)
    holder = GlossaryHolder(old, [folder])
    shutil.rmtree(folder)
    summary = await holder.reload()
    assert summary.startswith("Reload failed, still serving the previous glossary: ")
    assert holder.current is old


async def test_skipped_files_are_mentioned(tmp_path: Path) -> None:
    folder = copy_entries(tmp_path / "k", "api")
    holder = GlossaryHolder(Glossary.from_folder(folder), [folder])
    (folder / "broken.md").write_text("---\ntitle: [unclosed\n---\nText.\n")
    summary = await holder.reload()
    assert summary.endswith("1 file(s) skipped: run 'glossary-bot check' for details.")
