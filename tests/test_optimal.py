"""全局最优 (SPEC §3.5): exhaustive search on small problems, against 积分制, by hand."""

from __future__ import annotations

import dataclasses
import itertools
import math
import random
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator.strategies import REGISTRY, AssignmentProblem, AssignmentResult, get_strategy
from allocator.strategies import _exact as exact_module
from allocator.strategies import optimal as optimal_module
from allocator.strategies.fair_share import PPM, centipoints, fair_limits

RATES = [0.0, 0.2, 0.35, 0.5, 0.8]  # × an integer score × 1000 is an integer: no rounding


def problem(
    classes: Sequence[Sequence[int]],
    customer_class: Sequence[int],
    score: Sequence[float],
    *,
    capacity: Sequence[int],
    order: Sequence[int] | None = None,
    weight: Sequence[float] | None = None,
    balance: Sequence[float] | None = None,
    preferred: Sequence[Sequence[bool]] | None = None,
    class_industry: Sequence[int] = (),
    conversion: Sequence[Sequence[float]] = (),
    rep_conversion: Sequence[float] = (),
    value: Sequence[float] = (),
    slack: float = 0.25,
) -> AssignmentProblem:
    """Order = score descending, ties by position, unless given; all candidates preferred by
    default."""
    n, m = len(customer_class), len(capacity)
    if order is None:
        order = sorted(range(n), key=lambda c: (-score[c], c))
    return AssignmentProblem(
        order=np.asarray(order, dtype=np.int64),
        customer_class=np.asarray(customer_class, dtype=np.int64),
        score=np.asarray(score, dtype=float),
        class_candidates=tuple(np.asarray(c, dtype=np.int64) for c in classes),
        class_preferred=tuple(
            np.asarray(p, dtype=bool)
            for p in (preferred if preferred is not None else [[True] * len(c) for c in classes])
        ),
        capacity=np.asarray(capacity, dtype=np.int64),
        weight=np.asarray(weight if weight is not None else [1.0] * m, dtype=float),
        balance=np.asarray(balance if balance is not None else [0.0] * m, dtype=float),
        open_load=np.zeros(m, dtype=np.int64),
        class_industry=np.asarray(class_industry, dtype=np.int64),
        conversion=np.asarray(conversion, dtype=float) if len(conversion) else np.zeros((0, 0)),
        rep_conversion=np.asarray(rep_conversion, dtype=float),
        value=np.asarray(value, dtype=float),
        fairness_slack=slack,
    )


def rate(p: AssignmentProblem, rep: int, cls: int) -> float:
    return float(optimal_module.expected_conversion(p, np.array([rep]), cls)[0])


Quality = tuple[float, int, int, int]


def _options(p: AssignmentProblem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per customer and rep (last column: none): Σ-able value, preferred flag, candidate flag."""
    n, m = len(p.customer_class), len(p.capacity)
    value = np.zeros((n, m + 1))
    pref = np.zeros((n, m + 1), dtype=bool)
    candidate = np.zeros((n, m + 1), dtype=bool)
    for customer in range(n):
        cls = int(p.customer_class[customer])
        for rep, flag in zip(p.class_candidates[cls], p.class_preferred[cls], strict=True):
            pref[customer, rep] = bool(flag)
            candidate[customer, rep] = True
            value[customer, rep] = float(p.score[customer]) * rate(p, int(rep), cls)
    return value, pref, candidate


def worth(p: AssignmentProblem, assignments: np.ndarray) -> np.ndarray:
    """Per row: the expected won value Σ value × conversion, in thousandths (as optimal
    counts it)."""
    assignments = np.atleast_2d(np.asarray(assignments, dtype=np.int64))
    n, m = len(p.customer_class), len(p.capacity)
    units = np.zeros((n, m + 1), dtype=np.int64)
    value = np.zeros(n)
    value[: len(p.value)] = p.value
    for customer in range(n):
        cls = int(p.customer_class[customer])
        for rep in p.class_candidates[cls].tolist():
            units[customer, rep] = round(value[customer] * rate(p, rep, cls) * 1000)
    column = np.where(assignments >= 0, assignments, m)
    return units[np.arange(n), column].sum(axis=1)


def _received(p: AssignmentProblem, assignments: np.ndarray) -> np.ndarray:
    cents = centipoints(p.score)
    m = len(p.capacity)
    return np.stack([((assignments == r) * cents).sum(axis=1) for r in range(m)], axis=1)


def _scaled_excess(p: AssignmentProblem, received: np.ndarray) -> np.ndarray | None:
    """Per row and rep: PPM × hundredths received above the fairness limit (None: no limit)."""
    limits = fair_limits(p, p.order)
    if limits is None:
        return None
    over = PPM * (limits.balance + received) - limits.factor * (
        limits.base + received.sum(axis=1, keepdims=True)
    )
    return np.clip(over, 0, PPM * received)


def qualities(p: AssignmentProblem, assignments: np.ndarray) -> list[Quality]:
    """Per row of ``assignments`` (rep per customer, -1 none): Σ score × conversion, customers
    placed, their total score (hundredths), how many with a preferred rep."""
    assignments = np.atleast_2d(np.asarray(assignments, dtype=np.int64))
    n, m = len(p.customer_class), len(p.capacity)
    value, pref, _ = _options(p)
    column = np.where(assignments >= 0, assignments, m)
    rows = np.arange(n)
    total = value[rows, column].sum(axis=1)
    placed = _received(p, assignments).sum(axis=1)
    return [
        (round(float(v), 6), int(a), int(s), int(b))
        for v, a, s, b in zip(
            total,
            (assignments >= 0).sum(axis=1),
            placed,
            pref[rows, column].sum(axis=1),
            strict=True,
        )
    ]


def quality(p: AssignmentProblem, reps: Sequence[int] | np.ndarray) -> Quality:
    return qualities(p, np.asarray([reps]))[0]


def feasible(p: AssignmentProblem, assignments: np.ndarray) -> np.ndarray:
    """Per row: within capacity, with candidates only, work-conserving, preferred reps first,
    no rep further above its fairness limit than 积分制 puts it, and an expected won value at
    least 积分制's (SPEC §3.5, ``optimal``)."""
    assignments = np.atleast_2d(np.asarray(assignments, dtype=np.int64))
    n, m = len(p.customer_class), len(p.capacity)
    _, pref, candidate = _options(p)
    rows = np.arange(n)
    column = np.where(assignments >= 0, assignments, m)
    ok = candidate[rows, column].all(axis=1, where=assignments >= 0)
    taken = np.stack([(assignments == r).sum(axis=1) for r in range(m)], axis=1)
    ok &= (taken <= p.capacity).all(axis=1)
    full = np.c_[taken >= p.capacity, np.ones(len(assignments), dtype=bool)]
    segment = np.isin(np.arange(n), p.order)
    for customer in range(n):
        reps = np.flatnonzero(candidate[customer, :m])
        experts = np.flatnonzero(pref[customer, :m])
        if not segment[customer]:
            ok &= assignments[:, customer] == -1
            continue
        left_out = assignments[:, customer] == -1
        ok &= ~left_out | full[:, reps].all(axis=1)
        outsider = (assignments[:, customer] >= 0) & ~pref[customer, column[:, customer]]
        ok &= ~outsider | full[:, experts].all(axis=1)
    theirs = np.asarray([run("points", p).rep])
    excess = _scaled_excess(p, _received(p, assignments))
    if excess is not None:
        allowance = _scaled_excess(p, _received(p, theirs))
        assert allowance is not None
        ok &= (excess <= allowance).all(axis=1)
    ok &= worth(p, assignments) >= worth(p, theirs)[0]
    return np.asarray(ok, dtype=bool)


def best(p: AssignmentProblem) -> Quality:
    """Exhaustive: the best quality over every feasible hand-out of the segment."""
    segment = set(p.order.tolist())
    options = [
        [-1, *p.class_candidates[int(c)].tolist()] if i in segment else [-1]
        for i, c in enumerate(p.customer_class.tolist())
    ]
    every = np.array(list(itertools.product(*options)), dtype=np.int64)
    if every.shape[1] == 0:
        return (0.0, 0, 0, 0)
    return max(qualities(p, every[feasible(p, every)]))


def random_problem(
    rng: random.Random, *, max_n: int = 6, max_m: int = 3, slack: float | None = None
) -> AssignmentProblem:
    m = rng.randint(1, max_m)
    n = rng.randint(0, max_n)
    k = rng.randint(1, 3)
    n_ind = rng.randint(0, 2)
    classes = [sorted(rng.sample(range(m), rng.randint(0, m))) for _ in range(k)]
    score = [rng.choice([rng.randint(0, 100), 50]) for _ in range(n)]
    return problem(
        classes,
        [rng.randrange(k) for _ in range(n)],
        score,
        capacity=[rng.randint(0, 3) for _ in range(m)],
        weight=[rng.choice([0.5, 1.0, 2.0]) for _ in range(m)],
        balance=[rng.choice([0.0, 0.0, 30.0, 120.0]) for _ in range(m)],
        preferred=[[rng.random() < 0.7 for _ in c] for c in classes],
        class_industry=[rng.randint(-1, n_ind - 1) for _ in range(k)],
        conversion=[[rng.choice(RATES) for _ in range(n_ind)] for _ in range(m)],
        rep_conversion=[rng.choice(RATES) for _ in range(m)] if rng.random() < 0.8 else [],
        value=[rng.choice([0, 1000, 5000, 20000, 80000]) for _ in range(n)]
        if rng.random() < 0.7
        else [],
        slack=rng.choice([0.0, 0.25, 0.25, 1.0, math.inf]) if slack is None else slack,
    )


def run(name: str, p: AssignmentProblem) -> AssignmentResult:
    return get_strategy(name).assign(p)


def points_of(p: AssignmentProblem, reps: np.ndarray) -> list[float]:
    given = reps >= 0
    return np.bincount(reps[given], weights=p.score[given], minlength=len(p.capacity)).tolist()


# --- optimality --------------------------------------------------------------------------------


def test_matches_exhaustive_search() -> None:
    """The largest Σ score × conversion of every feasible hand-out (within capacity,
    work-conserving, preferred reps first, nobody further above its fairness limit than 积分制
    puts it), then most placed, best scores, most with preferred reps: exactly the exhaustive
    optimum, whatever the slack (0, 0.25, 1 or off)."""
    rng = random.Random(20261123)
    for _ in range(250):
        p = random_problem(rng)
        reps = run("optimal", p).rep
        assert feasible(p, reps)[0], p
        assert quality(p, reps) == best(p), p


def test_matches_exhaustive_search_on_a_segment() -> None:
    """Only the customers of ``order`` are handed out (the others belong to another strategy
    or were referred), and the optimum is over them alone."""
    rng = random.Random(5)
    for _ in range(80):
        p = random_problem(rng, max_n=7)
        keep = [c for c in p.order.tolist() if rng.random() < 0.6]
        p = dataclasses.replace(p, order=np.asarray(keep, dtype=np.int64))
        reps = run("optimal", p).rep
        assert all(reps[c] == -1 for c in range(len(reps)) if c not in keep)
        assert feasible(p, reps)[0], p
        assert quality(p, reps) == best(p)


def test_never_worse_than_points() -> None:
    """积分制's hand-out is feasible, so optimal's expected value — and its expected won value,
    a constraint — are never below points'; the expected value is strictly above on many
    inputs."""
    rng = random.Random(7)
    strictly_better = 0
    for _ in range(300):
        p = random_problem(rng, max_n=8, max_m=3)
        theirs = run("points", p).rep
        assert feasible(p, theirs)[0]
        reps = run("optimal", p).rep
        mine = quality(p, reps)
        assert mine >= quality(p, theirs)
        assert worth(p, reps)[0] >= worth(p, theirs)[0]
        strictly_better += mine[0] > quality(p, theirs)[0]
    assert strictly_better > 20  # 23 of these 300 when written


def test_greedy_points_is_beaten() -> None:
    """R0 converts Retail at .8 and Tech at .2, R1 the reverse; both take one customer.
    Points hands the first customer (Tech, 60) to R0 by position and the Retail one to R1:
    60 × .2 + 50 × .2 = 22. Optimal swaps them: 60 × .8 + 50 × .8 = 88, and both reps stay
    within fairness (fair share 55 each, limit 68.75)."""
    p = problem(
        [[0, 1], [0, 1]],
        [0, 1],
        [50, 60],
        capacity=[1, 1],
        class_industry=[0, 1],
        conversion=[[0.8, 0.2], [0.2, 0.8]],
    )
    assert run("points", p).rep.tolist() == [1, 0]
    result = run("optimal", p)
    assert result.rep.tolist() == [0, 1]
    assert result.figure.tolist() == [0.8, 0.8]
    assert quality(p, result.rep)[0] == 88


def test_without_history_maximises_score() -> None:
    # No rates at all: conversion counts as 1.0; the capacity-1 rep R1 must take the 90 (only
    # R1 can take class 1, so the flow sends the 80 of class 0 to R0 rather than leave it).
    p = problem([[0, 1], [1]], [0, 1, 0], [80, 90, 10], capacity=[1, 1], slack=math.inf)
    result = run("optimal", p)
    assert result.rep.tolist() == [0, 1, -1]
    assert result.figure.tolist()[:2] == [1.0, 1.0]


# --- fairness ----------------------------------------------------------------------------------


def test_fairness_spreads_the_points() -> None:
    """R0 converts far better, so without a limit it takes all it can; with the default slack
    nobody's points exceed 1.25 × the equal share of 10 × 40 / 2 = 200, i.e. 250."""
    p = problem(
        [[0, 1]],
        [0] * 10,
        [40] * 10,
        capacity=[10, 10],
        class_industry=[0],
        conversion=[[0.8], [0.2]],
    )
    assert points_of(p, run("optimal", p).rep) == [240, 160]
    unlimited = dataclasses.replace(p, fairness_slack=math.inf)
    assert run("optimal", unlimited).rep.tolist() == [0] * 10


def test_fairness_counts_balances_and_weights() -> None:
    """Pool = balances 100 + 0 + scores 300 = 400; weights 3:1 → shares 300 / 100, limits
    375 / 125. R1 converts better but already holds 100 points: it may receive 25 more, less
    than one customer, so R0 takes all six."""
    p = problem(
        [[0, 1]],
        [0] * 6,
        [50] * 6,
        capacity=[6, 6],
        weight=[3.0, 1.0],
        balance=[0.0, 100.0],
        class_industry=[0],
        conversion=[[0.2], [0.5]],
    )
    result = run("optimal", p)
    assert result.rep.tolist() == [0] * 6
    assert not result.detail["over"].any()


def test_over_the_limit_gets_the_lowest_scores() -> None:
    """R1 converts better but carries 100 points. Shares of 100 + 240 are 170, limits 212.5:
    R1 may receive 112.5 more, so of the four scores it takes the 30 and the 70 (100 points,
    the most value within its room) and R0 the 90 and the 50."""
    p = problem(
        [[0, 1]],
        [0, 0, 0, 0],
        [30, 90, 50, 70],
        capacity=[2, 2],
        balance=[0.0, 100.0],
        class_industry=[0],
        conversion=[[0.2], [0.8]],
    )
    assert run("optimal", p).rep.tolist() == [1, 0, 0, 1]


def test_limit_gives_way_where_points_also_goes_above() -> None:
    """R0 alone covers the first region (eight customers): 积分制 gives it all eight, above
    1.25 × its share, as no customer is left out while a candidate has room. So may optimal;
    R0 is flagged, and R1 still gets the other region's customer."""
    p = problem([[0], [1]], [0] * 8 + [1], [50] * 9, capacity=[10, 10])
    result = run("optimal", p)
    assert result.rep.tolist() == [0] * 8 + [1]
    assert result.detail["over"].tolist() == [True] * 8 + [False]


def test_priced_flow_keeps_large_weeks_within_the_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the exact solver (as on a large week), steering alone moves the best
    converter's customers and high scores to the others until every rep is within its limit:
    R0 converts best in all three industries and would take everything."""
    monkeypatch.setattr(optimal_module, "EXACT_ARCS", 0)
    rng = random.Random(0)
    classes = [rng.randrange(3) for _ in range(90)]
    scores = [rng.randint(20, 100) for _ in range(90)]
    p = problem(
        [[0, 1, 2]] * 3,
        classes,
        scores,
        capacity=[60, 60, 60],
        class_industry=[0, 1, 2],
        conversion=[[0.9, 0.7, 0.6], [0.4, 0.5, 0.3], [0.3, 0.2, 0.45]],
    )
    unlimited = run("optimal", dataclasses.replace(p, fairness_slack=math.inf))
    assert points_of(p, unlimited.rep)[0] > 1.25 * sum(scores) / 3  # R0 alone is over
    result = run("optimal", p)
    limits = fair_limits(p, p.order)
    assert limits is not None
    received = np.bincount(result.rep, weights=centipoints(p.score), minlength=3)
    assert not limits.scaled_excess(received.astype(np.int64)).any()
    assert (result.rep >= 0).all()
    assert min(points_of(p, result.rep)) > 0


def test_zero_slack_means_exactly_the_share() -> None:
    p = problem([[0, 1]], [0] * 4, [25] * 4, capacity=[4, 4], conversion=[[0.9], [0.1]],
                class_industry=[0], slack=0.0)  # fmt: skip
    assert points_of(p, run("optimal", p).rep) == [50, 50]


def test_negative_or_nan_slack_is_refused() -> None:
    with pytest.raises(ValueError, match="fairness_slack must be >= 0"):
        problem([[0]], [0], [10], capacity=[1], slack=-0.1)
    with pytest.raises(ValueError, match="fairness_slack must be >= 0"):
        problem([[0]], [0], [10], capacity=[1], slack=math.nan)


@st.composite
def problems(draw: st.DrawFn) -> AssignmentProblem:
    seed = draw(st.integers(0, 2**32 - 1))
    return random_problem(random.Random(seed), max_n=40, max_m=8)


@settings(max_examples=60, deadline=None)
@given(problems())
def test_flow_path_is_feasible_and_never_below_points(p: AssignmentProblem) -> None:
    """Without the exact solver (as on a large week) the result still meets every constraint —
    the steered flows' or else 积分制's own hand-out — and its value is never below 积分制's."""
    saved = optimal_module.EXACT_ARCS
    optimal_module.EXACT_ARCS = 0
    try:
        reps = run("optimal", p).rep
    finally:
        optimal_module.EXACT_ARCS = saved
    assert feasible(p, reps)[0]
    assert quality(p, reps) >= quality(p, run("points", p).rep)


# --- reasons -----------------------------------------------------------------------------------


def test_detail_names_rank_best_and_why() -> None:
    """Four customers of 40, limits 1.25 × 160 / 3 ≈ 66.7. R0 (.8) has room for one customer
    and is full after it; R1 (.5) and R2 (.3) share the rest, R1 taking two (the excess is the
    same either way and R1 converts better). R1's customers rank 2 behind a full R0; R2's rank
    3, R0 full and R1 without room."""
    p = problem(
        [[0, 1, 2]],
        [0, 0, 0, 0],
        [40, 40, 40, 40],
        capacity=[1, 5, 5],
        class_industry=[0],
        conversion=[[0.8], [0.5], [0.3]],
    )
    result = run("optimal", p)
    reps = result.rep.tolist()
    assert sorted(reps) == [0, 1, 1, 2]
    detail = result.detail
    seen = {
        rep: (detail["rank"][i], detail["why"][i], detail["left"][i], bool(detail["over"][i]))
        for i, rep in enumerate(reps)
    }
    assert seen == {0: (1, "", 0, False), 1: (2, "full", 3, True), 2: (3, "full_fair", 4, False)}
    assert set(detail["best"].tolist()) == {0.8}


def test_detail_compares_only_experts_when_an_expert_took_it() -> None:
    """Under industry preference the sentence counts the reps who know the industry; the
    better-converting non-expert does not make the expert second."""
    p = problem(
        [[0, 1]],
        [0],
        [50],
        capacity=[1, 1],
        preferred=[[False, True]],
        class_industry=[0],
        conversion=[[0.9], [0.4]],
    )
    result = run("optimal", p)
    assert result.rep.tolist() == [1]
    assert (result.detail["rank"][0], result.detail["best"][0]) == (1, 0.4)


def test_chinese_alias() -> None:
    assert get_strategy("全局最优") is REGISTRY["optimal"]
    assert get_strategy(" Optimal ").name == "optimal"


@settings(max_examples=100, deadline=None)
@given(problems())
def test_contract(p: AssignmentProblem) -> None:
    # The contract holds however long the exact solver may work; keep its budget short here.
    saved = exact_module.WORK_LIMIT
    exact_module.WORK_LIMIT = 0.1
    try:
        _check_contract(p)
    finally:
        exact_module.WORK_LIMIT = saved


def _check_contract(p: AssignmentProblem) -> None:
    result = run("optimal", p)
    again = run("optimal", p)
    np.testing.assert_array_equal(result.rep, again.rep)
    np.testing.assert_array_equal(result.figure, again.figure)
    taken = np.bincount(result.rep[result.rep >= 0], minlength=len(p.capacity))
    assert (taken <= p.capacity).all()
    for customer, rep in enumerate(result.rep.tolist()):
        cls = int(p.customer_class[customer])
        candidates = p.class_candidates[cls].tolist()
        if rep >= 0:
            assert rep in candidates
            assert 0.0 <= result.figure[customer] <= 1.0
            assert result.figure[customer] == rate(p, rep, cls)
            assert result.detail["rank"][customer] >= 1
            assert result.detail["left"][customer] == p.capacity[rep] - taken[rep]
        else:
            assert all(taken[c] >= p.capacity[c] for c in candidates)
            assert np.isnan(result.figure[customer])
            assert result.detail["why"][customer] == ""
    assert feasible(p, result.rep)[0]
    assert quality(p, result.rep) >= quality(p, run("points", p).rep)
