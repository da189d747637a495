"""A :class:`~allocator.compare.Comparison` for people: the stdout table, JSON, ``compare.html``
(email-safe, like the weekly report) and ``compare.xlsx`` (owners side by side), written through
the atomic helpers of :mod:`allocator.export.files`."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Any

import xlsxwriter

from . import __version__
from .compare import Comparison, StrategyFigures
from .export.files import OutputSet, check_out_dir
from .i18n import t
from .report import inline_styles, make_environment
from .report_text import code_label

__all__ = [
    "COMPARE_FILES",
    "REPS_SHOWN",
    "render_html",
    "render_json",
    "render_table",
    "write_compare",
    "write_workbook",
]

COMPARE_FILES = ("compare.html", "compare.xlsx")
REPS_SHOWN = 50
"""Reps listed in compare.html; every rep is in compare.xlsx."""
HTML_LANG = {"zh": "zh-CN", "en": "en"}
DASH = "—"
_FIGURE_COLUMNS = (
    "strategy",
    "assigned",
    "unassigned",
    "expected_won_value",
    "gain",
    "gini_points",
    "gini_load",
    "max_min_share_ratio",
    "owner_changes_vs_first",
)


def _label(lang: str, strategy: str) -> str:
    """``全局最优`` in Chinese; the name the command line takes (``optimal``) in English."""
    return code_label(lang, "strategy", strategy) if lang == "zh" else strategy


def _gain(figures: StrategyFigures, first: StrategyFigures) -> tuple[str, str]:
    """Expected won value against the first strategy, and its tone (up/down/none)."""
    if figures is first or not first.expected_won_value:
        return DASH, ""
    change = figures.expected_won_value / first.expected_won_value - 1.0
    text = f"{change:+.1%}"
    return text, "up" if change > 0.0005 else "down" if change < -0.0005 else ""


def _cells(figures: StrategyFigures, first: StrategyFigures, lang: str) -> list[tuple[str, str]]:
    ratio = figures.max_min_share_ratio
    return [
        (_label(lang, figures.strategy), ""),
        (f"{figures.assigned:,}", ""),
        (f"{figures.unassigned:,}", ""),
        (f"{figures.expected_won_value:,.0f}", ""),
        _gain(figures, first),
        (f"{figures.gini_points:.3f}", ""),
        (f"{figures.gini_load:.3f}", ""),
        (DASH if ratio is None else f"{ratio:.2f}", ""),
        (f"{figures.owner_changes_vs_first:,}", ""),
    ]


def _headers(lang: str) -> list[str]:
    return [t(lang, f"compare_col_{column}") for column in _FIGURE_COLUMNS]


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal; combining marks none.
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


def render_table(comparison: Comparison, lang: str) -> str:
    """The figures as an aligned text table (numbers right-aligned), one strategy per line."""
    first = comparison.figures[0]
    grid = [_headers(lang)] + [
        [text for text, _ in _cells(f, first, lang)] for f in comparison.figures
    ]
    widths = [max(_width(row[i]) for row in grid) for i in range(len(grid[0]))]
    lines = []
    for row in grid:
        cells = [
            cell + " " * (widths[i] - _width(cell))
            if i == 0
            else " " * (widths[i] - _width(cell)) + cell
            for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def render_json(comparison: Comparison) -> str:
    """A JSON list with one object per strategy, exactly the keys of ``FIGURE_KEYS``."""
    return json.dumps([f.to_dict() for f in comparison.figures], ensure_ascii=False, indent=2)


def _context(
    comparison: Comparison, *, lang: str, input_name: str, as_of: datetime
) -> dict[str, Any]:
    first = comparison.figures[0]
    time = as_of.strftime("%Y-%m-%d %H:%M")
    rows = [
        {
            "first": figures is first,
            "cells": [{"text": text, "tone": tone} for text, tone in _cells(figures, first, lang)],
        }
        for figures in comparison.figures
    ]
    reps = comparison.reps.sort_values(["name", "rep_id"], kind="stable")
    shown = reps.head(REPS_SHOWN)
    rep_rows = [
        [str(rep["name"]), *(f"{int(rep[f'new:{s}']):,}" for s in comparison.strategies)]
        for _, rep in shown.iterrows()
    ]
    hidden = len(reps) - len(shown)
    return {
        "html_lang": HTML_LANG[lang],
        "title": t(lang, "compare_title", date=as_of.strftime("%Y-%m-%d")),
        "meta": [t(lang, "compare_input", name=input_name), t(lang, "compare_as_of", time=time)],
        "overview_title": t(lang, "compare_overview"),
        "per_rep_title": t(lang, "compare_per_rep"),
        "note": t(lang, "compare_note"),
        "columns": _headers(lang),
        "rows": rows,
        "rep_columns": [
            t(lang, "compare_col_name"),
            *(_label(lang, s) for s in comparison.strategies),
        ],
        "rep_rows": rep_rows,
        "more_reps": t(lang, "compare_more_reps", n=hidden) if hidden > 0 else "",
        "footer": t(lang, "compare_footer", version=__version__, time=time),
    }


def render_html(comparison: Comparison, *, lang: str, input_name: str, as_of: datetime) -> str:
    """``compare.html``: inline styles only, tables within 640 px, no script, SVG or image."""
    context = _context(comparison, lang=lang, input_name=input_name, as_of=as_of)
    html = make_environment().get_template("compare.html.j2").render(context)
    inlined = inline_styles(html)
    # Indentation and blank lines cost bytes in every email and render as nothing.
    return re.sub(r"\n[ \t]*(?:\n[ \t]*)*", "\n", inlined).strip() + "\n"


def _plain(value: Any) -> Any:
    """A cell value XlsxWriter can write: NaN and missing as blank."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def _sheet(
    book: xlsxwriter.Workbook,
    name: str,
    headers: list[str],
    rows: list[list[Any]],
    formats: list[Any],
    widths: list[int],
    *,
    table: bool,
) -> None:
    """One data sheet: an Excel Table (or, beyond ``table_rows_max``, a filter) with a frozen
    header; text always as text, never a formula."""
    sheet = book.add_worksheet(name)
    sheet.freeze_panes(1, 0)
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width, formats[column])
    last_row, last_col = len(rows), len(headers) - 1
    if table:
        sheet.add_table(
            0,
            0,
            max(last_row, 1),
            last_col,
            {
                "columns": [
                    {"header": h, "format": f} for h, f in zip(headers, formats, strict=True)
                ],
                "style": "Table Style Medium 2",
                "data": [[_plain(v) for v in row] for row in rows] or None,
            },
        )
        return
    header_format = book.add_format({"bold": True})
    sheet.write_row(0, 0, headers, header_format)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            cell = _plain(value)
            if isinstance(cell, str):
                sheet.write_string(r, c, cell)
            elif cell is not None:
                sheet.write(r, c, cell)
    sheet.autofilter(0, 0, max(last_row, 1), last_col)


def write_workbook(
    comparison: Comparison, path: Path, *, lang: str, table_rows_max: int = 100_000
) -> None:
    """``compare.xlsx``: the figures (Summary), every row's owner under each strategy side by
    side (Owners) and each rep's new customers and points (Reps)."""
    large = len(comparison.owners) > table_rows_max
    book = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": large,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    text = book.add_format({})
    whole = book.add_format({"num_format": "#,##0"})
    ratio = book.add_format({"num_format": "0.000"})
    percent = book.add_format({"num_format": "+0.0%;-0.0%;0.0%"})
    strategies = comparison.strategies
    first = comparison.figures[0]
    summary_rows = [
        [
            _label(lang, f.strategy),
            f.assigned,
            f.unassigned,
            f.expected_won_value,
            None
            if f is first or not first.expected_won_value
            else f.expected_won_value / first.expected_won_value - 1.0,
            f.gini_points,
            f.gini_load,
            f.max_min_share_ratio,
            f.owner_changes_vs_first,
        ]
        for f in comparison.figures
    ]
    summary_formats = [text, whole, whole, whole, percent, ratio, ratio, ratio, whole]
    _sheet(
        book,
        t(lang, "compare_sheet_summary"),
        _headers(lang),
        summary_rows,
        summary_formats,
        [16, 10, 10, 18, 10, 12, 12, 14, 14],
        table=not large,
    )
    owners = comparison.owners
    labels = [_label(lang, s) for s in strategies]
    yes, no = t(lang, "yes"), t(lang, "no")
    columns = [owners["customer_id"], owners["customer"], *(owners[s] for s in strategies)]
    owner_rows = [
        [*cells, yes if differs else no]
        for *cells, differs in zip(*columns, owners["differs"], strict=True)
    ]
    _sheet(
        book,
        t(lang, "compare_sheet_owners"),
        [
            t(lang, "compare_col_customer_id"),
            t(lang, "compare_col_customer"),
            *labels,
            t(lang, "compare_col_differs"),
        ],
        owner_rows,
        [text] * (len(strategies) + 3),
        [14, 28, *([14] * len(strategies)), 12],
        table=not large,
    )
    reps = comparison.reps
    rep_headers = [t(lang, "compare_col_rep_id"), t(lang, "compare_col_name")]
    rep_headers += [t(lang, "compare_col_new", strategy=label) for label in labels]
    rep_headers += [t(lang, "compare_col_points", strategy=label) for label in labels]
    keys = [
        "rep_id",
        "name",
        *(f"new:{s}" for s in strategies),
        *(f"points:{s}" for s in strategies),
    ]
    rep_rows = reps[keys].astype(object).where(reps[keys].notna(), None).values.tolist()
    points = book.add_format({"num_format": "#,##0.0"})
    _sheet(
        book,
        t(lang, "compare_sheet_reps"),
        rep_headers,
        rep_rows,
        [text, text, *([whole] * len(strategies)), *([points] * len(strategies))],
        [12, 14, *([14] * (2 * len(strategies)))],
        table=not large,
    )
    book.close()


def write_compare(
    comparison: Comparison,
    out_dir: Path,
    *,
    lang: str,
    input_name: str,
    as_of: datetime,
    table_rows_max: int = 100_000,
    force: bool = False,
) -> list[Path]:
    """Write ``compare.html`` and ``compare.xlsx`` into ``out_dir`` (refused when it exists and
    is not empty, unless ``force``); each file through a temporary name and a rename."""
    check_out_dir(out_dir, force=force)
    html = render_html(comparison, lang=lang, input_name=input_name, as_of=as_of)
    outputs = OutputSet(out_dir)
    with outputs.target(out_dir / "compare.xlsx") as temp:
        write_workbook(comparison, temp, lang=lang, table_rows_max=table_rows_max)
    outputs.write_bytes(out_dir / "compare.html", html.encode("utf-8"))
    outputs.raise_if_locked()
    return outputs.written
