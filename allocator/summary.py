"""Per-rep workload, owner changes and run counts derived from the allocated rows."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

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


def _count(positions: np.ndarray, n: int, weights: np.ndarray | None = None) -> np.ndarray:
    if len(positions) == 0:
        return np.zeros(n)
    return np.bincount(positions, weights=weights, minlength=n)


def rep_summary(
    reps: pd.DataFrame, rows: pd.DataFrame, rep_pos: np.ndarray, available: np.ndarray
) -> pd.DataFrame:
    """One row per rep (sheet order): new, reclaimed, handover, kept, open total, capacity use,
    value, points ledger, tiers and overdue kept customers; ``available`` says whether the rep
    was active and present at the run time (fairness figures count only those)."""
    n = len(reps)
    status = rows["status"].to_numpy()
    owned = rep_pos >= 0
    fresh = owned & np.isin(status, ("new", "reclaimed", "handover"))
    is_open = owned & (status != "closed")

    def per_rep(mask: np.ndarray, weights: pd.Series | None = None) -> np.ndarray:
        w = None if weights is None else weights.to_numpy(dtype=float)[mask]
        return _count(rep_pos[mask], n, w)

    new_total = per_rep(fresh)
    capacity = reps["capacity"].to_numpy(dtype=float)
    received = per_rep(fresh, rows["score"])
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
            "kept": per_rep(owned & (status == "kept")).astype("int64"),
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


def conflicts_frame() -> pd.DataFrame:
    """Duplicate groups claimed by several owners (filled by the 撞单 step)."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in CONFLICT_COLUMNS})


def run_stats(
    inputs: Inputs, rows: pd.DataFrame, reps: pd.DataFrame, as_of: datetime
) -> dict[str, int | float]:
    """Counts for the report and the Run sheet."""
    status = rows["status"]
    owned = rows["owner"].notna()
    fresh = owned & status.isin(("new", "reclaimed", "handover"))
    total = inputs.total_rows
    exceptions = len(inputs.exceptions)
    return {
        "customers_in": total,
        "assigned": int(fresh.sum()),
        "new": int((fresh & status.eq("new")).sum()),
        "kept": int(status.eq("kept").sum()),
        "reclaimed": int(status.eq("reclaimed").sum()),
        "reclaimed_assigned": int((fresh & status.eq("reclaimed")).sum()),
        "handover": int(status.eq("handover").sum()),
        "closed": int(status.eq("closed").sum()),
        "unassigned": int((~owned & ~status.eq("closed")).sum()),
        "exceptions": exceptions,
        "conflicts": 0,
        "reps": len(reps),
        "reps_active": int(available_reps(reps, as_of).sum()),
        "overdue": int(rows["overdue"].sum()),
        "warnings": sum(1 for i in inputs.issues if i.severity == "warning"),
        "completeness": round(100.0 * (total - exceptions) / total, 1) if total else 100.0,
    }
