"""全局最优: the whole week solved at once (SPEC §3.5).

``optimal`` hands out the customers of its segment (``problem.order``; customers of other
strategies and referrals are not touched) pursuing five goals, each fully before the next:

1. **most customers placed** — work-conserving like every strategy: a customer stays unassigned
   only when every candidate is at capacity;
2. **the best customers placed**: the largest total score placed, so when capacity runs short
   the lowest scores wait, as under every strategy (SPEC §3.3) — fairness never buys itself by
   leaving a better customer in the pool;
3. **most of them with a preferred rep** (``industry_match = "preferred"``: reps who know the
   industry are tried first, as in every strategy);
4. **fairness**: no rep's points above ``(1 + fairness_slack) ×`` its weighted fair share
   (:mod:`.fair_share` defines share, limit and excess exactly). When goals 1–3 leave no way to
   keep every rep within its limit (a rep who alone covers a territory, the only expert of an
   industry, a large balance carried in), the limits give way by the *least total points*
   received above them — never by leaving a customer unassigned or a preferred rep unused; the
   reps concerned are flagged (``detail["over"]``) and their reasons say so;
5. **the largest expected value** ``Σ score × expected conversion(rep, industry)``.

Expected conversion is ``conversion[rep, class_industry]``, else the rep's overall
``rep_conversion``, else 1.0 (so with no history at all the total score placed is maximised).

How it is solved. Customers with the same options (live candidates, preferred flags, industry)
form a group, split by score into bands (:mod:`._network`); a min-cost flow (OR-Tools
``SimpleMinCostFlow``) over band → rep arcs meets goals 1, 2, 3 and 5 exactly when every band
holds one score. Points are a knapsack-like quantity (customers carry different scores), which no
flow bounds exactly, so goal 4 is pursued by *steering* (:class:`_Steering`) over at most
:data:`PRICE_ROUNDS` more flows: a rep above its limit pays a price per point in the flow's
value, which moves its high scores to others, and gets a *fair count* of customers beyond which
each costs more than any value (a level between goals 3 and 5), which moves its customers to
others — neither can touch goals 1–3. The round with the least excess, then the most value, is
kept. A first round without excess is optimal outright. On small weeks (an exact network of at
most :data:`~._exact.EXACT_ARCS` arcs) that needed steering, CP-SAT then solves the five goals
exactly (:mod:`._exact`), starting from the best round and kept only if better; the tests prove
those results optimal against exhaustive search. Larger weeks keep the best round: goals 1–3
stay exact, goal 4 is a best effort whose figures ``benchmarks/bench_allocate.py`` prints next
to those of ``points``, and goal 5 is exact only where no steering was needed.

Dealing: the flow fixes how many customers of each band go to each rep; inside a band the
highest scores go to preferred reps, then to the best rate less the rep's price, then fewer
points per weight carried in, then sheet order, and a band's surplus — its lowest scores — stays
unassigned. The result is
integral and deterministic; ``order`` only breaks ties between equal scores.

``figure``: the expected conversion of the customer with its rep. ``detail`` (for the reasons):
``rank``, ``best``, ``why``, ``left``, ``over`` of :mod:`._optimal_reasons`.
"""

from __future__ import annotations

import math

import numpy as np

from ._exact import EXACT_ARCS, solve_exact
from ._network import Network, build_network, deal_bands, expected_conversion, solve_flow
from ._optimal_reasons import reason_details
from .base import AssignmentProblem, AssignmentResult
from .fair_share import CENT, PPM, FairLimits, centipoints, fair_limits

__all__ = ["OptimalStrategy", "expected_conversion"]

ARC_BUDGET = 500_000
"""Most band → rep arcs once groups are split into score bands: up to this, every group gets
as many bands as the budget allows it (all its scores when they fit: an exact network)."""
PRICE_ROUNDS = 4
"""Most priced flows after the first; the best round is kept."""
PRICE_STEP = 0.8
"""First price of a rep above its limit, per point in units of conversion rate: high enough to
move most of its high scores at once; bisection then gives back what was not needed."""
PRICE_MAX = 2.0
"""Highest price: above every rate difference (rates are at most 1), so a rep priced this high
already comes last wherever another candidate can take its customers."""

Key = tuple[int, float]
"""``(PPM × total excess, −value)``: smaller is better."""


class _Rounds:
    """Evaluates dealings and keeps the best (least excess, then most value)."""

    def __init__(self, net: Network, limits: FairLimits | None, score: np.ndarray) -> None:
        self.net, self.limits, self.score = net, limits, score
        self.cents = centipoints(score)
        self.best: Key | None = None
        self.arc_of = np.full(len(score), -1, dtype=np.int64)
        self.quota = np.zeros(len(net.tail), dtype=np.int64)

    def evaluate(
        self, arc_of: np.ndarray, quota: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per rep: ``PPM ×`` excess, hundredths received and customers taken by a dealing
        (group arc per customer) of ``quota`` (customers per band arc); kept if best."""
        m = len(self.net.capacity)
        given = arc_of >= 0
        reps = self.net.group_rep[arc_of[given]]
        received = np.bincount(reps, weights=self.cents[given], minlength=m).astype(np.int64)
        excess = (
            self.limits.scaled_excess(received)
            if self.limits is not None
            else np.zeros(m, dtype=np.int64)
        )
        value = float(np.dot(self.score[given], self.net.group_rate[arc_of[given]]))
        key = (int(excess.sum()), -value)
        if self.best is None or key < self.best:
            self.best, self.arc_of, self.quota = key, arc_of, quota
        return excess, received, np.bincount(reps, minlength=m)


class _Steering:
    """How the next flow is pushed toward the limits: a price per point and a fair count per
    rep. A rep above its limit gets a higher price (bisected: up while above, back down once
    within; a bracket that other reps' moves have invalidated is reopened); every rep gets a
    fair count: what it took, less the customers of its average score its excess amounts to,
    or plus as many as its room left holds — so the customers one rep sheds spread over those
    with room instead of piling onto the next best."""

    def __init__(self, capacity: np.ndarray) -> None:
        m = len(capacity)
        self.capacity = capacity
        self.price = np.zeros(m)
        self.low = np.zeros(m)
        self.high = np.full(m, math.inf)
        self.fair_count = capacity.copy()

    def update(
        self, excess: np.ndarray, received: np.ndarray, taken: np.ndarray, room: np.ndarray
    ) -> None:
        over = excess > 0
        price, low, high = self.price, self.low, self.high
        relaxed = ~over & (price > 0)
        high[over & (high <= price)] = math.inf
        low[relaxed & (low >= price)] = 0.0
        low[over] = price[over]
        high[relaxed] = price[relaxed]
        doubled = np.minimum(np.maximum(2 * price, PRICE_STEP), PRICE_MAX)
        raised = np.where(np.isfinite(high), (low + high) / 2, doubled)
        self.price = np.where(over, raised, np.where(relaxed, (low + high) / 2, price))

        # Counts in customers of the rep's average score (the overall average for a rep that
        # received nothing): its excess to shed, or the room it has left.
        overall = received.sum() / max(int(taken.sum()), 1)
        average = np.divide(received, taken, out=np.full(len(taken), overall), where=taken > 0)
        usable = average > 0
        shed = np.ceil(np.divide(excess / PPM, average, out=np.zeros(len(taken)), where=usable))
        # Room is counted in the larger of its own and the overall average: a priced rep's own
        # average is low only while it is priced.
        spare = np.divide(room * CENT, np.maximum(average, overall), out=np.zeros(len(taken)),
                          where=usable)  # fmt: skip
        spare = np.floor(np.clip(np.nan_to_num(spare, posinf=0.0), 0.0, None))
        lowered = taken - shed.astype(np.int64)
        fitting = np.minimum(taken + spare, self.capacity).astype(np.int64)
        # A rep whose price is coming down keeps its count: one change at a time.
        held = np.maximum(self.fair_count, taken)
        counts = np.where(over, lowered, np.where(relaxed, held, fitting))
        self.fair_count = np.clip(counts, 0, self.capacity)


class OptimalStrategy:
    """``figure``: the expected conversion rate of the customer with its rep."""

    name = "optimal"

    def assign(self, problem: AssignmentProblem) -> AssignmentResult:
        n, m = len(problem.customer_class), len(problem.capacity)
        chosen = np.full(n, -1, dtype=np.int64)
        figure = np.full(n, np.nan)
        customers = np.asarray(problem.order, dtype=np.int64)
        if not len(customers) or m == 0:
            return self._result(problem, chosen, figure, None, np.zeros(n, dtype=np.int64))
        limits = fair_limits(problem, customers)
        net = build_network(problem, customers, arc_budget=ARC_BUDGET)
        if not len(net.tail):
            return self._result(problem, chosen, figure, limits, np.zeros(n, dtype=np.int64))
        score = np.nan_to_num(problem.score.astype(float), nan=0.0)
        weight = problem.weight.astype(float)
        carried = np.divide(
            problem.balance.astype(float), weight, out=np.full(m, math.inf), where=weight > 0
        )
        tie = np.nan_to_num(carried, nan=math.inf)

        rounds = _Rounds(net, limits, score)
        quota = solve_flow(net, np.zeros(m))
        excess, received, taken = rounds.evaluate(deal_bands(net, quota, tie, n), quota)
        steering = _Steering(net.capacity)
        for _ in range(PRICE_ROUNDS if excess.any() and limits is not None else 0):
            assert limits is not None
            steering.update(excess, received, taken, limits.room(received))
            quota = solve_flow(net, steering.price, steering.fair_count)
            dealt = deal_bands(net, quota, tie, n, steering.price)
            excess, received, taken = rounds.evaluate(dealt, quota)
            if not excess.any():
                break
        priced = steering.price.any() or (steering.fair_count < net.capacity).any()
        if priced and net.exact and len(net.tail) <= EXACT_ARCS:
            solved = solve_exact(net, limits, rounds.quota)
            if solved is not None:
                rounds.evaluate(deal_bands(net, solved, tie, n), solved)
        arc_of = rounds.arc_of

        given = arc_of >= 0
        chosen[given] = net.group_rep[arc_of[given]]
        figure[given] = net.group_rate[arc_of[given]]
        return self._result(problem, chosen, figure, limits, rounds.cents)

    @staticmethod
    def _result(
        problem: AssignmentProblem,
        chosen: np.ndarray,
        figure: np.ndarray,
        limits: FairLimits | None,
        cents: np.ndarray,
    ) -> AssignmentResult:
        """The result with the details its reasons need."""
        m = len(problem.capacity)
        given = chosen >= 0
        taken = np.bincount(chosen[given], minlength=m)
        received = np.bincount(chosen[given], weights=cents[given], minlength=m)
        received = received.astype(np.int64)
        if limits is not None:
            room = limits.room(received)
            over = limits.scaled_excess(received) > 0
        else:
            room, over = np.full(m, math.inf), np.zeros(m, dtype=bool)
        capacity_left = np.maximum(problem.capacity.astype(np.int64), 0) - taken
        detail = reason_details(problem, chosen, capacity_left, room, over)
        return AssignmentResult(rep=chosen, figure=figure, detail=detail)
