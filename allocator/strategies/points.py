"""积分制: the candidate with the fewest points per weight takes the customer and is charged its
score, so a rep who just got a valuable customer waits longer for the next one."""

from __future__ import annotations

from ._serve import received_before, serve
from .base import AssignmentProblem, AssignmentResult

__all__ = ["PointsStrategy"]


class PointsStrategy:
    """``figure``: the winner's points (carried balance + scores received) before the charge."""

    name = "points"

    def assign(self, problem: AssignmentProblem) -> AssignmentResult:
        balance = problem.balance.astype(float)
        chosen = serve(problem, balance, problem.weight.astype(float), amount=problem.score)
        figure = received_before(problem, chosen, problem.score)
        given = chosen >= 0
        figure[given] += balance[chosen[given]]
        return AssignmentResult(rep=chosen, figure=figure)
