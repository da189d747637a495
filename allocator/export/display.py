"""What a column looks like to the reader: translated codes, masked contacts, headers, formats.

Everything here works on whole columns (pandas ``.map`` with a dict and ``.str`` methods); the
frames are never copied, only the few columns that change are replaced.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from pandas.api.types import is_numeric_dtype

from ..i18n import column_label, t, translate_values

__all__ = [
    "NUMBER_FORMATS",
    "Columns",
    "display_columns",
    "mask_email",
    "mask_phone",
    "number_format",
    "unique_headers",
]

Columns = dict[str, pd.Series]
"""Canonical column name → values, in output order (a frame without the cost of building one)."""

MONEY = "#,##0"
POINTS = "#,##0.0"
DATETIME = "yyyy-mm-dd hh:mm"
DATE = "yyyy-mm-dd"

_FORMATS: dict[str, str] = {
    "value": MONEY,
    "history": MONEY,
    "deal_value": MONEY,
    "value_new": MONEY,
    "value_open": MONEY,
    "score": "0.0",
    "points_before": POINTS,
    "points_received": POINTS,
    "points_balance_new": POINTS,
    "capacity_used": "0.0%",
    "due_by": DATETIME,
    "escalate_at": DATETIME,
    "created": DATETIME,
    "last_contact": DATETIME,
    "closed": DATE,
}

FLOAT = "#,##0.##"
NUMBER_FORMATS: tuple[str, ...] = tuple(sorted({*_FORMATS.values(), DATETIME, FLOAT}))
"""Every format :func:`number_format` can give."""

# Code columns shown as labels of the run language (i18n keys ``{prefix}_{code}``).
_TRANSLATED = {"intent": "intent", "stage": "stage", "level": "level"}
_YES_NO = ("overdue", "active", "available")


def number_format(column: str, series: pd.Series) -> str | None:
    """The Excel number format of a column: by name, else by dtype (dates, floats)."""
    if column in _FORMATS:
        return _FORMATS[column]
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return DATETIME
    if pd.api.types.is_float_dtype(series.dtype):
        return FLOAT
    return None


def _as_text(series: pd.Series) -> pd.Series:
    """Values as ``string`` dtype; whole numbers read from Excel (``13812345678.0``) lose ``.0``."""
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series):
        numbers = pd.to_numeric(series, errors="coerce")
        whole = numbers.notna() & numbers.mod(1).eq(0)
        text = series.astype("string")
        text[whole] = numbers[whole].astype("int64").astype("string")
        return text
    text = series.astype("string")
    # The pattern only on the few values it can change: a regex per value is slow.
    floats = text.str.endswith(".0").fillna(False).to_numpy(dtype=bool)
    if floats.any():
        text = text.copy()
        text[floats] = text[floats].str.replace(r"^(\d+)\.0$", r"\1", regex=True)
    return text


def mask_phone(series: pd.Series) -> pd.Series:
    """``13812345678`` → ``138****5678``: first 3 and last 4 kept from 8 characters on, else all
    ``*``. Blank stays blank; the result is object dtype with None for blanks."""
    text = _as_text(series).str.strip()
    length = text.str.len()
    masked = text.str.slice(0, 3) + "****" + text.str.slice(-4)
    short = (length < 8).fillna(False).to_numpy(dtype=bool)
    if short.any():
        stars = pd.Series("*", index=series.index[short], dtype="string")
        masked[short] = stars.str.repeat(length[short].astype("int64").tolist())
    return _to_object(masked.where(length > 0))


def mask_email(series: pd.Series) -> pd.Series:
    """``zhang@x.com`` → ``z***@x.com`` (the domain stays: it says which company)."""
    text = _as_text(series).str.strip()
    # A plain replacement: a template with groups (\1***\2) costs four times as much.
    masked = text.str.replace(r"(?s)(?<=^.)[^@]*", "***", n=1, regex=True)
    return _to_object(masked.where(text.str.len() > 0))


def _to_object(series: pd.Series) -> pd.Series:
    return series.astype(object).where(series.notna(), None)


def display_columns(
    frame: pd.DataFrame,
    lang: str,
    *,
    mask: bool = False,
    translate: bool = True,
    columns: Iterable[str] | None = None,
) -> Columns:
    """The columns of ``frame`` (or the named subset; missing ones blank) as shown in ``lang``.

    With ``translate``, intent, stage and level codes become labels and booleans such as
    ``overdue`` become 是/否 (raw input cells in Exceptions stay as typed); with ``mask``, phone
    and email are masked. Untouched columns are the frame's own Series, not copies.
    """
    names = list(frame.columns) if columns is None else list(columns)
    out: Columns = {}
    yes, no = t(lang, "yes"), t(lang, "no")
    for name in names:
        series = frame[name] if name in frame.columns else _blank(frame.index)
        if translate and name in _TRANSLATED and not is_numeric_dtype(series.dtype):
            series = translate_values(lang, _TRANSLATED[name], series)
        elif translate and name in _YES_NO and series.notna().any():
            series = _to_object(series.map({True: yes, False: no}))
        if mask and name == "phone":
            series = mask_phone(series)
        elif mask and name == "email":
            series = mask_email(series)
        out[str(name)] = series
    return out


def _blank(index: pd.Index) -> pd.Series:
    return pd.Series(None, index=index, dtype=object)


def unique_headers(lang: str, columns: Iterable[str]) -> list[str]:
    """Header texts in ``lang``, unique case-insensitively as Excel Tables require.

    A carried-through input column may share its header with a translated one (an extra column
    called 备注 next to ``notes``): the later one gets `` (2)``.
    """
    headers: list[str] = []
    seen: set[str] = set()
    for position, column in enumerate(columns, start=1):
        base = str(column_label(lang, str(column))).strip()[:250] or f"Column{position}"
        header, counter = base, 1
        while header.casefold() in seen:
            counter += 1
            header = f"{base} ({counter})"
        seen.add(header.casefold())
        headers.append(header)
    return headers
