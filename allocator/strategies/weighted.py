"""权重轮询 smooth weighted round robin, generalised to overlapping candidate sets by stride
scheduling: each rep's next turn falls at ``(received + OFFSET) / weight``, and the candidate
whose turn comes first takes the customer (ties by position).

State lives per rep, so a rep shared by several classes keeps its weighted share across them.
``OFFSET = ½`` (the Sainte-Laguë / Webster divisor) rather than the textbook stride's 1: with
weights 5, 1, 1 it hands out a a a b c a a instead of a a a a a b c, so a light rep is not kept
waiting while the heavy one takes its whole share first. Equal weights give classic round robin.
"""

from __future__ import annotations

import numpy as np

from ._serve import serve
from .base import AssignmentProblem, AssignmentResult

__all__ = ["OFFSET", "WeightedStrategy"]

OFFSET = 0.5


class WeightedStrategy:
    """``figure``: the winner's weight."""

    name = "weighted"

    def assign(self, problem: AssignmentProblem) -> AssignmentResult:
        weight = problem.weight.astype(float)
        chosen = serve(problem, np.full(len(weight), OFFSET), weight)
        figure = np.full(len(chosen), np.nan)
        given = chosen >= 0
        figure[given] = weight[chosen[given]]
        return AssignmentResult(rep=chosen, figure=figure)
