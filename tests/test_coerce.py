"""Typing raw cells (SPEC §1): text, numbers, dates, vocabularies, lists; bad cells masked."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from allocator.coerce import (
    INTENTS,
    LEVELS,
    STAGES,
    to_bool,
    to_date,
    to_intent,
    to_level,
    to_list,
    to_number,
    to_stage,
    to_text,
)

Coercer = Callable[[pd.Series], tuple[pd.Series, pd.Series]]


def cells(*values: object) -> pd.Series:
    """Raw cells as the reader hands them over: object dtype, Excel row numbers as index."""
    return pd.Series(list(values), index=range(2, 2 + len(values)), dtype=object)


def one(coerce: Coercer, value: object) -> tuple[object, bool]:
    """Coerce a single cell: its typed value and whether it was flagged bad."""
    result, bad = coerce(cells(value))
    return result.iloc[0], bool(bad.iloc[0])


# --- to_text ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("00123", "00123"),  # leading zeros of a text cell survive
        ("  00123 ", "00123"),
        (123.0, "123"),  # Excel numbers lose the spurious .0
        (123, "123"),
        (1.5, "1.5"),
        (0.0, "0"),
        (-7.0, "-7"),
        ("12345678901234567890", "12345678901234567890"),  # > 15 digits typed as text: intact
        ("110101199003071234", "110101199003071234"),
        (1e19, "10000000000000000000"),  # a number beyond 2**53: no exponent
        (13800138000.0, "13800138000"),  # a phone number typed as a number
        (True, "TRUE"),
        (datetime(2026, 11, 3), "2026-11-03"),
        (datetime(2026, 11, 3, 14, 30), "2026-11-03 14:30"),
        (date(2026, 11, 3), "2026-11-03"),
        ("上海华信科技有限公司", "上海华信科技有限公司"),
    ],
)
def test_to_text(raw: object, expected: str) -> None:
    assert one(to_text, raw) == (expected, False)


def test_to_text_keeps_blanks_blank_and_never_flags() -> None:
    result, bad = to_text(cells(None, np.nan, "x"))
    assert result.tolist() == [None, None, "x"]
    assert not bad.any()
    assert result.index.tolist() == [2, 3, 4]


def test_to_text_of_a_mixed_column() -> None:
    result, _ = to_text(cells("00123", 124.0, None, " C-9 "))
    assert result.tolist() == ["00123", "124", None, "C-9"]


def test_to_text_does_not_mutate_its_argument() -> None:
    raw = cells(" a ", 1.0)
    to_text(raw)
    assert raw.tolist() == [" a ", 1.0]


# --- to_number --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (12000, 12000.0),
        (12000.5, 12000.5),
        ("12000", 12000.0),
        ("12,000", 12000.0),
        ("1,234,567.89", 1234567.89),
        ("12，000", 12000.0),  # full-width comma
        (" 1 234 ", 1234.0),
        ("１２３", 123.0),  # full-width digits
        ("¥12,000", 12000.0),
        ("￥12,000", 12000.0),
        ("12000元", 12000.0),
        ("RMB 500", 500.0),
        ("3万", 30000.0),
        ("¥3.5万", 35000.0),
        ("1.2亿", 120_000_000.0),
        ("5千", 5000.0),
        ("3k", 3000.0),
        ("3K", 3000.0),
        ("15%", 0.15),
        ("-5", -5.0),  # negative numbers are read; the schema rejects them where it must
        (-5.0, -5.0),
        ("0", 0.0),
    ],
)
def test_to_number_reads(raw: object, expected: float) -> None:
    value, bad = one(to_number, raw)
    assert value == pytest.approx(expected)
    assert not bad


@pytest.mark.parametrize("raw", ["abc", "12abc", "万", "N/A", "nan", "inf", "1.2.3", True, False])
def test_to_number_flags_unreadable_cells(raw: object) -> None:
    value, bad = one(to_number, raw)
    assert np.isnan(value)  # type: ignore[arg-type]
    assert bad


def test_to_number_blank_is_nan_and_not_bad() -> None:
    result, bad = to_number(cells(None, 5, "x"))
    assert result.dtype == "float64"
    assert np.isnan(result.iloc[0])
    assert bad.tolist() == [False, False, True]
    assert result.index.tolist() == [2, 3, 4]


# --- to_date ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (datetime(2026, 11, 3, 14, 30), datetime(2026, 11, 3, 14, 30)),
        (date(2026, 11, 3), datetime(2026, 11, 3)),
        (pd.Timestamp("2026-11-03 08:00"), datetime(2026, 11, 3, 8)),
        (46329.0, datetime(2026, 11, 3)),  # Excel serial
        (46329, datetime(2026, 11, 3)),
        (46329.5, datetime(2026, 11, 3, 12)),
        ("2026-11-03", datetime(2026, 11, 3)),
        ("2026-11-03 14:30", datetime(2026, 11, 3, 14, 30)),
        ("2026-11-03T14:30:00", datetime(2026, 11, 3, 14, 30)),
        (" 2026-11-03 ", datetime(2026, 11, 3)),
        ("2026/11/3", datetime(2026, 11, 3)),
        ("2026/11/03 09:15", datetime(2026, 11, 3, 9, 15)),
        ("2026.11.3", datetime(2026, 11, 3)),
        ("2026年11月3日", datetime(2026, 11, 3)),
        ("2026年11月3号", datetime(2026, 11, 3)),
        ("2026 年 11 月 3 日", datetime(2026, 11, 3)),
        ("2026年11月3日 10:30", datetime(2026, 11, 3, 10, 30)),
        ("２０２６－１１－０３", datetime(2026, 11, 3)),  # full-width
        ("11/3/2026", datetime(2026, 11, 3)),  # month first
        ("3/11/2026", datetime(2026, 3, 11)),  # month first
        ("13/3/2026", datetime(2026, 3, 13)),  # first number > 12: day first
        ("31/12/2026", datetime(2026, 12, 31)),
    ],
)
def test_to_date_reads(raw: object, expected: datetime) -> None:
    value, bad = one(to_date, raw)
    assert value == pd.Timestamp(expected)
    assert not bad


@pytest.mark.parametrize(
    "raw",
    ["abc", "tomorrow", "2026-13-01", "2026-02-30", "32/1/2026", "2026年13月1日", 0.0, -1.0, 3e7],
)
def test_to_date_flags_unreadable_cells(raw: object) -> None:
    value, bad = one(to_date, raw)
    assert pd.isna(value)
    assert bad


def test_to_date_of_a_mixed_column() -> None:
    raw = cells(datetime(2026, 1, 2), None, "2026/11/3", 46329.0, "11/3/2026", "13/3/2026", "??")
    result, bad = to_date(raw)
    assert str(result.dtype) == "datetime64[ns]"
    assert result.tolist()[:1] + result.tolist()[2:6] == [
        pd.Timestamp(2026, 1, 2), pd.Timestamp(2026, 11, 3), pd.Timestamp(2026, 11, 3),
        pd.Timestamp(2026, 11, 3), pd.Timestamp(2026, 3, 13),
    ]  # fmt: skip
    assert pd.isna(result.iloc[1]) and pd.isna(result.iloc[6])
    assert bad.tolist() == [False, False, False, False, False, False, True]
    assert result.index.tolist() == raw.index.tolist()


def test_to_date_drops_time_zones() -> None:
    value, bad = one(to_date, "2026-11-03T10:00:00+08:00")
    assert not bad
    assert value == pd.Timestamp(2026, 11, 3, 10)


# --- vocabularies -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("高", "high"), ("中", "medium"), ("低", "low"),
        ("高意向", "high"), ("中意向", "medium"), ("低意向", "low"),
        ("意向高", "high"), ("一般", "medium"), ("弱", "low"),
        ("high", "high"), ("Medium", "medium"), ("LOW", "low"),
        ("H", "high"), ("m", "medium"), ("L", "low"),
        ("Ｈ", "high"), (" 高 ", "high"), ("hot", "high"), ("cold", "low"),
    ],
)  # fmt: skip
def test_to_intent(raw: str, expected: str) -> None:
    assert one(to_intent, raw) == (expected, False)


@pytest.mark.parametrize("raw", ["maybe", "很高", "x", 1.0, True])
def test_to_intent_flags_unknown(raw: object) -> None:
    value, bad = one(to_intent, raw)
    assert pd.isna(value)
    assert bad


def test_to_intent_blank_is_missing_not_bad() -> None:
    # A blank intent is the schema's business (required_blank), not an unknown word.
    value, bad = one(to_intent, None)
    assert pd.isna(value)
    assert not bad


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("新建", "new"), ("已联系", "contacted"), ("需求确认", "qualified"),
        ("方案提交", "proposal"), ("商务谈判", "negotiation"), ("成交", "won"), ("输单", "lost"),
        ("new", "new"), ("Contacted", "contacted"), ("QUALIFIED", "qualified"),
        ("proposal", "proposal"), ("Negotiation", "negotiation"), ("won", "won"), ("lost", "lost"),
        ("已成交", "won"), ("赢单", "won"), ("丢单", "lost"), ("跟进中", "contacted"),
        ("Closed Won", "won"), ("closed-lost", "lost"), ("closed_won", "won"),
    ],
)  # fmt: skip
def test_to_stage(raw: str, expected: str) -> None:
    assert one(to_stage, raw) == (expected, False)


def test_to_stage_blank_means_new_and_unknown_is_bad() -> None:
    result, bad = to_stage(cells(None, "成交", "limbo"))
    assert result.iloc[:2].tolist() == ["new", "won"]
    assert pd.isna(result.iloc[2])
    assert bad.tolist() == [False, False, True]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("新人", "junior"), ("资深", "senior"), ("主管", "lead"),
        ("junior", "junior"), ("Senior", "senior"), ("LEAD", "lead"),
        ("初级", "junior"), ("组长", "lead"), ("Team Lead", "lead"),
    ],
)  # fmt: skip
def test_to_level(raw: str, expected: str) -> None:
    assert one(to_level, raw) == (expected, False)


def test_to_level_blank_means_senior_and_unknown_is_bad() -> None:
    result, bad = to_level(cells(None, "新人", "boss"))
    assert result.iloc[:2].tolist() == ["senior", "junior"]
    assert bad.tolist() == [False, False, True]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("是", True), ("否", False), ("在职", True), ("离职", False),
        ("yes", True), ("No", False), ("Y", True), ("n", False),
        ("TRUE", True), ("false", False), ("1", True), ("0", False),
        (True, True), (False, False),
        (1, True), (0, False),
        (1.0, True), (0.0, False),  # Excel numbers arrive as floats
        ("√", True), ("×", False), (" 是 ", True),
    ],
)  # fmt: skip
def test_to_bool(raw: object, expected: bool) -> None:
    assert one(to_bool, raw) == (expected, False)


def test_to_bool_blank_takes_the_default() -> None:
    assert to_bool(cells(None, "否"))[0].tolist() == [True, False]
    assert to_bool(cells(None, "是"), default=False)[0].tolist() == [False, True]
    assert to_bool(cells(None))[0].dtype == bool


@pytest.mark.parametrize("raw", ["maybe", "在岗?", 2.0])
def test_to_bool_flags_unknown(raw: object) -> None:
    _, bad = one(to_bool, raw)
    assert bad


def test_vocabulary_codes_are_the_documented_ones() -> None:
    assert INTENTS == ("high", "medium", "low")
    assert STAGES == ("new", "contacted", "qualified", "proposal", "negotiation", "won", "lost")
    assert LEVELS == ("junior", "senior", "lead")
    for code in INTENTS:
        assert one(to_intent, code) == (code, False)
    for code in STAGES:
        assert one(to_stage, code) == (code, False)
    for code in LEVELS:
        assert one(to_level, code) == (code, False)


# --- to_list ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("华东", ("华东",)),
        ("华东,华南", ("华东", "华南")),
        ("华东, 华南 ", ("华东", "华南")),
        ("华东，华南", ("华东", "华南")),
        ("华东、华南", ("华东", "华南")),
        ("华东;华南", ("华东", "华南")),
        ("华东；华南", ("华东", "华南")),
        ("华东|华南", ("华东", "华南")),
        ("华东\n华南", ("华东", "华南")),
        ("华东\r\n华南", ("华东", "华南")),
        ("华东、上海；江苏,浙江|安徽\n福建", ("华东", "上海", "江苏", "浙江", "安徽", "福建")),
        ("a,,b, ;", ("a", "b")),
        ("*", ("*",)),
        ("East Coast, West", ("East Coast", "West")),  # spaces inside an item are kept
        (123.0, ("123",)),
    ],
)
def test_to_list(raw: object, expected: tuple[str, ...]) -> None:
    assert one(to_list, raw) == (expected, False)


def test_to_list_blank_is_empty_tuple() -> None:
    result, bad = to_list(cells(None, "a"))
    assert result.tolist() == [(), ("a",)]
    assert not bad.any()


# --- common contract --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "coerce", [to_text, to_number, to_date, to_intent, to_stage, to_level, to_bool, to_list]
)
def test_every_coercer_keeps_the_index_and_length(coerce: Coercer) -> None:
    raw = pd.Series([None, "x", 1.0], index=[7, 9, 12], dtype=object)
    result, bad = coerce(raw)
    assert result.index.tolist() == [7, 9, 12]
    assert bad.index.tolist() == [7, 9, 12]
    assert bad.dtype == bool
    assert not bad.iloc[0]  # a blank cell is never bad
    assert raw.tolist() == [None, "x", 1.0]  # the argument is untouched


@pytest.mark.parametrize(
    "coerce", [to_text, to_number, to_date, to_intent, to_stage, to_level, to_bool, to_list]
)
def test_every_coercer_accepts_an_empty_column(coerce: Coercer) -> None:
    result, bad = coerce(pd.Series([], dtype=object))
    assert len(result) == 0
    assert len(bad) == 0


# --- text forms exported by CRMs ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("(1,234)", -1234.0),  # accounting negative
        ("(¥500)", -500.0),
        ("人民币1,000", 1000.0),
        ("USD 1,000", 1000.0),
        ("$1,000.50", 1000.5),
        ("-¥500", -500.0),
        ("¥1.2万元", 12000.0),
        ("1.5 亿", 150_000_000.0),
        ("３万", 30000.0),
        ("1,234万", 12_340_000.0),
        ("1,2345,6789", 123_456_789.0),  # grouped by 万
        ("12，000", 12000.0),
    ],
)
def test_to_number_reads_more_text_forms(raw: str, expected: float) -> None:
    value, bad = one(to_number, raw)
    assert value == pytest.approx(expected)
    assert not bad


@pytest.mark.parametrize("raw", ["12,5", "1,23", "1,2,3", "12,34.5", ",100"])
def test_to_number_refuses_misplaced_thousands_separators(raw: str) -> None:
    """'12,5' is a decimal comma or a typo: reading it as 125 would be silently wrong."""
    value, bad = one(to_number, raw)
    assert np.isnan(value)  # type: ignore[arg-type]
    assert bad


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("20261103", datetime(2026, 11, 3)),
        (20261103, datetime(2026, 11, 3)),  # digits, not a serial number (too large for one)
        (20261103.0, datetime(2026, 11, 3)),
        ("2026-11-03 下午 2:30", datetime(2026, 11, 3, 14, 30)),
        ("2026年11月3日 上午9:05", datetime(2026, 11, 3, 9, 5)),
        ("2026年11月3日 晚上10:00", datetime(2026, 11, 3, 22, 0)),
        ("2026/11/3 中午12:15", datetime(2026, 11, 3, 12, 15)),
        ("3.11.2026", datetime(2026, 11, 3)),  # dotted: day first
        ("2026.11.03", datetime(2026, 11, 3)),
    ],
)
def test_to_date_reads_more_text_forms(raw: object, expected: datetime) -> None:
    value, bad = one(to_date, raw)
    assert value == pd.Timestamp(expected)
    assert not bad


@pytest.mark.parametrize("raw", ["12345678", "20261332", 20261332, "2026年11月"])
def test_to_date_flags_digits_that_are_no_date(raw: object) -> None:
    value, bad = one(to_date, raw)
    assert pd.isna(value)
    assert bad


def test_the_ambiguity_rule_of_slashed_dates() -> None:
    """a/b/yyyy is month first (Excel's English form) unless a > 12."""
    result, bad = to_date(cells("1/2/2026", "12/1/2026", "13/1/2026", "2/13/2026"))
    assert result.tolist() == [
        pd.Timestamp(2026, 1, 2), pd.Timestamp(2026, 12, 1),
        pd.Timestamp(2026, 1, 13), pd.Timestamp(2026, 2, 13),
    ]  # fmt: skip
    assert not bad.any()


def test_an_excel_error_value_is_a_str_kept_apart() -> None:
    from allocator.coerce import CellError

    error = CellError("#N/A")
    assert error == "#N/A" and isinstance(error, str)
    assert type(error) is not str
    assert repr(error) == "CellError('#N/A')"
