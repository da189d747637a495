"""The swaps that bring a large week's reps within their fairness allowances (``_repair``) and
the flow path of ``optimal`` (no exact solver) that ends with them."""

from __future__ import annotations

import dataclasses
import math
import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from test_optimal import (
    AssignmentProblem,
    best,
    feasible,
    optimal_module,
    problem,
    quality,
    random_problem,
    run,
)

from allocator.strategies._network import Network, arcs_of_reps, build_network
from allocator.strategies._repair import repair
from allocator.strategies.fair_share import PPM, centipoints, fair_limits


def _repaired(p: AssignmentProblem, reps: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """The reps per customer before and after the swaps, with no allowance above the limits."""
    net = build_network(p, p.order, arc_budget=None)
    limits = fair_limits(p, p.order)
    assert limits is not None
    arc_of = arcs_of_reps(net, np.asarray(reps))
    allowance = np.zeros(len(p.capacity), dtype=np.int64)
    after = repair(net, limits, allowance, centipoints(p.score), arc_of)
    chosen = np.full(len(reps), -1)
    chosen[after >= 0] = net.group_rep[after[after >= 0]]
    return np.asarray(reps), chosen


def _excess(p: AssignmentProblem, reps: np.ndarray) -> np.ndarray:
    limits = fair_limits(p, p.order)
    assert limits is not None
    given = reps >= 0
    received = np.bincount(reps[given], weights=centipoints(p.score)[given], minlength=2)
    return limits.scaled_excess(received.astype(np.int64)) / PPM


def test_swap_within_a_group() -> None:
    """R0 holds the 90 and the 80 (170 points against a limit of 1.25 × 130 = 162.5); R1 holds
    the 60 and the 30. Swapping the 80 for the 30 (50 points) settles it; both keep two."""
    p = problem([[0, 1]], [0, 0, 0, 0], [90, 80, 60, 30], capacity=[2, 2])
    before, after = _repaired(p, [0, 0, 1, 1])
    assert _excess(p, before)[0] > 0
    assert after.tolist() == [0, 1, 1, 0]
    assert not _excess(p, after).any()


def test_swap_across_groups() -> None:
    """The two reps share no group of customers with a lower score, so R0 gives its 80 of
    class 0 for R1's 30 of class 1: both reps may take both classes."""
    p = problem(
        [[0, 1], [0, 1]],
        [0, 0, 0, 1],
        [90, 80, 60, 30],
        capacity=[2, 2],
        class_industry=[0, 1],
        conversion=[[0.5, 0.5], [0.5, 0.5]],
    )
    _, after = _repaired(p, [0, 0, 1, 1])
    assert after.tolist() == [0, 1, 1, 0]


def test_no_swap_onto_a_rep_outside_the_industry_while_an_expert_has_room() -> None:
    """R1 does not know class 0's industry and R2, who does, has room: R0's 80 may not go to
    R1, and R2 has nothing lower to give, so R0 stays over."""
    p = problem(
        [[0, 1, 2], [0, 1]],
        [0, 0, 1, 1],
        [90, 80, 60, 30],
        capacity=[2, 2, 1],
        preferred=[[True, False, True], [True, True]],
    )
    before, after = _repaired(p, [0, 0, 1, 1])
    assert after.tolist() == before.tolist()


def _arc_excess(p: AssignmentProblem, net: Network, arcs: np.ndarray) -> np.ndarray:
    """Per rep: PPM × hundredths above the fairness limit, for a dealing by group arc."""
    limits = fair_limits(p, p.order)
    assert limits is not None
    given = arcs >= 0
    received = np.bincount(
        net.group_rep[arcs[given]],
        weights=centipoints(p.score)[given],
        minlength=len(p.capacity),
    )
    return limits.scaled_excess(received.astype(np.int64))


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_swaps_keep_every_count_and_never_add_excess(seed: int) -> None:
    """From 积分制's or the capacity-only optimum's dealing: every group and rep keeps its
    count, no rep that was within its limit goes over, and the total excess never grows."""
    rng = random.Random(seed)
    p = random_problem(rng, max_n=30, max_m=6, slack=rng.choice([0.0, 0.25]))
    unlimited = run("optimal", dataclasses.replace(p, fairness_slack=math.inf))
    net = build_network(p, p.order, arc_budget=None)
    limits = fair_limits(p, p.order)
    assert limits is not None
    allowance = np.zeros(len(p.capacity), dtype=np.int64)
    for reps in (run("points", p).rep, unlimited.rep):
        arc_of = arcs_of_reps(net, reps)
        after = repair(net, limits, allowance, centipoints(p.score), arc_of)
        assert (after >= 0).tolist() == (arc_of >= 0).tolist()
        for key in (net.group_of_arc, net.group_rep):
            size = int(key.max(initial=0)) + 1
            count = np.bincount(key[arc_of[arc_of >= 0]], minlength=size)
            assert np.bincount(key[after[after >= 0]], minlength=size).tolist() == count.tolist()
        was, now = _arc_excess(p, net, arc_of), _arc_excess(p, net, after)
        assert not (now[was == 0] > 0).any()
        assert now.sum() <= was.sum()


def test_flow_path_reaches_the_optimum_on_small_weeks() -> None:
    """Without the exact solver — steered flows, swaps, 积分制 as the fallback — the expected
    value on 200 small weeks is the exhaustive optimum's on at least 95 % of them."""
    rng = random.Random(3)
    reached = 0
    saved = optimal_module.EXACT_ARCS
    try:
        for _ in range(200):
            p = random_problem(rng, max_n=8, max_m=3)
            optimal_module.EXACT_ARCS = 0
            reps = run("optimal", p).rep
            optimal_module.EXACT_ARCS = saved
            assert feasible(p, reps)[0]
            reached += abs(quality(p, reps)[0] - best(p)[0]) < 1e-6
    finally:
        optimal_module.EXACT_ARCS = saved
    assert reached >= 190  # 200 when written


def test_flow_path_beats_points_on_larger_weeks() -> None:
    """On 200 weeks of up to 40 customers and 8 reps, the flow path's expected value is
    strictly above 积分制's on many (54 when written) and never below."""
    rng = random.Random(11)
    better = 0
    saved = optimal_module.EXACT_ARCS
    optimal_module.EXACT_ARCS = 0
    try:
        for _ in range(200):
            p = random_problem(rng, max_n=40, max_m=8)
            mine, theirs = quality(p, run("optimal", p).rep), quality(p, run("points", p).rep)
            assert mine >= theirs
            better += mine[0] > theirs[0]
    finally:
        optimal_module.EXACT_ARCS = saved
    assert better >= 40
