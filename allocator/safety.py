"""Checks made before any parser sees the input: size, Office lock files, zip bombs.

A hostile or broken file must end in a clear message within seconds, never in a parser
exhausting memory. Zip-based workbooks (xlsx, xlsm, ods) are inspected through their central
directory only, without decompressing anything.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

__all__ = ["LIMITS", "Limits", "check_before_reading", "check_zip", "lock_file_target"]


@dataclass(frozen=True)
class Limits:
    """What an input may be. Generous for real exports (Excel's own limit is 1,048,576 rows)."""

    max_file_bytes: int = 512 * 1024**2
    """The file on disk."""
    max_zip_entries: int = 10_000
    """Parts inside an xlsx/ods (a real workbook has tens)."""
    max_uncompressed_bytes: int = 4 * 1024**3
    """All parts together once decompressed (a full 1M-row sheet is about 1 GiB of XML)."""
    max_ratio: float = 1_000.0
    """Decompressed / compressed size of one part above 1 MiB (XML compresses 10–50×; bombs
    reach 1,000× and more)."""
    max_rows: int = 1_048_576
    """Rows of one sheet (Excel's own limit); a longer CSV is refused rather than cut."""
    max_columns: int = 1_000
    """Columns of one sheet that are read; cells further right are ignored with a warning (an
    export has tens of columns; a stray value in column XFD must not make a reader allocate a
    16,384-column grid)."""
    max_cells: int = 50_000_000
    """Rows × columns of the area a sheet's values span (about 1.5 GiB inside the reader); a
    sheet spanning more is refused with the cell that makes it so."""
    empty_row_run: int = 1_000
    """Consecutive empty rows that end a sheet's data: values further down (a stray cell far
    below the table) are ignored with a warning naming them."""


LIMITS = Limits()


def lock_file_target(path: Path) -> str | None:
    """The workbook a lock file stands for: Office's ``~$name.xlsx``, LibreOffice's
    ``.~lock.name.xlsx#``; None for an ordinary file."""
    name = path.name
    if name.startswith("~$"):
        return name[2:]
    if name.startswith(".~lock.") and name.endswith("#"):
        return name[len(".~lock.") : -1]
    return None


def check_before_reading(path: Path, kind: str, limits: Limits = LIMITS) -> str | None:
    """Why ``path`` must not be parsed (one short English phrase), or None when it may be.

    ``kind`` is the sniffed format (``zip``, ``ole``, ``csv``, ``unknown``).
    """
    size = path.stat().st_size
    if size == 0:
        return "the file is empty"
    if size > limits.max_file_bytes:
        return (
            f"the file is {size / 1024**2:,.0f} MiB; the limit is "
            f"{limits.max_file_bytes / 1024**2:,.0f} MiB"
        )
    if kind != "zip":
        return None
    return check_zip(path, limits)


def check_zip(source: Path | IO[bytes], limits: Limits = LIMITS) -> str | None:
    """Why the zip container ``source`` (a path or an in-memory decrypted workbook) must not be
    opened: too many parts, a zip bomb, duplicate part names; None when it may be. Only the
    central directory is read."""
    try:
        with zipfile.ZipFile(source) as archive:
            entries = archive.infolist()
    except Exception as exc:  # zipfile raises BadZipFile, NotImplementedError, struct.error, …
        return f"damaged zip container ({exc})"
    if len(entries) > limits.max_zip_entries:
        return f"{len(entries):,} parts inside the workbook (limit {limits.max_zip_entries:,})"
    names = [entry.filename for entry in entries]
    if len(set(names)) != len(names):
        return "the workbook contains two parts with the same name"
    total = sum(entry.file_size for entry in entries)
    if total > limits.max_uncompressed_bytes:
        return (
            f"the workbook would decompress to {total / 1024**3:,.1f} GiB "
            f"(limit {limits.max_uncompressed_bytes / 1024**3:,.0f} GiB)"
        )
    for entry in entries:
        if entry.file_size > 1024**2:
            ratio = entry.file_size / max(entry.compress_size, 1)
            if ratio > limits.max_ratio:
                return (
                    f"part {entry.filename} expands {ratio:,.0f}× when decompressed (a zip bomb?)"
                )
    return None
