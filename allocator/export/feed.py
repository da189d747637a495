"""Converted columns into an XlsxWriter worksheet, with no Python loop of ours per cell.

XlsxWriter's ``write_row`` works out each value's type and re-checks every string for formulas,
URLs and numbers; with those conversions off (text stays text) that work is wasted, and it is
most of the cost of a sheet. Each column here already knows its kind, so every cell goes straight
to the one method that stores it, called from C by ``map`` in row-major order (constant_memory
mode flushes a row as soon as a later one starts). Missing cells are simply not written: the
column's format still applies to them.
"""

from __future__ import annotations

import operator
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from xlsxwriter.worksheet import Worksheet

from .rows import Column

__all__ = ["feed"]


def _writers(worksheet: Worksheet) -> dict[str, Callable[..., Any]]:
    # The undecorated storing methods behind write_string() & co.: the public ones only add an
    # "A1"-notation check per call. Both exist in every XlsxWriter 3.x (pinned in pyproject).
    return {
        "text": worksheet._write_string,
        "number": worksheet._write_number,
        "bool": worksheet._write_boolean,
        "mixed": worksheet._write,
    }


def feed(worksheet: Worksheet, columns: list[Column], first_row: int, quoted_format: Any) -> None:
    """Write ``columns`` (aligned, one chunk) from row ``first_row``, column 0."""
    if not columns:
        return
    n_rows = len(columns[0].values)
    if n_rows == 0:
        return
    grid = np.empty((n_rows, len(columns)), dtype=object)
    present = np.empty((n_rows, len(columns)), dtype=bool)
    for col, column in enumerate(columns):
        grid[:, col] = column.values
        present[:, col] = ~pd.isna(column.values)
    rows, cols = np.nonzero(present)
    if not len(rows):
        return
    by_kind = _writers(worksheet)
    writers = np.array([by_kind[c.kind] for c in columns], dtype=object)
    calls: list[list[Any]] = [
        writers[cols].tolist(),
        (rows + first_row).tolist(),
        cols.tolist(),
        grid[present].tolist(),
    ]
    if any(c.quoted is not None for c in columns):
        quoted = np.zeros_like(present)
        for col, column in enumerate(columns):
            if column.quoted is not None:
                quoted[:, col] = column.quoted
        cell_formats = np.full(len(rows), None, dtype=object)
        cell_formats[quoted[present]] = quoted_format
        calls.append(cell_formats.tolist())
    deque(map(operator.call, *calls), maxlen=0)
