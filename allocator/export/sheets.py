"""The one primitive every output sheet goes through: columns → a formatted Excel table.

Rows arrive converted (:mod:`.rows`) and go into the sheet through :mod:`.feed`. A sheet is an
Excel Table with a frozen header, per-column number formats and fitted widths; above
``table_rows_max`` rows (in ``constant_memory`` mode, where XlsxWriter refuses tables) it gets a
bold header row and an autofilter instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.exceptions import XlsxWriterException
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ..errors import InternalError, OutputError
from .display import DATETIME, Columns, number_format
from .feed import feed
from .rows import LazyBlock, Rows, column_width, convert, excel_serial_of

__all__ = [
    "EXCEL_MAX_ROWS",
    "Cell",
    "Formats",
    "Sheet",
    "Tally",
    "Total",
    "close_workbook",
    "open_workbook",
    "prepare",
    "print_setup",
    "write_sheet",
]

EXCEL_MAX_ROWS = 1_048_576
Tally = Callable[[int], None]
"""Told how many more rows went into a sheet."""
WORKBOOK_OPTIONS: dict[str, Any] = {
    # Text from the input stays text: `=HYPERLINK(…)`, `+86 138…` or `00123` are never a
    # formula, URL or number.
    "strings_to_numbers": False,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "nan_inf_to_errors": True,
    "remove_timezone": True,
    # Dates carried through as Python objects (raw Exceptions cells, extra columns).
    "default_date_format": DATETIME,
}
TABLE_STYLE = "Table Style Medium 2"


@dataclass(frozen=True)
class Cell:
    """One cell outside the table (a link or a figure beside it)."""

    value: object
    num_format: str | None = None
    url: str | None = None
    bold: bool = False


@dataclass(frozen=True)
class Total:
    """One cell of the totals row."""

    value: object
    """A label, or the computed figure (shown until Excel recalculates)."""
    function: str | None = None
    """``sum``, ``average`` or a formula starting with ``=``; None: ``value`` as it is."""


_SUBTOTAL = {"sum": 109, "average": 101}


@dataclass(frozen=True)
class Sheet:
    """A prepared table: headers, formats, widths and converted rows."""

    columns: list[str]
    headers: list[str]
    formats: list[str | None]
    widths: list[float]
    rows: Rows
    totals: dict[int, Total] = field(default_factory=dict)
    """Totals row cells by column position."""
    urls: dict[int, Sequence[str | None]] = field(default_factory=dict)
    """Internal links by column position, one per row (written with the row's own text)."""
    beside: list[list[Cell]] = field(default_factory=list)
    """Rows of cells placed one column right of the table, from the header row down."""
    due_column: str | None = None
    """Column to colour against ``as_of``: past → red, within 24 h → amber."""
    validation: dict[int, list[str]] = field(default_factory=dict)
    """Dropdown lists by column position (the rep's ``status``)."""
    editable: frozenset[int] = frozenset()
    """Columns left unlocked when the sheet is protected (the rep's ``status`` and ``notes``)."""


class Formats:
    """The workbook's formats, created once each."""

    def __init__(self, workbook: Workbook) -> None:
        self._workbook = workbook
        self._cache: dict[tuple[str | None, bool, bool], Any] = {}
        self.link = workbook.add_format({"font_color": "#0563C1", "underline": 1})
        # Text that starts like a formula (= + - @) stays text even when a user edits the cell.
        self.quoted = workbook.add_format({"quote_prefix": True})
        self.red = workbook.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
        self.amber = workbook.add_format({"bg_color": "#FFEB9C", "font_color": "#9C5700"})
        # Table styles are not drawn by every client (LibreOffice, WPS print): the header row
        # carries its own bold and fill so it stands out everywhere.
        self.header = workbook.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "bottom": 1, "text_wrap": False}
        )

    def get(self, num_format: str | None, bold: bool = False, unlocked: bool = False) -> Any:
        """The format with ``num_format`` (None: General), optionally bold or unlocked."""
        key = (num_format, bold, unlocked)
        if key not in self._cache:
            spec: dict[str, Any] = {"bold": True} if bold else {}
            if num_format:
                spec["num_format"] = num_format
            if unlocked:
                spec["locked"] = False
            self._cache[key] = self._workbook.add_format(spec) if spec else None
        return self._cache[key]


def open_workbook(
    path: Path,
    *,
    constant_memory: bool = False,
    in_memory: bool = False,
    created: datetime | None = None,
) -> Workbook:
    """A new XlsxWriter workbook at ``path`` with the text-stays-text options.

    ``created`` is the time stored in the document properties (XlsxWriter's default is now):
    the run time, so that a run with a fixed ``--as-of`` writes the same bytes every time.

    ``constant_memory`` streams rows to disk (no tables possible); ``in_memory`` assembles the
    package in memory instead of a dozen temporary files per workbook, which is much faster
    for the many small per-rep workbooks.
    """
    options = {**WORKBOOK_OPTIONS, "constant_memory": constant_memory, "in_memory": in_memory}
    workbook = xlsxwriter.Workbook(str(path), options)
    if created is not None:
        workbook.set_properties({"created": created})
    return workbook


def close_workbook(workbook: Workbook, target: Path) -> None:
    """Close (write) ``workbook``; I/O failures become :class:`OutputError` naming ``target``."""
    try:
        workbook.close()
    except XlsxWriterException as exc:
        raise OutputError(f"cannot write {target}: {exc}") from None


def prepare(
    columns: Columns, headers: list[str], *, chunked: bool = False, **options: Any
) -> Sheet:
    """A :class:`Sheet` from display columns; ``chunked`` converts rows lazily (large sheets)."""
    names = list(columns)
    series = [columns[n] for n in names]
    formats = [number_format(n, s) for n, s in zip(names, series, strict=True)]
    widths = [column_width(h, s, f) for h, s, f in zip(headers, series, formats, strict=True)]
    rows: Rows = LazyBlock(series) if chunked else convert(series)
    return Sheet(
        columns=names, headers=headers, formats=formats, widths=widths, rows=rows, **options
    )


def write_sheet(
    worksheet: Worksheet,
    sheet: Sheet,
    formats: Formats,
    *,
    as_table: bool,
    as_of: datetime | None = None,
    tally: Tally | None = None,
    until: int | None = None,
) -> None:
    """Write ``sheet`` from A1: header, rows, totals, links, cells beside, formats, filter.

    ``tally`` is told the number of rows after each chunk (for a progress bar).
    ``until``: only the body rows before this one are written here; the others come from
    another process (:mod:`.apart`), appended by the caller right after."""
    n_rows, n_cols = len(sheet.rows), len(sheet.columns)
    if n_rows + 2 > EXCEL_MAX_ROWS:
        raise OutputError(
            f"sheet '{worksheet.get_name()}' would have {n_rows:,} rows; Excel allows "
            f"{EXCEL_MAX_ROWS - 2:,}"
        )
    if until is not None and (as_table or sheet.totals or sheet.urls or sheet.beside):
        raise InternalError("only the rows of a plain streamed sheet can be written apart")
    last_col = max(n_cols - 1, 0)
    for col, (width, num_format) in enumerate(zip(sheet.widths, sheet.formats, strict=True)):
        worksheet.set_column(
            col, col, width, formats.get(num_format, unlocked=col in sheet.editable)
        )
    has_totals = bool(sheet.totals) and n_rows > 0
    if as_table:
        # An Excel table needs a data row: an empty sheet shows one blank row under the header.
        last_row = max(n_rows, 1) + (1 if has_totals else 0)
        status = worksheet.add_table(
            0,
            0,
            last_row,
            last_col,
            {
                "style": TABLE_STYLE,
                "banded_rows": True,
                "total_row": has_totals,
                "columns": [
                    _table_column(sheet, col, formats, has_totals) for col in range(n_cols)
                ],
            },
        )
        if status != 0:  # XlsxWriter only warns; a silently missing table is a bug here
            raise InternalError(f"add_table() failed ({status}) on sheet '{worksheet.get_name()}'")
    else:
        worksheet.write_row(0, 0, sheet.headers, formats.header)
    _write_cells(worksheet, 0, n_cols + 1, sheet.beside[:1], formats)
    _write_body(
        worksheet,
        sheet,
        formats,
        totals_row=has_totals and not as_table,
        tally=tally,
        until=until,
    )
    if not as_table:
        worksheet.autofilter(0, 0, max(n_rows, 1), last_col)
    worksheet.freeze_panes(1, 0)
    if sheet.due_column in sheet.columns and as_of is not None and n_rows:
        _due_colours(worksheet, sheet.columns.index(sheet.due_column), n_rows, as_of, formats)
    for col, choices in sheet.validation.items():
        if n_rows:
            worksheet.data_validation(
                1,
                col,
                n_rows,
                col,
                {
                    "validate": "list",
                    "source": choices,
                    "ignore_blank": True,
                },
            )


def print_setup(worksheet: Worksheet, *, pages_wide: int | None = None) -> None:
    """Printing as a careful analyst sets it up: A4 landscape, the header row (and the first two
    columns, which name the customer) repeated on every page, gridlines printed so a row can be
    followed across the page, page numbers in the footer; ``pages_wide`` fits all columns into
    that many page widths (two keep the rep lists at a readable ~65%, one would be ~35%)."""
    worksheet.set_landscape()
    worksheet.set_paper(9)  # A4
    worksheet.repeat_rows(0)
    worksheet.repeat_columns(0, 1)
    worksheet.hide_gridlines(0)
    worksheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    worksheet.set_footer("&C&P / &N")
    if pages_wide:
        worksheet.fit_to_pages(pages_wide, 0)


def _table_column(sheet: Sheet, col: int, formats: Formats, has_totals: bool) -> dict[str, Any]:
    spec: dict[str, Any] = {"header": sheet.headers[col], "header_format": formats.header}
    num_format = sheet.formats[col]
    if num_format or col in sheet.editable:
        spec["format"] = formats.get(num_format, unlocked=col in sheet.editable)
    total = sheet.totals.get(col) if has_totals else None
    if total is None or total.value is None:
        return spec
    if total.function is None:
        spec["total_string"] = str(total.value)
    else:
        spec["total_function"] = total.function
        spec["total_value"] = total.value
    return spec


def _write_cells(
    worksheet: Worksheet, row: int, col: int, rows: Iterable[list[Cell]], formats: Formats
) -> None:
    for r, cells in enumerate(rows, start=row):
        for c, cell in enumerate(cells, start=col):
            fmt = formats.get(cell.num_format, cell.bold)
            if cell.url:
                worksheet.write_url(r, c, cell.url, formats.link, string=str(cell.value))
            elif cell.value is not None:
                worksheet.write(r, c, cell.value, fmt)


def _write_body(
    worksheet: Worksheet,
    sheet: Sheet,
    formats: Formats,
    *,
    totals_row: bool,
    tally: Tally | None = None,
    until: int | None = None,
) -> None:
    """Data rows (those before ``until``), then the totals row (without a table), then any
    cells beside left over.

    Everything goes strictly in row order: constant_memory mode flushes a row as soon as a later
    one is written. Only rows with links or cells beside them take the slower path, row by row.
    """
    n_rows, beside_col = len(sheet.rows), len(sheet.columns) + 1
    stop = n_rows if until is None else min(until, n_rows)
    slow = min(stop, max(len(sheet.beside) - 1, n_rows if sheet.urls else 0))
    for start, chunk in sheet.rows.chunks(0, slow):
        for offset in range(len(chunk[0].values) if chunk else 0):
            r = start + offset + 1
            feed(worksheet, [c.take(slice(offset, offset + 1)) for c in chunk], r, formats.quoted)
            for col, urls in sheet.urls.items():
                if urls[r - 1]:
                    text = str(chunk[col].values[offset])
                    worksheet.write_url(r, col, urls[r - 1], formats.link, string=text)
            _write_cells(worksheet, r, beside_col, sheet.beside[r : r + 1], formats)
    if tally and slow:
        tally(slow)
    for start, chunk in sheet.rows.chunks(slow, stop):
        feed(worksheet, chunk, start + 1, formats.quoted)
        if tally and chunk:
            tally(len(chunk[0].values))
    if totals_row:
        _write_totals(worksheet, sheet, n_rows + 1, formats)
    _write_cells(worksheet, n_rows + 1, beside_col, sheet.beside[n_rows + 1 :], formats)


def _write_totals(worksheet: Worksheet, sheet: Sheet, row: int, formats: Formats) -> None:
    for col, total in sheet.totals.items():
        fmt = formats.get(sheet.formats[col], bold=True)
        if total.function is None:
            if total.value is not None:
                worksheet.write(row, col, total.value, fmt)
            continue
        formula = total.function
        if formula in _SUBTOTAL:
            # SUBTOTAL ignores rows hidden by the filter, like a table's totals row.
            span = f"{xl_rowcol_to_cell(1, col)}:{xl_rowcol_to_cell(row - 1, col)}"
            formula = f"=SUBTOTAL({_SUBTOTAL[formula]},{span})"
        worksheet.write_formula(row, col, formula, fmt, total.value)


def _due_colours(
    worksheet: Worksheet, col: int, n_rows: int, as_of: datetime, formats: Formats
) -> None:
    now = excel_serial_of(as_of)
    first = xl_rowcol_to_cell(1, col, row_abs=False, col_abs=True)
    # Formula rules, not "cell < value": a blank due date would otherwise count as 0 = overdue.
    rules = (
        (f"=AND(ISNUMBER({first}),{first}<{now!r})", formats.red),
        (f"=AND(ISNUMBER({first}),{first}>={now!r},{first}<{now + 1!r})", formats.amber),
    )
    for formula, fmt in rules:
        worksheet.conditional_format(
            1,
            col,
            n_rows,
            col,
            {
                "type": "formula",
                "criteria": formula,
                "format": fmt,
                "stop_if_true": True,
            },
        )
