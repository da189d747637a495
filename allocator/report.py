"""The weekly report: a pure context builder and its jinja2 rendering to email-safe HTML.

``build_report_context`` turns an :class:`~allocator.model.Allocation` into plain Python data
(numbers for tests and JSON, pre-formatted strings for the template), so the template decides
layout only. Sections are listed in ``context["sections"]``; each is one partial under
``templates/partials/``, which is how the later sections (conversion, follow-up) plug in.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd

from .fairness import RECEIVED, fairness
from .model import Allocation
from .report_text import REPORT_TEXT, code_label, rt

__all__ = [
    "BAR_MAX_PX",
    "build_report_context",
    "make_environment",
    "render_report",
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
# Tiles that deserve the manager's attention when not zero.
ALERT_KEYS = frozenset({"unassigned", "exceptions", "conflicts", "overdue"})
REP_COLUMNS = (
    "rep_id", "name", "team", "level", "capacity", "new", "reclaimed", "handover", "kept",
    "open_total", "capacity_used", "value_new", "value_open", "points_before",
    "points_received", "points_balance_new", "tier_A", "tier_B", "tier_C", "overdue_count",
)  # fmt: skip
DASH = "—"


def _fmt_int(series: pd.Series) -> pd.Series:
    return series.map(lambda v: DASH if pd.isna(v) else f"{round(v):,}")


def _fmt_points(series: pd.Series) -> pd.Series:
    return series.map(lambda v: DASH if pd.isna(v) else f"{v:,.1f}")


def _fmt_percent(fraction: float) -> str:
    return f"{round(fraction * 100)}%"


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
            "capacity_used_text": used.map(_fmt_percent).where(has_capacity & used.notna(), DASH),
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
            "share_text": _fmt_percent(count / total) if total else DASH,
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


def build_report_context(allocation: Allocation, *, lang: str) -> dict[str, Any]:
    """Everything the report template shows, as plain Python data; pure and deterministic.

    Times come from ``allocation.run.as_of`` only, so the same allocation always gives the same
    context (and the same HTML). Raises ``ValueError`` for an unknown language or missing stats.
    """
    if lang not in HTML_LANG:
        raise ValueError(f"unknown language {lang!r}")
    stats = allocation.stats
    missing = [key for key in STAT_KEYS if key not in stats]
    if missing:
        raise ValueError(f"allocation.stats lacks {', '.join(missing)}")
    run = allocation.run
    date = run.as_of.strftime("%Y-%m-%d")
    time = run.as_of.strftime("%Y-%m-%d %H:%M")
    counts: dict[str, int | float] = {
        key: float(stats[key]) if key == "completeness" else int(stats[key]) for key in STAT_KEYS
    }
    counts_text = {
        key: _fmt_completeness(float(value)) if key == "completeness" else f"{value:,}"
        for key, value in counts.items()
    }
    tiles = [
        {
            "key": key,
            "label": rt(lang, f"stat_{key}"),
            "value_text": counts_text[key],
            "alert": key in ALERT_KEYS and counts[key] > 0,
        }
        for key in TILE_KEYS
    ]
    rows, totals = _rep_rows(allocation.reps)
    measured = fairness(allocation.reps)
    ratio = measured.load_ratio
    shown = {
        "gini_value": f"{measured.gini_value:.2f}",
        "gini_load": f"{measured.gini_load:.2f}",
        "load_ratio": DASH if ratio is None else f"{ratio:.1f}×",
        "share_range": DASH
        if measured.share_max is None
        else f"{measured.share_min:.2f}–{measured.share_max:.2f}",
    }
    fair: dict[str, Any] = {
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
    strategy_label = code_label(lang, "strategy", run.strategy)
    input_name = _input_name(run.input_path)
    index = 0 if lang == "zh" else 1
    return {
        "lang": lang,
        "html_lang": HTML_LANG[lang],
        "sections": ["week", "workload", "problems"],
        "text": {key: pair[index] for key, pair in REPORT_TEXT.items() if "{" not in pair[0]},
        "title": rt(lang, "title", date=date),
        "as_of": time,
        "generated_at": rt(lang, "generated_at", time=time),
        "input_name": input_name,
        "strategy": run.strategy,
        "strategy_label": strategy_label,
        "meta": [
            rt(lang, "input_file", name=input_name),
            rt(lang, "strategy", strategy=strategy_label),
            rt(lang, "generated_at", time=time),
        ],
        "summary": rt(lang, "week_summary", **counts_text),
        "counts": counts,
        "tiles": tiles,
        "reps": rows,
        "totals": totals,
        "bar_max_px": BAR_MAX_PX,
        "fairness": fair,
        "unassigned_reasons": _unassigned_reasons(allocation.unassigned, lang),
        "exception_codes": _exception_codes(allocation.exceptions, lang),
        "footer": rt(lang, "footer", version=run.version, time=time),
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


def render_report(context: dict[str, Any], *, lang: str) -> str:
    """Render ``report.html.j2`` for a context built by :func:`build_report_context`."""
    if context.get("lang") != lang:
        raise ValueError(f"context was built for {context.get('lang')!r}, not {lang!r}")
    return _compact(make_environment().get_template("report.html.j2").render(context))
