"""轮询, 权重轮询, 负载均衡, 绩效 (SPEC §3.5) by hand; properties of every registered strategy."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import TypeVar

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator.errors import SettingsError
from allocator.strategies import (
    ALIASES,
    REGISTRY,
    AssignmentProblem,
    AssignmentResult,
    get_strategy,
)

NAN = math.nan
T = TypeVar("T")


def problem(
    classes: Sequence[Sequence[int]],
    customer_class: Sequence[int],
    *,
    capacity: Sequence[int],
    order: Sequence[int] | None = None,
    weight: Sequence[float] | None = None,
    open_load: Sequence[int] | None = None,
    preferred: Sequence[Sequence[bool]] | None = None,
    class_industry: Sequence[int] = (),
    conversion: Sequence[Sequence[float]] = (),
    rep_conversion: Sequence[float] = (),
) -> AssignmentProblem:
    """Customers handed out in position order unless ``order`` says otherwise; all candidates
    preferred by default."""
    n, m = len(customer_class), len(capacity)
    return AssignmentProblem(
        order=np.asarray(order if order is not None else range(n), dtype=np.int64),
        customer_class=np.asarray(customer_class, dtype=np.int64),
        score=np.full(n, 50.0),
        class_candidates=tuple(np.asarray(c, dtype=np.int64) for c in classes),
        class_preferred=tuple(
            np.asarray(p, dtype=bool)
            for p in (preferred if preferred is not None else [[True] * len(c) for c in classes])
        ),
        capacity=np.asarray(capacity, dtype=np.int64),
        weight=np.asarray(weight if weight is not None else [1.0] * m, dtype=float),
        balance=np.zeros(m),
        open_load=np.asarray(open_load if open_load is not None else [0] * m, dtype=np.int64),
        class_industry=np.asarray(class_industry, dtype=np.int64),
        conversion=np.asarray(conversion, dtype=float) if len(conversion) else np.zeros((0, 0)),
        rep_conversion=np.asarray(rep_conversion, dtype=float),
    )


def run(name: str, p: AssignmentProblem) -> AssignmentResult:
    return get_strategy(name).assign(p)


def test_round_robin_by_hand() -> None:
    """R0..R3 with capacities 2, 3, 3, 1; class 0 = {R0, R1, R2}, class 1 = {R1, R2, R3}.
    The candidate served longest ago wins (never served first, ties by position):

    c0 (0): nobody served        → R0              c4 (0): R0@0 R1@1 R2@2  → R0 (full)
    c1 (0): R1, R2 never served  → R1              c5 (1): R1@1 R2@2 (R3 full) → R1
    c2 (1): R2, R3 never served  → R2              c6 (0): R1@5 R2@2       → R2
    c3 (1): R3 never served      → R3 (full)       c7 (0): R1@5 R2@6       → R1 (full)
    """
    p = problem([[0, 1, 2], [1, 2, 3]], [0, 0, 1, 1, 0, 1, 0, 0], capacity=[2, 3, 3, 1])
    result = run("round_robin", p)
    assert result.rep.tolist() == [0, 1, 2, 3, 0, 1, 2, 1]
    assert result.figure.tolist() == [0, 0, 0, 0, 1, 1, 1, 2]  # received before


def test_round_robin_with_one_class_is_classic_round_robin() -> None:
    # Rep 1 fills after two customers; the cycle goes on without it.
    p = problem([[0, 1, 2]], [0] * 8, capacity=[9, 2, 9])
    assert run("round_robin", p).rep.tolist() == [0, 1, 2, 0, 1, 2, 0, 2]


def test_weighted_by_hand() -> None:
    """Weights R0 2, R1 1, R2 1; capacities 4, 3, 2; class 0 = {R0, R1, R2}, class 1 =
    {R1, R2}. Next turn = (received + ½) / weight, ties by position:

    c0 (0): .25 / .5 / .5     → R0 (.75)         c4 (0): .75 / 2.5 / 1.5   → R0 (1.25)
    c1 (0): .75 / .5 / .5     → R1 (1.5)         c5 (0): 1.25 / 2.5 / 1.5  → R0 (1.75)
    c2 (0): .75 / 1.5 / .5    → R2 (1.5)         c6 (0): 1.75 / 2.5 / 1.5  → R2 (full)
    c3 (1): – / 1.5 / 1.5     → R1 (2.5)         c7 (1): – / 2.5 / –       → R1 (full)
    """
    p = problem(
        [[0, 1, 2], [1, 2]],
        [0, 0, 0, 1, 0, 0, 0, 1],
        capacity=[4, 3, 2],
        weight=[2.0, 1.0, 1.0],
    )
    result = run("weighted", p)
    assert result.rep.tolist() == [0, 1, 2, 1, 0, 0, 2, 1]
    assert result.figure.tolist() == [2, 1, 1, 1, 2, 2, 1, 1]  # the winner's weight


def test_weighted_5_1_1_is_smooth() -> None:
    # nginx's smooth WRR gives a a b a c a a; stride scheduling from half a stride gives
    # a a a b c a a: the same shares in every window of 7, and never far ahead of them.
    p = problem([[0, 1, 2]], [0] * 21, capacity=[99, 99, 99], weight=[5.0, 1.0, 1.0])
    picks = run("weighted", p).rep.tolist()
    assert "".join("abc"[r] for r in picks[:7]) == "aaabcaa"
    for start in range(len(picks) - 6):
        assert np.bincount(picks[start : start + 7], minlength=3).tolist() == [5, 1, 1]
    for k in range(1, len(picks) + 1):
        heavy = picks[:k].count(0)
        assert heavy <= math.ceil(5 / 7 * k) + 1
        assert abs(heavy - 5 / 7 * k) < 1  # never a whole customer ahead or behind


def test_weighted_with_equal_weights_is_round_robin() -> None:
    p = problem([[0, 1, 2]], [0] * 7, capacity=[9, 9, 9], weight=[2.0, 2.0, 2.0])
    assert run("weighted", p).rep.tolist() == [0, 1, 2, 0, 1, 2, 0]


def test_balanced_by_hand() -> None:
    """Open 3 / 0 / 1 / 5 and capacity 3 / 2 / 3 / 5, so the ratio (open + new) / (open +
    capacity) starts at .5 / 0 / .25 / .5. Class 0 = {R0, R1, R2}, class 1 = {R0, R3}:

    c0 (0): .5 / 0 / .25      → R1 (.5)          c4 (0): .67 / 1 / .5    → R2 (.75)
    c1 (0): .5 / .5 / .25     → R2 (.5)          c5 (1): .67 / .5 (R3)   → R3 (.6)
    c2 (1): .5 / .5 (R3)      → R0 (.67)         c6 (0): .67 / 1 / .75   → R0 (.83)
    c3 (0): .67 / .5 / .5     → R1 (full)        c7 (0): .83 / 1 / .75   → R2 (full)
    """
    p = problem(
        [[0, 1, 2], [0, 3]],
        [0, 0, 1, 0, 0, 1, 0, 0],
        capacity=[3, 2, 3, 5],
        open_load=[3, 0, 1, 5],
    )
    result = run("balanced", p)
    assert result.rep.tolist() == [1, 2, 0, 1, 2, 3, 0, 2]
    np.testing.assert_allclose(result.figure, [0, 0.25, 0.5, 0.5, 0.5, 0.5, 2 / 3, 0.75])


def test_performance_by_hand() -> None:
    """Retail rates R0 .40, R1 .40, R2 .30; Tech .20, .35, .50; overall .30, .38, .45.
    Capacity 3 / 2 / 2, open 0 / 2 / 0 (load ratios 0 / .5 / 0). Class 0 is Retail, class 1
    Tech, class 2 an industry without history over {R0, R1}:

    c0 (Retail): R0 = R1 = .40, loads 0 < .5   → R0     c4 (none): .30 / .38     → R1 (full)
    c1 (Retail): R0 = R1, loads .33 < .5       → R0     c5 (Tech): R2 .50        → R2 (full)
    c2 (Tech):   R2 .50                        → R2     c6 (Retail): R0 left     → R0 (full)
    c3 (Retail): R0 = R1, loads .67 > .5       → R1     c7 (none): R0, R1 full   → -1
    """
    p = problem(
        [[0, 1, 2], [0, 1, 2], [0, 1]],
        [0, 0, 1, 0, 2, 1, 0, 2],
        capacity=[3, 2, 2],
        open_load=[0, 2, 0],
        class_industry=[0, 1, -1],
        conversion=[[0.40, 0.20], [0.40, 0.35], [0.30, 0.50]],
        rep_conversion=[0.30, 0.38, 0.45],
    )
    result = run("performance", p)
    assert result.rep.tolist() == [0, 0, 2, 1, 1, 2, 0, -1]
    np.testing.assert_array_equal(result.figure, [0.4, 0.4, 0.5, 0.4, 0.38, 0.5, 0.4, NAN])


def test_performance_without_rates_falls_back_to_balanced() -> None:
    p = problem([[0, 1, 2]], [0] * 6, capacity=[2, 2, 2], open_load=[4, 0, 1])
    assert run("performance", p).rep.tolist() == run("balanced", p).rep.tolist()


OTHERS = ["round_robin", "weighted", "balanced", "performance"]


@pytest.mark.parametrize("name", list(REGISTRY))
def test_capacity_is_never_exceeded(name: str) -> None:
    p = problem([[0, 1]], [0] * 5, capacity=[2, 1])
    result = run(name, p)
    assert sorted(result.rep.tolist()) == [-1, -1, 0, 0, 1]
    assert np.isnan(result.figure[result.rep < 0]).all()


@pytest.mark.parametrize("name", list(REGISTRY))
def test_preferred_candidates_first(name: str) -> None:
    # Rep 0 would win every other criterion but does not know the industry.
    p = problem(
        [[0, 1]],
        [0, 0, 0],
        capacity=[5, 2],
        open_load=[0, 9],
        weight=[9.0, 1.0],
        preferred=[[False, True]],
        class_industry=[0],
        conversion=[[0.9], [0.1]],
    )
    assert run(name, p).rep.tolist() == [1, 1, 0]


@pytest.mark.parametrize("name", list(REGISTRY))
def test_class_without_candidates_stays_unassigned(name: str) -> None:
    result = run(name, problem([[], [0]], [0, 1], capacity=[5]))
    assert result.rep.tolist() == [-1, 0]
    assert np.isnan(result.figure[0]) and not np.isnan(result.figure[1])


@pytest.mark.parametrize("name", list(REGISTRY))
def test_scores_missing_everywhere_still_hand_out(name: str) -> None:
    """NaN scores count as 0 points: 积分制 (and optimal, which runs it) once looped forever on
    the NaN key they gave."""
    p = dataclasses.replace(problem([[0, 1]], [0, 0, 0], capacity=[2, 2]), score=np.full(3, np.nan))
    reps = run(name, p).rep
    assert sorted(reps.tolist()) == [0, 0, 1] or sorted(reps.tolist()) == [0, 1, 1]


@pytest.mark.parametrize("name", OTHERS)
def test_follows_the_given_order(name: str) -> None:
    p = problem([[0, 1]], [0, 0, 0], capacity=[1, 1], order=[2, 0, 1])
    assert run(name, p).rep.tolist() == [1, -1, 0]


@pytest.mark.parametrize("name", list(REGISTRY))
def test_empty_problem_and_no_mutation(name: str) -> None:
    assert run(name, problem([], [], capacity=[3])).rep.tolist() == []
    p = problem([[0, 1]], [0, 0], capacity=[1, 1], open_load=[1, 0])
    run(name, p)
    assert p.capacity.tolist() == [1, 1] and p.open_load.tolist() == [1, 0]


def test_registry_names() -> None:
    assert set(REGISTRY) == {
        "points",
        "round_robin",
        "weighted",
        "balanced",
        "performance",
        "optimal",
    }
    assert all(get_strategy(name).name == name for name in REGISTRY)
    assert {alias: get_strategy(alias).name for alias in ALIASES} == ALIASES
    assert get_strategy(" Round-Robin ").name == "round_robin"


@pytest.mark.parametrize(
    ("typo", "hint"),
    [("balance", "balanced"), ("weigted", "weighted"), ("轮循", "轮询"), ("负载平衡", "负载均衡")],
)
def test_typos_get_a_hint(typo: str, hint: str) -> None:
    with pytest.raises(SettingsError, match=f"did you mean '{hint}'"):
        get_strategy(typo)


@pytest.mark.parametrize("name", ["optimal", "全局最优", "Optimal"])
def test_optimal_by_any_name(name: str) -> None:
    assert get_strategy(name).name == "optimal"


RATES = [0.0, 0.2, 0.35, 0.5, 0.8]


@st.composite
def problems(draw: st.DrawFn) -> AssignmentProblem:
    m = draw(st.integers(1, 8))
    n = draw(st.integers(0, 60))
    k = draw(st.integers(1, 5))
    n_ind = draw(st.integers(0, 3))
    classes = [sorted(draw(st.sets(st.integers(0, m - 1), max_size=m))) for _ in range(k)]

    def some(elements: st.SearchStrategy[T], size: int) -> list[T]:
        return draw(st.lists(elements, min_size=size, max_size=size))

    return problem(
        classes,
        some(st.integers(0, k - 1), n),
        capacity=some(st.integers(0, 6), m),
        order=draw(st.permutations(range(n))),
        weight=some(st.sampled_from([0.5, 1.0, 2.0, 3.0]), m),
        open_load=some(st.integers(0, 5), m),
        preferred=[some(st.booleans(), len(c)) for c in classes],
        class_industry=some(st.integers(-1, n_ind - 1), k),
        conversion=[some(st.sampled_from(RATES), n_ind) for _ in range(m)],
        rep_conversion=some(st.sampled_from(RATES), m),
    )


@settings(max_examples=150, deadline=None)
@given(problems(), st.sampled_from(sorted(REGISTRY)))
def test_every_strategy_keeps_the_contract(p: AssignmentProblem, name: str) -> None:
    result = run(name, p)
    again = run(name, p)
    np.testing.assert_array_equal(result.rep, again.rep)
    np.testing.assert_array_equal(result.figure, again.figure)
    n, m = len(p.customer_class), len(p.capacity)
    assert result.rep.shape == result.figure.shape == (n,)
    taken = np.bincount(result.rep[result.rep >= 0], minlength=m)
    assert (taken <= p.capacity).all()
    for customer, rep in enumerate(result.rep.tolist()):
        candidates = p.class_candidates[p.customer_class[customer]].tolist()
        if rep >= 0:
            assert rep in candidates
            assert not np.isnan(result.figure[customer])
        else:  # work-conserving: nobody who could have taken it had room left at the end
            assert all(taken[c] >= p.capacity[c] for c in candidates)
            assert np.isnan(result.figure[customer])


def reference(name: str, p: AssignmentProblem) -> tuple[list[int], list[float]]:
    """SPEC §3.5 written plainly: per customer, scan every candidate with capacity left for the
    smallest criterion; return the owners and the deciding figures."""
    m = len(p.capacity)
    left, got, last = p.capacity.astype(int).tolist(), [0] * m, [-1] * m
    chosen, figure = [-1] * len(p.customer_class), [NAN] * len(p.customer_class)
    for step, customer in enumerate(p.order.tolist()):
        cls = int(p.customer_class[customer])
        options = []
        for rep, pref in zip(p.class_candidates[cls], p.class_preferred[cls], strict=True):
            if left[rep] <= 0:
                continue
            load = (p.open_load[rep] + got[rep]) / (p.open_load[rep] + p.capacity[rep])
            column = p.class_industry[cls]
            rate = p.conversion[rep, column] if column >= 0 else p.rep_conversion[rep]
            criterion, shown = {
                "round_robin": ((last[rep],), got[rep]),
                "weighted": (((got[rep] + 0.5) / p.weight[rep],), p.weight[rep]),
                "balanced": ((load,), load),
                "performance": ((-rate, load), rate),
            }[name]
            options.append((not pref, *criterion, rep, shown))
        if options:
            *_, rep, shown = min(options)
            chosen[customer], figure[customer], last[rep] = rep, shown, step
            left[rep] -= 1
            got[rep] += 1
    return chosen, figure


@settings(max_examples=100, deadline=None)
@given(problems(), st.sampled_from(OTHERS))
def test_heaps_match_the_plain_rule(p: AssignmentProblem, name: str) -> None:
    result = run(name, p)
    chosen, figure = reference(name, p)
    assert result.rep.tolist() == chosen
    np.testing.assert_allclose(result.figure, figure)
