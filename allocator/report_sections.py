"""The conversion, follow-up and conflict sections of the report (SPEC §5.3–§5.5).

Each builder turns an :class:`~allocator.model.Allocation` into the plain data one partial
template shows (numbers for JSON and tests, pre-formatted strings for the template); the figures
themselves come from :mod:`allocator.metrics`. :data:`SECTION_BUILDERS` is how
:func:`allocator.report.build_report_context` finds them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pandas as pd

from .i18n import t
from .metrics import (
    FOLLOW_UP_WINDOWS,
    GROUP_KEYS,
    SMALL_SAMPLE,
    conversion_report,
    follow_up_by_rep,
    overdue_customers,
    stage_funnel,
)
from .model import Allocation
from .report_text import code_label, rt

__all__ = ["DASH", "SECTION_BUILDERS", "conflicts_section", "fmt_percent"]

DASH = "—"
RATE_BAR_PX = 60
"""Width of a 100 % conversion bar."""
FUNNEL_BAR_PX = 240
"""Width of the largest stage's bar in the funnel."""
GROUPS_MAX = 8
"""Sources, industries and regions listed one by one; the rest are folded into "others"."""
TEAM_LISTED_MAX = 30
"""A team of up to this many reps has every rep listed in the conversion and follow-up tables."""
REPS_MAX = 10
"""Reps listed one by one in those tables for a larger team; the rest are folded into "others"
(the workload table already lists every rep, and 200 reps must fit in 90 KB)."""
CONVERSION_INPUTS = ("stage", "created", "closed", "deal_value", *GROUP_KEYS)
"""The customer columns the conversion section reads."""
OVERDUE_LIST_MAX = 10
"""Overdue customers named in the follow-up section; the others are counted."""


def fmt_percent(fraction: float) -> str:
    return f"{round(fraction * 100)}%"


def _number(value: Any) -> float | None:
    """A JSON-safe number: NaN and None become None (NaN would also break context equality)."""
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _fmt_count(value: float) -> str:
    return f"{round(value):,}"


def _fmt_money(value: float | None) -> str:
    return DASH if value is None else f"{round(value):,}"


def _fmt_days(value: float | None, lang: str, *, unit: bool) -> str:
    if value is None:
        return DASH
    days = f"{round(value):,}"
    return rt(lang, "days", days=days) if unit else days


def _fmt_rate(won: int, closed: int, lang: str) -> str:
    """A conversion rate; counts and "small sample" below SMALL_SAMPLE closed customers.

    Only a group that won everything shows 100 % and only one that won nothing shows 0 %:
    199 of 200 reads 99 %, not a rounded-up 100 %.
    """
    if closed == 0:
        return DASH
    if closed < SMALL_SAMPLE:
        return rt(lang, "small_sample", won=won, closed=closed)
    percent = round(100 * won / closed)
    if 0 < won < closed:
        percent = min(max(percent, 1), 99)
    return f"{percent}%"


def _customer_rows(allocation: Allocation) -> pd.DataFrame:
    """Every valid customer row once: the placed ones and the pool (exceptions are left out:
    their stage or dates may be the very thing that is wrong)."""
    # Only the columns the conversion figures read: a million wide rows are not copied.
    frames = [
        frame[[c for c in CONVERSION_INPUTS if c in frame.columns]]
        for frame in (allocation.assignments, allocation.unassigned)
        if len(frame.columns)
    ]
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True, sort=False)


def _group_rows(table: pd.DataFrame, key: str, lang: str) -> list[dict[str, Any]]:
    """Display rows of one :func:`~allocator.metrics.conversion_by` table (a few dozen rows)."""
    rows = []
    for record in table.to_dict("records"):
        won, lost, closed = int(record["won"]), int(record["lost"]), int(record["closed"])
        rate = _number(record["rate"])
        # A small sample gets no bar either: a full bar for 2 of 2 would shout 100 %.
        bar = round(rate * RATE_BAR_PX) if rate is not None and closed >= SMALL_SAMPLE else 0
        deal, cycle_mean = _number(record["deal_mean"]), _number(record["cycle_mean"])
        cycle_median = _number(record["cycle_median"])
        other = int(record["other_groups"])
        if other:
            label = rt(lang, "other_groups", count=other)
        elif record["group"] is None:
            label = rt(lang, f"blank_{key}")
        else:
            label = str(record["group"])
        rows.append(
            {
                "label": label,
                "group": record["group"],
                "other": other > 0,
                "leads": int(record["leads"]),
                "won": won,
                "lost": lost,
                "closed": closed,
                "rate": rate,
                "small": bool(record["small"]),
                "deal_mean": deal,
                "cycle_mean": cycle_mean,
                "cycle_median": cycle_median,
                "leads_text": _fmt_count(record["leads"]),
                "won_text": _fmt_count(won),
                "lost_text": _fmt_count(lost),
                "rate_text": _fmt_rate(won, closed, lang),
                "bar_px": bar,
                "deal_text": _fmt_money(deal),
                "cycle_text": DASH
                if cycle_mean is None
                else f"{_fmt_days(cycle_mean, lang, unit=False)} / "
                f"{_fmt_days(cycle_median, lang, unit=False)}",
            }
        )
    return rows


def _rep_limit(allocation: Allocation) -> int:
    # One more than the team for a small team: the "no owner" group takes a row too.
    n_reps = len(allocation.reps)
    return n_reps + 1 if n_reps <= TEAM_LISTED_MAX else REPS_MAX


def _conversion_section(allocation: Allocation, lang: str) -> dict[str, Any]:
    """SPEC §5.3: the headline figures, the stage funnel and conversion by source, rep,
    industry and region."""
    rows = _customer_rows(allocation)
    limits = {key: _rep_limit(allocation) if key == "owner" else GROUPS_MAX for key in GROUP_KEYS}
    total, tables = conversion_report(rows, limits)
    won, lost, closed = int(total["won"]), int(total["lost"]), int(total["closed"])
    rate_text = _fmt_rate(won, closed, lang)
    deal = _number(total["deal_mean"])
    cycle_mean, cycle_median = _number(total["cycle_mean"]), _number(total["cycle_median"])
    # Customers, won and lost are in the summary sentence; the tiles carry the outcomes.
    tiles = [
        ("conv_rate", rate_text),
        ("conv_deal", _fmt_money(deal)),
        ("conv_cycle_mean", _fmt_days(cycle_mean, lang, unit=True)),
        ("conv_cycle_median", _fmt_days(cycle_median, lang, unit=True)),
    ]
    funnel = stage_funnel(rows)
    largest = int(funnel["count"].max()) if len(funnel) else 0
    stages = [
        {
            "stage": stage,
            "label": t(lang, f"stage_{stage}"),
            "count": int(count),
            "count_text": _fmt_count(count),
            "share_text": fmt_percent(share) if largest else DASH,
            "bar_px": round(FUNNEL_BAR_PX * count / largest) if largest else 0,
            "closed": stage in ("won", "lost"),
        }
        for stage, count, share in funnel.itertuples(index=False)
    ]
    groups = [
        {
            "key": key,
            "title": rt(lang, f"by_{key}"),
            "header": rt(lang, f"group_{key}"),
            "rows": _group_rows(tables[key], key, lang),
        }
        for key in GROUP_KEYS
    ]
    summary = (
        rt(lang, "conversion_summary", closed=f"{closed:,}", won=f"{won:,}", lost=f"{lost:,}",
           rate=rate_text)
        if closed
        else rt(lang, "conversion_none")
    )  # fmt: skip
    return {
        "summary": summary,
        "total": {
            "leads": int(total["leads"]),
            "won": won,
            "lost": lost,
            "closed": closed,
            "rate": _number(total["rate"]),
            "deal_mean": deal,
            "cycle_mean": cycle_mean,
            "cycle_median": cycle_median,
        },
        "tiles": [
            {"key": key, "label": rt(lang, key), "value_text": text, "alert": False}
            for key, text in tiles
        ],
        "funnel": stages,
        "funnel_bar_px": FUNNEL_BAR_PX,
        "groups": groups,
        "rate_bar_px": RATE_BAR_PX,
        "note": rt(lang, "conversion_note"),
    }


def _sla_note(settings: dict[str, Any], lang: str) -> str:
    sla = settings.get("sla")
    hours = {}
    if isinstance(sla, dict):
        hours = {k: sla.get(f"{k}_hours") for k in ("high", "medium", "low")}
    if hours and all(isinstance(v, int | float) for v in hours.values()):
        return rt(lang, "follow_up_note_sla", **{k: f"{v:g}" for k, v in hours.items()})
    return rt(lang, "follow_up_note")


def _follow_up_section(allocation: Allocation, lang: str) -> dict[str, Any]:
    """SPEC §5.4: per rep, customers overdue and due within 24/48/72 hours; the longest
    overdue customers by name."""
    as_of = allocation.run.as_of
    rows = allocation.assignments
    table = follow_up_by_rep(rows, as_of, limit=_rep_limit(allocation))
    buckets = ["overdue", *(f"due_{w}" for w in FOLLOW_UP_WINDOWS)]
    sums = {key: int(table[key].sum()) for key in buckets}  # the folded row keeps the total
    due = sum(sums[f"due_{w}"] for w in FOLLOW_UP_WINDOWS)
    listed = []
    for record in table.to_dict("records"):
        other = int(record["other_owners"])
        entry: dict[str, Any] = {
            "label": rt(lang, "other_reps", count=other) if other else str(record["owner"]),
            "owner": record["owner"],
            "other": other > 0,
            "alert": int(record["overdue"]) > 0,
        }
        for key in [*buckets, "total"]:
            entry[key] = int(record[key])
            entry[f"{key}_text"] = _fmt_count(record[key])
        listed.append(entry)
    late = overdue_customers(rows, as_of, limit=OVERDUE_LIST_MAX)
    overdue_list = [
        {
            "customer_id": str(record["customer_id"]),
            "customer": "" if pd.isna(record["customer"]) else str(record["customer"]),
            "owner": str(record["owner"]),
            "due_text": DASH if pd.isna(record["due_by"]) else f"{record['due_by']:%Y-%m-%d %H:%M}",
            "days": int(record["days_overdue"]),
            "days_text": _fmt_count(record["days_overdue"]),
        }
        for record in late.to_dict("records")
    ]
    more = sums["overdue"] - len(overdue_list)
    return {
        "summary": rt(
            lang,
            "follow_up_summary",
            overdue=f"{sums['overdue']:,}",
            due=f"{due:,}",
            **{key: f"{value:,}" for key, value in sums.items() if key != "overdue"},
        ),
        "counts": {**sums, "due": due},
        "rows": listed,
        "totals": {f"{key}_text": _fmt_count(value) for key, value in sums.items()}
        | {"total_text": _fmt_count(sums["overdue"] + due)},
        "overdue_list": overdue_list,
        "overdue_more": rt(lang, "overdue_more", count=f"{more:,}") if more > 0 else "",
        "note": _sla_note(allocation.run.settings, lang),
    }


def conflicts_section(allocation: Allocation, lang: str, mode: str) -> dict[str, Any] | None:
    """Duplicate groups claimed by several owners: counts and the policy that decides them."""
    frame = allocation.conflicts
    if "group" not in frame.columns or frame.empty:
        return None
    groups, rows = int(frame["group"].nunique()), len(frame)
    if mode == "book":
        text = rt(lang, "conflicts_summary_book", groups=f"{groups:,}", rows=f"{rows:,}")
    else:
        duplicates = allocation.run.settings.get("duplicates")
        policy = "earliest"  # the documented default when the run did not record its settings
        if isinstance(duplicates, dict) and duplicates.get("conflict_policy"):
            policy = str(duplicates["conflict_policy"])
        text = rt(
            lang,
            "conflicts_summary",
            groups=f"{groups:,}",
            rows=f"{rows:,}",
            policy=code_label(lang, "policy", policy),
        )
    return {"groups": groups, "rows": rows, "text": text}


SECTION_BUILDERS: dict[str, Callable[[Allocation, str], dict[str, Any] | None]] = {
    "conversion": _conversion_section,
    "follow_up": _follow_up_section,
}
"""Sections computed from the allocation alone; their data goes to ``context[name]``."""
