"""The ``glossary-bot ask`` contract: readable and JSON output, batch mode, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parents[3]
KNOWLEDGE = ROOT / "knowledge"
EXAMPLE = "what does a back-end engineer do in fintech"


def run_cli(*args: str, stdin: str = "", cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run the real command in a child process, as a user would."""
    env = {k: v for k, v in os.environ.items() if k not in {"KNOWLEDGE_DIR"}}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        timeout=60,
        check=False,
    )


def test_readable_answer_for_the_example_question() -> None:
    result = run_cli("ask", EXAMPLE)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Back-end Engineer › Applications › Fintech"
    assert lines[1].startswith(
        "Back-end Engineers play a crucial role in the development of financial"
    )
    assert lines[2] == "https://itexus.com/glossary/back-end-engineer-2/"


def test_json_answer_has_the_contract_shape(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", EXAMPLE, "--json", "--knowledge", str(KNOWLEDGE), "--limit", "3"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert set(record) == {"query", "answered", "hits"}
    assert record["query"] == EXAMPLE
    assert record["answered"] is True
    assert len(record["hits"]) == 3
    first = record["hits"][0]
    assert set(first) == {"entry", "title", "section", "label", "text", "url", "score"}
    assert (first["entry"], first["section"], first["label"], first["url"]) == (
        "back-end-engineer",
        "Applications",
        "Fintech",
        "https://itexus.com/glossary/back-end-engineer-2/",
    )
    assert isinstance(first["score"], float)


def test_batch_mode_answers_each_line_from_stdin() -> None:
    questions = f"{EXAMPLE}\n\nwhat is kubernetes\nrecipe for chocolate cake\n"
    result = run_cli("ask", "--json", "--knowledge", str(KNOWLEDGE), stdin=questions)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["query"] for r in records] == [
        EXAMPLE,
        "what is kubernetes",
        "recipe for chocolate cake",
    ]
    assert records[0]["hits"][0]["label"] == "Fintech"
    assert records[1]["hits"][0]["entry"] == "kubernetes"
    assert records[2]["answered"] is False


def test_readable_batch_mode_through_a_pipe() -> None:
    result = run_cli("ask", stdin=EXAMPLE + "\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Back-end Engineer › Applications › Fintech\n")


def test_knowledge_dir_setting_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "widget.md").write_text("---\ntitle: Widget\n---\nA widget is a small gadget.\n")
    monkeypatch.setenv("KNOWLEDGE_DIR", str(tmp_path))
    assert main(["ask", "what is a widget", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["hits"][0]["entry"] == "widget"


def test_missing_folder_exits_2_with_one_line(tmp_path: Path) -> None:
    result = run_cli("ask", "api", "--knowledge", str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: knowledge folder {tmp_path / 'nowhere'} does not exist: "
        "create it or pass --knowledge DIR\n"
    )


def test_empty_folder_exits_2_with_advice(tmp_path: Path) -> None:
    result = run_cli("ask", "api", "--knowledge", str(tmp_path))
    assert result.returncode == 2
    assert "Error: no glossary entries in" in result.stderr
    assert "add Markdown files" in result.stderr
    assert "Traceback" not in result.stderr


def test_broken_file_is_reported_and_the_rest_still_answers(tmp_path: Path) -> None:
    (tmp_path / "good.md").write_text("---\ntitle: Caching\n---\nCaching keeps copies close.\n")
    (tmp_path / "bad.md").write_text("---\ntitle: [oops\n---\nText.\n")
    (tmp_path / "latin.md").write_bytes(b"---\ntitle: Caf\xe9\n---\nText.\n")
    result = run_cli("ask", "caching", "--json", "--knowledge", str(tmp_path))
    assert result.returncode == 0
    assert json.loads(result.stdout)["hits"][0]["entry"] == "good"
    assert f"{tmp_path / 'bad.md'}:2: broken front matter" in result.stderr
    assert f"{tmp_path / 'latin.md'}:2: the file is not UTF-8 text" in result.stderr


@pytest.mark.parametrize("question", ["", "   "])
def test_empty_question_is_a_usage_error(question: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", question, "--knowledge", str(KNOWLEDGE)]) == 2
    assert "the question is empty" in capsys.readouterr().err


def test_question_of_only_stopwords_answers_politely(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "what is it?", "--knowledge", str(KNOWLEDGE)]) == 0
    assert capsys.readouterr().out.startswith("No entry matches “what is it?”")


def test_huge_question_is_cut_and_answered(capsys: pytest.CaptureFixture[str]) -> None:
    question = EXAMPLE + " and more" * 12_000
    assert main(["ask", question, "--knowledge", str(KNOWLEDGE)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("(Your question was long, so only its beginning was used.)\n")


def test_bad_limit_and_unknown_command_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "api", "--limit", "0", "--knowledge", str(KNOWLEDGE)]) == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["fly"])
    assert exit_info.value.code == 2
