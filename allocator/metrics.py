"""Conversion and follow-up figures of the report (SPEC §5.3, §5.4), vectorised and pure.

Every function takes customer rows with canonical columns (``stage`` codes of
:data:`allocator.coerce.STAGES`, ``created``/``closed`` datetimes, ``deal_value``, the grouping
column; ``owner``, ``due_by``, ``overdue`` for follow-up) and returns a new DataFrame of plain
numbers. Formatting and wording belong to :mod:`allocator.report`.

Definitions, the same in every table:

- conversion = won / (won + lost): open customers have not decided yet and do not count;
- a group with fewer than :data:`SMALL_SAMPLE` closed customers is a *small sample*: its rate is
  kept for sorting and JSON but the report shows the counts instead of a percentage;
- cycle = ``closed − created`` in days, over won customers with both dates (a closed date before
  the created date is a data error and left out);
- average deal = mean ``deal_value`` of won customers that have one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import numpy as np
import pandas as pd

from .coerce import STAGES

__all__ = [
    "CONVERSION_COLUMNS",
    "FOLLOW_UP_WINDOWS",
    "GROUP_KEYS",
    "SMALL_SAMPLE",
    "conversion_by",
    "conversion_report",
    "conversion_total",
    "follow_up_by_rep",
    "overdue_customers",
    "stage_funnel",
]

SMALL_SAMPLE = 5
"""Groups with fewer closed customers than this show counts, never a bare percentage."""
GROUP_KEYS = ("source", "owner", "industry", "region")
"""The columns conversion is broken down by, in report order."""
FOLLOW_UP_WINDOWS = (24, 48, 72)
"""Hours ahead of the run time in which follow-ups fall due, one column each (SPEC §5.4)."""
CONVERSION_COLUMNS = (
    "group", "other_groups", "leads", "won", "lost", "closed", "rate", "small",
    "deal_mean", "cycle_mean", "cycle_median", "cycle_n",
)  # fmt: skip
"""Columns of :func:`conversion_by`; ``other_groups`` > 0 marks the row folding the tail."""
_DAY_NS = 86_400 * 10**9


def _column(rows: pd.DataFrame, name: str) -> pd.Series:
    """``rows[name]``, or an all-missing column when the input lacks it (all optional)."""
    if name in rows.columns:
        return rows[name]
    return pd.Series(np.nan, index=rows.index, dtype=object)


def _stage_codes(rows: pd.DataFrame) -> np.ndarray:
    """Position of each row's stage in :data:`STAGES` (blank = ``new``, unknown = -1): one
    hashing pass instead of a string comparison per question asked."""
    stage = _column(rows, "stage").fillna("new")
    return np.asarray(pd.Categorical(stage, categories=list(STAGES)).codes, dtype=np.int64)


_WON, _LOST = STAGES.index("won"), STAGES.index("lost")


def _outcomes(rows: pd.DataFrame) -> pd.DataFrame:
    """Per row: won, lost (bools), deal (won deals only) and cycle days (won, valid dates)."""
    codes = _stage_codes(rows)
    won = codes == _WON
    lost = codes == _LOST
    created = pd.to_datetime(_column(rows, "created"), errors="coerce")
    closed = pd.to_datetime(_column(rows, "closed"), errors="coerce")
    # Whole nanoseconds to days without a Python call per row; NaT stays NaN.
    span = (closed - created).to_numpy(dtype="timedelta64[ns]").astype("int64").astype(float)
    span[(closed.isna() | created.isna()).to_numpy()] = np.nan
    cycle = span / _DAY_NS
    cycle[~won | (cycle < 0)] = np.nan
    deal = pd.to_numeric(_column(rows, "deal_value"), errors="coerce").to_numpy(dtype=float)
    return pd.DataFrame(
        {"won": won, "lost": lost, "deal": np.where(won, deal, np.nan), "cycle": cycle},
        index=rows.index,
    )


def _aggregate(outcomes: pd.DataFrame, key: pd.Series) -> pd.DataFrame:
    frame = outcomes.assign(key=key.to_numpy())
    table = frame.groupby("key", sort=True).agg(
        leads=("won", "size"),
        won=("won", "sum"),
        lost=("lost", "sum"),
        deal_mean=("deal", "mean"),
        cycle_mean=("cycle", "mean"),
        cycle_median=("cycle", "median"),
        cycle_n=("cycle", "count"),
    )
    table = table.astype({"leads": "int64", "won": "int64", "lost": "int64", "cycle_n": "int64"})
    table["closed"] = table["won"] + table["lost"]
    closed = table["closed"].to_numpy(dtype=float)
    table["rate"] = np.divide(
        table["won"].to_numpy(dtype=float),
        closed,
        out=np.full(len(table), np.nan),
        where=closed > 0,
    )
    table["small"] = table["closed"].lt(SMALL_SAMPLE)
    return table


def _total(outcomes: pd.DataFrame) -> dict[str, float | int | bool]:
    table = _aggregate(outcomes, pd.Series(0, index=outcomes.index, dtype=np.int64))
    if table.empty:  # no rows at all: one empty group, so every figure has its neutral value
        table = table.reindex([0]).fillna(
            {"leads": 0, "won": 0, "lost": 0, "closed": 0, "cycle_n": 0}
        )
        table["small"] = True
    record = table.iloc[0]
    result: dict[str, float | int | bool] = {}
    for name in CONVERSION_COLUMNS[2:]:
        value = record[name]
        if name == "small":
            result[name] = bool(value)
        elif name in ("leads", "won", "lost", "closed", "cycle_n"):
            result[name] = int(value)
        else:
            result[name] = float(value)
    return result


def _group_codes(raw: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Group number per row (-1: blank) and the group names; values that read the same (``1``
    and ``"1"``) are one group. Hashes the column once, then stringifies only its uniques."""
    codes, uniques = pd.factorize(raw)
    names, merged = pd.factorize(pd.Index([str(value) for value in uniques], dtype=object))
    mapped = np.where(codes >= 0, names[np.maximum(codes, 0)] if len(names) else -1, -1)
    return mapped.astype(np.int64), [str(name) for name in merged]


def _by(outcomes: pd.DataFrame, raw: pd.Series, limit: int | None) -> pd.DataFrame:
    codes, uniques = _group_codes(raw)
    sizes = np.bincount(codes + 1, minlength=len(uniques) + 1)
    names: list[str | None] = [None, *uniques]
    ranked = sorted(
        (slot for slot in range(len(names)) if sizes[slot] > 0),
        key=lambda slot: (names[slot] is None, -sizes[slot], names[slot] or ""),
    )
    # Folding a single group would only rename it: fold when it saves at least one row.
    fold = limit is not None and len(ranked) > limit + 1
    keep = ranked[:limit] if fold else ranked
    position = np.full(len(names), len(keep), dtype=np.int64)  # default: the folded row
    position[keep] = np.arange(len(keep))
    table = _aggregate(outcomes, pd.Series(position[codes + 1], index=outcomes.index))
    folded = len(ranked) - len(keep)
    groups = [names[slot] for slot in keep] + [None]
    table["group"] = [groups[at] for at in table.index]
    table["other_groups"] = np.where(table.index == len(keep), folded, 0)
    return table.reset_index(drop=True)[list(CONVERSION_COLUMNS)]


def conversion_total(rows: pd.DataFrame) -> dict[str, float | int | bool]:
    """The conversion figures of all ``rows`` together (the report's headline and total row):
    the keys of :data:`CONVERSION_COLUMNS` but ``group`` and ``other_groups``, as Python
    numbers (NaN where undefined)."""
    return _total(_outcomes(rows))


def conversion_by(rows: pd.DataFrame, by: str, *, limit: int | None = None) -> pd.DataFrame:
    """Conversion per value of column ``by`` (one row per group, :data:`CONVERSION_COLUMNS`).

    Groups are ordered by leads (descending), then name; a blank ``by`` is its own group with
    ``group`` None, after the named ones (a reader looks for the names first). With
    ``limit``, the groups beyond the ``limit`` largest are folded into one last row (``group``
    None, ``other_groups`` = how many, at least 2), whose figures are computed from their rows,
    so medians and means stay exact.
    """
    return _by(_outcomes(rows), _column(rows, by), limit)


def conversion_report(
    rows: pd.DataFrame, limits: Mapping[str, int | None]
) -> tuple[dict[str, float | int | bool], dict[str, pd.DataFrame]]:
    """:func:`conversion_total` and :func:`conversion_by` for each column of ``limits`` (with
    its limit) at once: the per-row outcomes are worked out a single time."""
    outcomes = _outcomes(rows)
    tables = {by: _by(outcomes, _column(rows, by), limit) for by, limit in limits.items()}
    return _total(outcomes), tables


def stage_funnel(rows: pd.DataFrame) -> pd.DataFrame:
    """Customers per stage in pipeline order (``new`` … ``won``, ``lost``) and their share of
    all rows; every stage is listed, with 0 when no customer is in it."""
    codes = _stage_codes(rows)
    counts = np.bincount(codes[codes >= 0], minlength=len(STAGES)).astype(np.int64)
    total = int(counts.sum())
    share = counts / total if total else np.zeros(len(STAGES))
    return pd.DataFrame({"stage": list(STAGES), "count": counts, "share": share})


def _open_owned(rows: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``columns`` (those present) of the open customers with an owner; only the columns asked
    for are copied, which matters at a million rows."""
    codes = _stage_codes(rows)
    keep = _column(rows, "owner").notna().to_numpy() & (codes != _WON) & (codes != _LOST)
    return rows.loc[keep, [c for c in columns if c in rows.columns]]


def _hours_to_due(rows: pd.DataFrame, as_of: datetime) -> pd.Series:
    due = pd.to_datetime(_column(rows, "due_by"), errors="coerce")
    return (due - pd.Timestamp(as_of)) / pd.Timedelta(hours=1)


def _overdue(rows: pd.DataFrame, hours: pd.Series) -> pd.Series:
    # The allocation's own flag decides when present (kept customers past their SLA); a frame
    # without it falls back to the deadline itself.
    if "overdue" in rows.columns:
        return rows["overdue"].fillna(False).astype(bool)
    return hours.lt(0)


def follow_up_by_rep(
    rows: pd.DataFrame, as_of: datetime, *, limit: int | None = None
) -> pd.DataFrame:
    """Per owner of open customers: ``overdue`` and the customers due within each window of
    :data:`FOLLOW_UP_WINDOWS` (``due_24`` = 0–24 h ahead, ``due_48`` = over 24 up to 48 h, …),
    counted once each. Owners with nothing overdue or due within the last window are left out.

    Ordered by overdue, then the earliest window, … (descending), then name. With ``limit``,
    the owners beyond it are folded into one last row (``owner`` None, ``other_owners`` = how
    many, at least 2). Columns: ``owner``, ``other_owners``, ``overdue``, ``due_24``, ``due_48``,
    ``due_72``, ``total``.
    """
    owned = _open_owned(rows, ["owner", "due_by", "overdue"])
    hours = _hours_to_due(owned, as_of)
    late = _overdue(owned, hours).to_numpy()
    counts = {"overdue": late}
    lower = 0.0
    for window in FOLLOW_UP_WINDOWS:
        # The first window includes "due right now"; a deadline exactly on a boundary (a new
        # high-intent customer is due at as_of + 24 h) belongs to the window it closes.
        low = hours.ge(lower) if lower == 0 else hours.gt(lower)
        counts[f"due_{window}"] = (low & hours.le(window)).to_numpy() & ~late
        lower = float(window)
    columns = list(counts)
    frame = pd.DataFrame(counts, index=owned.index).astype("int64")
    frame["owner"] = owned["owner"].astype(str).to_numpy()
    table = frame.groupby("owner", sort=True)[columns].sum()
    table["total"] = table[columns].sum(axis=1)
    table = table[table["total"] > 0]
    table = table.sort_values(columns, ascending=False, kind="stable")  # name order kept on ties
    table.index.name = "owner"
    table = table.reset_index()
    table.insert(1, "other_owners", 0)
    if limit is not None and len(table) > limit + 1:
        tail = table.iloc[limit:]
        folded = {"owner": None, "other_owners": len(tail), **tail[[*columns, "total"]].sum()}
        table = pd.concat([table.iloc[:limit], pd.DataFrame([folded])], ignore_index=True)
    table["owner"] = table["owner"].astype(object)
    return table.astype({c: "int64" for c in ["other_owners", *columns, "total"]})


def overdue_customers(rows: pd.DataFrame, as_of: datetime, *, limit: int) -> pd.DataFrame:
    """The ``limit`` open customers longest overdue: ``customer_id``, ``customer``, ``owner``,
    ``due_by`` and whole ``days_overdue``; longest first, ties by ``customer_id``."""
    owned = _open_owned(rows, ["customer_id", "customer", "owner", "due_by", "overdue"])
    hours = _hours_to_due(owned, as_of)
    late = owned.loc[_overdue(owned, hours).to_numpy()]
    frame = pd.DataFrame(
        {
            "customer_id": _column(late, "customer_id").astype(str),
            "customer": _column(late, "customer"),
            "owner": late["owner"],
            "due_by": pd.to_datetime(_column(late, "due_by"), errors="coerce"),
            "days_overdue": np.floor((-hours.loc[late.index]).clip(lower=0).fillna(0) / 24).astype(
                "int64"
            ),
        }
    )
    frame = frame.sort_values(["due_by", "customer_id"], kind="stable", na_position="last")
    return frame.head(limit).reset_index(drop=True)
