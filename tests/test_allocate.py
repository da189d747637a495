"""The allocation core (SPEC §2 conservation, §3.2 pool, §3.4–3.8) through small workbooks:
read → validate → allocate, with every expectation worked out by hand."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pandas as pd
import pytest
from conftest import AS_OF, MakeWorkbook, allocate_file

from allocator.allocate import OUTPUT_COLUMNS, check_conservation
from allocator.errors import InternalError
from allocator.model import Allocation
from allocator.settings import PoolSettings, ScoringSettings, Settings
from allocator.strategies import REGISTRY

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
DEFAULTS = Settings()
# Intent only: high → 100 (A), medium → 60 (B), low → 20 (C), whatever the values.
INTENT_ONLY = replace(Settings(), scoring=ScoringSettings(value=0, intent=1, history=0, source=0))

ZHANG = {"rep_id": "S1", "name": "Zhang Wei"}
LI = {"rep_id": "S2", "name": "Li Na"}
WANG = {"rep_id": "S3", "name": "Wang Fang"}


def run(
    make_workbook: MakeWorkbook,
    customers: Sequence[dict[str, Any]],
    reps: Sequence[dict[str, Any]] | None = None,
    *,
    settings: Settings = DEFAULTS,
    lang: str = "en",
) -> Allocation:
    return allocate_file(make_workbook(customers=customers, reps=reps), settings, lang=lang)


def rows(allocation: Allocation) -> pd.DataFrame:
    """Assignments and Unassigned together, by customer_id."""
    both = pd.concat([allocation.assignments, allocation.unassigned], ignore_index=True)
    assert both["customer_id"].is_unique
    return both.set_index("customer_id")


def plain(value: object) -> object:
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else value


def rep_row(allocation: Allocation, name: str) -> pd.Series:
    found = allocation.reps.loc[allocation.reps["name"].eq(name)]
    assert len(found) == 1
    return found.iloc[0]


# --- §3.2 who is in the pool -------------------------------------------------------------------


def test_closed_customers_keep_their_owner(make_workbook: MakeWorkbook) -> None:
    long_ago = AS_OF - 100 * DAY  # would be reclaimed if it were open
    result = run(
        make_workbook,
        [
            {"customer_id": "C1", "stage": "won", "owner": "Zhang Wei", "last_contact": long_ago},
            {"customer_id": "C2", "stage": "输单", "owner": "Li Na", "last_contact": long_ago},
            {"customer_id": "C3", "stage": "won"},
        ],
        [ZHANG, {**LI, "active": "no"}],
    )
    assert result.unassigned.empty
    table = rows(result)
    assert table["owner"].map(plain).to_dict() == {"C1": "Zhang Wei", "C2": "Li Na", "C3": None}
    assert set(table["reason_code"]) == {"closed"}
    assert table["due_by"].isna().all() and table["escalate_at"].isna().all()
    assert table.at["C1", "reason"] == "closed (won); stays with Zhang Wei and is not re-allocated"
    assert table.at["C2", "reason"] == "closed (lost); stays with Li Na and is not re-allocated"
    assert table.at["C3", "reason"] == "closed (won) without an owner; not re-allocated"
    assert result.changes.empty
    assert result.reps["new"].tolist() == [0, 0]
    assert result.reps["points_received"].tolist() == [0.0, 0.0]
    assert result.stats["closed"] == 3


def test_fresh_owned_customers_are_kept(make_workbook: MakeWorkbook) -> None:
    result = run(
        make_workbook,
        [
            {"customer_id": "C1", "owner": "Zhang Wei", "last_contact": AS_OF - 10 * HOUR},
            # owner by rep id; medium intent (48 h), last contact 3 days ago → overdue
            {
                "customer_id": "C2",
                "owner": "S1",
                "intent": "medium",
                "last_contact": AS_OF - 3 * DAY,
            },
            {"customer_id": "C3", "owner": "zhang wei"},  # never contacted, no creation date
            {"customer_id": "C4"},  # unowned: kept customers do not use up capacity
        ],
        [{**ZHANG, "capacity": 1}],
        settings=INTENT_ONLY,
    )
    table = rows(result)
    assert table["owner"].tolist() == ["Zhang Wei"] * 4
    assert table.loc[["C1", "C2", "C3"], "reason_code"].tolist() == ["kept"] * 3
    assert table.at["C4", "reason_code"] == "territory"
    assert table.at["C1", "reason"] == "kept by Zhang Wei (last contact 2026-11-22)"
    assert table.at["C2", "reason"] == (
        "kept by Zhang Wei; no follow-up for over 48 hours, overdue"
    )
    assert table.at["C3", "reason"] == "kept by Zhang Wei (last contact never)"
    # Kept: due = last contact + SLA, escalation 3 days later, overdue once due has passed.
    assert table.at["C1", "due_by"] == AS_OF + 14 * HOUR
    assert table.at["C1", "escalate_at"] == AS_OF + 14 * HOUR + 3 * DAY
    assert table.at["C2", "due_by"] == AS_OF - 1 * DAY
    assert table["overdue"].to_dict() == {"C1": False, "C2": True, "C3": False, "C4": False}
    summary = rep_row(result, "Zhang Wei")
    assert (summary["kept"], summary["new"], summary["overdue_count"]) == (3, 1, 1)
    assert result.stats["overdue"] == 1
    assert result.changes["customer_id"].tolist() == ["C4"]


def test_stale_customers_are_reclaimed_and_go_to_someone_else(make_workbook: MakeWorkbook) -> None:
    customers = [
        {"customer_id": "C1", "owner": "Zhang Wei", "last_contact": AS_OF - 30 * DAY},
        {"customer_id": "C2", "owner": "Zhang Wei", "last_contact": AS_OF - 29 * DAY},
        {"customer_id": "C3", "owner": "Zhang Wei", "created": AS_OF - 30 * DAY},
        {"customer_id": "C4", "owner": "Zhang Wei", "created": AS_OF - 5 * DAY},
        # a recent contact counts, however old the record
        {
            "customer_id": "C5",
            "owner": "Zhang Wei",
            "created": AS_OF - 400 * DAY,
            "last_contact": AS_OF - 2 * DAY,
        },
    ]
    # Li Na carries 100 points: Zhang Wei would win on points if he were not excluded.
    reps = [ZHANG, {**LI, "points_balance": 100}]
    result = run(make_workbook, customers, reps)
    table = rows(result)
    assert table["reason_code"].to_dict() == {
        "C1": "reclaimed",
        "C2": "kept",
        "C3": "reclaimed",
        "C4": "kept",
        "C5": "kept",
    }
    assert table["owner"].to_dict() == {
        "C1": "Li Na",
        "C2": "Zhang Wei",
        "C3": "Li Na",
        "C4": "Zhang Wei",
        "C5": "Zhang Wei",
    }
    assert table.loc[["C1", "C3"], "previous_owner"].tolist() == ["Zhang Wei", "Zhang Wei"]
    # Same score, so C1 goes first (customer_id); one candidate since Zhang Wei is excluded.
    assert table.at["C1", "reason"] == (
        "no contact for 30 days, reclaimed from Zhang Wei; "
        "lowest points among 1 candidates in East (Li Na, 100.0 points)"
    )
    assert table.at["C3", "reason"].startswith("no contact for 30 days, reclaimed from Zhang Wei; ")
    assert table.at["C1", "due_by"] == AS_OF + 24 * HOUR
    assert table.at["C1", "escalate_at"] == AS_OF + 3 * DAY
    li = rep_row(result, "Li Na")
    assert (li["reclaimed"], li["new"], li["kept"]) == (2, 0, 0)
    assert result.stats["reclaimed"] == 2 and result.stats["reclaimed_assigned"] == 2


def test_reclaimed_may_return_when_exclusion_is_off(make_workbook: MakeWorkbook) -> None:
    settings = replace(Settings(), pool=PoolSettings(exclude_previous_owner=False))
    customers = [{"customer_id": "C1", "owner": "Zhang Wei", "last_contact": AS_OF - 45 * DAY}]
    result = run(
        make_workbook, customers, [ZHANG, {**LI, "points_balance": 100}], settings=settings
    )
    table = rows(result)
    assert table.at["C1", "reason_code"] == "reclaimed"
    assert table.at["C1", "owner"] == "Zhang Wei"


def test_reclaim_threshold_from_settings(make_workbook: MakeWorkbook) -> None:
    settings = replace(Settings(), pool=PoolSettings(reclaim_after_days=7))
    customers = [
        {"customer_id": "C1", "owner": "Zhang Wei", "last_contact": AS_OF - 8 * DAY},
        {"customer_id": "C2", "owner": "Zhang Wei", "last_contact": AS_OF - 6 * DAY},
    ]
    result = run(make_workbook, customers, [ZHANG, LI], settings=settings)
    assert rows(result)["reason_code"].to_dict() == {"C1": "reclaimed", "C2": "kept"}


def test_reclaimed_never_back_to_the_previous_owner(make_workbook: MakeWorkbook) -> None:
    # Zhang Wei is the only rep for East: the reclaimed customer stays in the pool.
    customers = [{"customer_id": "C1", "owner": "Zhang Wei", "last_contact": AS_OF - 60 * DAY}]
    result = run(make_workbook, customers, [ZHANG])
    assert result.assignments.empty
    table = rows(result)
    assert plain(table.at["C1", "owner"]) is None
    assert table.at["C1", "previous_owner"] == "Zhang Wei"
    assert table.at["C1", "reason"].startswith("no contact for 60 days, reclaimed from Zhang Wei; ")
    assert result.changes[["customer_id", "owner_before"]].values.tolist() == [["C1", "Zhang Wei"]]
    assert result.stats["reclaimed"] == 1 and result.stats["reclaimed_assigned"] == 0


def test_owner_inactive_is_handed_over(make_workbook: MakeWorkbook) -> None:
    customers = [{"customer_id": "C1", "owner": "Li Na", "last_contact": AS_OF - 1 * DAY}]
    # Li Na sits first with no points: she would win every tie if she were available.
    result = run(
        make_workbook, customers, [{**LI, "active": "离职"}, {**ZHANG, "points_balance": 5}]
    )
    table = rows(result)
    assert table.at["C1", "owner"] == "Zhang Wei"
    assert table.at["C1", "owner_id"] == "S1"
    assert table.at["C1", "reason_code"] == "handover"
    assert table.at["C1", "previous_owner"] == "Li Na"
    assert table.at["C1", "reason"] == (
        "previous owner Li Na has left; lowest points among 1 candidates in East "
        "(Zhang Wei, 5.0 points)"
    )
    assert table.at["C1", "due_by"] == AS_OF + 24 * HOUR
    assert rep_row(result, "Zhang Wei")["handover"] == 1


def test_owner_away_is_handed_over(make_workbook: MakeWorkbook) -> None:
    customers = [
        {"customer_id": "C1", "owner": "Li Na", "last_contact": AS_OF - 1 * DAY},
        {"customer_id": "C2", "owner": "Wang Fang", "last_contact": AS_OF - 1 * DAY},
        {"customer_id": "C3"},
    ]
    reps = [
        {**LI, "away_until": AS_OF + 7 * DAY},
        {**WANG, "away_until": AS_OF - 1 * DAY, "capacity": 0},  # back already
        {**ZHANG, "points_balance": 50},
    ]
    result = run(make_workbook, customers, reps)
    table = rows(result)
    assert table["reason_code"].to_dict() == {"C1": "handover", "C2": "kept", "C3": "territory"}
    assert table["owner"].to_dict() == {"C1": "Zhang Wei", "C2": "Wang Fang", "C3": "Zhang Wei"}
    assert table.at["C1", "reason"].startswith("previous owner Li Na is away until 2026-11-30; ")
    assert rep_row(result, "Li Na")["new"] == 0


# --- §3.4 / §3.6 eligibility and the pool ------------------------------------------------------


def test_unowned_customers_are_assigned_by_territory(make_workbook: MakeWorkbook) -> None:
    customers = [
        {"customer_id": "C1", "region": "华东区"},
        {"customer_id": "C2", "region": "华南", "province": "广东省", "city": "深圳"},
        {"customer_id": "C3", "region": "华北", "city": "北京市"},
    ]
    reps = [
        {**ZHANG, "territories": "华东"},
        {**LI, "territories": "广东"},
        {**WANG, "territories": "北京、天津"},
    ]
    table = rows(run(make_workbook, customers, reps))
    assert table["owner"].to_dict() == {"C1": "Zhang Wei", "C2": "Li Na", "C3": "Wang Fang"}
    assert set(table["reason_code"]) == {"territory"}
    assert table["previous_owner"].map(plain).tolist() == [None, None, None]


def test_no_territory(make_workbook: MakeWorkbook) -> None:
    customers = [{"customer_id": "C1", "region": "North"}, {"customer_id": "C2", "region": "West"}]
    # West is covered only by a rep who has left: nobody active covers it.
    result = run(make_workbook, customers, [ZHANG, {**LI, "territories": "West", "active": "no"}])
    assert result.assignments.empty
    table = rows(result)
    assert set(table["reason_code"]) == {"no_territory"}
    assert table.at["C1", "reason"] == "no active rep covers North; stays in the pool"
    assert table["due_by"].isna().all()
    assert result.stats["unassigned"] == 2


def test_no_level(make_workbook: MakeWorkbook) -> None:
    # Alone in the input, the base customer scores 75 → tier A, which needs a senior rep.
    result = run(
        make_workbook,
        [{"customer_id": "C1"}],
        [{**ZHANG, "level": "junior"}, {**LI, "level": "新人"}],
    )
    table = rows(result)
    assert table.at["C1", "tier"] == "A"
    assert plain(table.at["C1", "owner"]) is None
    assert table.at["C1", "reason_code"] == "no_level"
    assert table.at["C1", "reason"] == (
        "none of the 2 candidates in East is senior or above (tier A); stays in the pool"
    )


def test_no_level_in_chinese(make_workbook: MakeWorkbook) -> None:
    result = run(
        make_workbook,
        [{"customer_id": "C1", "region": "华东"}],
        [{**ZHANG, "level": "junior", "territories": "华东区"}],
        lang="zh",
    )
    assert rows(result).at["C1", "reason"] == (
        "华东 1 名候选人中没有资深及以上级别的销售（A 级客户），留在公海池"
    )


def test_no_capacity(make_workbook: MakeWorkbook) -> None:
    customers = [
        {"customer_id": "C1", "value": 10_000},
        {"customer_id": "C2", "value": 20_000},  # higher score: served first
        {"customer_id": "C3"},
    ]
    reps = [{**ZHANG, "capacity": 1}, {**LI, "capacity": 0}]
    result = run(make_workbook, customers, reps)
    table = rows(result)
    assert table["owner"].map(plain).to_dict() == {"C1": None, "C2": "Zhang Wei", "C3": None}
    assert table.loc[["C1", "C3"], "reason_code"].tolist() == ["no_capacity", "no_capacity"]
    assert table.at["C1", "reason"] == (
        "all 2 candidates in East are at capacity this week; stays in the pool"
    )
    assert result.unassigned["customer_id"].tolist() == ["C1", "C3"]  # by score, then id
    assert rep_row(result, "Zhang Wei")["capacity_used"] == 1.0


def test_no_industry_when_required(make_workbook: MakeWorkbook) -> None:
    required = replace(
        Settings(), eligibility=replace(Settings().eligibility, industry_match="required")
    )
    customers = [
        {"customer_id": "C1", "industry": "Retail"},
        {"customer_id": "C2", "industry": "Finance"},
    ]
    reps = [{**ZHANG, "industries": "Finance"}]
    table = rows(run(make_workbook, customers, reps, settings=required))
    assert table["owner"].map(plain).to_dict() == {"C1": None, "C2": "Zhang Wei"}
    assert table.at["C1", "reason_code"] == "no_industry"
    assert table.at["C1", "reason"] == (
        "no rep in East lists industry 'Retail' (industry match is required); stays in the pool"
    )
    # Under the default (preferred) the same rep takes both.
    table = rows(run(make_workbook, customers, reps))
    assert table["owner"].tolist() == ["Zhang Wei", "Zhang Wei"]


@pytest.mark.parametrize(("match", "owner"), [("preferred", "Li Na"), ("ignore", "Zhang Wei")])
def test_preferred_industry_tried_first(
    make_workbook: MakeWorkbook, match: str, owner: str
) -> None:
    settings = replace(
        Settings(), eligibility=replace(Settings().eligibility, industry_match=match)
    )
    reps = [
        {**ZHANG, "industries": "Finance"},
        {**LI, "industries": "Retail", "points_balance": 50},
    ]
    table = rows(
        run(make_workbook, [{"customer_id": "C1", "industry": "Retail"}], reps, settings=settings)
    )
    assert table.at["C1", "owner"] == owner


# --- §3.7 deadlines ----------------------------------------------------------------------------


def test_due_by_and_escalation_for_new_customers(make_workbook: MakeWorkbook) -> None:
    customers = [
        {"customer_id": "C1", "intent": "high"},
        {"customer_id": "C2", "intent": "中"},
        {"customer_id": "C3", "intent": "low"},
    ]
    table = rows(run(make_workbook, customers))
    assert table["due_by"].to_dict() == {
        "C1": pd.Timestamp(AS_OF + 24 * HOUR),
        "C2": pd.Timestamp(AS_OF + 48 * HOUR),
        "C3": pd.Timestamp(AS_OF + 72 * HOUR),
    }
    assert (table["escalate_at"] == pd.Timestamp(AS_OF + 3 * DAY)).all()
    assert not table["overdue"].any()


def test_sla_hours_from_settings(make_workbook: MakeWorkbook) -> None:
    settings = replace(Settings(), sla=replace(Settings().sla, high_hours=4, escalate_after_days=1))
    customers = [
        {"customer_id": "C1"},
        {"customer_id": "C2", "owner": "Zhang Wei", "last_contact": AS_OF - 5 * HOUR},
    ]
    table = rows(run(make_workbook, customers, settings=settings))
    assert table.at["C1", "due_by"] == AS_OF + 4 * HOUR
    assert table.at["C1", "escalate_at"] == AS_OF + 1 * DAY
    assert table.at["C2", "due_by"] == AS_OF - 1 * HOUR
    assert table.at["C2", "overdue"]
    assert table.at["C2", "reason"] == "kept by Zhang Wei; no follow-up for over 4 hours, overdue"


# --- §3.8 reasons ------------------------------------------------------------------------------


def test_reason_names_owner_and_candidates_in_english(make_workbook: MakeWorkbook) -> None:
    result = run(make_workbook, [{"customer_id": "C1"}], [ZHANG, {**LI, "points_balance": 10}])
    assert rows(result).at["C1", "reason"] == (
        "lowest points among 2 candidates in East (Zhang Wei, 0.0 points)"
    )


def test_reason_names_owner_and_candidates_in_chinese(make_workbook: MakeWorkbook) -> None:
    customers = [
        {"customer_id": "C1", "region": "华东区", "value": 20_000},
        {"customer_id": "C2", "region": "华东区", "owner": "李娜"},
        {
            "customer_id": "C3",
            "region": "华东区",
            "owner": "张伟",
            "last_contact": AS_OF - 31 * DAY,
        },
    ]
    reps = [
        {"rep_id": "S1", "name": "张伟", "territories": "华东", "points_balance": 12.5},
        {"rep_id": "S2", "name": "李娜", "territories": "华东", "active": "否"},
        {"rep_id": "S3", "name": "王芳", "territories": "华东", "points_balance": 40},
    ]
    table = rows(run(make_workbook, customers, reps, lang="zh"))
    assert table.at["C1", "reason"] == "华东区 2 名候选人中积分最低（张伟 12.5 分）"
    # C1 charged 张伟 75 → 87.5, so 王芳 (40) takes the next one.
    assert (
        table.at["C2", "reason"]
        == "原负责人 李娜 已离职；华东区 2 名候选人中积分最低（王芳 40.0 分）"
    )
    assert table.at["C3", "owner"] == "王芳"
    assert table.at["C3", "reason"].startswith("31 天未跟进，从 张伟 收回；华东区 1 名候选人中")


def test_every_row_has_a_reason_and_code(make_workbook: MakeWorkbook) -> None:
    result = _mixed(make_workbook)
    table = rows(result)
    assert table["reason"].str.len().gt(0).all()
    assert table["reason_code"].notna().all() and table["reason_code"].str.len().gt(0).all()


# --- Changes, reps summary, stats, conservation ------------------------------------------------


def _mixed(make_workbook: MakeWorkbook) -> Allocation:
    """One of everything (values chosen so the pool order is C1, C4, C5)."""
    customers = [
        {"customer_id": "C1", "value": 50_000},  # new → Zhang Wei
        {"customer_id": "C2", "owner": "Zhang Wei", "last_contact": AS_OF - 2 * HOUR},  # kept
        {
            "customer_id": "C3",
            "owner": "Zhang Wei",
            "last_contact": AS_OF - 40 * DAY,
        },  # reclaimed, nobody else → pool
        {"customer_id": "C4", "owner": "Li Na", "value": 40_000},  # handover → Zhang Wei
        {"customer_id": "C5", "owner": "Wang Fang", "value": 1_000},  # handover, no capacity
        {"customer_id": "C6", "owner": "Zhang Wei", "stage": "won"},  # closed
        {"customer_id": "C7", "value": -5},  # exception
        {"customer_id": "C8", "region": "North"},  # no territory
    ]
    reps = [
        {**ZHANG, "capacity": 2},
        {**LI, "active": "no"},
        {**WANG, "away_until": AS_OF + 5 * DAY},
    ]
    return run(make_workbook, customers, reps)


def test_mixed_outcomes(make_workbook: MakeWorkbook) -> None:
    result = _mixed(make_workbook)
    table = rows(result)
    assert table["owner"].map(plain).to_dict() == {
        "C1": "Zhang Wei",
        "C2": "Zhang Wei",
        "C3": None,
        "C4": "Zhang Wei",
        "C5": None,
        "C6": "Zhang Wei",
        "C8": None,
    }
    assert table["reason_code"].drop("C3").to_dict() == {
        "C1": "territory",
        "C2": "kept",
        "C4": "handover",
        "C5": "no_capacity",
        "C6": "closed",
        "C8": "no_territory",
    }
    assert result.exceptions["customer_id"].tolist() == ["C7"]
    assert result.exceptions["source_row"].tolist() == [8]
    assert "negative_number" in result.exceptions.at[0, "issue_codes"]
    assert list(result.assignments.columns[: len(OUTPUT_COLUMNS)]) == OUTPUT_COLUMNS
    assert table["source_row"].to_dict() == {
        "C1": 2,
        "C2": 3,
        "C3": 4,
        "C4": 5,
        "C5": 6,
        "C6": 7,
        "C8": 9,
    }


def test_changes_list_owner_before_and_after(make_workbook: MakeWorkbook) -> None:
    changes = _mixed(make_workbook).changes
    assert list(changes.columns) == [
        "customer_id",
        "customer",
        "owner_before",
        "owner_after",
        "reason_code",
        "reason",
        "source_row",
    ]
    listed = {
        row.customer_id: (plain(row.owner_before), plain(row.owner_after))
        for row in changes.itertuples()
    }
    # Kept (C2), closed (C6), the exception (C7) and a never-owned pool row (C8) do not change.
    assert listed == {
        "C1": (None, "Zhang Wei"),
        "C3": ("Zhang Wei", None),
        "C4": ("Li Na", "Zhang Wei"),
        "C5": ("Wang Fang", None),
    }


def test_reps_summary_and_points_ledger(make_workbook: MakeWorkbook) -> None:
    """Intent-only scores: C1 100, C2 60, C3 20, C4 20. Keys: Zhang 10, Li 30.
    C1 → Zhang (10 → 110); C2 → Li (30 → 90); C3 → Li (90 → 110);
    C4: tie 110 / 110 → Zhang, the lower position (→ 130), which fills him."""
    customers = [
        {"customer_id": "C1", "intent": "high"},
        {"customer_id": "C2", "intent": "medium"},
        {"customer_id": "C3", "intent": "low"},
        {"customer_id": "C4", "intent": "low"},
        {
            "customer_id": "C5",
            "intent": "medium",
            "owner": "Li Na",
            "last_contact": AS_OF - 1 * DAY,
        },
    ]
    reps = [
        {**ZHANG, "capacity": 2, "points_balance": 10, "team": "East team"},
        {**LI, "capacity": 3, "points_balance": 30},
    ]
    result = run(make_workbook, customers, reps, settings=INTENT_ONLY)
    table = rows(result)
    assert table["owner"].to_dict() == {
        "C1": "Zhang Wei",
        "C2": "Li Na",
        "C3": "Li Na",
        "C4": "Zhang Wei",
        "C5": "Li Na",
    }
    assert table.at["C4", "reason"] == (
        "lowest points among 2 candidates in East (Zhang Wei, 110.0 points)"
    )
    summary = result.reps.set_index("name")
    expected = pd.DataFrame(
        {
            "new": [2, 2],
            "kept": [0, 1],
            "open_total": [2, 3],
            "capacity_used": [1.0, 2 / 3],
            "value_new": [20_000.0, 20_000.0],
            "value_open": [20_000.0, 30_000.0],
            "points_before": [10.0, 30.0],
            "points_received": [120.0, 80.0],
            "points_balance_new": [130.0, 110.0],
            "tier_A": [1, 0],
            "tier_B": [0, 1],
            "tier_C": [1, 1],
        },
        index=pd.Index(["Zhang Wei", "Li Na"], name="name"),
    )
    pd.testing.assert_frame_equal(summary[expected.columns], expected, check_dtype=False)
    assert summary["rep_id"].tolist() == ["S1", "S2"]
    assert summary.at["Zhang Wei", "team"] == "East team"
    # The ledger: new balance = before + the scores of the customers received.
    received = table[table["reason_code"].eq("territory")].groupby("owner")["score"].sum()
    for name, total in received.items():
        assert summary.at[name, "points_balance_new"] == summary.at[name, "points_before"] + total


def test_stats(make_workbook: MakeWorkbook) -> None:
    result = _mixed(make_workbook)
    warnings = sum(1 for issue in result.issues if issue.severity == "warning")
    assert warnings == 1  # North is covered by no rep
    assert result.stats == {
        "customers_in": 8,
        "assigned": 2,
        "new": 1,
        "kept": 1,
        "reclaimed": 1,
        "reclaimed_assigned": 0,
        "handover": 2,
        "closed": 1,
        "unassigned": 3,
        "exceptions": 1,
        "conflicts": 0,
        "reps": 3,
        "reps_active": 1,
        "overdue": 0,
        "warnings": 1,
        "completeness": 87.5,
    }


def test_conservation_holds(make_workbook: MakeWorkbook) -> None:
    result = _mixed(make_workbook)
    check_conservation(result, 8)
    seen = pd.concat(
        [
            result.assignments["source_row"],
            result.unassigned["source_row"],
            result.exceptions["source_row"],
        ]
    )
    assert sorted(seen.tolist()) == list(range(2, 10))


def test_conservation_fails_loudly_on_a_missing_row(make_workbook: MakeWorkbook) -> None:
    result = _mixed(make_workbook)
    broken = replace(result, assignments=result.assignments.iloc[1:])
    with pytest.raises(InternalError, match="conservation broken: 8 input rows, 7 output rows"):
        check_conservation(broken, 8)


def test_conservation_fails_loudly_on_a_repeated_row(make_workbook: MakeWorkbook) -> None:
    result = _mixed(make_workbook)
    unassigned = result.unassigned
    repeated = pd.concat([unassigned.iloc[:-1], result.assignments.iloc[:1]])
    broken = replace(result, unassigned=repeated)
    with pytest.raises(InternalError, match="8 output rows, 7 distinct"):
        check_conservation(broken, 8)


def test_empty_pool(make_workbook: MakeWorkbook) -> None:
    customers = [
        {"customer_id": "C1", "owner": "Zhang Wei", "stage": "won"},
        {"customer_id": "C2", "owner": "Zhang Wei"},
    ]
    result = run(make_workbook, customers)
    assert rows(result)["reason_code"].to_dict() == {"C1": "closed", "C2": "kept"}
    assert result.unassigned.empty and result.changes.empty


def test_allocate_is_deterministic(make_workbook: MakeWorkbook) -> None:
    first, second = _mixed(make_workbook), _mixed(make_workbook)
    for name in ("assignments", "unassigned", "exceptions", "changes", "reps"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name))
    assert first.stats == second.stats


# --- known gaps (need a new reason code and message in i18n.py) --------------------------------


def test_reclaimed_with_only_the_previous_owner_is_not_called_uncovered(
    make_workbook: MakeWorkbook,
) -> None:
    customers = [{"customer_id": "C1", "owner": "Zhang Wei", "last_contact": AS_OF - 60 * DAY}]
    table = rows(run(make_workbook, customers, [ZHANG]))
    # Zhang Wei is active and covers East; he is only excluded as the previous owner.
    assert table.at["C1", "reason_code"] != "no_territory"
    assert "no active rep covers" not in table.at["C1", "reason"]


def test_preferred_winner_is_not_said_to_have_the_lowest_points(
    make_workbook: MakeWorkbook,
) -> None:
    reps = [
        {**ZHANG, "industries": "Finance"},
        {**LI, "industries": "Retail", "points_balance": 50},
    ]
    table = rows(run(make_workbook, [{"customer_id": "C1", "industry": "Retail"}], reps))
    assert table.at["C1", "owner"] == "Li Na"  # 50 points, Zhang Wei has 0
    assert "lowest points" not in table.at["C1", "reason"]


@pytest.mark.parametrize("strategy", sorted(REGISTRY))
def test_every_strategy_explains_its_assignments(
    make_workbook: MakeWorkbook, strategy: str
) -> None:
    customers = [{"customer_id": f"C{i}", "value": 1000 * (i + 1)} for i in range(3)]
    allocation = run(make_workbook, customers, settings=Settings(strategy=strategy))
    reasons = allocation.assignments["reason"]
    assert len(reasons) == 3
    assert reasons.str.contains("Zhang Wei").all(), reasons.tolist()
