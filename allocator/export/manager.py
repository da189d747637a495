"""The manager workbook ``assignments.xlsx``: Summary, Assignments, one sheet per rep, Unassigned,
Exceptions, Conflicts, Changes and Run (SPEC §4)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

import pandas as pd
from xlsxwriter.utility import xl_rowcol_to_cell

from ..errors import InternalError
from ..fairness import RECEIVED, fairness
from ..i18n import sheet_label
from ..model import Allocation
from ..settings import OutputSettings
from .apart import (
    CLOSE_WEIGHT,
    REP_BOOK_WEIGHT,
    RowData,
    Share,
    append_rows,
    balance,
    discard_rows,
    pin_formats,
    write_rows_apart,
)
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

__all__ = ["ManagerWorkbook", "fairness_rows", "rep_sheet_names"]

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


SIMPLE_SHEETS: tuple[tuple[str, str, bool], ...] = (
    ("Unassigned", "unassigned", True),
    ("Exceptions", "exceptions", False),
    ("Conflicts", "conflicts", True),
    ("Changes", "changes", True),
)
"""(sheet, Allocation field, translate codes): the sheets that are one frame each, as it is."""


class ManagerWorkbook:
    """The manager workbook, opened and laid out before any cell is written, so that a forked
    writer can produce the last rows of its big plain sheets (:meth:`write_apart`) while this
    process writes the rest (:meth:`write`)."""

    def __init__(
        self, allocation: Allocation, path: Path, *, lang: str, settings: OutputSettings
    ) -> None:
        self.allocation, self.path, self.lang, self.settings = allocation, path, lang, settings
        self.labels = {name: sheet_label(lang, name) for name in FIXED_SHEETS}
        self.reps = allocation.reps.reset_index(drop=True)
        self.rep_sheets = rep_sheet_names(self.reps, lang, settings)
        self.frames: dict[str, tuple[pd.DataFrame, bool]] = {
            "Assignments": (allocation.assignments.reset_index(drop=True), True),
            **{
                key: (getattr(allocation, field_name), translate)
                for key, field_name, translate in SIMPLE_SHEETS
            },
        }
        largest = max(len(self.reps), *(len(frame) for frame, _ in self.frames.values()))
        # XlsxWriter refuses tables in constant_memory mode, which only pays off for huge sheets.
        self.constant_memory = largest > settings.table_rows_max
        self.workbook = open_workbook(
            path, constant_memory=self.constant_memory, created=allocation.run.as_of
        )
        self.formats = Formats(self.workbook)
        order = ["Summary", "Assignments", *[None] * len(self.rep_sheets), *FIXED_SHEETS[2:]]
        names = [self.labels[key] if key else "" for key in order]
        names[2 : 2 + len(self.rep_sheets)] = self.rep_sheets
        self.sheets = {name: self.workbook.add_worksheet(name) for name in names}
        # Numbered now, whether or not another process writes some rows: the workbook's bytes
        # never depend on who wrote what.
        pin_formats(self.workbook, self.formats)

    def _counted(self, per_sheet: dict[str, int]) -> int:
        """The sum of a plain-sheet figure, Assignments twice when rep sheets repeat its rows."""
        return sum(per_sheet.values()) + (per_sheet["Assignments"] if self.rep_sheets else 0)

    def _plain(self, key: str, rows: slice = slice(None), *, chunked: bool = True) -> Sheet:
        """Plain sheet ``key`` (the frame's ``rows``) as shown: display columns, formats."""
        frame, translate = self.frames[key]
        columns = display_columns(
            frame.iloc[rows], self.lang, mask=self.settings.mask_contacts, translate=translate
        )
        return prepare(
            columns, unique_headers(self.lang, columns), chunked=chunked, due_column="due_by"
        )

    def share(self, rep_book_cells: int) -> Share:
        """What the second process should write of this workbook before the ``rep_book_cells``
        cells of the per-rep workbooks, so that both finish about together: the ends of the
        plain sheets (smallest first, Assignments last), only when they are streamed."""
        if not self.constant_memory:
            return Share()
        sizes = {key: frame.shape for key, (frame, _) in self.frames.items()}
        total = self._counted({key: rows * width for key, (rows, width) in sizes.items()})
        movable = sorted(
            ((key, rows, width) for key, (rows, width) in sizes.items() if key != "Assignments"),
            key=lambda item: (item[1] * item[2], item[0]),
        )
        movable.append(("Assignments", *sizes["Assignments"]))
        return balance(total * (1 + CLOSE_WEIGHT), rep_book_cells * REP_BOOK_WEIGHT, movable)

    def abandon(self) -> None:
        """Give the workbook up after a failure: its streamed rows' temporary files are deleted
        (at a million rows they hold a gigabyte) and nothing is written."""
        self.workbook.fileclosed = True  # no "close() not called" warning from XlsxWriter
        for worksheet in self.workbook.worksheets():
            if worksheet.row_data_filename is None:
                continue
            with contextlib.suppress(OSError):
                worksheet.row_data_fh.close()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(worksheet.row_data_filename)

    def write_apart(self, share: Share) -> dict[str, RowData]:
        """In the forked writer: the rows ``share`` gives it, one file per sheet."""
        return {
            key: write_rows_apart(
                self.workbook, self._plain(key, slice(start, None)), self.formats, first_row=start
            )
            for key, start in share.tails
        }

    def write(
        self,
        *,
        progress: Callable[[float], None] | None = None,
        share: Share | None = None,
        rows_apart: Callable[[], Mapping[str, RowData]] | None = None,
    ) -> None:
        """Write every sheet and close the workbook; the rows that ``share`` gives the other
        process come from ``rows_apart``, called once they are needed.

        ``progress`` is told the fraction done: rows fed count for the first half, XlsxWriter's
        assembling of the file on close for the rest."""
        share = share or Share()
        allocation, lang, labels, sheets = self.allocation, self.lang, self.labels, self.sheets
        formats, rep_sheets = self.formats, self.rep_sheets
        as_of = allocation.run.as_of
        as_table = not self.constant_memory
        elsewhere = sum(len(self.frames[key][0]) - start for key, start in share.tails)
        to_write = self._counted({key: len(frame) for key, (frame, _) in self.frames.items()})
        tally = _Tally(to_write - elsewhere, progress)
        received: dict[str, RowData] = {}

        def plain(key: str, sheet: Sheet) -> None:
            worksheet, start = sheets[labels[key]], share.start(key)
            write_sheet(
                worksheet,
                sheet,
                formats,
                as_table=as_table,
                as_of=as_of,
                tally=tally,
                until=start,
            )
            if start is not None:
                if not received:
                    if rows_apart is None:
                        raise InternalError("rows were given to another process but none came")
                    received.update(rows_apart())
                append_rows(worksheet, received.pop(key))

        try:
            summary = _summary_sheet(self.reps, lang, rep_sheets)
            write_sheet(sheets[labels["Summary"]], summary, formats, as_table=as_table)
            sheets[labels["Summary"]].set_column(
                len(summary.columns) + 1, len(summary.columns) + 1, 30
            )
            # With rep sheets the rows are converted once and every rep sheet takes its slice
            # of them; without, they are converted a chunk at a time as they are written.
            assigned = self._plain("Assignments", chunked=not rep_sheets)
            plain("Assignments", assigned)
            if rep_sheets:
                assignments = self.frames["Assignments"][0]
                rows = assigned.rows
                assert isinstance(rows, Block)  # prepared unchunked when there are rep sheets
                groups = group_by_owner(assignments, self.reps)
                back = label(lang, "back", summary=labels["Summary"])
                link = [[Cell(back, url=_internal(labels["Summary"]))]]
                for rep, name in enumerate(rep_sheets):
                    mine = rows.take(groups.positions[groups.slice(rep)])
                    rep_sheet = replace(assigned, rows=mine, beside=link)
                    write_sheet(
                        sheets[name],
                        rep_sheet,
                        formats,
                        as_table=as_table,
                        as_of=as_of,
                        tally=tally,
                    )
                del rows
            del assigned
            for key, _, _ in SIMPLE_SHEETS:
                plain(key, self._plain(key))
            run = run_columns(allocation, lang)
            write_sheet(
                sheets[labels["Run"]],
                prepare(run, unique_headers(lang, run)),
                formats,
                as_table=as_table,
            )
            for worksheet in sheets.values():
                print_setup(worksheet)
            close_workbook(self.workbook, self.path)
        finally:
            discard_rows(received)  # only what an error left behind
        if progress:
            progress(1.0)
