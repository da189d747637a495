"""Who may take which customer (SPEC §3.4): territory, availability, industry and level."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest

from allocator.eligibility import available_reps, eligibility, place_key
from allocator.settings import EligibilitySettings

AS_OF = datetime(2026, 11, 23, 9, 0)

# Blank province/city columns must not trip pandas deprecations (they print on every run).
pytestmark = pytest.mark.filterwarnings("error::FutureWarning")


def reps(*rows: dict[str, Any]) -> pd.DataFrame:
    """Typed reps as validate() returns them; territories and industries as tuples."""
    base = {
        "territories": ("East",),
        "industries": (),
        "level": "senior",
        "active": True,
        "away_until": pd.NaT,
    }
    frame = pd.DataFrame([{**base, **row} for row in rows])
    frame["away_until"] = pd.to_datetime(frame["away_until"])
    frame.index = pd.RangeIndex(2, 2 + len(frame))
    return frame


def profiles(*rows: dict[str, Any]) -> pd.DataFrame:
    base = {"region": "East", "province": None, "city": None, "industry": "Retail", "tier": "B"}
    return pd.DataFrame([{**base, **row} for row in rows])


def matrix(rows: list[list[int]]) -> np.ndarray:
    return np.array(rows, dtype=bool)


def test_territory_matches_region_province_or_city() -> None:
    team = reps(
        {"territories": ("East",)},
        {"territories": ("Jiangsu",)},
        {"territories": ("Suzhou",)},
        {"territories": ("North", "Hebei")},
    )
    places = profiles(
        {"region": "East", "province": "Jiangsu", "city": "Suzhou"},
        {"region": "East", "province": "Zhejiang", "city": "Hangzhou"},
        {"region": "South", "province": "Jiangsu", "city": None},
        {"region": "South", "province": None, "city": "Suzhou"},
        {"region": "Hebei"},  # a territory token matches whichever column holds it
        {"region": "West", "province": "Sichuan", "city": "Chengdu"},
    )
    result = eligibility(places, team, EligibilitySettings(), AS_OF).territory
    expected = matrix([
        [1, 1, 1, 0],
        [1, 0, 0, 0],
        [0, 1, 0, 0],
        [0, 0, 1, 0],
        [0, 0, 0, 1],
        [0, 0, 0, 0],
    ])  # fmt: skip
    np.testing.assert_array_equal(result, expected)


def test_star_covers_everywhere() -> None:
    team = reps(
        {"territories": ("*",)}, {"territories": ("North", "*")}, {"territories": ("North",)}
    )
    places = profiles({"region": "East"}, {"region": "Nowhere", "province": None, "city": None})
    result = eligibility(places, team, EligibilitySettings(), AS_OF).territory
    np.testing.assert_array_equal(result, matrix([[1, 1, 0], [1, 1, 0]]))


@pytest.mark.parametrize(
    ("written", "same"),
    [
        ("华东区", "华东"),
        ("上海市", "上海"),
        ("广东省", "广东"),
        ("内蒙古自治区", "内蒙古"),
        ("香港特别行政区", "香港"),
        ("华北地区", "华北"),
        ("East", "east"),
        (" 华 东 ", "华东"),
        ("ＥＡＳＴ", "east"),  # full-width letters
    ],
)
def test_place_key_equivalences(written: str, same: str) -> None:
    assert place_key(written) == place_key(same)


def test_place_key_keeps_distinct_places_apart() -> None:
    assert place_key("华东") != place_key("华南")
    assert place_key("区") == "区"  # a bare suffix is not erased to nothing
    assert place_key("*") == "*"


def test_place_key_equivalence_in_the_matrix() -> None:
    team = reps(
        {"territories": ("华东区",)}, {"territories": ("上海",)}, {"territories": ("华南",)}
    )
    places = profiles(
        {"region": "华东", "province": None, "city": "上海市"},
        {"region": "华东区", "province": None, "city": None},
        {"region": "华北", "province": None, "city": "上海"},
    )
    result = eligibility(places, team, EligibilitySettings(), AS_OF).territory
    np.testing.assert_array_equal(result, matrix([[1, 1, 0], [1, 0, 0], [0, 1, 0]]))


def test_inactive_and_away_reps_are_unavailable() -> None:
    team = reps(
        {"active": True},
        {"active": False},
        {"away_until": AS_OF + timedelta(days=3)},
        {"away_until": AS_OF - timedelta(days=1)},  # back already
        {"away_until": AS_OF},  # back exactly at the run time
        {"active": False, "away_until": AS_OF - timedelta(days=5)},
    )
    assert available_reps(team, AS_OF).tolist() == [True, False, False, True, True, False]
    result = eligibility(profiles({}), team, EligibilitySettings(), AS_OF)
    np.testing.assert_array_equal(result.available, [True, False, False, True, True, False])
    np.testing.assert_array_equal(result.territory, matrix([[1, 1, 1, 1, 1, 1]]))
    np.testing.assert_array_equal(result.candidates("preferred"), matrix([[1, 0, 0, 1, 1, 0]]))


def test_industry_match_modes() -> None:
    team = reps(
        {"industries": ("Retail", "Finance")},
        {"industries": ("Finance",)},
        {"industries": ()},  # blank = any industry
        {"industries": ("*",)},
        {"industries": (" retail ",), "territories": ("North",)},
    )
    places = profiles({"industry": "Retail"}, {"industry": "Mining"}, {"industry": None})
    result = eligibility(places, team, EligibilitySettings(), AS_OF)
    np.testing.assert_array_equal(
        result.industry, matrix([[1, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 0, 1, 1, 0]])
    )
    territory_only = matrix([[1, 1, 1, 1, 0]] * 3)
    np.testing.assert_array_equal(result.candidates("preferred"), territory_only)
    np.testing.assert_array_equal(result.candidates("ignore"), territory_only)
    np.testing.assert_array_equal(
        result.candidates("required"), matrix([[1, 0, 1, 1, 0], [0, 0, 1, 1, 0], [0, 0, 1, 1, 0]])
    )


def test_industry_keys_are_normalised() -> None:
    team = reps({"industries": ("制造业",)}, {"industries": ("IT 服务",)})
    places = profiles({"industry": "制造业"}, {"industry": "it服务"}, {"industry": "ＩＴ 服务"})
    result = eligibility(places, team, EligibilitySettings(), AS_OF).industry
    np.testing.assert_array_equal(result, matrix([[1, 0], [0, 1], [0, 1]]))


def test_default_min_level_tier_a_only_senior_or_lead() -> None:
    team = reps({"level": "junior"}, {"level": "senior"}, {"level": "lead"})
    places = profiles({"tier": "A"}, {"tier": "B"}, {"tier": "C"})
    result = eligibility(places, team, EligibilitySettings(), AS_OF)
    np.testing.assert_array_equal(result.level, matrix([[0, 1, 1], [1, 1, 1], [1, 1, 1]]))
    np.testing.assert_array_equal(
        result.candidates("preferred"), matrix([[0, 1, 1], [1, 1, 1], [1, 1, 1]])
    )


def test_min_level_per_tier_from_settings() -> None:
    team = reps({"level": "junior"}, {"level": "senior"}, {"level": "lead"})
    places = profiles({"tier": "A"}, {"tier": "B"}, {"tier": "C"})
    strict = EligibilitySettings(min_level={"A": "lead", "B": "senior"})
    np.testing.assert_array_equal(
        eligibility(places, team, strict, AS_OF).level,
        matrix([[0, 0, 1], [0, 1, 1], [1, 1, 1]]),
    )
    anyone = EligibilitySettings(min_level={})
    np.testing.assert_array_equal(
        eligibility(places, team, anyone, AS_OF).level, matrix([[1, 1, 1]] * 3)
    )


def test_candidates_combine_every_test() -> None:
    team = reps(
        {"territories": ("East",), "level": "lead", "industries": ("Retail",)},
        {"territories": ("East",), "level": "junior"},
        {"territories": ("East",), "active": False},
        {"territories": ("West",)},
        {"territories": ("*",), "industries": ("Finance",)},
    )
    places = profiles({"tier": "A", "industry": "Retail"}, {"tier": "C", "industry": "Retail"})
    result = eligibility(places, team, EligibilitySettings(), AS_OF)
    np.testing.assert_array_equal(
        result.candidates("preferred"), matrix([[1, 0, 0, 0, 1], [1, 1, 0, 0, 1]])
    )
    np.testing.assert_array_equal(
        result.candidates("required"), matrix([[1, 0, 0, 0, 0], [1, 1, 0, 0, 0]])
    )


def test_no_profiles() -> None:
    result = eligibility(profiles({}).iloc[:0], reps({}, {}), EligibilitySettings(), AS_OF)
    assert result.territory.shape == (0, 2)
    assert result.candidates("required").shape == (0, 2)
