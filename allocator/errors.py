"""Issues found in the input and the one exception hierarchy of the tool.

This module imports neither click nor pandas: every layer can raise these, and only ``cli.py``
renders them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

__all__ = [
    "AllocatorError",
    "ExitCode",
    "InternalError",
    "Issue",
    "OutputError",
    "SettingsError",
    "ValidationFailed",
    "WorkbookError",
    "WriteBackFormatError",
    "WriteBackRefusedError",
    "cell_ref",
    "column_letter",
]


class ExitCode(IntEnum):
    """The documented exit codes of the command line."""

    OK = 0
    RUNTIME = 1
    USAGE = 2
    INPUT_INVALID = 3


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in the input, pointing at the cell the user must fix."""

    severity: str
    """``fatal`` stops the run, ``error`` sends the row to Exceptions, ``warning`` is only
    reported."""
    code: str
    """Stable machine-readable code, e.g. ``negative_number``; the same in every language."""
    message: str
    """One sentence in the run language saying what is wrong and how to fix it."""
    sheet: str | None = None
    """The sheet name as it appears in the workbook."""
    row: int | None = None
    """The Excel row number (1-based), or None for a sheet- or workbook-level issue."""
    column: str | None = None
    """The canonical column name (``value``), or None."""
    cell: str | None = None
    """The Excel reference as the user sees it, e.g. ``客户!D17``."""
    value: str | None = None
    """The offending value as text, or None."""

    def to_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity,
            "code": self.code,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "cell": self.cell,
            "value": self.value,
            "message": self.message,
        }


def column_letter(index: int) -> str:
    """Excel column letters for a 0-based column index (0 → A, 27 → AB)."""
    if index < 0:
        raise ValueError(f"negative column index {index}")
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_ref(sheet: str | None, row: int | None, column_index: int | None) -> str | None:
    """``Sheet!D17`` (quoted when the sheet name needs it), ``Sheet!17:17`` for a whole row."""
    if sheet is None:
        return None
    needs_quotes = any(ch in sheet for ch in " -'!()&,;") or sheet[:1].isdigit()
    name = "'" + sheet.replace("'", "''") + "'" if needs_quotes else sheet
    if row is None and column_index is None:
        return name
    if column_index is None:
        return f"{name}!{row}:{row}"
    if row is None:
        letter = column_letter(column_index)
        return f"{name}!{letter}:{letter}"
    return f"{name}!{column_letter(column_index)}{row}"


class AllocatorError(Exception):
    """Base of every error the command line renders without a traceback."""

    exit_code: ExitCode = ExitCode.RUNTIME

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"


class WorkbookError(AllocatorError):
    """The input file cannot be read or lacks what the run needs (missing sheet or column)."""

    exit_code = ExitCode.INPUT_INVALID


class ValidationFailed(AllocatorError):  # noqa: N818 - public API name, kept for compatibility
    """Validation found fatal problems (or any problem under ``--strict``); carries every Issue."""

    exit_code = ExitCode.INPUT_INVALID

    def __init__(self, message: str, issues: tuple[Issue, ...]) -> None:
        super().__init__(message)
        self.issues = issues


class SettingsError(AllocatorError):
    """``allocator.toml`` or a command-line setting is invalid."""

    exit_code = ExitCode.INPUT_INVALID


class OutputError(AllocatorError):
    """An output cannot be written (directory exists, file locked by Excel, disk full)."""

    exit_code = ExitCode.RUNTIME


class WriteBackRefusedError(OutputError):
    """``--write-back`` would lose content of the input (macros, shapes, slicers, x14
    extensions…); refused unless ``--force``, like an existing output folder."""


class WriteBackFormatError(AllocatorError):
    """``--write-back`` on an input that is not an xlsx/xlsm workbook (csv, xls, ods)."""

    exit_code = ExitCode.USAGE


class InternalError(AllocatorError):
    """An invariant of the tool itself broke (e.g. conservation); always a bug to report."""

    exit_code = ExitCode.RUNTIME
