"""Sheet and file names that Excel, Windows and macOS all accept, derived from rep names.

Both functions keep the name recognisable (only the offending characters become ``_``), make it
unique case-insensitively against the names already taken (``Li Na``, ``li na (2)``) and record
the result in ``taken`` so that the caller can simply call them in a loop.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

__all__ = ["safe_file_name", "safe_sheet_name"]

SHEET_NAME_MAX = 31
FILE_NAME_MAX = 100
FILE_NAME_MAX_BYTES = 200
"""Leaves room for `` (99).xlsx`` within the 255-byte limit of Linux and macOS."""

_SHEET_BAD = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f]")
_FILE_BAD = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
# Excel refuses a sheet called History (it is reserved for change tracking).
_SHEET_RESERVED = frozenset({"history"})
# Windows refuses these as file names, with or without an extension (CON.xlsx is still CON).
_FILE_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", "conin$", "conout$"}
    | {f"com{i}" for i in range(10)}
    | {f"lpt{i}" for i in range(10)}
    | {f"com{c}" for c in "¹²³"}
    | {f"lpt{c}" for c in "¹²³"}
)


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _fit(text: str, limit: int, size: Callable[[str], int]) -> str:
    """The longest prefix of ``text`` whose ``size`` is at most ``limit``."""
    if size(text) <= limit:
        return text
    low, high = 0, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if size(text[:mid]) <= limit:
            low = mid
        else:
            high = mid - 1
    return text[:low]


def _unique(
    base: str,
    taken: set[str],
    fit: Callable[[str, int], str],
    limit: int,
    reserved: frozenset[str] = frozenset(),
) -> str:
    """``base``, else ``base (2)``, ``base (3)``…, shortened so that the suffix always fits."""
    folded = {name.casefold() for name in taken} | reserved
    candidate = fit(base, limit)
    counter = 1
    while candidate.casefold() in folded:
        counter += 1
        suffix = f" ({counter})"
        candidate = fit(base, limit - len(suffix)).rstrip() + suffix
    taken.add(candidate)
    return candidate


def _sheet_fit(text: str, limit: int) -> str:
    # Excel counts sheet name length in UTF-16 units (an emoji counts twice).
    return _fit(text, limit, _utf16_len)


def _file_fit(text: str, limit: int) -> str:
    # Characters for Windows, UTF-8 bytes for Linux/macOS (255 bytes per name, CJK = 3 bytes).
    text = _fit(text, limit, len)
    return _fit(
        text, FILE_NAME_MAX_BYTES - (FILE_NAME_MAX - limit), lambda s: len(s.encode("utf-8"))
    )


def safe_sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unique worksheet name for ``name``; the result is added to ``taken``.

    At most 31 characters, none of ``[]:*?/\\``, no leading or trailing apostrophe, never
    ``History``, unique case-insensitively (``Zhang (2)``). ``Rep: 张伟/Q1`` → ``Rep_ 张伟_Q1``.
    """
    text = unicodedata.normalize("NFC", str(name))
    text = _SHEET_BAD.sub("_", text).strip()
    # Excel quotes sheet names with apostrophes in references; a leading/trailing one is refused.
    text = text.strip("'").strip() or "Sheet"
    text = _sheet_fit(text, SHEET_NAME_MAX).rstrip().rstrip("'") or "Sheet"
    return _unique(text, taken, _sheet_fit, SHEET_NAME_MAX, _SHEET_RESERVED)


def safe_file_name(name: str, taken: set[str]) -> str:
    """A portable, unique file name stem for ``name`` (the caller adds ``.xlsx``).

    No ``<>:"/\\|?*`` or control characters, not a reserved Windows device name (``CON`` →
    ``_CON``), no leading dot (hidden on Unix) or trailing dot/space (dropped by Windows), at most
    100 characters, unique case-insensitively; the result is added to ``taken``.
    """
    text = unicodedata.normalize("NFC", str(name))
    text = _FILE_BAD.sub("_", text).strip()
    text = text.rstrip(". ")
    if text.startswith("."):
        text = "_" + text[1:]
    if not text:
        text = "rep"
    if text.split(".", 1)[0].strip().casefold() in _FILE_RESERVED:
        text = "_" + text
    text = _file_fit(text, FILE_NAME_MAX).rstrip(". ") or "rep"
    return _unique(text, taken, _file_fit, FILE_NAME_MAX)
