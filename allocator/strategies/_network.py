"""The aggregated network of ``optimal``: bands of interchangeable customers, arcs to reps, the
min-cost flow over them and the dealing of the flow's counts back to customers.

Customers of classes with the same live candidates, preferred flags and industry have the same
options and rates, so they form one *group*. A group is split by score and value into *bands*:
one band per distinct (score, value) when it has few enough (then the network is exact),
otherwise equal-count slices whose mean score and value stand for the band (an approximation,
used only when the exact network would be too large). Customers of a band differ at most by
score and value, so the flow decides only *how many* of a band each rep takes;
:func:`deal_bands` decides who.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from .base import AssignmentProblem
from .fair_share import centipoints, live_candidates

__all__ = [
    "Network",
    "arcs_of_reps",
    "build_network",
    "customer_values",
    "deal_bands",
    "expected_conversion",
    "group_of_members",
    "pair_conversion",
    "quota_of",
    "rooms",
    "solve_flow",
]

VALUE_SCALE = 1000
"""``score × rate`` is rounded to integers at this scale for the flow's costs."""
_COST_LIMIT = 2**62


def customer_values(problem: AssignmentProblem) -> np.ndarray:
    """Per customer position: its value (``problem.value``; 0 where missing, NaN or negative)."""
    n = len(problem.customer_class)
    value = np.zeros(n)
    given = np.asarray(problem.value, dtype=float)[:n]
    value[: len(given)] = np.clip(np.nan_to_num(given, nan=0.0, posinf=0.0), 0.0, None)
    return value


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
    band_value: np.ndarray
    """Mean value of each band's customers (:func:`customer_values`)."""
    band_alike: np.ndarray
    """The band's customers all have the same score and value."""
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
    """Every band holds one score and value: the flow's figures are the true ones."""

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
    """The network for handing out ``customers`` (positions): one band per distinct (score,
    value) of a group when ``arc_budget`` (None: unlimited) allows as many bands per group as
    the group has of them, else that many equal-count slices (at least one per group)."""
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
    worth = customer_values(problem)
    by = np.lexsort((rank[customers], -worth[customers], -cents, group))
    members, group, cents = customers[by], group[by], cents[by]
    values = worth[members]

    n = len(members)
    first = np.r_[True, group[1:] != group[:-1]] if n else np.zeros(0, dtype=bool)
    changed = (cents[1:] != cents[:-1]) | (values[1:] != values[:-1])
    new_score = first | np.r_[True, changed] if n else first
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
        band_value=(
            np.bincount(band_of, weights=values, minlength=n_bands) / np.diff(band_start)
            if n_bands
            else np.zeros(0)
        ),
        band_alike=(cents[band_start[:-1]] == cents[band_start[1:] - 1])
        & (values[band_start[:-1]] == values[band_start[1:] - 1]),
        group_rep=group_rep,
        group_rate=pair_conversion(problem, np.repeat(example, n_arcs), group_rep),
        group_preferred=np.concatenate([g[1] for g in groups] or [np.zeros(0)]).astype(bool),
        group_of_arc=np.repeat(np.arange(len(groups), dtype=np.int64), n_arcs),
        tail=tail,
        arc=np.repeat(g_start[band_group], per_band) + offsets,
        capacity=capacity,
        exact=bool(exact_group.all()),
    )


LEVELS = ("value", "count", "score", "preferred")
"""What a flow can rank (:func:`solve_flow`): ``value`` ``Σ score × (rate − price)`` (plus a
weight × ``Σ value × rate``), ``count`` customers placed, ``score`` total score placed
(hundredths), ``preferred`` customers placed with a preferred rep."""
SCALES = (10**6, 10**5, 10**4, VALUE_SCALE)
"""Scales tried for ``value`` before the tie-breaks below it are given up."""


def _levels(
    net: Network, name: str, scale: float, price: np.ndarray, worth_weight: float
) -> np.ndarray:
    """Gain per band arc of level ``name``."""
    if name == "value":
        mean = np.maximum(net.band_mean[net.tail], 0.0)
        gain = mean * (net.rate - price[net.head])
        if worth_weight:
            gain = gain + worth_weight * net.band_value[net.tail] * net.rate
        return np.round(gain * scale).astype(np.int64)
    if name == "count":
        return np.ones(len(net.tail), dtype=np.int64)
    if name == "score":
        return centipoints(np.maximum(net.band_mean, 0.0))[net.tail]
    if name == "preferred":
        return net.preferred.astype(np.int64)
    raise ValueError(f"unknown level {name!r}")


def _multipliers(tops: list[int], length: int) -> list[int]:
    """A weight per level, highest first, such that one unit of a level outweighs any change of
    all levels below it on a cycle of at most ``length`` arcs."""
    weights = [1] * len(tops)
    for k in range(len(tops) - 2, -1, -1):
        below = sum(w * t for w, t in zip(weights[k + 1 :], tops[k + 1 :], strict=True))
        weights[k] = length * below + 1
    return weights


def solve_flow(
    net: Network,
    levels: tuple[str, ...],
    *,
    price: np.ndarray | None = None,
    worth_weight: float = 0.0,
    capacity: np.ndarray | None = None,
    allowed: np.ndarray | None = None,
    bypass: bool | np.ndarray = False,
    finest: int = SCALES[0],
) -> np.ndarray:
    """Customers per band arc in the flow that is best on ``levels`` (names of :data:`LEVELS`,
    most important first), each outweighing all below it.

    ``bypass`` lets a band's customers (all bands, or those flagged) stay out when that serves
    a level better; the others are all placed (they must be able to be). Without any bypass
    the flow is a maximum flow. ``price`` (per point, by rep) lowers ``value``,
    ``worth_weight`` (points per unit of value) adds ``Σ value × rate`` to it; ``capacity``
    replaces the reps' capacities and ``allowed`` (per band arc) closes the others.

    Weights must fit OR-Tools' 64-bit costs: on very large weeks ``value`` is rounded
    coarser (:data:`SCALES`, from ``finest`` on; coarser costs also solve faster), then the
    levels after ``value`` are given up from the last, then ``value`` is rounded coarser
    still."""
    n_bands, m = len(net.band_start) - 1, len(net.capacity)
    if not len(net.tail):
        return np.zeros(0, dtype=np.int64)
    price = np.zeros(m) if price is None else price
    length = 2 * min(n_bands, m) + 2
    nodes = n_bands + m + 2
    kept = list(levels)
    at_value = kept.index("value") if "value" in kept else len(kept)
    attempts = [(float(s), len(kept)) for s in SCALES if s <= finest]
    attempts += [(float(VALUE_SCALE), k) for k in range(len(kept) - 1, at_value, -1)]
    attempts += [(VALUE_SCALE / 10.0**k, min(at_value + 1, len(kept))) for k in range(1, 13)]
    for scale, keep in attempts:
        gains = [_levels(net, name, scale, price, worth_weight) for name in kept[:keep]]
        tops = [max(int(np.abs(g).max(initial=0)), 1) for g in gains]
        weights = _multipliers(tops, length)
        if sum(w * t for w, t in zip(weights, tops, strict=True)) * nodes * 4 < _COST_LIMIT:
            break
    else:  # pragma: no cover - only a scale of 1e-9 points per value unit gets here
        raise RuntimeError("the flow's costs do not fit 64-bit integers")
    cost = np.zeros(len(net.tail), dtype=np.int64)
    for weight, gain in zip(weights, gains, strict=True):
        cost -= weight * gain
    size = net.band_size
    most = size[net.tail] if allowed is None else np.where(allowed, size[net.tail], 0)
    flow = min_cost_flow.SimpleMinCostFlow()
    sink = n_bands + m
    arcs = flow.add_arcs_with_capacity_and_unit_cost(net.tail, net.head + n_bands, most, cost)
    free = net.capacity if capacity is None else np.clip(capacity, 0, net.capacity)
    flow.add_arcs_with_capacity_and_unit_cost(
        np.arange(m, dtype=np.int64) + n_bands,
        np.full(m, sink, dtype=np.int64),
        free.astype(np.int64),
        np.zeros(m, np.int64),
    )
    out = np.flatnonzero(np.broadcast_to(np.asarray(bypass, dtype=bool), (n_bands,)))
    if len(out):
        flow.add_arcs_with_capacity_and_unit_cost(
            out, np.full(len(out), sink, dtype=np.int64), size[out], np.zeros(len(out), np.int64)
        )
    flow.set_nodes_supplies(
        np.r_[np.arange(n_bands), sink].astype(np.int64),
        np.r_[size, -size.sum()].astype(np.int64),
    )
    status = flow.solve() if bypass is not False else flow.solve_max_flow_with_min_cost()
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
    exactly: each band's top scores to the best ``rate − price`` (no price: the best rate), then
    to preferred arcs, then to fewer points per weight carried in (``tie``), then by position;
    the band's surplus (its lowest scores) stays unassigned. A band of one score (all of an
    exact network) goes to preferred arcs first, as the order changes nothing but who gets
    which equal customer; on coarser bands the order puts the high scores where they convert
    best and keeps priced reps (above their limits) on the lower ones."""
    chosen = np.full(n_customers, -1, dtype=np.int64)
    if not len(quota) or not quota.any():
        return chosen
    head = net.head
    net_rate = net.rate if price is None else net.rate - price[head]
    # In a band of alike customers it makes no difference who takes which: its first ones (in
    # allocation order) go to preferred reps, which every strategy tries first.
    one = net.band_alike[net.tail]
    first_key = np.where(one, ~net.preferred, -net_rate)
    second_key = np.where(one, -net_rate, ~net.preferred)
    order = np.lexsort((head, tie[head], second_key, first_key, net.tail))
    order = order[quota[order] > 0]
    at, items = _hand_out(order, quota[order], net.tail[order], net.band_start)
    chosen[net.members[at]] = net.arc[items]
    return chosen


def rooms(net: Network, taken: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """With ``taken`` customers per rep — per group (as in ``group_of_arc``): a candidate has
    room, a preferred one has room; per group arc: it is *open*, i.e. preferred or of a group
    without a preferred rep who has room (every strategy tries preferred reps first)."""
    room = (np.asarray(taken) < net.capacity)[net.group_rep]
    n_groups = int(net.group_of_arc.max(initial=-1)) + 1
    has_room = np.zeros(n_groups, dtype=bool)
    has_room[net.group_of_arc[room]] = True
    expert_room = np.zeros(n_groups, dtype=bool)
    expert_room[net.group_of_arc[room & net.group_preferred]] = True
    return has_room, expert_room, net.group_preferred | ~expert_room[net.group_of_arc]


def group_of_members(net: Network) -> np.ndarray:
    """Group (as in ``group_of_arc``) of each entry of ``members``. Groups without a live
    candidate have neither members nor arcs, so the others follow in order."""
    return np.repeat(np.unique(net.group_of_arc), np.diff(net.group_start))


def arcs_of_reps(net: Network, rep: np.ndarray) -> np.ndarray:
    """The group arc of each customer position given its rep (-1: none); a rep that is not a
    live candidate of the customer's group is an error."""
    arc_of = np.full(len(rep), -1, dtype=np.int64)
    members = net.members
    reps = np.asarray(rep, dtype=np.int64)[members]
    given = reps >= 0
    if not given.any():
        return arc_of
    m = len(net.capacity)
    keys = net.group_of_arc * m + net.group_rep
    wanted = group_of_members(net)[given] * m + reps[given]
    sorter = np.argsort(keys, kind="stable")
    found = sorter[np.clip(np.searchsorted(keys, wanted, sorter=sorter), 0, len(keys) - 1)]
    if not (keys[found] == wanted).all():
        raise ValueError("a customer's rep is not one of its live candidates")
    arc_of[members[given]] = found
    return arc_of


def quota_of(net: Network, arc_of: np.ndarray) -> np.ndarray:
    """Customers per band arc of a dealing (group arc per customer position)."""
    band = np.repeat(np.arange(len(net.band_start) - 1, dtype=np.int64), net.band_size)
    arcs = np.asarray(arc_of, dtype=np.int64)[net.members]
    given = arcs >= 0
    # Band arcs list a band's group arcs in order: the k-th arc of its group is its k-th.
    band_arc_start = np.searchsorted(net.tail, np.arange(len(net.band_start) - 1))
    group_arc_start = np.searchsorted(net.group_of_arc, group_of_members(net)[given])
    index = band_arc_start[band[given]] + arcs[given] - group_arc_start
    return np.bincount(index, minlength=len(net.tail)).astype(np.int64)
