"""The workbook as it stands, without allocating: what ``allocator report FILE`` reports.

Every valid customer keeps the owner the input gives it. Nothing is handed out and no decision is
made; what a run *would* do is only counted: open customers gone too long without contact
(``to_reclaim``), open customers whose owner is away or has left (``to_handover``), and duplicate
groups claimed by several owners (撞单, listed without a decision). Follow-up deadlines are those
of customers kept by their owner (SPEC §3.7): last contact (or creation) + the SLA by intent.

The result is an :class:`~allocator.model.Allocation` so that the report's context builder serves
both modes (``mode="book"``); pure, no I/O, time from ``as_of`` only.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from .allocate import OUTPUT_COLUMNS, check_conservation
from .duplicates import resolve_duplicates
from .eligibility import available_reps
from .model import Allocation, Inputs, RunInfo
from .pool import deadlines, pool_status
from .scoring import score_customers
from .settings import Settings
from .summary import CONFLICT_COLUMNS, rep_summary

__all__ = ["book_state"]

_NONE = np.array(None, dtype=object)


def _conflicts(rows: pd.DataFrame) -> pd.DataFrame:
    """Every row of a duplicate group held by several available owners, by group then row."""
    listed = rows[rows["dup_conflict"].to_numpy(dtype=bool)]
    frame = pd.DataFrame(
        {
            "group": listed["dup_group"].astype("int64"),
            "customer_id": listed["customer_id"],
            "customer": listed["customer"],
            "claimant": listed["owner"],
            "owner": listed["owner"],
            "decision": pd.Series(None, index=listed.index, dtype=object),
            "source_row": listed.index.astype("int64"),
        }
    )[CONFLICT_COLUMNS]
    return frame.sort_values(["group", "source_row"], kind="stable").reset_index(drop=True)


def book_state(inputs: Inputs, settings: Settings, *, as_of: datetime, run: RunInfo) -> Allocation:
    """The customers of ``inputs`` with their current owners, as an Allocation for the report.

    ``assignments`` holds every customer with an owner and every closed one (reason ``kept`` or
    ``closed``), ``unassigned`` the open customers without an owner (reason ``no_owner``).
    ``stats`` has the keys of :data:`allocator.report.BOOK_STAT_KEYS`.
    """
    customers = inputs.customers
    reps = inputs.reps.reset_index(drop=True)
    names = reps["name"].to_numpy(dtype=object)
    rep_ids = reps["rep_id"].to_numpy(dtype=object)

    rows = customers.copy()
    rows[["score", "tier"]] = score_customers(customers, settings.scoring)
    rows = rows.join(pool_status(customers, reps, settings, as_of))
    available = available_reps(reps, as_of).to_numpy(dtype=bool)
    duplicates = resolve_duplicates(
        rows,
        names,
        available,
        policy=settings.duplicates.conflict_policy,
        exclude_previous_owner=settings.pool.exclude_previous_owner,
    )
    rows["dup_group"] = duplicates["dup_group"].to_numpy()
    rows["dup_conflict"] = duplicates["dup_conflict"].to_numpy()

    owner_pos = rows["owner_pos"].to_numpy()
    owned = owner_pos >= 0
    safe = np.maximum(owner_pos, 0)
    rows["owner"] = np.where(owned, names[safe], _NONE)
    rows["owner_id"] = np.where(owned, rep_ids[safe], _NONE)
    rows["previous_owner"] = rows["owner"]
    # What a run would do, kept aside; for deadlines and the rep summary every owned open
    # customer is simply kept by its owner.
    pending = rows["status"].to_numpy()
    is_closed = pending == "closed"
    rows["status"] = np.where(is_closed, "closed", np.where(owned, "kept", "new"))
    rows["reason_code"] = np.where(is_closed, "closed", np.where(owned, "kept", "no_owner"))
    rows["reason"] = None
    rows = rows.join(deadlines(rows, settings, as_of))
    rows["source_row"] = rows.index.astype("int64")

    extras = [c for c in inputs.customer_extras if c in rows.columns]
    columns = [*OUTPUT_COLUMNS, *extras, "source_row"]
    ordered = rows.sort_values(
        ["owner_id", "score", "customer_id"],
        ascending=[True, False, True],
        kind="stable",
        na_position="last",
    )
    placed = ordered["owner"].notna() | ordered["status"].eq("closed")
    rows["slot"] = False
    reps_out = rep_summary(reps, rows, owner_pos, available)

    stage = rows["stage"]
    open_owned = owned & ~is_closed
    total = inputs.total_rows
    exceptions = len(inputs.exceptions)
    conflict_groups = rows.loc[rows["dup_conflict"].to_numpy(dtype=bool), "dup_group"]
    stats: dict[str, int | float] = {
        "customers_in": total,
        "open": int(open_owned.sum()),
        "unowned": int((~owned & ~is_closed).sum()),
        "to_reclaim": int((open_owned & (pending == "reclaimed")).sum()),
        "to_handover": int((open_owned & (pending == "handover")).sum()),
        "closed": int(is_closed.sum()),
        "won": int(stage.eq("won").sum()),
        "lost": int(stage.eq("lost").sum()),
        "exceptions": exceptions,
        "conflicts": int(conflict_groups.nunique()),
        "reps": len(reps),
        "reps_active": int(available.sum()),
        "overdue": int(rows["overdue"].sum()),
        "completeness": round(100.0 * (total - exceptions) / total, 1) if total else 100.0,
    }
    allocation = Allocation(
        assignments=ordered.loc[placed, columns].reset_index(drop=True),
        unassigned=ordered.loc[~placed, columns].reset_index(drop=True),
        exceptions=inputs.exceptions.reset_index(drop=True),
        conflicts=_conflicts(rows),
        changes=pd.DataFrame(),
        reps=reps_out,
        stats=stats,
        issues=inputs.issues,
        run=run,
    )
    check_conservation(allocation, total)
    return allocation
