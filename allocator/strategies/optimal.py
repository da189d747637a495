"""全局最优: the whole week solved at once (SPEC §3.5).

``optimal`` hands out the customers of its segment (``problem.order``; customers of other
strategies and referrals are not touched) so that the expected value
``Σ score × expected conversion(rep, industry)`` is the largest of every hand-out that

1. keeps every rep within its capacity and gives a customer only to one of its candidates;
2. is work-conserving, like every strategy: a customer stays unassigned only when every
   candidate is at capacity;
3. tries reps who know the industry first (``industry_match = "preferred"``), like every
   strategy: a customer goes to another candidate only when every preferred one is full;
4. is fair: no rep's points above ``(1 + fairness_slack) ×`` its weighted fair share
   (:mod:`.fair_share` defines share, limit and excess exactly) — except where 积分制 itself
   puts a rep above (a rep who alone covers a territory, the only expert of an industry, a large
   balance carried in): such a rep may receive above its limit at most what 积分制 gives it
   above its limit. Such reps are flagged (``detail["over"]``) and their reasons say so;
5. expects to win at least as much as 积分制: ``Σ value × expected conversion`` (the expected
   won value of ``allocator compare``; ``problem.value`` counts a duplicate group's rows
   together) at least 积分制's.

积分制's own hand-out meets all five, so ``optimal``'s expected value and expected won value are
never below ``points``' on the same input; on small weeks the tests prove it the best by
exhaustive search. Among hand-outs of the same value it places the most customers, then the
largest total score (the best customers first, SPEC §3.3), then the most with preferred reps,
and among candidates equal on all of these, the larger expected won value is kept.

Expected conversion is ``conversion[rep, class_industry]``, else the rep's overall
``rep_conversion``, else 1.0 (so with no history at all the total score placed is maximised).
Values are compared in whole units of ``score × rate × 10⁶`` (:data:`~._exact.EXACT_SCALE`),
expected won values in thousandths (:data:`~._exact.WORTH_SCALE`).

How it is solved. Customers with the same options (live candidates, preferred flags, industry)
form a group, split by score and value into bands (:mod:`._network`), and min-cost flows
(OR-Tools ``SimpleMinCostFlow``) over band → rep arcs decide how many of each band each rep
takes. Each *candidate* hand-out is checked against 1–5 exactly (:class:`_Candidates`):

- 积分制 runs first on the same problem: its hand-out fixes each rep's fairness allowance and
  the least expected won value, and is the candidate every other one must beat;
- the *relaxation* — value first, over capacities alone — is optimal outright when it also meets
  2–5 (on an exact network, one score and value per band, whose costs fit 64-bit integers at
  :data:`~._exact.EXACT_SCALE` with every tie-break: small weeks; on larger ones it is one
  more candidate);
- otherwise, on small weeks (an exact network of at most :data:`~._exact.EXACT_ARCS` arcs),
  CP-SAT solves the problem exactly (:mod:`._exact`);
- otherwise, flows *anchored* on 积分制's hand-out (:meth:`OptimalStrategy._steer`) keep
  every rep's count, which meets 2 and 3 by construction, and are steered toward 4 and 5 over at
  most :data:`STEER_ROUNDS` rounds (fewer on very large networks, :data:`ROUND_ARCS`): a price
  per point for reps above their allowance, a weight on ``Σ value × rate`` while short of
  积分制's expected won value, both bisected;
- the dealings that fail only 4 by a few reps, the nearest first, go through swaps of customers
  between over reps and reps with room that change no count (:mod:`._repair`).

Of the candidates that meet 1–5 the best is kept, so a week whose steering falls short keeps
积分制's hand-out rather than a worse one; ``benchmarks/bench_allocate.py`` prints both
strategies' figures.

Dealing: a flow fixes how many customers of each band go to each rep; inside a band the highest
scores go to the best rate less the rep's price, then to preferred reps, then to fewer points per
weight carried in, then by sheet order (a band of alike customers goes to preferred reps first,
in allocation order), and a band's surplus — its lowest scores — stays unassigned. The result
is integral and deterministic.

``figure``: the expected conversion of the customer with its rep. ``detail`` (for the reasons):
``rank``, ``best``, ``why``, ``left``, ``over`` of :mod:`._optimal_reasons`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._exact import EXACT_ARCS, EXACT_SCALE, solve_exact, worth_units
from ._network import (
    VALUE_SCALE,
    Network,
    arcs_of_reps,
    build_network,
    customer_values,
    deal_bands,
    expected_conversion,
    group_of_members,
    quota_of,
    rooms,
    solve_flow,
)
from ._optimal_reasons import reason_details
from ._repair import repair
from .base import AssignmentProblem, AssignmentResult
from .fair_share import CENT, PPM, FairLimits, centipoints, fair_limits
from .points import PointsStrategy

__all__ = ["OptimalStrategy", "expected_conversion"]

ARC_BUDGET = 500_000
"""Most band → rep arcs once groups are split into score bands: up to this, every group gets
as many bands as the budget allows it (all its (score, value) pairs when they fit: an exact
network)."""
STEER_ROUNDS = 12
"""Most anchored flows; the best candidate is kept."""
MIN_ROUNDS = 4
"""Fewest anchored flows, however large the network."""
ROUND_ARCS = 1_100_000
"""Band → rep arcs solved over all anchored rounds: a network of more than ``ROUND_ARCS /
STEER_ROUNDS`` arcs gets fewer rounds (at least :data:`MIN_ROUNDS`), which keeps the step within
twice ``points``' on the largest weeks (``benchmarks/bench_allocate.py``)."""
WORTH_STEP = 0.5
"""First weight of ``Σ value × rate`` in a steered flow's value, relative to ``Σ score × rate``
(values are rescaled to the scores' total), when the flow falls short of 积分制's expected won
value; doubled each round it still does."""
PRICE_STEP = 0.8
"""First price of a rep above its allowance, per point in units of conversion rate: high enough
to move most of its high scores at once; bisection then gives back what was not needed."""
PRICE_MAX = 2.0
"""Highest price: above every rate difference (rates are at most 1), so a rep priced this high
already comes last wherever another candidate can take its customers."""
RELAXED = ("value", "count", "score", "preferred")
"""The relaxation's levels: value first, then the tie-breaks (the first two where the network is
not exact, as only there can the relaxation be proven optimal)."""
REPAIRS = 3
"""Dealings that fail only the fairness allowances (the nearest first) handed to the swaps of
:mod:`._repair`."""
REPAIR_REPS = 20
"""Most reps beyond their allowance in a dealing handed to the swaps (or 10 % of the reps if
more): swaps settle some reps' overshoot, not a plan that missed the limits widely."""
ANCHORED = ("count", "value")
"""The anchored flows' levels: ``count`` first fills every rep to 积分制's count (preferred
reps need no level there: the arcs that would break condition 3 are closed)."""

Key = tuple[int, int, int, int, int]
"""``(value units, customers placed, hundredths placed, placed with a preferred rep, worth)``."""


@dataclass(frozen=True)
class _Check:
    """What a dealing does, per rep and overall."""

    received: np.ndarray
    """Hundredths received per rep."""
    worth: int
    """``Σ value × rate`` in units of :data:`~._exact.WORTH_SCALE`."""
    taken: np.ndarray
    """Customers taken per rep."""
    beyond: np.ndarray
    """``PPM ×`` hundredths received above limit and allowance, per rep."""
    feasible: bool
    """Meets conditions 1–5 of the module docstring."""


class _Candidates:
    """Checks dealings (group arc per customer position) against conditions 1–5 and keeps the best
    that meets them."""

    def __init__(
        self,
        net: Network,
        limits: FairLimits | None,
        allowance: np.ndarray,
        score: np.ndarray,
        value: np.ndarray,
    ) -> None:
        self.net, self.limits, self.allowance = net, limits, allowance
        self.score = np.maximum(score, 0.0)
        self.value = value
        self.target = 0
        """Least ``worth`` (积分制's, once known)."""
        self.cents = centipoints(score)
        self.best: Key | None = None
        self.arc_of = np.full(len(score), -1, dtype=np.int64)
        n_groups = int(net.group_of_arc.max(initial=-1)) + 1
        self.group_size = np.bincount(group_of_members(net), minlength=n_groups)
        self.unfair: list[tuple[int, int, int, np.ndarray]] = []
        """Dealings that fail only the fairness allowances, with the ``PPM ×`` hundredths
        they are beyond them, how many reps and their value: what :func:`._repair.repair` may
        bring within."""

    def check(self, arc_of: np.ndarray) -> _Check:
        net, m = self.net, len(self.net.capacity)
        given = arc_of >= 0
        arcs = arc_of[given]
        reps = net.group_rep[arcs]
        taken = np.bincount(reps, minlength=m)
        received = np.bincount(reps, weights=self.cents[given], minlength=m).astype(np.int64)
        if self.limits is not None:
            beyond = np.maximum(self.limits.scaled_excess(received) - self.allowance, 0)
        else:
            beyond = np.zeros(m, dtype=np.int64)
        has_room, _, open_arc = rooms(net, taken)
        placed = np.bincount(net.group_of_arc[arcs], minlength=len(self.group_size))
        idle = bool(((placed < self.group_size) & has_room).any())
        outsider = bool((~open_arc[arcs]).any())
        worth = int(worth_units(self.value[given], net.group_rate[arcs]).sum())
        fair_only = not idle and not outsider and worth >= self.target
        feasible = fair_only and not beyond.any()
        units = int(np.round(self.score[given] * net.group_rate[arcs] * EXACT_SCALE).sum())
        if fair_only and not feasible:
            self.unfair.append((int(beyond.sum()), int((beyond > 0).sum()), units, arc_of))
        if feasible:
            key = (
                units,
                len(arcs),
                int(self.cents[given].sum()),
                int(net.group_preferred[arcs].sum()),
                worth,
            )
            if self.best is None or key > self.best:
                self.best, self.arc_of = key, arc_of
        return _Check(received=received, taken=taken, worth=worth, beyond=beyond, feasible=feasible)


class _Steering:
    """A price per point for each rep, pushing the next flow toward the allowances: a rep above
    its allowance gets a higher price (bisected: up while above, back down once within; a
    bracket that other reps' moves have invalidated is reopened)."""

    def __init__(self, m: int) -> None:
        self.price = np.zeros(m)
        self.low = np.zeros(m)
        self.high = np.full(m, math.inf)

    def update(self, beyond: np.ndarray) -> None:
        over = beyond > 0
        price, low, high = self.price, self.low, self.high
        relaxed = ~over & (price > 0)
        high[over & (high <= price)] = math.inf
        low[relaxed & (low >= price)] = 0.0
        low[over] = price[over]
        high[relaxed] = price[relaxed]
        doubled = np.minimum(np.maximum(2 * price, PRICE_STEP), PRICE_MAX)
        raised = np.where(np.isfinite(high), (low + high) / 2, doubled)
        self.price = np.where(over, raised, np.where(relaxed, (low + high) / 2, price))


class OptimalStrategy:
    """``figure``: the expected conversion rate of the customer with its rep."""

    name = "optimal"

    def assign(self, problem: AssignmentProblem) -> AssignmentResult:
        n, m = len(problem.customer_class), len(problem.capacity)
        chosen = np.full(n, -1, dtype=np.int64)
        figure = np.full(n, np.nan)
        customers = np.asarray(problem.order, dtype=np.int64)
        empty = np.zeros(m, dtype=np.int64)
        if not len(customers) or m == 0:
            return self._result(problem, chosen, figure, None, empty, np.zeros(n, np.int64))
        limits = fair_limits(problem, customers)
        net = build_network(problem, customers, arc_budget=ARC_BUDGET)
        if not len(net.tail):
            return self._result(problem, chosen, figure, limits, empty, np.zeros(n, np.int64))
        score = np.nan_to_num(problem.score.astype(float), nan=0.0)
        weight = problem.weight.astype(float)
        carried = np.divide(
            problem.balance.astype(float), weight, out=np.full(m, math.inf), where=weight > 0
        )
        tie = np.nan_to_num(carried, nan=math.inf)

        # 积分制's hand-out: what it puts each rep above its limit is that rep's allowance, and
        # its expected won value the least the others must reach.
        points = arcs_of_reps(net, _points_hand_out(problem))
        cents = centipoints(score)
        given = points >= 0
        points_received = np.bincount(
            net.group_rep[points[given]], weights=cents[given], minlength=m
        ).astype(np.int64)
        allowance = limits.scaled_excess(points_received) if limits is not None else empty
        candidates = _Candidates(net, limits, allowance, score, customer_values(problem))
        anchor = candidates.check(points)
        candidates.target = anchor.worth

        # Exact costs only where the relaxation can be exact; coarser ones solve faster.
        exact = net.exact
        finest = EXACT_SCALE if exact else VALUE_SCALE
        # On a network too large for more than the fewest anchored rounds the relaxation is
        # never within the limits, and costs as much as a round.
        huge = len(net.tail) * MIN_ROUNDS > ROUND_ARCS
        if huge:
            relaxed_ok = False
        else:
            relaxed = solve_flow(net, RELAXED if exact else RELAXED[:2], bypass=True, finest=finest)
            relaxed_ok = candidates.check(deal_bands(net, relaxed, tie, n)).feasible
        if not relaxed_ok:
            solved = None
            if exact and len(net.tail) <= EXACT_ARCS:
                limit = (limits, allowance) if limits is not None else None
                solved = solve_exact(net, limit, candidates.target, quota_of(net, points))
            if solved is not None:
                candidates.check(deal_bands(net, solved, tie, n))
            else:
                self._steer(net, candidates, anchor, tie, n)
            if limits is not None:
                most = max(REPAIR_REPS, m // 10)
                near = [u for u in candidates.unfair if u[1] <= most]
                repairs = 1 if huge else REPAIRS  # on the largest weeks one is enough
                for _, _, value, dealt in sorted(near, key=lambda u: u[:2])[:repairs]:
                    # Swaps move high scores off the reps that convert them best: they seldom
                    # add value, so a dealing no better than the best so far is not worth them.
                    if candidates.best is None or value > candidates.best[0]:
                        candidates.check(repair(net, limits, allowance, cents, dealt))
        arc_of = candidates.arc_of

        given = arc_of >= 0
        chosen[given] = net.group_rep[arc_of[given]]
        figure[given] = net.group_rate[arc_of[given]]
        return self._result(problem, chosen, figure, limits, allowance, cents)

    @staticmethod
    def _steer(
        net: Network,
        candidates: _Candidates,
        anchor: _Check,
        tie: np.ndarray,
        n: int,
    ) -> None:
        """Flows anchored on 积分制's hand-out (``anchor``: its figures): every rep
        takes as many customers as under 积分制, so who is full — and with it conditions 2 and 3 —
        stays as it is, provided a group with a rep who has room places every customer and a
        group with a preferred rep who has room uses only preferred ones. Inside that, the most
        value, steered toward the fairness allowances and toward 积分制's expected won value:

        - a rep above its allowance pays a price per point in the flow's value, bisected: up
          while above, back down once within;
        - while short of the expected won value, ``Σ value × rate`` weighs in the flow's value,
          its weight bisected the same way.

        Rounds go on after a feasible one, as lower prices and weights may find more value."""
        has_room, _, open_arc = rooms(net, anchor.taken)
        allowed = open_arc[net.arc]
        bypass = ~has_room[group_of_members(net)[net.band_start[:-1]]]
        members = net.members
        total_value = float(candidates.value[members].sum())
        norm = float(candidates.score[members].sum()) / total_value if total_value > 0 else 0.0
        steering = _Steering(len(net.capacity))
        weight, short, enough = 0.0, 0.0, math.inf
        rounds = min(STEER_ROUNDS, max(MIN_ROUNDS, ROUND_ARCS // max(len(net.tail), 1)))
        for _ in range(rounds):
            quota = solve_flow(
                net,
                ANCHORED,
                price=steering.price,
                worth_weight=weight * norm,
                capacity=anchor.taken,
                allowed=allowed,
                bypass=bypass,
                finest=VALUE_SCALE,
            )
            dealt = candidates.check(deal_bands(net, quota, tie, n, steering.price))
            if dealt.feasible and not steering.price.any() and not weight:
                break  # nothing was given up for it: no later round can do better
            steering.update(dealt.beyond)
            if norm > 0:  # bisect the weight of the expected won value
                if dealt.worth < candidates.target:
                    short = weight
                    weight = (
                        (short + enough) / 2
                        if math.isfinite(enough)
                        else max(2 * weight, WORTH_STEP)
                    )
                elif weight > 0:
                    enough = weight
                    weight = (short + enough) / 2

    @staticmethod
    def _result(
        problem: AssignmentProblem,
        chosen: np.ndarray,
        figure: np.ndarray,
        limits: FairLimits | None,
        allowance: np.ndarray,
        cents: np.ndarray,
    ) -> AssignmentResult:
        """The result with the details its reasons need."""
        m = len(problem.capacity)
        given = chosen >= 0
        taken = np.bincount(chosen[given], minlength=m)
        received = np.bincount(chosen[given], weights=cents[given], minlength=m)
        received = received.astype(np.int64)
        if limits is not None:
            room = limits.room(received) + allowance / (PPM * CENT)
            over = limits.scaled_excess(received) > 0
        else:
            room, over = np.full(m, math.inf), np.zeros(m, dtype=bool)
        capacity_left = np.maximum(problem.capacity.astype(np.int64), 0) - taken
        detail = reason_details(problem, chosen, capacity_left, room, over)
        return AssignmentResult(rep=chosen, figure=figure, detail=detail)


def _points_hand_out(problem: AssignmentProblem) -> np.ndarray:
    """积分制's rep per customer position on the same problem."""
    return PointsStrategy().assign(problem).rep
