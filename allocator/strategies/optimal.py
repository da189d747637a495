"""全局最优: the whole week solved at once as a min-cost flow (SPEC §3.5).

The flow network, built with OR-Tools' ``SimpleMinCostFlow``::

    band ──(fair part, cost −value)──────▶ rep ──(fair count, cost 0)──▶ sink
      │  └─(rest, cost −value + F)──────▶     └─(rest of capacity, F)─▶
      └ supply = band size

A *band* is a group of customers of one class with (nearly) the same score. Classes already share
candidates and industry, so a band's customers are interchangeable for the flow. A class is split
into one band per distinct score when it has at most ``bands`` distinct scores (then the flow is
exact), otherwise into ``bands`` equal-count slices by score (then the flow uses each slice's mean
score: an approximation). ``bands`` is as large as :data:`ARC_BUDGET` allows, at most
:data:`MAX_BANDS`, and with fairness on a band holds at least :data:`FAIR_BAND` customers per
candidate (so fair parts are whole customers). 1,000,000 customers in 2,000 classes stay a graph of
a few hundred thousand arcs.

``solve_max_flow_with_min_cost`` then finds, lexicographically (integer costs with gaps large
enough that no simple cycle of the residual graph can trade a higher level for a lower one):

1. the largest number of customers assigned (so the result is work-conserving: a customer is left
   unassigned only when every candidate is full);
2. among those, the most customers given to a *preferred* candidate (``class_preferred``: matching
   reps are tried first, as in every other strategy; the brief's "small bonus" would let a far
   better rate beat industry match, which the registry-wide test forbids);
3. among those, the fewest customers beyond the fair parts (below);
4. among those, the largest ``Σ round(score × expected conversion × 1000)``.

Expected conversion of a rep for a class is ``conversion[rep, class_industry]``; the rep's overall
``rep_conversion`` when the industry has no history (-1) or the matrix is empty; 1.0 when that is
missing too, so without any history the flow maximises the total score handed out.

Fairness: a rep's points (balance + scores received) should stay within ``(1 + FAIRNESS_SLACK) ×``
its fair share, ``weight / Σ weights of reps with capacity × (Σ their balances + Σ scores of
customers that some candidate with capacity could take)``. Points depend on which customers go
where, which a flow over counts cannot express exactly, so fairness is modelled by two soft caps
whose excess costs ``F`` a customer (level 3):

- per band and rep, the *fair part* ``round((1 + slack) × band size × due_r / Σ due of the
  class's candidates)``, where ``due_r = max(share_r − balance_r, 0)``: nobody takes more than
  (1 + slack) × its proportion of any band, so high scores cannot pile up on the best converter;
- per rep, the *fair count* ``floor(((1 + slack) × share_r − balance_r) / mean score of its
  candidate customers)``.

Guarantee: levels 1–2 hold exactly, so fairness is never bought with an unassigned customer or a
non-preferred rep. With ``FAIRNESS_SLACK = inf`` (fairness off) and exact bands, level 4 is the
exact optimum (tested against exhaustive search). With fairness on, a rep whose arcs stay within
their fair parts receives at most about (1 + slack) × its share of each class's score; the global
points limit itself is a target, not a promise: levels 1–2 can force more (e.g. the only preferred
candidates of a class), and a rep's candidate classes may carry more than its global share.
Measured on 1,000,000 customers × 1,000 reps (random data, see the report of this change): the
largest points per weight was 1.45× the fair share with every candidate preferred and ~1.9–2.9×
with 60 % preferred candidates (``points``: 1.05–1.35×), at ~1.6× the expected value of
``points``.

Dealing: the flow gives each band a number of customers per rep. Reps of a class with the same
preferred flag and expected conversion form a *tier*: moving customers between them changes no
level above, so only the number per tier is kept (the band's highest scores go to the best tier:
preferred first, then higher rate). Classes are dealt in index order; inside a tier its customers
(score descending, ties by ``order``) are dealt round-robin over the reps' slots ordered by
ascending points per weight so far, then position, so a rep with fewer points receives the higher
scores. The result depends on ``order`` only through those ties.

``figure``: the expected conversion rate used for the assigned customer.
"""

from __future__ import annotations

import math

import numpy as np
from ortools.graph.python import min_cost_flow

from .base import AssignmentProblem, AssignmentResult

__all__ = ["FAIRNESS_SLACK", "OptimalStrategy", "expected_conversion"]

FAIRNESS_SLACK = 0.25
"""How far above its weighted fair share a rep's points may go (to move to settings); ``inf``
turns fairness off."""
VALUE_SCALE = 1000
"""``score × conversion`` is rounded to integers at this scale for the flow's costs."""
ARC_BUDGET = 500_000
"""Most class→rep arcs the flow may have once classes are split into score bands."""
MAX_BANDS = 8
"""Most score bands per class."""
FAIR_BAND = 4
"""With fairness on, a band holds at least this many customers per candidate rep."""
_COST_LIMIT = 2**62


def expected_conversion(problem: AssignmentProblem, reps: np.ndarray, cls: int) -> np.ndarray:
    """Expected conversion of each of ``reps`` for a customer of class ``cls``: the rep's rate
    for the class's industry, else its overall rate, else 1.0; NaN counts as 0."""
    reps = np.asarray(reps, dtype=np.int64)
    result = np.ones(len(reps))
    overall = reps < len(problem.rep_conversion)
    result[overall] = problem.rep_conversion[reps[overall]]
    column = int(problem.class_industry[cls]) if cls < len(problem.class_industry) else -1
    matrix = problem.conversion
    if matrix.ndim == 2 and 0 <= column < matrix.shape[1]:
        known = reps < matrix.shape[0]
        result[known] = matrix[reps[known], column]
    return np.clip(np.nan_to_num(result, nan=0.0), 0.0, None)


def _bands(scores: np.ndarray, bands: int) -> list[np.ndarray]:
    """Split positions 0..len-1 of scores sorted descending into score bands."""
    size = len(scores)
    cuts = np.flatnonzero(scores[1:] != scores[:-1]) + 1
    if len(cuts) + 1 <= bands:
        return np.split(np.arange(size), cuts)
    return [part for part in np.array_split(np.arange(size), bands) if len(part)]


class OptimalStrategy:
    """``figure``: the expected conversion rate of the customer with its rep."""

    name = "optimal"

    def assign(self, problem: AssignmentProblem) -> AssignmentResult:
        n, m = len(problem.customer_class), len(problem.capacity)
        chosen = np.full(n, -1, dtype=np.int64)
        figure = np.full(n, np.nan)
        if n == 0 or m == 0:
            return AssignmentResult(rep=chosen, figure=figure)
        capacity = np.maximum(problem.capacity.astype(np.int64), 0)
        score = np.nan_to_num(problem.score.astype(float), nan=0.0)
        weight = np.nan_to_num(problem.weight.astype(float), nan=0.0)
        balance = np.nan_to_num(problem.balance.astype(float), nan=0.0)
        classes = problem.customer_class.astype(np.int64)
        rank = np.empty(n, dtype=np.int64)
        rank[problem.order.astype(np.int64)] = np.arange(n)

        # Customers grouped by class, score descending, ties by order.
        by_class = np.lexsort((rank, -score, classes))
        k = len(problem.class_candidates)
        starts = np.searchsorted(classes[by_class], np.arange(k + 1), side="left")
        live = [c[capacity[c] > 0] for c in (a.astype(np.int64) for a in problem.class_candidates)]
        prefs = [
            p.astype(bool)[capacity[c.astype(np.int64)] > 0]
            for c, p in zip(problem.class_candidates, problem.class_preferred, strict=True)
        ]
        total_arcs = sum(len(r) for r in live)
        bands = int(np.clip(ARC_BUDGET // max(total_arcs, 1), 1, MAX_BANDS))

        slack = float(FAIRNESS_SLACK)
        fair = math.isfinite(slack)
        # Supply nodes: (class, customers in order of dealing).
        band_class: list[int] = []
        band_members: list[np.ndarray] = []
        for cls in range(k):
            if not len(live[cls]) or starts[cls] == starts[cls + 1]:
                continue
            members = by_class[starts[cls] : starts[cls + 1]]
            # With fairness on, bands hold at least FAIR_BAND customers per candidate, so each
            # rep's fair part of a band is a whole number of customers with little rounding.
            size = bands if not fair else max(1, len(members) // (FAIR_BAND * len(live[cls])))
            for part in _bands(score[members], min(bands, size)):
                band_class.append(cls)
                band_members.append(members[part])
        if not band_members:
            return AssignmentResult(rep=chosen, figure=figure)

        # Arcs band → rep, with their expected conversion and integer value.
        tails, heads, caps, rates, pref_arcs, means = [], [], [], [], [], []
        for node, (cls, members) in enumerate(zip(band_class, band_members, strict=True)):
            reps = live[cls]
            tails.append(np.full(len(reps), node, dtype=np.int64))
            heads.append(reps)
            caps.append(np.full(len(reps), len(members), dtype=np.int64))
            rates.append(expected_conversion(problem, reps, cls))
            pref_arcs.append(prefs[cls])
            means.append(np.full(len(reps), float(score[members].mean())))
        tail = np.concatenate(tails)
        head = np.concatenate(heads)
        arc_cap = np.concatenate(caps)
        rate = np.concatenate(rates)
        preferred = np.concatenate(pref_arcs)
        mean = np.concatenate(means)

        # Fairness: each rep may take, free of penalty, (1 + slack) × its proportion of every
        # band, in proportion to the points it still deserves among the class's candidates.
        takeable = np.zeros(n, dtype=bool)
        for members in band_members:
            takeable[members] = True
        has_room = capacity > 0
        total_weight = float(weight[has_room].sum())
        fair_arc = arc_cap.copy()
        fair_count = capacity.copy()
        if math.isfinite(slack) and total_weight > 0:
            pool = float(balance[has_room].sum() + score[takeable].sum())
            share = np.where(has_room, np.maximum(weight, 0.0) / total_weight * pool, 0.0)
            due = np.maximum(share - balance, 0.0)[head]
            node_due = np.bincount(tail, weights=due, minlength=len(band_members))[tail]
            proportion = np.divide(due, node_due, out=np.ones(len(due)), where=node_due > 0)
            wanted = np.floor((1.0 + slack) * arc_cap * proportion + 0.5)
            fair_arc = np.minimum(arc_cap, np.minimum(wanted, 2.0**62)).astype(np.int64)
            # And in total: the customers of its candidates' mean score that fit its limit.
            sums = np.bincount(head, weights=arc_cap * mean, minlength=m)
            counts = np.bincount(head, weights=arc_cap, minlength=m)
            typical = np.divide(sums, counts, out=np.zeros(m), where=counts > 0)
            allowance = np.maximum((1.0 + slack) * share - balance, 0.0)
            room = np.divide(allowance, typical, out=np.full(m, 2.0**62), where=typical > 0)
            fair_count = np.minimum(capacity, np.floor(np.minimum(room, 2.0**62))).astype(np.int64)
        supply = np.array([len(b) for b in band_members], dtype=np.int64)
        quota = self._solve(
            tail, head, arc_cap, fair_arc, rate, preferred, mean, supply, capacity, fair_count
        )
        chosen, figure, _ = self._deal(
            problem,
            band_class,
            band_members,
            tail,
            head,
            rate,
            preferred,
            quota,
            score,
            balance,
            weight,
        )
        return AssignmentResult(rep=chosen, figure=figure)

    @staticmethod
    def _solve(
        tail: np.ndarray,
        head: np.ndarray,
        arc_cap: np.ndarray,
        fair_arc: np.ndarray,
        rate: np.ndarray,
        preferred: np.ndarray,
        mean: np.ndarray,
        supply: np.ndarray,
        capacity: np.ndarray,
        fair_count: np.ndarray,
    ) -> np.ndarray:
        """Customers per band→rep pair in a max flow of min cost.

        Each pair is two parallel arcs: up to its fair part at ``−value``, the rest at
        ``−value + F``; each rep→sink likewise, free up to ``fair_count``, ``F`` beyond. Cost
        levels: a simple cycle of the residual graph uses at most ``length`` band→rep arcs and
        two rep→sink arcs, so ``F`` outweighs the value on any cycle and the preferred bonus
        outweighs both."""
        n_bands, m = len(supply), len(capacity)
        length = 2 * min(n_bands, m) + 2
        scale = float(VALUE_SCALE)
        while True:
            value = np.round(np.maximum(mean, 0.0) * rate * scale).astype(np.int64)
            top = int(value.max(initial=0))
            fair_cost = length * top + 1
            pref_cost = length * (top + fair_cost) + 2 * fair_cost + 1
            biggest = pref_cost + top + fair_cost
            if biggest * (n_bands + m + 2) * 4 < _COST_LIMIT or scale < 1e-9:
                break
            scale /= 10
        cost = -value - np.where(preferred, pref_cost, 0)
        flow = min_cost_flow.SimpleMinCostFlow()
        sink = n_bands + m
        fair_arcs = flow.add_arcs_with_capacity_and_unit_cost(tail, head + n_bands, fair_arc, cost)
        over_arcs = flow.add_arcs_with_capacity_and_unit_cost(
            tail, head + n_bands, arc_cap - fair_arc, cost + fair_cost
        )
        rep_nodes = np.arange(m, dtype=np.int64) + n_bands
        sinks = np.full(m, sink, dtype=np.int64)
        flow.add_arcs_with_capacity_and_unit_cost(
            rep_nodes, sinks, fair_count, np.zeros(m, dtype=np.int64)
        )
        flow.add_arcs_with_capacity_and_unit_cost(
            rep_nodes, sinks, capacity - fair_count, np.full(m, fair_cost, dtype=np.int64)
        )
        flow.set_nodes_supplies(
            np.r_[np.arange(n_bands), sink].astype(np.int64),
            np.r_[supply, -supply.sum()].astype(np.int64),
        )
        status = flow.solve_max_flow_with_min_cost()
        if status != flow.OPTIMAL:
            raise RuntimeError(f"min-cost flow failed with status {status}")
        return np.asarray(flow.flows(fair_arcs) + flow.flows(over_arcs), dtype=np.int64)

    @staticmethod
    def _deal(
        problem: AssignmentProblem,
        band_class: list[int],
        band_members: list[np.ndarray],
        tail: np.ndarray,
        head: np.ndarray,
        rate: np.ndarray,
        preferred: np.ndarray,
        quota: np.ndarray,
        score: np.ndarray,
        balance: np.ndarray,
        weight: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Owners, figures and final points after dealing each class over the flow's quotas.

        Reps of a class with the same preferred flag and rate form a *tier*: moving customers
        between them changes neither the preferred count nor the value, so the flow only
        fixes how many customers of each band go to each tier (the band's highest scores to the
        best tier), and each tier's customers are dealt round-robin over its reps' slots by
        points per weight so far."""
        n = len(problem.customer_class)
        chosen = np.full(n, -1, dtype=np.int64)
        figure = np.full(n, np.nan)
        points = balance.copy()
        safe_weight = np.where(weight > 0, weight, np.nan)
        used = np.flatnonzero(quota > 0)
        bounds = np.searchsorted(tail[used], np.arange(len(band_members) + 1), side="left")
        node = 0
        while node < len(band_members):
            last = node
            while last + 1 < len(band_members) and band_class[last + 1] == band_class[node]:
                last += 1
            arcs = used[bounds[node] : bounds[last + 1]]
            if not len(arcs):
                node = last + 1
                continue
            # Tiers: preferred first, then rate descending.
            _, tier_of = np.unique(
                np.stack([~preferred[arcs], -rate[arcs]]), axis=1, return_inverse=True
            )
            tier_of = tier_of.ravel()
            members_parts, tier_parts = [], []
            for band in range(node, last + 1):
                band_arcs = np.arange(bounds[band], bounds[band + 1]) - bounds[node]
                if not len(band_arcs):
                    continue
                tiers = np.sort(np.repeat(tier_of[band_arcs], quota[arcs[band_arcs]]))
                members_parts.append(band_members[band][: len(tiers)])
                tier_parts.append(tiers)
            members = np.concatenate(members_parts)
            member_tier = np.concatenate(tier_parts)
            for tier in range(int(tier_of.max()) + 1):
                given = members[member_tier == tier]
                in_tier = arcs[tier_of == tier]
                reps, where = np.unique(head[in_tier], return_inverse=True)
                q = np.bincount(where.ravel(), weights=quota[in_tier]).astype(np.int64)
                key = np.nan_to_num(points[reps] / safe_weight[reps], nan=np.inf)
                position = np.empty(len(reps), dtype=np.int64)
                position[np.lexsort((reps, key))] = np.arange(len(reps))
                slot_rep = np.repeat(np.arange(len(reps)), q)
                turn = np.arange(len(slot_rep)) - np.repeat(np.cumsum(q) - q, q)
                slots = slot_rep[np.lexsort((position[slot_rep], turn))]
                chosen[given] = reps[slots]
                figure[given] = rate[in_tier[0]]
                np.add.at(points, reps[slots], score[given])
            node = last + 1
        return chosen, figure, points
