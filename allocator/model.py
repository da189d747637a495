"""The values that flow between the steps: validated inputs and the allocation result."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import pandas as pd

from .errors import Issue

if TYPE_CHECKING:
    from .rules import Rule

__all__ = ["Allocation", "Inputs", "RawSheet", "RawWorkbook", "RunInfo"]


@dataclass(frozen=True)
class RawSheet:
    """One input sheet as read: canonical columns, untyped cell values, index = Excel row."""

    name: str
    """The sheet name as it appears in the workbook (used in cell references)."""
    frame: pd.DataFrame
    """Data rows below the header; canonical column names, then unknown columns by their header.
    Cells are str, float, int, bool, datetime or None; fully empty rows are already dropped."""
    header_row: int
    """Excel row number of the header row."""
    column_index: dict[str, int]
    """Column name (canonical or extra) → 0-based Excel column index, for cell references."""
    extras: tuple[str, ...] = ()
    """Unknown columns carried through to the outputs, in input order."""
    headers: dict[str, str] = field(default_factory=dict)
    """Column name → the header text as the user wrote it (for messages)."""
    date1904: bool = False
    """The workbook counts date serial numbers from 1904 (old Mac Excel)."""


@dataclass(frozen=True)
class RawWorkbook:
    """What :func:`allocator.workbook.read_workbook` found in the input file."""

    path: str
    sha256: str
    format: str
    """``xlsx``, ``csv``, …"""
    customers: RawSheet
    reps: RawSheet
    rules: RawSheet | None
    language: str
    """``zh`` or ``en``, guessed from the header texts (for ``language = "auto"``)."""
    issues: tuple[Issue, ...] = ()
    """Reading-level warnings (e.g. an extra column header duplicated)."""


@dataclass(frozen=True)
class Inputs:
    """Validated, typed input: only rows without row-level errors are allocated."""

    customers: pd.DataFrame
    """Typed customer rows (index = Excel row) that passed validation."""
    reps: pd.DataFrame
    """Typed reps, index = Excel row; ``rep_id`` unique."""
    rules: tuple[Rule, ...]
    """Enabled routing rules of the Rules sheet, in evaluation order (may be empty)."""
    exceptions: pd.DataFrame
    """Customer rows with row-level errors: their input values plus ``issue_codes``/``issues``."""
    issues: tuple[Issue, ...]
    """Every issue found (errors and warnings), in sheet/row/column order."""
    customer_extras: tuple[str, ...] = ()
    """Unknown customer columns carried through."""
    customer_sheet: str = "Customers"
    total_rows: int = 0
    """Number of customer data rows in the input (for the conservation check)."""


@dataclass(frozen=True)
class RunInfo:
    """What identifies a run, written to the ``Run`` sheet."""

    input_path: str
    input_sha256: str
    as_of: datetime
    strategy: str
    language: str
    version: str
    settings: dict[str, object] = field(default_factory=dict)
    settings_path: str | None = None


@dataclass(frozen=True)
class Allocation:
    """The result of :func:`allocator.allocate.allocate`; canonical column names throughout."""

    assignments: pd.DataFrame
    """Every customer row with an owner after the run (new, kept, reclaimed, closed, …), with
    ``owner``, ``owner_id``, ``previous_owner``, ``score``, ``tier``, ``reason_code``, ``reason``,
    ``due_by``, ``escalate_at``, ``overdue``, ``source_row`` and the input columns."""
    unassigned: pd.DataFrame
    """Customers left in the pool (公海池), same columns, ``owner`` empty, with the reason."""
    exceptions: pd.DataFrame
    """Rows not allocated because of input errors, with their issues."""
    conflicts: pd.DataFrame
    """Rows of duplicate groups claimed by several owners, with the decision."""
    changes: pd.DataFrame
    """Owner before → after for every row whose owner changed."""
    reps: pd.DataFrame
    """One row per rep: workload, capacity use, value, points ledger, tiers."""
    stats: dict[str, int | float]
    """Counts for the report and the Run sheet (customers_in, assigned, kept, …)."""
    issues: tuple[Issue, ...]
    run: RunInfo
