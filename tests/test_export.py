"""The output writer: workbooks opened back with openpyxl and python-calamine."""

from __future__ import annotations

import gc
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from allocator import export
from allocator.errors import OutputError
from allocator.export import write_outputs, write_text_atomic
from allocator.export.display import mask_email, mask_phone
from allocator.export.labels import LABEL_KEYS
from allocator.export.rows import convert
from allocator.fairness import gini
from allocator.i18n import MESSAGES
from allocator.model import Allocation, RunInfo
from allocator.settings import OutputSettings, Settings

AS_OF = datetime(2026, 11, 2, 9, 0)
INJECTION = '=HYPERLINK("http://evil")'
SHEETS = {
    "en": ["Summary", "Assignments", "Unassigned", "Exceptions", "Conflicts", "Changes", "Run"],
    "zh": ["汇总", "分配结果", "公海池", "异常数据", "撞单", "变更", "运行信息"],
}
REPS = [
    ("R01", "张伟", "华东组", "senior", 5),
    ("R02", "Li Na", "华北组", "junior", 3),
    ("R03", "Rep: 王芳/Q1", "华南组", "lead", 4),
]


def _customers(n: int, owners: list[str | None], stages: list[str]) -> pd.DataFrame:
    """Rows with the columns of Allocation.assignments, in order."""
    rep_ids = {name: rid for rid, name, *_ in REPS}
    i = np.arange(n)
    # Past, within 24 h, later; none for closed rows.
    due = pd.Series(pd.Timestamp(AS_OF) + pd.to_timedelta((i % 4 - 1) * 20, unit="h"), index=i)
    due[np.isin(np.asarray(stages), ["won", "lost"])] = pd.NaT
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{k:05d}" for k in i],
            "customer": [f"客户{k}有限公司" for k in i],
            "owner": owners,
            "owner_id": [rep_ids.get(o) if o else None for o in owners],
            "tier": [("A", "B", "C")[k % 3] for k in i],
            "score": 90.0 - i,
            "reason_code": ["territory"] * n,
            "reason": [f"华东区 3 名候选人中积分最低 ({k})" for k in i],
            "due_by": due,
            "escalate_at": due + pd.Timedelta(days=3),
            "overdue": i % 5 == 0,
            "previous_owner": [None] * n,
            "industry": ["制造"] * n,
            "region": ["华东"] * n,
            "province": ["江苏"] * n,
            "city": ["南京"] * n,
            "value": 120000.0 + i * 1000,
            "intent": [("high", "medium", "low")[k % 3] for k in i],
            "history": 0.0 + i,
            "source": ["官网注册"] * n,
            "stage": stages,
            "created": pd.Timestamp("2026-10-01 08:30") + pd.to_timedelta(i, unit="D"),
            "last_contact": pd.Series(pd.NaT, index=i, dtype="datetime64[ns]"),
            "closed": pd.Series(pd.NaT, index=i, dtype="datetime64[ns]"),
            "deal_value": np.nan,
            "contact": ["张先生"] * n,
            "phone": [f"138{k:08d}" for k in i],
            "email": [f"zhang{k}@example.com" for k in i],
            "referred_by": [None] * n,
            "微信": [f"wx{k}" for k in i],
            "source_row": i + 3,
        }
    )
    return frame.set_axis(i + 100)  # an arbitrary index, as the allocator leaves it


def make_allocation(lang: str = "en", n: int = 12) -> Allocation:
    """A small, realistic Allocation built by hand (assignments, pool, exceptions, …)."""
    owners = [REPS[k % 3][1] for k in range(n)]
    stages = ["new", "contacted", "won", "lost", "qualified", "new"] * (n // 6 + 1)
    assignments = _customers(n, owners, stages[:n])
    assignments.loc[100, "customer"] = INJECTION
    assignments.loc[101, "phone"] = "+86 138 0000"
    unassigned = _customers(2, [None, None], ["new", "new"])
    unassigned["reason_code"] = "no_territory"
    exceptions = pd.DataFrame(
        {
            "customer_id": ["X1"],
            "customer": ["坏数据公司"],
            "value": ["-5"],
            "intent": ["超高"],
            "phone": [13912345678.0],
            "email": ["bad@example.com"],
            "备注": ["raw"],
            "issue_codes": ["negative_number"],
            "issues": ["客户!G9：潜在价值不能为负数"],
            "source_row": [9],
        }
    )
    conflicts = pd.DataFrame(
        {
            "group": [1, 1],
            "customer_id": ["C00001", "C00004"],
            "customer": ["甲", "甲"],
            "claimant": ["张伟", "Li Na"],
            "owner": ["张伟", "张伟"],
            "decision": ["kept", "lost"],
            "source_row": [4, 7],
        }
    )
    changes = pd.DataFrame(
        {
            "customer_id": ["C00002"],
            "customer": ["乙"],
            "owner_before": ["Li Na"],
            "owner_after": ["张伟"],
            "reason_code": ["reclaimed"],
            "reason": ["30 天未跟进"],
            "source_row": [5],
        }
    )
    reps = pd.DataFrame(
        {
            "rep_id": [r[0] for r in REPS],
            "name": [r[1] for r in REPS],
            "team": [r[2] for r in REPS],
            "level": [r[3] for r in REPS],
            "capacity": [r[4] for r in REPS],
            "new": [3, 1, 2],
            "reclaimed": [1, 0, 0],
            "handover": [0, 0, 1],
            "kept": [2, 3, 1],
            "open_total": [6, 4, 4],
            "capacity_used": [0.8, 1 / 3, 0.75],
            "value_new": [5e5, 1.2e5, 3e5],
            "value_open": [9e5, 4e5, 5e5],
            "points_before": [10.0, 0.0, 5.5],
            "points_received": [250.5, 80.0, 160.25],
            "points_balance_new": [260.5, 80.0, 165.75],
            "tier_A": [1, 0, 1],
            "tier_B": [2, 1, 1],
            "tier_C": [1, 0, 1],
            "overdue_count": [1, 0, 0],
        }
    )
    run = RunInfo(
        input_path="/data/客户导出.xlsx",
        input_sha256="ab" * 32,
        as_of=AS_OF,
        strategy="points",
        language=lang,
        version="0.1.0",
        settings=Settings().to_dict(),
        settings_path=None,
    )
    stats = {"customers_in": n + 3, "assigned": n, "unassigned": 2, "exceptions": 1}
    return Allocation(
        assignments=assignments,
        unassigned=unassigned,
        exceptions=exceptions,
        conflicts=conflicts,
        changes=changes,
        reps=reps,
        stats=stats,
        issues=(),
        run=run,
    )


def _write(tmp_path: Path, lang: str = "en", **kwargs: Any) -> tuple[Allocation, list[Path]]:
    allocation = make_allocation(lang)
    settings = kwargs.pop("settings", OutputSettings())
    written = write_outputs(
        allocation,
        tmp_path / "out",
        lang=lang,
        settings=settings,
        extra_files={"report.html": b"<html></html>"},
        **kwargs,
    )
    return allocation, written


def _rows(path: Path, sheet: str) -> list[list[Any]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_sheet_names_in_order(tmp_path: Path, lang: str) -> None:
    _, written = _write(tmp_path, lang)
    book = openpyxl.load_workbook(written[0])
    fixed = SHEETS[lang]
    reps = ["张伟", "Li Na", "Rep_ 王芳_Q1"]
    assert book.sheetnames == [fixed[0], fixed[1], *reps, *fixed[2:]]
    assert [p.name for p in written] == [
        "assignments.xlsx",
        "张伟.xlsx",
        "Li Na.xlsx",
        "Rep_ 王芳_Q1.xlsx",
        "report.html",
    ]
    assert (tmp_path / "out" / "report.html").read_bytes() == b"<html></html>"
    assert not [p for p in (tmp_path / "out").rglob("*.tmp")]


@pytest.mark.parametrize(
    ("lang", "headers"),
    [
        ("en", ["customer_id", "customer", "owner", "owner_id", "tier", "score"]),
        ("zh", ["客户编号", "客户名称", "负责人", "负责人工号", "等级", "评分"]),
    ],
)
def test_tables_headers_freeze_and_formats(tmp_path: Path, lang: str, headers: list[str]) -> None:
    _, written = _write(tmp_path, lang)
    book = openpyxl.load_workbook(written[0])
    sheet = book[SHEETS[lang][1]]
    (table,) = sheet.tables.values()
    assert table.ref == "A1:AE13"
    names = [c.name for c in table.tableColumns]
    assert names[:6] == headers
    assert names[-2:] == ["微信", "源行号" if lang == "zh" else "source_row"]
    assert sheet.freeze_panes == "A2"
    col = {name: i + 1 for i, name in enumerate(names)}
    value_cell = sheet.cell(2, col["潜在价值" if lang == "zh" else "value"])
    assert value_cell.number_format == "#,##0"
    assert value_cell.value == 120000
    due = sheet.cell(2, col["跟进截止" if lang == "zh" else "due_by"])
    assert due.number_format == "yyyy-mm-dd hh:mm"
    assert due.value == AS_OF - timedelta(hours=20)
    assert sheet.cell(2, col["评分" if lang == "zh" else "score"]).number_format == "0.0"
    closed_col = sheet.column_dimensions[openpyxl.utils.get_column_letter(col[names[23]])]
    assert closed_col.number_format == "yyyy-mm-dd"
    # NaT and NaN are empty cells, not zeros or errors.
    assert sheet.cell(2, col[names[22]]).value is None  # last_contact
    assert sheet.cell(2, col[names[24]]).value is None  # deal_value
    rules = [r for rng in sheet.conditional_formatting for r in rng.rules]
    assert len(rules) == 2 and all(r.type == "expression" for r in rules)
    for name in SHEETS[lang]:
        assert book[name].freeze_panes == "A2"
        assert book[name].tables, name


def test_translated_values_and_widths(tmp_path: Path) -> None:
    _, written = _write(tmp_path, "zh")
    rows = _rows(written[0], "分配结果")
    header = rows[0]
    first = dict(zip(header, rows[1], strict=True))
    assert first["合作意向"] == "高"
    assert first["跟进状态"] == "新建"
    assert first["已逾期"] == "是"
    assert dict(zip(header, rows[2], strict=True))["已逾期"] == "否"
    sheet = openpyxl.load_workbook(written[0])["分配结果"]
    # 客户名称 holds 8 CJK characters: counted twice, within the cap.
    assert 16 <= sheet.column_dimensions["B"].width <= 60


def test_summary_links_totals_and_fairness(tmp_path: Path) -> None:
    _, written = _write(tmp_path, "en")
    book = openpyxl.load_workbook(written[0])
    summary = book["Summary"]
    header = [c.value for c in summary[1]]
    sheet_col = header.index("sheet") + 1
    targets = [summary.cell(r, sheet_col).hyperlink.location for r in (2, 3, 4)]
    assert targets == ["'张伟'!A1", "'Li Na'!A1", "'Rep_ 王芳_Q1'!A1"]
    assert summary.cell(2, sheet_col).value == "张伟"
    (table,) = summary.tables.values()
    assert table.totalsRowCount == 1
    values = _rows(written[0], "Summary")
    totals = dict(zip(header, values[4], strict=False))
    assert totals["rep_id"] == "Total"
    assert totals["new"] == 6
    assert totals["value_new"] == pytest.approx(9.2e5)
    assert totals["capacity_used"] == pytest.approx((6 + 1 + 1) / 12)
    width = len(table.tableColumns)
    assert header[width + 1] == "Fairness"
    beside = {row[width + 1]: row[width + 2] for row in values[1:6]}
    assert beside["Gini of new value"] == pytest.approx(gini(np.array([5e5, 1.2e5, 3e5])))
    assert "Gini of load (new / capacity)" in beside
    assert "Points / fair share, highest" in beside
    rep = book["张伟"]
    link = next(c for row in rep.iter_rows() for c in row if c.hyperlink)
    assert link.hyperlink.location == "'Summary'!A1"
    assert link.row == 1 and link.column > rep.max_column - 2


def test_rep_sheets_from_one_sort(tmp_path: Path) -> None:
    allocation, written = _write(tmp_path, "en")
    rows = _rows(written[0], "Li Na")
    expected = allocation.assignments.loc[allocation.assignments["owner"] == "Li Na"]
    assert [r[0] for r in rows[1:]] == expected["customer_id"].tolist()


def test_rep_workbooks_only_open_rows_with_status_dropdown(tmp_path: Path) -> None:
    allocation, _ = _write(tmp_path, "zh")
    path = tmp_path / "out" / "reps" / "张伟.xlsx"
    book = openpyxl.load_workbook(path)
    (sheet,) = book.worksheets
    assert sheet.title == "分配结果"
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["客户编号", "客户名称", "等级", "评分", "分配原因"]
    assert header[-2:] == ["跟进结果", "备注"]
    mine = allocation.assignments
    mine = mine[(mine["owner"] == "张伟") & ~mine["stage"].isin(["won", "lost"])]
    ids = [sheet.cell(r, 1).value for r in range(2, sheet.max_row + 1)]
    assert ids == mine["customer_id"].tolist()
    assert set(_rows(path, "分配结果")[1][8:9]) <= {"新建", "已联系", "需求确认"}
    (validation,) = sheet.data_validations.dataValidation
    assert validation.type == "list"
    assert "成交" in validation.formula1 and "需求确认" in validation.formula1
    assert str(validation.sqref) == f"U2:U{len(ids) + 1}"
    phones = [sheet.cell(r, header.index("电话") + 1).value for r in range(2, sheet.max_row + 1)]
    assert phones[0] == "13800000000"  # full contacts for the rep
    assert sheet.tables and sheet.freeze_panes == "A2"


def test_masked_phones_in_manager_workbook_only(tmp_path: Path) -> None:
    _, written = _write(tmp_path, "en")
    rows = _rows(written[0], "Assignments")
    col = rows[0].index("phone")
    assert rows[1][col] == "138****0000"
    assert rows[2][col] == "+86****0000"
    assert rows[1][rows[0].index("email")] == "z***@example.com"
    exceptions = _rows(written[0], "Exceptions")
    assert exceptions[1][exceptions[0].index("phone")] == "139****5678"
    _, unmasked = _write(tmp_path / "b", "en", settings=OutputSettings(mask_contacts=False))
    rows = _rows(unmasked[0], "Assignments")
    assert rows[1][col] == "13800000000"


def test_mask_functions() -> None:
    phones = pd.Series(["13812345678", "1234567", None, "", 13812345678.0], dtype=object)
    assert mask_phone(phones).tolist() == ["138****5678", "*******", None, None, "138****5678"]
    emails = pd.Series(["zhang@x.com", "a@b.cn", "nobody", None])
    assert mask_email(emails).tolist() == ["z***@x.com", "a***@b.cn", "n***", None]
    # Edge cases: the first character is always kept, the domain from the first @ on.
    odd = pd.Series([" 张三@公司.cn ", "@x.com", "a@b@c", "", "a\nb@c"])
    assert mask_email(odd).tolist() == ["张***@公司.cn", "@***", "a***@b@c", None, "a***@c"]
    floats = pd.Series(["138.0", "13812345678.0", " 1", "12345678.5"], dtype=object)
    assert mask_phone(floats).tolist() == ["***", "138****5678", "*", "123****78.5"]


def test_injection_stays_a_string(tmp_path: Path) -> None:
    _, written = _write(tmp_path, "en")
    for path in (written[0], tmp_path / "out" / "reps" / "张伟.xlsx"):
        sheet = openpyxl.load_workbook(path).worksheets[1 if path == written[0] else 0]
        cell = sheet["B2"]
        assert cell.value == INJECTION
        assert cell.data_type == "s"
    rows = _rows(written[0], "Assignments")
    assert rows[1][1] == INJECTION


def test_run_sheet(tmp_path: Path) -> None:
    _, written = _write(tmp_path, "zh")
    rows = _rows(written[0], "运行信息")
    assert rows[0] == ["项目", "内容"]
    pairs = dict(rows[1:])
    assert pairs["输入文件"] == "/data/客户导出.xlsx"
    assert pairs["输入文件 SHA-256"] == "ab" * 32
    assert pairs["运行时间"] == "2026-11-02 09:00:00"
    assert pairs["stats.customers_in"] == "15"
    assert pairs["sla.high_hours"] == "24"
    assert pairs["output.mask_contacts"] == "true"
    assert pairs["scoring.tiers.A"] == "70.0"
    assert pairs["scoring.sources"] == ""


def test_existing_folder_needs_force(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("x")
    allocation = make_allocation()
    with pytest.raises(OutputError, match="--force") as info:
        write_outputs(allocation, out, lang="en", settings=OutputSettings())
    assert "another --out" in str(info.value)
    assert not (out / "assignments.xlsx").exists()
    written = write_outputs(allocation, out, lang="en", settings=OutputSettings(), force=True)
    assert written[0] == out / "assignments.xlsx"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert write_outputs(allocation, empty, lang="en", settings=OutputSettings())


@pytest.mark.parametrize("parallel", [False, True])
def test_locked_file_is_named_and_others_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parallel: bool
) -> None:
    real = os.replace

    def replace(src: Any, dst: Any) -> None:
        if Path(dst).name == "Li Na.xlsx":
            raise PermissionError(13, "The process cannot access the file")
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OutputError) as info:
        _write(tmp_path, "en", parallel=parallel)
    message = str(info.value)
    assert "reps/Li Na.xlsx" in message and "close" in message and "Excel" in message
    out = tmp_path / "out"
    assert (out / "assignments.xlsx").is_file()
    assert (out / "reps" / "张伟.xlsx").is_file()
    assert (out / "report.html").is_file()
    assert not (out / "reps" / "Li Na.xlsx").exists()
    assert not [p for p in out.rglob("*.tmp")]


def test_write_text_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "sub" / "report.eml"
    write_text_atomic(target, b"one")
    write_text_atomic(target, b"two")
    assert target.read_bytes() == b"two"

    def locked(src: Any, dst: Any) -> None:
        raise PermissionError(13, "locked")

    monkeypatch.setattr(os, "replace", locked)
    with pytest.raises(OutputError, match=r"close report\.eml"):
        write_text_atomic(target, b"three")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["report.eml"]


def test_many_reps_no_rep_sheets_and_large_sheets_use_autofilter(tmp_path: Path) -> None:
    settings = OutputSettings(rep_sheets_max=2, table_rows_max=5, per_rep_workbooks=False)
    _, written = _write(tmp_path, "en", settings=settings)
    assert [p.name for p in written] == ["assignments.xlsx", "report.html"]
    book = openpyxl.load_workbook(written[0])
    assert book.sheetnames == SHEETS["en"]
    sheet = book["Assignments"]
    assert not sheet.tables
    assert sheet.auto_filter.ref == "A1:AE13"
    assert sheet.freeze_panes == "A2"
    assert sheet["Q2"].number_format == "#,##0"
    assert "sheet" not in [c.value for c in book["Summary"][1]]
    rows = _rows(written[0], "Assignments")
    assert len(rows) == 13 and all(len(r) == 31 for r in rows)
    assert rows[1][1] == INJECTION
    summary = _rows(written[0], "Summary")
    assert summary[4][0] == "Total"


def test_parallel_writer_matches_sequential(tmp_path: Path) -> None:
    _, one = _write(tmp_path / "a", "zh", parallel=False)
    _, two = _write(tmp_path / "b", "zh", parallel=True)
    assert [p.relative_to(tmp_path / "a") for p in one] == [
        p.relative_to(tmp_path / "b") for p in two
    ]
    for a, b in zip(one[1:-1], two[1:-1], strict=True):
        assert _rows(a, "分配结果") == _rows(b, "分配结果")


def test_empty_allocation(tmp_path: Path) -> None:
    full = make_allocation("en")
    empty = Allocation(
        assignments=full.assignments.iloc[:0],
        unassigned=full.unassigned.iloc[:0],
        exceptions=full.exceptions.iloc[:0],
        conflicts=full.conflicts.iloc[:0],
        changes=full.changes.iloc[:0],
        reps=full.reps,
        stats={},
        issues=(),
        run=full.run,
    )
    written = write_outputs(empty, tmp_path / "out", lang="en", settings=OutputSettings())
    assert [p.name for p in written] == ["assignments.xlsx"]
    book = openpyxl.load_workbook(written[0])
    assert book["Assignments"].tables


def test_bad_extra_file_name(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="relative"):
        write_outputs(
            make_allocation(),
            tmp_path,
            lang="en",
            settings=OutputSettings(),
            extra_files={"../x.html": b""},
        )


def test_labels_have_both_languages() -> None:
    pairs = [MESSAGES[f"label_{key}"] for key in LABEL_KEYS]
    assert len(pairs) >= 15
    assert all(len(pair) == 2 and all(pair) for pair in pairs)
    assert export.__all__ == [
        "safe_file_name",
        "safe_sheet_name",
        "write_outputs",
        "write_text_atomic",
    ]


def test_due_dates_coloured_against_as_of(tmp_path: Path) -> None:
    _, written = _write(tmp_path, "en")
    sheet = openpyxl.load_workbook(written[0])["Assignments"]
    (rng,) = sheet.conditional_formatting
    assert str(rng.sqref) == "I2:I13"
    red, amber = (rule.formula[0] for rule in rng.rules)
    now = (AS_OF - datetime(1899, 12, 30)) / timedelta(days=1)
    assert red == f"AND(ISNUMBER($I2),$I2<{now!r})"
    assert amber == f"AND(ISNUMBER($I2),$I2>={now!r},$I2<{now + 1!r})"


def test_exceptions_keep_raw_values(tmp_path: Path) -> None:
    _, written = _write(tmp_path, "zh")
    rows = _rows(written[0], "异常数据")
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["合作意向"] == "超高"
    assert row["潜在价值"] == "-5"
    assert row["备注"] == "raw"
    assert row["问题代码"] == "negative_number"


def test_convert_missing_values_and_dates() -> None:
    columns = [
        pd.Series([1.5, np.nan]),
        pd.Series([3, 4]),
        pd.Series(pd.to_datetime(["1899-06-01", None])),
        pd.Series(
            pd.to_datetime(["2026-11-02 09:00", "2026-11-03 00:00"]).tz_localize("Asia/Shanghai")
        ),
        pd.Series(["a", None], dtype=object),
        pd.Series([True, False]),
    ]
    block = convert(columns)
    rows = list(zip(*(c.values.tolist() for c in block.columns), strict=True))
    assert rows[0][:2] == (1.5, 3) and rows[1][0] is None
    assert rows[0][2] == "1899-06-01 00:00:00" and rows[1][2] is None
    assert rows[0][3] == pytest.approx(46328.375)
    assert rows[0][4:] == ("a", True) and rows[1][4] is None
    assert [c.kind for c in block.columns] == [
        "number",
        "number",
        "mixed",
        "number",
        "text",
        "bool",
    ]


def test_garbage_collector_state_restored(tmp_path: Path) -> None:
    _write(tmp_path, "en")
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_rep_workbook_protected_except_status_and_notes(tmp_path: Path) -> None:
    _write(tmp_path, "zh")
    book = openpyxl.load_workbook(tmp_path / "out" / "reps" / "张伟.xlsx")
    (sheet,) = book.worksheets
    protection = sheet.protection
    assert protection.sheet and not protection.password
    # In OOXML a set flag forbids the action: filtering, sorting and resizing stay allowed.
    assert not protection.autoFilter and not protection.sort and not protection.formatColumns
    header = [c.value for c in sheet[1]]
    letters = {h: openpyxl.utils.get_column_letter(i + 1) for i, h in enumerate(header)}
    unlocked = {
        h for h, col in letters.items() if not sheet.column_dimensions[col].protection.locked
    }
    assert unlocked == {"跟进结果", "备注"}
    assert sheet["B2"].protection.locked  # written cells keep the default: locked
    assert sheet.column_dimensions[letters["备注"]].width >= 40


def test_print_setup(tmp_path: Path) -> None:
    _, written = _write(tmp_path, "en")
    rep = openpyxl.load_workbook(tmp_path / "out" / "reps" / "张伟.xlsx").worksheets[0]
    manager = openpyxl.load_workbook(written[0])["Assignments"]
    for sheet in (rep, manager):
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.page_setup.paperSize == 9
        assert sheet.print_title_rows == "$1:$1" and sheet.print_title_cols == "$A:$B"
        assert sheet.print_options.gridLines
        assert sheet.oddFooter.center.text == "&P / &N"
    assert rep.sheet_properties.pageSetUpPr.fitToPage
    assert rep.page_setup.fitToWidth == 2 and rep.page_setup.fitToHeight == 0
    header = rep["A1"]
    assert header.font.b and header.fill.fgColor.rgb.endswith("DDEBF7")
    assert (
        not manager.sheet_properties.pageSetUpPr
        or not manager.sheet_properties.pageSetUpPr.fitToPage
    )


@pytest.mark.parametrize("text", ["=1+1", "+86 138 0000 0000", "-5", "@SUM(A1)", INJECTION])
def test_formula_like_text_gets_quote_prefix(tmp_path: Path, text: str) -> None:
    allocation = make_allocation("en")
    allocation.assignments.loc[104, "customer"] = text  # Li Na's, still open
    write_outputs(allocation, tmp_path / "out", lang="en", settings=OutputSettings())
    book = openpyxl.load_workbook(tmp_path / "out" / "assignments.xlsx")
    sheet = book["Assignments"]
    cell = sheet["B6"]
    assert cell.value == text and cell.data_type == "s"
    assert cell.quotePrefix
    assert not sheet["B5"].quotePrefix  # ordinary names are left alone
    rep = openpyxl.load_workbook(tmp_path / "out" / "reps" / "Li Na.xlsx").worksheets[0]
    quoted = [c.value for c in rep["B"] if c.quotePrefix]
    assert quoted == [text]


def test_feed_skips_missing_cells_and_keeps_kinds(tmp_path: Path) -> None:
    from allocator.export.feed import feed
    from allocator.export.rows import convert

    block = convert(
        [
            pd.Series(["a", None, "=x"], dtype=object),
            pd.Series([1.5, np.nan, 3.0]),
            pd.Series([True, False, True]),
            pd.Series(["t", 7, None], dtype=object),
        ]
    )
    path = tmp_path / "feed.xlsx"
    from allocator.export.sheets import Formats, open_workbook

    for constant_memory in (False, True):
        workbook = open_workbook(path, constant_memory=constant_memory)
        worksheet = workbook.add_worksheet("s")
        formats = Formats(workbook)
        for start, chunk in block.chunks():
            feed(worksheet, chunk, start + 1, formats.quoted)
        workbook.close()
        rows = (
            CalamineWorkbook.from_path(str(path))
            .get_sheet_by_name("s")
            .to_python(skip_empty_area=False)
        )
        assert rows[1:] == [["a", 1.5, True, "t"], ["", "", False, 7.0], ["=x", 3.0, True, ""]]
        sheet = openpyxl.load_workbook(path)["s"]
        assert sheet["A3"].value is None  # never written, not an empty string
        assert sheet["A4"].quotePrefix and sheet["A4"].data_type == "s"


def _canary_input(path: Path) -> Path:
    """Every writer (Excel too) cuts a cell at 32,767 characters and refuses control characters,
    but a CRM export can hold both: the shared strings are patched in the saved file."""
    import zipfile
    from xml.sax.saxutils import escape

    book = openpyxl.Workbook()
    customers = book.active
    customers.title = "Customers"
    header = ["customer_id", "customer", "industry", "region", "value", "intent", "history", "备注"]
    customers.append(header)
    customers.append(["C1", "INJECTION", "Retail", "East", 100, "high", 0, "LONG-NOTE"])
    customers.append(["C2", "TAB-CORP", "Retail", "East", 100, "high", 0, "@SUM(A1:A9)"])
    customers.append(["C3", "+86 138", "Retail", "East", 100, "high", 0, "-1"])
    reps = book.create_sheet("Reps")
    reps.append(["rep_id", "name", "territories", "capacity"])
    reps.append(["S1", "Zhang Wei", "East", 5])
    plain = path.with_suffix(".plain.xlsx")
    book.save(plain)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.startswith("xl/worksheets/"):  # openpyxl writes inline strings
                data = data.replace(b"LONG-NOTE", ("长" * 40_000).encode())
                data = data.replace(b"TAB-CORP", b"Tab_x0007_Corp")  # OOXML's escape for \x07
                data = data.replace(b">INJECTION<", b">" + escape(INJECTION).encode() + b"<")
            target.writestr(item, data)
    return path


def test_canary_input_long_note_injection_and_control_characters(tmp_path: Path) -> None:
    """Hostile cells all the way through: reported at validation, text in every workbook."""
    from conftest import AS_OF as RUN_AT

    from allocator.pipeline import run

    result = run(
        _canary_input(tmp_path / "canary.xlsx"),
        settings=Settings(),
        as_of=RUN_AT,
        out_dir=tmp_path / "out",
    )
    by_code = {i.code: i for i in result.allocation.issues}
    long_note = by_code["text_too_long"]
    assert long_note.cell == "Customers!H2"
    assert "40,000" in long_note.message and "32,767" in long_note.message
    assert len(long_note.value or "") < 100  # the message does not carry the whole note
    assert "control_characters" in by_code
    book = openpyxl.load_workbook(tmp_path / "out" / "assignments.xlsx")
    sheet = book["Assignments"]
    header = [c.value for c in sheet[1]]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["C1"][header.index("customer")] == INJECTION
    assert rows["C2"][header.index("customer")] == "TabCorp"
    assert len(rows["C1"][header.index("备注")]) == 32_767
    quoted = {c.value for row in sheet.iter_rows(min_row=2) for c in row if c.quotePrefix}
    assert quoted >= {INJECTION, "@SUM(A1:A9)", "+86 138", "-1"}
    for cell in (c for row in sheet.iter_rows(min_row=2) for c in row):
        assert cell.data_type != "f"  # nothing from the input became a formula
