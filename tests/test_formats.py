"""Every supported format reads the same sample into the same validated data; the format is
told by the content, not the extension."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import AS_OF, write_workbook
from fixture_files import (
    XlsbError,
    needs_soffice,
    soffice_convert,
    to_strict,
    to_xlsm,
    write_xlsb,
)

from allocator.cli import cli
from allocator.errors import WorkbookError
from allocator.model import Inputs
from allocator.schema import validate
from allocator.workbook import read_workbook

CUSTOMER_HEADER = [
    "客户编号", "客户名称", "行业", "区域", "省份", "潜在价值", "合作意向", "历史交易",
    "负责人", "跟进状态", "创建时间", "最近跟进", "电话", "备注",
]  # fmt: skip
CUSTOMER_ROWS: list[list[Any]] = [
    ["00123", "上海华信科技有限公司", "零售", "华东", "上海", 120000, "高", None, "张伟",
     "已联系", datetime(2026, 11, 3, 9, 30), datetime(2026, 11, 20), "013800138000", "老客户"],
    ["00124", "杭州云启", "制造", "华东", "浙江", 80000.5, "中", 5000, None, None,
     datetime(2026, 11, 10), None, "13900139000", None],
    ["A-7", "Acme Ltd.", "Retail", "华南", None, 0, "低", 0, "S01", "新建",
     datetime(2026, 10, 1), None, None, "x"],
]  # fmt: skip
REP_HEADER = ["工号", "姓名", "负责区域", "本周容量", "在职", "级别"]
REP_ROWS: list[list[Any]] = [
    ["S01", "张伟", "华东、华南", 5, True, "资深"],
    ["S02", "李娜", "华东", 3, False, "新人"],
]
BANNER = ["2026 年第 47 周客户导出"]


def sheets() -> dict[str, list[list[Any]]]:
    return {
        "客户": [BANNER, CUSTOMER_HEADER, *CUSTOMER_ROWS],
        "销售": [REP_HEADER, *REP_ROWS],
    }


def validated(path: Path, **options: Any) -> Inputs:
    return validate(read_workbook(path, **options), lang="zh", as_of=AS_OF)


def assert_same_inputs(actual: Inputs, expected: Inputs) -> None:
    pd.testing.assert_frame_equal(actual.customers, expected.customers)
    pd.testing.assert_frame_equal(actual.reps, expected.reps)
    assert [(i.code, i.cell) for i in actual.issues] == [(i.code, i.cell) for i in expected.issues]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_workbook(tmp_path_factory.mktemp("reference") / "sample.xlsx", sheets())


@pytest.fixture(scope="module")
def expected(reference: Path) -> Inputs:
    inputs = validated(reference)
    assert inputs.customers["customer_id"].tolist() == ["00123", "00124", "A-7"]
    assert inputs.customers["phone"].tolist()[:2] == ["013800138000", "13900139000"]
    assert inputs.customers.loc[3, "created"] == pd.Timestamp(2026, 11, 3, 9, 30)
    assert inputs.reps["active"].tolist() == [True, False]
    return inputs


def _csv_text(rows: Sequence[Sequence[Any]]) -> str:
    def cell(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, datetime | date):
            return f"{value:%Y-%m-%d %H:%M}" if isinstance(value, datetime) else str(value)
        text = str(value)
        return f'"{text}"' if "," in text else text

    return "".join(",".join(cell(v) for v in row) + "\r\n" for row in rows)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_reads_like_the_workbook(tmp_path: Path, expected: Inputs, encoding: str) -> None:
    path = tmp_path / "客户.csv"
    path.write_text(_csv_text(sheets()["客户"]), encoding=encoding, newline="")
    (tmp_path / "销售.csv").write_text(_csv_text(sheets()["销售"]), encoding=encoding, newline="")
    assert read_workbook(path).format == "csv"
    assert_same_inputs(validated(path), expected)


@pytest.mark.parametrize(
    ("fmt", "make"),
    [
        ("xlsm", lambda src, dst: to_xlsm(src, dst.with_suffix(".xlsm"))),
        ("xlsx", lambda src, dst: to_strict(src, dst.with_suffix(".xlsx"))),
        ("xlsb", lambda src, dst: write_xlsb(dst.with_suffix(".xlsb"), sheets())),
    ],
    ids=["xlsm", "strict-ooxml", "xlsb"],
)
def test_ooxml_variants_read_like_the_workbook(
    reference: Path,
    expected: Inputs,
    tmp_path: Path,
    fmt: str,
    make: Callable[[Path, Path], Path],
) -> None:
    path = make(reference, tmp_path / "converted")
    assert read_workbook(path).format == fmt
    assert_same_inputs(validated(path), expected)


def test_strict_ooxml_uses_the_strict_namespaces(reference: Path, tmp_path: Path) -> None:
    import zipfile

    strict = to_strict(reference, tmp_path / "strict.xlsx")
    with zipfile.ZipFile(strict) as archive:
        workbook = archive.read("xl/workbook.xml")
    assert b"http://purl.oclc.org/ooxml/spreadsheetml/main" in workbook
    assert b"schemas.openxmlformats.org/spreadsheetml" not in workbook


@needs_soffice
@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_libreoffice_formats_read_like_the_workbook(
    reference: Path, expected: Inputs, tmp_path: Path, fmt: str
) -> None:
    path = soffice_convert(reference, fmt, tmp_path)
    assert read_workbook(path).format == fmt
    assert_same_inputs(validated(path), expected)


# --- misnamed files -------------------------------------------------------------------------------


def test_an_xlsx_named_csv_is_read_as_a_workbook(
    reference: Path, expected: Inputs, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    shutil.copy(reference, path)
    assert read_workbook(path).format == "xlsx"
    assert_same_inputs(validated(path), expected)


def test_an_xlsb_named_xlsx_is_read(expected: Inputs, tmp_path: Path) -> None:
    path = write_xlsb(tmp_path / "export.xlsx", sheets())
    assert read_workbook(path).format == "xlsb"
    assert_same_inputs(validated(path), expected)


@needs_soffice
def test_an_xls_named_xlsx_is_read(reference: Path, expected: Inputs, tmp_path: Path) -> None:
    xls = soffice_convert(reference, "xls", tmp_path / "xls")
    path = tmp_path / "export.xlsx"
    shutil.copy(xls, path)
    assert read_workbook(path).format == "xls"
    assert_same_inputs(validated(path), expected)


def test_a_csv_named_xlsx_is_read_as_csv(expected: Inputs, tmp_path: Path) -> None:
    path = tmp_path / "客户.xlsx"
    path.write_text(_csv_text(sheets()["客户"]), encoding="utf-8")
    (tmp_path / "销售.csv").write_text(_csv_text(sheets()["销售"]), encoding="utf-8")
    assert read_workbook(path).format == "csv"
    assert_same_inputs(validated(path), expected)


@pytest.mark.parametrize(
    ("name", "parts", "what"),
    [
        ("report.xlsx", {"word/document.xml": b"<w/>"}, "a Word document"),
        ("slides.xlsx", {"ppt/presentation.xml": b"<p/>"}, "a PowerPoint presentation"),
        ("text.ods", {"mimetype": b"application/vnd.oasis.opendocument.text"}, "OpenDocument"),
    ],
)
def test_other_office_files_are_named(
    runner: CliRunner, tmp_path: Path, name: str, parts: dict[str, bytes], what: str
) -> None:
    import zipfile

    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as archive:
        for part, data in parts.items():
            archive.writestr(part, data)
    result = runner.invoke(cli, ["validate", str(path), "--lang", "en"])
    assert result.exit_code == 3
    assert result.stderr.startswith(
        f"error: cannot read {path}: not an Excel workbook or CSV file ("
    )
    assert what in result.stderr


# --- error cells in every workbook format ---------------------------------------------------------

ERROR_CUSTOMERS = [
    ["customer", "industry", "region", "value", "intent", "history", "source"],
    ["Acme", "Retail", "East", XlsbError("#DIV/0!"), "high", 0, "web"],
    ["Beta", "Retail", "East", 5, "high", 0, XlsbError("#N/A")],
]
ERROR_REPS = [["name", "territories", "capacity"], ["Zhang Wei", "East", 3]]


def _error_issues(path: Path) -> list[tuple[str, str, str | None, str | None, str | None]]:
    inputs = validate(read_workbook(path, lang="en"), lang="en", as_of=AS_OF)
    return [
        (i.severity, i.code, i.cell, i.column, i.value)
        for i in inputs.issues
        if i.code.startswith("error_cell")
    ]


EXPECTED_ERROR_ISSUES = [
    ("error", "error_cell", "Customers!D2", "value", "#DIV/0!"),
    ("warning", "error_cell_ignored", "Customers!G3", "source", "#N/A"),
]


def test_error_cells_in_xlsb(tmp_path: Path) -> None:
    path = write_xlsb(tmp_path / "errors.xlsb", {"Customers": ERROR_CUSTOMERS, "Reps": ERROR_REPS})
    assert _error_issues(path) == EXPECTED_ERROR_ISSUES


@pytest.fixture
def error_xlsx(tmp_path: Path) -> Path:
    import xlsxwriter

    path = tmp_path / "errors.xlsx"
    book = xlsxwriter.Workbook(str(path))
    customers = book.add_worksheet("Customers")
    for r, row in enumerate(ERROR_CUSTOMERS):
        for c, value in enumerate(row):
            if isinstance(value, XlsbError):
                formula = "=1/0" if value == "#DIV/0!" else "=NA()"
                customers.write_formula(r, c, formula, None, str(value))
            else:
                customers.write(r, c, value)
    reps = book.add_worksheet("Reps")
    for r, row in enumerate(ERROR_REPS):
        reps.write_row(r, 0, row)
    book.close()
    return path


def test_error_cells_in_xlsx(error_xlsx: Path) -> None:
    assert _error_issues(error_xlsx) == EXPECTED_ERROR_ISSUES


def test_error_cells_in_strict_ooxml(error_xlsx: Path, tmp_path: Path) -> None:
    assert _error_issues(to_strict(error_xlsx, tmp_path / "strict.xlsx")) == EXPECTED_ERROR_ISSUES


@needs_soffice
@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_error_cells_in_libreoffice_formats(error_xlsx: Path, tmp_path: Path, fmt: str) -> None:
    path = soffice_convert(error_xlsx, fmt, tmp_path / fmt)
    assert _error_issues(path) == EXPECTED_ERROR_ISSUES


def test_error_cells_in_csv(tmp_path: Path) -> None:
    path = tmp_path / "Customers.csv"
    path.write_text(_csv_text(ERROR_CUSTOMERS), encoding="utf-8")
    (tmp_path / "reps.csv").write_text(_csv_text(ERROR_REPS), encoding="utf-8")
    assert _error_issues(path) == EXPECTED_ERROR_ISSUES


def test_an_error_cell_sends_its_row_to_exceptions(error_xlsx: Path) -> None:
    inputs = validate(read_workbook(error_xlsx, lang="zh"), lang="zh", as_of=AS_OF)
    assert inputs.customers.index.tolist() == [3]  # Beta: its #N/A source reads as blank
    assert pd.isna(inputs.customers.loc[3, "source"])
    assert inputs.exceptions["source_row"].tolist() == [2]
    assert inputs.exceptions.loc[2, "issue_codes"] == "error_cell"
    assert inputs.exceptions.loc[2, "issues"] == (
        "Customers!D2：“value”是 Excel 错误值 #DIV/0!；请修正公式或直接填写数值"
    )
    assert inputs.exceptions.loc[2, "value"] == "#DIV/0!"  # shown as the user saw it


def test_an_error_cell_in_the_reps_sheet_is_fatal(tmp_path: Path) -> None:
    from allocator.errors import ValidationFailed

    reps = [["name", "territories", "capacity"], ["Zhang Wei", "East", XlsbError("#REF!")]]
    path = write_xlsb(tmp_path / "reps.xlsb", {"Customers": ERROR_CUSTOMERS[:1], "Reps": reps})
    with pytest.raises(ValidationFailed) as excinfo:
        validate(read_workbook(path, lang="en"), lang="en", as_of=AS_OF)
    fatal = [i for i in excinfo.value.issues if i.severity == "fatal"]
    assert [(i.code, i.cell, i.value) for i in fatal] == [("error_cell", "Reps!C2", "#REF!")]


def test_a_workbook_error_text_is_text(tmp_path: Path) -> None:
    """Typed as text in a workbook, '#N/A' is a word like any other, not an error cell."""
    path = write_workbook(
        tmp_path / "in.xlsx",
        {"Customers": [ERROR_CUSTOMERS[0], ["Acme", "Retail", "East", 1, "high", 0, "#N/A"]],
         "Reps": ERROR_REPS},
    )  # fmt: skip
    inputs = validate(read_workbook(path, lang="en"), lang="en", as_of=AS_OF)
    assert inputs.customers.loc[2, "source"] == "#N/A"
    assert not [i for i in inputs.issues if i.code.startswith("error_cell")]


def test_unsupported_container_message_in_chinese(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "资料.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(WorkbookError, match="不是 Excel 工作簿或 CSV 文件"):
        read_workbook(path, lang="zh")


def test_the_1904_date_system_of_an_xlsb(tmp_path: Path) -> None:
    customers = [
        ["customer", "industry", "region", "value", "intent", "history", "created"],
        ["Acme", "Retail", "East", 100, "high", 0, 44000],  # 2024-06-19 counted from 1904
    ]
    path = write_xlsb(tmp_path / "mac.xlsb", {"Customers": customers, "Reps": ERROR_REPS},
                      date1904=True)  # fmt: skip
    raw = read_workbook(path, lang="en")
    assert raw.customers.date1904
    inputs = validate(raw, lang="en", as_of=AS_OF)
    assert inputs.customers.iloc[0]["created"] == pd.Timestamp("2024-06-19")
    plain = write_xlsb(tmp_path / "pc.xlsb", {"Customers": customers, "Reps": ERROR_REPS})
    assert not read_workbook(plain, lang="en").customers.date1904


def test_a_macro_enabled_workbook_is_told_by_its_parts(reference: Path, tmp_path: Path) -> None:
    import zipfile

    from allocator.sources import identify

    with zipfile.ZipFile(reference) as archive:
        assert identify(archive, None) == "xlsx"
    with zipfile.ZipFile(to_xlsm(reference, tmp_path / "m.xlsm")) as archive:
        assert identify(archive, None) == "xlsm"
    assert identify(None, ["Workbook", "\x05SummaryInformation"]) == "xls"
    assert identify(None, ["WordDocument"]) == "a Word 97–2003 document"
