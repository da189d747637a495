"""积分制 (SPEC §3.5 ``points``) on hand-made AssignmentProblem arrays."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator.errors import SettingsError
from allocator.strategies import AssignmentProblem, AssignmentResult, get_strategy
from allocator.strategies.points import PointsStrategy


def problem(
    score: Sequence[float],
    classes: Sequence[Sequence[int]],
    *,
    capacity: Sequence[int],
    customer_class: Sequence[int] | None = None,
    order: Sequence[int] | None = None,
    weight: Sequence[float] | None = None,
    balance: Sequence[float] | None = None,
    preferred: Sequence[Sequence[bool]] | None = None,
) -> AssignmentProblem:
    """A problem with customers in score order unless ``order`` says otherwise; every customer
    in class 0 unless ``customer_class`` says otherwise; all candidates preferred by default."""
    n, m = len(score), len(capacity)
    if order is None:
        order = sorted(range(n), key=lambda i: (-score[i], i))
    return AssignmentProblem(
        order=np.asarray(order, dtype=np.int64),
        customer_class=np.asarray(
            customer_class if customer_class is not None else [0] * n, dtype=np.int64
        ),
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
    )


def assign(p: AssignmentProblem) -> AssignmentResult:
    return PointsStrategy().assign(p)


def owners(p: AssignmentProblem) -> list[int]:
    return assign(p).rep.tolist()


def test_registry_finds_points_by_english_and_chinese_name() -> None:
    assert isinstance(get_strategy("points"), PointsStrategy)
    assert isinstance(get_strategy(" Points "), PointsStrategy)
    assert isinstance(get_strategy("积分制"), PointsStrategy)
    with pytest.raises(SettingsError, match="did you mean 'points'"):
        get_strategy("pionts")


def test_fewest_points_wins_and_is_charged_the_score() -> None:
    p = problem([30.0], [[0, 1, 2]], capacity=[5, 5, 5], balance=[10.0, 4.0, 7.0])
    result = assign(p)
    assert result.rep.tolist() == [1]
    assert result.figure.tolist() == [4.0]  # the winner's points before the charge


def test_charge_moves_the_next_customer_on() -> None:
    # Rep 1 starts lowest (4), takes 30 → 34; the next customer goes to rep 2 (7), who takes
    # 20 → 27; then rep 0 (10).
    p = problem([30.0, 20.0, 5.0], [[0, 1, 2]], capacity=[5, 5, 5], balance=[10.0, 4.0, 7.0])
    result = assign(p)
    assert result.rep.tolist() == [1, 2, 0]
    assert result.figure.tolist() == [4.0, 7.0, 10.0]


def test_points_are_divided_by_weight() -> None:
    # Rep 0: 30/1 = 30; rep 1: 40/2 = 20 → rep 1 wins despite more points.
    p = problem([10.0], [[0, 1]], capacity=[5, 5], balance=[30.0, 40.0], weight=[1.0, 2.0])
    assert owners(p) == [1]
    # A heavier rep takes proportionally more: weight 3 vs 1, equal scores of 10.
    p = problem([10.0] * 8, [[0, 1]], capacity=[8, 8], weight=[1.0, 3.0])
    assert np.bincount(owners(p), minlength=2).tolist() == [2, 6]


def test_ties_go_to_the_lower_position() -> None:
    p = problem([10.0, 10.0, 10.0, 10.0], [[2, 0, 1]], capacity=[5, 5, 5])
    assert owners(p) == [0, 1, 2, 0]
    # Candidate order in the class does not matter, only the rep's position.
    p = problem([10.0], [[2, 1]], capacity=[5, 5, 5])
    assert owners(p) == [1]


def test_capacity_is_never_exceeded() -> None:
    p = problem([50.0, 40.0, 30.0, 20.0, 10.0], [[0, 1]], capacity=[2, 1])
    result = assign(p)
    assert result.rep.tolist() == [0, 1, 0, -1, -1]
    assert np.isnan(result.figure[3:]).all()


def test_zero_capacity_rep_gets_nothing() -> None:
    p = problem([10.0, 10.0], [[0, 1]], capacity=[0, 2], balance=[-100.0, 0.0])
    assert owners(p) == [1, 1]


def test_preferred_reps_first() -> None:
    # Rep 0 has fewer points but does not match the industry: rep 1 takes the customers while
    # it has capacity, then rep 0.
    p = problem(
        [10.0, 10.0, 10.0],
        [[0, 1]],
        capacity=[5, 2],
        balance=[0.0, 100.0],
        preferred=[[False, True]],
    )
    assert owners(p) == [1, 1, 0]


def test_class_without_candidates_stays_unassigned() -> None:
    p = problem([80.0, 10.0], [[], [0]], capacity=[5], customer_class=[0, 1])
    result = assign(p)
    assert result.rep.tolist() == [-1, 0]
    assert np.isnan(result.figure[0])
    assert result.figure[1] == 0.0


def test_allocation_follows_the_given_order() -> None:
    # The strategy hands out in ``order``, not by position or score: customer 2 first.
    p = problem([10.0, 90.0, 50.0], [[0, 1]], capacity=[1, 1], order=[2, 0, 1])
    assert owners(p) == [1, -1, 0]


def test_charges_carry_across_classes() -> None:
    # Rep 0 is charged 100 through class 0; class 1 (built later) must see it.
    p = problem(
        [100.0, 10.0, 10.0],
        [[0], [0, 1]],
        capacity=[5, 5],
        customer_class=[0, 1, 1],
        balance=[0.0, 50.0],
    )
    assert owners(p) == [0, 1, 1]  # 100 > 50, then 100 > 60


def test_empty_problem() -> None:
    result = assign(problem([], [], capacity=[3]))
    assert result.rep.tolist() == []
    assert result.figure.tolist() == []


def test_does_not_mutate_the_problem() -> None:
    p = problem([10.0, 20.0], [[0, 1]], capacity=[1, 1], balance=[1.0, 2.0])
    assign(p)
    assert p.capacity.tolist() == [1, 1]
    assert p.balance.tolist() == [1.0, 2.0]


def test_six_customers_three_reps_by_hand() -> None:
    """Reps: R0 weight 1, balance 0, capacity 3; R1 weight 2, balance 10, capacity 2;
    R2 weight 1, balance 5, capacity 1. Class 0 = {R0, R1, R2}, class 1 = {R1, R2}, class 2 =
    {R0}. Keys are points / weight:

    | step | customer (score, class) | keys R0 / R1 / R2      | winner             |
    |------|-------------------------|------------------------|--------------------|
    | 1    | p1 (50, 0)              | 0 / 5 / 5              | R0 → 50            |
    | 2    | p3 (40, 0)              | 50 / 5 / 5 (tie)       | R1 → 50 (key 25)   |
    | 3    | p0 (30, 0)              | 50 / 25 / 5            | R2 → 35, full      |
    | 4    | p4 (20, 0)              | 50 / 25 / –            | R1 → 70, full      |
    | 5    | p2 (10, 1)              | – / – / –              | none (-1)          |
    | 6    | p5 (5, 2)               | 50 / – / –             | R0 → 55            |
    """
    p = problem(
        score=[30.0, 50.0, 10.0, 40.0, 20.0, 5.0],
        classes=[[0, 1, 2], [1, 2], [0]],
        customer_class=[0, 0, 1, 0, 0, 2],
        capacity=[3, 2, 1],
        weight=[1.0, 2.0, 1.0],
        balance=[0.0, 10.0, 5.0],
    )
    np.testing.assert_array_equal(p.order, [1, 3, 0, 4, 2, 5])
    result = assign(p)
    assert result.rep.tolist() == [2, 0, -1, 1, 1, 0]
    np.testing.assert_array_equal(result.figure, [5.0, 0.0, np.nan, 10.0, 50.0, 50.0])
    charged = np.bincount(
        result.rep[result.rep >= 0], weights=p.score[result.rep >= 0], minlength=3
    )
    assert (p.balance + charged).tolist() == [55.0, 70.0, 35.0]


def reference(p: AssignmentProblem) -> list[int]:
    """The rule of SPEC §3.5 written plainly: per customer in order, among candidates with
    capacity left, the minimum of (not preferred, points / weight, position)."""
    capacity = p.capacity.astype(int).tolist()
    points = p.balance.astype(float).tolist()
    chosen = [-1] * len(p.score)
    for customer in p.order.tolist():
        cls = p.customer_class[customer]
        options = [
            (not pref, points[rep] / p.weight[rep], rep)
            for rep, pref in zip(
                p.class_candidates[cls].tolist(), p.class_preferred[cls].tolist(), strict=True
            )
            if capacity[rep] > 0
        ]
        if options:
            rep = min(options)[2]
            chosen[customer] = rep
            points[rep] += float(p.score[customer])
            capacity[rep] -= 1
    return chosen


@st.composite
def problems(draw: st.DrawFn) -> AssignmentProblem:
    m = draw(st.integers(1, 5))
    n = draw(st.integers(0, 30))
    k = draw(st.integers(1, 4))
    classes = [draw(st.lists(st.integers(0, m - 1), unique=True, max_size=m)) for _ in range(k)]
    preferred = [draw(st.lists(st.booleans(), min_size=len(c), max_size=len(c))) for c in classes]
    score = draw(
        st.lists(st.sampled_from([0.0, 5.0, 12.5, 20.0, 40.0, 75.0]), min_size=n, max_size=n)
    )
    return problem(
        score,
        [sorted(c) for c in classes],
        preferred=[
            [pref for _, pref in sorted(zip(c, f, strict=True))]
            for c, f in zip(classes, preferred, strict=True)
        ],
        customer_class=draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)),
        capacity=draw(st.lists(st.integers(0, 6), min_size=m, max_size=m)),
        weight=draw(st.lists(st.sampled_from([0.5, 1.0, 2.0, 3.0]), min_size=m, max_size=m)),
        balance=draw(st.lists(st.sampled_from([0.0, 10.0, 25.0, -5.0]), min_size=m, max_size=m)),
    )


@settings(max_examples=200, deadline=None)
@given(problems())
def test_matches_the_plain_rule(p: AssignmentProblem) -> None:
    result = assign(p)
    assert result.rep.tolist() == reference(p)
    taken = np.bincount(result.rep[result.rep >= 0], minlength=len(p.capacity))
    assert (taken <= p.capacity).all()
    for customer, rep in enumerate(result.rep.tolist()):
        if rep >= 0:
            assert rep in p.class_candidates[p.customer_class[customer]].tolist()
