"""The exact solve of ``optimal`` for small weeks: the goals as an integer program (CP-SAT).

The fairness limit in points is a knapsack-like constraint (customers carry different scores), so
no flow expresses it exactly; on an exact network (one score per band) of at most
``EXACT_ARCS`` arcs, CP-SAT proves each goal optimal in turn, fixing it before the next:

1. most customers handed out;
2. the largest total score handed out (the best customers first);
3. most of them to preferred reps;
4. least total points received above the fairness limits (:mod:`.fair_share`, exact integers);
5. largest ``Σ round(score × rate × 1000)``.

One worker and a deterministic work limit keep the result the same on every run and machine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._network import VALUE_SCALE, Network
from .fair_share import PPM, FairLimits, centipoints

if TYPE_CHECKING:  # CP-SAT takes half a second to import; only small weeks need it
    from ortools.sat.python import cp_model

__all__ = ["EXACT_ARCS", "solve_exact"]

EXACT_ARCS = 120
"""Largest exact network (band → rep arcs) solved by CP-SAT; larger weeks keep the flow's best
round. Bounding points is subset-sum-like: CP-SAT proves a few dozen arcs at once but can need
seconds from about sixty on."""
WORK_LIMIT = 1.0
"""CP-SAT's deterministic time limit per goal; a goal not proven within it keeps the best
solution found, which the caller still compares with the flow's."""


def solve_exact(net: Network, limits: FairLimits | None, hint: np.ndarray) -> np.ndarray | None:
    """Customers per arc for the five goals — optimal for each goal CP-SAT proves within
    :data:`WORK_LIMIT` — or None if it finds no solution at all. ``hint``: a feasible solution
    to start from, such as the flow's best round."""
    from ortools.sat.python import cp_model

    if not net.exact:
        raise ValueError("the exact solve needs one score per band")
    model = cp_model.CpModel()
    size = net.band_size
    cap = np.minimum(size[net.tail], net.capacity[net.head])
    x = [model.new_int_var(0, int(c), f"x{a}") for a, c in enumerate(cap.tolist())]
    for var, value in zip(x, hint.tolist(), strict=True):
        model.add_hint(var, int(value))
    by_band: list[list[cp_model.IntVar]] = [[] for _ in range(len(size))]
    by_rep: list[list[int]] = [[] for _ in range(len(net.capacity))]
    for arc, (band, rep) in enumerate(zip(net.tail.tolist(), net.head.tolist(), strict=True)):
        by_band[band].append(x[arc])
        by_rep[rep].append(arc)
    for band, variables in enumerate(by_band):
        model.add(sum(variables) <= int(size[band]))
    for rep, arcs in enumerate(by_rep):
        if arcs:
            model.add(sum(x[a] for a in arcs) <= int(net.capacity[rep]))

    score = centipoints(net.band_mean)[net.tail].tolist()
    goals: list[tuple[cp_model.LinearExprT, bool]] = [
        (sum(x), True),
        (cp_model.LinearExpr.weighted_sum(x, score), True),
        (sum(x[a] for a in np.flatnonzero(net.preferred).tolist()), True),
    ]
    if limits is not None:
        most = PPM * (limits.base + int(np.dot(score, cap)))
        goals.append((_total_excess(model, x, score, by_rep, limits, most), False))
    value = np.round(np.maximum(net.band_mean[net.tail], 0.0) * net.rate * VALUE_SCALE)
    worth = value.astype(np.int64).tolist()
    goals.append((sum(v * var for v, var in zip(worth, x, strict=True)), True))

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = WORK_LIMIT
    for expression, maximise in goals:
        if maximise:
            model.maximize(expression)
        else:
            model.minimize(expression)
        status = solver.solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        reached = round(solver.objective_value)
        model.add(expression >= reached if maximise else expression <= reached)
        model.clear_hints()
        for var in x:
            model.add_hint(var, solver.value(var))
    return np.array([solver.value(var) for var in x], dtype=np.int64)


def _total_excess(
    model: cp_model.CpModel,
    x: list[cp_model.IntVar],
    score: list[int],
    by_rep: list[list[int]],
    limits: FairLimits,
    most: int,
) -> cp_model.LinearExprT:
    """Σ over reps of ``PPM × excess`` (module :mod:`.fair_share`) as a CP-SAT expression;
    ``most`` bounds every term."""
    from ortools.sat.python import cp_model

    received = {
        rep: cp_model.LinearExpr.weighted_sum([x[a] for a in arcs], [score[a] for a in arcs])
        for rep, arcs in enumerate(by_rep)
        if arcs
    }
    handed_out = cp_model.LinearExpr.sum(list(received.values()))
    total = []
    for rep, points in received.items():
        # excess = max(0, PPM × received − room), room = max(0, factor × (B + R) − PPM × balance)
        factor, balance = int(limits.factor[rep]), PPM * int(limits.balance[rep])
        room: cp_model.LinearExpr = factor * (limits.base + handed_out) - balance
        if balance > factor * limits.base:  # the balance alone may exceed the limit
            clipped = model.new_int_var(0, most, f"room{rep}")
            model.add_max_equality(clipped, [0, room])
            room = clipped
        excess = model.new_int_var(0, most, f"excess{rep}")
        model.add(excess >= PPM * points - room)
        total.append(excess)
    return sum(total)
