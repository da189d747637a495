"""The command line through CliRunner: exit codes and the exact message of each documented error."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import MakeWorkbook

from allocator.cli import cli

AS_OF = "2026-11-23T09:00"


def test_every_command_has_help(runner: CliRunner) -> None:
    for name, command in cli.commands.items():
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0, name
        assert command.help, f"{name} has no help text"
        assert "Example" in result.output, f"{name} help has no example"


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert "allocator" in result.output


def test_missing_file(runner: CliRunner, tmp_path: Path) -> None:
    missing = tmp_path / "nope.xlsx"
    result = runner.invoke(cli, ["run", str(missing), "--as-of", AS_OF, "--lang", "en"])
    assert result.exit_code == 3
    assert result.stderr == f"error: file not found: {missing}\n"
    assert "Traceback" not in result.output


def test_missing_file_in_chinese(runner: CliRunner, tmp_path: Path) -> None:
    missing = tmp_path / "nope.xlsx"
    result = runner.invoke(cli, ["validate", str(missing), "--lang", "zh"])
    assert result.exit_code == 3
    assert result.stderr == f"error: 找不到文件 {missing}\n"


def test_not_a_workbook(runner: CliRunner, tmp_path: Path) -> None:
    fake = tmp_path / "photo.xlsx"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    result = runner.invoke(cli, ["run", str(fake), "--as-of", AS_OF, "--lang", "en"])
    assert result.exit_code == 3
    assert result.stderr.startswith(f"error: cannot read {fake}: not an Excel workbook or CSV")
    assert "Traceback" not in result.output


def test_corrupt_zip(runner: CliRunner, tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    result = runner.invoke(cli, ["run", str(broken), "--as-of", AS_OF, "--lang", "en"])
    assert result.exit_code == 3
    assert result.stderr.startswith(f"error: cannot read {broken}: ")
    assert "Traceback" not in result.output


def test_missing_sheet(runner: CliRunner, make_workbook: MakeWorkbook) -> None:
    path = make_workbook([{}], sheet_names={"Reps": "Staff"})
    result = runner.invoke(cli, ["run", str(path), "--as-of", AS_OF, "--lang", "en"])
    assert result.exit_code == 3
    assert "fatal    Reps           sheet_missing" in result.stderr
    assert "the workbook has no 'Reps' sheet" in result.stderr
    assert "sheets found: Customers, Staff" in result.stderr
    assert result.stderr.endswith(
        "error: the input has 1 fatal problem(s); nothing was allocated\n"
    )


def test_missing_column_names_sheet_and_header_row(
    runner: CliRunner, make_workbook: MakeWorkbook
) -> None:
    path = make_workbook(
        [
            {
                "customer_id": "C1",
                "customer": "A",
                "industry": "x",
                "region": "East",
                "value": 1,
                "history": 0,
            }
        ],
        raw=True,
    )
    result = runner.invoke(cli, ["validate", str(path), "--lang", "en"])
    assert result.exit_code == 3
    assert (
        "sheet 'Customers' is missing the required column 'intent' (header in row 1; "
        "accepted headers: intent / 合作意向 / 意向 / 意向等级 / 意向度 / Intent / Intent Level)"
    ) in result.stderr
    assert "Customers!1:1" in result.stderr


def test_bad_as_of_is_a_usage_error(runner: CliRunner, make_workbook: MakeWorkbook) -> None:
    path = make_workbook([{}])
    result = runner.invoke(cli, ["run", str(path), "--as-of", "next tuesday"])
    assert result.exit_code == 2
    assert "'next tuesday' is not a date or date-time" in result.stderr


def test_unknown_option_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["run", "--frobnicate"])
    assert result.exit_code == 2


def test_validate_json_lists_row_issues_and_exits_0(
    runner: CliRunner, make_workbook: MakeWorkbook
) -> None:
    path = make_workbook([{"customer_id": "C1"}, {"customer_id": "C2", "value": -5}])
    result = runner.invoke(cli, ["validate", str(path), "--json", "--as-of", AS_OF])
    assert result.exit_code == 0
    issues = json.loads(result.stdout)
    assert issues == [
        {
            "severity": "error",
            "code": "negative_number",
            "sheet": "Customers",
            "row": 3,
            "column": "value",
            "cell": "Customers!E3",
            "value": "-5",
            "message": "Customers!E3: 'value' cannot be negative (-5)",
        }
    ]


def test_validate_table_on_stderr(runner: CliRunner, make_workbook: MakeWorkbook) -> None:
    path = make_workbook([{"customer_id": "C1", "intent": "maybe"}])
    result = runner.invoke(cli, ["validate", str(path), "--as-of", AS_OF])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "error    Customers!F2   unknown_intent" in result.stderr
    assert result.stderr.endswith("1 customer rows: 1 errors, 0 warnings\n")


def test_validate_strict_exits_3_on_a_warning(
    runner: CliRunner, make_workbook: MakeWorkbook
) -> None:
    path = make_workbook([{"customer_id": "C1", "region": "Mars"}])
    result = runner.invoke(cli, ["validate", str(path), "--strict", "--as-of", AS_OF])
    assert result.exit_code == 3
    assert "uncovered_region" in result.stderr


def test_validate_fatal_json_exits_3(runner: CliRunner, make_workbook: MakeWorkbook) -> None:
    path = make_workbook([{}], reps=[{"capacity": "lots"}])
    result = runner.invoke(cli, ["validate", str(path), "--json"])
    assert result.exit_code == 3
    issues = json.loads(result.stdout)
    assert [(i["code"], i["cell"], i["severity"]) for i in issues] == [
        ("not_an_integer", "Reps!D2", "fatal")
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sample_command_writes_a_readable_workbook(
    runner: CliRunner, tmp_path: Path, lang: str
) -> None:
    out = tmp_path / f"s_{lang}.xlsx"
    result = runner.invoke(
        cli,
        [
            "sample",
            str(out),
            "--customers",
            "50",
            "--reps",
            "5",
            "--seed",
            "3",
            "--lang",
            lang,
            "--as-of",
            AS_OF,
        ],
    )
    assert result.exit_code == 0, result.output
    check = runner.invoke(cli, ["validate", str(out), "--as-of", AS_OF, "--json"])
    assert check.exit_code == 0, check.output
    assert not [i for i in json.loads(check.stdout) if i["severity"] != "warning"]


def test_a_fixed_as_of_writes_the_same_bytes(runner: CliRunner, tmp_path: Path) -> None:
    """Same workbook, settings and --as-of: every output file is byte for byte the same,
    the workbooks' document properties included (they record the run time, not the clock)."""
    sample = Path(__file__).resolve().parents[1] / "sample_workbooks" / "sample_zh.xlsx"
    outputs = []
    for name in ("one", "two"):
        out = tmp_path / name
        result = runner.invoke(
            cli, ["run", str(sample), "--out", str(out), "--as-of", "2026-11-23T09:00", "-q"]
        )
        assert result.exit_code == 0, result.output
        outputs.append({p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*.*"))})
    one, two = outputs
    assert len(one) == 13  # manager workbook, 10 rep workbooks (reps with open customers), report
    assert one.keys() == two.keys()
    assert [name for name in one if one[name] != two[name]] == []
    with zipfile.ZipFile(io.BytesIO(one[Path("assignments.xlsx")])) as book:
        core = book.read("docProps/core.xml")
    assert core.count(b">2026-11-23T09:00:00Z<") == 2  # created and modified: the run time
