"""Opening an input file: the format from its content, decryption, and raw cell grids.

Every sheet arrives as a positional grid (column i = Excel column i, index = Excel row number)
whose cells are str, float, int, bool, datetime, :class:`~allocator.coerce.CellError` or blank.
Every failure of a reader, including python-calamine's Rust panics (a ``BaseException``), ends in
a :class:`~allocator.errors.WorkbookError`; KeyboardInterrupt and SystemExit pass through.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import re
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from defusedxml import DefusedXmlException

from .coerce import CellError
from .errors import Issue, WorkbookError, cell_ref, column_letter
from .i18n import t
from .safety import LIMITS, Limits, check_zip
from .sheetscan import (
    ERROR_TEXTS,
    SheetScan,
    needs_trim,
    patch_zip,
    read_xls_stream,
    scan_ods,
    scan_xls,
    scan_xlsb,
    scan_xlsx,
    span_message,
    trim_xlsx,
    xlsb_sheet_parts,
    xlsx_sheet_parts,
)

__all__ = ["ExcelSource", "identify", "read_csv_grid", "why"]

CSV_ENCODINGS = ("utf-8-sig", "gb18030")

# python-calamine picks its reader from the extension; a file whose extension names another
# format (an xls saved as .xlsx) is handed over as bytes, and calamine looks at the content.
_CALAMINE_EXTENSIONS = {
    "xlsx": ("xlsx", "xlsm", "xltx", "xltm"),
    "xlsm": ("xlsx", "xlsm", "xltx", "xltm"),
    "xlsb": ("xlsb",),
    "xls": ("xls", "xla"),
    "ods": ("ods",),
}


def why(exc: BaseException) -> str:
    """The first line of an exception's message, for a 'cannot read FILE: why' message."""
    text = str(exc).strip()
    first = (text.splitlines()[0] if text else type(exc).__name__)[:200]
    if type(exc).__name__ == "PanicException":  # python-calamine's Rust code gave up
        return f"the workbook is damaged or malformed (the reader stopped: {first})"
    return first


def identify(content: zipfile.ZipFile | None, ole_streams: Sequence[str] | None) -> str:
    """``xlsx``, ``xlsm``, ``xlsb``, ``ods`` or ``xls`` from a container's parts, or a short
    phrase saying what else it is (raised as an unsupported format)."""
    if content is not None:
        names = set(content.namelist())
        if "xl/workbook.bin" in names:
            return "xlsb"
        if "xl/workbook.xml" in names or any(n.startswith("xl/worksheets/") for n in names):
            macro = "xl/vbaProject.bin" in names or b"macroEnabled" in _content_types(content)
            return "xlsm" if macro else "xlsx"
        if "mimetype" in names:
            mimetype = content.read("mimetype")[:100].decode("ascii", "replace").strip()
            if mimetype == "application/vnd.oasis.opendocument.spreadsheet":
                return "ods"
            return f"an OpenDocument file of another kind ({mimetype})"
        if "word/document.xml" in names:
            return "a Word document"
        if any(n.startswith("ppt/") for n in names):
            return "a PowerPoint presentation"
        return "a zip archive without a workbook inside"
    streams = {s.casefold() for s in ole_streams or ()}
    if "workbook" in streams or "book" in streams:
        return "xls"
    if "worddocument" in streams:
        return "a Word 97–2003 document"
    return "an Office container without a workbook inside"


def _content_types(content: zipfile.ZipFile) -> bytes:
    try:
        return content.read("[Content_Types].xml")[: 1 << 20]
    except KeyError:
        return b""


def ole_streams(source: str | io.BytesIO) -> list[str]:
    import olefile

    with olefile.OleFileIO(source) as ole:
        return ["/".join(entry) for entry in ole.listdir(streams=True, storages=False)]


class ExcelSource:
    """The sheets of a workbook, read with python-calamine after the pre-reading scans of
    :mod:`allocator.sheetscan` (error cells, the span of the values)."""

    def __init__(
        self,
        path: Path,
        fmt: str,
        lang: str,
        *,
        data: bytes | None = None,
        limits: Limits = LIMITS,
    ) -> None:
        self.path, self.fmt, self.lang, self.limits = path, fmt, lang, limits
        self._data = data
        self._scans: dict[str, SheetScan] = {}
        self.issues: list[Issue] = []
        self._book = self._open(data)
        try:
            self.sheet_names: list[str] = list(self._book.sheet_names)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # Rust panics derive from BaseException
            raise self._error(why(exc)) from None

    def _error(self, reason: str) -> WorkbookError:
        return WorkbookError(t(self.lang, "file_unreadable", path=self.path, why=reason))

    def _open(self, data: bytes | None) -> Any:
        import python_calamine

        suffix = self.path.suffix.lower().lstrip(".")
        try:
            with native_stderr_silenced():
                if data is not None:
                    return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
                if suffix in _CALAMINE_EXTENSIONS.get(self.fmt, ()):
                    return python_calamine.CalamineWorkbook.from_path(str(self.path))
                with self.path.open("rb") as handle:
                    return python_calamine.CalamineWorkbook.from_filelike(handle)
        except (KeyboardInterrupt, SystemExit):
            raise
        except python_calamine.PasswordError:
            raise WorkbookError(t(self.lang, "password_required", path=self.path)) from None
        except BaseException as exc:  # Rust panics derive from BaseException
            raise self._error(why(exc)) from None

    def raw_bytes(self) -> bytes | None:
        """The workbook as read when it is held in memory (decrypted or rewritten), else None."""
        return self._data

    def _zip(self) -> zipfile.ZipFile:
        return zipfile.ZipFile(io.BytesIO(self._data) if self._data is not None else self.path)

    def prepare(self, sheets: Sequence[str]) -> None:
        """Scan the sheets that will be read; rewrite an xlsx whose values span too much."""
        try:
            if self.fmt in ("xlsx", "xlsm"):
                self._prepare_xlsx(sheets)
            elif self.fmt == "xlsb":
                with self._zip() as archive:
                    parts = xlsb_sheet_parts(archive)
                    for name in sheets:
                        if name in parts:
                            scan = scan_xlsb(archive, parts[name])
                            if needs_trim(scan, self.limits):
                                raise WorkbookError(
                                    t(
                                        self.lang,
                                        "file_unreadable",
                                        path=self.path,
                                        why=f"sheet '{name}': {span_message(scan, self.limits)}",
                                    )
                                )
                            self._scans[name] = scan
            elif self.fmt == "ods":
                with self._zip() as archive:
                    self._scans.update(scan_ods(archive, sheets))
            elif self.fmt == "xls":
                source = io.BytesIO(self._data) if self._data is not None else str(self.path)
                self._scans.update(scan_xls(read_xls_stream(source), sheets))
        except WorkbookError:
            raise
        except (KeyboardInterrupt, SystemExit):
            raise
        except DefusedXmlException:
            raise self._error(
                "it declares XML entities or a DTD, which are refused (an XML bomb?)"
            ) from None
        except Exception as exc:  # a damaged part: zipfile's CRC check, XML errors, …
            raise self._error(why(exc)) from None

    def _prepare_xlsx(self, sheets: Sequence[str]) -> None:
        replaced: dict[str, bytes] = {}
        with self._zip() as archive:
            parts = xlsx_sheet_parts(archive)
            for name in sheets:
                part = parts.get(name)
                if part is None:
                    continue
                scan = scan_xlsx(archive, part)
                if needs_trim(scan, self.limits):
                    trimmed = trim_xlsx(archive, part, self.limits)
                    if trimmed.too_large:
                        raise self._error(f"sheet '{name}': {trimmed.too_large}")
                    replaced[part] = trimmed.xml
                    scan = trimmed.scan
                    self._report_trim(name, trimmed.rows_after, trimmed.cells_right)
                self._scans[name] = scan
            if replaced:
                self._data = patch_zip(archive, replaced)
        if replaced:
            self._book = self._open(self._data)

    def _report_trim(
        self,
        sheet: str,
        rows_after: tuple[int, int, int] | None,
        cells_right: tuple[int, int, int] | None,
    ) -> None:
        if rows_after is not None:
            row, column, count = rows_after
            self.issues.append(rows_ignored(sheet, row, column, count, self.lang, self.limits))
        if cells_right is not None:
            row, column, count = cells_right
            self.issues.append(columns_ignored(sheet, row, column, count, self.lang, self.limits))

    def grid(self, name: str) -> pd.DataFrame:
        try:
            with native_stderr_silenced():
                sheet = self._book.get_sheet_by_name(name)
                rows = sheet.to_python(skip_empty_area=False)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # Rust panics derive from BaseException
            raise self._error(f"'{name}': {why(exc)}") from None
        grid = grid_from_rows(rows)
        scan = self._scans.get(name)
        if scan is not None and scan.errors:
            mark_errors(grid, scan.errors)
        return cap_columns(grid, name, self.lang, self.limits, self.issues)


@contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """File descriptor 2 pointed at /dev/null while native code runs: a Rust panic prints its
    message and backtrace there before Python sees the exception, which becomes the one clean
    'cannot read' message instead."""
    try:
        saved = os.dup(2)
    except OSError:  # no standard error to protect
        yield
        return
    try:
        with open(os.devnull, "wb") as sink:
            os.dup2(sink.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def grid_from_rows(rows: Sequence[Sequence[object]]) -> pd.DataFrame:
    """Positional grid (column i = Excel column i) with blank cells as None."""
    grid = pd.DataFrame(rows, dtype=object) if rows else pd.DataFrame(dtype=object)
    grid.index = pd.RangeIndex(1, len(grid) + 1)  # Excel row numbers
    return grid


def mark_errors(grid: pd.DataFrame, errors: Sequence[tuple[int, int, str]]) -> None:
    """Put a :class:`CellError` where the scan found an Excel error (the reader left a blank)."""
    rows = np.fromiter((e[0] for e in errors), dtype=np.int64, count=len(errors))
    columns = np.fromiter((e[1] for e in errors), dtype=np.int64, count=len(errors))
    inside = (rows < grid.shape[0]) & (columns < grid.shape[1])
    if not inside.any():
        return
    values = np.empty(int(inside.sum()), dtype=object)
    values[:] = [CellError(e[2]) for e, keep in zip(errors, inside, strict=True) if keep]
    for column in np.unique(columns[inside]):
        here = columns[inside] == column
        target = grid.iloc[:, int(column)].to_numpy(dtype=object, copy=True)
        target[rows[inside][here]] = values[here]
        grid.isetitem(int(column), target)


def cap_columns(
    grid: pd.DataFrame, sheet: str, lang: str, limits: Limits, issues: list[Issue]
) -> pd.DataFrame:
    """The grid without the columns beyond ``limits.max_columns`` (a warning names the first
    value left out)."""
    if grid.shape[1] <= limits.max_columns:
        return grid
    beyond = grid.iloc[:, limits.max_columns :]
    present = beyond.notna() & (beyond != "")
    if present.to_numpy().any():
        rows, columns = np.nonzero(present.to_numpy())
        issues.append(
            columns_ignored(
                sheet,
                int(grid.index[rows[0]]),
                int(columns[0]) + limits.max_columns,
                len(rows),
                lang,
                limits,
            )
        )
    return grid.iloc[:, : limits.max_columns]


def rows_ignored(
    sheet: str, row: int, column: int, count: int, lang: str, limits: Limits = LIMITS
) -> Issue:
    """The warning for values left out below a long run of empty rows (1-based ``row``)."""
    cell = cell_ref(sheet, row, column)
    return Issue(
        "warning",
        "rows_ignored",
        t(lang, "rows_ignored", cell=cell, row=row, count=count, gap=f"{limits.empty_row_run:,}"),
        sheet=sheet,
        row=row,
        cell=cell,
    )


def columns_ignored(
    sheet: str, row: int, column: int, count: int, lang: str, limits: Limits = LIMITS
) -> Issue:
    """The warning for values left out right of the column limit (1-based ``row``)."""
    cell = cell_ref(sheet, row, column)
    return Issue(
        "warning",
        "columns_ignored",
        t(
            lang,
            "columns_ignored",
            cell=cell,
            count=count,
            limit=f"{limits.max_columns:,}",
            letter=column_letter(limits.max_columns - 1),
        ),
        sheet=sheet,
        row=row,
        cell=cell,
    )


_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _decode_escapes(column: pd.Series) -> pd.Series:
    """``_x000D_``-style escapes (Excel's XML escapes left behind by a naive conversion to
    CSV) decoded; a column without any is returned as it is."""
    text = column.astype(str)
    found = text.str.contains("_x", regex=False)
    if not found.any():
        return column
    decoded = text[found].str.replace(_ESCAPE, lambda m: chr(int(m.group(1), 16)), regex=True)
    result = column.copy()
    result[found] = decoded
    return result


def read_csv_grid(path: Path, lang: str, limits: Limits = LIMITS) -> pd.DataFrame:
    """A CSV (or tab-separated) file in UTF-8 or GB18030 as a grid. Excel's error values
    (``#N/A``…) saved as text become :class:`CellError` cells like in a workbook."""
    data = path.read_bytes()
    text: str | None = None
    encodings = ("utf-16",) if data.startswith((b"\xff\xfe", b"\xfe\xff")) else CSV_ENCODINGS
    for encoding in encodings:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None or "\x00" in text:
        raise WorkbookError(
            t(lang, "file_unreadable", path=path, why="not UTF-8, GB18030 or UTF-16 text")
        )
    head = text[:65536]
    delimiter = "\t" if head.count("\t") > head.count(",") else ","
    try:
        # csv rather than pandas: rows may be ragged (a one-cell title banner above the header).
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows = list(itertools.islice(reader, limits.max_rows + 1))
    except csv.Error as exc:
        raise WorkbookError(t(lang, "file_unreadable", path=path, why=why(exc))) from None
    if len(rows) > limits.max_rows:
        raise WorkbookError(
            t(
                lang,
                "file_unreadable",
                path=path,
                why=f"more than {limits.max_rows:,} rows (Excel's limit); split the file",
            )
        )
    grid = grid_from_rows(rows)
    if "_x" not in text and "#" not in text:
        return grid
    for position in range(grid.shape[1]):
        column = grid.iloc[:, position]
        if column.dtype == object:
            column = _decode_escapes(column.where(column.notna(), ""))
            errors = column.isin(ERROR_TEXTS)
            if errors.any():
                column = column.where(~errors, column[errors].map(CellError))
            restored = column.where(grid.iloc[:, position].notna(), None)
            grid.isetitem(position, restored.to_numpy(dtype=object))
    return grid


def check_decrypted(data: bytes, path: Path, lang: str, limits: Limits = LIMITS) -> None:
    """The zip checks of :mod:`allocator.safety`, on a workbook decrypted into memory."""
    if data[:4] != b"PK\x03\x04":
        return
    refusal = check_zip(io.BytesIO(data), limits)
    if refusal is not None:
        raise WorkbookError(t(lang, "file_unreadable", path=path, why=refusal))
