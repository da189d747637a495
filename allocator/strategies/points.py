"""积分制: the candidate with the fewest points per weight takes the customer and is charged its
score, so a rep who just got a valuable customer waits longer for the next one."""

from __future__ import annotations

import heapq

import numpy as np

from .base import AssignmentProblem, AssignmentResult

__all__ = ["PointsStrategy"]


class PointsStrategy:
    name = "points"

    def assign(self, problem: AssignmentProblem) -> AssignmentResult:
        n = len(problem.customer_class)
        chosen = np.full(n, -1, dtype=np.int64)
        figure = np.full(n, np.nan)
        capacity = problem.capacity.astype(np.int64).tolist()
        weight = problem.weight.astype(float).tolist()
        points = problem.balance.astype(float).tolist()
        key = [p / w for p, w in zip(points, weight, strict=True)]
        score = problem.score.astype(float).tolist()
        classes = problem.customer_class.tolist()
        # One lazy heap per class of (not preferred, points/weight, rep): keys only grow, so a
        # stale entry is refreshed when it surfaces instead of touching every heap on each charge.
        heaps: list[list[tuple[bool, float, int]] | None] = [None] * len(problem.class_candidates)
        for customer in problem.order.tolist():
            cls = classes[customer]
            heap = heaps[cls]
            if heap is None:
                heap = [
                    (not pref, key[rep], rep)
                    for rep, pref in zip(
                        problem.class_candidates[cls].tolist(),
                        problem.class_preferred[cls].tolist(),
                        strict=True,
                    )
                    if capacity[rep] > 0
                ]
                heapq.heapify(heap)
                heaps[cls] = heap
            while heap:
                rank, current, rep = heap[0]
                if capacity[rep] <= 0:
                    heapq.heappop(heap)
                elif current != key[rep]:
                    heapq.heapreplace(heap, (rank, key[rep], rep))
                else:
                    break
            if not heap:
                continue
            rank, _, rep = heap[0]
            chosen[customer] = rep
            figure[customer] = points[rep]
            points[rep] += score[customer]
            key[rep] = points[rep] / weight[rep]
            capacity[rep] -= 1
            if capacity[rep] > 0:
                heapq.heapreplace(heap, (rank, key[rep], rep))
            else:
                heapq.heappop(heap)
        return AssignmentResult(rep=chosen, figure=figure)
