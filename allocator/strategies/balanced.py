"""负载均衡: the candidate with the lowest load ratio ``(open + received) / (open + capacity)``
takes the customer, ties by position. ``open`` is the customers a rep already keeps,
``capacity`` what it could take at the start of the run, so the ratio runs from its current
share of its full book (0 for an empty book) to 1 when full."""

from __future__ import annotations

import numpy as np

from ._serve import serve, served_before
from .base import AssignmentProblem, AssignmentResult

__all__ = ["BalancedStrategy", "load_ratio"]


def load_ratio(problem: AssignmentProblem) -> tuple[np.ndarray, np.ndarray]:
    """Offset and scale of the ratio per rep: ``(offset + received) / scale``."""
    open_load = problem.open_load.astype(float)
    return open_load, open_load + problem.capacity.astype(float)


class BalancedStrategy:
    """``figure``: the winner's load ratio before this customer (0..1)."""

    name = "balanced"

    def assign(self, problem: AssignmentProblem) -> AssignmentResult:
        offset, scale = load_ratio(problem)
        chosen = serve(problem, offset, scale)
        figure = np.full(len(chosen), np.nan)
        given = chosen >= 0
        rep = chosen[given]
        figure[given] = (offset[rep] + served_before(problem, chosen)[given]) / scale[rep]
        return AssignmentResult(rep=chosen, figure=figure)
