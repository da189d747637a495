"""Fairness figures of one allocation (SPEC §5.2), computed from the per-rep summary.

Shared by the Summary sheet and the report so that both always show the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["RECEIVED", "Fairness", "fairness", "gini"]

RECEIVED = ("new", "reclaimed", "handover")
"""Per-rep columns that together use up the rep's capacity this run."""


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative ``values``: 0 = all equal, (n-1)/n = all on one item.

    NaN values are ignored; an empty or all-zero input is perfectly even (0.0).
    """
    x = np.asarray(values, dtype=float)
    x = np.sort(x[~np.isnan(x)])
    if x.size == 0 or x.sum() == 0:
        return 0.0
    if x[0] < 0:
        raise ValueError("gini() needs non-negative values")
    n = x.size
    rank = np.arange(1, n + 1, dtype=float)
    return float(2.0 * np.dot(rank, x) / (n * x.sum()) - (n + 1) / n)


@dataclass(frozen=True)
class Fairness:
    """How evenly the new customers were spread over the reps who could take them."""

    reps_counted: int
    """Reps with capacity > 0 that were available (active, present) at the run time."""
    gini_value: float
    """Gini of the value each rep received."""
    gini_load: float
    """Gini of load = customers received / capacity."""
    gini_points: float
    """Gini of the points (scores) each rep received."""
    load_ratio: float | None
    """Highest load over lowest load; None when some counted rep received nothing."""
    share_max: float | None
    """Highest points received / the rep's weighted fair share of all points given out."""
    share_min: float | None
    """Lowest points received / weighted fair share."""


def _column(reps: pd.DataFrame, name: str, default: float = 0.0) -> np.ndarray:
    if name not in reps.columns:
        return np.full(len(reps), default)
    return pd.to_numeric(reps[name], errors="coerce").fillna(default).to_numpy(dtype=float)


def fairness(reps: pd.DataFrame) -> Fairness:
    """Fairness over the reps frame of an :class:`~allocator.model.Allocation`.

    A rep on leave, departed or with capacity 0 could receive nothing and would only make the
    figures look unfair, so it is left out.
    """
    capacity = _column(reps, "capacity")
    counted = capacity > 0
    if "available" in reps.columns:
        counted &= reps["available"].fillna(False).astype(bool).to_numpy()
    received = sum(_column(reps, c) for c in RECEIVED)
    load = np.divide(received, capacity, out=np.zeros(len(reps)), where=capacity > 0)[counted]
    points = _column(reps, "points_received")[counted]
    weight = np.clip(_column(reps, "weight", 1.0)[counted], 0.0, None)
    share_max = share_min = None
    if points.sum() > 0 and weight.sum() > 0:
        share = points / (points.sum() * weight / weight.sum())
        share_max, share_min = float(share.max()), float(share.min())
    return Fairness(
        reps_counted=int(counted.sum()),
        gini_value=gini(_column(reps, "value_new")[counted]),
        gini_load=gini(load),
        gini_points=gini(points),
        load_ratio=float(load.max() / load.min()) if load.size and load.min() > 0 else None,
        share_max=share_max,
        share_min=share_min,
    )
