"""What the reasons of ``optimal`` say about each customer it placed, vectorised over classes.

For a customer placed with rep r, the candidates compared are those of its class: only the
preferred ones when r is preferred and the class mixes preferred and other reps (the sentence then
counts only those, as for every strategy), else all. Among them:

- ``rank``: 1 + the number of candidates with a strictly higher expected conversion;
- ``best``: the highest expected conversion;
- ``why`` when r is not the best: ``full`` (every better candidate is at capacity), ``fair`` (every
  better one with capacity left lacks the fairness room for this customer's score),
  ``full_fair`` (each of them one or the other) or ``plan`` (the whole-week plan placed a better
  candidate's remaining room elsewhere);
- ``left``: r's capacity left after ``optimal``; ``over``: r ended above its fairness limit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._network import pair_conversion
from .base import AssignmentProblem

__all__ = ["WHY_CODES", "reason_details"]

WHY_CODES = ("", "full", "fair", "full_fair", "plan")
"""``why`` values; "" for a customer placed with the best candidate."""


def _arcs(problem: AssignmentProblem, classes: np.ndarray) -> pd.DataFrame:
    """Every (class, candidate) pair of ``classes`` with the candidate's rate and flag, and
    whether the class mixes preferred and other candidates."""
    sizes = np.array([len(problem.class_candidates[c]) for c in classes.tolist()], dtype=np.int64)
    cls = np.repeat(classes.astype(np.int64), sizes)
    empty = [np.zeros(0)]
    reps = np.concatenate([problem.class_candidates[c] for c in classes.tolist()] or empty)
    reps = reps.astype(np.int64)
    prefs = np.concatenate([problem.class_preferred[c] for c in classes.tolist()] or empty)
    prefs = prefs.astype(bool)
    starts = np.r_[0, np.cumsum(sizes)[:-1]] if len(sizes) else sizes
    some = np.add.reduceat(prefs.astype(np.int64), starts) if len(prefs) else sizes
    mixed = (some > 0) & (some < sizes)
    return pd.DataFrame(
        {
            "cls": cls,
            "rep": reps,
            "rate": pair_conversion(problem, cls, reps),
            "pref": prefs,
            "mixed": np.repeat(mixed, sizes),
        }
    )


def _standing(arcs: pd.DataFrame, full: np.ndarray, room: np.ndarray) -> pd.DataFrame:
    """Per arc of ``arcs``: rank in its class by rate, the best rate, and among the strictly
    better candidates how many are full and the most fairness room of those that are not."""
    a = arcs.sort_values(["cls", "rate", "rep"], ascending=[True, False, True], kind="stable")
    a = a.reset_index(drop=True)
    cls = a["cls"].to_numpy()
    rate = a["rate"].to_numpy()
    position = np.arange(len(a))
    class_first = np.r_[True, cls[1:] != cls[:-1]] if len(a) else np.zeros(0, dtype=bool)
    class_start = np.maximum.accumulate(np.where(class_first, position, 0))
    block_first = class_first | np.r_[True, rate[1:] != rate[:-1]] if len(a) else class_first
    block_start = np.maximum.accumulate(np.where(block_first, position, 0))
    rep = a["rep"].to_numpy()
    nonfull = ~full[rep]
    nonfull_seen = pd.Series(nonfull.astype(np.int64)).groupby(cls).cumsum()
    room_seen = pd.Series(np.where(nonfull, room[rep], -np.inf)).groupby(cls).cummax()
    has_better = block_start > class_start
    before = np.maximum(block_start - 1, 0)
    better_nonfull = np.where(has_better, nonfull_seen.to_numpy()[before], 0)
    n_better = block_start - class_start
    a["rank"] = n_better + 1
    a["best"] = rate[class_start]
    a["better_full"] = n_better - better_nonfull
    a["better_nonfull"] = better_nonfull
    a["better_room"] = np.where(has_better, room_seen.to_numpy()[before], -np.inf)
    return a


def reason_details(
    problem: AssignmentProblem,
    chosen: np.ndarray,
    capacity_left: np.ndarray,
    room: np.ndarray,
    over: np.ndarray,
) -> dict[str, np.ndarray]:
    """Per customer position: ``rank``, ``best``, ``why``, ``left`` and ``over`` (module
    docstring); NaN / "" for customers ``chosen`` leaves unassigned. ``room``: per rep, points
    it may still receive within its fairness limit (``inf`` without a limit)."""
    n = len(chosen)
    rank = np.full(n, np.nan)
    best = np.full(n, np.nan)
    why = np.full(n, "", dtype=object)
    left = np.full(n, np.nan)
    over_rep = np.zeros(n, dtype=bool)
    placed = np.flatnonzero(chosen >= 0)
    if not len(placed):
        return {"rank": rank, "best": best, "why": why, "left": left, "over": over_rep}
    classes = problem.customer_class[placed].astype(np.int64)
    reps = chosen[placed]
    arcs = _arcs(problem, np.unique(classes))
    full = np.asarray(capacity_left, dtype=np.int64) <= 0
    everyone = _standing(arcs, full, room)
    experts = _standing(arcs[arcs["pref"]], full, room)
    m = len(problem.capacity)
    key = classes * m + reps

    def rows_of(table: pd.DataFrame) -> np.ndarray:
        """The row of ``table`` for each placed customer's (class, rep); arbitrary where the
        table has none (only used where it has)."""
        keys = table["cls"].to_numpy(dtype=np.int64) * m + table["rep"].to_numpy(dtype=np.int64)
        sorter = np.argsort(keys, kind="stable")
        found = np.searchsorted(keys, key, sorter=sorter)
        return sorter[np.clip(found, 0, max(len(keys) - 1, 0))]

    wide_rows = rows_of(everyone)
    narrow_rows = rows_of(experts) if len(experts) else wide_rows
    among_experts = (
        everyone["pref"].to_numpy(dtype=bool)[wide_rows]
        & everyone["mixed"].to_numpy(dtype=bool)[wide_rows]
    )
    figures = {}
    for column in ("rank", "best", "better_full", "better_nonfull", "better_room"):
        wide = everyone[column].to_numpy()[wide_rows]
        narrow = (experts if len(experts) else everyone)[column].to_numpy()[narrow_rows]
        figures[column] = np.where(among_experts, narrow, wide)
    score = np.nan_to_num(problem.score[placed].astype(float), nan=0.0)
    lacks_room = score > figures["better_room"] + 1e-9
    reason = np.where(
        figures["rank"] <= 1,
        "",
        np.where(
            figures["better_nonfull"] == 0,
            "full",
            np.where(lacks_room, np.where(figures["better_full"] > 0, "full_fair", "fair"), "plan"),
        ),
    )
    rank[placed] = figures["rank"]
    best[placed] = figures["best"]
    why[placed] = reason
    left[placed] = np.asarray(capacity_left)[reps]
    over_rep[placed] = np.asarray(over, dtype=bool)[reps]
    return {"rank": rank, "best": best, "why": why, "left": left, "over": over_rep}
