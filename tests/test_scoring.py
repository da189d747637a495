"""Priority score and tier (SPEC §3.3, §1.4 [scoring]), on small frames checkable by hand."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from allocator.scoring import score_customers
from allocator.settings import ScoringSettings

ONLY_VALUE = ScoringSettings(value=1, intent=0, history=0, source=0)
ONLY_INTENT = ScoringSettings(value=0, intent=1, history=0, source=0)
ONLY_HISTORY = ScoringSettings(value=0, intent=0, history=1, source=0)
ONLY_SOURCE = ScoringSettings(value=0, intent=0, history=0, source=1)


def customers(**columns: list[object]) -> pd.DataFrame:
    """A customers frame with the scored columns; unspecified columns get neutral values."""
    n = len(next(iter(columns.values())))
    base: dict[str, list[object]] = {
        "value": [1000.0] * n,
        "intent": ["high"] * n,
        "history": [0.0] * n,
        "source": [None] * n,
    }
    base.update(columns)
    frame = pd.DataFrame(base)
    frame.index = pd.RangeIndex(2, 2 + n)  # Excel rows, as validate() leaves them
    return frame


def scores(frame: pd.DataFrame, scoring: ScoringSettings) -> list[float]:
    return score_customers(frame, scoring)["score"].tolist()


def test_default_weights_by_hand() -> None:
    # One customer: value and history are scaled against themselves (value → 1, history 0 → 0),
    # intent high → 1, blank source → 0.5: 100 × (0.4 + 0.3 + 0 + 0.1 × 0.5) = 75.
    result = score_customers(customers(value=[10000.0], history=[0.0]), ScoringSettings())
    assert result["score"].tolist() == [75.0]
    assert result["tier"].tolist() == ["A"]
    assert result.index.tolist() == [2]


def test_only_intent_weight() -> None:
    frame = customers(intent=["high", "medium", "low"])
    assert scores(frame, ONLY_INTENT) == [100.0, 60.0, 20.0]


def test_unknown_intent_counts_nothing() -> None:
    frame = customers(intent=["high", None])
    assert scores(frame, ONLY_INTENT) == [100.0, 0.0]


def test_weights_are_normalised() -> None:
    # Doubling every weight changes nothing; the intent/value split is what matters.
    frame = customers(value=[0.0, 99.0], intent=["high", "low"])
    half = ScoringSettings(value=0.5, intent=0.5, history=0, source=0)
    double = ScoringSettings(value=1.0, intent=1.0, history=0, source=0)
    # Row 1: value 0 → 0, intent 1 → 50. Row 2: value 1, intent 0.2 → 60.
    assert scores(frame, half) == [50.0, 60.0]
    assert scores(frame, double) == [50.0, 60.0]


def test_value_is_log_scaled_against_the_largest() -> None:
    # log1p(9) / log1p(999) = 1/3, log1p(99) / log1p(999) = 2/3.
    frame = customers(value=[0.0, 9.0, 99.0, 999.0])
    assert scores(frame, ONLY_VALUE) == [0.0, 33.33, 66.67, 100.0]


def test_value_score_is_monotone() -> None:
    values = [0.0, 1.0, 5.0, 50.0, 500.0, 5_000.0, 50_000.0, 5_000_000.0]
    result = scores(customers(value=values[::-1]), ONLY_VALUE)[::-1]
    assert result == sorted(result)
    assert len(set(result)) == len(result)
    assert result[0] == 0.0 and result[-1] == 100.0


def test_one_whale_does_not_flatten_the_rest() -> None:
    # Linear scaling would put 10,000 at 0.1 of 100,000,000; log scaling keeps it at half.
    frame = customers(value=[10_000.0, 100_000_000.0])
    low, high = scores(frame, ONLY_VALUE)
    assert high == 100.0
    assert 45 < low < 55


def test_all_zero_values_score_zero() -> None:
    frame = customers(value=[0.0, 0.0])
    assert scores(frame, ONLY_VALUE) == [0.0, 0.0]


def test_history_ranks_returning_customers_up() -> None:
    frame = customers(history=[0.0, 20_000.0, None])
    new, returning, blank = scores(frame, ScoringSettings())
    assert returning > new
    assert blank == new  # blank history counts as a new customer
    only = scores(frame, ONLY_HISTORY)
    assert only == [0.0, 100.0, 0.0]


def test_source_points_from_settings() -> None:
    scoring = replace(ONLY_SOURCE, sources={"转介绍": 1.0, "官网注册": 0.6, "Trade Show": 0.2})
    frame = customers(source=["转介绍", "官网注册", "展会咨询", None, " trade show "])
    # Listed sources get their points; unlisted and blank sources the default 0.5; keys
    # compare trimmed and case-insensitive.
    assert scores(frame, scoring) == [100.0, 60.0, 50.0, 50.0, 20.0]


def test_default_source_points() -> None:
    scoring = replace(ONLY_SOURCE, default_source=0.3)
    frame = customers(source=["官网注册", None])
    assert scores(frame, scoring) == [30.0, 30.0]
    with_list = replace(scoring, sources={"官网注册": 0.9})
    assert scores(frame, with_list) == [90.0, 30.0]


@pytest.mark.parametrize(
    ("tiers", "expected"),
    [
        ({"A": 70.0, "B": 40.0}, ["A", "B", "C"]),  # 100, 60, 20
        ({"A": 60.0, "B": 20.0}, ["A", "A", "B"]),  # thresholds are inclusive
        ({"A": 100.0, "B": 60.1}, ["A", "C", "C"]),
    ],
)
def test_tier_thresholds(tiers: dict[str, float], expected: list[str]) -> None:
    frame = customers(intent=["high", "medium", "low"])
    result = score_customers(frame, replace(ONLY_INTENT, tiers=tiers))
    assert result["tier"].tolist() == expected


def test_default_tiers() -> None:
    # Intent only, then (intent + value)/2: 100 → A, 70 → A, 60 → B, 40 → B, 20 → C.
    frame = customers(
        value=[0.0, 0.0, 0.0, 99.0, 0.0], intent=["high", "medium", "medium", "low", "low"]
    )
    assert score_customers(frame, ONLY_INTENT)["tier"].tolist() == ["A", "B", "B", "C", "C"]
    both = ScoringSettings(value=1, intent=1, history=0, source=0)
    result = score_customers(frame, both)
    assert result["score"].tolist() == [50.0, 30.0, 30.0, 60.0, 10.0]
    assert result["tier"].tolist() == ["B", "C", "C", "B", "C"]


def test_scores_stay_within_0_and_100() -> None:
    rng = np.random.default_rng(7)
    n = 200
    frame = customers(
        value=rng.uniform(0, 1e7, n).tolist(),
        intent=rng.choice(["high", "medium", "low"], n).tolist(),
        history=rng.choice([0.0, 10.0, 1e6], n).tolist(),
        source=rng.choice(["转介绍", "官网注册", "other"], n).tolist(),
    )
    scoring = replace(ScoringSettings(), sources={"转介绍": 1.0, "官网注册": 0.0})
    result = score_customers(frame, scoring)["score"]
    assert result.between(0, 100).all()
    top = customers(value=[5.0], intent=["high"], history=[5.0], source=["转介绍"])
    assert scores(top, scoring) == [100.0]


def test_deterministic_and_row_order_independent() -> None:
    frame = customers(
        value=[5_000.0, 120_000.0, 0.0, 800.0],
        intent=["low", "high", "medium", "high"],
        history=[0.0, 3_000.0, 50.0, 0.0],
        source=["官网注册", None, "转介绍", "展会咨询"],
    )
    before = frame.copy()
    first = score_customers(frame, ScoringSettings())
    second = score_customers(frame, ScoringSettings())
    pd.testing.assert_frame_equal(first, second)
    pd.testing.assert_frame_equal(frame, before)  # the argument is not mutated
    shuffled = score_customers(frame.iloc[[2, 0, 3, 1]], ScoringSettings())
    pd.testing.assert_frame_equal(shuffled.sort_index(), first)


def test_empty_frame() -> None:
    frame = customers(value=[1.0]).iloc[:0]
    result = score_customers(frame, ScoringSettings())
    assert list(result.columns) == ["score", "tier"]
    assert len(result) == 0
