"""轮询 round robin, generalised to overlapping candidate sets as "least recently served".

Each customer goes to the candidate whose last customer lies furthest back in this run; reps not
served yet come first, ties by position (the fixed order). With identical candidate sets this is
classic round robin: 0, 1, 2, 0, 1, 2, … skipping reps that are full.
"""

from __future__ import annotations

import numpy as np

from ._serve import serve, served_before
from .base import AssignmentProblem, AssignmentResult

__all__ = ["RoundRobinStrategy"]


class RoundRobinStrategy:
    """``figure``: how many customers the winner had received in this run before this one."""

    name = "round_robin"

    def assign(self, problem: AssignmentProblem) -> AssignmentResult:
        m = len(problem.capacity)
        chosen = serve(problem, np.zeros(m), np.ones(m), recency=True)
        return AssignmentResult(rep=chosen, figure=served_before(problem, chosen))
