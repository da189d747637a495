"""Every shipped sample workbook runs end to end through the command line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from allocator.cli import cli

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"
AS_OF = "2026-11-23T09:00"
DOCUMENTED = re.compile(
    r"^\| `(?P<cell>[^`]+![A-Z]+\d+)` \|.*\| `(?P<code>[a-z_]+)` \| (?P<effect>error|warning)"
)


def _documented_problems() -> list[tuple[str, str, bool]]:
    """(cell, code, is_error) of every problem the README beside the samples lists."""
    found = []
    for line in (SAMPLES / "README.md").read_text(encoding="utf-8").splitlines():
        match = DOCUMENTED.match(line)
        if match:
            found.append((match["cell"], match["code"], match["effect"].startswith("error")))
    return found


def _customer_rows(path: Path) -> int:
    sheets = pd.read_excel(path, sheet_name=None, engine="calamine", header=None)
    name = next(n for n in sheets if n in ("客户", "Customers"))
    frame = sheets[name].dropna(how="all")
    banner = 1 if frame.iloc[0].count() == 1 else 0
    return len(frame) - banner - 1


@pytest.mark.parametrize(
    "name", ["sample_zh.xlsx", "sample_en.xlsx", "rules_zh.xlsx", "broken_zh.xlsx"]
)
def test_sample_runs_and_conserves_every_row(runner: CliRunner, tmp_path: Path, name: str) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        cli, ["run", str(SAMPLES / name), "--as-of", AS_OF, "--out", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (out / "assignments.xlsx").is_file() and (out / "report.html").is_file()
    assert any((out / "reps").glob("*.xlsx"))
    book = pd.read_excel(out / "assignments.xlsx", sheet_name=None, engine="calamine")
    lang_zh = "分配结果" in book
    placed = sum(
        len(book[s])
        for s in (
            ("分配结果", "公海池", "异常数据")
            if lang_zh
            else ("Assignments", "Unassigned", "Exceptions")
        )
    )
    assert placed == summary["stats"]["customers_in"] == _customer_rows(SAMPLES / name)


def test_broken_sample_names_every_documented_problem(runner: CliRunner, tmp_path: Path) -> None:
    documented = _documented_problems()
    assert len(documented) == 11
    result = runner.invoke(
        cli, ["validate", str(SAMPLES / "broken_zh.xlsx"), "--json", "--as-of", AS_OF]
    )
    assert result.exit_code == 0
    issues = json.loads(result.stdout)
    found = {(i["cell"], i["code"], i["severity"] == "error") for i in issues}
    assert set(documented) <= found
    # The only issue beyond the table is the other half of the duplicate id, which the README
    # names in the same row.
    assert {(c, k) for c, k, _ in found - set(documented)} == {("客户!A6", "duplicate_id")}


def test_broken_sample_allocates_the_valid_rows(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        cli, ["run", str(SAMPLES / "broken_zh.xlsx"), "--as-of", AS_OF, "--out", str(out)]
    )
    assert result.exit_code == 0
    for cell, code, _ in _documented_problems():
        assert cell in result.stderr and code in result.stderr
    book = pd.read_excel(out / "assignments.xlsx", sheet_name=None, engine="calamine")
    error_rows = {
        int(re.sub(r"\D", "", c))
        for c, _, e in _documented_problems()
        if e and c.startswith("客户")
    } | {6}
    assert sorted(book["异常数据"]["源行号"]) == sorted(error_rows)
    assert len(book["分配结果"]) + len(book["公海池"]) == 40 - len(error_rows)
