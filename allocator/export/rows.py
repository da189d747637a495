"""Columns → converted cells and column widths, one vectorised pass per column.

Dates become Excel serial numbers and NaN/NaT become None before XlsxWriter sees them; each
column also knows what kind of cells it holds, so the writer (:mod:`.feed`) can call the one
XlsxWriter method that fits instead of dispatching on every value. Widths come from the header
and a sample of the values, with CJK characters counted twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

import numpy as np
import pandas as pd

from .display import DATE, DATETIME

__all__ = [
    "Block",
    "Column",
    "LazyBlock",
    "Rows",
    "column_width",
    "convert",
    "convert_column",
    "excel_serial",
    "excel_serial_of",
]

WIDTH_MIN, WIDTH_MAX = 6.0, 60.0
FORMULA_LEADS = ("=", "+", "-", "@")
"""Text starting with one of these becomes a formula when a user edits the cell or re-imports
a CSV save of it, unless the cell carries Excel's quote prefix."""
_SAMPLE = 500
_CHUNK = 20_000
_EPOCH = np.datetime64("1899-12-30T00:00:00", "ns")
_DAY = np.timedelta64(1, "D")
# East Asian wide characters take two columns of width in Excel's default fonts.
_WIDE = re.compile(
    "[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]"
)
_SEPARATOR = "\x00"  # cannot occur in text that reached the outputs (control characters removed)

Kind = Literal["text", "number", "bool", "mixed"]


@dataclass(frozen=True)
class Column:
    """One converted column: Python values (None where missing) and what kind they are."""

    values: np.ndarray
    """1-d object array."""
    kind: Kind
    quoted: np.ndarray | None = None
    """Where text needs Excel's quote prefix (starts like a formula); None: nowhere."""

    def take(self, positions: np.ndarray | slice) -> Column:
        quoted = None if self.quoted is None else self.quoted[positions]
        if quoted is not None and not quoted.any():
            quoted = None
        return Column(self.values[positions], self.kind, quoted)


class Rows(Protocol):
    """Converted rows, handed to the writer in chunks of aligned columns."""

    def __len__(self) -> int: ...

    def chunks(self, start: int = 0, stop: int | None = None) -> Iterator[tuple[int, list[Column]]]:
        """(first row position, aligned columns) of rows ``start:stop``, a chunk at a time."""


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


def _numbers(numbers: np.ndarray) -> Column:
    values = numbers.astype(object)
    values[np.isnan(numbers)] = None
    return Column(values, "number")


def _quoted(values: np.ndarray, is_text: np.ndarray) -> np.ndarray | None:
    """Where text starts like a formula; one joined string decides whether any cell does."""
    texts = values[is_text]
    if not len(texts):
        return None
    blob = _SEPARATOR + _SEPARATOR.join(texts.tolist())
    if not any(_SEPARATOR + lead in blob for lead in FORMULA_LEADS):
        return None
    starts = pd.Series(texts, dtype=object).str.startswith(FORMULA_LEADS).to_numpy(dtype=bool)
    quoted = np.zeros(len(values), dtype=bool)
    quoted[np.flatnonzero(is_text)[starts]] = True
    return quoted


def convert_column(series: pd.Series) -> Column:
    """One column as the Python values XlsxWriter writes fastest; missing → None."""
    dtype = series.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        serial = excel_serial(series)
        column = _numbers(serial)
        # Before 1900-03-01 Excel's serials are off by Excel's 1900 leap-year bug: keep as text.
        early = serial < 61
        if not early.any():
            return column
        column.values[early] = series[early].dt.strftime("%Y-%m-%d %H:%M:%S").to_numpy(object)
        return Column(column.values, "mixed")
    if pd.api.types.is_bool_dtype(dtype):
        return Column(series.to_numpy(dtype=object), "bool")
    if pd.api.types.is_float_dtype(dtype):
        return _numbers(series.to_numpy(dtype=float))
    if isinstance(dtype, np.dtype) and dtype.kind in "iu":
        return Column(np.asarray(series.tolist(), dtype=object), "number")
    values = series.to_numpy(dtype=object, copy=True)
    values[pd.isna(values)] = None
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    if inferred == "empty":
        return Column(values, "text")
    if inferred == "string":
        return Column(values, "text", _quoted(values, values != None))  # noqa: E711
    if inferred in ("floating", "integer", "mixed-integer-float", "decimal"):
        return Column(values, "number")
    if inferred == "boolean":
        return Column(values, "bool")
    is_text = pd.Series(values, dtype=object).map(type).isin([str]).to_numpy(dtype=bool)
    return Column(values, "mixed", _quoted(values, is_text))


class Block:
    """Converted columns, all in memory: sliced per rep with :meth:`take`."""

    def __init__(self, columns: Sequence[Column], length: int | None = None) -> None:
        self.columns = list(columns)
        self._length = len(self.columns[0].values) if self.columns else (length or 0)

    def __len__(self) -> int:
        return self._length

    def take(self, positions: np.ndarray | slice) -> Block:
        """The rows at ``positions`` (or in a slice), in that order."""
        length = (
            len(range(self._length)[positions]) if isinstance(positions, slice) else len(positions)
        )
        return Block([c.take(positions) for c in self.columns], length)

    def chunks(self, start: int = 0, stop: int | None = None) -> Iterator[tuple[int, list[Column]]]:
        stop = self._length if stop is None else min(stop, self._length)
        for first in range(start, stop, _CHUNK):
            part = slice(first, min(first + _CHUNK, stop))
            yield first, [c.take(part) for c in self.columns]


class LazyBlock:
    """Columns converted a chunk at a time, so a million-row sheet never exists twice in memory."""

    def __init__(self, series: Sequence[pd.Series]) -> None:
        self._series = list(series)
        self._length = len(self._series[0]) if self._series else 0

    def __len__(self) -> int:
        return self._length

    def chunks(self, start: int = 0, stop: int | None = None) -> Iterator[tuple[int, list[Column]]]:
        stop = self._length if stop is None else min(stop, self._length)
        for first in range(start, stop, _CHUNK):
            part = slice(first, min(first + _CHUNK, stop))
            yield first, [convert_column(s.iloc[part]) for s in self._series]


def convert(columns: Sequence[pd.Series]) -> Block:
    """All of ``columns`` converted at once."""
    return Block([convert_column(c) for c in columns])


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
