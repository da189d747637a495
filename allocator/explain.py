"""Reason codes → one sentence per row in the run language (SPEC §3.8), vectorised by code."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .i18n import fill, t, translate_values

__all__ = ["explain"]


def _fmt(values: pd.Series, pattern: str) -> pd.Series:
    """Numbers to text with a printf pattern, in C (np.char) rather than per-row Python."""
    array = values.to_numpy(dtype=float)
    text = np.char.mod(pattern, np.nan_to_num(array))
    return pd.Series(text, index=values.index).where(~np.isnan(array), "")


def _date(values: pd.Series) -> pd.Series:
    return values.dt.strftime("%Y-%m-%d").where(values.notna(), "")


def explain(rows: pd.DataFrame, *, lang: str, sla_hours: pd.Series) -> pd.Series:
    """The ``reason`` of every row of ``rows``.

    ``rows`` carries: ``status`` (kept/closed/new/reclaimed/handover), ``reason_code``, ``owner``,
    ``previous_owner``, ``region``, ``industry``, ``tier``, ``stage``, ``last_contact``,
    ``n_candidates``, ``figure`` (the deciding points), ``idle_days``, ``why_code``
    (inactive/away), ``away_until``, ``min_level`` and ``overdue``.
    """
    reason = pd.Series("", index=rows.index, dtype=object)
    code = rows["reason_code"]
    area = rows["region"].fillna("")
    n = _fmt(rows["n_candidates"], "%d")

    kept = code.eq("kept")
    if kept.any():
        k = rows[kept]
        never = t(lang, "never")
        normal = fill(
            lang,
            "reason_kept",
            k.index,
            owner=k["owner"],
            last=_date(k["last_contact"]).replace("", never),
        )
        late = fill(
            lang,
            "reason_kept_overdue",
            k.index,
            owner=k["owner"],
            hours=_fmt(sla_hours[kept], "%g"),
        )
        reason[kept] = normal.where(~k["overdue"].astype(bool), late)

    closed = code.eq("closed")
    if closed.any():
        c = rows[closed]
        stage = translate_values(lang, "stage", c["stage"])
        with_owner = fill(lang, "reason_closed", c.index, stage=stage, owner=c["owner"])
        without = fill(lang, "reason_closed_no_owner", c.index, stage=stage)
        reason[closed] = with_owner.where(c["owner"].notna(), without)

    assigned = rows["owner"].notna() & ~kept & ~closed
    if assigned.any():
        a = rows[assigned]
        points = _fmt(a["figure"], "%.1f")
        reason[assigned] = fill(
            lang,
            "reason_points",
            a.index,
            area=area[assigned],
            n=n[assigned],
            owner=a["owner"],
            points=points,
        )
        pick = a["industry_pick"].fillna("")
        for kind, key, count in (
            ("only", "reason_industry_only", n[assigned]),
            ("among", "reason_industry_points", _fmt(a["n_preferred"], "%d")),
        ):
            mask = pick.eq(kind)
            if mask.any():
                m = a[mask]
                reason[m.index] = fill(
                    lang,
                    key,
                    m.index,
                    area=area[m.index],
                    n=count[mask],
                    owner=m["owner"],
                    industry=m["industry"],
                    points=points[mask],
                )

    unassigned = rows["owner"].isna() & ~closed
    for cause in ("no_territory", "no_other_rep", "no_industry", "no_level", "no_capacity"):
        mask = unassigned & code.eq(cause)
        if not mask.any():
            continue
        u = rows[mask]
        level = translate_values(lang, "level", u["min_level"].fillna("senior"))
        reason[mask] = fill(
            lang,
            f"reason_{cause}",
            u.index,
            area=area[mask],
            n=n[mask],
            industry=u["industry"],
            level=level,
            tier=u["tier"],
        )

    reclaimed = rows["status"].eq("reclaimed")
    if reclaimed.any():
        r = rows[reclaimed]
        prefix = fill(
            lang,
            "prefix_reclaimed",
            r.index,
            days=_fmt(r["idle_days"], "%d"),
            previous=r["previous_owner"],
        )
        reason[reclaimed] = prefix + reason[reclaimed]
    handover = rows["status"].eq("handover")
    if handover.any():
        h = rows[handover]
        away = fill(lang, "why_away", h.index, date=_date(h["away_until"]))
        why = away.where(h["why_code"].eq("away"), t(lang, "why_inactive"))
        prefix = fill(lang, "prefix_handover", h.index, previous=h["previous_owner"], why=why)
        reason[handover] = prefix + reason[handover]
    return reason
