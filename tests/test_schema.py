"""Validation (SPEC §2): every documented problem gives one Issue at the right cell; bad rows go
to Exceptions, warnings keep their rows, rep-sheet problems and ``strict`` stop the run."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import AS_OF, BASE_CUSTOMER, BASE_REP, MakeWorkbook, write_workbook

from allocator.errors import Issue, ValidationFailed, column_letter
from allocator.model import Inputs
from allocator.schema import validate
from allocator.workbook import read_workbook

CJK = re.compile(r"[\u3400-\u9fff]")


def header(rows: Sequence[Mapping[str, Any]], base: Mapping[str, Any]) -> list[str]:
    """The header make_workbook writes: keys of ``base`` merged with each row, first-seen order."""
    keys: list[str] = []
    for row in rows:
        for key in {**base, **row}:
            if key not in keys:
                keys.append(key)
    return keys


def cell(sheet: str, columns: list[str], column: str, row: int) -> str:
    return f"{sheet}!{column_letter(columns.index(column))}{row}"


Check = Callable[..., Inputs]
Fails = Callable[..., tuple[Issue, ...]]


@pytest.fixture
def check(make_workbook: MakeWorkbook) -> Check:
    """``check(customers, reps=None, lang="en", strict=False)`` → validated Inputs."""

    def run(
        customers: Sequence[Mapping[str, Any]] = ({},),
        reps: Sequence[Mapping[str, Any]] | None = None,
        *,
        lang: str = "en",
        strict: bool = False,
        raw: bool = False,
    ) -> Inputs:
        path = make_workbook(customers=customers, reps=reps, raw=raw)
        return validate(read_workbook(path), lang=lang, as_of=AS_OF, strict=strict)

    return run


@pytest.fixture
def fails(check: Check) -> Fails:
    """Like ``check`` but expects ValidationFailed and returns its issues."""

    def run(*args: Any, **kwargs: Any) -> tuple[Issue, ...]:
        with pytest.raises(ValidationFailed) as excinfo:
            check(*args, **kwargs)
        return excinfo.value.issues

    return run


# --- a clean workbook -------------------------------------------------------------------------


def test_clean_input_has_no_issues_and_typed_columns(check: Check) -> None:
    inputs = check(
        [{"value": "¥3.5万", "intent": "高", "stage": "已联系", "created": "2026/11/3",
          "owner": "zhang wei", "history": None}],
    )  # fmt: skip
    assert inputs.issues == ()
    assert inputs.exceptions.empty
    customer = inputs.customers.loc[2]
    assert customer["customer_id"] == "C1"
    assert customer["value"] == 35000.0
    assert customer["intent"] == "high"
    assert customer["stage"] == "contacted"
    assert customer["created"] == pd.Timestamp(2026, 11, 3)
    assert customer["owner_rep"] == "S1"  # resolved by name, case- and space-insensitively
    assert customer["history"] == 0.0  # blank history = 0 = new customer
    assert inputs.total_rows == 1
    assert inputs.customer_sheet == "Customers"


def test_defaults_of_optional_columns(check: Check) -> None:
    inputs = check([{}], [{"rep_id": None}])
    rep = inputs.reps.loc[2]
    assert rep["rep_id"] == "Zhang Wei"  # rep_id defaults to name
    assert rep["level"] == "senior"
    assert rep["weight"] == 1.0
    assert bool(rep["active"]) is True
    assert rep["points_balance"] == 0.0
    assert rep["territories"] == ("East",)
    assert rep["industries"] == ()
    assert rep["capacity"] == 5
    customer = inputs.customers.loc[2]
    assert customer["stage"] == "new"
    assert pd.isna(customer["owner_rep"])


def test_owner_resolves_by_rep_id_or_name(check: Check) -> None:
    inputs = check(
        [{"owner": "s1"}, {"customer_id": "C2", "owner": "ZhangWei"}],
        [{}, {"rep_id": "S2", "name": "李娜", "territories": "华东、华南"}],
    )
    assert inputs.issues == ()
    assert inputs.customers["owner_rep"].tolist() == ["S1", "S1"]
    assert inputs.reps["territories"].tolist() == [("East",), ("华东", "华南")]


def test_blank_history_is_zero(check: Check) -> None:
    inputs = check([{"history": None}, {"customer_id": "C2", "history": 1200}])
    assert inputs.customers["history"].tolist() == [0.0, 1200.0]


# --- one issue per documented row problem ------------------------------------------------------

ROW_PROBLEMS = [
    # (override on the second row, code, column, value as reported)
    ({"value": -5}, "negative_number", "value", "-5"),
    ({"value": -0.5}, "negative_number", "value", "-0.5"),
    ({"value": "abc"}, "not_a_number", "value", "abc"),
    ({"value": None}, "required_blank", "value", None),
    ({"customer": None}, "required_blank", "customer", None),
    ({"customer": "   "}, "required_blank", "customer", None),
    ({"industry": None}, "required_blank", "industry", None),
    ({"region": None}, "required_blank", "region", None),
    ({"intent": None}, "required_blank", "intent", None),
    ({"intent": "maybe"}, "unknown_intent", "intent", "maybe"),
    ({"stage": "limbo"}, "unknown_stage", "stage", "limbo"),
    ({"owner": "Nobody"}, "unknown_owner", "owner", "Nobody"),
    ({"created": "not a date"}, "not_a_date", "created", "not a date"),
    ({"last_contact": "2026-02-30"}, "not_a_date", "last_contact", "2026-02-30"),
    ({"history": -1}, "negative_number", "history", "-1"),
    ({"history": "lots"}, "not_a_number", "history", "lots"),
    ({"deal_value": -3}, "negative_number", "deal_value", "-3"),
]


@pytest.mark.parametrize(("override", "code", "column", "value"), ROW_PROBLEMS)
def test_row_problem_gives_one_issue_and_an_exception_row(
    check: Check,
    override: dict[str, Any],
    code: str,
    column: str,
    value: str | None,
) -> None:
    rows = [{}, {"customer_id": "C2", **override}]
    inputs = check(rows)
    assert len(inputs.issues) == 1, inputs.issues
    issue = inputs.issues[0]
    assert issue.code == code
    assert issue.severity == "error"
    assert issue.sheet == "Customers"
    assert issue.row == 3
    assert issue.column == column
    assert issue.cell == cell("Customers", header(rows, BASE_CUSTOMER), column, 3)
    assert issue.value == value
    assert issue.cell in issue.message
    # The bad row goes to Exceptions, the good one is allocated; none is lost.
    assert inputs.customers.index.tolist() == [2]
    assert inputs.exceptions.index.tolist() == [3]
    exception = inputs.exceptions.loc[3]
    assert exception["issue_codes"] == code
    assert exception["source_row"] == 3
    assert exception["customer_id"] == "C2"
    assert issue.message in exception["issues"]
    assert len(inputs.customers) + len(inputs.exceptions) == inputs.total_rows == 2


def test_cell_reference_follows_the_column_position(tmp_path: Path) -> None:
    # history is column G here and the row is Excel row 3: Customers!G3.
    header_row = ["客户编号", "客户名称", "行业", "区域", "潜在价值", "合作意向", "历史交易"]
    path = write_workbook(
        tmp_path / "in.xlsx",
        {
            "Customers": [
                header_row,
                ["C1", "甲", "零售", "East", 100, "高", 0],
                ["C2", "乙", "零售", "East", 100, "高", -20],
            ],
            "Reps": [BASE_REP],
        },
    )
    inputs = validate(read_workbook(path), lang="zh", as_of=AS_OF)
    (issue,) = inputs.issues
    assert issue.cell == "Customers!G3"
    assert issue.message == "Customers!G3：“历史交易”不能为负数（-20）"


def test_cell_reference_below_a_banner_and_in_a_chinese_sheet(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "in.xlsx",
        {"客户": [BASE_CUSTOMER, {**BASE_CUSTOMER, "customer_id": "C2", "value": "abc"}],
         "销售": [BASE_REP]},
        banners={"客户": "2026 第 47 周"},
    )  # fmt: skip
    inputs = validate(read_workbook(path), lang="en", as_of=AS_OF)
    (issue,) = inputs.issues
    assert (issue.sheet, issue.row, issue.cell) == ("客户", 4, "客户!E4")
    assert inputs.exceptions["source_row"].tolist() == [4]


def test_exception_row_keeps_what_the_user_typed(check: Check) -> None:
    inputs = check([{"value": "abc", "备注": "call back"}])
    row = inputs.exceptions.loc[2]
    assert row["value"] == "abc"
    assert row["备注"] == "call back"
    assert inputs.customer_extras == ("备注",)


def test_several_problems_on_one_row_are_one_exception(check: Check) -> None:
    rows = [{"customer": None, "value": -1, "intent": "??"}]
    inputs = check(rows)
    columns = header(rows, BASE_CUSTOMER)
    # Issues come in sheet, row, column order: B (customer), E (value), F (intent).
    assert [(i.code, i.cell) for i in inputs.issues] == [
        ("required_blank", cell("Customers", columns, "customer", 2)),
        ("negative_number", cell("Customers", columns, "value", 2)),
        ("unknown_intent", cell("Customers", columns, "intent", 2)),
    ]
    assert inputs.exceptions.index.tolist() == [2]
    codes = inputs.exceptions.loc[2, "issue_codes"].split("; ")
    assert sorted(codes) == ["negative_number", "required_blank", "unknown_intent"]
    assert inputs.customers.empty


def test_unknown_stage_lists_the_accepted_stages(check: Check) -> None:
    (issue,) = check([{"stage": "limbo"}]).issues
    assert "new/contacted/qualified/proposal/negotiation/won/lost" in issue.message
    (issue,) = check([{"stage": "limbo"}], lang="zh").issues
    assert "新建/已联系/需求确认/方案提交/商务谈判/成交/输单" in issue.message


# --- duplicates -------------------------------------------------------------------------------


def test_duplicate_id_with_different_data_flags_both_rows(check: Check) -> None:
    inputs = check([{}, {"customer": "Beta Inc."}])
    assert [(i.code, i.row, i.cell, i.value) for i in inputs.issues] == [
        ("duplicate_id", 2, "Customers!A2", "C1"),
        ("duplicate_id", 3, "Customers!A3", "C1"),
    ]
    assert "row 3" in inputs.issues[0].message
    assert "row 2" in inputs.issues[1].message
    assert inputs.customers.empty
    assert inputs.exceptions["issue_codes"].tolist() == ["duplicate_id", "duplicate_id"]
    assert inputs.exceptions["source_row"].tolist() == [2, 3]


def test_identical_duplicate_row_flags_only_the_copy(check: Check) -> None:
    inputs = check([{}, {}, {"customer_id": "C2"}])
    (issue,) = inputs.issues
    assert (issue.code, issue.severity, issue.row, issue.cell) == (
        "duplicate_row", "error", 3, "Customers!A3",
    )  # fmt: skip
    assert "row 2" in issue.message
    assert inputs.customers.index.tolist() == [2, 4]
    assert inputs.exceptions.index.tolist() == [3]
    assert inputs.exceptions.loc[3, "issue_codes"] == "duplicate_row"


def test_ids_differing_only_in_leading_zeros_are_not_duplicates(check: Check) -> None:
    inputs = check([{"customer_id": "00123"}, {"customer_id": "123"}])
    assert inputs.issues == ()
    assert inputs.customers["customer_id"].tolist() == ["00123", "123"]


# --- derived customer ids ---------------------------------------------------------------------


def _without_id(**row: Any) -> dict[str, Any]:
    return {**{k: v for k, v in BASE_CUSTOMER.items() if k != "customer_id"}, **row}


def test_derived_ids_are_stable_and_distinct(check: Check) -> None:
    rows = [
        _without_id(customer="Acme"),
        _without_id(customer="Beta"),
        _without_id(customer="Acme", phone="13800138000"),
        _without_id(customer="Acme"),
    ]
    first = check(rows, raw=True).customers["customer_id"]
    second = check(rows, raw=True).customers["customer_id"]
    assert first.tolist() == second.tolist()
    assert first.is_unique
    assert all(re.fullmatch(r"C-[0-9a-f]{16}(-\d+)?", i) for i in first)
    # Rows with the same identity keys are told apart in row order.
    assert first.loc[5] == first.loc[2] + "-2"


def test_derived_id_depends_on_identity_not_on_position(check: Check) -> None:
    forward = check([_without_id(customer="Acme"), _without_id(customer="Beta")], raw=True)
    backward = check([_without_id(customer="Beta"), _without_id(customer="Acme")], raw=True)
    ids = dict(zip(forward.customers["customer"], forward.customers["customer_id"], strict=True))
    again = dict(
        zip(backward.customers["customer"], backward.customers["customer_id"], strict=True)
    )
    assert ids == again


def test_blank_ids_are_derived_next_to_given_ones(check: Check) -> None:
    inputs = check([{}, {"customer_id": None, "customer": "Beta"}])
    ids = inputs.customers["customer_id"].tolist()
    assert ids[0] == "C1"
    assert ids[1].startswith("C-")


# --- warnings keep their rows -----------------------------------------------------------------


def test_future_date_is_a_warning(check: Check) -> None:
    rows = [{"created": "2027-01-01"}]
    inputs = check(rows)
    (issue,) = inputs.issues
    assert (issue.code, issue.severity, issue.column) == ("future_date", "warning", "created")
    assert issue.cell == cell("Customers", header(rows, BASE_CUSTOMER), "created", 2)
    assert issue.value is not None and issue.value.startswith("2027-01-01")
    assert inputs.customers.index.tolist() == [2]
    assert inputs.exceptions.empty


def test_today_is_not_in_the_future(check: Check) -> None:
    assert check([{"last_contact": datetime(2026, 11, 23, 18, 0)}]).issues == ()


def test_uncovered_region_is_one_warning_per_region(check: Check) -> None:
    inputs = check(
        [{"region": "West"}, {"customer_id": "C2", "region": "West"},
         {"customer_id": "C3", "region": "East"}],
    )  # fmt: skip
    (issue,) = inputs.issues
    assert (issue.code, issue.severity, issue.cell, issue.value) == (
        "uncovered_region", "warning", "Customers!D2", "West",
    )  # fmt: skip
    assert len(inputs.customers) == 3
    assert inputs.exceptions.empty


def test_region_covered_by_province_city_or_star(check: Check) -> None:
    rows = [{"region": "华东区", "province": "浙江省", "city": "杭州"}]
    assert check(rows, [{"territories": "华东"}]).issues == ()
    assert check(rows, [{"territories": "浙江"}]).issues == ()
    assert check(rows, [{"territories": "杭州市"}]).issues == ()
    assert check([{"region": "Mars"}], [{"territories": "*"}]).issues == ()


def test_region_of_an_inactive_or_away_rep_is_uncovered(check: Check) -> None:
    inactive = check([{}], [{"active": "离职"}])
    assert [i.code for i in inactive.issues] == ["uncovered_region"]
    away = check([{}], [{"away_until": datetime(2026, 12, 1)}])
    assert [i.code for i in away.issues] == ["uncovered_region"]


def test_zero_capacity_is_a_warning(check: Check) -> None:
    inputs = check([{}], [{"capacity": 0}, {"rep_id": "S2", "name": "Li Na"}])
    (issue,) = inputs.issues
    assert (issue.code, issue.severity, issue.sheet, issue.cell, issue.column, issue.value) == (
        "zero_capacity", "warning", "Reps", "Reps!D2", "capacity", "0",
    )  # fmt: skip
    assert "Zhang Wei" in issue.message
    assert inputs.customers.index.tolist() == [2]
    assert inputs.reps["capacity"].tolist() == [0, 5]


def test_zero_capacity_of_an_inactive_rep_is_not_reported(check: Check) -> None:
    inputs = check([{}], [{"capacity": 0, "active": "no"}, {"rep_id": "S2", "name": "Li Na"}])
    assert inputs.issues == ()


def test_numeric_yes_no_in_reps(check: Check) -> None:
    inputs = check([{}], [{"active": 1}, {"rep_id": "S2", "name": "Li Na", "active": 0}])
    assert inputs.issues == ()
    assert inputs.reps["active"].tolist() == [True, False]


# --- strict -----------------------------------------------------------------------------------


def test_strict_turns_a_warning_into_failure(check: Check, fails: Fails) -> None:
    rows = [{"created": "2027-01-01"}]
    assert len(check(rows).issues) == 1
    issues = fails(rows, strict=True)
    assert [i.code for i in issues] == ["future_date"]


def test_strict_turns_a_row_error_into_failure(fails: Fails) -> None:
    assert [i.code for i in fails([{"value": -1}], strict=True)] == ["negative_number"]


def test_strict_passes_clean_input(check: Check) -> None:
    assert check([{}], strict=True).issues == ()


def test_strict_message(check: Check) -> None:
    with pytest.raises(ValidationFailed, match="--strict"):
        check([{"created": "2027-01-01"}], strict=True)


# --- rep-sheet problems are fatal -------------------------------------------------------------

REP_PROBLEMS = [
    # (override on the first rep, code, column, value as reported)
    ({"capacity": "x"}, "not_an_integer", "capacity", "x"),
    ({"capacity": 2.5}, "not_an_integer", "capacity", "2.5"),
    ({"capacity": -1}, "not_an_integer", "capacity", "-1"),
    ({"capacity": None}, "required_blank", "capacity", None),
    ({"territories": None}, "required_blank", "territories", None),
    ({"name": None}, "required_blank", "name", None),
    ({"level": "boss"}, "unknown_level", "level", "boss"),
    ({"weight": 0}, "not_positive", "weight", "0"),
    ({"weight": -2}, "not_positive", "weight", "-2"),
    ({"weight": "heavy"}, "not_a_number", "weight", "heavy"),
    ({"active": "maybe"}, "unknown_bool", "active", "maybe"),
    ({"away_until": "soon"}, "not_a_date", "away_until", "soon"),
    ({"points_balance": "many"}, "not_a_number", "points_balance", "many"),
]


@pytest.mark.parametrize(("override", "code", "column", "value"), REP_PROBLEMS)
def test_rep_problem_is_fatal(
    fails: Fails,
    override: dict[str, Any],
    code: str,
    column: str,
    value: str | None,
) -> None:
    reps = [override, {"rep_id": "S2", "name": "Li Na"}]
    issues = fails([{}], reps)
    fatal = [i for i in issues if i.severity == "fatal"]
    assert len(fatal) == 1, issues
    issue = fatal[0]
    assert (issue.code, issue.sheet, issue.row, issue.column, issue.value) == (
        code, "Reps", 2, column, value,
    )  # fmt: skip
    assert issue.cell == cell("Reps", header(reps, BASE_REP), column, 2)
    assert issue.cell in issue.message


def test_duplicate_rep_name_is_fatal(fails: Fails) -> None:
    issues = fails([{}], [{}, {"rep_id": "S2", "name": "zhang  wei"}])
    (issue,) = [i for i in issues if i.severity == "fatal"]
    assert (issue.code, issue.cell, issue.column) == ("duplicate_rep", "Reps!B3", "name")
    assert "row 2" in issue.message


def test_duplicate_rep_id_is_fatal(fails: Fails) -> None:
    issues = fails([{}], [{}, {"name": "Li Na"}])
    (issue,) = [i for i in issues if i.severity == "fatal"]
    assert (issue.code, issue.cell, issue.value) == ("duplicate_rep", "Reps!A3", "S1")


def test_no_reps_is_fatal(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "in.xlsx", {"Customers": [BASE_CUSTOMER], "Reps": [list(BASE_REP)]}
    )
    with pytest.raises(ValidationFailed) as excinfo:
        validate(read_workbook(path), lang="en", as_of=AS_OF)
    fatal = [i for i in excinfo.value.issues if i.severity == "fatal"]
    assert [(i.code, i.sheet) for i in fatal] == [("no_reps", "Reps")]
    assert "'Reps'" in fatal[0].message


def test_fatal_failure_carries_row_issues_too(fails: Fails) -> None:
    issues = fails([{"value": -1}], [{"level": "boss"}])
    assert [(i.severity, i.code) for i in issues] == [
        ("fatal", "unknown_level"), ("error", "negative_number"),
    ]  # fmt: skip


def test_fatal_message_counts_the_problems(check: Check) -> None:
    with pytest.raises(ValidationFailed, match="2 fatal problem"):
        check([{}], [{"level": "boss", "weight": 0}])


# --- language ---------------------------------------------------------------------------------

ALL_KINDS = (
    [{"value": -1}, {"customer_id": "C2", "value": "abc"}, {"customer_id": "C3", "intent": "?"},
     {"customer_id": "C4", "stage": "?"}, {"customer_id": "C5", "owner": "Nobody"},
     {"customer_id": "C6", "created": "?"}, {"customer_id": "C7", "customer": None},
     {"customer_id": "C8", "last_contact": "2027-05-01"}, {"customer_id": "C9", "region": "West"},
     {"customer_id": "C1", "customer": "Other"}]
)  # fmt: skip
ALL_KINDS_REPS = [{}, {"rep_id": "S2", "name": "Li Na", "capacity": 0}]


@pytest.fixture(scope="module")
def all_kinds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Inputs]:
    """ALL_KINDS validated once per language (shared: validation is the slow part)."""
    path = write_workbook(
        tmp_path_factory.mktemp("all_kinds") / "in.xlsx",
        {"Customers": [{**BASE_CUSTOMER, **row} for row in ALL_KINDS],
         "Reps": [{**BASE_REP, **row} for row in ALL_KINDS_REPS]},
    )  # fmt: skip
    book = read_workbook(path)
    return {lang: validate(book, lang=lang, as_of=AS_OF) for lang in ("zh", "en")}


# English messages may quote the Chinese words they accept (高/中/低, 新人/资深/主管).
ACCEPTED_WORDS = re.compile(r"高/中/低|新人/资深/主管")


def test_messages_in_chinese(all_kinds: dict[str, Inputs]) -> None:
    issues = all_kinds["zh"].issues
    assert len({i.code for i in issues}) >= 10
    for issue in issues:
        assert CJK.search(ACCEPTED_WORDS.sub("", issue.message)), issue


def test_messages_in_english(all_kinds: dict[str, Inputs]) -> None:
    issues = all_kinds["en"].issues
    assert len({i.code for i in issues}) >= 10
    for issue in issues:
        assert not CJK.search(ACCEPTED_WORDS.sub("", issue.message)), issue


def test_codes_do_not_depend_on_language(all_kinds: dict[str, Inputs]) -> None:
    zh, en = all_kinds["zh"].issues, all_kinds["en"].issues
    assert [(i.code, i.cell, i.value) for i in zh] == [(i.code, i.cell, i.value) for i in en]
    assert [i.message for i in zh] != [i.message for i in en]


def test_rep_messages_in_chinese(fails: Fails) -> None:
    issues = fails([{}], [{"capacity": "x", "level": "boss"}], lang="zh")
    assert {i.code for i in issues} == {"not_an_integer", "unknown_level"}
    for issue in issues:
        assert CJK.search(issue.message), issue


# --- conservation and purity ------------------------------------------------------------------


def test_every_row_is_either_valid_or_an_exception(all_kinds: dict[str, Inputs]) -> None:
    inputs = all_kinds["en"]
    assert inputs.total_rows == len(ALL_KINDS)
    valid, bad = set(inputs.customers.index), set(inputs.exceptions.index)
    assert not valid & bad
    assert valid | bad == set(range(2, 2 + len(ALL_KINDS)))
    # Warnings (future date, uncovered region) leave their rows valid.
    assert {9, 10} <= valid


def test_issues_are_ordered_by_severity_sheet_and_row(all_kinds: dict[str, Inputs]) -> None:
    inputs = all_kinds["en"]
    severities = [i.severity for i in inputs.issues]
    assert severities == sorted(severities, key=["error", "warning"].index)
    errors = [i.row for i in inputs.issues if i.severity == "error"]
    assert errors == sorted(errors)


def test_validate_does_not_change_the_raw_workbook(make_workbook: MakeWorkbook) -> None:
    book = read_workbook(make_workbook(customers=[{"value": "12,000"}, {"customer_id": "C2"}]))
    before = book.customers.frame.copy()
    validate(book, lang="en", as_of=AS_OF)
    pd.testing.assert_frame_equal(book.customers.frame, before)


def test_control_characters_are_removed_with_a_warning(make_workbook: MakeWorkbook) -> None:
    path = make_workbook([{"customer_id": "C1", "customer": "Acme\x01 Ltd\x1f"}])
    inputs = validate(read_workbook(path, lang="en"), lang="en", as_of=AS_OF)
    assert inputs.customers.loc[2, "customer"] == "Acme Ltd"
    (issue,) = [i for i in inputs.issues if i.code == "control_characters"]
    assert (issue.severity, issue.cell) == ("warning", "Customers!B2")


def test_unknown_columns_are_carried_through_to_the_outputs(make_workbook: Any) -> None:
    from conftest import allocate_file

    path = make_workbook([{"customer_id": "C1", "微信号": "wx_zhang", "备注": "=1+1"}])
    allocation = allocate_file(path)
    row = allocation.assignments.set_index("customer_id").loc["C1"]
    assert row["微信号"] == "wx_zhang" and row["备注"] == "=1+1"
    assert list(allocation.assignments.columns)[-3:] == ["微信号", "备注", "source_row"]
