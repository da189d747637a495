"""Typing a raw sheet and turning its problems into Issues with cell references.

Shared by the validation of every input sheet (Customers, Reps, Rules): each column is coerced
by its kind (:mod:`allocator.coerce`), unreadable cells and pandera failures become
:class:`~allocator.errors.Issue` objects naming sheet, cell, the user's header and the value.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
import pandera.pandas as pa

from .coerce import (
    STAGES,
    CellError,
    to_bool,
    to_date,
    to_intent,
    to_level,
    to_list,
    to_number,
    to_stage,
    to_text,
)
from .errors import Issue, cell_ref
from .headers import SheetSpec
from .i18n import t
from .model import RawSheet
from .sheetscan import ERROR_TEXTS

__all__ = [
    "EXCEL_TEXT_MAX",
    "Collector",
    "bad_cells",
    "ge0",
    "integral",
    "report_overlong_text",
    "run_schema",
    "type_sheet",
]

Coercer = Callable[[pd.Series], tuple[pd.Series, pd.Series]]

_COERCE: dict[str, tuple[Coercer, str]] = {
    "text": (to_text, ""),
    "number": (to_number, "not_a_number"),
    "integer": (to_number, "not_an_integer"),
    "date": (to_date, "not_a_date"),
    "intent": (to_intent, "unknown_intent"),
    "stage": (to_stage, "unknown_stage"),
    "level": (to_level, "unknown_level"),
    "bool": (to_bool, "unknown_bool"),
    "list": (to_list, ""),
}
_EMPTY: dict[str, object] = {
    "text": None,
    "number": np.nan,
    "integer": np.nan,
    "date": pd.NaT,
    "intent": None,
    "stage": "new",
    "level": "senior",
    "bool": True,
    "list": (),
}


def ge0(name: str) -> pa.Check:
    return pa.Check(lambda s: s >= 0, name=name)


def integral(name: str) -> pa.Check:
    return pa.Check(lambda s: (s >= 0) & (s == np.floor(s)), name=name)


def _display(value: object) -> str | None:
    """A raw cell as the user typed it: ``-5`` rather than ``-5.0``."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return str(value)


class Collector:
    """Builds Issues for one sheet, with cell references and the user's header text."""

    def __init__(self, sheet: RawSheet, lang: str, severity: str) -> None:
        self.sheet, self.lang, self.severity = sheet, lang, severity
        self.issues: list[Issue] = []

    def add(
        self,
        code: str,
        row: int | None,
        column: str | None,
        value: object = None,
        severity: str | None = None,
        **extra: object,
    ) -> None:
        position = self.sheet.column_index.get(column) if column else None
        cell = cell_ref(self.sheet.name, row, position)
        header = self.sheet.headers.get(column, column) if column else ""
        text = _display(value)
        self.issues.append(
            Issue(
                severity or self.severity,
                code,
                t(self.lang, code, cell=cell, column=header, value=text or "", **extra),
                sheet=self.sheet.name,
                row=row,
                column=column,
                cell=cell,
                value=text,
            )
        )

    def cells(
        self, code: str, mask: pd.Series, column: str, severity: str | None = None, **extra: object
    ) -> None:
        raw = self.sheet.frame.get(column)
        for row in mask.index[mask.to_numpy()]:
            value = raw.at[row] if raw is not None else None
            self.add(code, int(row), column, value, severity, **extra)


def _vocabulary_hint(code: str, lang: str) -> dict[str, str]:
    """Extra message values of a typing code: the accepted stages for ``unknown_stage``."""
    if code == "unknown_stage":
        return {"allowed": "/".join(t(lang, f"stage_{stage}") for stage in STAGES)}
    return {}


_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
_CONTROL_RE = re.compile(_CONTROL)


def _without_control_characters(raw: pd.Series, column: str, collect: Collector) -> pd.Series:
    """Text with invisible control characters (pasted from other systems) removed, each cell
    reported as a warning so nobody wonders why a name changed."""
    text = raw[raw.map(type).isin([str])]
    if text.empty:
        return raw
    # One search over the joined column finds clean columns (nearly all) at C speed; the
    # separator, a line feed, is not a character this removes.
    if _CONTROL_RE.search("\n".join(text.tolist())) is None:
        return raw
    dirty = text.str.contains(_CONTROL, regex=True)
    if not dirty.any():
        return raw
    collect.cells(
        "control_characters", dirty.reindex(raw.index, fill_value=False), column, severity="warning"
    )
    cleaned = raw.copy()
    cleaned[dirty[dirty].index] = text[dirty].str.replace(_CONTROL, "", regex=True)
    return cleaned


EXCEL_TEXT_MAX = 32_767
"""Characters Excel keeps in one cell."""


def report_overlong_text(sheet: RawSheet, collect: Collector) -> None:
    """A warning on every cell longer than an Excel cell holds: the output workbooks would cut
    it, and nobody should find that out by reading a truncated note."""
    for column in sheet.frame.columns:
        raw = sheet.frame[column]
        texts = raw[raw.map(type).isin([str])]
        if texts.empty or max(map(len, texts.tolist())) <= EXCEL_TEXT_MAX:
            continue
        lengths = texts.str.len()
        long = lengths[lengths > EXCEL_TEXT_MAX]
        for row, length in zip(long.index.tolist(), long.tolist(), strict=True):
            start = str(texts.at[row])[:40]
            collect.add(
                "text_too_long",
                int(row),
                str(column),
                f"{start}…",
                severity="warning",
                length=f"{length:,}",
            )


def _without_error_cells(
    raw: pd.Series, column: str, required: bool, collect: Collector
) -> pd.Series:
    """Excel error cells (``#N/A``…) reported on their cell and read as blank: in a required
    column an error of the sheet's severity (the row goes to Exceptions), elsewhere a warning."""
    candidates = raw.isin(ERROR_TEXTS)  # hashing, cheap; the type check only on matches
    if not candidates.any():
        return raw
    flags = candidates.to_numpy(dtype=bool, copy=True)
    flags[flags] = [type(value) is CellError for value in raw[candidates]]
    errors = pd.Series(flags, index=raw.index)
    if not errors.any():
        return raw
    if required:
        collect.cells("error_cell", errors, column)
    else:
        collect.cells("error_cell_ignored", errors, column, severity="warning")
    return raw.where(~errors, None)


def type_sheet(sheet: RawSheet, spec: SheetSpec, collect: Collector) -> pd.DataFrame:
    frame = sheet.frame
    typed: dict[str, pd.Series] = {}
    for column in spec.columns:
        coerce, code = _COERCE[column.kind]
        if column.name not in frame.columns:
            typed[column.name] = pd.Series(
                [_EMPTY[column.kind]] * len(frame),
                index=frame.index,
                dtype=object if column.kind != "number" else "float64",
            )
            continue
        raw = _without_error_cells(frame[column.name], column.name, column.required, collect)
        if column.kind in ("text", "list"):
            raw = _without_control_characters(raw, column.name, collect)
        if column.kind == "date" and sheet.date1904:
            values, bad = to_date(raw, date1904=True)
        else:
            values, bad = coerce(raw)
        if code and bad.any():
            collect.cells(code, bad, column.name, **_vocabulary_hint(code, collect.lang))
        typed[column.name] = values
    for name in sheet.extras:
        # Unknown columns travel to the outputs as typed, only cleaned of what cannot be shown.
        if name in frame.columns and name not in typed:
            raw = _without_error_cells(frame[name], name, False, collect)
            typed[name] = _without_control_characters(raw, name, collect)
    result = pd.DataFrame(typed, index=frame.index)
    for column in spec.columns:
        if column.kind in ("number", "integer"):
            result[column.name] = result[column.name].astype("float64")
        elif column.kind == "date":
            result[column.name] = pd.to_datetime(result[column.name])
    return result


def run_schema(
    schema: pa.DataFrameSchema,
    typed: pd.DataFrame,
    collect: Collector,
    already_bad: set[tuple[int, str]],
) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            schema.validate(typed, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        cases = cases[cases["index"].notna()].sort_values(["index", "column"], kind="stable")
        for row, column, check in zip(cases["index"], cases["column"], cases["check"], strict=True):
            key = (int(row), str(column))
            if key in already_bad:
                continue  # unreadable cells were reported by typing already
            code = "required_blank" if check == "not_nullable" else str(check)
            raw = collect.sheet.frame.get(column)
            value = raw.at[row] if raw is not None and row in raw.index else None
            collect.add(code, int(row), str(column), value)


def bad_cells(issues: list[Issue]) -> set[tuple[int, str]]:
    """(row, column) of the cells already reported, so pandera does not report them twice."""
    return {(i.row, i.column) for i in issues if i.row is not None and i.column is not None}
