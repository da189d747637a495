"""Cheap passes over a sheet before python-calamine reads it.

python-calamine returns Excel error cells (``#N/A``, ``#DIV/0!``…) as blanks, and allocates the
whole area a sheet's values span at once: one stray value in cell XFD1048576 asks for 17 billion
cells and aborts the process (a Rust allocation failure cannot be caught). These passes read the
raw parts to find both, without building any cell objects:

* xlsx/xlsm (and Strict OOXML): the sheet XML streamed in chunks, searched with byte patterns;
  a sheet spanning too much is rewritten in memory without the stray cells (rare);
* xlsb: the BIFF12 records of the sheet;
* xls: the BIFF8 records of the sheet substream;
* ods: content.xml parsed (with defusedxml) only when it holds an error cell at all.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO

from .errors import column_letter
from .safety import LIMITS, Limits

__all__ = [
    "ERROR_CODES",
    "ERROR_TEXTS",
    "SheetScan",
    "Trimmed",
    "column_index",
    "scan_ods",
    "scan_xls",
    "scan_xlsb",
    "scan_xlsx",
    "trim_xlsx",
    "xls_uses_1904",
    "xlsb_uses_1904",
    "xlsx_sheet_parts",
]

ERROR_CODES: Mapping[int, str] = {
    0x00: "#NULL!",
    0x07: "#DIV/0!",
    0x0F: "#VALUE!",
    0x17: "#REF!",
    0x1D: "#NAME?",
    0x24: "#NUM!",
    0x2A: "#N/A",
    0x2B: "#GETTING_DATA",
}
"""Excel's error codes as stored in xls and xlsb records."""
UNKNOWN_ERROR = "#ERROR!"
"""An error cell whose code is not one of Excel's (also Google Sheets' parse error)."""
ERROR_TEXTS = frozenset(
    (
        *ERROR_CODES.values(),
        *("#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"),
        UNKNOWN_ERROR,
    )
)
"""Every error value Excel shows in a cell (a CSV saved by Excel holds them as text)."""

_CHUNK = 8 << 20


@dataclass(frozen=True)
class SheetScan:
    """What a pass found in one sheet."""

    errors: tuple[tuple[int, int, str], ...] = ()
    """(0-based row, 0-based column, ``#N/A``…) of every error cell."""
    rows: int = 0
    """Rows the sheet's values span (the last row holding a value); 0 when unknown."""
    columns: int = 0
    """Columns the sheet's values span (an upper bound: 26 when all are within A–Z)."""


@dataclass(frozen=True)
class Trimmed:
    """What :func:`trim_xlsx` left out of a sheet."""

    xml: bytes
    """The sheet XML without the left-out cells."""
    scan: SheetScan
    """The sheet as it now is."""
    rows_after: tuple[int, int, int] | None = None
    """(first left-out row, its first value's column, rows with values left out) when values
    below a run of empty rows were left out; 1-based row, 0-based column."""
    cells_right: tuple[int, int, int] | None = None
    """(row, column, cells left out) when values right of the column limit were left out."""
    too_large: str | None = None
    """Why the sheet cannot be read even so (its values still span too many cells)."""


def column_index(letters: str) -> int:
    """0-based column index of Excel column letters (A → 0, AA → 26)."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


# --- xlsx / xlsm / Strict OOXML -----------------------------------------------------------------

_RELS_NS_SUFFIX = "}Relationship"


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def xlsx_sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → zip part of its XML, from ``xl/workbook.xml`` and its relationships.

    Namespace-agnostic, so transitional and Strict OOXML both work. Small parts parsed with
    defusedxml (entity expansion refused)."""
    from defusedxml import ElementTree

    names = set(archive.namelist())
    workbook = _office_document(archive, names)
    if workbook is None:
        return {}
    folder = PurePosixPath(workbook).parent
    rels_part = str(folder / "_rels" / (PurePosixPath(workbook).name + ".rels"))
    if rels_part not in names:
        return {}
    targets: dict[str, str] = {}
    for element in ElementTree.fromstring(archive.read(rels_part)).iter():
        if element.tag.endswith(_RELS_NS_SUFFIX) or element.tag == "Relationship":
            target = element.get("Target", "")
            part = target.lstrip("/") if target.startswith("/") else str(folder / target)
            targets[element.get("Id", "")] = _normalise_part(part)
    parts: dict[str, str] = {}
    for element in ElementTree.fromstring(archive.read(workbook)).iter():
        if _local(element.tag) != "sheet":
            continue
        rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
        name = element.get("name")
        if name is not None and rid in targets and targets[rid] in names:
            parts[name] = targets[rid]
    return parts


def _office_document(archive: zipfile.ZipFile, names: set[str]) -> str | None:
    from defusedxml import ElementTree

    if "_rels/.rels" in names:
        for element in ElementTree.fromstring(archive.read("_rels/.rels")).iter():
            if element.get("Type", "").endswith("/officeDocument"):
                part = _normalise_part(element.get("Target", "").lstrip("/"))
                if part in names:
                    return part
    return "xl/workbook.xml" if "xl/workbook.xml" in names else None


def _normalise_part(part: str) -> str:
    pieces: list[str] = []
    for piece in part.split("/"):
        if piece == "..":
            if pieces:
                pieces.pop()
        elif piece not in ("", "."):
            pieces.append(piece)
    return "/".join(pieces)


def _segments(stream: IO[bytes], cut: bytes) -> Iterator[bytes]:
    """The stream in chunks that end right after the last ``cut`` marker, so that no element
    that ends with it straddles two chunks."""
    rest = b""
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        data = rest + chunk if rest else chunk
        end = data.rfind(cut)
        if end < 0:
            rest = data
            continue
        end += len(cut)
        yield data[:end]
        rest = data[end:]
    if rest:
        yield rest


_ERROR_CELL = re.compile(rb'<(?:[\w.-]+:)?c\s[^>]*?\bt="e"[^>]*>(.*?)</(?:[\w.-]+:)?c>', re.S)
_REF = re.compile(rb'\sr="([A-Z]{1,3})(\d+)"')
_VALUE = re.compile(rb"<(?:[\w.-]+:)?v>([^<]*)<")
_WIDE_VALUE_CELL = re.compile(rb' r="([A-Z]{2,3})\d+"[^>/]*>')
_CELL_REF_AT = re.compile(rb' r="[A-Z]{1,3}(\d+)"')


def _ref(tag: bytes) -> tuple[int, int] | None:
    found = _REF.search(tag)
    if found is None:
        return None
    return int(found.group(2)) - 1, column_index(found.group(1).decode())


def _error_text(value: re.Match[bytes] | None) -> str:
    text = value.group(1).decode("utf-8", "replace").strip() if value else ""
    return text if text in ERROR_TEXTS else UNKNOWN_ERROR


def _last_value_row(segment: bytes) -> int:
    """1-based row of the last cell holding a value in ``segment`` (0 when none)."""
    position = max(segment.rfind(b"v>"), segment.rfind(b"is>"))
    if position < 0:
        return 0
    start = segment.rfind(b' r="', 0, position)
    found = _CELL_REF_AT.match(segment, start) if start >= 0 else None
    return int(found.group(1)) if found else 0


def scan_xlsx(archive: zipfile.ZipFile, part: str) -> SheetScan:
    """Error cells and the span of one worksheet part, streaming its XML."""
    errors: list[tuple[int, int, str]] = []
    rows = 0
    wide: set[bytes] = set()
    any_value = False
    with archive.open(part) as stream:
        for segment in _segments(stream, b"c>"):
            if b't="e"' in segment:
                for match in _ERROR_CELL.finditer(segment):
                    where = _ref(match.group(0)[: match.group(0).find(b">") + 1])
                    if where is None:
                        continue
                    value = _VALUE.search(match.group(1))
                    errors.append((where[0], where[1], _error_text(value)))
            last = _last_value_row(segment)
            if last:
                any_value = True
                rows = max(rows, last)
            wide.update(_WIDE_VALUE_CELL.findall(segment))
    columns = max((column_index(w.decode()) + 1 for w in wide), default=26 if any_value else 0)
    return SheetScan(errors=tuple(errors), rows=rows, columns=columns)


_ROW = re.compile(rb"<(?:[\w.-]+:)?row\b[^>]*?(?:/>|>.*?</(?:[\w.-]+:)?row>)", re.S)
_ROW_NUMBER = re.compile(rb'^<(?:[\w.-]+:)?row\b[^>]*?\sr="(\d+)"')
_WIDE_CELL = re.compile(
    rb'<(?:[\w.-]+:)?c\s[^>]*?\br="([A-Z]{2,3})(\d+)"[^>]*?(?:/>|>.*?</(?:[\w.-]+:)?c>)', re.S
)
_DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension\b[^>]*/>")


def _has_value(xml: bytes) -> bool:
    return b"v>" in xml or b"is>" in xml


def trim_xlsx(archive: zipfile.ZipFile, part: str, limits: Limits = LIMITS) -> Trimmed:
    """The sheet without the values a reader must not see: rows after a run of
    ``limits.empty_row_run`` empty rows, cells right of ``limits.max_columns``. Only for the
    rare sheet whose scan spans too much; a Python pass over its rows."""
    out = io.BytesIO()
    first_row: tuple[int, int] | None = None
    rows_left_out = 0
    first_cell: tuple[int, int] | None = None
    cells_left_out = 0
    last_value_row = 0
    kept_rows = 0
    kept_columns = 0
    errors: list[tuple[int, int, str]] = []
    number = 0
    cutting = False

    def drop_wide(match: re.Match[bytes]) -> bytes:
        nonlocal first_cell, cells_left_out
        column = column_index(match.group(1).decode())
        if column < limits.max_columns:
            return match.group(0)
        if _has_value(match.group(0)):
            cells_left_out += 1
            if first_cell is None:
                first_cell = (int(match.group(2)), column)
        return b""

    with archive.open(part) as stream:
        for index, segment in enumerate(_segments(stream, b"row>")):
            if index == 0:
                segment = _DIMENSION.sub(b"", segment, count=1)
            position = 0
            for match in _ROW.finditer(segment):
                if not cutting:
                    out.write(segment[position : match.start()])
                position = match.end()
                row = match.group(0)
                found = _ROW_NUMBER.match(row)
                number = int(found.group(1)) if found else number + 1
                if not _has_value(row):
                    if not cutting:
                        out.write(row)
                    continue
                if (
                    not cutting
                    and last_value_row
                    and number - last_value_row > (limits.empty_row_run)
                ):
                    cutting = True
                if cutting:
                    rows_left_out += 1
                    if first_row is None:
                        where = _ref(row[row.find(b"<", 1) :])
                        first_row = (number, where[1] if where else 0)
                    continue
                if _WIDE_CELL.search(row):
                    row = _WIDE_CELL.sub(drop_wide, row)
                last_value_row = number
                if _has_value(row):
                    kept_rows = number
                    wide = _WIDE_VALUE_CELL.findall(row)
                    widest = max((column_index(w.decode()) + 1 for w in wide), default=26)
                    kept_columns = max(kept_columns, widest)
                    if b't="e"' in row:
                        for cell in _ERROR_CELL.finditer(row):
                            tag = cell.group(0)
                            where = _ref(tag[: tag.find(b">") + 1])
                            value = _VALUE.search(cell.group(1))
                            if where is not None:
                                errors.append((where[0], where[1], _error_text(value)))
                out.write(row)
            tail = segment[position:]
            if cutting:
                # keep only the end of the sheet data and what follows it
                end = re.search(rb"</(?:[\w.-]+:)?sheetData>", tail)
                if end is not None:
                    out.write(tail[end.start() :])
            else:
                out.write(tail)
    scan = SheetScan(errors=tuple(errors), rows=kept_rows, columns=kept_columns)
    too_large = None
    if scan.rows * scan.columns > limits.max_cells:
        too_large = span_message(scan, limits)
    return Trimmed(
        xml=out.getvalue(),
        scan=scan,
        rows_after=(first_row[0], first_row[1], rows_left_out) if first_row else None,
        cells_right=(first_cell[0], first_cell[1], cells_left_out) if first_cell else None,
        too_large=too_large,
    )


def span_message(scan: SheetScan, limits: Limits = LIMITS) -> str:
    """Why a sheet spanning ``scan.rows`` × ``scan.columns`` cells is refused."""
    cells = scan.rows * scan.columns
    return (
        f"its values span {scan.rows:,} rows × {scan.columns:,} columns "
        f"(A1:{column_letter(max(scan.columns - 1, 0))}{scan.rows}, {cells / 1e6:,.0f} million "
        f"cells; the limit is {limits.max_cells / 1e6:,.0f} million): delete the rows or "
        "columns that are not part of the table"
    )


def needs_trim(scan: SheetScan, limits: Limits = LIMITS) -> bool:
    """Whether reading the sheet as it is would ask for too much memory."""
    return scan.columns > limits.max_columns or scan.rows * scan.columns > limits.max_cells


def patch_zip(source: zipfile.ZipFile, replace: Mapping[str, bytes]) -> bytes:
    """A copy of the zip with some parts replaced (stored uncompressed: it is read right away)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as target:
        for info in source.infolist():
            data = replace.get(info.filename)
            target.writestr(info.filename, data if data is not None else source.read(info))
    return out.getvalue()


# --- xlsb ---------------------------------------------------------------------------------------


@dataclass
class _RecordReader:
    data: bytes
    position: int = 0

    def next(self) -> tuple[int, int, int] | None:
        """(type, payload start, payload end) of the next record, None at the end."""
        data, position, size = self.data, self.position, len(self.data)
        if position >= size:
            return None
        kind = data[position]
        position += 1
        if kind & 0x80:
            if position >= size:
                return None
            kind = (kind & 0x7F) | ((data[position] & 0x7F) << 7)
            position += 1
        length = 0
        for shift in (0, 7, 14, 21):
            if position >= size:
                return None
            byte = data[position]
            position += 1
            length |= (byte & 0x7F) << shift
            if not byte & 0x80:
                break
        end = position + length
        if end > size:
            return None
        self.position = end
        return kind, position, end


_XLSB_VALUE_CELLS = frozenset((0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B))


def xlsb_sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → zip part, from ``xl/workbook.bin`` (BrtBundleSh records) and its rels."""
    from defusedxml import ElementTree

    names = set(archive.namelist())
    targets: dict[str, str] = {}
    if "xl/_rels/workbook.bin.rels" in names:
        for element in ElementTree.fromstring(archive.read("xl/_rels/workbook.bin.rels")).iter():
            if element.tag.endswith(_RELS_NS_SUFFIX) or element.tag == "Relationship":
                target = element.get("Target", "")
                part = target.lstrip("/") if target.startswith("/") else "xl/" + target
                targets[element.get("Id", "")] = _normalise_part(part)
    parts: dict[str, str] = {}
    reader = _RecordReader(archive.read("xl/workbook.bin"))
    while (record := reader.next()) is not None:
        kind, start, end = record
        if kind == 0x90:  # BrtEndBundleShs
            break
        if kind != 0x9C or end - start < 16:  # BrtBundleSh
            continue
        payload = reader.data[start:end]
        (rid_length,) = struct.unpack_from("<I", payload, 8)
        if rid_length == 0xFFFFFFFF:
            continue
        rid_end = 12 + rid_length * 2
        rid = payload[12:rid_end].decode("utf-16-le", "replace")
        if rid_end + 4 > len(payload):
            continue
        (name_length,) = struct.unpack_from("<I", payload, rid_end)
        name = payload[rid_end + 4 : rid_end + 4 + name_length * 2].decode("utf-16-le", "replace")
        if rid in targets and targets[rid] in names:
            parts[name] = targets[rid]
    return parts


def scan_xlsb(archive: zipfile.ZipFile, part: str) -> SheetScan:
    """Error cells and the span of one xlsb worksheet, walking its records."""
    reader = _RecordReader(archive.read(part))
    data = reader.data
    errors: list[tuple[int, int, str]] = []
    row = -1
    rows = 0
    columns = 0
    while (record := reader.next()) is not None:
        kind, start, end = record
        if kind == 0x00 and end - start >= 4:  # BrtRowHdr
            (row,) = struct.unpack_from("<I", data, start)
        elif kind in _XLSB_VALUE_CELLS and end - start >= 9 and row >= 0:
            (column,) = struct.unpack_from("<I", data, start)
            rows = max(rows, row + 1)
            columns = max(columns, column + 1)
            if kind in (0x03, 0x0B):  # BrtCellError, BrtFmlaError
                text = ERROR_CODES.get(data[start + 8], UNKNOWN_ERROR)
                errors.append((row, column, text))
        elif kind == 0x92:  # BrtEndSheetData
            break
    return SheetScan(errors=tuple(errors), rows=rows, columns=columns)


# --- xls (BIFF8) --------------------------------------------------------------------------------


def scan_xls(data: bytes, sheets: Sequence[str]) -> dict[str, SheetScan]:
    """Error cells of the named sheets of an xls ``Workbook`` stream: BOOLERR records holding
    an error and FORMULA records whose cached result is an error."""
    bounds = _xls_sheet_offsets(data)
    result: dict[str, SheetScan] = {}
    for name in sheets:
        offset = bounds.get(name)
        if offset is None:
            continue
        errors: list[tuple[int, int, str]] = []
        position, size = offset, len(data)
        first = True
        while position + 4 <= size:
            kind, length = struct.unpack_from("<HH", data, position)
            body = position + 4
            if kind == 0x0809 and not first:  # a nested BOF (chart): not this sheet's cells
                break
            first = False
            if kind == 0x000A:  # EOF
                break
            if kind == 0x0205 and length >= 8 and data[body + 7] == 1:  # BOOLERR, an error
                row, column = struct.unpack_from("<HH", data, body)
                errors.append((row, column, ERROR_CODES.get(data[body + 6], UNKNOWN_ERROR)))
            elif kind == 0x0006 and length >= 14:  # FORMULA
                result_bytes = data[body + 6 : body + 14]
                if result_bytes[6:8] == b"\xff\xff" and result_bytes[0] == 2:
                    row, column = struct.unpack_from("<HH", data, body)
                    errors.append((row, column, ERROR_CODES.get(result_bytes[2], UNKNOWN_ERROR)))
            position = body + length
        result[name] = SheetScan(errors=tuple(errors))
    return result


def _xls_sheet_offsets(data: bytes) -> dict[str, int]:
    """Sheet name → offset of its BOF in the stream, from the BOUNDSHEET8 records."""
    offsets: dict[str, int] = {}
    position, size = 0, len(data)
    while position + 4 <= size:
        kind, length = struct.unpack_from("<HH", data, position)
        body = position + 4
        if kind == 0x000A:  # EOF of the globals substream
            break
        if kind == 0x0085 and length >= 8:  # BOUNDSHEET8
            (offset,) = struct.unpack_from("<I", data, body)
            count, flags = data[body + 6], data[body + 7]
            if flags & 1:
                name = data[body + 8 : body + 8 + 2 * count].decode("utf-16-le", "replace")
            else:
                name = data[body + 8 : body + 8 + count].decode("latin-1")
            offsets[name] = offset
        position = body + length
    return offsets


def xls_uses_1904(data: bytes) -> bool:
    """Whether an xls ``Workbook`` stream counts dates from 1904 (its DATEMODE record)."""
    position, size = 0, len(data)
    while position + 4 <= size:
        kind, length = struct.unpack_from("<HH", data, position)
        if kind == 0x000A:  # EOF of the globals substream
            break
        if kind == 0x0022 and length >= 2:  # DATEMODE
            return struct.unpack_from("<H", data, position + 4)[0] == 1
        position += 4 + length
    return False


def xlsb_uses_1904(data: bytes) -> bool:
    """Whether an xlsb ``workbook.bin`` counts dates from 1904 (its BrtWbProp record)."""
    reader = _RecordReader(data)
    while (record := reader.next()) is not None:
        kind, start, end = record
        if kind == 0x99 and end > start:  # BrtWbProp
            return bool(data[start] & 1)
        if kind == 0x8F:  # BrtBeginBundleShs: the properties come before the sheets
            break
    return False


def read_xls_stream(source: str | io.BytesIO) -> bytes:
    """The ``Workbook`` stream of an xls file (empty when there is none)."""
    import olefile

    with olefile.OleFileIO(source) as ole:
        if not ole.exists("Workbook"):
            return b""
        with ole.openstream("Workbook") as stream:
            return bytes(stream.read())


# --- ods ----------------------------------------------------------------------------------------

_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_ERROR_TYPE = re.compile(rb'value-type="error"')


@dataclass
class _OdsCursor:
    sheet: str | None = None
    row: int = 0
    column: int = 0
    errors: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)


def scan_ods(archive: zipfile.ZipFile, sheets: Sequence[str]) -> dict[str, SheetScan]:
    """Error cells of the named sheets of an ods (LibreOffice marks them
    ``calcext:value-type="error"``); content.xml is parsed only when it holds one."""
    from defusedxml import ElementTree

    with archive.open("content.xml") as stream:
        if not any(_ERROR_TYPE.search(segment) for segment in _segments(stream, b">")):
            return {}
    wanted = set(sheets)
    cursor = _OdsCursor()
    table, row_tag = f"{{{_TABLE_NS}}}table", f"{{{_TABLE_NS}}}table-row"
    cells = (f"{{{_TABLE_NS}}}table-cell", f"{{{_TABLE_NS}}}covered-table-cell")
    name_attr = f"{{{_TABLE_NS}}}name"
    rows_repeated = f"{{{_TABLE_NS}}}number-rows-repeated"
    columns_repeated = f"{{{_TABLE_NS}}}number-columns-repeated"
    with archive.open("content.xml") as stream:
        for event, element in ElementTree.iterparse(stream, events=("start", "end")):
            tag = element.tag
            if event == "start":
                if tag == table:
                    cursor.sheet, cursor.row = element.get(name_attr), 0
                elif tag == row_tag:
                    cursor.column = 0
                continue
            if tag in cells:
                repeat = int(element.get(columns_repeated, "1") or 1)
                if cursor.sheet in wanted and any(
                    _local(k) == "value-type" and v == "error" for k, v in element.attrib.items()
                ):
                    text = "".join(element.itertext()).strip()
                    text = text if text in ERROR_TEXTS else UNKNOWN_ERROR
                    found = cursor.errors.setdefault(cursor.sheet or "", [])
                    found.append((cursor.row, cursor.column, text))
                cursor.column += repeat
                element.clear()
            elif tag == row_tag:
                cursor.row += int(element.get(rows_repeated, "1") or 1)
                element.clear()
            elif tag == table:
                cursor.sheet = None
                element.clear()
    return {name: SheetScan(errors=tuple(found)) for name, found in cursor.errors.items()}
