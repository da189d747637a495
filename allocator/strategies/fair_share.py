"""The fairness limit of ``optimal`` (SPEC §3.5): no rep's points above ``(1 + slack) ×`` its
weighted fair share.

*Points* are those of 积分制 (``points``): a rep's carried ``balance`` plus the scores of the
customers it receives. For one strategy call (the customers of one segment of the pool):

- the *counted* reps are those with capacity left that are a candidate of at least one customer
  of the segment; any other rep can receive nothing, so it has no share to claim;
- ``W`` = Σ weight and ``B`` = Σ balance of the counted reps, ``R`` = Σ score of the customers
  handed out by the result;
- ``share_r = weight_r / W × (B + R)`` and ``limit_r = (1 + slack) × share_r`` for a counted rep;
- ``excess_r`` = the points rep r *receives* above its limit,
  ``clip(balance_r + received_r − limit_r, 0, received_r)``: a rep whose balance alone is above
  its limit counts all it receives as excess but is not blamed for last week's balance.

``optimal`` keeps every rep's excess at most its *allowance*, the excess 积分制 (``points``)
gives that rep on the same input: 0 where points keeps the rep within its limit, so the limit is
a hard constraint wherever points itself can keep it, and points' own hand-out always meets it.

So the limit moves with what is handed out: a result that places more points raises every
rep's share. The arithmetic is exact in integers, so a solver and a checker can never disagree:
points in hundredths (scores carry two decimals; balances are rounded to hundredths) and the
factor ``(1 + slack) × weight_r / W`` in millionths (:data:`PPM`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .base import AssignmentProblem

__all__ = ["CENT", "PPM", "FairLimits", "centipoints", "fair_limits", "live_candidates"]

CENT = 100
"""Points are counted in hundredths."""
PPM = 1_000_000
"""The share factor ``(1 + slack) × weight / W`` is counted in millionths."""


def centipoints(values: np.ndarray) -> np.ndarray:
    """Points (scores, balances) as whole hundredths; NaN counts as 0."""
    return np.round(np.nan_to_num(np.asarray(values, dtype=float), nan=0.0) * CENT).astype(np.int64)


def live_candidates(problem: AssignmentProblem, cls: int) -> tuple[np.ndarray, np.ndarray]:
    """The candidates of class ``cls`` with capacity left, and their preferred flags."""
    reps = np.asarray(problem.class_candidates[cls], dtype=np.int64)
    keep = problem.capacity[reps] > 0
    return reps[keep], np.asarray(problem.class_preferred[cls], dtype=bool)[keep]


@dataclass(frozen=True)
class FairLimits:
    """Each rep's share factor and balance, in the exact units of the module docstring."""

    counted: np.ndarray
    """Per rep: has a share (capacity left and a candidate of the segment)."""
    factor: np.ndarray
    """Per rep: ``round(PPM × (1 + slack) × weight / W)``; 0 for reps not counted."""
    balance: np.ndarray
    """Per rep: carried balance in hundredths."""
    base: int
    """Σ balance of the counted reps, in hundredths."""

    def scaled_excess(self, received: np.ndarray) -> np.ndarray:
        """Per rep: ``PPM × excess`` in hundredths (exact), for ``received`` hundredths."""
        received = np.asarray(received, dtype=np.int64)
        handed_out = int(received.sum())
        over = PPM * (self.balance + received) - self.factor * (self.base + handed_out)
        return np.clip(over, 0, PPM * received)

    def excess(self, received: np.ndarray) -> np.ndarray:
        """Per rep: points received above the limit (in points)."""
        return self.scaled_excess(received) / (PPM * CENT)

    def limit(self, received: np.ndarray) -> np.ndarray:
        """Per rep: the limit in points when ``received`` hundredths are handed out; ``inf`` for
        a rep without a share (it can receive nothing)."""
        handed_out = int(np.asarray(received, dtype=np.int64).sum())
        limit = self.factor * (self.base + handed_out) / (PPM * CENT)
        return np.where(self.counted, limit, math.inf)

    def room(self, received: np.ndarray) -> np.ndarray:
        """Per rep: points it may still receive within its limit (negative when above)."""
        points = (self.balance + np.asarray(received, dtype=np.int64)) / CENT
        return self.limit(received) - points


def fair_limits(problem: AssignmentProblem, customers: np.ndarray) -> FairLimits | None:
    """The limits for handing out ``customers`` (positions); None when the slack is infinite."""
    slack = float(problem.fairness_slack)
    if math.isinf(slack):
        return None
    m = len(problem.capacity)
    counted = np.zeros(m, dtype=bool)
    for cls in np.unique(problem.customer_class[customers]).tolist():
        counted[live_candidates(problem, int(cls))[0]] = True
    weight = np.where(counted, np.nan_to_num(problem.weight.astype(float), nan=0.0), 0.0)
    weight = np.clip(weight, 0.0, None)
    total = float(weight.sum())
    # A rep can never hold more than all points (B + R include its own), so a factor above 1
    # changes nothing; capping it keeps every product within int64.
    factor = (
        np.round(PPM * np.minimum((1.0 + slack) * weight / total, 1.0)).astype(np.int64)
        if total > 0
        else np.zeros(m, dtype=np.int64)
    )
    balance = centipoints(problem.balance)
    return FairLimits(
        counted=counted, factor=factor, balance=balance, base=int(balance[counted].sum())
    )
