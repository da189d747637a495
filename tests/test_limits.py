"""Caps on what is read: rows, columns, the span of a sheet's values, runs of empty rows; hostile
layouts (a stray cell in XFD1048576, one merged range over the whole grid) end within seconds and
well under 500 MiB."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from click.testing import CliRunner
from conftest import BASE_CUSTOMER, BASE_REP
from fixture_files import rewrite_package, write_xlsb

from allocator.cli import cli
from allocator.errors import WorkbookError
from allocator.safety import LIMITS, Limits
from allocator.workbook import read_workbook

HEADER = list(BASE_CUSTOMER)


def _row(n: int) -> list[Any]:
    return [f"C{n}", f"Acme {n}", "Retail", "East", 1000 + n, "high", 0]


def write_sheet(path: Path, cells: dict[tuple[int, int], Any], *, rows: int = 5) -> Path:
    """Customers: a header and ``rows`` data rows, plus ``cells`` (0-based row, column) anywhere;
    Reps: one rep."""
    book = xlsxwriter.Workbook(str(path))
    customers = book.add_worksheet("Customers")
    customers.write_row(0, 0, HEADER)
    for n in range(1, rows + 1):
        customers.write_row(n, 0, _row(n))
    bold = book.add_format({"bold": True})
    for (r, c), value in cells.items():
        if value is None:
            customers.write_blank(r, c, None, bold)  # formatting only
        else:
            customers.write(r, c, value)
    reps = book.add_worksheet("Reps")
    reps.write_row(0, 0, list(BASE_REP))
    reps.write_row(1, 0, list(BASE_REP.values()))
    book.close()
    return path


def measured(path: Path, **options: Any) -> dict[str, Any]:
    """Read ``path`` in a fresh interpreter; the rows read, the warnings, its peak memory."""
    script = f"""
import json, sys
from allocator.workbook import read_workbook
from allocator.errors import AllocatorError
try:
    book = read_workbook({str(path)!r}, **{options!r})
    result = {{"rows": book.customers.frame.index.tolist(),
               "issues": [(i.code, i.cell) for i in book.issues]}}
except AllocatorError as exc:
    result = {{"error": str(exc)}}
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork and exec, so a child of a big pytest
# process would report the parent's size.
with open("/proc/self/status") as status:
    line = next(x for x in status if x.startswith("VmHWM:"))
result["peak_mib"] = int(line.split()[1]) / 1024
print(json.dumps(result))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_the_limits_are_documented_values() -> None:
    assert LIMITS.max_rows == 1_048_576
    assert LIMITS.max_columns == 1_000
    assert LIMITS.max_cells == 50_000_000
    assert LIMITS.empty_row_run == 1_000


def test_stray_formatting_far_down_is_harmless(tmp_path: Path) -> None:
    path = write_sheet(tmp_path / "in.xlsx", {(1_048_575, 16_383): None, (900_000, 2): None})
    book = read_workbook(path)
    assert book.customers.frame.index.tolist() == [2, 3, 4, 5, 6]
    assert book.issues == ()


def test_values_after_a_long_run_of_empty_rows_are_ignored_with_a_warning(tmp_path: Path) -> None:
    path = write_sheet(tmp_path / "in.xlsx", {(5_010, 1): "stray", (5_011, 0): "C99"})
    book = read_workbook(path, lang="en")
    assert book.customers.frame.index.tolist() == [2, 3, 4, 5, 6]
    (issue,) = book.issues
    assert (issue.severity, issue.code, issue.cell) == (
        "warning",
        "rows_ignored",
        "Customers!B5011",
    )
    assert issue.message == (
        "Customers!B5011: 2 row(s) with values from row 5011 on follow more than 1,000 empty "
        "rows and were ignored; if they are data, delete the empty rows above them"
    )


def test_a_shorter_gap_is_part_of_the_table(tmp_path: Path) -> None:
    path = write_sheet(tmp_path / "in.xlsx", {(900, 0): "C900", (900, 1): "Late Co."})
    book = read_workbook(path)
    assert book.customers.frame.index.tolist() == [2, 3, 4, 5, 6, 901]
    assert book.issues == ()


def test_the_empty_row_run_is_a_setting_of_the_limits(tmp_path: Path) -> None:
    path = write_sheet(tmp_path / "in.xlsx", {(30, 1): "stray"})
    book = read_workbook(path, limits=Limits(empty_row_run=10))
    assert book.customers.frame.index.tolist() == [2, 3, 4, 5, 6]
    assert [i.code for i in book.issues] == ["rows_ignored"]


def test_a_stray_value_in_the_last_cell_of_the_grid(tmp_path: Path) -> None:
    path = write_sheet(tmp_path / "in.xlsx", {(1_048_575, 16_383): "stray"})
    result = measured(path, lang="en")
    assert result["rows"] == [2, 3, 4, 5, 6]
    assert result["issues"] == [["rows_ignored", "Customers!XFD1048576"]]
    assert result["peak_mib"] < 500


def test_a_stray_value_far_right_is_ignored_with_a_warning(tmp_path: Path) -> None:
    path = write_sheet(tmp_path / "in.xlsx", {(3, 16_383): "stray"}, rows=2_000)
    result = measured(path, lang="en")
    assert result["rows"][:3] == [2, 3, 4] and len(result["rows"]) == 2_000
    assert result["issues"] == [["columns_ignored", "Customers!XFD4"]]
    assert result["peak_mib"] < 500


def test_a_value_beyond_the_column_limit_in_a_csv(tmp_path: Path) -> None:
    path = tmp_path / "Customers.csv"
    path.write_text(",".join(HEADER) + ",,,x\n" + ",".join(map(str, _row(1))) + "\n")
    (tmp_path / "reps.csv").write_text(",".join(BASE_REP) + "\nS1,Zhang Wei,East,5\n")
    book = read_workbook(path, lang="en", limits=Limits(max_columns=8))
    assert [(i.code, i.cell) for i in book.issues] == [("columns_ignored", "Customers!J1")]
    assert "right of column H (the 8-column limit)" in book.issues[0].message
    assert book.customers.frame.index.tolist() == [2]


def test_a_sheet_spanning_too_many_cells_is_refused(tmp_path: Path) -> None:
    path = write_sheet(tmp_path / "in.xlsx", {}, rows=40)
    with pytest.raises(WorkbookError) as excinfo:
        read_workbook(path, lang="en", limits=Limits(max_cells=100))
    assert str(excinfo.value) == (
        f"cannot read {path}: sheet 'Customers': its values span 41 rows × 26 columns "
        "(A1:Z41, 0 million cells; the limit is 0 million): delete the rows or columns that "
        "are not part of the table"
    )


def test_an_xlsb_spanning_the_whole_grid_is_refused(tmp_path: Path) -> None:
    rows: list[list[Any]] = [HEADER, _row(1)]
    path = write_xlsb(tmp_path / "in.xlsb", {"Customers": rows, "Reps": [list(BASE_REP)]})
    # the one cell XFD1048576 as the last record of the sheet: patch the writer's output
    from fixture_files import _record

    stray = _record(0x00, (1_048_575).to_bytes(4, "little") + bytes(13)) + _record(
        0x06,
        (16_383).to_bytes(4, "little")
        + bytes(4)
        + (1).to_bytes(4, "little")
        + "x".encode("utf-16-le"),
    )

    def change(name: str, data: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.bin":
            end = data.rfind(_record(0x92))
            return data[:end] + stray + data[end:]
        return data

    bomb = rewrite_package(path, tmp_path / "bomb.xlsb", change)
    result = measured(bomb, lang="en")
    assert "values span 1,048,576 rows × 16,384 columns" in result["error"]
    assert result["peak_mib"] < 500


def test_a_csv_longer_than_excel_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "Customers.csv"
    path.write_text(",".join(HEADER) + "\n" + "".join(",".join(map(str, _row(n))) + "\n"
                    for n in range(1, 11)))  # fmt: skip
    with pytest.raises(WorkbookError, match=r"more than 5 rows \(Excel's limit\); split the file"):
        read_workbook(path, lang="en", limits=Limits(max_rows=5))


def test_a_merged_range_over_the_whole_grid(tmp_path: Path) -> None:
    plain = write_sheet(tmp_path / "plain.xlsx", {})

    def merge_everything(name: str, data: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            return data.replace(
                b"</sheetData>",
                b'</sheetData><mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>',
            )
        return data

    bomb = rewrite_package(plain, tmp_path / "merged.xlsx", merge_everything)
    with zipfile.ZipFile(bomb) as archive:
        assert b'ref="A1:XFD1048576"' in archive.read("xl/worksheets/sheet1.xml")
    result = measured(bomb)
    assert result["rows"] == [2, 3, 4, 5, 6]
    assert result["peak_mib"] < 500


def test_the_cli_reports_ignored_rows(runner: CliRunner, tmp_path: Path) -> None:
    path = write_sheet(tmp_path / "in.xlsx", {(5_010, 1): "stray"})
    result = runner.invoke(cli, ["validate", str(path), "--lang", "en", "--json"])
    assert result.exit_code == 0
    codes = [(i["code"], i["cell"]) for i in json.loads(result.stdout)]
    assert ("rows_ignored", "Customers!B5011") in codes


def test_openpyxl_parses_untrusted_xml_through_defusedxml() -> None:
    """openpyxl uses defusedxml whenever it is installed (an install requirement of allocator);
    nothing in allocator reads the input with openpyxl outside read-only mode."""
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True
    sources = Path(__file__).parent.parent / "allocator"
    for module in ("workbook.py", "sources.py", "sheetscan.py", "decrypt.py"):
        assert "openpyxl" not in (sources / module).read_text(encoding="utf-8")


def test_an_xml_bomb_in_the_workbook_part_is_refused(tmp_path: Path) -> None:
    plain = write_sheet(tmp_path / "plain.xlsx", {})
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )

    def add_entities(name: str, data: bytes) -> bytes:
        if name == "xl/workbook.xml":
            return laughs + data[data.find(b"<workbook") :]
        return data

    bomb = rewrite_package(plain, tmp_path / "laughs.xlsx", add_entities)
    with pytest.raises(WorkbookError, match="cannot read"):
        read_workbook(bomb)
