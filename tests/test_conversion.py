"""Smoothed conversion rates (SPEC §3.5 ``performance``) on small hand-checked frames."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from allocator.conversion import conversion_rates

REPS = pd.DataFrame({"rep_id": ["S1", "S2", "S3"], "weight": [1.0, 1.0, 1.0]})


def customers(rows: list[tuple[object, str, object]]) -> pd.DataFrame:
    """(owner_rep, stage, industry) rows in the shape validation produces."""
    return pd.DataFrame(rows, columns=["owner_rep", "stage", "industry"])


HISTORY = customers(
    [
        ("S1", "won", "Retail"),
        ("S1", "won", "Retail"),
        ("S1", "lost", "Retail"),
        ("S1", "won", "Tech"),
        ("S2", "lost", "Retail"),
        ("S2", "lost", "Tech"),
        ("S2", "won", "Tech"),
        # Ignored: an owner who is not on the reps sheet, no owner, and open stages.
        ("X9", "won", "Retail"),
        (np.nan, "lost", "Retail"),
        ("S1", "proposal", "Finance"),
        ("S2", "new", "Tech"),
    ]
)


def test_shrinkage_by_hand() -> None:
    """Closed deals: S1 3 of 4 (Retail 2/3, Tech 1/1), S2 1 of 3 (Retail 0/1, Tech 1/2), S3
    none; 4 of 7 overall. With k = 5:

    team    = (4 + 1) / (7 + 2)                      = 5/9
    S1 rate = (3 + 5·5/9) / (4 + 5)                  = 52/81
    S2 rate = (1 + 5·5/9) / (3 + 5)                  = 17/36
    S3 rate = (0 + 5·5/9) / (0 + 5)                  = 5/9   (the team's)
    S1 Retail = (2 + 5·52/81) / (3 + 5) = 211/324    S1 Tech = (1 + 5·52/81) / (1 + 5) = 341/486
    S2 Retail = (0 + 5·17/36) / (1 + 5) = 85/216     S2 Tech = (1 + 5·17/36) / (2 + 5) = 121/252
    Finance (only an open customer) and every S3 cell fall back to the rep's overall rate.
    """
    table = conversion_rates(HISTORY, REPS)
    assert table.industries == ("Finance", "Retail", "Tech")
    assert table.team_rate == pytest.approx(5 / 9)
    f = Fraction
    np.testing.assert_allclose(table.rep_rate, [float(f(52, 81)), float(f(17, 36)), 5 / 9])
    expected = [
        [f(52, 81), f(211, 324), f(341, 486)],
        [f(17, 36), f(85, 216), f(121, 252)],
        [f(5, 9), f(5, 9), f(5, 9)],
    ]
    np.testing.assert_allclose(table.rate, np.array(expected, dtype=float))
    assert table.won.tolist() == [[0, 2, 1], [0, 0, 1], [0, 0, 0]]
    assert table.closed.tolist() == [[0, 3, 1], [0, 1, 2], [0, 0, 0]]


def test_prior_strength_sets_how_far_rates_are_pulled() -> None:
    weak = conversion_rates(HISTORY, REPS, prior_strength=0.5)
    strong = conversion_rates(HISTORY, REPS, prior_strength=500.0)
    # S1 won 2 of 3 in Retail: a weak prior stays near 2/3, a strong one near the team's 5/9.
    assert weak.rate[0, 1] == pytest.approx((2 + 0.5 * weak.rep_rate[0]) / 3.5)
    assert abs(strong.rate[0, 1] - 5 / 9) < 0.01
    with pytest.raises(ValueError, match="prior_strength"):
        conversion_rates(HISTORY, REPS, prior_strength=0.0)


def test_rows_follow_the_reps_sheet() -> None:
    reordered = REPS.iloc[[2, 0, 1]].reset_index(drop=True)
    table = conversion_rates(HISTORY, reordered)
    base = conversion_rates(HISTORY, REPS)
    np.testing.assert_allclose(table.rate, base.rate[[2, 0, 1]])
    np.testing.assert_allclose(table.rep_rate, base.rep_rate[[2, 0, 1]])


def test_unknown_owners_and_open_stages_are_ignored() -> None:
    noise = customers(
        [
            ("X9", "won", "Retail"),
            (np.nan, "won", "Retail"),
            ("S1", "negotiation", "Retail"),
            ("S2", "contacted", "Tech"),
        ]
    )
    table = conversion_rates(noise, REPS)
    assert table.closed.sum() == 0
    assert table.team_rate == 0.5
    assert (table.rate == 0.5).all()


def test_no_history_at_all_is_a_coin_flip() -> None:
    table = conversion_rates(customers([]), REPS)
    assert table.industries == ()
    assert table.team_rate == 0.5
    assert table.rate.shape == (3, 0)
    assert table.rep_rate.tolist() == [0.5, 0.5, 0.5]


def test_closed_customer_without_industry_counts_for_the_rep_only() -> None:
    rows = customers([("S1", "won", "Retail"), ("S1", "won", np.nan)])
    table = conversion_rates(rows, REPS)
    assert table.industries == ("Retail",)
    assert table.closed.tolist() == [[1], [0], [0]]
    assert table.team_rate == pytest.approx(3 / 4)
    assert table.rep_rate[0] == pytest.approx((2 + 5 * 0.75) / 7)


def test_column() -> None:
    table = conversion_rates(HISTORY, REPS)
    assert [table.column(name) for name in ("Finance", "Retail", "Tech")] == [0, 1, 2]
    assert table.column("Mining") == -1
    assert table.column("") == -1
    assert table.column("Zoo") == -1


def test_does_not_mutate_its_inputs() -> None:
    before = HISTORY.copy()
    conversion_rates(HISTORY, REPS)
    pd.testing.assert_frame_equal(HISTORY, before)
