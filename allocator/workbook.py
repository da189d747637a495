"""Reading the input: format sniffing, sheet and header detection. The only input I/O.

A workbook becomes a :class:`RawWorkbook`: one :class:`RawSheet` per known sheet, with canonical
column names, untyped cell values and the Excel row number as index. Typing and validation happen
in :mod:`allocator.schema`.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .coerce import _is_type, per_distinct
from .errors import Issue, ValidationFailed, WorkbookError, cell_ref, column_letter
from .headers import (
    CUSTOMERS,
    REPS,
    RULES,
    HeaderMatch,
    SheetSpec,
    detect_header,
    find_sheet,
    suggest_column,
)
from .i18n import t
from .model import RawSheet, RawWorkbook
from .safety import LIMITS, Limits, check_before_reading, lock_file_target
from .sources import (
    CSV_ENCODINGS,
    ExcelSource,
    cap_columns,
    check_decrypted,
    identify,
    ole_streams,
    read_csv_grid,
    rows_ignored,
    why,
)

__all__ = ["HEADER_SEARCH_ROWS", "read_workbook", "sniff_format"]

HEADER_SEARCH_ROWS = 10

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CSV_ENCODINGS = CSV_ENCODINGS
_TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
_CJK = re.compile(r"[\u3400-\u9fff]")


def sniff_format(path: Path) -> str:
    """``zip`` (xlsx/xlsm/xlsb/ods), ``ole`` (xls, encrypted workbooks), ``csv`` or ``unknown``,
    from the first bytes."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    if head.startswith(_ZIP_MAGIC):
        return "zip"
    if head.startswith(_OLE_MAGIC):
        return "ole"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 text (Excel's "Unicode Text")
        return "csv"
    if not head or b"\x00" in head:
        return "unknown"
    for encoding in _CSV_ENCODINGS:
        try:
            # A multi-byte character may be cut at the 4096th byte: ignore only the tail.
            head.decode(encoding) if len(head) < 4096 else head[:4000].decode(encoding)
            return "csv"
        except UnicodeDecodeError:
            continue
    return "unknown"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _csv_sibling(path: Path, spec: SheetSpec) -> Path | None:
    """For a CSV input the other sheets are CSV files beside it: ``reps.csv``, ``销售.csv`` or
    ``<input>.reps.csv``."""
    from .headers import normalise_sheet_name

    wanted = {normalise_sheet_name(a) for a in (spec.name, spec.zh, *spec.aliases)}
    candidates = sorted(p for p in path.parent.glob("*.csv") if p != path)
    for candidate in candidates:
        stem = candidate.stem
        if stem.startswith(path.stem + "."):
            stem = stem[len(path.stem) + 1 :]
        if normalise_sheet_name(stem) in wanted:
            return candidate
    return None


def _locate(
    grid: pd.DataFrame,
    sheet: str,
    spec: SheetSpec,
    lang: str,
    mapping: Mapping[str, str] | None,
    issues: list[Issue],
) -> tuple[HeaderMatch | None, bool]:
    top = (
        grid.head(HEADER_SEARCH_ROWS)
        .astype(object)
        .where(grid.head(HEADER_SEARCH_ROWS).notna(), None)
    )
    rows: Sequence[Sequence[object]] = top.values.tolist()
    match = detect_header(rows, spec, search_rows=HEADER_SEARCH_ROWS, mapping=dict(mapping or {}))
    required = ", ".join(spec.required_columns)
    if match is None:
        issues.append(
            Issue(
                "fatal",
                "no_header",
                t(lang, "no_header", sheet=sheet, rows=HEADER_SEARCH_ROWS, required=required),
                sheet=sheet,
                cell=cell_ref(sheet, None, None),
            )
        )
        return None, False
    ok = True
    for column in spec.required_columns:
        if column not in match.columns:
            ok = False
            aliases = " / ".join(dict.fromkeys((column, *spec.column(column).aliases)))
            issues.append(
                Issue(
                    "fatal",
                    "column_missing",
                    t(
                        lang,
                        "column_missing",
                        sheet=sheet,
                        column=column,
                        row=match.row + 1,
                        aliases=aliases,
                    ),
                    sheet=sheet,
                    row=match.row + 1,
                    column=column,
                    cell=cell_ref(sheet, match.row + 1, None),
                )
            )
    for column, positions in match.duplicates:
        ok = False
        cells = ", ".join(f"{column_letter(p)}{match.row + 1}" for p in positions)
        issues.append(
            Issue(
                "fatal",
                "duplicate_header",
                t(lang, "duplicate_header", sheet=sheet, column=column, cells=cells),
                sheet=sheet,
                row=match.row + 1,
                column=column,
                cell=cell_ref(sheet, match.row + 1, positions[1]),
            )
        )
    return match, ok


def _blank_to_none(column: pd.Series) -> pd.Series:
    if column.empty:
        return column
    is_text = _is_type(column, str)
    if not is_text.any():
        return column.where(column.notna(), None)
    blank = np.zeros(len(column), dtype=bool)
    blank[is_text.to_numpy()] = per_distinct(column[is_text], lambda s: s.str.strip().eq(""))
    return column.where(~blank & column.notna().to_numpy(), None)


def _uses_1904(archive: zipfile.ZipFile, fmt: str) -> bool:
    """Whether a workbook counts dates from 1904 (old Mac Excel). Formatted date cells come
    right from the reader either way; bare serial numbers need the epoch."""
    try:
        if fmt == "xlsb":
            from .sheetscan import xlsb_uses_1904

            return xlsb_uses_1904(archive.read("xl/workbook.bin"))
        head = archive.read("xl/workbook.xml")[:4096]
    except Exception:  # a damaged part is reported by the reader; the epoch falls back to 1900
        return False
    return re.search(rb'date1904="(1|true)"', head) is not None


def _sheet(
    grid: pd.DataFrame,
    sheet: str,
    match: HeaderMatch,
    date1904: bool = False,
    *,
    lang: str = "en",
    limits: Limits = LIMITS,
    issues: list[Issue] | None = None,
) -> RawSheet:
    header_excel_row = match.row + 1
    body = grid.loc[grid.index > header_excel_row]
    columns: dict[str, int] = dict(match.columns)
    extras: list[str] = []
    for text, position in match.extras.items():
        name = text
        while name in columns:  # an unknown header equal to a canonical name written twice
            name += " "
        columns[name] = position
        extras.append(name)
    frame = pd.DataFrame(
        {
            name: _blank_to_none(body[pos]) if pos in body.columns else None
            for name, pos in columns.items()
        },
        index=body.index,
    )
    frame = frame.loc[frame.notna().any(axis=1)] if len(frame.columns) else frame
    frame = _before_empty_run(frame, sheet, header_excel_row, columns, lang, limits, issues)
    header_cells = grid.loc[header_excel_row]
    return RawSheet(
        name=sheet,
        frame=frame,
        header_row=header_excel_row,
        column_index=columns,
        extras=tuple(extras),
        headers={name: str(header_cells[pos]).strip() for name, pos in columns.items()},
        date1904=date1904,
    )


def _before_empty_run(
    frame: pd.DataFrame,
    sheet: str,
    header_row: int,
    columns: Mapping[str, int],
    lang: str,
    limits: Limits,
    issues: list[Issue] | None,
) -> pd.DataFrame:
    """The rows above the first run of ``limits.empty_row_run`` empty rows; what lies below
    (stray cells far under the table) is left out with a warning naming its first cell."""
    if frame.empty:
        return frame
    rows = np.concatenate(([header_row], frame.index.to_numpy(dtype=np.int64)))
    gaps = np.flatnonzero(np.diff(rows) > limits.empty_row_run)
    if not len(gaps):
        return frame
    keep = int(gaps[0])  # data rows before the gap
    first = int(frame.index[keep])
    if issues is not None:
        filled = frame.loc[first].notna().to_numpy()
        position = list(columns.values())[int(np.argmax(filled))]
        issues.append(rows_ignored(sheet, first, position, len(frame) - keep, lang, limits))
    return frame.iloc[:keep]


def _column_hints(sheet: RawSheet, spec: SheetSpec, lang: str) -> list[Issue]:
    """A warning for each unknown header that looks like a known one (a typo, an unusual
    alias), saying how to map it with ``[columns]``."""
    hints = []
    for extra in sheet.extras:
        suggestion = suggest_column(extra, spec)
        if suggestion is None or suggestion[0] in sheet.column_index:
            continue
        cell = cell_ref(sheet.name, sheet.header_row, sheet.column_index[extra])
        message = t(
            lang,
            "unknown_column",
            cell=cell,
            value=extra,
            column=suggestion[0],
            header=suggestion[1],
        )
        hints.append(
            Issue(
                "warning",
                "unknown_column",
                message,
                sheet=sheet.name,
                row=sheet.header_row,
                column=extra,
                cell=cell,
                value=extra,
            )
        )
    return hints


def _open_excel(
    path: Path, kind: str, lang: str, password: str | None, limits: Limits
) -> ExcelSource:
    """The workbook behind ``path``: decrypted when encrypted, its format told by its parts."""
    from .decrypt import (
        DecryptionFailed,
        PasswordRequired,
        WrongPassword,
        decrypt,
        encryption_of,
    )

    data: bytes | None = None
    if kind == "ole" and encryption_of(path) is not None:
        try:
            data = decrypt(path, password)
        except PasswordRequired:
            raise WorkbookError(t(lang, "password_required", path=path)) from None
        except WrongPassword:
            raise WorkbookError(t(lang, "wrong_password", path=path)) from None
        except DecryptionFailed as exc:
            raise WorkbookError(t(lang, "file_unreadable", path=path, why=exc.why)) from None
        check_decrypted(data, path, lang, limits)
    try:
        if (data is not None and data[:4] == _ZIP_MAGIC) or (data is None and kind == "zip"):
            with zipfile.ZipFile(io.BytesIO(data) if data is not None else path) as archive:
                fmt = identify(archive, None)
        else:
            fmt = identify(None, ole_streams(io.BytesIO(data) if data is not None else str(path)))
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:  # a damaged container: zipfile or olefile cannot list it
        raise WorkbookError(t(lang, "file_unreadable", path=path, why=why(exc))) from None
    if fmt not in ("xlsx", "xlsm", "xlsb", "ods", "xls"):
        raise WorkbookError(t(lang, "unsupported_format", path=path, why=fmt))
    return ExcelSource(path, fmt, lang, data=data, limits=limits)


def _date1904(source: ExcelSource) -> bool:
    if source.fmt == "xls":
        from .sheetscan import read_xls_stream, xls_uses_1904

        try:
            data = source.raw_bytes()
            stream = read_xls_stream(io.BytesIO(data) if data else str(source.path))
            return xls_uses_1904(stream)
        except Exception:  # the reader reports a damaged file; the epoch falls back to 1900
            return False
    if source.fmt not in ("xlsx", "xlsm", "xlsb"):
        return False
    try:
        data = source.raw_bytes()
        with zipfile.ZipFile(io.BytesIO(data) if data else source.path) as archive:
            return _uses_1904(archive, source.fmt)
    except Exception:  # as above: the reader reports the damage
        return False


def read_workbook(
    path: Path | str,
    *,
    lang: str = "en",
    column_mapping: Mapping[str, Mapping[str, str]] | None = None,
    password: str | None = None,
    limits: Limits = LIMITS,
) -> RawWorkbook:
    """Read the Customers, Reps and (optional) Rules sheets of an input workbook or CSV file.

    ``lang`` is the language of the messages; ``column_mapping`` maps, per canonical sheet name,
    canonical column names to the user's own headers; ``password`` opens an encrypted workbook
    (Excel's default password is tried first in any case). Raises :class:`WorkbookError` when
    the file cannot be read and :class:`ValidationFailed` listing every missing sheet or column.
    """
    path = Path(path)
    auto = lang == "auto"
    if auto:
        lang = "zh" if _CJK.search(path.name) else "en"  # until the content tells
    if not path.exists():
        raise WorkbookError(t(lang, "file_missing", path=path))
    if path.is_dir():
        raise WorkbookError(t(lang, "file_unreadable", path=path, why="it is a directory"))
    locked = lock_file_target(path)
    if locked is not None:
        raise WorkbookError(t(lang, "lock_file", path=path, target=locked))
    try:
        kind = sniff_format(path)
        refusal = check_before_reading(path, kind, limits)
        if refusal is not None:
            raise WorkbookError(t(lang, "file_unreadable", path=path, why=refusal))
        sha = _sha256(path)
    except OSError as exc:
        raise WorkbookError(
            t(lang, "file_unreadable", path=path, why=exc.strerror or exc)
        ) from None
    if kind == "unknown" and path.suffix.lower() in _TEXT_SUFFIXES:
        kind = "csv"  # text in another encoding: the CSV reader says which encodings it reads
    mapping = column_mapping or {}
    issues: list[Issue] = []
    found: dict[str, RawSheet | None] = {}
    detected_zh = 0
    detected = 0

    date1904 = False
    if kind in ("zip", "ole"):
        source = _open_excel(path, kind, lang, password, limits)
        fmt = source.fmt
        wanted = [find_sheet(source.sheet_names, spec) for spec in (CUSTOMERS, REPS, RULES)]
        source.prepare([name for name in wanted if name is not None])
        date1904 = _date1904(source)

        def load(spec: SheetSpec) -> tuple[str | None, pd.DataFrame | None]:
            name = find_sheet(source.sheet_names, spec)
            return (name, source.grid(name)) if name is not None else (None, None)

        available = ", ".join(source.sheet_names)
        if auto:
            lang = "zh" if _CJK.search(available) else "en"
            source.lang = lang
    elif kind == "csv":
        fmt = "csv"

        def load(spec: SheetSpec) -> tuple[str | None, pd.DataFrame | None]:
            target = path if spec is CUSTOMERS else _csv_sibling(path, spec)
            if target is None:
                return None, None
            grid = read_csv_grid(target, lang, limits)
            return target.stem, cap_columns(grid, target.stem, lang, limits, issues)

        available = ", ".join(sorted(p.name for p in path.parent.glob("*.csv")))
        if auto:
            with path.open("rb") as handle:
                first = handle.read(4096).decode("utf-8", errors="ignore")
            lang = "zh" if _CJK.search(first) else "en"
    else:
        raise WorkbookError(
            t(lang, "unsupported_format", path=path, why="unrecognised file content")
        )

    for spec in (CUSTOMERS, REPS, RULES):
        name, grid = load(spec)
        if name is None or grid is None:
            found[spec.name] = None
            if spec.required:
                aliases = " / ".join(dict.fromkeys((spec.name, spec.zh, *spec.aliases)))
                issues.append(
                    Issue(
                        "fatal",
                        "sheet_missing",
                        t(
                            lang,
                            "sheet_missing",
                            sheet=spec.name,
                            aliases=aliases,
                            found=available or "-",
                        ),
                        sheet=spec.name,
                    )
                )
            continue
        match, ok = _locate(grid, name, spec, lang, mapping.get(spec.name), issues)
        if match is None:
            found[spec.name] = None
            continue
        if spec is CUSTOMERS:
            detected_zh, detected = match.chinese_headers, len(match.columns)
        found[spec.name] = (
            _sheet(grid, name, match, date1904, lang=lang, limits=limits, issues=issues)
            if ok
            else None
        )

    if kind in ("zip", "ole"):
        issues[:0] = source.issues
    for spec in (CUSTOMERS, REPS, RULES):
        sheet = found.get(spec.name)
        if sheet is not None:
            issues += _column_hints(sheet, spec, lang)
    fatal = [i for i in issues if i.severity == "fatal"]
    if fatal:
        raise ValidationFailed(t(lang, "validation_fatal", count=len(fatal)), tuple(issues))
    customers, reps = found[CUSTOMERS.name], found[REPS.name]
    assert customers is not None and reps is not None  # guaranteed by the fatal check above
    return RawWorkbook(
        path=str(path),
        sha256=sha,
        format=fmt,
        customers=customers,
        reps=reps,
        rules=found[RULES.name],
        language="zh" if detected and detected_zh * 2 >= detected else "en",
        issues=tuple(issues),
    )
