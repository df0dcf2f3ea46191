"""The eval command's metrics, on answers made by hand and on the fixture glossary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from retrieval.evaluation import (
    EvaluationError,
    Question,
    judge,
    load_questions,
    report,
)
from retrieval.models import Answer, Hit

FIXTURES = Path(__file__).resolve().parent / "fixtures_quality"


def hit(entry: str, section: str | None = None) -> Hit:
    return Hit(entry, entry.title(), section, None, "text", None, 1.0)


def test_ranks_count_distinct_entries_in_hit_order() -> None:
    question = Question("q", ("b",), "Advantages", "section")
    answer = Answer("q", True, (hit("a"), hit("a"), hit("b", "Advantages")))
    outcome = judge(question, answer)
    assert outcome.entry_rank == 2
    assert outcome.section_hit is True


def test_a_gold_section_beyond_the_third_passage_is_a_miss() -> None:
    question = Question("q", ("a",), "Advantages", "section")
    answer = Answer("q", True, (hit("a"), hit("a", "Overview"), hit("b"), hit("a", "Advantages")))
    assert judge(question, answer).section_hit is False


def test_metrics_per_kind() -> None:
    outcomes = [
        judge(Question("1", ("a",), None, "definition"), Answer("1", True, (hit("a"),))),
        judge(Question("2", ("a",), None, "definition"), Answer("2", False, (hit("b"), hit("a")))),
        judge(Question("3", ("a",), None, "typo"), Answer("3", True, (hit("b"),))),
        judge(Question("4", (), None, "none"), Answer("4", False, ())),
        judge(Question("5", (), None, "none"), Answer("5", True, (hit("c"),))),
    ]
    overall, definition, typo, none = report(outcomes)
    assert overall.to_dict() == {
        "kind": "all",
        "questions": 5,
        "hit_at_1": 1 / 3,
        "hit_at_5": 2 / 3,
        "mrr_at_10": (1 + 0.5 + 0) / 3,
        "section_at_3": None,
        "none_rejected": 0.5,
        "false_refusal": 1 / 3,
    }
    assert (definition.kind, definition.hit_at_1, definition.mrr_at_10) == ("definition", 0.5, 0.75)
    assert (typo.kind, typo.hit_at_5) == ("typo", 0.0)
    assert (none.kind, none.none_rejected, none.hit_at_1) == ("none", 0.5, None)


def test_a_bad_line_is_reported_with_its_place(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text('{"q": "fine", "gold": []}\n{"q": "broken", "gold": "x"}\n', "utf-8")
    with pytest.raises(EvaluationError) as error:
        load_questions(path)
    assert str(error.value) == (f'{path}:2: "gold" must be a list of entry ids ([] = unanswerable)')


def test_eval_command_prints_a_table_per_kind(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["eval", str(FIXTURES / "questions.jsonl"), "--knowledge", str(FIXTURES)])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out[:7] == [
        "| kind | n | Hit@1 | Hit@5 | MRR@10 | Sect@3 | NoneOK | Refused |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        "| all | 4 | 1.000 | 1.000 | 1.000 | 1.000 | 1.000 | 0.000 |",
        "| typo | 1 | 1.000 | 1.000 | 1.000 | - | - | 0.000 |",
        "| section | 1 | 1.000 | 1.000 | 1.000 | 1.000 | - | 0.000 |",
        "| none | 1 | - | - | - | - | 1.000 | - |",
        "| acronym | 1 | 1.000 | 1.000 | 1.000 | - | - | 0.000 |",
    ]
    assert out[7].startswith("median search time: ")


def test_eval_json_and_halves(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["eval", str(FIXTURES / "questions.jsonl"), "--knowledge", str(FIXTURES), "--json"]
    assert main([*args, "--half", "even"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["questions"] == 2
    assert [row["kind"] for row in data["kinds"]] == ["all", "section", "acronym"]


def test_eval_of_a_missing_file_says_what_to_pass(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "no-such-file.jsonl", "--knowledge", str(FIXTURES)]) == 2
    assert capsys.readouterr().err == (
        "Error: cannot read no-such-file.jsonl (No such file or directory): "
        "pass a JSON Lines file of questions\n"
    )
