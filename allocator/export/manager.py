"""The manager workbook ``assignments.xlsx``: Summary, Assignments, one sheet per rep, Unassigned,
Exceptions, Conflicts, Changes and Run (SPEC §4)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pandas as pd
from xlsxwriter.utility import xl_rowcol_to_cell

from ..fairness import RECEIVED, fairness
from ..i18n import sheet_label
from ..model import Allocation
from ..settings import OutputSettings
from .display import Columns, display_columns, unique_headers
from .grouping import group_by_owner
from .labels import label
from .names import safe_sheet_name
from .rows import Block
from .run_sheet import run_columns
from .sheets import (
    Cell,
    Formats,
    Sheet,
    Total,
    close_workbook,
    open_workbook,
    prepare,
    print_setup,
    write_sheet,
)

__all__ = ["fairness_rows", "rep_sheet_names", "write_manager_workbook"]

FIXED_SHEETS = ("Summary", "Assignments", "Unassigned", "Exceptions", "Conflicts", "Changes", "Run")
_NOT_SUMMED = frozenset({"capacity_used", "rep_id", "weight"})


def rep_sheet_names(reps: pd.DataFrame, lang: str, settings: OutputSettings) -> list[str]:
    """One safe, unique sheet name per rep, or none above ``output.rep_sheets_max`` reps."""
    if reps.empty or len(reps) > settings.rep_sheets_max:
        return []
    taken = {sheet_label(lang, name) for name in FIXED_SHEETS}
    return [safe_sheet_name(str(name), taken) for name in reps["name"].tolist()]


def _internal(sheet: str) -> str:
    return "internal:'" + sheet.replace("'", "''") + "'!A1"


def fairness_rows(reps: pd.DataFrame) -> list[tuple[str, float | None, str]]:
    """(label key, figure, number format) for the fairness block beside the Summary table."""
    figures = fairness(reps)
    rows: list[tuple[str, float | None, str]] = [
        ("active_reps", float(figures.reps_counted), "0"),
        ("gini_value", figures.gini_value, "0.00"),
        ("gini_load", figures.gini_load, "0.00"),
    ]
    if figures.share_max is not None:
        rows += [("share_max", figures.share_max, "0.00"), ("share_min", figures.share_min, "0.00")]
    return rows


def _summary_sheet(reps: pd.DataFrame, lang: str, rep_sheets: list[str]) -> Sheet:
    columns: Columns = display_columns(reps, lang)
    urls: dict[int, list[str | None]] = {}
    if rep_sheets:
        columns["sheet"] = reps["name"].astype(object)
        urls[len(columns) - 1] = [_internal(name) for name in rep_sheets]
    names = list(columns)
    totals: dict[int, Total] = {0: Total(label(lang, "total"))} if names else {}
    for col, name in enumerate(names):
        series = reps[name] if name in reps.columns else None
        if (
            col
            and name not in _NOT_SUMMED
            and series is not None
            and pd.api.types.is_numeric_dtype(series.dtype)
            and not pd.api.types.is_bool_dtype(series.dtype)
        ):
            totals[col] = Total(float(series.sum()), "sum")
    if "capacity_used" in names and "capacity" in names and not reps.empty:
        row = len(reps) + 1
        fresh = [names.index(c) for c in RECEIVED if c in names]
        capacity = float(reps["capacity"].sum())
        received = float(reps[[c for c in RECEIVED if c in reps.columns]].to_numpy().sum())
        used = received / capacity if capacity else 0.0
        numerator = "+".join(xl_rowcol_to_cell(row, c) for c in fresh) or "0"
        denominator = xl_rowcol_to_cell(row, names.index("capacity"))
        totals[names.index("capacity_used")] = Total(
            float(used), f"=IFERROR(({numerator})/{denominator},0)"
        )
    beside = [[Cell(label(lang, "fairness"), bold=True)]]
    beside += [
        [Cell(label(lang, key)), Cell(value, fmt)] for key, value, fmt in fairness_rows(reps)
    ]
    return prepare(columns, unique_headers(lang, names), totals=totals, urls=urls, beside=beside)


def _largest(allocation: Allocation) -> int:
    frames = (
        allocation.assignments,
        allocation.unassigned,
        allocation.exceptions,
        allocation.conflicts,
        allocation.changes,
        allocation.reps,
    )
    return max(len(frame) for frame in frames)


class _Tally:
    """Rows fed so far → the first half of the progress."""

    def __init__(self, total: int, progress: Callable[[float], None] | None) -> None:
        self._total = max(total, 1)
        self._done = 0
        self._progress = progress

    def __call__(self, rows: int) -> None:
        self._done += rows
        if self._progress:
            self._progress(0.5 * min(self._done / self._total, 1.0))


def _rows_to_write(allocation: Allocation, rep_sheets: int) -> int:
    frames = (
        allocation.unassigned,
        allocation.exceptions,
        allocation.conflicts,
        allocation.changes,
    )
    assigned = len(allocation.assignments) * (2 if rep_sheets else 1)
    return assigned + sum(len(frame) for frame in frames)


def write_manager_workbook(
    allocation: Allocation,
    path: Path,
    *,
    lang: str,
    settings: OutputSettings,
    progress: Callable[[float], None] | None = None,
) -> None:
    """Write the manager workbook to ``path`` (the caller renames it into place).

    ``progress`` is told the fraction done: rows fed count for the first half, XlsxWriter's
    assembling of the file on close for the rest."""
    labels = {name: sheet_label(lang, name) for name in FIXED_SHEETS}
    reps = allocation.reps.reset_index(drop=True)
    rep_sheets = rep_sheet_names(reps, lang, settings)
    # XlsxWriter refuses tables in constant_memory mode, which only pays off for huge sheets.
    big = _largest(allocation) > settings.table_rows_max
    workbook = open_workbook(path, constant_memory=big)
    formats = Formats(workbook)
    order = ["Summary", "Assignments", *[None] * len(rep_sheets), *FIXED_SHEETS[2:]]
    names = [labels[key] if key else "" for key in order]
    names[2 : 2 + len(rep_sheets)] = rep_sheets
    sheets = {name: workbook.add_worksheet(name) for name in names}
    as_of = allocation.run.as_of
    as_table = not big
    tally = _Tally(_rows_to_write(allocation, len(rep_sheets)), progress)

    summary = _summary_sheet(reps, lang, rep_sheets)
    write_sheet(sheets[labels["Summary"]], summary, formats, as_table=as_table)
    sheets[labels["Summary"]].set_column(len(summary.columns) + 1, len(summary.columns) + 1, 30)

    mask = settings.mask_contacts
    assignments = allocation.assignments.reset_index(drop=True)
    columns = display_columns(assignments, lang, mask=mask)
    headers = unique_headers(lang, columns)
    # With rep sheets the rows are converted once and every rep sheet takes its slice of them;
    # without, they are converted a chunk at a time as they are written.
    sheet = prepare(columns, headers, chunked=not rep_sheets, due_column="due_by")
    write_sheet(
        sheets[labels["Assignments"]],
        sheet,
        formats,
        as_table=as_table,
        as_of=as_of,
        tally=tally,
    )
    if rep_sheets:
        rows = sheet.rows
        assert isinstance(rows, Block)  # prepared unchunked just above
        groups = group_by_owner(assignments, reps)
        back = label(lang, "back", summary=labels["Summary"])
        link = [[Cell(back, url=_internal(labels["Summary"]))]]
        for rep, name in enumerate(rep_sheets):
            mine = rows.take(groups.positions[groups.slice(rep)])
            rep_sheet = replace(sheet, rows=mine, beside=link)
            write_sheet(
                sheets[name], rep_sheet, formats, as_table=as_table, as_of=as_of, tally=tally
            )
        del rows

    simple: list[tuple[str, pd.DataFrame, bool]] = [
        ("Unassigned", allocation.unassigned, True),
        ("Exceptions", allocation.exceptions, False),
        ("Conflicts", allocation.conflicts, True),
        ("Changes", allocation.changes, True),
    ]
    for key, frame, translate in simple:
        cols = display_columns(frame, lang, mask=mask, translate=translate)
        sheet = prepare(cols, unique_headers(lang, cols), chunked=True, due_column="due_by")
        write_sheet(
            sheets[labels[key]], sheet, formats, as_table=as_table, as_of=as_of, tally=tally
        )

    run = run_columns(allocation, lang)
    write_sheet(
        sheets[labels["Run"]], prepare(run, unique_headers(lang, run)), formats, as_table=as_table
    )
    for worksheet in sheets.values():
        print_setup(worksheet)
    close_workbook(workbook, path)
    if progress:
        progress(1.0)
