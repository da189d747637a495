"""全局最优 (SPEC §3.5): exhaustive search on small problems, against 积分制, by hand."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator.strategies import REGISTRY, AssignmentProblem, AssignmentResult, get_strategy
from allocator.strategies import optimal as optimal_module

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
    )


def rate(p: AssignmentProblem, rep: int, cls: int) -> float:
    return float(optimal_module.expected_conversion(p, np.array([rep]), cls)[0])


def quality(p: AssignmentProblem, reps: Sequence[int]) -> tuple[int, int, float]:
    """(customers assigned, of them to a preferred candidate, Σ score × conversion)."""
    assigned = preferred = 0
    value = 0.0
    for customer, rep in enumerate(reps):
        if rep < 0:
            continue
        cls = int(p.customer_class[customer])
        candidates = p.class_candidates[cls].tolist()
        assigned += 1
        preferred += bool(p.class_preferred[cls][candidates.index(rep)])
        value += float(p.score[customer]) * rate(p, rep, cls)
    return assigned, preferred, round(value, 6)


def best(p: AssignmentProblem) -> tuple[int, int, float]:
    """Exhaustive: the best quality over every assignment within capacity."""
    options = [[-1, *p.class_candidates[int(c)].tolist()] for c in p.customer_class.tolist()]
    top = (0, 0, 0.0)
    for reps in itertools.product(*options):
        taken = np.bincount([r for r in reps if r >= 0], minlength=len(p.capacity))
        if (taken <= p.capacity).all():
            top = max(top, quality(p, reps))
    return top


def random_problem(rng: random.Random, *, max_n: int = 6, max_m: int = 3) -> AssignmentProblem:
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
    )


def run(name: str, p: AssignmentProblem) -> AssignmentResult:
    return get_strategy(name).assign(p)


@pytest.fixture
def no_fairness(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(optimal_module, "FAIRNESS_SLACK", math.inf)


@pytest.mark.usefixtures("no_fairness")
def test_matches_exhaustive_search() -> None:
    """Most customers assigned, then most to preferred candidates, then the largest expected
    value: exactly the exhaustive optimum (classes here have at most 6 distinct scores, so every
    band is exact)."""
    rng = random.Random(20261123)
    for _ in range(200):
        p = random_problem(rng)
        assert quality(p, run("optimal", p).rep.tolist()) == best(p)


@pytest.mark.usefixtures("no_fairness")
def test_never_worse_than_points() -> None:
    """Same ordering of goals as the exhaustive test: optimal is at least as good as points,
    and with as many customers assigned, to as many preferred reps, its value is at least
    points' value."""
    rng = random.Random(7)
    strictly_better = 0
    for _ in range(300):
        p = random_problem(rng, max_n=30, max_m=6)
        mine = quality(p, run("optimal", p).rep.tolist())
        theirs = quality(p, run("points", p).rep.tolist())
        assert mine >= theirs
        if mine[:2] == theirs[:2]:
            assert mine[2] >= theirs[2] - 1e-9
        strictly_better += mine > theirs
    assert strictly_better > 0


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
    assert quality(p, result.rep.tolist())[2] == 88


def test_without_history_maximises_score() -> None:
    # No rates at all: conversion counts as 1.0; the capacity-1 rep R1 must take the 90 (only
    # R1 can take class 1, so the flow sends the 80 of class 0 to R0 rather than leave it).
    p = problem([[0, 1], [1]], [0, 1, 0], [80, 90, 10], capacity=[1, 1])
    result = run("optimal", p)
    assert result.rep.tolist() == [0, 1, -1]
    assert result.figure.tolist()[:2] == [1.0, 1.0]


def test_fairness_spreads_the_points(monkeypatch: pytest.MonkeyPatch) -> None:
    """R0 converts far better, so without fairness it takes all it can; with the default
    slack nobody's points exceed 1.25 × the equal share of 10 × 40 / 2 = 200, i.e. 250."""
    p = problem(
        [[0, 1]],
        [0] * 10,
        [40] * 10,
        capacity=[10, 10],
        class_industry=[0],
        conversion=[[0.8], [0.2]],
    )
    result = run("optimal", p)
    points = np.bincount(result.rep, weights=p.score, minlength=2)
    assert points.tolist() == [240, 160]
    monkeypatch.setattr(optimal_module, "FAIRNESS_SLACK", math.inf)
    assert run("optimal", p).rep.tolist() == [0] * 10


def test_fairness_counts_balances_and_weights() -> None:
    """Pool = balances 100 + 0 + scores 300 = 400; weights 3:1 → shares 300 / 100, limits
    375 / 125. R1 converts better but already holds 100 points, so it gets one customer."""
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
    reps = run("optimal", p).rep.tolist()
    assert reps.count(1) == 0 or 100 + 50 * reps.count(1) <= 125
    assert reps.count(-1) == 0


def test_dealing_gives_high_scores_to_low_points() -> None:
    # Equal rates: the flow splits the class 2 / 2; R1 carries 100 points, so R0 is dealt the
    # 90 first and the rounds alternate R0, R1, R0, R1 over the scores 90, 70, 50, 30.
    p = problem(
        [[0, 1]],
        [0, 0, 0, 0],
        [30, 90, 50, 70],
        capacity=[2, 2],
        balance=[0.0, 100.0],
    )
    assert run("optimal", p).rep.tolist() == [1, 0, 0, 1]


def test_chinese_alias() -> None:
    assert get_strategy("全局最优") is REGISTRY["optimal"]
    assert get_strategy(" Optimal ").name == "optimal"


@st.composite
def problems(draw: st.DrawFn) -> AssignmentProblem:
    seed = draw(st.integers(0, 2**32 - 1))
    return random_problem(random.Random(seed), max_n=40, max_m=8)


@settings(max_examples=150, deadline=None)
@given(problems(), st.randoms(use_true_random=False))
def test_contract(p: AssignmentProblem, rnd: random.Random) -> None:
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
        else:
            assert all(taken[c] >= p.capacity[c] for c in candidates)
            assert np.isnan(result.figure[customer])
    # The order only breaks ties: with distinct scores any order gives the same result.
    if len(set(p.score.tolist())) == len(p.score):
        shuffled = p.order.tolist()
        rnd.shuffle(shuffled)
        other = AssignmentProblem(**{**p.__dict__, "order": np.asarray(shuffled, dtype=np.int64)})
        np.testing.assert_array_equal(run("optimal", other).rep, result.rep)
