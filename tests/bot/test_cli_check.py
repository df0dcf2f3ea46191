"""The ``glossary-bot check`` contract: one line per problem, a summary, exit codes, JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from retrieval.loading import load_folder
from retrieval.passages import build_passages

ROOT = Path(__file__).resolve().parents[2]

GOOD = "---\ntitle: Payroll\n---\nPaying employees on time.\n\n## Schedule\nLast working day.\n"


def write(folder: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def test_every_problem_then_the_summary_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kb = write(
        tmp_path / "kb",
        {
            "payroll.md": GOOD,
            "salary.md": "---\ntitle: Salary\naliases: [payroll]\nowner: HR\n---\nPay.\n",
            "bad-url.md": "---\ntitle: Bonus\nurl: bonus.html\n---\nExtra pay.\n",
            "latin1.md": b"---\ntitle: Cong\xe9\n---\nTime off.\n",
            "notes.md": "Just some notes.\n",
        },
    )
    assert main(["check", str(kb)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{kb}/bad-url.md:3: malformed url 'bonus.html': use a full link like "
        "https://example.com/glossary/term",
        f"{kb}/latin1.md:2: the file is not UTF-8 text: save it with UTF-8 encoding",
        f"{kb}/notes.md:1: missing front matter: start the file with a '---' line, "
        "'title: <the term>' and another '---' line",
        f"{kb}/salary.md:3: the alias 'payroll' is also the title of {kb}/payroll.md: a name "
        "may belong to one entry only, so remove it here or merge the two entries",
        f"{kb}/salary.md:4: warning: unknown front-matter key 'owner' is ignored: use one of "
        "aliases, tags, title, updated, url",
        "2 entries, 3 passages: 4 errors, 1 warning",
    ]


def test_warnings_alone_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kb = write(tmp_path, {"payroll.md": GOOD.replace("title:", "owner: HR\ntitle:")})
    assert main(["check", str(kb)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "1 entry, 2 passages: 0 errors, 1 warning"


def test_json_output_has_the_same_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kb = write(tmp_path, {"payroll.md": GOOD, "x.md": "---\ntitle: X\n---\n"})
    assert main(["check", str(kb), "--json"]) == 1
    assert json.loads(capsys.readouterr().out) == {
        "entries": 1,
        "passages": 2,
        "errors": 1,
        "warnings": 0,
        "problems": [
            {
                "path": f"{kb}/x.md",
                "line": 4,
                "severity": "error",
                "message": "the entry has no text: write a definition below the '---'",
            }
        ],
    }


def test_an_unreadable_file_is_reported_not_raised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = write(tmp_path, {"payroll.md": GOOD, "locked.md": GOOD})
    original = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "locked.md":
            raise PermissionError(13, "Permission denied", str(self))
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    assert main(["check", str(kb)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{kb}/locked.md:1: cannot read the file (Permission denied): check its permissions",
        "1 entry, 2 passages: 1 error, 0 warnings",
    ]


def test_a_missing_folder_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err == (
        f"Error: {tmp_path}/nope does not exist: pass the knowledge folder to check, "
        "like 'glossary-bot check knowledge'\n"
    )


def test_a_folder_without_knowledge_files_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        f"Error: no knowledge files (*.md) in {tmp_path}: add one Markdown file per term "
        "(see README, 'For content owners')\n"
    )


def test_the_folder_defaults_to_knowledge_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "glossary", {"payroll.md": GOOD})
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KNOWLEDGE_DIR", "glossary")
    assert main(["check"]) == 0
    assert capsys.readouterr().out == "1 entry, 2 passages: 0 errors, 0 warnings\n"


def test_the_bundled_knowledge_passes(capsys: pytest.CaptureFixture[str]) -> None:
    folder = ROOT / "knowledge"
    contents = load_folder(folder)
    assert main(["check", str(folder)]) == 0
    entries, passages = len(contents.entries), len(build_passages(contents.entries))
    assert capsys.readouterr().out == (
        f"{entries} entries, {passages} passages: 0 errors, 0 warnings\n"
    )
