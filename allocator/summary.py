"""Per-rep workload, owner changes and run counts derived from the allocated rows."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from .duplicates import DUPLICATE_CODES
from .eligibility import available_reps
from .model import Inputs

__all__ = ["changes_frame", "conflicts_frame", "rep_summary", "run_stats"]

CHANGE_COLUMNS = [
    "customer_id",
    "customer",
    "owner_before",
    "owner_after",
    "reason_code",
    "reason",
    "source_row",
]
CONFLICT_COLUMNS = [
    "group",
    "customer_id",
    "customer",
    "claimant",
    "owner",
    "decision",
    "source_row",
]


def _fresh(rows: pd.DataFrame, owned: np.ndarray) -> np.ndarray:
    """Rows handed out this run: owned pool rows, except those a 撞单 claim placed."""
    status = rows["status"].to_numpy()
    placed = rows["reason_code"].isin(DUPLICATE_CODES).to_numpy()
    return owned & np.isin(status, ("new", "reclaimed", "handover")) & ~placed


def _count(positions: np.ndarray, n: int, weights: np.ndarray | None = None) -> np.ndarray:
    if len(positions) == 0:
        return np.zeros(n)
    return np.bincount(positions, weights=weights, minlength=n)


def rep_summary(
    reps: pd.DataFrame, rows: pd.DataFrame, rep_pos: np.ndarray, available: np.ndarray
) -> pd.DataFrame:
    """One row per rep (sheet order): new, reclaimed, handover, kept, open total, capacity use,
    value, points ledger, tiers and overdue kept customers; ``available`` says whether the rep
    was active and present at the run time (fairness figures count only those).

    Rows count by their pool status (``new``, ``reclaimed``, ``handover``); ``kept`` counts every
    other open row held (kept, and 撞单 rows placed by a claim). Capacity use and points count
    the rows the strategy dealt (``slot``): the other rows of an unclaimed duplicate group
    follow their unit without using capacity or earning points."""
    n = len(reps)
    status = rows["status"].to_numpy()
    owned = rep_pos >= 0
    fresh = _fresh(rows, owned)
    is_open = owned & (status != "closed")
    slot = rows["slot"].to_numpy(dtype=bool) if "slot" in rows.columns else fresh

    def per_rep(mask: np.ndarray, weights: pd.Series | None = None) -> np.ndarray:
        w = None if weights is None else weights.to_numpy(dtype=float)[mask]
        return _count(rep_pos[mask], n, w)

    new_total = per_rep(slot)
    capacity = reps["capacity"].to_numpy(dtype=float)
    received = per_rep(slot, rows["score"])
    before = reps["points_balance"].to_numpy(dtype=float)
    tiers = rows["tier"].to_numpy()
    summary = pd.DataFrame(
        {
            "rep_id": reps["rep_id"],
            "name": reps["name"],
            "team": reps["team"],
            "level": reps["level"],
            "capacity": reps["capacity"].astype("int64"),
            "weight": reps["weight"].astype(float),
            "available": available.astype(bool),
            "new": per_rep(fresh & (status == "new")).astype("int64"),
            "reclaimed": per_rep(fresh & (status == "reclaimed")).astype("int64"),
            "handover": per_rep(fresh & (status == "handover")).astype("int64"),
            "kept": per_rep(is_open & ~fresh).astype("int64"),
            "open_total": per_rep(is_open).astype("int64"),
            "capacity_used": np.divide(new_total, capacity, out=np.zeros(n), where=capacity > 0),
            "value_new": per_rep(fresh, rows["value"]),
            "value_open": per_rep(is_open, rows["value"]),
            "points_before": before,
            "points_received": np.round(received, 2),
            "points_balance_new": np.round(before + received, 2),
            "tier_A": per_rep(fresh & (tiers == "A")).astype("int64"),
            "tier_B": per_rep(fresh & (tiers == "B")).astype("int64"),
            "tier_C": per_rep(fresh & (tiers == "C")).astype("int64"),
            "overdue_count": per_rep(owned & rows["overdue"].to_numpy(dtype=bool)).astype("int64"),
        }
    )
    return summary.reset_index(drop=True)


def changes_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """Every row whose owner differs before and after the run (to enter in the CRM)."""
    before = rows["previous_owner"]
    after = rows["owner"]
    changed = (before.fillna("\0") != after.fillna("\0")) & ~rows["status"].eq("closed")
    frame = rows.loc[changed].rename(
        columns={"previous_owner": "owner_before", "owner": "owner_after"}
    )
    return frame[CHANGE_COLUMNS].reset_index(drop=True)


def conflicts_frame(rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every row of every duplicate group claimed by several owners (SPEC §4 ``Conflicts``): its
    group, the row's owner before (``claimant``, empty when it had none), the owner after and
    the decision; by group, then row. ``rows`` carries ``dup_group``, ``dup_conflict``,
    ``previous_owner``, ``owner``, ``decision`` and ``source_row``; none: an empty sheet."""
    if rows is None or not rows["dup_conflict"].any():
        return pd.DataFrame({c: pd.Series(dtype=object) for c in CONFLICT_COLUMNS})
    listed = rows[rows["dup_conflict"].astype(bool)].rename(
        columns={"dup_group": "group", "previous_owner": "claimant"}
    )
    listed = listed.sort_values(["group", "source_row"], kind="stable")
    frame = listed[CONFLICT_COLUMNS].reset_index(drop=True)
    return frame.astype({"group": "int64", "source_row": "int64"})


def run_stats(
    inputs: Inputs, rows: pd.DataFrame, reps: pd.DataFrame, as_of: datetime
) -> dict[str, int | float]:
    """Counts for the report and the Run sheet."""
    status = rows["status"]
    owned = rows["owner"].notna()
    fresh = pd.Series(_fresh(rows, owned.to_numpy()), index=rows.index)
    total = inputs.total_rows
    listed = rows["dup_conflict"].astype(bool) if "dup_conflict" in rows.columns else owned & False
    exceptions = len(inputs.exceptions)
    return {
        "customers_in": total,
        "assigned": int(fresh.sum()),
        "new": int((fresh & status.eq("new")).sum()),
        "kept": int((owned & ~status.eq("closed") & ~fresh).sum()),
        "reclaimed": int(status.eq("reclaimed").sum()),
        "reclaimed_assigned": int((fresh & status.eq("reclaimed")).sum()),
        "handover": int(status.eq("handover").sum()),
        "closed": int(status.eq("closed").sum()),
        "unassigned": int((~owned & ~status.eq("closed")).sum()),
        "exceptions": exceptions,
        "conflicts": int(rows.loc[listed, "dup_group"].nunique()) if listed.any() else 0,
        "reps": len(reps),
        "reps_active": int(available_reps(reps, as_of).sum()),
        "overdue": int(rows["overdue"].sum()),
        "warnings": sum(1 for i in inputs.issues if i.severity == "warning"),
        "completeness": round(100.0 * (total - exceptions) / total, 1) if total else 100.0,
    }
