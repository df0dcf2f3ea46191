"""The ``glossary-bot import`` contract: created, skipped and failed sources, and check passes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli import main

CONTENT = Path(__file__).resolve().parents[1] / "fixtures" / "content"
PAGE = CONTENT / "page" / "data-steward.page.txt"
HTML = CONTENT / "html" / "service-level-objective.html"
CSV = CONTENT / "table" / "hr-glossary.csv"


def test_three_kinds_of_source_import_and_pass_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "knowledge"
    assert main(["import", str(PAGE), str(HTML), str(CSV), "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        f"created {out}/data-steward.md ('Data Steward' from {PAGE})",
        f"created {out}/service-level-objective.md ('Service Level Objective' from {HTML})",
        f"created {out}/onboarding.md ('Onboarding' from {CSV})",
        f"created {out}/probation-period.md ('Probation Period' from {CSV})",
        f"created {out}/offboarding.md ('Offboarding' from {CSV})",
        "5 created, 0 skipped, 3 failed",
        f"Review them with: glossary-bot check {out}",
    ]
    # The three skipped rows count as failed; the dropped url is only reported.
    assert captured.err.splitlines() == [
        f"{CSV}:6: 'Sabbatical' has no definition: write one or delete the row",
        f"{CSV}:7: no term: fill in the term or delete the row",
        f"{CSV}:8: the url 'intranet/offboarding' of 'Offboarding' is not a full link "
        "(https://...): imported without it",
        f"{CSV}:9: 'onboarding' appears again (first on line 2): merge the two rows; "
        "this one was skipped",
    ]
    assert main(["check", str(out)]) == 0
    assert capsys.readouterr().out.endswith(": 0 errors, 0 warnings\n")


def test_existing_files_are_kept_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "data-steward.md"
    target.write_text("---\ntitle: Data Steward\n---\nOur own text.\n", encoding="utf-8")
    assert main(["import", str(PAGE), "--out", str(tmp_path)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"skipped {target}: the file already exists (use --force to overwrite it)",
        "0 created, 1 skipped, 0 failed",
    ]
    assert target.read_text(encoding="utf-8").endswith("Our own text.\n")

    assert main(["import", str(PAGE), "--out", str(tmp_path), "--force", "--tag", "roles"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        f"replaced {target} ('Data Steward' from {PAGE})"
    )
    assert "tags: [roles]\n" in target.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["data-steward.md"]  # no temporary files


def test_bad_sources_get_a_message_and_the_others_still_import(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = CONTENT / "page" / "empty.page.txt"
    no_columns = CONTENT / "table" / "no-columns.csv"
    no_title = CONTENT / "html" / "no-title.html"
    missing = tmp_path / "missing.txt"
    out = tmp_path / "out"
    sources = [str(p) for p in (empty, no_columns, no_title, missing, PAGE)]
    assert main(["import", *sources, "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        f"Error: {empty}: the file is empty: paste the text of a glossary page into it",
        f"Error: {no_columns}: needs columns 'term' and 'definition' (found 'Keyword', "
        "'Notes'): make the first row term,definition,url,aliases",
        f"Error: {no_title}: no title found: the page has no <h1> heading or <title>; save "
        "the entry's own page, not a list of entries",
        f"Error: {missing}: cannot read the file (No such file or directory): check the path",
    ]
    assert captured.out.splitlines()[-2:] == [
        "1 created, 0 skipped, 4 failed",
        f"Review them with: glossary-bot check {out}",
    ]
    assert [p.name for p in out.iterdir()] == ["data-steward.md"]


def test_a_non_utf8_source_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "export.csv"
    source.write_bytes("term,definition\nCongé,Time off\n".encode("cp1252"))
    assert main(["import", str(source), "--out", str(tmp_path / "out")]) == 1
    assert capsys.readouterr().err == (
        f"Error: {source}: the file is not UTF-8 text: save it again with UTF-8 encoding "
        "(in Excel: 'CSV UTF-8')\n"
    )


def test_the_same_entry_from_two_sources_is_written_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "copy.txt"
    shutil.copy(PAGE, copy)
    out = tmp_path / "out"
    assert main(["import", str(PAGE), str(copy), "--out", str(out)]) == 0
    assert capsys.readouterr().out.splitlines()[1] == (
        f"skipped {out}/data-steward.md: 'Data Steward' was already imported from {PAGE}"
    )


def test_url_sets_the_link_of_one_page(tmp_path: Path) -> None:
    url = "https://wiki.example.com/glossary/data-steward"
    assert main(["import", str(PAGE), "--out", str(tmp_path), "--url", url]) == 0
    assert f"url: {url}\n" in (tmp_path / "data-steward.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [str(PAGE), str(HTML), "--url", "https://example.com/x"],
            "--url sets the link of one page: import pages one at a time",
        ),
        (
            [str(PAGE), "--url", "example.com/x"],
            "--url 'example.com/x' is not a full link: use one like "
            "https://example.com/glossary/term",
        ),
    ],
)
def test_url_misuse_is_a_usage_error(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", *args, "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"Error: {message}\n"
    assert list(tmp_path.iterdir()) == []


def test_format_overrides_the_extension(tmp_path: Path) -> None:
    source = tmp_path / "export.txt"
    source.write_text("term,definition\nPTO,Paid time off.\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["import", str(source), "--format", "csv", "--out", str(out)]) == 0
    assert (out / "pto.md").read_text(encoding="utf-8") == (
        "---\ntitle: PTO\n---\nPaid time off.\n"
    )
