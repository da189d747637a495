"""Turning raw cell values into typed columns, vectorised.

Every function takes a Series of raw cells (str, float, int, bool, datetime or None) and returns
the typed Series and a boolean mask of the cells that were not blank but could not be read; the
schema turns those masks into Issues. Nothing here knows about sheets or messages.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date, datetime, time

import numpy as np
import pandas as pd

__all__ = [
    "INTENTS",
    "LEVELS",
    "STAGES",
    "CellError",
    "to_bool",
    "to_date",
    "to_intent",
    "to_level",
    "to_list",
    "to_number",
    "to_stage",
    "to_text",
]

INTENTS = ("high", "medium", "low")
STAGES = ("new", "contacted", "qualified", "proposal", "negotiation", "won", "lost")
CLOSED_STAGES = ("won", "lost")
LEVELS = ("junior", "senior", "lead")
LEVEL_RANK = {"junior": 0, "senior": 1, "lead": 2}

_INTENT_WORDS: Mapping[str, tuple[str, ...]] = {
    "high": ("high", "h", "高", "高意向", "意向高", "强", "强意向", "a", "hot", "热"),
    "medium": (
        "medium",
        "m",
        "mid",
        "middle",
        "中",
        "中意向",
        "意向中",
        "中等",
        "一般",
        "b",
        "warm",
        "温",
    ),
    "low": ("low", "l", "低", "低意向", "意向低", "弱", "弱意向", "c", "cold", "冷"),
}
_STAGE_WORDS: Mapping[str, tuple[str, ...]] = {
    "new": ("new", "新建", "新线索", "新", "待跟进", "未跟进", "open", "lead"),
    "contacted": ("contacted", "已联系", "初步接触", "跟进中", "已跟进", "contacting", "working"),
    "qualified": ("qualified", "需求确认", "已确认需求", "确认需求", "需求分析", "qualification"),
    "proposal": (
        "proposal",
        "方案提交",
        "方案报价",
        "报价",
        "已报价",
        "提交方案",
        "quote",
        "quoted",
    ),
    "negotiation": ("negotiation", "商务谈判", "谈判", "谈判中", "negotiating"),
    "won": ("won", "成交", "已成交", "赢单", "签约", "已签约", "closedwon", "win"),
    "lost": ("lost", "输单", "丢单", "已输单", "失败", "无效", "closedlost", "lose"),
}
_LEVEL_WORDS: Mapping[str, tuple[str, ...]] = {
    "junior": ("junior", "新人", "初级", "新手", "jr", "trainee"),
    "senior": ("senior", "资深", "高级", "中级", "sr", "rep", "销售"),
    "lead": ("lead", "主管", "组长", "经理", "leader", "manager", "teamlead", "总监"),
}
_BOOL_WORDS: Mapping[bool, tuple[str, ...]] = {
    True: ("yes", "y", "true", "1", "是", "在职", "启用", "有效", "active", "on", "√", "✓"),
    False: (
        "no",
        "n",
        "false",
        "0",
        "否",
        "离职",
        "停用",
        "禁用",
        "无效",
        "inactive",
        "off",
        "×",
        "✗",
    ),
}


class CellError(str):
    """An Excel error value in a cell (``#N/A``, ``#DIV/0!``…), kept apart from text so that
    validation reports it on its cell instead of reading it as a word or a blank."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"CellError({str(self)!r})"


_KEY_NOISE = re.compile(r"[\s_\-·.。]+")


def _word_table(words: Mapping[object, tuple[str, ...]]) -> dict[str, object]:
    return {_key(word): code for code, group in words.items() for word in group}


def _key(text: str) -> str:
    return _KEY_NOISE.sub("", unicodedata.normalize("NFKC", text).casefold())


def _keys(series: pd.Series) -> pd.Series:
    """NFKC + casefold + separators removed, for vocabulary look-ups (vectorised)."""
    text = series.astype(str).str.normalize("NFKC").str.casefold()
    return text.str.replace(_KEY_NOISE, "", regex=True)


_DISTINCT_MIN_ROWS = 4096
_DISTINCT_PROBE = 1024


def per_distinct(texts: pd.Series, func: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``func`` (a per-string Series operation) applied once per distinct text, mapped back.

    Columns such as industry, city or stage hold a few hundred distinct texts in a million rows;
    trimming, normalising or parsing each occurrence again is most of the cost of reading them.
    ``texts`` must hold only ``str`` (text never equals a number, whereas hashing would merge
    ``1``, ``1.0`` and ``True``). Columns of mostly distinct texts (ids, names) skip the detour,
    judged from their first rows.
    """
    n = len(texts)
    if n < _DISTINCT_MIN_ROWS:
        return func(texts)
    head = texts.to_numpy(dtype=object)[:_DISTINCT_PROBE]
    if len(pd.unique(head)) > _DISTINCT_PROBE // 2:
        return func(texts)
    codes, uniques = pd.factorize(texts.to_numpy(dtype=object))
    mapped = func(pd.Series(uniques, dtype=object)).to_numpy()
    return pd.Series(mapped[codes], index=texts.index)


def _types(series: pd.Series) -> pd.Series:
    return series.map(type)


def _is_type(series: pd.Series, *types: type) -> pd.Series:
    """Boolean mask of the cells whose exact type is one of ``types`` (subclasses excluded)."""
    return _types(series).isin(types)


def to_text(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Text as typed: numbers lose a spurious ``.0`` (``123.0`` → ``123``), strings are trimmed.

    IDs typed as text keep their leading zeros because text cells are never parsed as numbers.
    """
    result = series.astype(object).where(series.notna(), None)
    kinds = _types(result)
    text = kinds.isin([str])
    if text.any():
        result[text] = per_distinct(result[text], lambda s: s.str.strip())
    floats = kinds.isin([float, np.float64])
    if floats.any():
        values = result[floats].astype(float)
        integral = np.isfinite(values) & (values == np.round(values))
        formatted = values.map(repr)
        # Beyond 2**53 the digits are already Excel's rounding; show them without an exponent.
        small = integral & (values.abs() < 2**53)
        formatted[small] = values[small].astype("int64").astype(str)
        formatted[integral & ~small] = values[integral & ~small].map("{:.0f}".format)
        result[floats] = formatted
    other = ~(text | floats | result.isna())
    if other.any():
        result[other] = result[other].map(_other_to_text)
    return result, pd.Series(False, index=series.index)


def _other_to_text(value: object) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.time() != time(0) else f"{value:%Y-%m-%d}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value)


_CURRENCY = re.compile(r"[¥$€£元\s]|人民币|rmb|cny|usd|hkd", flags=re.IGNORECASE)
_GROUPED = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d{1,4}(?:,\d{4})+)(?:\.\d*)?[万亿千kKwW%]?")
_SCALE = {"万": 1e4, "亿": 1e8, "千": 1e3, "k": 1e3, "w": 1e4}


def to_number(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers; text such as ``12,000``, ``¥3.5万``, ``1.2亿``, ``RMB 500``, ``(1,234)``
    (accounting negative) or ``15%`` is read, anything else is bad.

    Thousands separators must group digits by three (``1,234,567``) or by four (``1,2345``, the
    Chinese 万 grouping): ``12,5`` is a decimal comma or a typo, and reading it as 125 would be
    silently wrong, so it is bad."""
    kinds = _types(series)
    numeric = kinds.isin([int, float, np.float64, np.int64])
    result = pd.Series(np.nan, index=series.index, dtype="float64")
    if numeric.any():
        result[numeric] = series[numeric].astype("float64")
    text = kinds.isin([str])
    if text.any():
        raw = series[text].str.strip().str.normalize("NFKC")
        negative = raw.str.startswith("(") & raw.str.endswith(")")
        raw = raw.where(~negative, raw.str[1:-1])
        raw = raw.str.replace(_CURRENCY, "", regex=True)
        misgrouped = raw.str.contains(",", regex=False) & ~raw.str.fullmatch(_GROUPED)
        raw = raw.str.replace(",", "", regex=False).where(~misgrouped, "")
        scale = pd.Series(1.0, index=raw.index)
        for suffix, factor in _SCALE.items():
            ends = raw.str.lower().str.endswith(suffix)
            scale[ends] = factor
            raw = raw.where(~ends, raw.str[:-1])
        percent = raw.str.endswith("%")
        raw = raw.where(~percent, raw.str[:-1])
        scale[percent] = scale[percent] / 100
        scale[negative] = -scale[negative]
        result[text] = pd.to_numeric(raw, errors="coerce") * scale
    finite = np.isfinite(result)
    result = result.where(finite)
    bad = series.notna() & result.isna()
    return result, bad


_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_EXCEL_EPOCH_1904 = pd.Timestamp("1904-01-01")
_CN_DATE = re.compile(r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?\s*(.*)$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DOTTED_DAY_FIRST = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(.*)$")
_CN_MORNING = re.compile(r"(?:上午|早上|凌晨)\s*(\d{1,2}:\d{2}(?::\d{2})?)")
_CN_AFTERNOON = re.compile(r"(?:下午|晚上|中午)\s*(\d{1,2}:\d{2}(?::\d{2})?)")


def to_date(series: pd.Series, *, date1904: bool = False) -> tuple[pd.Series, pd.Series]:
    """Datetimes from Excel dates, Excel serial numbers, and text.

    Text forms: ISO (``2026-11-03``, ``2026-11-03T14:30``), ``2026/11/3``, ``2026.11.3``,
    ``2026年11月3日`` (also ``3号``), ``20261103``, with an optional time (``14:30``,
    ``下午 2:30``). Ambiguous day/month orders follow one documented rule: ``11/3/2026`` reads
    month first (as Excel writes dates in English) unless the first number exceeds 12
    (``13/3/2026`` is 13 March); ``3.11.2026`` with dots reads day first (the European form).
    ``date1904``: serial numbers count from 1904-01-01 (old Mac workbooks)."""
    kinds = _types(series)
    result = pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns]")
    stamps = kinds.isin([datetime, pd.Timestamp, date])
    if stamps.any():
        result[stamps] = pd.to_datetime(series[stamps].map(_as_datetime), errors="coerce")
    numbers = kinds.isin([int, float, np.float64, np.int64])
    if numbers.any():
        serial = series[numbers].astype(float)
        plausible = serial.between(1, 2_958_465)  # Excel's 9999-12-31
        epoch = _EXCEL_EPOCH_1904 if date1904 else _EXCEL_EPOCH
        stamps_of = (epoch + pd.to_timedelta(serial.where(plausible), unit="D")).dt.round("s")
        stamps_of = stamps_of.copy()
        # 20261103 is no serial number (those end at 2,958,465) but a date written as digits
        compact = serial.between(19_000_101, 99_991_231) & (serial % 1 == 0)
        if compact.any():
            digits = serial[compact].astype("int64").astype(str)
            stamps_of[compact] = pd.to_datetime(digits, format="%Y%m%d", errors="coerce")
        result[numbers] = stamps_of
    text = kinds.isin([str])
    if text.any():
        raw = series[text].str.strip().str.normalize("NFKC")
        raw = raw.str.replace(_CN_DATE, r"\1-\2-\3 \4", regex=True).str.strip()
        raw = raw.str.replace(_COMPACT_DATE, r"\1-\2-\3", regex=True)
        raw = raw.str.replace(_DOTTED_DAY_FIRST, r"\3-\2-\1\4", regex=True)
        raw = raw.str.replace(r"(\d)\.(\d{1,2})\.(\d)", r"\1-\2-\3", regex=True)
        raw = raw.str.replace(_CN_MORNING, r"\1 AM", regex=True)
        raw = raw.str.replace(_CN_AFTERNOON, r"\1 PM", regex=True)
        parsed = pd.to_datetime(raw, errors="coerce", format="ISO8601")
        rest = parsed.isna()
        if rest.any():
            slashed = raw[rest].str.replace("/", "-", regex=False)
            retry = pd.to_datetime(slashed, errors="coerce", format="ISO8601")
            still = retry.isna()
            if still.any():
                retry[still] = pd.to_datetime(raw[rest][still], errors="coerce", format="mixed")
            parsed[rest] = retry
        if getattr(parsed.dt, "tz", None) is not None:
            parsed = parsed.dt.tz_localize(None)
        result[text] = parsed
    bad = series.notna() & result.isna()
    return result, bad


def _as_datetime(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return None


def _vocabulary(series: pd.Series, table: Mapping[str, object]) -> tuple[pd.Series, pd.Series]:
    present = series.notna()
    result = pd.Series(None, index=series.index, dtype=object)
    if present.any():
        # Through to_text so that Excel's numeric 1 (read as 1.0) is looked up as "1", not "10".
        keys = _keys(to_text(series[present])[0])
        result[present] = keys.map(table)
    bad = present & result.isna()
    return result, bad


_INTENT_TABLE = _word_table(_INTENT_WORDS)  # type: ignore[arg-type]
_STAGE_TABLE = _word_table(_STAGE_WORDS)  # type: ignore[arg-type]
_LEVEL_TABLE = _word_table(_LEVEL_WORDS)  # type: ignore[arg-type]
_BOOL_TABLE = _word_table(_BOOL_WORDS)  # type: ignore[arg-type]


def to_intent(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``high``/``medium``/``low`` from 高/中/低, 高意向, H/M/L, …"""
    return _vocabulary(series, _INTENT_TABLE)


def to_stage(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Stage codes from Chinese or English names; blank means ``new``."""
    result, bad = _vocabulary(series, _STAGE_TABLE)
    return result.where(series.notna(), "new"), bad


def to_level(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Rep level codes; blank means ``senior``."""
    result, bad = _vocabulary(series, _LEVEL_TABLE)
    return result.where(series.notna(), "senior"), bad


def to_bool(series: pd.Series, *, default: bool = True) -> tuple[pd.Series, pd.Series]:
    """Yes/no from 是/否, 在职/离职, TRUE/FALSE, 1/0, …; blank means ``default``."""
    kinds = _types(series)
    native = kinds.isin([bool])
    result, bad = _vocabulary(series.where(~native, None), _BOOL_TABLE)
    result[native] = series[native]
    result = result.where(series.notna(), default)
    return result.astype(bool), bad & ~native


_LIST_SEPARATORS = re.compile(r"[,，、;；|\n\r]+")


def to_list(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Tuples of trimmed items split on ``, ， 、 ; ； |`` or newlines; blank is an empty tuple."""
    text, _ = to_text(series)
    present = text.notna()
    result = pd.Series([()] * len(series), index=series.index, dtype=object)
    if present.any():
        parts = text[present].str.split(_LIST_SEPARATORS, regex=True)
        result[present] = parts.map(lambda items: tuple(i.strip() for i in items if i.strip()))
    return result, pd.Series(False, index=series.index)
