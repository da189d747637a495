"""``--write-back``: a copy of the input workbook with the results in it (SPEC §4).

The copy, ``<input stem>.allocated.xlsx`` in the output folder, is the input as openpyxl reads
it, plus the result sheets of the manager workbook (same sheet names, columns and frames: Summary,
Assignments, Unassigned, Exceptions, Conflicts, Changes, Run) and the owner column of the
customer sheet filled with each row's owner after the run. The input itself is only ever read.

openpyxl keeps every cell of every sheet in memory and writes it back one by one, so the copy
costs far more than the XlsxWriter outputs: it is meant for the normal weekly book of a team
(tens of thousands of rows), not for the million-row case (see the README for measured times).

Pure part: :func:`result_tables` and :func:`owner_updates` build what goes in; the openpyxl I/O is
:func:`write_back_copy`; :func:`check_write_back` decides before anything is written whether
the input can be copied without losing content (:mod:`allocator.writeback_features`).
"""

from __future__ import annotations

import hashlib
import io
import warnings
import zipfile
from collections.abc import Callable
from copy import copy
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .errors import OutputError, WriteBackFormatError, WriteBackRefusedError
from .export.display import Columns, display_columns, number_format, unique_headers
from .export.files import OutputSet
from .export.manager import FIXED_SHEETS
from .export.names import safe_sheet_name
from .export.rows import FORMULA_LEADS, column_width
from .export.run_sheet import run_columns
from .i18n import column_label, sheet_label, t
from .model import Allocation, RawSheet, RawWorkbook
from .writeback_features import LostFeature, describe, lost_features, read_package

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "RESULT_SHEETS",
    "WRITE_BACK_FORMATS",
    "ResultTable",
    "WriteBackResult",
    "check_write_back",
    "copy_name",
    "owner_updates",
    "result_tables",
    "write_back_copy",
]

WRITE_BACK_FORMATS = frozenset({"xlsx", "xlsm"})
RESULT_SHEETS = FIXED_SHEETS
"""The manager workbook's sheets, without the per-rep ones (the Assignments filter serves)."""
TABLE_STYLE = "TableStyleMedium2"
TEXT_PREFIXES = FORMULA_LEADS
"""Text starting with these would be read as a formula when a user edits the cell."""
_RED = ("FFC7CE", "9C0006")
_AMBER = ("FFEB9C", "9C5700")


# --- pure: what goes in ------------------------------------------------------------------------


def copy_name(input_path: Path | str) -> str:
    """``客户分配.xlsm`` → ``客户分配.allocated.xlsx`` (macros are never carried over)."""
    return f"{Path(input_path).stem}.allocated.xlsx"


@dataclass(frozen=True)
class ResultTable:
    """One result sheet as it will be written: canonical key, columns as shown, formats."""

    key: str
    """Canonical sheet name (``Assignments``); its label comes from :data:`SHEET_NAMES`."""
    columns: Columns
    headers: list[str]
    formats: list[str | None]
    widths: list[float]
    due_column: int | None = None
    """Position of ``due_by``, coloured against the run time (past red, within 24 h amber)."""


def _table(key: str, columns: Columns, lang: str) -> ResultTable:
    names = list(columns)
    headers = unique_headers(lang, names)
    formats = [number_format(name, columns[name]) for name in names]
    widths = [
        column_width(header, columns[name], fmt)
        for header, name, fmt in zip(headers, names, formats, strict=True)
    ]
    due = names.index("due_by") if "due_by" in names else None
    return ResultTable(key, columns, headers, formats, widths, due)


def result_tables(allocation: Allocation, lang: str) -> list[ResultTable]:
    """The result sheets, built from the same frames and display columns as ``assignments.xlsx``.

    Contacts are not masked: the copy holds the input's customer sheet with every contact anyway.
    """
    frames: list[tuple[str, pd.DataFrame, bool]] = [
        ("Summary", allocation.reps, True),
        ("Assignments", allocation.assignments, True),
        ("Unassigned", allocation.unassigned, True),
        ("Exceptions", allocation.exceptions, False),
        ("Conflicts", allocation.conflicts, True),
        ("Changes", allocation.changes, True),
    ]
    tables = [
        _table(key, display_columns(frame.reset_index(drop=True), lang, translate=translate), lang)
        for key, frame, translate in frames
    ]
    tables.append(_table("Run", run_columns(allocation, lang), lang))
    return tables


def _uses_rep_ids(raw_owner: pd.Series | None, reps: pd.DataFrame) -> bool:
    """Whether the input names owners by 工号 rather than by name (the copy follows the input)."""
    if raw_owner is None or "rep_id" not in reps.columns or "name" not in reps.columns:
        return False
    given = raw_owner.dropna().astype(str).str.strip()
    by_id = int(given.isin(set(reps["rep_id"].astype(str))).sum())
    by_name = int(given.isin(set(reps["name"].astype(str))).sum())
    return by_id > by_name


def owner_updates(allocation: Allocation, raw_owner: pd.Series | None) -> pd.Series:
    """Excel row → the owner to write in the customer sheet (None: in the pool, cleared).

    Assigned rows get their owner (by 工号 when the input's owner column mostly holds 工号, else
    by name); unassigned rows are cleared; rows in Exceptions are not touched (not in the
    result). ``raw_owner`` is the input's owner column as read, or None when it has none.
    """
    column = "owner_id" if _uses_rep_ids(raw_owner, allocation.reps) else "owner"
    assigned = allocation.assignments
    owners = assigned[column] if column in assigned.columns else pd.Series(index=assigned.index)
    values = owners.astype(object).where(owners.notna(), None)
    rows = [assigned["source_row"], allocation.unassigned["source_row"]]
    updates = pd.Series(
        np.concatenate([values.to_numpy(object), np.full(len(rows[1]), None, dtype=object)]),
        index=pd.Index(np.concatenate([r.to_numpy(dtype=np.int64) for r in rows]), name="row"),
        dtype=object,
    )
    return updates.sort_index()


def _illegal_characters() -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return str(ILLEGAL_CHARACTERS_RE.pattern)


def cell_values(series: pd.Series, first_date: datetime) -> list[object]:
    """One column as values openpyxl writes: missing → None, dates before ``first_date`` (the
    workbook's epoch cannot count them) as text, control characters Excel refuses removed."""
    dtype = series.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        if getattr(series.dt, "tz", None) is not None:
            series = series.dt.tz_localize(None)
        values = series.astype(object).where(series.notna(), None)
        early = (series < pd.Timestamp(first_date)).to_numpy(dtype=bool)
        if early.any():
            values[early] = series[early].dt.strftime("%Y-%m-%d %H:%M:%S")
        return values.tolist()
    if pd.api.types.is_float_dtype(dtype):
        numbers = series.to_numpy(dtype=float, na_value=np.nan)
        out = numbers.astype(object)
        out[np.isnan(numbers)] = None
        return out.tolist()
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        return series.tolist()
    values = series.astype(object)
    values = values.where(values.notna(), None)
    pattern = _illegal_characters()
    illegal = _text_mask(values, lambda text: text.str.contains(pattern, regex=True, na=False))
    if illegal.any():
        values[illegal] = values[illegal].str.replace(pattern, "", regex=True)
    return values.tolist()


def _text_mask(series: pd.Series, test: Callable[[pd.Series], pd.Series]) -> np.ndarray:
    """``test`` over the text values of a column (False for numbers, dates and blanks)."""
    if not (series.dtype == object or isinstance(series.dtype, pd.StringDtype)):
        return np.zeros(len(series), dtype=bool)
    try:
        return test(series).to_numpy(dtype=bool)
    except AttributeError:  # an object column without a single str: pandas refuses ``.str``
        return np.zeros(len(series), dtype=bool)


def text_like_formulas(series: pd.Series) -> np.ndarray:
    """Positions of text values starting with ``= + - @`` (written with a quote prefix)."""
    hits = _text_mask(series, lambda text: text.str.startswith(TEXT_PREFIXES, na=False))
    return np.flatnonzero(hits)


# --- checks before anything is computed or written ----------------------------------------------


MERGED_CELLS_MAX = 1_000_000
"""Merged cells per sheet beyond which no copy is attempted."""


def check_write_back(book: RawWorkbook, *, lang: str, force: bool) -> tuple[LostFeature, ...]:
    """What the copy of ``book`` would lose; raises unless the copy can be made.

    :class:`WriteBackFormatError` for anything but an xlsx/xlsm workbook;
    :class:`WriteBackRefusedError` when content would be lost and not ``force``.
    """
    path = Path(book.path)
    if book.format not in WRITE_BACK_FORMATS:
        raise WriteBackFormatError(
            t(lang, "wb_unsupported_format", path=path.name, format=book.format)
        )
    try:
        parts = read_package(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise WriteBackFormatError(
            t(lang, "wb_unsupported_format", path=path.name, format=f"{book.format} ({exc})")
        ) from None
    if "xl/workbook.xml" not in parts.names:  # an .ods renamed to .xlsx, say
        raise WriteBackFormatError(
            t(lang, "wb_unsupported_format", path=path.name, format="OpenDocument/zip")
        )
    for part, cells in parts.merged_cells.items():
        if cells > MERGED_CELLS_MAX:
            # openpyxl (not read-only: it must write) creates an object per merged cell; one
            # range over the grid would exhaust memory, --force or not.
            raise WriteBackRefusedError(
                t(
                    lang,
                    "wb_merged_too_large",
                    path=path.name,
                    sheet=parts.sheets.get(part, part),
                    cells=f"{cells:,}",
                )
            )
    lost = lost_features(parts)
    if lost and not force:
        raise WriteBackRefusedError(
            t(
                lang,
                "wb_refused",
                copy=copy_name(path),
                path=path.name,
                features=describe(lost, lang),
            )
        )
    return lost


def lost_warning(book: RawWorkbook, lost: tuple[LostFeature, ...], lang: str) -> str:
    """The warning printed when ``--force`` writes a copy without ``lost``."""
    return t(lang, "wb_lost", copy=copy_name(book.path), features=describe(lost, lang))


# --- the openpyxl I/O ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WriteBackResult:
    path: Path
    warnings: tuple[str, ...] = ()


def _load(book: RawWorkbook, lang: str) -> Workbook:
    """The input as openpyxl reads it, from the very bytes the run read (hash checked)."""
    from openpyxl import load_workbook

    path = Path(book.path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise OutputError(
            t(lang, "wb_unreadable", path=path.name, why=exc.strerror or exc)
        ) from None
    if hashlib.sha256(data).hexdigest() != book.sha256:
        raise OutputError(t(lang, "wb_changed", path=path.name))
    try:
        with warnings.catch_warnings():
            # openpyxl warns about each extension it drops: check_write_back has said it once.
            warnings.simplefilter("ignore")
            return load_workbook(io.BytesIO(data), rich_text=True, keep_links=True)
    except Exception as exc:  # openpyxl raises anything from KeyError to TypeError on odd XML
        why = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise OutputError(t(lang, "wb_unreadable", path=path.name, why=why)) from None


def _as_text(cell: Cell, value: str) -> None:
    """Keep ``value`` (a str from the input or a result) text: never a formula when opened or
    edited."""
    cell.value = value
    cell.data_type = "s"
    cell.quotePrefix = True


def _table_name(key: str, taken: set[str]) -> str:
    base = f"allocator_{key}"
    name, counter = base, 1
    while name.casefold() in taken:
        counter += 1
        name = f"{base}_{counter}"
    taken.add(name.casefold())
    return name


def _add_result_sheet(
    workbook: Workbook,
    title: str,
    table: ResultTable,
    table_name: str,
    due_serial: float,
    first_date: datetime,
) -> None:
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import Table, TableStyleInfo

    ws = workbook.create_sheet(title)
    series = list(table.columns.values())
    n_rows, n_cols = (len(series[0]) if series else 0), len(series)
    ws.append(table.headers)
    for col, header in enumerate(table.headers, start=1):
        if header.startswith(TEXT_PREFIXES):
            _as_text(ws.cell(1, col), header)
    for row in zip(*(cell_values(s, first_date) for s in series), strict=True):
        ws.append(row)
    for col, values in enumerate(series, start=1):
        for position in text_like_formulas(values).tolist():
            cell = ws.cell(position + 2, col)
            _as_text(cell, str(cell.value))
        num_format = table.formats[col - 1]
        if num_format and n_rows:
            for (cell,) in ws.iter_rows(min_row=2, max_row=n_rows + 1, min_col=col, max_col=col):
                if cell.value is not None and not isinstance(cell.value, str):
                    cell.number_format = num_format
        ws.column_dimensions[get_column_letter(col)].width = table.widths[col - 1]
    ws.freeze_panes = "A2"
    _print_setup(ws)
    if n_cols:
        # An Excel table needs a data row: an empty sheet shows one blank row under the header.
        ref = f"A1:{get_column_letter(n_cols)}{max(n_rows, 1) + 1}"
        excel_table = Table(displayName=table_name, ref=ref)
        excel_table.tableStyleInfo = TableStyleInfo(name=TABLE_STYLE, showRowStripes=True)
        ws.add_table(excel_table)
    if table.due_column is not None and n_rows:
        letter = get_column_letter(table.due_column + 1)
        first, area = f"${letter}2", f"{letter}2:{letter}{n_rows + 1}"
        # Formula rules: a blank due date would count as 0, i.e. overdue, with "cell < value".
        rules = (
            (f"AND(ISNUMBER({first}),{first}<{due_serial!r})", _RED),
            (
                f"AND(ISNUMBER({first}),{first}>={due_serial!r},{first}<{due_serial + 1!r})",
                _AMBER,
            ),
        )
        for formula, (fill, font) in rules:
            ws.conditional_formatting.add(
                area,
                FormulaRule(
                    formula=[formula],
                    fill=PatternFill(start_color=fill, end_color=fill, fill_type="solid"),
                    font=Font(color=font),
                    stopIfTrue=True,
                ),
            )


def _print_setup(ws: Worksheet) -> None:
    """As the manager workbook prints: A4 landscape, header row on every page, page numbers."""
    from openpyxl.worksheet.page import PageMargins

    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4
    ws.print_title_rows = "1:1"
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    footer = ws.oddFooter
    if footer is not None:  # always there in openpyxl; Optional in its stubs
        footer.center.text = "&P / &N"


def _extend_tables(ws: Worksheet, header_row: int, col: int, header: str) -> None:
    """A table or filter ending just left of the appended owner column now includes it."""
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.cell import range_boundaries
    from openpyxl.worksheet.table import TableColumn

    def widened(ref: str) -> str | None:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        if min_col is None or min_row != header_row or max_col != col - 1 or max_row is None:
            return None
        return f"{get_column_letter(min_col)}{min_row}:{get_column_letter(col)}{max_row}"

    for table in ws.tables.values():
        new_ref = widened(table.ref)
        if new_ref is None or not table.headerRowCount:
            continue
        table.ref = new_ref
        next_id = max((c.id for c in table.tableColumns), default=0) + 1
        table.tableColumns.append(TableColumn(id=next_id, name=header))
        if table.autoFilter is not None:
            table.autoFilter.ref = new_ref
    auto_filter = ws.auto_filter
    if auto_filter.ref:
        new_ref = widened(auto_filter.ref)
        if new_ref is not None:
            auto_filter.ref = new_ref


def _copy_style(source: Any, target: Any) -> None:
    """``target`` looks like ``source`` (a bold, filled header row stays one). Copying
    ``_style`` is openpyxl's documented idiom; its type stubs do not know the attribute."""
    target._style = copy(source._style)


def _fill_owner(
    ws: Worksheet, sheet: RawSheet, updates: pd.Series, header: str, lang: str
) -> list[str]:
    """Write ``updates`` into the owner column (appended when the sheet has none)."""
    from openpyxl.cell.cell import Cell, MergedCell
    from openpyxl.utils import get_column_letter

    if "owner" in sheet.column_index:
        col = sheet.column_index["owner"] + 1
    else:
        col = ws.max_column + 1
        header_cell = ws.cell(sheet.header_row, col)
        header_cell.value = header
        left = ws.cell(sheet.header_row, col - 1) if col > 1 else None
        if isinstance(left, Cell) and isinstance(header_cell, Cell) and left.has_style:
            _copy_style(left, header_cell)
        width = column_width(header, updates.astype("string"), None)
        ws.column_dimensions[get_column_letter(col)].width = width
        _extend_tables(ws, sheet.header_row, col, header)
    merged: list[str] = []
    for row, value in zip(updates.index.tolist(), updates.tolist(), strict=True):
        cell = ws.cell(row, col)
        if isinstance(cell, MergedCell):
            merged.append(cell.coordinate)
        elif isinstance(value, str) and value.startswith(TEXT_PREFIXES):
            _as_text(cell, value)
        else:
            cell.value = value
    if not merged:
        return []
    return [t(lang, "wb_merged_owner", sheet=sheet.name, n=len(merged), cell=merged[0])]


def write_back_copy(
    book: RawWorkbook, allocation: Allocation, out_dir: Path, *, lang: str
) -> WriteBackResult:
    """Write ``<input stem>.allocated.xlsx`` into ``out_dir`` (atomically) and return its path.

    Result sheet names and headers are in ``lang``; an owner column appended to the customer
    sheet is headed in the input's own language. Raises :class:`OutputError` when openpyxl cannot
    read the input, the input changed since it was read, or the copy cannot be written (open in
    Excel: "close it in Excel").
    """
    from openpyxl.utils.datetime import to_excel

    workbook = _load(book, lang)
    epoch: datetime = workbook.epoch
    # Serial 61 (1900-03-01) is where Excel's 1900 calendar becomes right; 1904 starts at 0.
    first_date = datetime(1900, 3, 1) if epoch.year < 1904 else epoch
    customers = book.customers
    raw_owner = customers.frame["owner"] if "owner" in customers.frame.columns else None
    warnings_out = _fill_owner(
        workbook[customers.name],
        customers,
        owner_updates(allocation, raw_owner),
        column_label(book.language, "owner"),
        lang,
    )
    taken = set(workbook.sheetnames)
    table_names = {name.casefold() for ws in workbook.worksheets for name in ws.tables}
    table_names |= {name.casefold() for name in workbook.defined_names}
    due_serial = float(to_excel(allocation.run.as_of.replace(tzinfo=None), epoch))
    for table in result_tables(allocation, lang):
        title = safe_sheet_name(sheet_label(lang, table.key), taken)
        name = _table_name(table.key, table_names)
        _add_result_sheet(workbook, title, table, name, due_serial, first_date)
    target = Path(out_dir) / copy_name(book.path)
    outputs = OutputSet(Path(out_dir))
    with outputs.target(target) as temp:
        workbook.save(temp)
    outputs.raise_if_locked()
    return WriteBackResult(path=target, warnings=tuple(warnings_out))
