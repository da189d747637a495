"""Input files in every supported format, made by the tests themselves.

xlsx comes from XlsxWriter; xlsm and Strict OOXML are derived from it by rewriting the package;
xlsb is written record by record ([MS-XLSB], the parts python-calamine reads); xls and ods come
from LibreOffice (``soffice --headless --convert-to``) when it is installed.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

needs_soffice = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice (soffice) is not installed: no xls/ods fixture"
)


def soffice_convert(source: Path, fmt: str, out_dir: Path) -> Path:
    """``source`` converted by LibreOffice to ``fmt`` (``xls``, ``ods``, ``csv``…) in
    ``out_dir``, with a private user profile so that parallel runs do not collide."""
    assert SOFFICE is not None
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                SOFFICE,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                fmt,
                "--outdir",
                str(out_dir),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    target = out_dir / f"{source.stem}.{fmt.split(':')[0]}"
    assert target.exists(), f"LibreOffice did not write {target}"
    return target


# --- derived OOXML packages ---------------------------------------------------------------------

_STRICT = [
    (
        b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        b"http://purl.oclc.org/ooxml/spreadsheetml/main",
    ),
    (
        b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        b"http://purl.oclc.org/ooxml/officeDocument/relationships",
    ),
    (
        b"http://schemas.openxmlformats.org/drawingml/2006/main",
        b"http://purl.oclc.org/ooxml/drawingml/main",
    ),
]


def rewrite_package(
    source: Path, target: Path, change: Any, *, names: Mapping[str, str] | None = None
) -> Path:
    """A copy of a zip package with ``change(name, data) -> data`` applied to every part."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = change(info.filename, src.read(info.filename))
            dst.writestr((names or {}).get(info.filename, info.filename), data)
    return target


def to_strict(source: Path, target: Path) -> Path:
    """Strict Open XML as Excel saves it: the purl.oclc.org namespaces, conformance="strict"."""

    def change(name: str, data: bytes) -> bytes:
        for transitional, strict in _STRICT:
            data = data.replace(transitional, strict)
        if name == "xl/workbook.xml":
            data = data.replace(b"<workbook ", b'<workbook conformance="strict" ', 1)
        return data

    return rewrite_package(source, target, change)


def to_xlsm(source: Path, target: Path) -> Path:
    """A macro-enabled workbook (without macros): only its content type differs."""

    def change(name: str, data: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return data.replace(
                b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
            )
        return data

    return rewrite_package(source, target, change)


# --- xlsb ---------------------------------------------------------------------------------------

_EPOCH = datetime(1899, 12, 30)
ERROR_CODES = {"#NULL!": 0x00, "#DIV/0!": 0x07, "#VALUE!": 0x0F, "#REF!": 0x17, "#N/A": 0x2A}


class XlsbError(str):
    """A cell value that :func:`write_xlsb` writes as an Excel error."""


def _record(kind: int, payload: bytes = b"") -> bytes:
    head = bytearray()
    head.append((kind & 0x7F) | (0x80 if kind > 0x7F else 0))
    if kind > 0x7F:
        head.append(kind >> 7)
    size = len(payload)
    while True:
        byte = size & 0x7F
        size >>= 7
        head.append(byte | (0x80 if size else 0))
        if not size:
            break
    return bytes(head) + payload


def _wide(text: str) -> bytes:
    encoded = text.encode("utf-16-le")
    return struct.pack("<I", len(encoded) // 2) + encoded


def _cell(column: int, value: Any) -> bytes:
    head = struct.pack("<II", column, 0)
    if isinstance(value, XlsbError):
        return _record(0x03, head + bytes([ERROR_CODES[value]]))
    if isinstance(value, bool):
        return _record(0x04, head + bytes([int(value)]))
    if isinstance(value, datetime | date):
        moment = value if isinstance(value, datetime) else datetime(*value.timetuple()[:3])
        value = (moment - _EPOCH).total_seconds() / 86400
    if isinstance(value, int | float):
        return _record(0x05, head + struct.pack("<d", float(value)))
    return _record(0x06, head + _wide(str(value)))


def _sheet_bin(rows: Sequence[Sequence[Any]]) -> bytes:
    width = max((len(r) for r in rows), default=1)
    out = [_record(0x81), _record(0x94, struct.pack("<IIII", 0, max(len(rows) - 1, 0), 0, width))]
    out.append(_record(0x91))
    for index, row in enumerate(rows):
        out.append(_record(0x00, struct.pack("<I", index) + bytes(13)))
        out.extend(_cell(c, v) for c, v in enumerate(row) if v is not None)
    out += [_record(0x92), _record(0x82)]
    return b"".join(out)


def write_xlsb(
    path: Path, sheets: Mapping[str, Sequence[Sequence[Any]]], *, date1904: bool = False
) -> Path:
    """A minimal Excel binary workbook: workbook.bin with one BrtBundleSh per sheet, one
    sheetN.bin each (cells as BrtCellReal/St/Bool/Error; dates as serial numbers)."""
    properties = struct.pack("<II", int(date1904), 0) + _wide("")
    book = [_record(0x83), _record(0x99, properties), _record(0x8F)]
    rels = []
    overrides = []
    parts: dict[str, bytes] = {}
    for number, (name, rows) in enumerate(sheets.items(), start=1):
        rid = f"rId{number}"
        book.append(_record(0x9C, struct.pack("<II", 0, number) + _wide(rid) + _wide(name)))
        rels.append(
            f'<Relationship Id="{rid}" Type="http://schemas.openxmlformats.org/officeDocument/'
            f'2006/relationships/worksheet" Target="worksheets/sheet{number}.bin"/>'
        )
        overrides.append(
            f'<Override PartName="/xl/worksheets/sheet{number}.bin" '
            'ContentType="application/vnd.ms-excel.worksheet"/>'
        )
        parts[f"xl/worksheets/sheet{number}.bin"] = _sheet_bin(rows)
    book += [_record(0x90), _record(0x84)]
    parts["xl/workbook.bin"] = b"".join(book)
    parts["xl/_rels/workbook.bin.rels"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns='
        '"http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(rels)
        + "</Relationships>"
    ).encode()
    parts["_rels/.rels"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns='
        b'"http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
        b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'officeDocument" Target="xl/workbook.bin"/></Relationships>'
    )
    parts["[Content_Types].xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.'
        'openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType='
        '"application/vnd.openxmlformats-package.relationships+xml"/><Override PartName='
        '"/xl/workbook.bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.'
        'main"/>' + "".join(overrides) + "</Types>"
    ).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path
