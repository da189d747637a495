"""Fairness figures shared by the Summary sheet and the report."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from allocator.fairness import fairness, gini

# --- gini ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, 1, 1, 1], 0.0),
        ([0, 0, 0, 1], 0.75),
        ([1, 3], 0.25),  # mean absolute difference 1 over twice the mean 2
        ([], 0.0),
        ([0, 0, 0], 0.0),
        ([5.0], 0.0),
        ([1, np.nan, 1], 0.0),
    ],
)
def test_gini_hand_computed(values: list[float], expected: float) -> None:
    assert gini(np.array(values, dtype=float)) == pytest.approx(expected)


def test_gini_ignores_order_and_rejects_negatives() -> None:
    assert gini(np.array([3.0, 0.0, 1.0])) == pytest.approx(gini(np.array([0.0, 1.0, 3.0])))
    with pytest.raises(ValueError, match="non-negative"):
        gini(np.array([-1.0, 2.0]))


def _reps(rows: list[dict[str, float]]) -> pd.DataFrame:
    base = {
        "capacity": 10.0,
        "new": 0.0,
        "reclaimed": 0.0,
        "handover": 0.0,
        "value_new": 0.0,
        "points_received": 0.0,
        "weight": 1.0,
        "available": True,
    }
    return pd.DataFrame([{**base, **row} for row in rows])


def test_fairness_hand_computed() -> None:
    reps = _reps(
        [
            {"new": 4, "reclaimed": 1, "value_new": 100, "points_received": 300},
            {"new": 2, "handover": 0, "value_new": 100, "points_received": 100, "weight": 1.0},
            {"new": 0, "capacity": 0, "value_new": 0},  # capacity 0: not counted
            {"new": 9, "available": False},  # on leave: not counted
        ]
    )
    figures = fairness(reps)
    assert figures.reps_counted == 2
    assert figures.gini_value == pytest.approx(0.0)
    assert figures.gini_load == pytest.approx(gini(np.array([0.5, 0.2])))
    assert figures.load_ratio == pytest.approx(2.5)
    # 400 points over two equal weights: fair share 200 each.
    assert figures.share_max == pytest.approx(1.5)
    assert figures.share_min == pytest.approx(0.5)
    # Points 300 and 100: mean absolute difference 200 over twice the mean 200.
    assert figures.gini_points == pytest.approx(0.25)


def test_weights_change_the_fair_share() -> None:
    reps = _reps(
        [
            {"new": 2, "points_received": 200, "weight": 2.0},
            {"new": 1, "points_received": 100, "weight": 1.0},
        ]
    )
    figures = fairness(reps)
    assert figures.share_max == pytest.approx(1.0)
    assert figures.share_min == pytest.approx(1.0)


def test_a_rep_with_nothing_has_no_load_ratio() -> None:
    figures = fairness(_reps([{"new": 3}, {"new": 0}]))
    assert figures.load_ratio is None
    assert figures.share_max is None
