"""Reason codes → one sentence per row in the run language (SPEC §3.8), vectorised by code."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .duplicates import LOSER_SEPARATOR
from .i18n import fill, t, translate_values

__all__ = ["conflict_decisions", "explain"]

_LIST_SEPARATOR = {"zh": "、", "en": ", "}


def _fmt(values: pd.Series, pattern: str) -> pd.Series:
    """Numbers to text with a printf pattern, in C (np.char) rather than per-row Python."""
    array = values.to_numpy(dtype=float)
    text = np.char.mod(pattern, np.nan_to_num(array))
    return pd.Series(text, index=values.index).where(~np.isnan(array), "")


def _date(values: pd.Series) -> pd.Series:
    return values.dt.strftime("%Y-%m-%d").where(values.notna(), "")


def _row(values: pd.Series) -> pd.Series:
    return _fmt(values.astype(float), "%d")


def _duplicates(rows: pd.DataFrame, reason: pd.Series, lang: str, policy: str) -> None:
    """Reasons of the rows a 撞单 claim placed (``duplicate_of_owned``, ``conflict``)."""
    code = rows["reason_code"]
    owned = code.eq("duplicate_of_owned")
    if owned.any():
        d = rows[owned]
        reason[owned] = fill(
            lang,
            "reason_duplicate_of_owned",
            d.index,
            row=_row(d["dup_anchor"]),
            customer=d["dup_anchor_customer"],
            owner=d["owner"],
        )
    conflict = code.eq("conflict")
    if conflict.any():
        c = rows[conflict]
        losers = c["dup_losers"].str.replace(LOSER_SEPARATOR, _LIST_SEPARATOR[lang], regex=False)
        reason[conflict] = fill(
            lang,
            "reason_conflict",
            c.index,
            losers=losers,
            rule=t(lang, f"policy_{policy}"),
            owner=c["owner"],
            row=_row(c["dup_anchor"]),
        )


def conflict_decisions(rows: pd.DataFrame, *, lang: str, policy: str) -> pd.Series:
    """For the rows of conflicting duplicate groups, the decision shown on the Conflicts sheet:
    which rule gave the group to whom (closed rows: their own reason, they keep their owner);
    ``""`` elsewhere. ``rows`` carries ``dup_conflict``, ``dup_anchor``, ``status``, ``owner``
    and ``reason``."""
    decision = pd.Series("", index=rows.index, dtype=object)
    listed = rows["dup_conflict"].astype(bool)
    if listed.any():
        c = rows[listed]
        kept_by = fill(
            lang,
            "decision_conflict",
            c.index,
            rule=t(lang, f"policy_{policy}"),
            owner=c["owner"],
            row=_row(c["dup_anchor"]),
        )
        decision[listed] = kept_by.where(c["status"].ne("closed"), c["reason"])
    return decision


_FIGURES = {
    "points": ("reason_points", "%.1f", 1.0, 0.0),
    "round_robin": ("reason_round_robin", "%d", 1.0, 1.0),
    "weighted": ("reason_weighted", "%g", 1.0, 0.0),
    "balanced": ("reason_balanced", "%.0f%%", 100.0, 0.0),
    "performance": ("reason_performance", "%.0f%%", 100.0, 0.0),
    "optimal": ("reason_optimal", "%.0f%%", 100.0, 0.0),
}
"""Per strategy: its sentence, and how its deciding figure is shown: ``pattern`` applied to
``figure × scale + offset`` (rates as percentages, round robin's earlier count as the turn)."""

_WHY = ("full", "fair", "full_fair", "plan")
"""Why ``optimal`` passed over candidates converting better (see its ``detail["why"]``)."""


def _optimal(m: pd.DataFrame, lang: str, area: pd.Series, n: pd.Series) -> pd.Series:
    """Reasons of the customers ``optimal`` placed: where the owner's expected conversion ranks
    among the candidates, why better ones did not take the customer (at capacity, at their
    fairness limit, or the whole-week plan), the owner's capacity left, and whether the owner
    ended above its fairness limit (``detail_*`` columns from the strategy)."""
    rank = pd.to_numeric(m["detail_rank"], errors="coerce")
    percent = "%.0f%%"
    values = {
        "area": area,
        "n": n,
        "owner": m["owner"],
        "industry": m["industry"],
        "figure": _fmt(m["figure"] * 100.0, percent),
        "left": _fmt(pd.to_numeric(m["detail_left"], errors="coerce"), "%d"),
    }
    top = fill(lang, "reason_optimal", m.index, **values)
    reasons = {code: t(lang, f"optimal_why_{code}") for code in _WHY}
    ranked = fill(
        lang,
        "reason_optimal_ranked",
        m.index,
        rank=_fmt(rank, "%d"),
        best=_fmt(pd.to_numeric(m["detail_best"], errors="coerce") * 100.0, percent),
        why=m["detail_why"].map(reasons).fillna(""),
        **values,
    )
    text = top.where(rank.fillna(1).le(1), ranked)
    over = m["detail_over"].eq(True)
    return text.where(~over, text + fill(lang, "suffix_optimal_over", m.index, owner=m["owner"]))


def _decided(a: pd.DataFrame, reason: pd.Series, lang: str, area: pd.Series, n: pd.Series) -> None:
    """Reasons of the customers a strategy handed out: the candidates and the figure that won
    (the winner's points, turn, weight, load or expected conversion). Under a rule, the rule's
    target stands where the territory would."""
    area = area.where(a["rule_target"].fillna("").eq(""), a["rule_target"])
    pick = a["industry_pick"].fillna("")
    # When reps who know the industry went first, the figure decided only among them.
    count = n.where(pick.ne("among"), _fmt(a["n_preferred"], "%d"))
    for method, (key, pattern, scale, offset) in _FIGURES.items():
        mask = a["method"].eq(method)
        if not mask.any():
            continue
        m = a[mask]
        shown = _fmt(m["figure"] * scale + offset, pattern)
        text = (
            _optimal(m, lang, area[mask], count[mask])
            if method == "optimal"
            else fill(
                lang,
                key,
                m.index,
                area=area[mask],
                n=count[mask],
                owner=m["owner"],
                points=shown,
                figure=shown,
                industry=m["industry"],
            )
        )
        among = pick[mask].eq("among")
        suffix = fill(lang, "suffix_industry_first", m.index, industry=m["industry"])
        reason[m.index] = text.where(~among, text + suffix)
    referral = a["method"].eq("referral")
    if referral.any():
        r = a[referral]
        reason[r.index] = fill(
            lang, "reason_referral", r.index, row=_row(r["ref_row"]), owner=r["owner"]
        )
    only = pick.eq("only") & ~referral
    if only.any():
        o = a[only]
        reason[o.index] = fill(
            lang,
            "reason_industry_only",
            o.index,
            area=area[only],
            n=n[only],
            owner=o["owner"],
            industry=o["industry"],
        )


def explain(
    rows: pd.DataFrame, *, lang: str, sla_hours: pd.Series, policy: str = "earliest"
) -> pd.Series:
    """The ``reason`` of every row of ``rows``.

    ``rows`` carries: ``status`` (kept/closed/new/reclaimed/handover), ``reason_code``, ``owner``,
    ``previous_owner``, ``region``, ``industry``, ``tier``, ``stage``, ``last_contact``,
    ``n_candidates``, ``figure`` (the deciding points), ``idle_days``, ``why_code``
    (inactive/away), ``away_until``, ``min_level``, ``overdue`` and the 撞单 columns of
    :func:`allocator.duplicates.resolve_duplicates` (``dup_anchor``, ``dup_anchor_customer``,
    ``dup_losers``, ``dup_unit``); ``policy`` is the conflict rule named in conflict reasons.
    A row that follows another of its duplicate group takes that row's reason, prefixed.
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

    placed = code.isin(("duplicate_of_owned", "conflict"))
    _duplicates(rows, reason, lang, policy)

    assigned = rows["owner"].notna() & ~kept & ~closed & ~placed
    if assigned.any():
        _decided(rows[assigned], reason, lang, area[assigned], n[assigned])

    unassigned = rows["owner"].isna() & ~closed
    area = area.where(rows["rule_target"].fillna("").eq(""), rows["rule_target"])
    causes = (
        "no_territory",
        "no_other_rep",
        "no_rule_rep",
        "no_industry",
        "no_level",
        "no_capacity",
    )
    for cause in causes:
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

    pooled = unassigned & code.eq("pool_rule")
    if pooled.any():
        reason[pooled] = fill(
            lang, "reason_pool_rule", rows.index[pooled], rule=rows.loc[pooled, "rule_name"]
        )
    ruled = rows["rule_name"].fillna("").ne("") & ~kept & ~closed & ~placed & ~pooled
    if ruled.any():
        prefix = fill(lang, "prefix_rule", rows.index[ruled], rule=rows.loc[ruled, "rule_name"])
        reason[ruled] = prefix + reason[ruled]

    follows = rows["dup_unit"].to_numpy() != rows.index.to_numpy()
    follower = pd.Series(follows, index=rows.index) & ~kept & ~closed & ~placed
    if follower.any():
        f = rows[follower]
        same = fill(lang, "prefix_same_customer", f.index, row=_row(f["dup_unit"]))
        reason[follower] = same + reason.reindex(f["dup_unit"]).to_numpy()

    # A claim that gives a reclaimed row back to its owner is no reclaim worth announcing.
    back = placed & rows["owner"].eq(rows["previous_owner"])
    reclaimed = rows["status"].eq("reclaimed") & ~back
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
