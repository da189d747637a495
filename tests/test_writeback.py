"""``run --write-back``: a copy of the input with the result sheets and the owner column filled.

Each copy is opened back with openpyxl and python-calamine; inputs with content openpyxl would
lose (charts, shapes, pictures, sparklines, x14 extensions, macros) are made with XlsxWriter or
injected into the package, and must be refused without ``--force``.
"""

from __future__ import annotations

import hashlib
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from click.testing import CliRunner
from conftest import AS_OF, BASE_CUSTOMER, BASE_REP, MakeWorkbook, allocate_file
from python_calamine import CalamineWorkbook
from xlsxwriter.worksheet import Worksheet

from allocator.cli import cli
from allocator.errors import OutputError
from allocator.i18n import sheet_label
from allocator.workbook import read_workbook
from allocator.writeback import (
    cell_values,
    copy_name,
    owner_updates,
    text_like_formulas,
    write_back_copy,
)
from allocator.writeback_features import (
    FEATURES,
    LostFeature,
    PackageParts,
    describe,
    lost_features,
    read_package,
)

AS_OF_TEXT = AS_OF.isoformat(timespec="minutes")
RESULT_SHEETS = (
    "Summary",
    "Assignments",
    "Unassigned",
    "Exceptions",
    "Conflicts",
    "Changes",
    "Run",
)
REPS = [
    {"rep_id": "S1", "name": "Zhang Wei", "territories": "East", "capacity": 5},
    {"rep_id": "S2", "name": "Li Na", "territories": "North", "capacity": 5},
]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(runner: CliRunner, path: Path, out: Path, *extra: str) -> Any:
    args = ["run", str(path), "--as-of", AS_OF_TEXT, "--out", str(out), "--write-back", *extra]
    return runner.invoke(cli, args)


def _headers(ws: Any, row: int = 1) -> list[Any]:
    return [cell.value for cell in ws[row]]


def _table_columns(ws: Any) -> list[str]:
    (table,) = ws.tables.values()
    return [column.name for column in table.tableColumns]


def _column(ws: Any, header: str, header_row: int = 1) -> dict[int, Any]:
    """Excel row → value of the column headed ``header`` below ``header_row``."""
    col = _headers(ws, header_row).index(header) + 1
    return {r: ws.cell(r, col).value for r in range(header_row + 1, ws.max_row + 1)}


def _customers_en() -> list[dict[str, Any]]:
    return [
        {"customer_id": "C1", "region": "East", "owner": None},
        {"customer_id": "C2", "region": "North", "owner": "Li Na"},
        {"customer_id": "C3", "region": "Mars", "owner": None},  # no territory: the pool
        {"customer_id": "C4", "region": "East", "value": -5},  # an error: Exceptions
        {"customer_id": "C5", "region": "North", "customer": '=HYPERLINK("http://evil")'},
    ]


# --- a normal book, in English and in Chinese --------------------------------------------------


def test_write_back_copies_the_input_with_results_and_owners(
    runner: CliRunner, make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    path = make_workbook(_customers_en(), REPS, name="week48.xlsx")
    before = _sha256(path)
    out = tmp_path / "out"

    result = _run(runner, path, out)

    assert result.exit_code == 0, result.output
    assert _sha256(path) == before  # the input is only read
    copy = out / "week48.allocated.xlsx"
    assert copy.exists()
    book = openpyxl.load_workbook(copy)
    assert book.sheetnames == ["Customers", "Reps", *RESULT_SHEETS]

    owners = _column(book["Customers"], "owner")
    assignments = book["Assignments"]
    assigned = dict(
        zip(
            _column(assignments, "source_row").values(),
            _column(assignments, "owner").values(),
            strict=True,
        )
    )
    assert assigned == {2: "Zhang Wei", 3: "Li Na", 6: "Li Na"}
    for row, owner in assigned.items():
        assert owners[row] == owner
    assert owners[4] is None  # C3 stays in the pool
    assert list(_column(book["Unassigned"], "source_row").values()) == [4]
    assert list(_column(book["Exceptions"], "source_row").values()) == [5]
    assert owners[5] is None  # an exception row is left as it was (blank here)

    # The result sheets carry the manager workbook's table columns, under a frozen header.
    manager = openpyxl.load_workbook(out / "assignments.xlsx")
    for key in RESULT_SHEETS:
        mine, theirs = _table_columns(book[key]), _table_columns(manager[key])
        # The manager's Summary adds a column of links to its per-rep sheets.
        assert mine == [c for c in theirs if not (key == "Summary" and c == "sheet")], key
        assert book[key].freeze_panes == "A2"
        assert book[key].page_setup.orientation == "landscape"
        assert book[key].print_title_rows == "$1:$1"
        assert book[key].oddFooter.center.text == "&P / &N"
    due_col = _headers(assignments).index("due_by") + 1
    assert assignments.cell(2, due_col).number_format == "yyyy-mm-dd hh:mm"
    assert isinstance(assignments.cell(2, due_col).value, datetime)
    assert assignments.conditional_formatting  # overdue red, within 24 h amber


def test_text_from_the_input_stays_text_in_the_copy(
    runner: CliRunner, make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    path = make_workbook(_customers_en(), REPS)
    result = _run(runner, path, tmp_path / "out")
    assert result.exit_code == 0, result.output

    copy = tmp_path / "out" / copy_name(path)
    ws = openpyxl.load_workbook(copy)["Assignments"]
    names = _column(ws, "customer")
    row = next(r for r, v in names.items() if v == '=HYPERLINK("http://evil")')
    cell = ws.cell(row, _headers(ws).index("customer") + 1)
    assert cell.data_type == "s"
    assert cell.quotePrefix
    calamine = CalamineWorkbook.from_path(str(copy)).get_sheet_by_name("Assignments").to_python()
    assert '=HYPERLINK("http://evil")' in [r[1] for r in calamine]


def test_chinese_book_with_a_banner_gets_chinese_sheets(
    runner: CliRunner, make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    path = make_workbook(
        [
            {
                "客户编号": "K1",
                "客户名称": "甲公司",
                "行业": "制造",
                "区域": "华东",
                "潜在价值": 1000,
                "合作意向": "高",
                "历史交易": 0,
                "负责人": None,
            },
            {
                "客户编号": "K2",
                "客户名称": "乙公司",
                "行业": "制造",
                "区域": "华北",
                "潜在价值": 2000,
                "合作意向": "中",
                "历史交易": 0,
                "负责人": None,
            },
            {
                "客户编号": "K3",
                "客户名称": "丙公司",
                "行业": "制造",
                "区域": "西藏",
                "潜在价值": 3000,
                "合作意向": "低",
                "历史交易": 0,
                "负责人": "王芳",
            },
        ],
        [
            {"工号": "S1", "姓名": "张伟", "负责区域": "华东", "本周容量": 5},
            {"工号": "S2", "姓名": "李娜", "负责区域": "华北", "本周容量": 5},
            {"工号": "S3", "姓名": "王芳", "负责区域": "华南", "本周容量": 5, "在职": "否"},
        ],
        raw=True,
        name="客户分配.xlsx",
        sheet_names={"Customers": "客户", "Reps": "销售"},
        banners={"客户": "2026年第48周 客户分配表"},
    )
    before = _sha256(path)

    result = _run(runner, path, tmp_path / "输出")

    assert result.exit_code == 0, result.output
    assert _sha256(path) == before
    book = openpyxl.load_workbook(tmp_path / "输出" / "客户分配.allocated.xlsx")
    assert book.sheetnames == ["客户", "销售", *(sheet_label("zh", k) for k in RESULT_SHEETS)]
    ws = book["客户"]
    assert ws["A1"].value == "2026年第48周 客户分配表"  # the banner is kept
    owners = _column(ws, "负责人", header_row=2)
    assert owners == {3: "张伟", 4: "李娜", 5: None}  # 王芳 left: K3 goes back to the pool
    assert "跟进截止" in _headers(book["分配结果"])


def test_owner_column_is_appended_in_the_books_language(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "无负责人.xlsx"
    book = xlsxwriter.Workbook(str(path))
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7"})
    customers = book.add_worksheet("客户")
    header = ["客户编号", "客户名称", "行业", "区域", "潜在价值", "合作意向", "历史交易"]
    rows = [
        ["K1", "甲公司", "制造", "华东", 1000, "高", 0],
        ["K2", "乙公司", "制造", "华东", 900, "中", 0],
    ]
    customers.write_row(0, 0, header, bold)
    for r, row in enumerate(rows, start=1):
        customers.write_row(r, 0, row)
    columns = [{"header": h, "header_format": bold} for h in header]
    customers.add_table(0, 0, 2, len(header) - 1, {"columns": columns})
    reps = book.add_worksheet("销售")
    reps.write_row(0, 0, ["工号", "姓名", "负责区域", "本周容量"])
    reps.write_row(1, 0, ["S1", "张伟", "华东", 5])
    book.close()

    result = _run(runner, path, tmp_path / "out", "--lang", "en")

    assert result.exit_code == 0, result.output
    copy = openpyxl.load_workbook(tmp_path / "out" / "无负责人.allocated.xlsx")
    ws = copy["客户"]
    assert ws.cell(1, 8).value == "负责人"  # the book's language, not the run's (--lang en)
    assert ws.cell(1, 8).font.bold  # looks like its neighbours
    assert [ws.cell(r, 8).value for r in (2, 3)] == ["张伟", "张伟"]
    table = next(iter(ws.tables.values()))
    assert table.ref == "A1:H3"  # the customers' table now includes the owner column
    assert [c.name for c in table.tableColumns][-1] == "负责人"
    assert "Assignments" in copy.sheetnames  # result sheets follow --lang


def test_owner_written_as_rep_id_when_the_input_uses_ids(
    runner: CliRunner, make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    path = make_workbook(
        [
            {
                "customer_id": "C1",
                "region": "East",
                "owner": "S1",
                "stage": "contacted",
                "last_contact": datetime(2026, 11, 20),
            },
            {"customer_id": "C2", "region": "North", "owner": None},
        ],
        REPS,
    )
    result = _run(runner, path, tmp_path / "out")
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(tmp_path / "out" / copy_name(path))["Customers"]
    assert _column(ws, "owner") == {2: "S1", 3: "S2"}


def test_blank_rows_keep_the_excel_row_numbers(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "gaps.xlsx"
    header = [*BASE_CUSTOMER, "owner"]
    first = [*BASE_CUSTOMER.values(), None]
    second = ["C2", "Beta Co.", "Retail", "North", 500, "low", 0, None]
    _write(
        path,
        {
            "Customers": [header, first, [], [], second],
            "Reps": [list(BASE_REP), list(BASE_REP.values()), ["S2", "Li Na", "North", 5]],
        },
    )
    result = _run(runner, path, tmp_path / "out")
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(tmp_path / "out" / copy_name(path))["Customers"]
    assert _column(ws, "owner") == {2: "Zhang Wei", 3: None, 4: None, 5: "Li Na"}


def test_result_sheet_names_never_replace_the_inputs_own(
    runner: CliRunner, make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    path = make_workbook(
        _customers_en()[:2], REPS, extra_sheets={"Assignments": [["mine"], ["=1+1"]]}
    )
    result = _run(runner, path, tmp_path / "out")
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(tmp_path / "out" / copy_name(path))
    assert book["Assignments"]["A1"].value == "mine"
    assert book["Assignments"]["A2"].value == "=1+1"  # the user's own text, as it was
    assert book["Assignments"]["A2"].data_type == "s"
    assert "Assignments (2)" in book.sheetnames
    assert _headers(book["Assignments (2)"])[:3] == ["customer_id", "customer", "owner"]


def test_dates_in_a_1904_book(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "mac.xlsx"
    _write(
        path,
        {
            "Customers": [list(BASE_CUSTOMER), list(BASE_CUSTOMER.values())],
            "Reps": [list(BASE_REP), list(BASE_REP.values())],
        },
        options={"date_1904": True},
    )
    result = _run(runner, path, tmp_path / "out")
    assert result.exit_code == 0, result.output
    copy = tmp_path / "out" / copy_name(path)
    ws = openpyxl.load_workbook(copy)["Assignments"]
    due = _column(ws, "due_by")[2]
    assert due == datetime(2026, 11, 24, 9, 0)  # high intent: 24 h after --as-of
    calamine = CalamineWorkbook.from_path(str(copy)).get_sheet_by_name("Assignments").to_python()
    assert datetime(2026, 11, 24, 9, 0) in calamine[1]


def test_dry_run_writes_nothing(
    runner: CliRunner, make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    path = make_workbook(_customers_en(), REPS)
    result = _run(runner, path, tmp_path / "out", "--dry-run")
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "out").exists()
    assert "dry run: nothing written" in result.output


def test_csv_input_is_refused_before_anything_is_written(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text(
        "customer_id,customer,industry,region,value,intent,history\nC1,Acme,Retail,East,10,high,0\n",
        encoding="utf-8",
    )
    (tmp_path / "reps.csv").write_text(
        "rep_id,name,territories,capacity\nS1,Zhang Wei,East,5\n", encoding="utf-8"
    )
    result = _run(runner, path, tmp_path / "out", "--lang", "en")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --write-back works on .xlsx and .xlsm workbooks only, and leads.csv is a csv "
        "file; drop --write-back, or save it as .xlsx in Excel/WPS first\n"
    )
    assert not (tmp_path / "out").exists()

    zh = _run(runner, path, tmp_path / "out", "--lang", "zh")
    assert zh.exit_code == 2
    assert "--write-back 只能用于 .xlsx 或 .xlsm 工作簿" in zh.stderr


# --- inputs holding content openpyxl would lose -------------------------------------------------


def _write(
    path: Path,
    sheets: Mapping[str, Sequence[Sequence[Any]]],
    *,
    options: Mapping[str, Any] | None = None,
    extra: Callable[[xlsxwriter.Workbook, dict[str, Worksheet]], None] | None = None,
) -> Path:
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, **(options or {})})
    worksheets = {}
    for name, rows in sheets.items():
        ws = book.add_worksheet(name)
        worksheets[name] = ws
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    ws.write(r, c, value)
    if extra is not None:
        extra(book, worksheets)
    book.close()
    return path


def _png() -> bytes:
    """A 1×1 white PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
        + chunk(b"IEND", b"")
    )


def _chart(book: xlsxwriter.Workbook, sheets: dict[str, Worksheet]) -> None:
    chart = book.add_chart({"type": "column"})
    chart.add_series({"values": "=Customers!$E$2:$E$3"})
    sheets["Dashboard"].insert_chart("B2", chart)


def _textbox(book: xlsxwriter.Workbook, sheets: dict[str, Worksheet]) -> None:
    sheets["Dashboard"].insert_textbox("B2", "Read me first")


def _picture(book: xlsxwriter.Workbook, sheets: dict[str, Worksheet]) -> None:
    image = Path(book.filename).with_suffix(".png")
    image.write_bytes(_png())
    sheets["Dashboard"].insert_image("B2", str(image))


def _sparkline(book: xlsxwriter.Workbook, sheets: dict[str, Worksheet]) -> None:
    sheets["Dashboard"].add_sparkline("A1", {"range": "Customers!E2:E3"})


def _data_bars(book: xlsxwriter.Workbook, sheets: dict[str, Worksheet]) -> None:
    sheets["Customers"].conditional_format(
        "E2:E3", {"type": "data_bar", "data_bar_2010": True, "bar_solid": True}
    )


def _feature_book(path: Path, extra: Callable[..., None] | None = None, **kw: Any) -> Path:
    customers = [list(BASE_CUSTOMER), list(BASE_CUSTOMER.values())]
    customers.append(["C2", "Beta Co.", "Retail", "East", 500, "low", 0])
    return _write(
        path,
        {
            "Customers": customers,
            "Reps": [list(BASE_REP), list(BASE_REP.values())],
            "Dashboard": [["weekly figures"]],
        },
        extra=extra,
        **kw,
    )


def _inject_extension(path: Path) -> None:
    """Add an Excel 2013-style ``<extLst>`` (an unknown URI) to the Customers sheet."""
    ext = (
        b'<extLst><ext uri="{0CDCF3C2-8A19-4C10-9E8C-7E0B3D6E1A11}" '
        b'xmlns:x15="http://schemas.microsoft.com/office/spreadsheetml/2010/11/main">'
        b"<x15:whatever/></ext></extLst></worksheet>"
    )
    _rewrite(path, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(b"</worksheet>", ext))


def _rewrite(path: Path, part: str, change: Callable[[bytes], bytes]) -> None:
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in entries:
            target.writestr(info, change(data) if info.filename == part else data)


def _merged_book(folder: Path, merges: bytes) -> Path:
    """A feature book whose Dashboard sheet holds ``merges`` (a ``<mergeCells>`` element
    without its closing tag)."""
    path = _feature_book(folder / "merged.xlsx")
    merge = merges + b"</mergeCells>"
    _rewrite(
        path,
        "xl/worksheets/sheet3.xml",
        lambda xml: re.sub(rb"(</sheetData>|<sheetData/>)", rb"\1" + merge, xml, count=1),
    )
    return path


FEATURE_CASES = {
    "chart": (_chart, None, "charts (sheet Dashboard)", "图表（工作表：Dashboard）"),
    "textbox": (_textbox, None, "shapes and text boxes (sheet Dashboard)", "形状和文本框"),
    "picture": (_picture, None, "pictures (sheet Dashboard)", "图片（工作表：Dashboard）"),
    "sparkline": (_sparkline, None, "sparklines (sheet Dashboard)", "迷你图（工作表：Dashboard）"),
    "data_bars": (_data_bars, None, "Excel 2010+ conditional formats", "条件格式"),
    "extLst": (
        None,
        _inject_extension,
        "other Excel extensions (extLst) (sheet Customers)",
        "其他 Excel 扩展内容（extLst）（工作表：Customers）",
    ),
}


@pytest.mark.parametrize("case", sorted(FEATURE_CASES))
def test_content_openpyxl_would_lose_is_refused_without_force(
    runner: CliRunner, tmp_path: Path, case: str
) -> None:
    extra, post, label_en, label_zh = FEATURE_CASES[case]
    path = _feature_book(tmp_path / "book.xlsx", extra)
    if post is not None:
        post(path)
    before = _sha256(path)

    refused = _run(runner, path, tmp_path / "out", "--lang", "en")

    assert refused.exit_code == 1, refused.output
    assert refused.stderr.startswith(
        "error: not writing the copy book.allocated.xlsx: book.xlsx holds content that a copy "
        "made with openpyxl would lose or alter: "
    )
    assert label_en in refused.stderr
    assert "pass --force" in refused.stderr
    assert not (tmp_path / "out").exists()  # refused before anything was written
    assert "Traceback" not in refused.output

    zh = _run(runner, path, tmp_path / "out", "--lang", "zh")
    assert zh.exit_code == 1
    assert label_zh in zh.stderr and "--force" in zh.stderr

    forced = _run(runner, path, tmp_path / "out", "--lang", "en", "--force")

    assert forced.exit_code == 0, forced.output
    assert "warning: the copy book.allocated.xlsx lacks what the input holds: " in forced.stderr
    assert label_en in forced.stderr
    assert (tmp_path / "out" / "book.allocated.xlsx").exists()
    assert _sha256(path) == before


def test_macros_are_refused_and_dropped_with_force(runner: CliRunner, tmp_path: Path) -> None:
    vba = tmp_path / "vbaProject.bin"
    vba.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)

    def macros(book: xlsxwriter.Workbook, sheets: dict[str, Worksheet]) -> None:
        book.add_vba_project(str(vba))

    path = _feature_book(tmp_path / "宏.xlsm", macros)
    assert "xl/vbaProject.bin" in zipfile.ZipFile(path).namelist()
    before = _sha256(path)

    refused = _run(runner, path, tmp_path / "out", "--lang", "zh")
    assert refused.exit_code == 1
    assert refused.stderr.startswith("error: 未生成回写副本 宏.allocated.xlsx：")
    assert "宏（VBA/宏表）" in refused.stderr

    forced = _run(runner, path, tmp_path / "out", "--lang", "zh", "--force")
    assert forced.exit_code == 0, forced.output
    assert "warning: 回写副本 宏.allocated.xlsx 不含原工作簿中的：宏（VBA/宏表）" in forced.stderr
    copy = tmp_path / "out" / "宏.allocated.xlsx"
    with zipfile.ZipFile(copy) as archive:
        assert "xl/vbaProject.bin" not in archive.namelist()
        types = archive.read("[Content_Types].xml")
    assert b"macroEnabled" not in types  # a plain .xlsx Excel opens without complaint
    assert _sha256(path) == before
    assert openpyxl.load_workbook(copy)["Customers"]["H1"].value == "owner"


def test_a_plain_book_has_nothing_to_lose(make_workbook: MakeWorkbook) -> None:
    path = make_workbook(_customers_en(), REPS)
    assert lost_features(read_package(path)) == ()


def test_read_package_names_the_sheet_of_each_drawing(tmp_path: Path) -> None:
    def both(book: xlsxwriter.Workbook, sheets: dict[str, Worksheet]) -> None:
        _chart(book, sheets)
        sheets["Reps"].insert_textbox("F2", "note")

    path = _feature_book(tmp_path / "two.xlsx", both)
    assert lost_features(read_package(path)) == (
        LostFeature("shapes", ("Reps",)),
        LostFeature("charts", ("Dashboard",)),
    )


# --- the pure parts ----------------------------------------------------------------------------


def test_lost_features_from_package_parts() -> None:
    parts = PackageParts(
        names=(
            "xl/workbook.xml",
            "xl/worksheets/sheet1.xml",
            "xl/worksheets/sheet2.xml",
            "xl/vbaProject.bin",
            "xl/threadedComments/threadedComment1.xml",
            "xl/slicers/slicer1.xml",
            "xl/pivotTables/pivotTable1.xml",
            "xl/drawings/vmlDrawing1.vml",
            "customXml/item1.xml",
        ),
        sheets={"xl/worksheets/sheet1.xml": "客户", "xl/worksheets/sheet2.xml": "看板"},
        targets={
            "xl/worksheets/sheet1.xml": ("xl/threadedComments/threadedComment1.xml",),
            "xl/worksheets/sheet2.xml": (
                "xl/slicers/slicer1.xml",
                "xl/pivotTables/pivotTable1.xml",
            ),
        },
        vml_controls=frozenset({"xl/drawings/vmlDrawing1.vml"}),
        extensions={
            "xl/worksheets/sheet2.xml": frozenset({"{05C60535-1F16-4FD2-B633-F4F36F0B64E0}"})
        },
        power_query=True,
    )
    lost = lost_features(parts)
    assert lost == (
        LostFeature("macros"),
        LostFeature("pivot_tables", ("看板",)),
        LostFeature("slicers", ("看板",)),
        LostFeature("sparklines", ("看板",)),
        LostFeature("threaded_comments", ("客户",)),
        LostFeature("form_controls"),
        LostFeature("power_query"),
    )
    assert describe(lost[:3], "en") == (
        "macros (VBA, macro sheets), pivot tables (sheet 看板), slicers (sheet 看板)"
    )
    assert describe(lost[:2], "zh") == "宏（VBA/宏表）、数据透视表（工作表：看板）"


def test_every_feature_has_a_label_in_both_languages() -> None:
    for key in FEATURES:
        for lang in ("zh", "en"):
            assert describe([LostFeature(key)], lang)
    many = LostFeature("charts", ("a", "b", "c", "d"))
    assert describe([many], "en") == "charts (sheet a, b, c, …)"


def test_owner_updates_cover_assigned_and_pooled_rows(make_workbook: MakeWorkbook) -> None:
    path = make_workbook(_customers_en(), REPS)
    allocation = allocate_file(path)
    updates = owner_updates(allocation, None)
    assert updates.to_dict() == {2: "Zhang Wei", 3: "Li Na", 4: None, 6: "Li Na"}
    assert updates.index.is_monotonic_increasing
    by_id = owner_updates(allocation, allocation.assignments["owner_id"])
    assert by_id.to_dict() == {2: "S1", 3: "S2", 4: None, 6: "S2"}


def test_copy_name() -> None:
    assert copy_name("/data/客户分配.xlsm") == "客户分配.allocated.xlsx"
    assert re.fullmatch(r"week 48\.allocated\.xlsx", copy_name(Path("week 48.xlsx")))


def test_cell_values_are_what_openpyxl_writes() -> None:
    first = datetime(1900, 3, 1)
    assert cell_values(pd.Series([1.5, None], dtype="Float64"), first) == [1.5, None]
    assert cell_values(pd.Series([1, None], dtype="Int64"), first) == [1, None]
    assert cell_values(pd.Series(["a\x01b", None, 3], dtype=object), first) == ["ab", None, 3]
    dates = pd.Series(pd.to_datetime(["1899-12-31 00:00", "2026-11-23 09:00", None]))
    # Before Excel's calendar is right, a date is written as text; missing stays empty.
    assert cell_values(dates, first) == ["1899-12-31 00:00:00", datetime(2026, 11, 23, 9), None]
    assert cell_values(dates, datetime(1904, 1, 1))[0] == "1899-12-31 00:00:00"
    text = pd.Series(["=a", "+1", 3, None, "-", "ok"], dtype=object)
    assert text_like_formulas(text).tolist() == [0, 1, 4]
    assert text_like_formulas(pd.Series([1, 2])).tolist() == []


def test_an_input_changed_after_reading_is_not_copied(
    make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    path = make_workbook(_customers_en(), REPS)
    book = read_workbook(path)
    allocation = allocate_file(path)
    path.write_bytes(path.read_bytes() + b"saved again")
    with pytest.raises(OutputError, match="changed after it was read"):
        write_back_copy(book, allocation, tmp_path / "out", lang="en")
    assert not (tmp_path / "out" / copy_name(path)).exists()


def test_a_copy_open_in_excel_is_reported(
    make_workbook: MakeWorkbook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_workbook(_customers_en(), REPS)
    book = read_workbook(path)
    allocation = allocate_file(path)

    def locked(source: object, target: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("allocator.export.files.os.replace", locked)
    with pytest.raises(OutputError, match=r"close input\d\.allocated\.xlsx in Excel"):
        write_back_copy(book, allocation, tmp_path / "out", lang="en")
    assert [p.name for p in (tmp_path / "out").iterdir()] == []  # no temporary file left


def test_a_merged_cell_bomb_is_refused_even_with_force(tmp_path: Path, runner: CliRunner) -> None:
    path = _merged_book(tmp_path, b'<mergeCells count="1"><mergeCell ref="A10:XFD1048576"/>')
    before = _sha256(path)
    result = _run(runner, path, tmp_path / "out", "--force")
    assert result.exit_code == 1, result.output
    assert "merged ranges covering 17,179,721,728 cells" in result.output
    assert "'Dashboard'" in result.output
    assert _sha256(path) == before
    assert not (tmp_path / "out" / "merged.allocated.xlsx").exists()


def test_merged_cells_are_counted_per_sheet(tmp_path: Path) -> None:
    path = _merged_book(
        tmp_path, b'<mergeCells count="2"><mergeCell ref="A1:B2"/><mergeCell ref="C3:C12"/>'
    )
    parts = read_package(path)
    assert parts.merged_cells == {"xl/worksheets/sheet3.xml": 14}
