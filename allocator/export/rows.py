"""Columns → Python rows and column widths, one vectorised pass per column.

Dates become Excel serial numbers and NaN/NaT become None before XlsxWriter sees them, so the
write loop only feeds ready values; widths come from the header and a sample of the values, with
CJK characters counted twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Protocol

import numpy as np
import pandas as pd

from .display import DATE, DATETIME

__all__ = [
    "ChunkedRows",
    "Rows",
    "column_width",
    "convert",
    "excel_serial",
    "excel_serial_of",
]

WIDTH_MIN, WIDTH_MAX = 6.0, 60.0
_SAMPLE = 500
_CHUNK = 50_000
_EPOCH = np.datetime64("1899-12-30T00:00:00", "ns")
_DAY = np.timedelta64(1, "D")
# East Asian wide characters take two columns of width in Excel's default fonts.
_WIDE = re.compile(
    "[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]"
)


class Rows(Protocol):
    """Converted rows: sized and iterable (a list, or chunks converted on demand)."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[Sequence[object]]: ...


def excel_serial(values: pd.Series) -> np.ndarray:
    """Excel's date serial numbers (days since 1899-12-30) of a datetime Series; NaT → NaN."""
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_localize(None)
    return (values.to_numpy(dtype="datetime64[ns]") - _EPOCH) / _DAY


def excel_serial_of(moment: datetime) -> float:
    """Excel's date serial number of one (naive or aware, taken as wall time) datetime."""
    stamp = pd.Timestamp(moment)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return float((stamp.to_datetime64() - _EPOCH) / _DAY)


def _convert_column(series: pd.Series) -> list[object]:
    """One column as Python values XlsxWriter writes fastest; missing → None."""
    dtype = series.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        serial = excel_serial(series)
        values = serial.astype(object)
        # Before 1900-03-01 Excel's serials are off by Excel's 1900 leap-year bug: keep as text.
        early = serial < 61
        if early.any():
            values[early] = series[early].dt.strftime("%Y-%m-%d %H:%M:%S").to_numpy(object)
        values[np.isnan(serial)] = None
        return values.tolist()
    if pd.api.types.is_float_dtype(dtype):
        numbers = series.to_numpy(dtype=float)
        values = numbers.astype(object)
        values[np.isnan(numbers)] = None
        return values.tolist()
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        return series.tolist()
    values = series.to_numpy(dtype=object)
    values[pd.isna(values)] = None
    return values.tolist()


def convert(columns: Sequence[pd.Series]) -> list[tuple[object, ...]]:
    """Rows of Python values from aligned columns, in one pass per column."""
    if not columns:
        return []
    return list(zip(*(_convert_column(c) for c in columns), strict=True))


class ChunkedRows:
    """Rows converted ``_CHUNK`` at a time, so a million-row sheet never exists twice in memory."""

    def __init__(self, columns: Sequence[pd.Series]) -> None:
        self._columns = list(columns)
        self._length = len(self._columns[0]) if self._columns else 0

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[Sequence[object]]:
        for start in range(0, self._length, _CHUNK):
            yield from convert([c.iloc[start : start + _CHUNK] for c in self._columns])


def _display_width(text: pd.Series) -> pd.Series:
    return text.str.len() + text.str.count(_WIDE.pattern)


def _sample(series: pd.Series) -> pd.Series:
    n = len(series)
    if n <= 2 * _SAMPLE:
        return series
    # The head plus evenly spaced rows: deterministic and representative of sorted data.
    positions = np.unique(np.r_[np.arange(_SAMPLE), np.linspace(0, n - 1, _SAMPLE).astype(int)])
    return series.iloc[positions]


def _value_width(series: pd.Series, num_format: str | None) -> float:
    sample = _sample(series).dropna()
    if sample.empty:
        return 0.0
    if num_format in (DATETIME, DATE):
        return float(len(num_format or ""))
    if pd.api.types.is_numeric_dtype(sample.dtype) and not pd.api.types.is_bool_dtype(sample):
        largest = float(np.nanmax(np.abs(sample.to_numpy(dtype=float))))
        digits = len(f"{largest:.0f}") if np.isfinite(largest) else 4
        extra = 1 if (sample < 0).any() else 0
        if num_format and "," in num_format:
            extra += (digits - 1) // 3
        if num_format and "%" in num_format:
            digits += 2
        if num_format and "." in num_format:
            extra += num_format.count("0", num_format.index(".")) + 1
        return float(digits + extra)
    text = sample.astype(str)
    return float(_display_width(text).max())


def column_width(header: str, series: pd.Series, num_format: str | None) -> float:
    """Width fitting the header (plus the filter button) and a sample of the values."""
    header_width = len(header) + len(_WIDE.findall(header)) + 3
    width = max(header_width, _value_width(series, num_format) + 2)
    return float(min(max(width, WIDTH_MIN), WIDTH_MAX))
