"""Duplicate customers (撞单), SPEC §3.1: who holds each duplicate group before the pool is dealt.

A *claim* on a group is an active, present owner on one of its ``kept`` or ``closed`` rows (an
existing relationship; reclaimed and handed-over rows do not claim). Then, per group:

- one claiming owner: every open row of the group that owner does not already keep goes to them
  (``duplicate_of_owned``), without using their capacity;
- several claiming owners: a conflict. ``conflict_policy`` picks one claiming row, whose owner
  keeps every open row of the group; rows that move get ``conflict``. Closed rows keep their
  owner whatever the group;
- no claim: the group's pool rows are one *unit*. Only its best row (score, then customer_id)
  goes through the strategy; the others follow it (same owner, or same unassigned cause).

All vectorised: one sort per decision, group-wise ``first`` through ``drop_duplicates``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .identity import duplicate_groups

__all__ = ["DUPLICATE_CODES", "LOSER_SEPARATOR", "follow_units", "resolve_duplicates"]

DUPLICATE_CODES = ("duplicate_of_owned", "conflict")
"""Reason codes of open rows placed by a claim: existing relationships, no capacity used."""
LOSER_SEPARATOR = "\x1f"
"""Joins the losing claimants' names; the reason text puts the language's separator there."""
_POOL = ("new", "reclaimed", "handover")
_LATEST = np.iinfo(np.int64).max


def _rank_keys(rows: pd.DataFrame, policy: str) -> np.ndarray:
    """Ascending sort key of a claiming row under ``policy``: the winner sorts first; rows
    without the deciding value sort last."""
    if policy == "highest_value":
        value = rows["value"].to_numpy(dtype=float)
        return np.where(np.isnan(value), np.inf, -value)
    column = "last_contact" if policy == "latest_contact" else "created"
    missing = rows[column].isna().to_numpy()
    stamp = np.where(missing, 0, rows[column].to_numpy(dtype="datetime64[ns]").view(np.int64))
    return np.where(missing, _LATEST, -stamp if policy == "latest_contact" else stamp)


def _first(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """The first row of each ``by`` value, in the frame's order, indexed by that value."""
    return frame.drop_duplicates(by, keep="first").set_index(by)


def resolve_duplicates(
    rows: pd.DataFrame,
    names: np.ndarray,
    available: np.ndarray,
    *,
    policy: str,
    exclude_previous_owner: bool,
) -> pd.DataFrame:
    """Per row of ``rows`` (index = Excel row; ``status``, ``owner_pos``, ``score``,
    ``customer_id``, ``customer``, ``phone``, ``email``, ``created``, ``last_contact``,
    ``value``), given rep ``names`` and ``available`` (active and present) by position:

    ``dup_group`` (duplicate group id), ``dup_code`` (``duplicate_of_owned``/``conflict`` or
    ``""``) and ``dup_pos`` (the rep who holds such a row, else -1), ``dup_anchor`` (the claiming
    row that decided the group, -1 without a claim) and ``dup_anchor_customer`` (its name),
    ``dup_losers`` (losing claimants of a conflicting group, joined by
    :data:`LOSER_SEPARATOR`), ``dup_conflict`` (the group has several claimants), ``dup_unit``
    (the row whose strategy decision a pool row follows: itself unless it follows another row
    of an unclaimed group) and ``dup_excluded`` (rep positions, comma-separated, that a row
    dealt by the strategy may not go to: previous owners of the reclaimed rows of its unit).
    The ``dup_`` prefix keeps clear of the input's own extra columns.
    """
    index = rows.index
    row = index.to_numpy(dtype=np.int64)
    group = duplicate_groups(rows).to_numpy()
    status = rows["status"].to_numpy()
    owner = rows["owner_pos"].to_numpy(dtype=np.int64)
    is_open = status != "closed"
    present = np.zeros(len(rows), dtype=bool)
    present[owner >= 0] = available[owner[owner >= 0]]
    claims = pd.DataFrame(
        {"group": group, "owner": owner, "row": row, "key": _rank_keys(rows, policy)}
    )[present & np.isin(status, ("kept", "closed"))]

    # The deciding claim of each claimed group, and how many owners claim it.
    ranked = claims.sort_values(["group", "key", "row"], kind="stable")
    decided = _first(ranked, "group")
    owners = claims.drop_duplicates(["group", "owner"])
    count = owners.groupby("group").size()
    winner = pd.Series(group).map(decided["owner"]).fillna(-1).to_numpy(dtype=np.int64)
    anchor = pd.Series(group).map(decided["row"]).fillna(-1).to_numpy(dtype=np.int64)
    in_conflict = pd.Series(group).map(count).fillna(0).to_numpy() > 1
    claimed = winner >= 0

    held = claimed & is_open & ~((status == "kept") & (owner == winner))
    dup_code = np.where(held, np.where(in_conflict, "conflict", "duplicate_of_owned"), "")
    anchor_name = pd.Series(rows["customer"].to_numpy(dtype=object), index=row)

    losers = owners[owners["group"].map(count).gt(1).to_numpy()]
    losers = losers[losers["owner"].to_numpy() != losers["group"].map(decided["owner"]).to_numpy()]
    losers = losers.assign(name=names[losers["owner"].to_numpy()]).sort_values(["group", "owner"])
    loser_text = losers.groupby("group")["name"].agg(LOSER_SEPARATOR.join)

    unit, excluded = _units(rows, group, claimed, exclude_previous_owner)
    return pd.DataFrame(
        {
            "dup_group": group,
            "dup_code": dup_code.astype(object),
            "dup_pos": np.where(held, winner, -1),
            "dup_anchor": anchor,
            "dup_anchor_customer": anchor_name.reindex(anchor).to_numpy(dtype=object),
            "dup_losers": pd.Series(group).map(loser_text).fillna("").to_numpy(dtype=object),
            "dup_conflict": in_conflict,
            "dup_unit": unit,
            "dup_excluded": excluded,
        },
        index=index,
    )


def _units(
    rows: pd.DataFrame, group: np.ndarray, claimed: np.ndarray, exclude_previous_owner: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The unit (representative row) of every row and the reps each representative excludes."""
    row = rows.index.to_numpy(dtype=np.int64)
    status = rows["status"].to_numpy()
    owner = rows["owner_pos"].to_numpy(dtype=np.int64)
    pool = np.isin(status, _POOL) & ~claimed
    members = pd.DataFrame(
        {
            "group": group[pool],
            "score": rows["score"].to_numpy(dtype=float)[pool],
            "customer_id": rows["customer_id"].astype(str).to_numpy()[pool],
            "row": row[pool],
        }
    )
    best = members.sort_values(
        ["group", "score", "customer_id"], ascending=[True, False, True], kind="stable"
    )
    representative = _first(best, "group")["row"]
    unit = row.copy()
    unit[pool] = members["group"].map(representative).to_numpy(dtype=np.int64)

    excluded = np.full(len(rows), "", dtype=object)
    if exclude_previous_owner:
        gone = pool & (status == "reclaimed") & (owner >= 0)
        pairs = pd.DataFrame({"unit": unit[gone], "owner": owner[gone]}).drop_duplicates()
        pairs = pairs.sort_values(["unit", "owner"])
        text = pairs.drop_duplicates("unit", keep=False).set_index("unit")["owner"].astype(str)
        several = pairs[pairs["unit"].duplicated(keep=False)]
        if len(several):  # a unit of rows reclaimed from different reps: rare, joined in Python
            joined = several.assign(owner=several["owner"].astype(str)).groupby("unit")["owner"]
            text = pd.concat([text, joined.agg(",".join)])
        excluded = pd.Series(row).map(text).fillna("").to_numpy(dtype=object)
    return unit, excluded


def follow_units(decided: pd.DataFrame, unit: pd.Series) -> pd.DataFrame:
    """``decided`` (the strategy's rows, by Excel row) extended to every row of ``unit`` (the
    pool rows, valued by the row each follows): followers copy their representative's
    decision."""
    return decided.reindex(unit.to_numpy()).set_axis(unit.index)
