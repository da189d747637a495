"""Referrals (转介绍, SPEC §3.2): a pool customer whose ``referred_by`` names a customer with an
active, present owner goes to that owner first, within the owner's capacity."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .identity import company_keys

__all__ = ["referral_owner", "take_referrals"]


def referral_owner(rows: pd.DataFrame, available: np.ndarray) -> pd.DataFrame:
    """Per row: ``ref_pos`` (the referrer's owner, -1 when none is available) and ``ref_row``
    (the Excel row of the referring customer, -1 when ``referred_by`` names no customer).

    ``referred_by`` may hold a customer_id (matched exactly) or a company name (matched by its
    identity key, legal suffixes ignored); the first such customer in row order refers.
    """
    referred = rows["referred_by"].astype(object)
    asked = referred.notna().to_numpy()
    ref_row = np.full(len(rows), -1, dtype=np.int64)
    if asked.any():
        rows_by_id = pd.Series(rows.index.to_numpy(), index=rows["customer_id"].astype(str))
        rows_by_id = rows_by_id[~rows_by_id.index.duplicated()]
        wanted = referred[asked].astype(str).str.strip()
        found = wanted.map(rows_by_id)
        by_id = found.notna()
        if not by_id.all():
            # Names are normalised only when some referrer is not an id: it costs a pass over
            # every customer's name.
            names = company_keys(rows["customer"])
            rows_by_name = pd.Series(rows.index.to_numpy(), index=names.to_numpy())
            rows_by_name = rows_by_name[
                (rows_by_name.index != "") & ~rows_by_name.index.duplicated()
            ]
            found[~by_id] = company_keys(wanted[~by_id]).map(rows_by_name)
        ref_row[asked] = found.fillna(-1).to_numpy(dtype=np.int64)
    ref_row[ref_row == rows.index.to_numpy()] = -1  # a customer cannot refer itself
    owner = rows["owner_pos"].to_numpy(dtype=np.int64)
    position = pd.Series(np.arange(len(rows)), index=rows.index)
    ref_owner = np.full(len(rows), -1, dtype=np.int64)
    has = ref_row >= 0
    ref_owner[has] = owner[position.reindex(ref_row[has]).to_numpy(dtype=np.int64)]
    usable = ref_owner >= 0
    usable[usable] = available[ref_owner[usable]]
    return pd.DataFrame(
        {"ref_pos": np.where(usable, ref_owner, -1), "ref_row": ref_row}, index=rows.index
    )


def take_referrals(pool: pd.DataFrame, ref_pos: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """The referrer's owner for the pool rows that get one (-1 elsewhere): best scores first,
    at most each owner's remaining ``capacity``; the rest go through the normal allocation."""
    chosen = np.full(len(pool), -1, dtype=np.int64)
    wants = np.flatnonzero(ref_pos >= 0)
    if not len(wants):
        return chosen
    order = wants[
        np.lexsort(
            (pool["customer_id"].astype(str).to_numpy()[wants], -pool["score"].to_numpy()[wants])
        )
    ]
    owners = ref_pos[order]
    by_owner = np.argsort(owners, kind="stable")
    sorted_owners = owners[by_owner]
    rank = np.arange(len(order)) - np.searchsorted(sorted_owners, sorted_owners, side="left")
    fits = rank < capacity[sorted_owners]
    chosen[order[by_owner][fits]] = sorted_owners[fits]
    return chosen
