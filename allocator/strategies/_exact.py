"""The exact solve of ``optimal`` for small weeks: its problem as an integer program (CP-SAT).

The fairness limit in points is a knapsack-like constraint (customers carry different scores), so
no flow expresses it exactly; on an exact network (one score and value per band) of at most
``EXACT_ARCS`` arcs, CP-SAT solves the problem of :mod:`.optimal` exactly: within capacities,

- no customer left out while one of its candidates has room (work-conserving);
- no customer with a rep outside its industry while a preferred candidate has room;
- every rep's points received above its fairness limit at most its ``allowance``
  (:mod:`.fair_share`, exact integers; ``optimal`` passes what 积分制 puts it above);
- the expected won value ``Σ value × rate`` at least ``worth`` (积分制's),

it proves each goal optimal in turn, fixing it before the next:

1. the largest ``Σ round(score × rate × EXACT_SCALE)``;
2. most customers handed out;
3. the largest total score handed out;
4. most of them with preferred reps.

One worker and a deterministic work limit keep the result the same on every run and machine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._network import Network
from .fair_share import PPM, FairLimits, centipoints

if TYPE_CHECKING:  # CP-SAT takes half a second to import; only small weeks need it
    from ortools.sat.python import cp_model

__all__ = ["EXACT_ARCS", "EXACT_SCALE", "WORTH_SCALE", "solve_exact", "worth_units"]

EXACT_ARCS = 120
"""Largest exact network (band → rep arcs) solved by CP-SAT; larger weeks keep the best of the
flows' candidates and 积分制's hand-out. Bounding points is subset-sum-like: CP-SAT proves a
few dozen arcs at once but can need seconds from about sixty on."""
EXACT_SCALE = 10**6
"""``score × rate`` is counted in these units (the same as ``optimal``'s comparisons)."""
WORTH_SCALE = 1000
"""``value × rate`` (the expected won value) is counted in these units."""
WORK_LIMIT = 1.0
"""CP-SAT's deterministic time limit per goal; a goal not proven within it keeps the best
solution found, which the caller still compares with its other candidates."""


def worth_units(value: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """``value × rate`` in whole units of :data:`WORTH_SCALE`, per customer or arc."""
    return np.round(np.asarray(value, dtype=float) * rate * WORTH_SCALE).astype(np.int64)


def solve_exact(
    net: Network,
    limits: tuple[FairLimits, np.ndarray] | None,
    worth: int,
    hint: np.ndarray,
) -> np.ndarray | None:
    """Customers per arc for the goals — optimal for each goal CP-SAT proves within
    :data:`WORK_LIMIT` — or None if it finds no solution at all. ``limits``: the fairness
    limits and per rep the ``PPM ×`` hundredths it may receive above them (None: no limit);
    ``worth``: the least ``Σ value × rate`` (:func:`worth_units`); ``hint``: a feasible
    solution to start from (积分制's hand-out)."""
    from ortools.sat.python import cp_model

    if not net.exact:
        raise ValueError("the exact solve needs one score and value per band")
    model = cp_model.CpModel()
    size = net.band_size
    cap = np.minimum(size[net.tail], net.capacity[net.head])
    x = [model.new_int_var(0, int(c), f"x{a}") for a, c in enumerate(cap.tolist())]
    for var, value in zip(x, hint.tolist(), strict=True):
        model.add_hint(var, int(value))
    m = len(net.capacity)
    by_band: list[list[int]] = [[] for _ in range(len(size))]
    by_rep: list[list[int]] = [[] for _ in range(m)]
    for arc, (band, rep) in enumerate(zip(net.tail.tolist(), net.head.tolist(), strict=True)):
        by_band[band].append(arc)
        by_rep[rep].append(arc)
    full: dict[int, cp_model.IntVar] = {}
    for rep, arcs in enumerate(by_rep):
        if arcs:
            taken = sum(x[a] for a in arcs)
            model.add(taken <= int(net.capacity[rep]))
            full[rep] = model.new_bool_var(f"full{rep}")
            model.add(taken >= int(net.capacity[rep])).only_enforce_if(full[rep])
    head, preferred = net.head.tolist(), net.preferred.tolist()
    for band, arcs in enumerate(by_band):
        placed = sum(x[a] for a in arcs)
        model.add(placed <= int(size[band]))
        # Work-conserving: a customer stays out only when every candidate is full.
        for a in arcs:
            model.add(placed >= int(size[band])).only_enforce_if(full[head[a]].Not())
        # Industry first: nobody outside the industry while a preferred candidate has room.
        experts = [head[a] for a in arcs if preferred[a]]
        for a in arcs:
            if not preferred[a]:
                for rep in experts:
                    model.add(x[a] == 0).only_enforce_if(full[rep].Not())

    score = centipoints(net.band_mean)[net.tail].tolist()
    if limits is not None:
        most = PPM * (limits[0].base + int(np.dot(score, cap)))
        _within_allowance(model, x, score, by_rep, *limits, most)
    brings = worth_units(net.band_value[net.tail], net.rate).tolist()
    model.add(cp_model.LinearExpr.weighted_sum(x, brings) >= worth)
    value = np.round(np.maximum(net.band_mean[net.tail], 0.0) * net.rate * EXACT_SCALE)
    goals: list[cp_model.LinearExprT] = [
        cp_model.LinearExpr.weighted_sum(x, value.astype(np.int64).tolist()),
        sum(x),
        cp_model.LinearExpr.weighted_sum(x, score),
        sum(x[a] for a in np.flatnonzero(net.preferred).tolist()),
    ]

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = WORK_LIMIT
    for expression in goals:
        model.maximize(expression)
        status = solver.solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        model.add(expression >= round(solver.objective_value))
        model.clear_hints()
        for var in x:
            model.add_hint(var, solver.value(var))
    return np.array([solver.value(var) for var in x], dtype=np.int64)


def _within_allowance(
    model: cp_model.CpModel,
    x: list[cp_model.IntVar],
    score: list[int],
    by_rep: list[list[int]],
    limits: FairLimits,
    allowance: np.ndarray,
    most: int,
) -> None:
    """Every rep's ``PPM × excess`` (module :mod:`.fair_share`) at most its ``allowance``;
    ``most`` bounds every room."""
    from ortools.sat.python import cp_model

    received = {
        rep: cp_model.LinearExpr.weighted_sum([x[a] for a in arcs], [score[a] for a in arcs])
        for rep, arcs in enumerate(by_rep)
        if arcs
    }
    handed_out = cp_model.LinearExpr.sum(list(received.values()))
    for rep, points in received.items():
        # excess = max(0, PPM × received − room), room = max(0, factor × (B + R) − PPM × balance)
        factor, balance = int(limits.factor[rep]), PPM * int(limits.balance[rep])
        room: cp_model.LinearExpr = factor * (limits.base + handed_out) - balance
        if balance > factor * limits.base:  # the balance alone may exceed the limit
            clipped = model.new_int_var(0, most, f"room{rep}")
            model.add_max_equality(clipped, [0, room])
            room = clipped
        model.add(PPM * points - room <= int(allowance[rep]))
