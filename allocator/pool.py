"""Who is in the pool (SPEC §3.2) and follow-up deadlines (§3.7), vectorised."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from .coerce import CLOSED_STAGES
from .eligibility import available_reps
from .settings import Settings

__all__ = ["POOL_STATUSES", "deadlines", "pool_status"]

POOL_STATUSES = ("new", "reclaimed", "handover")


def pool_status(
    customers: pd.DataFrame, reps: pd.DataFrame, settings: Settings, as_of: datetime
) -> pd.DataFrame:
    """Per customer: ``status`` (closed/kept/new/reclaimed/handover), ``owner_pos`` (position of
    the current owner in ``reps`` or -1), ``why_code`` (inactive/away for handovers) and
    ``idle_days`` (days since the last contact, or since creation when never contacted)."""
    now = pd.Timestamp(as_of)
    position = pd.Series(np.arange(len(reps)), index=reps["rep_id"].to_numpy())
    owner_pos = customers["owner_rep"].map(position).fillna(-1).astype(np.int64)
    has_owner = owner_pos.ge(0).to_numpy()
    safe = np.where(has_owner, owner_pos.to_numpy(), 0)
    active = reps["active"].to_numpy(dtype=bool)[safe] & has_owner
    present = available_reps(reps, as_of).to_numpy(dtype=bool)[safe] & has_owner

    last_seen = customers["last_contact"].fillna(customers["created"])
    idle_days = (now - last_seen).dt.total_seconds() / 86400.0
    stale = idle_days.ge(settings.pool.reclaim_after_days).to_numpy()

    closed = customers["stage"].isin(CLOSED_STAGES).to_numpy()
    status = np.select(
        [closed, ~has_owner, ~present, stale],
        ["closed", "new", "handover", "reclaimed"],
        default="kept",
    )
    why = np.where(status == "handover", np.where(active, "away", "inactive"), "")
    return pd.DataFrame(
        {
            "status": status,
            "owner_pos": owner_pos.to_numpy(),
            "why_code": why,
            "idle_days": np.floor(idle_days.to_numpy(dtype=float)),
        },
        index=customers.index,
    )


def sla_hours(intent: pd.Series, settings: Settings) -> pd.Series:
    """First follow-up window in hours by intent (unknown intents get the low window)."""
    sla = settings.sla
    hours = intent.map({"high": sla.high_hours, "medium": sla.medium_hours, "low": sla.low_hours})
    return hours.fillna(sla.low_hours).astype(float)


def deadlines(rows: pd.DataFrame, settings: Settings, as_of: datetime) -> pd.DataFrame:
    """``due_by``, ``escalate_at`` and ``overdue`` (SPEC §3.7).

    Newly assigned customers are due ``as_of`` + SLA; kept ones are due their last contact (or
    creation) + SLA and are overdue when that has passed. Closed and unassigned rows get none.
    """
    now = pd.Timestamp(as_of)
    hours = pd.to_timedelta(sla_hours(rows["intent"], settings), unit="h")
    escalate = pd.Timedelta(days=settings.sla.escalate_after_days)
    owned = rows["owner"].notna()
    kept = rows["status"].eq("kept")
    fresh = owned & rows["status"].isin(POOL_STATUSES)
    anchor = rows["last_contact"].fillna(rows["created"]).fillna(now)
    due = pd.Series(pd.NaT, index=rows.index, dtype="datetime64[ns]")
    due[fresh] = now + hours[fresh]
    due[kept] = anchor[kept] + hours[kept]
    escalate_at = pd.Series(pd.NaT, index=rows.index, dtype="datetime64[ns]")
    escalate_at[fresh] = now + escalate
    escalate_at[kept] = due[kept] + escalate
    overdue = kept & due.lt(now)
    return pd.DataFrame(
        {
            "due_by": due.dt.floor("s"),
            "escalate_at": escalate_at.dt.floor("s"),
            "overdue": overdue.astype(bool),
        },
        index=rows.index,
    )
