"""The message catalogue: both languages complete and consistent; vectorised fill = t per row."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from allocator.headers import CUSTOMERS, REPS, RULES
from allocator.i18n import (
    COLUMN_NAMES,
    LANGUAGES,
    MESSAGES,
    SHEET_NAMES,
    column_label,
    fill,
    placeholders,
    sheet_label,
    t,
    translate_values,
)

CJK = re.compile(r"[\u3400-\u9fff]")


def test_languages() -> None:
    assert LANGUAGES == ("zh", "en")


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_message_is_complete_in_both_languages(key: str) -> None:
    zh, en = MESSAGES[key]
    assert zh.strip() and en.strip()
    assert placeholders(zh) == placeholders(en)
    assert CJK.search(zh), zh
    values = {name: f"<{name}>" for name in placeholders(en)}
    for lang in LANGUAGES:
        text = t(lang, key, **values)
        assert "{" not in text and "}" not in text
        for value in values.values():
            assert value in text


def test_placeholders() -> None:
    assert placeholders("{cell}: '{column}' is {value}") == {"cell", "column", "value"}
    assert placeholders("no placeholders") == set()
    assert placeholders("{a}{a}") == {"a"}


def test_placeholder_mismatch_would_be_caught() -> None:
    assert placeholders("{cell}：“{value}”") != placeholders("{cell}: '{rep}'")


def test_t() -> None:
    assert t("en", "file_missing", path="in.xlsx") == "file not found: in.xlsx"
    assert t("zh", "file_missing", path="in.xlsx") == "找不到文件 in.xlsx"
    assert t("zh", "yes") == "是"
    assert t("en", "no") == "no"


def test_t_rejects_an_unknown_language_or_key() -> None:
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        t("fr", "yes")
    with pytest.raises(KeyError):
        t("en", "no_such_message")


def test_t_keeps_braces_of_values() -> None:
    assert t("en", "file_missing", path="{odd}.xlsx") == "file not found: {odd}.xlsx"


# --- fill -------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_fill_equals_t_per_row(lang: str) -> None:
    index = pd.Index([10, 11, 12, 15])
    area = pd.Series(["华东", "East", "华南", "North"], index=index)
    n = pd.Series(["3", "1", "12", "2"], index=index)
    owner = pd.Series(["张伟", "Amy", "李娜", "Bob"], index=index)
    points = pd.Series(["12.5", "0", "7.25", "3"], index=index)
    result = fill(lang, "reason_points", index, area=area, n=n, owner=owner, points=points)
    assert result.index.equals(index)
    expected = [
        t(lang, "reason_points", area=a, n=c, owner=o, points=p)
        for a, c, o, p in zip(area, n, owner, points, strict=True)
    ]
    assert result.tolist() == expected


def test_fill_mixes_series_and_scalars() -> None:
    index = pd.RangeIndex(3)
    result = fill("en", "reason_kept", index, owner="Amy", last=pd.Series(["a", "b", "c"]))
    assert result.tolist() == [t("en", "reason_kept", owner="Amy", last=v) for v in "abc"]


def test_fill_aligns_on_the_index_and_renders_missing_as_empty() -> None:
    index = pd.Index([5, 6, 7])
    owner = pd.Series(["Bob", None, "Amy"], index=[7, 6, 5])  # out of order
    last = pd.Series([np.nan, "2026-11-01"], index=[5, 6])  # row 7 missing entirely
    result = fill("en", "reason_kept", index, owner=owner, last=last)
    assert result.tolist() == [
        "kept by Amy (last contact )",
        "kept by  (last contact 2026-11-01)",
        "kept by Bob (last contact )",
    ]


def test_fill_scalar_none_is_empty() -> None:
    result = fill("zh", "file_missing", pd.RangeIndex(2), path=None)
    assert result.tolist() == ["找不到文件 ", "找不到文件 "]


def test_fill_of_an_empty_index() -> None:
    result = fill("en", "reason_kept", pd.RangeIndex(0), owner="Amy", last="x")
    assert len(result) == 0


def test_fill_without_placeholders() -> None:
    assert fill("zh", "never", pd.RangeIndex(2)).tolist() == ["从未跟进", "从未跟进"]


def test_fill_rejects_format_specs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(MESSAGES, "test_spec", ("{n:>5}", "{n:>5}"))
    with pytest.raises(ValueError, match="format specs belong in the caller"):
        fill("en", "test_spec", pd.RangeIndex(1), n="1")


def test_translate_values() -> None:
    stages = pd.Series(["won", "lost", "new", "custom"])
    assert translate_values("zh", "stage", stages).tolist() == ["成交", "输单", "新建", "custom"]
    assert translate_values("en", "stage", stages).tolist() == ["won", "lost", "new", "custom"]
    assert translate_values("zh", "level", pd.Series(["lead"])).tolist() == ["主管"]


# --- labels -----------------------------------------------------------------------------------

OUTPUT_SHEETS = [
    "Summary",
    "Assignments",
    "Unassigned",
    "Exceptions",
    "Conflicts",
    "Changes",
    "Run",
]


def test_english_output_sheet_names_are_exact() -> None:
    assert [sheet_label("en", s) for s in OUTPUT_SHEETS] == OUTPUT_SHEETS


def test_chinese_output_sheet_names() -> None:
    assert [sheet_label("zh", s) for s in OUTPUT_SHEETS] == [
        "汇总", "分配结果", "公海池", "异常数据", "撞单", "变更", "运行信息",
    ]  # fmt: skip


def test_input_sheet_labels() -> None:
    assert [sheet_label("zh", s) for s in ("Customers", "Reps", "Rules")] == [
        "客户",
        "销售",
        "规则",
    ]
    assert [sheet_label("en", s) for s in ("Customers", "Reps", "Rules")] == [
        "Customers", "Reps", "Rules",
    ]  # fmt: skip


def test_sheet_labels_are_valid_and_unique_excel_names() -> None:
    for lang in LANGUAGES:
        labels = [sheet_label(lang, s) for s in SHEET_NAMES]
        assert len(set(labels)) == len(labels)
        for label in labels:
            assert 0 < len(label) <= 31
            assert not set(label) & set("[]:*?/\\")


def test_sheet_label_of_an_unknown_sheet() -> None:
    with pytest.raises(KeyError):
        sheet_label("en", "Nope")


@pytest.mark.parametrize(
    ("column", "zh"),
    [
        ("customer", "客户名称"),
        ("customer_id", "客户编号"),
        ("value", "潜在价值"),
        ("intent", "合作意向"),
        ("history", "历史交易"),
        ("name", "姓名"),
        ("capacity", "本周容量"),
        ("territories", "负责区域"),
        ("owner", "负责人"),
        ("score", "评分"),
        ("tier", "等级"),
        ("reason", "分配原因"),
        ("due_by", "跟进截止"),
        ("source_row", "源行号"),
        ("issue_codes", "问题代码"),
    ],
)
def test_column_label(column: str, zh: str) -> None:
    assert column_label("zh", column) == zh
    assert column_label("en", column) == column


def test_unknown_columns_keep_their_header() -> None:
    assert column_label("zh", "备注") == "备注"
    assert column_label("en", "WeChat") == "WeChat"


def test_every_input_column_has_a_label() -> None:
    for spec in (CUSTOMERS, REPS, RULES):
        for column in spec.columns:
            assert column.name in COLUMN_NAMES
            assert CJK.search(column_label("zh", column.name)), column.name


def test_chinese_column_labels_are_chinese() -> None:
    for name, (zh, en) in COLUMN_NAMES.items():
        assert en == name
        assert CJK.search(zh), name
