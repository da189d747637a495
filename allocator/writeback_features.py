"""What a copy of an xlsx/xlsm made with openpyxl would lose, found from the package itself.

openpyxl rebuilds a workbook from its own object model: cells, styles, formulas, tables, data
validations, conditional formats, legacy comments, defined names and print settings survive;
macros, shapes, images (without Pillow), slicers, timelines, threaded comments, controls,
embedded objects, data connections, Power Query and every Excel 2010+ extension (``extLst``:
sparklines, x14 conditional formats and data validations…) do not, and charts and pivot tables
are rebuilt from what openpyxl understands of them. The write-back refuses such an input unless
``--force``.

:func:`read_package` is the only I/O: the zip's entry names, the small relationship and drawing
parts, and the ``<ext uri>`` of each worksheet streamed in chunks (a sheet of a million rows is
never held in memory). :func:`lost_features` decides from that, purely; :func:`describe` words it.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

from .i18n import t

__all__ = [
    "FEATURES",
    "LostFeature",
    "PackageParts",
    "describe",
    "lost_features",
    "read_package",
]

FEATURES = (
    "macros",
    "shapes",
    "charts",
    "images",
    "pivot_tables",
    "slicers",
    "timelines",
    "sparklines",
    "conditional_formats_x14",
    "data_validations_x14",
    "threaded_comments",
    "form_controls",
    "activex",
    "embedded_objects",
    "cell_images",
    "dynamic_arrays",
    "data_connections",
    "power_query",
    "data_model",
    "web_extensions",
    "protected_ranges",
    "extensions",
)
"""Every feature this module reports, in the order messages list them (i18n ``wb_feature_*``)."""

# Parts (case-insensitive prefixes of zip entry names) openpyxl does not carry over.
_PART_PREFIXES: tuple[tuple[str, str], ...] = (
    ("xl/vbaproject.bin", "macros"),
    ("xl/macrosheets/", "macros"),
    ("xl/dialogsheets/", "macros"),
    ("xl/chartsheets/", "charts"),
    ("xl/pivottables/", "pivot_tables"),
    ("xl/slicers/", "slicers"),
    ("xl/slicercaches/", "slicers"),
    ("xl/timelines/", "timelines"),
    ("xl/timelinecaches/", "timelines"),
    ("xl/threadedcomments/", "threaded_comments"),
    ("xl/ctrlprops/", "form_controls"),
    ("xl/activex/", "activex"),
    ("xl/embeddings/", "embedded_objects"),
    ("xl/richdata/", "cell_images"),
    ("xl/cellimages.xml", "cell_images"),  # WPS's pictures placed in cells
    ("xl/metadata.xml", "dynamic_arrays"),
    ("xl/connections.xml", "data_connections"),
    ("xl/querytables/", "data_connections"),
    ("xl/model/", "data_model"),
    ("xl/webextensions/", "web_extensions"),
)

# Worksheet <ext uri="…"> → feature (the URIs openpyxl itself names, plus the x14 link a
# conditional-format rule carries to its extended part).
_EXT_URIS: dict[str, str] = {
    "{78C0D931-6437-407D-A8EE-F0AAD7539E65}": "conditional_formats_x14",
    "{B025F937-C7B1-47D3-B67F-A62EFF666E3E}": "conditional_formats_x14",
    "{CCE6A557-97BC-4B89-ADB6-D9C93CAAB3DF}": "data_validations_x14",
    "{05C60535-1F16-4FD2-B633-F4F36F0B64E0}": "sparklines",
    "{A8765BA9-456A-4DAB-B4F3-ACF838C121DE}": "slicers",
    "{3A4CF648-6AED-40F4-86FF-DC5316D8AED3}": "slicers",
    "{7E03D99C-DC04-49D9-9315-930204A7B6E9}": "timelines",
    "{F7C9EE02-42E1-4005-9D12-6889AFFD525C}": "web_extensions",
    "{FC87AEE6-9EDD-4A0A-B7FB-166176984837}": "protected_ranges",
}

_DRAWING = re.compile(r"^xl/drawings/[^/]+\.xml$", re.IGNORECASE)
_VML = re.compile(r"^xl/drawings/[^/]+\.vml$", re.IGNORECASE)
_SHEET_PART = re.compile(r"^xl/(work|chart)sheets/[^/]+\.xml$", re.IGNORECASE)
_CUSTOM_XML = re.compile(r"^customxml/item\d*\.xml$", re.IGNORECASE)

_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(\w+)[\s/>]")
_SHEET_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheet\s([^>]*)>")
_RELATIONSHIP = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Relationship\s([^>]*)>")
_ATTRIBUTE = re.compile(rb'([\w:.-]+)\s*=\s*"([^"]*)"')
_EXT_URI = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?ext\s[^>]*?\buri\s*=\s*\"([^\"]*)\"")
_CONTROL = re.compile(rb"ObjectType\s*=\s*\"(\w+)\"")

_CHUNK = 1 << 20
_OVERLAP = 512
"""Bytes carried from one chunk into the next, so that a tag split across them is still seen."""
_SMALL_PART = 8 << 20
"""Relationship, workbook and drawing parts are read whole only up to this size."""


@dataclass(frozen=True)
class PackageParts:
    """What :func:`read_package` collected from an xlsx/xlsm package."""

    names: tuple[str, ...]
    """Every zip entry name."""
    sheets: Mapping[str, str] = field(default_factory=dict)
    """Worksheet or chartsheet part → the sheet's name."""
    targets: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Sheet part → the parts its relationships point to (drawings, pivot tables, …)."""
    drawings: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Drawing part → what it draws: ``shapes``, ``charts``, ``images``."""
    vml_controls: frozenset[str] = frozenset()
    """Legacy VML drawings holding form controls (not only comment boxes)."""
    extensions: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Worksheet part → the (upper-case) URIs of its ``<ext>`` elements."""
    power_query: bool = False
    """A custom XML part holds Power Query's ``DataMashup``."""
    merged_cells: Mapping[str, int] = field(default_factory=dict)
    """Worksheet part → cells covered by its merged ranges (openpyxl makes an object of each)."""


@dataclass(frozen=True)
class LostFeature:
    """One kind of content the copy would lose, and the sheets it sits on (empty: workbook)."""

    key: str
    sheets: tuple[str, ...] = ()


def _resolve(source: str, target: str) -> str:
    """The part a relationship of ``source`` points to (targets are relative to its folder)."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def _rels_part(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _attributes(raw: bytes) -> dict[str, str]:
    return {
        key.decode("ascii", "replace"): unescape(value.decode("utf-8", "replace"))
        for key, value in _ATTRIBUTE.findall(raw)
    }


def _relationships(archive: zipfile.ZipFile, part: str, names: set[str]) -> dict[str, str]:
    """Relationship id → target part of ``part`` (external targets left out)."""
    rels = _rels_part(part)
    if rels not in names:
        return {}
    found: dict[str, str] = {}
    for raw in _RELATIONSHIP.findall(_read_small(archive, rels)):
        attrs = _attributes(raw)
        if attrs.get("TargetMode", "").lower() == "external" or "Target" not in attrs:
            continue
        found[attrs.get("Id", "")] = _resolve(part, attrs["Target"])
    return found


def _read_small(archive: zipfile.ZipFile, name: str) -> bytes:
    with archive.open(name) as handle:
        return handle.read(_SMALL_PART)


def _drawing_kinds(data: bytes) -> frozenset[str]:
    tags = {match.decode("ascii") for match in _TAG.findall(data)}
    kinds: set[str] = set()
    if tags & {"sp", "grpSp", "cxnSp"}:
        kinds.add("shapes")
    if "chart" in tags:
        kinds.add("charts")
    if "pic" in tags:
        kinds.add("images")
    return frozenset(kinds)


def _extension_uris(archive: zipfile.ZipFile, part: str) -> frozenset[str]:
    """The ``<ext uri>`` values anywhere in a worksheet, read in chunks."""
    uris: set[str] = set()
    tail = b""
    with archive.open(part) as handle:
        while chunk := handle.read(_CHUNK):
            window = tail + chunk
            if b"ext" in window:
                uris.update(u.decode("ascii", "replace").upper() for u in _EXT_URI.findall(window))
            tail = window[-_OVERLAP:]
    return frozenset(uris)


_MERGE_REF = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\s[^>]*?\bref\s*=\s*\"([A-Z]+)(\d+):([A-Z]+)(\d+)\""
)


def _letters(text: bytes) -> int:
    number = 0
    for char in text:
        number = number * 26 + char - 64
    return number


def _merged_cells(archive: zipfile.ZipFile, part: str) -> int:
    """Cells covered by a worksheet's merged ranges, read in chunks."""
    total = 0
    tail = b""
    seen: set[bytes] = set()
    with archive.open(part) as handle:
        while chunk := handle.read(_CHUNK):
            window = tail + chunk
            if b"mergeCell" in window:
                for match in _MERGE_REF.finditer(window):
                    if match.group(0) in seen:  # found again in the overlap
                        continue
                    seen.add(match.group(0))
                    c1, r1, c2, r2 = match.groups()
                    rows = abs(int(r2) - int(r1)) + 1
                    total += rows * (abs(_letters(c2) - _letters(c1)) + 1)
            tail = window[-_OVERLAP:]
    return total


def read_package(path: Path) -> PackageParts:
    """Collect from the xlsx/xlsm at ``path`` what :func:`lost_features` needs.

    Raises ``zipfile.BadZipFile``/``OSError`` for a file that is not a readable zip; the caller
    has already checked it with :mod:`allocator.safety`.
    """
    with zipfile.ZipFile(path) as archive:
        names = tuple(archive.namelist())
        present = set(names)
        sheets: dict[str, str] = {}
        if "xl/workbook.xml" in present:
            book_rels = _relationships(archive, "xl/workbook.xml", present)
            for raw in _SHEET_TAG.findall(_read_small(archive, "xl/workbook.xml")):
                attrs = _attributes(raw)
                rel_id = next((v for k, v in attrs.items() if k.endswith(":id")), None)
                if rel_id in book_rels and "name" in attrs:
                    sheets[book_rels[rel_id]] = attrs["name"]
        targets = {
            part: tuple(_relationships(archive, part, present).values())
            for part in names
            if _SHEET_PART.match(part)
        }
        drawings = {
            part: _drawing_kinds(_read_small(archive, part))
            for part in names
            if _DRAWING.match(part)
        }
        vml_controls = frozenset(
            part
            for part in names
            if _VML.match(part)
            and any(kind != b"Note" for kind in _CONTROL.findall(_read_small(archive, part)))
        )
        extensions = {
            part: _extension_uris(archive, part)
            for part in names
            if _SHEET_PART.match(part) and part.lower().startswith("xl/worksheets/")
        }
        merged = {
            part: _merged_cells(archive, part)
            for part in names
            if _SHEET_PART.match(part) and part.lower().startswith("xl/worksheets/")
        }
        power_query = any(
            b"DataMashup" in _read_small(archive, part) for part in names if _CUSTOM_XML.match(part)
        )
    return PackageParts(
        names=names,
        sheets=sheets,
        targets=targets,
        drawings=drawings,
        vml_controls=vml_controls,
        extensions={part: uris for part, uris in extensions.items() if uris},
        power_query=power_query,
        merged_cells={part: cells for part, cells in merged.items() if cells},
    )


def _sheet_of(parts: PackageParts) -> dict[str, set[str]]:
    """Part → the names of the sheets that point to it (or are it)."""
    owners: dict[str, set[str]] = {}
    for part, name in parts.sheets.items():
        owners.setdefault(part, set()).add(name)
    for sheet_part, targets in parts.targets.items():
        sheet_name = parts.sheets.get(sheet_part)
        if sheet_name is None:
            continue
        for target in targets:
            owners.setdefault(target, set()).add(sheet_name)
    return owners


def lost_features(parts: PackageParts) -> tuple[LostFeature, ...]:
    """What a copy made with openpyxl would lose or rebuild, in :data:`FEATURES` order."""
    owners = _sheet_of(parts)
    found: dict[str, set[str]] = {}

    def add(key: str, sheets: Iterable[str] = ()) -> None:
        found.setdefault(key, set()).update(sheets)

    for name in parts.names:
        lowered = name.lower()
        for prefix, key in _PART_PREFIXES:
            if lowered.startswith(prefix):
                add(key, owners.get(name, ()))
                break
    for part, kinds in parts.drawings.items():
        for kind in kinds:
            add(kind, owners.get(part, ()))
    for part in parts.vml_controls:
        add("form_controls", owners.get(part, ()))
    for part, uris in parts.extensions.items():
        sheet = [parts.sheets[part]] if part in parts.sheets else []
        for uri in uris:
            add(_EXT_URIS.get(uri, "extensions"), sheet)
    if parts.power_query:
        add("power_query")
    order = {key: position for position, key in enumerate(FEATURES)}
    return tuple(
        LostFeature(key, tuple(sorted(sheets)))
        for key, sheets in sorted(found.items(), key=lambda item: order[item[0]])
    )


_SHEETS_SHOWN = 3
_SEPARATOR = {"zh": "、", "en": ", "}


def describe(features: Iterable[LostFeature], lang: str) -> str:
    """``图表（工作表：看板）、宏（VBA）`` / ``charts (sheet Dashboard), macros (VBA)``."""
    separator = _SEPARATOR[lang]
    texts = []
    for feature in features:
        text = t(lang, f"wb_feature_{feature.key}")
        if feature.sheets:
            shown = list(feature.sheets[:_SHEETS_SHOWN])
            if len(feature.sheets) > _SHEETS_SHOWN:
                shown.append("…")
            text = t(lang, "wb_feature_on", feature=text, sheets=separator.join(shown))
        texts.append(text)
    return separator.join(texts)
