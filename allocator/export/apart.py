"""Cells of one workbook's sheet written by another process (SPEC §7: both cores write).

In ``constant_memory`` mode XlsxWriter streams each sheet's ``<row>`` elements to a temporary
file and copies that file into the sheet's XML when the workbook closes. A forked writer that
inherited the open (still empty) workbook can therefore produce a sheet's rows on its own: it
writes them to a scratch worksheet of its copy of the workbook and hands the file over; the
parent, which writes the header and any rows before them and sets up everything else about the
sheet (columns, filter, panes, conditional formats), appends that file to the sheet's own. The
bytes are exactly those the parent would have written, provided that every cell format the rows
use already had its style number before the fork (:func:`pin_formats`): XlsxWriter numbers
formats on first use, and two processes would otherwise number them differently.

This relies on attributes of XlsxWriter's worksheet (``row_data_filename``, ``row_data_fh``,
``row_data_fh_closed``, ``previous_row`` and the ``dim_*`` bounds) and two of its methods
(``_write_single_row``, ``_opt_reopen``), present throughout XlsxWriter 3.x (pinned in
pyproject); the tests compare the bytes written apart with those written directly.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ..errors import InternalError
from .display import NUMBER_FORMATS
from .feed import feed
from .sheets import Formats, Sheet

__all__ = [
    "RowData",
    "Share",
    "append_rows",
    "balance",
    "discard_rows",
    "pin_formats",
    "write_rows_apart",
]

Bounds = tuple[int | None, int | None, int | None, int | None]
# The balance's weights, relative to the parent writing one cell of the manager workbook (~4.5 µs
# here), measured at 1,000,000 customers with both processes writing.
CLOSE_WEIGHT = 0.23
"""The parent assembling and compressing a cell of its workbook on close (~1.0 µs)."""
APART_WEIGHT = 1.09
"""The second process writing a cell of the manager workbook apart (~4.9 µs)."""
REP_BOOK_WEIGHT = 1.38
"""A cell of the per-rep workbooks, planning included (~6.2 µs: a thousand small books' fixed
costs, protection, in-memory assembly)."""
MIN_CELLS_APART = 100_000
"""Fewer cells than this are not worth a file of their own."""


@dataclass(frozen=True)
class Share:
    """What the second process writes of the manager workbook: by sheet, the body row (0-based)
    from which on it writes that sheet's rows; the parent writes the header and the rows before."""

    tails: tuple[tuple[str, int], ...] = ()

    def start(self, key: str) -> int | None:
        """The first body row written apart for sheet ``key``; None when it is all written here."""
        return dict(self.tails).get(key)


@dataclass(frozen=True)
class RowData:
    """Rows of a sheet as ``<row>`` elements in a file, and the cell bounds they cover."""

    path: str
    bounds: Bounds
    """``(first row, last row, first column, last column)``; None when no cell was written."""


def balance(here: float, there: float, sheets: Sequence[tuple[str, int, int]]) -> Share:
    """Share the writing so that both processes finish about together: ``here`` is the parent's
    work, ``there`` the second process' (both in cells, weighted), and ``sheets`` lists
    ``(key, rows, cells per row)`` of the sheets whose rows may move, in the order they should.
    Each moves as many rows from its end as close the remaining gap, each row costing the
    second process :data:`APART_WEIGHT` times what it saves here."""
    tails: list[tuple[str, int]] = []
    for key, rows, width in sheets:
        gap = here - there
        if gap <= 0:
            break
        if width <= 0:  # a sheet without columns (an empty frame) has nothing to move
            continue
        moved = min(rows, int(gap / (1 + APART_WEIGHT) // width))
        if moved * width < MIN_CELLS_APART:
            continue
        tails.append((key, rows - moved))
        here, there = here - moved * width, there + APART_WEIGHT * moved * width
    return Share(tuple(tails))


def pin_formats(workbook: Workbook, formats: Formats) -> None:
    """Give every format that a plain sheet's cells can use its style number now, in a fixed
    order, so that the parent and a forked writer agree on them whatever the data."""
    pinned = [
        formats.header,
        formats.quoted,
        workbook.default_date_format,  # datetimes in mixed columns (raw Exceptions cells)
        *(formats.get(num_format) for num_format in NUMBER_FORMATS),
    ]
    for cell_format in pinned:
        cell_format._get_xf_index()


def write_rows_apart(
    workbook: Workbook, sheet: Sheet, formats: Formats, *, first_row: int
) -> RowData:
    """In the forked writer: the rows of ``sheet`` as body rows ``first_row`` on (0-based),
    exactly as the parent's worksheet would write them, into a file of their own (through a
    scratch worksheet of this process' copy of the workbook, which is never closed here)."""
    if not workbook.constant_memory:
        raise InternalError("rows can be written apart only in constant_memory mode")
    numbered = len(workbook.xf_format_indices)
    scratch: Worksheet = workbook.add_worksheet()
    # The columns' formats: a cell without its own format carries its column's style.
    for col, (width, num_format) in enumerate(zip(sheet.widths, sheet.formats, strict=True)):
        scratch.set_column(col, col, width, formats.get(num_format, unlocked=col in sheet.editable))
    for first, chunk in sheet.rows.chunks():
        feed(scratch, chunk, first_row + first + 1, formats.quoted)
    scratch._write_single_row()  # the last row is still held in memory
    scratch.row_data_fh.close()
    scratch.row_data_fh_closed = True
    if len(workbook.xf_format_indices) != numbered:
        os.unlink(scratch.row_data_filename)
        raise InternalError("rows written apart used a format not numbered before the fork")
    bounds = (scratch.dim_rowmin, scratch.dim_rowmax, scratch.dim_colmin, scratch.dim_colmax)
    return RowData(path=scratch.row_data_filename, bounds=bounds)


def append_rows(worksheet: Worksheet, rows: RowData) -> None:
    """In the parent: ``rows`` become the rest of ``worksheet``'s rows (the file is consumed).
    Nothing can be written into the worksheet's rows afterwards."""
    first_row, last_row, first_col, last_col = rows.bounds
    if first_row is None or last_row is None or first_col is None or last_col is None:
        os.unlink(rows.path)
        return
    if worksheet.previous_row >= first_row or (
        worksheet.dim_rowmax is not None and worksheet.dim_rowmax >= first_row
    ):
        raise InternalError(f"sheet '{worksheet.get_name()}' already has row {first_row + 1}")
    worksheet._opt_reopen()
    worksheet._write_single_row(first_row)  # the parent's last row, still held in memory
    handle = worksheet.row_data_fh
    handle.flush()
    with open(rows.path, "rb") as source:
        shutil.copyfileobj(source, handle.buffer, 1 << 20)
    os.unlink(rows.path)
    worksheet.dim_rowmin = min(first_row, _or(worksheet.dim_rowmin, first_row))
    worksheet.dim_rowmax = last_row
    worksheet.dim_colmin = min(first_col, _or(worksheet.dim_colmin, first_col))
    worksheet.dim_colmax = max(last_col, _or(worksheet.dim_colmax, last_col))
    worksheet.previous_row = last_row + 1


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


def discard_rows(rows: Mapping[str, RowData]) -> None:
    """Delete row files that no workbook took (the run failed before)."""
    for data in rows.values():
        with contextlib.suppress(FileNotFoundError):
            os.unlink(data.path)
