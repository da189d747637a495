"""The aggregated network of ``optimal``: bands of interchangeable customers, arcs to reps, the
min-cost flow over them and the dealing of the flow's counts back to customers.

Customers of classes with the same live candidates, preferred flags and industry have the same
options and rates, so they form one *group*. A group is split by score into *bands*: one band
per distinct score when it has few enough (then the network is exact), otherwise equal-count
slices whose mean score stands for the band (an approximation, used only when the exact network
would be too large). Customers of a band differ at most by score within the band, so the flow
decides only *how many* of a band each rep takes; :func:`deal` decides who.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from .base import AssignmentProblem
from .fair_share import centipoints, live_candidates

__all__ = [
    "Network",
    "build_network",
    "deal_bands",
    "expected_conversion",
    "pair_conversion",
    "solve_flow",
]

VALUE_SCALE = 1000
"""``score × rate`` is rounded to integers at this scale for the flow's costs."""
_COST_LIMIT = 2**62


def pair_conversion(problem: AssignmentProblem, cls: np.ndarray, reps: np.ndarray) -> np.ndarray:
    """Expected conversion of each rep of ``reps`` for a customer of the class at the same place
    of ``cls``: the rep's rate for the class's industry, else its overall rate, else 1.0; NaN
    counts as 0."""
    cls = np.asarray(cls, dtype=np.int64)
    reps = np.asarray(reps, dtype=np.int64)
    result = np.ones(len(reps))
    overall = reps < len(problem.rep_conversion)
    result[overall] = problem.rep_conversion[reps[overall]]
    industries = problem.class_industry
    column = np.full(len(cls), -1, dtype=np.int64)
    listed = cls < len(industries)
    column[listed] = industries[cls[listed]]
    matrix = problem.conversion
    if matrix.ndim == 2:
        known = (column >= 0) & (column < matrix.shape[1]) & (reps < matrix.shape[0])
        result[known] = matrix[reps[known], column[known]]
    return np.clip(np.nan_to_num(result, nan=0.0), 0.0, None)


def expected_conversion(problem: AssignmentProblem, reps: np.ndarray, cls: int) -> np.ndarray:
    """Expected conversion of each of ``reps`` for a customer of class ``cls``."""
    reps = np.asarray(reps, dtype=np.int64)
    return pair_conversion(problem, np.full(len(reps), cls, dtype=np.int64), reps)


@dataclass(frozen=True)
class Network:
    """Groups of customers with the same options, split into bands (the flow's supply nodes),
    and their arcs to reps. *Group arcs* are the (group, rep) pairs; *band arcs* repeat them for
    every band of the group, sorted by band then rep."""

    members: np.ndarray
    """Customer positions, by group, each group by score descending then allocation order."""
    group_start: np.ndarray
    """Offsets of each group in ``members`` (one more than there are groups)."""
    band_start: np.ndarray
    """Offsets of each band in ``members`` (one more than there are bands)."""
    band_mean: np.ndarray
    """Mean score of each band."""
    group_rep: np.ndarray
    """Rep of each group arc."""
    group_rate: np.ndarray
    """Expected conversion of each group arc's rep for the group's customers."""
    group_preferred: np.ndarray
    """The group arc's rep knows the group's industry (tried first)."""
    group_of_arc: np.ndarray
    """Group of each group arc."""
    tail: np.ndarray
    """Band of each band arc."""
    arc: np.ndarray
    """Group arc of each band arc."""
    capacity: np.ndarray
    """Capacity left per rep."""
    exact: bool
    """Every band holds one score: the flow's value is the true value."""

    @property
    def band_size(self) -> np.ndarray:
        return np.diff(self.band_start)

    @property
    def head(self) -> np.ndarray:
        """Rep of each band arc."""
        return self.group_rep[self.arc]

    @property
    def rate(self) -> np.ndarray:
        """Expected conversion of each band arc."""
        return self.group_rate[self.arc]

    @property
    def preferred(self) -> np.ndarray:
        """Preferred flag of each band arc."""
        return self.group_preferred[self.arc]


def _groups(
    problem: AssignmentProblem, classes: np.ndarray
) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]], np.ndarray]:
    """Group id per class of ``classes``; per group its live reps and flags, and one class of
    each group (for the rates)."""
    group_of = np.full(len(problem.class_candidates), -1, dtype=np.int64)
    seen: dict[tuple[bytes, bytes, int], int] = {}
    groups: list[tuple[np.ndarray, np.ndarray]] = []
    example: list[int] = []
    industries = problem.class_industry
    for cls in classes.tolist():
        reps, prefs = live_candidates(problem, cls)
        column = int(industries[cls]) if cls < len(industries) else -1
        key = (reps.tobytes(), prefs.tobytes(), column)
        if key not in seen:
            seen[key] = len(groups)
            groups.append((reps, prefs))
            example.append(cls)
        group_of[cls] = seen[key]
    return group_of, groups, np.asarray(example, dtype=np.int64)


def build_network(
    problem: AssignmentProblem, customers: np.ndarray, *, arc_budget: int | None
) -> Network:
    """The network for handing out ``customers`` (positions): one band per distinct score of a
    group when ``arc_budget`` (None: unlimited) allows as many bands per group as the group has
    scores, else that many equal-count slices (at least one per group)."""
    capacity = np.maximum(problem.capacity.astype(np.int64), 0)
    customers = np.asarray(customers, dtype=np.int64)
    group_of, groups, example = _groups(problem, np.unique(problem.customer_class[customers]))
    n_arcs = np.array([len(g[0]) for g in groups], dtype=np.int64)
    group = group_of[problem.customer_class[customers]]
    takeable = n_arcs[group] > 0 if len(groups) else np.zeros(0, dtype=bool)
    customers, group = customers[takeable], group[takeable]
    score = np.nan_to_num(problem.score.astype(float), nan=0.0)
    rank = np.empty(len(problem.customer_class), dtype=np.int64)
    rank[problem.order.astype(np.int64)] = np.arange(len(problem.order))
    cents = centipoints(score[customers])
    by = np.lexsort((rank[customers], -cents, group))
    members, group, cents = customers[by], group[by], cents[by]

    n = len(members)
    first = np.r_[True, group[1:] != group[:-1]] if n else np.zeros(0, dtype=bool)
    new_score = first | np.r_[True, cents[1:] != cents[:-1]] if n else first
    group_start = np.flatnonzero(first)
    size = np.diff(np.r_[group_start, n])
    distinct_rank = np.cumsum(new_score) - 1
    distinct_in_group = distinct_rank - np.repeat(distinct_rank[group_start], size)
    n_distinct = np.add.reduceat(new_score.astype(np.int64), group_start) if n else size
    if arc_budget is None:
        limit = n_distinct
    else:
        arcs_per_band = n_arcs[group[group_start]] if n else size
        per_group = max(arc_budget // max(int(arcs_per_band.sum()), 1), 1)
        limit = np.full(len(size), per_group)
    exact_group = n_distinct <= limit
    position = np.arange(n) - np.repeat(group_start, size)
    slice_id = (position * np.repeat(limit, size)) // np.repeat(size, size)
    local = np.where(np.repeat(exact_group, size), distinct_in_group, slice_id)
    band_key = np.r_[True, (local[1:] != local[:-1]) | first[1:]] if n else first
    band_of = np.cumsum(band_key) - 1
    band_start = np.r_[np.flatnonzero(band_key), n].astype(np.int64)
    n_bands = len(band_start) - 1
    band_group = group[band_start[:-1]]
    band_mean = (
        np.bincount(band_of, weights=score[members], minlength=n_bands) / np.diff(band_start)
        if n_bands
        else np.zeros(0)
    )

    # Band arcs: every band to every live rep of its group, in the group's rep order.
    g_start = np.r_[0, np.cumsum(n_arcs)]
    per_band = n_arcs[band_group] if n_bands else np.zeros(0, dtype=np.int64)
    tail = np.repeat(np.arange(n_bands, dtype=np.int64), per_band)
    offsets = np.arange(len(tail)) - np.repeat(np.cumsum(per_band) - per_band, per_band)
    group_rep = np.concatenate([g[0] for g in groups] or [np.zeros(0)]).astype(np.int64)
    return Network(
        members=members,
        group_start=np.r_[group_start, n].astype(np.int64),
        band_start=band_start,
        band_mean=band_mean,
        group_rep=group_rep,
        group_rate=pair_conversion(problem, np.repeat(example, n_arcs), group_rep),
        group_preferred=np.concatenate([g[1] for g in groups] or [np.zeros(0)]).astype(bool),
        group_of_arc=np.repeat(np.arange(len(groups), dtype=np.int64), n_arcs),
        tail=tail,
        arc=np.repeat(g_start[band_group], per_band) + offsets,
        capacity=capacity,
        exact=bool(exact_group.all()),
    )


def solve_flow(net: Network, price: np.ndarray, fair_count: np.ndarray | None = None) -> np.ndarray:
    """Customers per band arc in a maximum flow of minimum cost.

    Cost levels, each outweighing everything below it on any cycle of the residual graph (a
    simple cycle uses at most ``length`` band → rep arcs and two rep → sink arcs):

    1. the number of customers placed (a maximum flow);
    2. the total score placed, in hundredths (the best customers first, SPEC §3.3);
    3. the number placed with a preferred rep;
    4. the number each rep takes beyond its ``fair_count`` (None: no such level);
    5. ``Σ mean score × (rate − price of the rep)``, rounded at :data:`VALUE_SCALE` — or
       coarser when the levels above would not fit 64-bit costs (only on very large weeks).

    ``price`` (per point, ≥ 0) and ``fair_count`` are how ``optimal`` steers points away from
    reps above their fairness limit; neither can change levels 1–3."""
    n_bands, m = len(net.band_start) - 1, len(net.capacity)
    if not len(net.tail):
        return np.zeros(0, dtype=np.int64)
    length = 2 * min(n_bands, m) + 2
    head = net.head
    net_rate = net.rate - price[head]
    cents = np.round(np.maximum(net.band_mean, 0.0) * 100).astype(np.int64)[net.tail]
    scale = float(VALUE_SCALE)
    while True:
        value = np.round(np.maximum(net.band_mean[net.tail], 0.0) * net_rate * scale)
        value = value.astype(np.int64)
        top = int(np.abs(value).max(initial=0))
        fair_cost = 2 * length * top + 1 if fair_count is not None else 0
        pref_cost = 2 * length * top + 4 * fair_cost + 1
        score_cost = length * (pref_cost + top) + 2 * fair_cost + 1
        biggest = int(cents.max(initial=0)) * score_cost + pref_cost + fair_cost + top
        if biggest * (n_bands + m + 2) * 4 < _COST_LIMIT or scale < 1e-9:
            break
        scale /= 10
    cost = -value - np.where(net.preferred, pref_cost, 0) - cents * score_cost
    size = net.band_size
    flow = min_cost_flow.SimpleMinCostFlow()
    sink = np.full(m, n_bands + m, dtype=np.int64)
    arcs = flow.add_arcs_with_capacity_and_unit_cost(net.tail, head + n_bands, size[net.tail], cost)
    reps = np.arange(m, dtype=np.int64) + n_bands
    free = net.capacity if fair_count is None else np.clip(fair_count, 0, net.capacity)
    flow.add_arcs_with_capacity_and_unit_cost(reps, sink, free, np.zeros(m, np.int64))
    if fair_count is not None:
        beyond = np.full(m, fair_cost, dtype=np.int64)
        flow.add_arcs_with_capacity_and_unit_cost(reps, sink, net.capacity - free, beyond)
    flow.set_nodes_supplies(
        np.r_[np.arange(n_bands), n_bands + m].astype(np.int64),
        np.r_[size, -size.sum()].astype(np.int64),
    )
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    return np.asarray(flow.flows(arcs), dtype=np.int64)


def _hand_out(
    order: np.ndarray, given: np.ndarray, owner: np.ndarray, starts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Positions in ``members`` and the item (of ``order``) each takes: every node (band or
    group) hands its first members, in order, to its items in ``order`` order, ``given`` each;
    ``owner`` is the node of each item and ``starts`` the nodes' offsets."""
    items = np.repeat(order, given)
    per_node = np.bincount(owner, weights=given, minlength=len(starts) - 1).astype(np.int64)
    first = np.repeat(starts[:-1], per_node)
    within = np.arange(len(items)) - np.repeat(np.cumsum(per_node) - per_node, per_node)
    return first + within, items


def deal_bands(
    net: Network,
    quota: np.ndarray,
    tie: np.ndarray,
    n_customers: int,
    price: np.ndarray | None = None,
) -> np.ndarray:
    """The group arc of each customer position (-1: none) realising customers per band arc
    exactly: each band's top scores to its preferred arcs, then to the best ``rate − price`` (no
    price: the best rate), then fewer points per weight carried in (``tie``), then position; the
    band's surplus (its lowest scores) stays unassigned. With one score per band
    the order changes nothing but who gets which equal customer; on coarser bands it is what
    keeps priced reps (above their limits) on the lower scores."""
    chosen = np.full(n_customers, -1, dtype=np.int64)
    if not len(quota) or not quota.any():
        return chosen
    head = net.head
    net_rate = net.rate if price is None else net.rate - price[head]
    order = np.lexsort((head, tie[head], -net_rate, ~net.preferred, net.tail))
    order = order[quota[order] > 0]
    at, items = _hand_out(order, quota[order], net.tail[order], net.band_start)
    chosen[net.members[at]] = net.arc[items]
    return chosen
