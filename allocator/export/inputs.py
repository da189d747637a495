"""Writing input-shaped workbooks (customers, reps, rules) such as samples and templates.

The one place that writes workbooks the tool can read back. XlsxWriter streams in
``constant_memory`` mode, so a million rows never sit in memory twice: each column is converted
once into a list of Excel-ready Python values (numbers, text, date serials, None for blank), and
the rows are zipped from those lists and written in order with ``write_row``. Formats come from
the columns, so no cell needs a per-cell format decision.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter

from ..errors import OutputError
from .files import atomic_path

__all__ = ["write_input_workbook"]

_OPTIONS = {
    "constant_memory": True,
    "strings_to_numbers": False,
    "strings_to_formulas": False,
    "strings_to_urls": False,
}
_EXCEL_EPOCH = pd.Timestamp("1899-12-30").value  # serial 0 in the 1900 date system, in ns
_DAY_NS = 86_400 * 10**9
_NAT = np.iinfo(np.int64).min
_WIDTH_SAMPLE = 2_000
_MAX_ROWS = 1_048_576
_MAX_COLUMNS = 16_384
# East Asian wide and full-width characters take two columns of an Excel cell.
_WIDE = re.compile(
    "[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
    "\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]"
)


@dataclass(frozen=True, slots=True)
class _Column:
    values: list[Any]
    """Excel-ready cells: str, int, float (dates as serials), bool or None for an empty cell."""
    kind: str
    """``text``, ``number``, ``money``, ``date``, ``datetime`` or ``general``: the column format."""
    width: float


def write_input_workbook(
    path: Path,
    sheets: Mapping[str, pd.DataFrame],
    banners: Mapping[str, str] | None = None,
    *,
    created: datetime | None = None,
) -> None:
    """Write ``sheets`` (name → frame, columns = display headers) to ``path`` atomically.

    A sheet with a banner gets it in row 1 and its header in row 2; otherwise the header is row 1.
    ``created`` is the creation time stored in the document properties (default: now); fixing it
    makes the same data produce the same bytes, as for the committed samples.
    Raises :class:`OutputError` when the file cannot be written (folder missing or read-only,
    disk full, or the target open in Excel on Windows).
    """
    path = Path(path)
    banners = banners or {}
    try:
        with atomic_path(path) as temp:
            workbook = xlsxwriter.Workbook(str(temp), _OPTIONS)
            if created is not None:
                workbook.set_properties({"created": created})
            formats = _formats(workbook)
            for sheet, frame in sheets.items():
                _write_sheet(workbook, formats, sheet, frame, banners.get(sheet))
            workbook.close()
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


def _formats(workbook: Any) -> dict[str, Any]:
    return {
        "title": workbook.add_format({"bold": True, "font_size": 14}),
        "header": workbook.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "bottom": 1, "valign": "vcenter"}
        ),
        "text": workbook.add_format({"num_format": "@"}),
        "money": workbook.add_format({"num_format": "#,##0"}),
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
    }


def _write_sheet(
    workbook: Any, formats: dict[str, Any], name: str, frame: pd.DataFrame, banner: str | None
) -> None:
    top = 1 if banner else 0
    if top + 1 + len(frame) > _MAX_ROWS or frame.shape[1] > _MAX_COLUMNS:
        raise OutputError(
            f"sheet {name!r} has {len(frame)} rows and {frame.shape[1]} columns; an Excel sheet "
            f"holds at most {_MAX_ROWS - top - 1} data rows and {_MAX_COLUMNS} columns"
        )
    sheet = workbook.add_worksheet(name)
    headers = [str(h) for h in frame.columns]
    columns = [_convert(frame.iloc[:, k], headers[k]) for k in range(frame.shape[1])]
    # Column formats must exist before rows stream out: cells without their own format take
    # the format of their column when written.
    for k, column in enumerate(columns):
        sheet.set_column(k, k, column.width, formats.get(column.kind))
    if banner:
        sheet.set_row(0, 24)
        sheet.write_string(0, 0, banner, formats["title"])
    sheet.write_row(top, 0, headers, formats["header"])
    sheet.freeze_panes(top + 1, 0)
    if columns:
        sheet.autofilter(top, 0, top + len(frame), len(columns) - 1)
    write_row = sheet.write_row
    for row, cells in enumerate(zip(*(c.values for c in columns), strict=True), start=top + 1):
        if write_row(row, 0, cells):
            # XlsxWriter skips what it cannot store (text over 32,767 characters) and says so
            # only through its return code: never drop data silently.
            raise OutputError(f"sheet {name!r}, row {row + 1}: a value is too long for Excel")


def _convert(series: pd.Series, header: str) -> _Column:
    """One column as Excel-ready cells, with its format and a width that fits its content."""
    dtype = series.dtype
    extension = pd.api.types.is_extension_array_dtype(dtype)
    if extension and not isinstance(dtype, pd.DatetimeTZDtype):
        # Nullable numbers (Int64, Float64) become floats with NaN for NA; anything else
        # (categories, nullable strings and booleans) is handled as plain objects.
        numeric = pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
        series = series.astype("float64" if numeric else object)
        dtype = series.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        stamps = series.dt.tz_localize(None) if getattr(dtype, "tz", None) else series
        return _dates(stamps.to_numpy("M8[ns]").view(np.int64), header)
    if pd.api.types.is_bool_dtype(dtype):
        return _Column(series.tolist(), "general", _fit(header, ["FALSE"]))
    if pd.api.types.is_integer_dtype(dtype):
        ints = series.to_numpy()
        return _numbers(ints.tolist(), ints.astype(float), header)
    if pd.api.types.is_float_dtype(dtype):
        floats = series.to_numpy(dtype=float)
        cells = floats.astype(object)
        cells[~np.isfinite(floats)] = None
        return _numbers(cells.tolist(), floats, header)
    cells = series.to_numpy(dtype=object, copy=True)
    cells[pd.isna(cells)] = None
    values = cells.tolist()
    if pd.api.types.infer_dtype(cells, skipna=True) in ("string", "empty"):
        return _Column(values, "text" if values else "general", _fit(header, values))
    return _mixed(values, header)


def _dates(ns: np.ndarray, header: str) -> _Column:
    missing = ns == _NAT
    serial = (ns - _EXCEL_EPOCH) / _DAY_NS
    cells = serial.astype(object)
    cells[missing] = None
    has_time = bool(np.any(ns[~missing] % _DAY_NS))
    kind = "datetime" if has_time else "date"
    return _Column(
        cells.tolist(), kind, _fit(header, ["2026-11-23 09:00" if has_time else "x" * 10])
    )


def _numbers(cells: list[Any], floats: np.ndarray, header: str) -> _Column:
    finite = floats[np.isfinite(floats)]
    biggest = float(np.abs(finite).max()) if finite.size else 0.0
    # Thousands separators only help where amounts are large whole numbers (金额), not for
    # capacities or weights.
    whole = bool(np.all(finite == np.round(finite)))
    kind = "money" if whole and biggest >= 10_000 else "general"
    sample = [f"{biggest:,.0f}" if kind == "money" else repr(round(biggest, 2))]
    return _Column(cells, kind, _fit(header, sample))


def _mixed(cells: list[Any], header: str) -> _Column:
    """Hand-edited columns (numbers, text and dates together): converted cell by cell."""
    out: list[Any] = []
    dates = times = 0
    for value in cells:
        if isinstance(value, datetime | date | np.datetime64):
            stamp = pd.Timestamp(value)
            if stamp.tzinfo is not None:
                stamp = stamp.tz_localize(None)
            out.append((stamp.value - _EXCEL_EPOCH) / _DAY_NS)
            dates += 1
            times += stamp.time() != time(0)
        elif isinstance(value, np.generic):
            out.append(value.item())
        elif isinstance(value, float) and not math.isfinite(value):
            out.append(None)
        elif value is None or isinstance(value, str | int | float | bool):
            out.append(value)
        else:
            out.append(str(value))
    kind = ("datetime" if times else "date") if dates else "general"
    return _Column(out, kind, _fit(header, [v for v in out if isinstance(v, str)] or ["0" * 12]))


def _fit(header: str, values: Sequence[Any]) -> float:
    """Column width in Excel character units: CJK characters count double; capped at 50."""
    # An evenly spaced sample is enough to size a column and keeps a million rows cheap.
    step = max(1.0, len(values) / _WIDTH_SAMPLE)
    items = [values[int(k * step)] for k in range(min(len(values), _WIDTH_SAMPLE))]
    widest = max((_display_width(str(v)) for v in items if v is not None), default=0)
    # Bold header text is a little wider than body text.
    return float(min(max(_display_width(header) * 1.1 + 2, widest + 2, 6), 50))


def _display_width(text: str) -> int:
    return len(text) + len(_WIDE.findall(text))
