"""绩效: the candidate with the best smoothed conversion rate for the class's industry takes the
customer; ties by the ``balanced`` load ratio, then position. Rates come from
:func:`allocator.conversion.conversion_rates`; a class whose industry has no history
(``class_industry`` -1) compares the reps' overall rates."""

from __future__ import annotations

import numpy as np

from ._serve import serve
from .balanced import load_ratio
from .base import AssignmentProblem, AssignmentResult

__all__ = ["PerformanceStrategy", "rates"]


def rates(problem: AssignmentProblem, reps: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Conversion rate of each ``(rep, class)`` pair. Missing tables count as no history: a rate
    of 0 for everyone, so the load ratio decides."""
    reps = np.asarray(reps, dtype=np.int64)
    classes = np.asarray(classes, dtype=np.int64)
    n_ind = problem.conversion.shape[1] if problem.conversion.ndim == 2 else 0
    column = np.full(len(classes), -1, dtype=np.int64)
    known = classes < len(problem.class_industry)
    column[known] = problem.class_industry[classes[known]]
    by_industry = (column >= 0) & (column < n_ind) & (reps < problem.conversion.shape[0])
    result = np.zeros(len(reps))
    has_overall = reps < len(problem.rep_conversion)
    result[has_overall] = problem.rep_conversion[reps[has_overall]]
    result[by_industry] = problem.conversion[reps[by_industry], column[by_industry]]
    return result


class PerformanceStrategy:
    """``figure``: the winner's conversion rate."""

    name = "performance"

    def assign(self, problem: AssignmentProblem) -> AssignmentResult:
        offset, scale = load_ratio(problem)

        def primary(cls: int, reps: np.ndarray) -> np.ndarray:
            # NaN would break the heap order: an unknown rate ranks last.
            return -np.nan_to_num(rates(problem, reps, np.full(len(reps), cls)), nan=-np.inf)

        chosen = serve(problem, offset, scale, primary=primary)
        figure = np.full(len(chosen), np.nan)
        given = np.flatnonzero(chosen >= 0)
        figure[given] = rates(problem, chosen[given], problem.customer_class[given])
        return AssignmentResult(rep=chosen, figure=figure)
