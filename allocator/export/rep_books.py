"""Per-rep workbooks ``reps/<rep>.xlsx``: the rep's open customers, full contacts, due dates and a
``status`` dropdown to fill in (SPEC §4)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from ..i18n import sheet_label, t
from ..model import Allocation
from ..settings import OutputSettings
from .display import display_columns, unique_headers
from .files import OutputSet, collect_garbage
from .grouping import group_by_owner
from .names import safe_file_name
from .rows import Block
from .sheets import (
    Formats,
    Sheet,
    close_workbook,
    open_workbook,
    prepare,
    print_setup,
    write_sheet,
)

__all__ = ["REP_COLUMNS", "RepBook", "plan_rep_books", "rep_book_cells", "write_rep_books"]

REP_COLUMNS = (
    "customer_id",
    "customer",
    "tier",
    "score",
    "reason",
    "due_by",
    "escalate_at",
    "overdue",
    "stage",
    "intent",
    "value",
    "industry",
    "region",
    "province",
    "city",
    "contact",
    "phone",
    "email",
    "source",
    "last_contact",
    "status",
    "notes",
)
STAGES = ("new", "contacted", "qualified", "proposal", "negotiation", "won", "lost")
CLOSED = ("won", "lost")
EDITABLE = ("status", "notes")
"""The columns a rep fills in; everything else is protected against accidental edits."""
NOTES_WIDTH = 40.0
PROTECTION = {
    # No password: protection guards against slips, not against the rep. Filtering, sorting and
    # resizing stay allowed so the rep can still work the list.
    "autofilter": True,
    "sort": True,
    "format_columns": True,
    "format_rows": True,
    "select_locked_cells": True,
    "select_unlocked_cells": True,
}
REPS_DIR = "reps"


@dataclass(frozen=True)
class RepBook:
    """One rep's workbook: where it goes and its rows (a slice of the shared converted rows)."""

    rep: str
    """The rep's name as in the Reps sheet."""
    path: Path
    """Relative to the output folder: ``reps/<safe name>.xlsx``."""
    sheet: Sheet


@dataclass(frozen=True)
class RepBooks:
    """Everything needed to write the per-rep workbooks, computed before anything is written."""

    books: list[RepBook]
    sheet_name: str
    as_of: datetime
    table_rows_max: int


def _is_open(assignments: pd.DataFrame) -> np.ndarray:
    if "stage" not in assignments.columns:
        return np.ones(len(assignments), dtype=bool)
    return ~assignments["stage"].isin(CLOSED).to_numpy()


def rep_book_cells(allocation: Allocation) -> int:
    """Roughly how many cells the per-rep workbooks hold together (to share out the writing)."""
    present = sum(c in allocation.assignments.columns for c in REP_COLUMNS)
    return int(_is_open(allocation.assignments).sum()) * max(present, 1)


def plan_rep_books(allocation: Allocation, *, lang: str, settings: OutputSettings) -> RepBooks:
    """The per-rep workbooks to write: one per rep with at least one open customer.

    The open rows of all reps are converted in one pass, in the order of one stable sort by
    owner; each book holds a slice of that array.
    """
    assignments = allocation.assignments.reset_index(drop=True)
    reps = allocation.reps.reset_index(drop=True)
    groups = group_by_owner(assignments, reps, keep=_is_open(assignments))
    wanted = [c for c in REP_COLUMNS if c in assignments.columns]
    subset = assignments[wanted].iloc[groups.positions]
    columns = display_columns(subset, lang, columns=REP_COLUMNS)
    template = prepare(
        columns,
        unique_headers(lang, columns),
        due_column="due_by",
        validation={REP_COLUMNS.index("status"): [t(lang, f"stage_{s}") for s in STAGES]},
        editable=frozenset(REP_COLUMNS.index(c) for c in EDITABLE),
    )
    widths = list(template.widths)
    widths[REP_COLUMNS.index("notes")] = NOTES_WIDTH  # room to write in, not fitted to blanks
    template = replace(template, widths=widths)
    rows = template.rows
    assert isinstance(rows, Block)  # prepared unchunked just above
    taken: set[str] = set()
    books: list[RepBook] = []
    names = reps["name"].astype(str).tolist() if "name" in reps.columns else []
    for rep, size in enumerate(groups.sizes()):
        if size == 0:
            continue
        stem = safe_file_name(names[rep], taken)
        sheet = replace(template, rows=rows.take(groups.slice(rep)))
        books.append(RepBook(rep=names[rep], path=Path(REPS_DIR) / f"{stem}.xlsx", sheet=sheet))
    return RepBooks(
        books=books,
        sheet_name=sheet_label(lang, "Assignments"),
        as_of=allocation.run.as_of,
        table_rows_max=settings.table_rows_max,
    )


def write_rep_books(plan: RepBooks, outputs: OutputSet) -> None:
    """Write every planned workbook into ``outputs.out_dir`` (atomically, one by one)."""
    for book in plan.books:
        _write_book(book, plan, outputs)
        collect_garbage()


def _write_book(book: RepBook, plan: RepBooks, outputs: OutputSet) -> None:
    target = outputs.out_dir / book.path
    big = len(book.sheet.rows) > plan.table_rows_max
    with outputs.target(target) as temp:
        # Small books are assembled in memory: a dozen temporary files per book cost more
        # than writing the book itself.
        workbook = open_workbook(temp, constant_memory=big, in_memory=not big, created=plan.as_of)
        worksheet = workbook.add_worksheet(plan.sheet_name)
        write_sheet(worksheet, book.sheet, Formats(workbook), as_table=not big, as_of=plan.as_of)
        worksheet.protect("", PROTECTION)
        print_setup(worksheet, pages_wide=2)
        close_workbook(workbook, target)
