"""The weekly report: a pure context builder and its jinja2 rendering to email-safe HTML.

``build_report_context`` turns an :class:`~allocator.model.Allocation` into plain Python data
(numbers for tests and JSON, pre-formatted strings for the template), so the template decides
layout only. Two modes share it: ``run`` (the weekly allocation, SPEC §5) and ``book`` (the same
report for the workbook as it stands, ``allocator report``; see :mod:`allocator.book`).

Sections are listed in ``context["sections"]``; each is one partial under
``templates/partials/`` that reads its own key of the context. To add a section: write a builder
``(allocation, lang) -> dict | None`` (None: nothing to show, the section is left out; figures
such as the optimal strategy's gain can come from ``allocation.stats``), list it in
:data:`allocator.report_sections.SECTION_BUILDERS` and its name in :data:`SECTIONS` where it
belongs, add the partial ``<name>.html.j2`` and its lines in :func:`_text_tables` /
``report.txt.j2``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import css_inline
import jinja2
import numpy as np
import pandas as pd

from .fairness import RECEIVED, fairness, gini
from .model import Allocation
from .report_sections import DASH, SECTION_BUILDERS, conflicts_section, fmt_percent
from .report_text import REPORT_TEXT, code_label, rt

__all__ = [
    "BAR_MAX_PX",
    "MODES",
    "SECTIONS",
    "build_report_context",
    "make_environment",
    "render_report",
    "render_report_text",
    "template_dir",
]

BAR_MAX_PX = 120
"""Width of a full capacity bar; the rep table is laid out for it within 640 px."""
TOP_REASONS = 5
"""How many unassigned reasons the report lists; the rest are in the workbook."""
HTML_LANG = {"zh": "zh-CN", "en": "en"}
STAT_KEYS = (
    "customers_in", "assigned", "new", "kept", "reclaimed", "handover", "closed",
    "unassigned", "exceptions", "conflicts", "reps", "reps_active", "overdue", "completeness",
)  # fmt: skip
TILE_KEYS = (
    "customers_in", "assigned", "new", "kept", "reclaimed", "handover",
    "closed", "unassigned", "exceptions", "conflicts", "overdue", "completeness",
)  # fmt: skip
BOOK_STAT_KEYS = (
    "customers_in", "open", "unowned", "to_reclaim", "to_handover", "closed", "won", "lost",
    "exceptions", "conflicts", "reps", "reps_active", "overdue", "completeness",
)  # fmt: skip
BOOK_TILE_KEYS = (
    "customers_in", "open", "unowned", "closed", "won", "lost", "to_reclaim", "to_handover",
    "overdue", "exceptions", "conflicts", "completeness",
)  # fmt: skip
MODES = ("run", "book")
SECTIONS = {
    "run": ("week", "workload", "conversion", "follow_up", "problems"),
    "book": ("week", "book_workload", "conversion", "follow_up", "problems"),
}
"""The report's sections in order, per mode; each name is a partial template."""
# Tiles that deserve the manager's attention when not zero.
ALERT_KEYS = frozenset(
    {"unassigned", "exceptions", "conflicts", "overdue", "unowned", "to_reclaim", "to_handover"}
)
REP_COLUMNS = (
    "rep_id", "name", "team", "level", "capacity", "new", "reclaimed", "handover", "kept",
    "open_total", "capacity_used", "value_new", "value_open", "points_before",
    "points_received", "points_balance_new", "tier_A", "tier_B", "tier_C", "overdue_count",
)  # fmt: skip
# The plain-text rep table: (header text id, row key, totals key or "").
TEXT_REP_COLUMNS = (
    ("col_name", "name", ""), ("col_team", "team_text", ""),
    ("col_received", "received_text", "received_text"), ("col_open", "open_text", "open_text"),
    ("col_capacity_used", "capacity_used_text", ""),
    ("col_value_new", "value_new_text", "value_new_text"), ("col_points", "points_text", ""),
)  # fmt: skip
TEXT_BOOK_REP_COLUMNS = (
    ("col_name", "name", ""), ("col_team", "team_text", ""), ("col_open", "open_text", "open_text"),
    ("col_overdue", "overdue_text", "overdue_text"),
    ("col_value_open", "value_open_text", "value_open_text"),
    ("col_points_balance", "points_text", ""),
)  # fmt: skip


def _fmt_int(series: pd.Series) -> pd.Series:
    return series.map(lambda v: DASH if pd.isna(v) else f"{round(v):,}")


def _fmt_points(series: pd.Series) -> pd.Series:
    return series.map(lambda v: DASH if pd.isna(v) else f"{v:,.1f}")


def _fmt_completeness(percent: float) -> str:
    # Truncated, not rounded: 99.96% must not read as a perfect 100%. The inner round() keeps
    # binary noise (97.3 * 10 = 972.999…) from truncating a whole tenth away.
    tenths = int(np.floor(round(percent * 10, 6)))
    return f"{tenths // 10}%" if tenths % 10 == 0 else f"{tenths / 10:.1f}%"


def _rep_rows(reps: pd.DataFrame) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Rep rows sorted by name with display strings and bar widths, plus the totals row."""
    frame = reps.reindex(columns=list(REP_COLUMNS)).sort_values(["name", "rep_id"], kind="stable")
    used = frame["capacity_used"].astype(float)
    # Capacity bounds everything handed out this run, reclaimed and handed-over customers too.
    received = frame[list(RECEIVED)].fillna(0).sum(axis=1)
    has_capacity = frame["capacity"].fillna(0).astype(float) > 0
    bar = (used.fillna(0).clip(0, 1) * BAR_MAX_PX).round().astype(int)
    display = pd.DataFrame(
        {
            "team_text": frame["team"].fillna("").astype(str),
            "received": received.astype(int),
            "received_text": _fmt_int(received),
            "open_text": _fmt_int(frame["open_total"]),
            "capacity_used_text": used.map(fmt_percent).where(has_capacity & used.notna(), DASH),
            "value_new_text": _fmt_int(frame["value_new"]),
            "value_open_text": _fmt_int(frame["value_open"]),
            "points_text": _fmt_points(frame["points_balance_new"]),
            "bar_px": bar,
            "bar_rest_px": BAR_MAX_PX - bar,
            "full": used.fillna(0) >= 1,
        },
        index=frame.index,
    )
    # Missing numbers become None (not NaN) so the context stays JSON-safe and comparable.
    raw = frame.astype(object).where(frame.notna(), None)
    rows = pd.concat([raw, display], axis=1).to_dict("records")
    totals = {
        "received_text": f"{round(received.sum()):,}",
        "open_text": f"{round(frame['open_total'].sum()):,}",
        "value_new_text": f"{round(frame['value_new'].sum()):,}",
    }
    return [{str(k): v for k, v in row.items()} for row in rows], totals


def _counted(codes: pd.Series, total: int, lang: str, prefix: str) -> list[dict[str, Any]]:
    counts = codes.value_counts()
    # value_counts orders ties arbitrarily; the report must be byte-stable for the same input.
    order = np.lexsort((counts.index.to_numpy(dtype=str), -counts.to_numpy()))
    counts = counts.iloc[order]
    return [
        {
            "code": str(code),
            "label": code_label(lang, prefix, str(code)),
            "count": int(count),
            "count_text": f"{int(count):,}",
            "share_text": fmt_percent(count / total) if total else DASH,
        }
        for code, count in counts.items()
    ]


def _unassigned_reasons(unassigned: pd.DataFrame, lang: str) -> list[dict[str, Any]]:
    if "reason_code" not in unassigned.columns:
        return []
    codes = unassigned["reason_code"].dropna().astype(str)
    return _counted(codes, len(unassigned), lang, "reason")[:TOP_REASONS]


def _exception_codes(exceptions: pd.DataFrame, lang: str) -> list[dict[str, Any]]:
    """Rows per issue code; a row with the same code twice (two bad cells) counts once."""
    if "issue_codes" not in exceptions.columns:
        return []
    codes = exceptions["issue_codes"].dropna().astype(str).reset_index(drop=True)
    exploded = codes.str.split(";").explode().str.strip()
    pairs = pd.DataFrame({"row": exploded.index, "code": exploded.to_numpy()})
    pairs = pairs[pairs["code"].notna() & (pairs["code"] != "")].drop_duplicates()
    return _counted(pairs["code"], len(exceptions), lang, "issue")


def _input_name(path: str) -> str:
    # Only the file name: the report is emailed and should not reveal the manager's folders,
    # whichever OS the path was written on.
    return re.split(r"[\\/]", path)[-1]


def _book_rep_rows(reps: pd.DataFrame) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Rep rows of the book mode: open customers (bar relative to the largest book), overdue,
    open value and points balance, sorted by name; plus the totals row."""
    frame = reps.reindex(columns=list(REP_COLUMNS)).sort_values(["name", "rep_id"], kind="stable")
    open_total = frame["open_total"].fillna(0).astype(float)
    largest = float(open_total.max()) if len(frame) else 0.0
    scale = open_total / largest if largest > 0 else open_total * 0.0
    bar = (scale * BAR_MAX_PX).round().astype(int)
    display = pd.DataFrame(
        {
            "team_text": frame["team"].fillna("").astype(str),
            "open_text": _fmt_int(frame["open_total"]),
            "overdue_text": _fmt_int(frame["overdue_count"]),
            "value_open_text": _fmt_int(frame["value_open"]),
            "points_text": _fmt_points(frame["points_balance_new"]),
            "bar_px": bar,
            "overdue_alert": frame["overdue_count"].fillna(0) > 0,
        },
        index=frame.index,
    )
    raw = frame.astype(object).where(frame.notna(), None)
    rows = pd.concat([raw, display], axis=1).to_dict("records")
    totals = {
        "open_text": f"{round(open_total.sum()):,}",
        "overdue_text": f"{round(frame['overdue_count'].fillna(0).sum()):,}",
        "value_open_text": f"{round(frame['value_open'].fillna(0).sum()):,}",
    }
    return [{str(k): v for k, v in row.items()} for row in rows], totals


def _book_fairness(reps: pd.DataFrame, lang: str) -> dict[str, Any]:
    """How evenly the open book is spread over the reps who could take customers this week."""
    capacity = pd.to_numeric(reps["capacity"], errors="coerce").fillna(0)
    counted = capacity.gt(0)
    if "available" in reps.columns:
        counted &= reps["available"].fillna(False).astype(bool)
    open_total = pd.to_numeric(reps["open_total"], errors="coerce").fillna(0)[counted].to_numpy()
    value = pd.to_numeric(reps["value_open"], errors="coerce").fillna(0)[counted].to_numpy()
    ratio = (
        float(open_total.max() / open_total.min())
        if open_total.size and open_total.min() > 0
        else None
    )
    figures = {
        "gini_value_open": gini(value),
        "gini_open": gini(open_total),
    }
    shown = [
        {"key": key, "label": rt(lang, key), "value_text": f"{value:.2f}", "alert": False}
        for key, value in figures.items()
    ]
    shown.append(
        {
            "key": "open_ratio",
            "label": rt(lang, "open_ratio"),
            "value_text": DASH if ratio is None else f"{ratio:.1f}×",
            "alert": False,
        }
    )
    return {**figures, "open_ratio": ratio, "figures": shown}


def _stat_label(key: str, book: bool) -> str:
    # The book has no "this week": its own wording where the run's would mislead.
    own = f"stat_book_{key}"
    return own if book and own in REPORT_TEXT else f"stat_{key}"


def _gain_line(stats: Mapping[str, Any], lang: str) -> str | None:
    """optimal's expected won value against points' on the same input, when optimal ran."""
    if "optimal_expected_value" not in stats or "points_expected_value" not in stats:
        return None
    optimal, points = float(stats["optimal_expected_value"]), float(stats["points_expected_value"])
    ratio = f"{optimal / points - 1:+.1%}" if points else DASH
    return rt(
        lang,
        "gain_over_points",
        optimal=f"{optimal:,.0f}",
        points=f"{points:,.0f}",
        difference=f"{optimal - points:+,.0f}",
        ratio=ratio,
    )


def build_report_context(allocation: Allocation, *, lang: str, mode: str = "run") -> dict[str, Any]:
    """Everything the report template shows, as plain Python data; pure and deterministic.

    ``mode`` is ``run`` for the weekly allocation or ``book`` for the workbook as it stands
    (an allocation from :func:`allocator.book.book_state`, whose stats are
    :data:`BOOK_STAT_KEYS`). Times come from ``allocation.run.as_of`` only, so the same
    allocation always gives the same context (and the same HTML). Raises ``ValueError`` for an
    unknown language or mode or missing stats.
    """
    if lang not in HTML_LANG:
        raise ValueError(f"unknown language {lang!r}")
    if mode not in MODES:
        raise ValueError(f"unknown report mode {mode!r}")
    book = mode == "book"
    stat_keys, tile_keys = (BOOK_STAT_KEYS, BOOK_TILE_KEYS) if book else (STAT_KEYS, TILE_KEYS)
    stats = allocation.stats
    missing = [key for key in stat_keys if key not in stats]
    if missing:
        raise ValueError(f"allocation.stats lacks {', '.join(missing)}")
    run = allocation.run
    date = run.as_of.strftime("%Y-%m-%d")
    time = run.as_of.strftime("%Y-%m-%d %H:%M")
    counts: dict[str, int | float] = {
        key: float(stats[key]) if key == "completeness" else int(stats[key]) for key in stat_keys
    }
    counts_text = {
        key: _fmt_completeness(float(value)) if key == "completeness" else f"{value:,}"
        for key, value in counts.items()
    }
    tiles = [
        {
            "key": key,
            "label": rt(lang, _stat_label(key, book)),
            "value_text": counts_text[key],
            "alert": key in ALERT_KEYS and counts[key] > 0,
        }
        for key in tile_keys
    ]
    if book:
        rows, totals = _book_rep_rows(allocation.reps)
        fair = _book_fairness(allocation.reps, lang)
    else:
        rows, totals = _rep_rows(allocation.reps)
        fair = _run_fairness(allocation.reps, lang)
    strategy_label = code_label(lang, "strategy", run.strategy)
    input_name = _input_name(run.input_path)
    index = 0 if lang == "zh" else 1
    title = rt(lang, "book_title" if book else "title", date=date)
    context: dict[str, Any] = {
        "lang": lang,
        "mode": mode,
        "html_lang": HTML_LANG[lang],
        "text": {key: pair[index] for key, pair in REPORT_TEXT.items() if "{" not in pair[0]},
        "title": title,
        "as_of": time,
        "generated_at": rt(lang, "generated_at", time=time),
        "input_name": input_name,
        "strategy": run.strategy,
        "strategy_label": strategy_label,
        "meta": [
            rt(lang, "input_file", name=input_name),
            rt(lang, "book_mode") if book else rt(lang, "strategy", strategy=strategy_label),
            rt(lang, "generated_at", time=time),
        ],
        "week_title": rt(lang, "section_book" if book else "section_week"),
        "summary": rt(lang, "book_summary" if book else "week_summary", **counts_text),
        "gain": _gain_line(stats, lang),
        "counts": counts,
        "tiles": tiles,
        "reps": rows,
        "totals": totals,
        "bar_max_px": BAR_MAX_PX,
        "fairness": fair,
        # The book has no allocation decisions, hence no reasons for staying in the pool.
        "unassigned_reasons": None if book else _unassigned_reasons(allocation.unassigned, lang),
        "exception_codes": _exception_codes(allocation.exceptions, lang),
        "conflicts": conflicts_section(allocation, lang, mode),
        "footer": rt(lang, "footer", version=run.version, time=time),
    }
    for name, builder in SECTION_BUILDERS.items():
        context[name] = builder(allocation, lang)
    context["sections"] = [
        name for name in SECTIONS[mode] if SECTION_BUILDERS.get(name) is None or context[name]
    ]
    return context


def _run_fairness(reps: pd.DataFrame, lang: str) -> dict[str, Any]:
    """Fairness of this run's hand-out (shared with the Summary sheet through fairness())."""
    measured = fairness(reps)
    ratio = measured.load_ratio
    shown = {
        "gini_value": f"{measured.gini_value:.2f}",
        "gini_load": f"{measured.gini_load:.2f}",
        "load_ratio": DASH if ratio is None else f"{ratio:.1f}×",
        "share_range": DASH
        if measured.share_max is None
        else f"{measured.share_min:.2f}–{measured.share_max:.2f}",
    }
    return {
        "gini_value": measured.gini_value,
        "gini_load": measured.gini_load,
        "load_ratio": ratio,
        "share_min": measured.share_min,
        "share_max": measured.share_max,
        "figures": [
            {"key": key, "label": rt(lang, key), "value_text": text, "alert": False}
            for key, text in shown.items()
        ],
    }


def template_dir(package: str = "allocator") -> Path:
    """The directory holding ``report.html.j2``.

    An installed wheel carries the templates as ``<package>/templates`` (hatch force-include);
    a source checkout or editable install has them only at the repository's top level.
    """
    packaged = resources.files(package) / "templates"
    if isinstance(packaged, Path) and (packaged / "report.html.j2").is_file():
        return packaged
    source = Path(__file__).resolve().parent.parent / "templates"
    if (source / "report.html.j2").is_file():
        return source
    raise FileNotFoundError(
        f"report templates not found in {packaged} or {source}; reinstall allocator"
    )


def make_environment(directory: Path | None = None) -> jinja2.Environment:
    """The jinja2 environment for report templates: HTML autoescaped, undefined names fatal."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory or template_dir()),
        # Plain-text templates (the email body) must not be HTML-escaped.
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "htm", "xml", "html.j2"), default_for_string=True
        ),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        keep_trailing_newline=True,
        lstrip_blocks=True,
    )


def _compact(html: str) -> str:
    # Dropping indentation and blank lines keeps the emailed size down without changing what
    # renders: a newline still separates words wherever the indentation did.
    return re.sub(r"\n[ \t]*(?:\n[ \t]*)*", "\n", html).strip() + "\n"


_STYLE_ATTR = re.compile(r' style="([^"]*)"')
_CLASS_ATTR = re.compile(r' class="[^"]*"')


def _tidy_style(match: re.Match[str]) -> str:
    # css-inline writes "prop: value;" pairs; the compact "prop:value" form saves bytes per cell.
    # No value in the report contains ";" or a URL, so splitting on them is safe.
    pairs = []
    for declaration in match.group(1).split(";"):
        prop, _, value = declaration.partition(":")
        if prop.strip():
            pairs.append(f"{prop.strip()}:{value.strip()}")
    return f' style="{";".join(pairs)}"'


def inline_styles(html: str) -> str:
    """Move the ``<style>`` block into ``style=""`` attributes and drop it and every class.

    Email clients strip or ignore ``<style>``, so only inline styles are safe. Remote stylesheets
    are never fetched. The parser's implied ``<tbody>`` is dropped again (the template does not
    write one, and it costs bytes in every table) and the doctype keeps its own line.
    """
    inliner = css_inline.CSSInliner(load_remote_stylesheets=False, keep_style_tags=False)
    inlined = inliner.inline(html)
    inlined = _CLASS_ATTR.sub("", inlined)
    inlined = _STYLE_ATTR.sub(_tidy_style, inlined)
    inlined = inlined.replace("<tbody>", "").replace("</tbody>", "")
    inlined = re.sub(r"^(<!DOCTYPE html>)(?=<html)", r"\1\n", inlined, flags=re.IGNORECASE)
    inlined = re.sub(r"(<html[^>]*>)<head>", r"\1\n<head>", inlined, count=1)
    return inlined.replace("</body></html>", "</body>\n</html>")


def render_report(context: dict[str, Any], *, lang: str) -> str:
    """Render ``report.html.j2`` for a context built by :func:`build_report_context`.

    The template writes its styles as classes in a ``<style>`` block; they are inlined here, so
    the result has inline styles only (no ``<style>``, no ``class``), as email needs.
    """
    if context.get("lang") != lang:
        raise ValueError(f"context was built for {context.get('lang')!r}, not {lang!r}")
    html = make_environment().get_template("report.html.j2").render(context)
    return _compact(inline_styles(html))


def _display_width(text: str) -> int:
    # CJK characters take two columns in a monospaced mail client; combining marks none.
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * max(0, width - _display_width(text))
    return fill + text if right else text + fill


def _aligned(rows: list[list[str]], right: tuple[bool, ...]) -> list[str]:
    """Rows of cells as lines of text columns two spaces apart, numbers right-aligned."""
    widths = [max(_display_width(row[i]) for row in rows) for i in range(len(right))]
    return [
        "  ".join(_pad(cell, widths[i], right[i]) for i, cell in enumerate(row)).rstrip()
        for row in rows
    ]


def _ruled(lines: list[str], *, total: bool) -> list[str]:
    """A rule under the header line (and above the totals line when ``total``)."""
    if not lines:
        return []
    rule = "-" * max(_display_width(line) for line in lines)
    if total:
        return [lines[0], rule, *lines[1:-1], rule, lines[-1]]
    return [lines[0], rule, *lines[1:]]


def _rep_lines(context: dict[str, Any]) -> list[str]:
    text = context["text"]
    columns = TEXT_BOOK_REP_COLUMNS if context["mode"] == "book" else TEXT_REP_COLUMNS
    header = [text[column] for column, _, _ in columns]
    body = [[str(rep[key]) for _, key, _ in columns] for rep in context["reps"]]
    if not body:
        return []
    footer = [text["total"]] + [
        context["totals"][total] if total else "" for _, _, total in columns[1:]
    ]
    right = tuple(index > 1 for index in range(len(columns)))
    return _ruled(_aligned([header, *body, footer], right), total=True)


def _conversion_lines(section: dict[str, Any], text: dict[str, str]) -> dict[str, Any]:
    funnel = [[text["col_stage"], text["conv_leads"], text["col_share"]]] + [
        [s["label"], s["count_text"], s["share_text"]] for s in section["funnel"]
    ]
    groups = []
    for group in section["groups"]:
        header = [group["header"], text["col_leads"], text["conv_won"], text["conv_lost"],
                  text["conv_rate"], text["col_deal"], text["conv_cycle"]]  # fmt: skip
        body = [
            [r["label"], r["leads_text"], r["won_text"], r["lost_text"], r["rate_text"],
             r["deal_text"], r["cycle_text"]]
            for r in group["rows"]
        ]  # fmt: skip
        lines = _aligned([header, *body], (False, *([True] * 6)))
        groups.append({"title": group["title"], "lines": _ruled(lines, total=False)})
    return {
        "tile_lines": _aligned([[f["label"], f["value_text"]] for f in section["tiles"]],
                               (False, True)),
        "funnel_lines": _ruled(_aligned(funnel, (False, True, True)), total=False),
        "groups": groups,
    }  # fmt: skip


def _follow_up_lines(section: dict[str, Any], text: dict[str, str]) -> dict[str, list[str]]:
    keys = ("overdue", "due_24", "due_48", "due_72", "total")
    header = [text["col_name"], text["col_overdue"], text["col_due_24"], text["col_due_48"],
              text["col_due_72"], text["col_follow_total"]]  # fmt: skip
    body = [[r["label"], *(r[f"{k}_text"] for k in keys)] for r in section["rows"]]
    footer = [text["total"], *(section["totals"][f"{k}_text"] for k in keys)]
    table = (
        _ruled(_aligned([header, *body, footer], (False, *([True] * 5))), total=True)
        if body
        else []
    )
    late_header = [text["col_customer"], text["col_owner"], text["col_due_by"],
                   text["col_days_overdue"]]  # fmt: skip
    late = [[c["customer"], c["owner"], c["due_text"], c["days_text"]]
            for c in section["overdue_list"]]  # fmt: skip
    late_lines = (
        _ruled(_aligned([late_header, *late], (False, False, False, True)), total=False)
        if late
        else []
    )
    return {"table": table, "overdue": late_lines}


def _text_tables(context: dict[str, Any]) -> dict[str, Any]:
    """Pre-aligned lines for the plain-text report, one list per table of the HTML report."""
    text = context["text"]
    tiles = [[tile["label"], tile["value_text"]] for tile in context["tiles"]]
    figures = [[fig["label"], fig["value_text"]] for fig in context["fairness"]["figures"]]

    def counted(rows: list[dict[str, Any]] | None) -> list[str]:
        return _aligned([[r["label"], r["count_text"], r["share_text"]] for r in rows],
                        (False, True, True)) if rows else []  # fmt: skip

    return {
        "tile_lines": _aligned(tiles, (False, True)),
        "figure_lines": _aligned(figures, (False, True)),
        "rep_lines": _rep_lines(context),
        "conversion_text": _conversion_lines(context["conversion"], text)
        if context["conversion"]
        else None,
        "follow_up_text": _follow_up_lines(context["follow_up"], text)
        if context["follow_up"]
        else None,
        "reason_lines": counted(context["unassigned_reasons"]),
        "exception_lines": counted(context["exception_codes"]),
    }


def render_report_text(context: dict[str, Any], *, lang: str) -> str:
    """The plain-text report (``report.txt.j2``): counts and the rep table as aligned text."""
    if context.get("lang") != lang:
        raise ValueError(f"context was built for {context.get('lang')!r}, not {lang!r}")
    return make_environment().get_template("report.txt.j2").render(context, **_text_tables(context))
