"""Duplicate customers (撞单, SPEC §3.1) through small workbooks: a group owned by one rep, a group
claimed by several (each ``conflict_policy``, the Conflicts sheet, zh and en), an unowned group
dealt as one unit, and what does and does not claim a group."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pandas as pd
import pytest
from conftest import AS_OF, MakeWorkbook, allocate_file

from allocator.model import Allocation
from allocator.settings import DuplicateSettings, PoolSettings, Settings
from allocator.summary import CONFLICT_COLUMNS

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
ZHANG = {"rep_id": "S1", "name": "Zhang Wei"}
LI = {"rep_id": "S2", "name": "Li Na"}
WANG = {"rep_id": "S3", "name": "Wang Fang"}


def run(
    make_workbook: MakeWorkbook,
    customers: Sequence[dict[str, Any]],
    reps: Sequence[dict[str, Any]],
    *,
    policy: str = "earliest",
    settings: Settings | None = None,
    lang: str = "en",
) -> Allocation:
    chosen = settings or Settings()
    chosen = replace(chosen, duplicates=DuplicateSettings(conflict_policy=policy))
    return allocate_file(make_workbook(customers=customers, reps=reps), chosen, lang=lang)


def table(allocation: Allocation) -> pd.DataFrame:
    both = pd.concat([allocation.assignments, allocation.unassigned], ignore_index=True)
    return both.set_index("customer_id").sort_index()


def owners(allocation: Allocation) -> dict[str, str | None]:
    return {k: (None if pd.isna(v) else v) for k, v in table(allocation)["owner"].items()}


def summary(allocation: Allocation, name: str) -> pd.Series:
    return allocation.reps.set_index("name").loc[name]


# --- a group with one claiming owner ------------------------------------------------------------


def _owned_group() -> list[dict[str, Any]]:
    return [
        {
            "customer_id": "C1",
            "customer": "Shanghai Huaxin Tech Co., Ltd.",
            "phone": "13812345678",
            "owner": "Zhang Wei",
            "last_contact": AS_OF - 1 * DAY,
        },
        # same phone, other spelling of the name
        {"customer_id": "C2", "customer": "Huaxin Trading", "phone": "+86 138-1234-5678"},
        # same name; its owner has left
        {"customer_id": "C3", "customer": "Shanghai Huaxin Tech", "owner": "Li Na"},
        {"customer_id": "C4", "customer": "Beta Inc."},
    ]


def test_one_owner_keeps_the_group_without_using_capacity(make_workbook: MakeWorkbook) -> None:
    reps = [{**ZHANG, "capacity": 0}, {**LI, "active": "no"}, {**WANG, "capacity": 1}]
    result = run(make_workbook, _owned_group(), reps)
    rows = table(result)
    assert owners(result) == {
        "C1": "Zhang Wei",
        "C2": "Zhang Wei",
        "C3": "Zhang Wei",
        "C4": "Wang Fang",
    }
    assert rows["reason_code"].to_dict() == {
        "C1": "kept",
        "C2": "duplicate_of_owned",
        "C3": "duplicate_of_owned",
        "C4": "territory",
    }
    assert rows.at["C2", "reason"] == (
        "same customer as row 2 (Shanghai Huaxin Tech Co., Ltd.), which Zhang Wei owns"
    )
    assert rows.at["C3", "reason"] == (
        "previous owner Li Na has left; "
        "same customer as row 2 (Shanghai Huaxin Tech Co., Ltd.), which Zhang Wei owns"
    )
    # New to the rep, so due like a new customer.
    assert rows.at["C2", "due_by"] == AS_OF + 24 * HOUR
    zhang = summary(result, "Zhang Wei")
    assert (zhang["new"], zhang["handover"], zhang["kept"], zhang["open_total"]) == (0, 0, 3, 3)
    assert zhang["capacity_used"] == 0 and zhang["points_received"] == 0
    assert result.stats["assigned"] == 1 and result.stats["kept"] == 3
    assert result.stats["conflicts"] == 0 and result.conflicts.empty
    assert list(result.conflicts.columns) == CONFLICT_COLUMNS
    assert sorted(result.changes["customer_id"]) == ["C2", "C3", "C4"]


def test_one_owner_reason_in_chinese(make_workbook: MakeWorkbook) -> None:
    customers = [
        {"customer_id": "C1", "customer": "上海华信科技有限公司", "owner": "张伟"},
        {"customer_id": "C2", "customer": "上海华信科技"},
    ]
    reps = [{"rep_id": "S1", "name": "张伟", "territories": "East"}]
    rows = table(run(make_workbook, customers, reps, lang="zh"))
    assert rows.at["C2", "reason"] == "与第 2 行（上海华信科技有限公司）为同一客户，归 张伟 跟进"


def test_a_reclaimed_row_returns_to_the_owner_of_its_group(make_workbook: MakeWorkbook) -> None:
    customers = [
        {"customer_id": "C1", "email": "hx@huaxin.cn", "owner": "Zhang Wei"},
        {
            "customer_id": "C2",
            "email": " HX@Huaxin.cn",
            "owner": "Zhang Wei",
            "last_contact": AS_OF - 60 * DAY,
        },
    ]
    result = run(make_workbook, customers, [ZHANG, LI])
    rows = table(result)
    assert owners(result) == {"C1": "Zhang Wei", "C2": "Zhang Wei"}
    assert rows.at["C2", "reason_code"] == "duplicate_of_owned"
    # Back with its owner: no "reclaimed from" prefix.
    assert rows.at["C2", "reason"] == (
        "same customer as row 2 (Acme Co., Ltd.), which Zhang Wei owns"
    )
    assert result.stats["reclaimed"] == 1 and result.stats["reclaimed_assigned"] == 0
    assert result.changes.empty


# --- a group claimed by several owners (conflict) ----------------------------------------------


def _contested() -> list[dict[str, Any]]:
    """Three claimants: Li Na entered it first, Zhang Wei contacted it last, Wang Fang won it
    with the highest value; C4 is an unowned record of the same customer (by phone)."""
    return [
        {
            "customer_id": "C1",
            "customer": "Huaxin",
            "owner": "Li Na",
            "created": AS_OF - 100 * DAY,
            "last_contact": AS_OF - 20 * DAY,
            "value": 10_000,
        },
        {
            "customer_id": "C2",
            "customer": "Huaxin Co., Ltd.",
            "phone": "13812345678",
            "owner": "Zhang Wei",
            "created": AS_OF - 50 * DAY,
            "last_contact": AS_OF - 1 * DAY,
            "value": 5_000,
        },
        {
            "customer_id": "C3",
            "customer": "Huaxin Inc.",
            "owner": "Wang Fang",
            "stage": "won",
            "created": AS_OF - 10 * DAY,
            "value": 90_000,
        },
        {"customer_id": "C4", "customer": "HX Tech", "phone": "138 1234 5678"},
    ]


@pytest.mark.parametrize(
    ("policy", "winner", "row", "losers", "moved"),
    [
        ("earliest", "Li Na", 2, "Zhang Wei, Wang Fang", ["C2", "C4"]),
        ("latest_contact", "Zhang Wei", 3, "Li Na, Wang Fang", ["C1", "C4"]),
        ("highest_value", "Wang Fang", 4, "Zhang Wei, Li Na", ["C1", "C2", "C4"]),
    ],
)
def test_conflict_policy_picks_the_owner(
    make_workbook: MakeWorkbook,
    policy: str,
    winner: str,
    row: int,
    losers: str,
    moved: list[str],
) -> None:
    result = run(make_workbook, _contested(), [ZHANG, LI, WANG], policy=policy)
    rows = table(result)
    # Closed rows keep their owner; every open row goes to the winner.
    assert owners(result) == {"C1": winner, "C2": winner, "C3": "Wang Fang", "C4": winner}
    codes = rows["reason_code"].to_dict()
    assert codes.pop("C3") == "closed"
    assert {k for k, v in codes.items() if v == "conflict"} == set(moved)
    assert {v for k, v in codes.items() if k not in moved} <= {"kept"}
    for customer in moved:
        assert rows.at[customer, "reason"] == (
            f"duplicate also claimed by {losers}; kept by {winner} under '{policy}' (row {row})"
        )
    conflicts = result.conflicts
    assert list(conflicts.columns) == CONFLICT_COLUMNS
    assert conflicts["group"].tolist() == [2, 2, 2, 2]
    assert conflicts["customer_id"].tolist() == ["C1", "C2", "C3", "C4"]
    assert conflicts["source_row"].tolist() == [2, 3, 4, 5]
    assert conflicts["customer"].tolist() == [
        "Huaxin",
        "Huaxin Co., Ltd.",
        "Huaxin Inc.",
        "HX Tech",
    ]
    assert conflicts["claimant"].map(lambda v: None if pd.isna(v) else v).tolist() == [
        "Li Na",
        "Zhang Wei",
        "Wang Fang",
        None,
    ]
    assert conflicts["owner"].tolist() == [winner, winner, "Wang Fang", winner]
    decision = f"kept by {winner} under '{policy}' (row {row})"
    assert conflicts["decision"].tolist() == [
        decision,
        decision,
        "closed (won); stays with Wang Fang and is not re-allocated",
        decision,
    ]
    assert result.stats["conflicts"] == 1
    # Kept records moved between reps are listed as changes; nothing uses capacity.
    assert set(result.changes["customer_id"]) == set(moved)
    assert result.reps["capacity_used"].eq(0).all()
    assert result.stats["assigned"] == 0 and result.stats["kept"] == 3


def test_conflict_in_chinese(make_workbook: MakeWorkbook) -> None:
    customers = [
        {
            **row,
            "owner": {"Li Na": "李娜", "Zhang Wei": "张伟", "Wang Fang": "王芳"}.get(
                row.get("owner")
            ),
        }
        for row in _contested()
    ]
    reps = [
        {"rep_id": "S1", "name": "张伟", "territories": "East"},
        {"rep_id": "S2", "name": "李娜", "territories": "East"},
        {"rep_id": "S3", "name": "王芳", "territories": "East"},
    ]
    result = run(make_workbook, customers, reps, lang="zh")
    rows = table(result)
    assert (
        rows.at["C2", "reason"]
        == "撞单：张伟、王芳 也在跟进此客户，按最早录入规则归 李娜（第 2 行）"
    )
    assert result.conflicts["decision"].tolist() == [
        "按最早录入规则归 李娜（第 2 行）",
        "按最早录入规则归 李娜（第 2 行）",
        "已成交，保留负责人 王芳，不参与分配",
        "按最早录入规则归 李娜（第 2 行）",
    ]


@pytest.mark.parametrize(
    ("policy", "zh"), [("latest_contact", "最近跟进"), ("highest_value", "价值最高")]
)
def test_policy_names_in_chinese(make_workbook: MakeWorkbook, policy: str, zh: str) -> None:
    result = run(make_workbook, _contested(), [ZHANG, LI, WANG], policy=policy, lang="zh")
    assert result.conflicts["decision"].str.contains(f"按{zh}规则归").sum() == 3


def test_conflicts_are_counted_by_group(make_workbook: MakeWorkbook) -> None:
    customers = [
        {"customer_id": "C1", "customer": "Alpha", "owner": "Zhang Wei"},
        {"customer_id": "C2", "customer": "Alpha Inc.", "owner": "Li Na"},
        {"customer_id": "C3", "customer": "Beta", "owner": "Zhang Wei"},
        {"customer_id": "C4", "customer": "Beta LLC", "owner": "Li Na"},
        {"customer_id": "C5", "customer": "Gamma", "owner": "Li Na"},
    ]
    result = run(make_workbook, customers, [ZHANG, LI])
    assert result.stats["conflicts"] == 2
    assert result.conflicts["group"].tolist() == [2, 2, 4, 4]
    # Same creation date (none): the lowest row wins under "earliest".
    assert owners(result) == {
        "C1": "Zhang Wei",
        "C2": "Zhang Wei",
        "C3": "Zhang Wei",
        "C4": "Zhang Wei",
        "C5": "Li Na",
    }


def test_closed_rows_keep_their_owner_and_claim(make_workbook: MakeWorkbook) -> None:
    customers = [
        # Zhang Wei won it long ago: his claim is the earliest.
        {
            "customer_id": "C1",
            "customer": "Delta",
            "owner": "Zhang Wei",
            "stage": "won",
            "created": AS_OF - 300 * DAY,
        },
        {"customer_id": "C2", "customer": "Delta", "owner": "Li Na", "created": AS_OF - 9 * DAY},
        {
            "customer_id": "C3",
            "customer": "Delta",
            "owner": "Wang Fang",
            "stage": "lost",
            "created": AS_OF - 5 * DAY,
        },
    ]
    result = run(make_workbook, customers, [ZHANG, LI, WANG])
    assert owners(result) == {"C1": "Zhang Wei", "C2": "Zhang Wei", "C3": "Wang Fang"}
    assert table(result)["reason_code"].to_dict() == {
        "C1": "closed",
        "C2": "conflict",
        "C3": "closed",
    }
    assert result.conflicts["owner"].tolist() == ["Zhang Wei", "Zhang Wei", "Wang Fang"]


# --- a group nobody claims: one unit ------------------------------------------------------------


def test_unowned_group_is_dealt_as_one_unit(make_workbook: MakeWorkbook) -> None:
    customers = [
        {"customer_id": "C1", "customer": "Alpha Co.", "phone": "13900000001", "value": 10_000},
        # the best-scored row of the group: it is the one dealt
        {"customer_id": "C2", "customer": "Alpha", "value": 50_000},
        # linked through C1's phone; reclaimed from Wang Fang, who is therefore excluded
        {
            "customer_id": "C3",
            "customer": "Alpha Trading",
            "phone": "139-0000-0001",
            "value": 1_000,
            "owner": "Wang Fang",
            "last_contact": AS_OF - 40 * DAY,
        },
        {"customer_id": "C4", "customer": "Beta", "value": 20_000},
    ]
    reps = [
        {**ZHANG, "capacity": 1},
        {**LI, "capacity": 1, "points_balance": 10},
        {**WANG, "capacity": 5, "points_balance": 500},
    ]
    result = run(make_workbook, customers, reps)
    rows = table(result)
    # One slot for the whole group: Zhang Wei is full after it, so Beta goes to Li Na.
    assert owners(result) == {
        "C1": "Zhang Wei",
        "C2": "Zhang Wei",
        "C3": "Zhang Wei",
        "C4": "Li Na",
    }
    assert rows["reason_code"].to_dict() == {
        "C1": "territory",
        "C2": "territory",
        "C3": "territory",
        "C4": "territory",
    }
    dealt = "lowest points among 2 candidates in East (Zhang Wei, 0.0 points)"
    assert rows.at["C2", "reason"] == dealt
    assert rows.at["C1", "reason"] == "same customer as row 3; " + dealt
    assert rows.at["C3", "reason"] == (
        "no contact for 40 days, reclaimed from Wang Fang; same customer as row 3; " + dealt
    )
    assert rows.at["C4", "reason"] == (
        "lowest points among 3 candidates in East (Li Na, 10.0 points)"
    )
    zhang = summary(result, "Zhang Wei")
    assert zhang["capacity_used"] == 1.0
    assert (zhang["new"], zhang["reclaimed"], zhang["open_total"]) == (2, 1, 3)
    assert zhang["points_received"] == rows.at["C2", "score"]
    assert result.stats["assigned"] == 4


def test_a_unit_without_capacity_stays_in_the_pool_together(make_workbook: MakeWorkbook) -> None:
    customers = [
        {"customer_id": "C1", "customer": "Alpha", "value": 50_000},
        {"customer_id": "C2", "customer": "ALPHA Co., Ltd.", "value": 10_000},
    ]
    result = run(make_workbook, customers, [{**ZHANG, "capacity": 0}])
    rows = table(result)
    assert owners(result) == {"C1": None, "C2": None}
    assert rows["reason_code"].tolist() == ["no_capacity", "no_capacity"]
    cause = "all 1 candidates in East are at capacity this week; stays in the pool"
    assert rows.at["C1", "reason"] == cause
    assert rows.at["C2", "reason"] == "same customer as row 2; " + cause


def test_unit_prefix_in_chinese(make_workbook: MakeWorkbook) -> None:
    customers = [
        {"customer_id": "C1", "customer": "阿尔法科技有限公司", "value": 50_000, "region": "华东"},
        {"customer_id": "C2", "customer": "阿尔法科技", "value": 10_000, "region": "华东"},
    ]
    reps = [{"rep_id": "S1", "name": "张伟", "territories": "华东"}]
    rows = table(run(make_workbook, customers, reps, lang="zh"))
    assert (
        rows.at["C2", "reason"] == "与第 2 行为同一客户；华东 1 名候选人中积分最低（张伟 0.0 分）"
    )


# --- what does not claim ------------------------------------------------------------------------


def test_reclaimed_and_handover_rows_do_not_claim(make_workbook: MakeWorkbook) -> None:
    customers = [
        # stale: reclaimed from Zhang Wei
        {
            "customer_id": "C1",
            "customer": "Omega",
            "owner": "Zhang Wei",
            "created": AS_OF - 90 * DAY,
        },
        # Li Na has left: handover
        {"customer_id": "C2", "customer": "Omega Ltd.", "owner": "Li Na"},
        # Wang Fang is away: handover
        {"customer_id": "C3", "customer": "Omega Inc.", "owner": "Wang Fang"},
        {"customer_id": "C4", "customer": "Omega Group"},
    ]
    reps = [
        ZHANG,
        {**LI, "active": "no"},
        {**WANG, "away_until": AS_OF + 3 * DAY},
        {"rep_id": "S4", "name": "Zhao Lei", "points_balance": 50},
    ]
    result = run(make_workbook, customers, reps)
    # No claim: one unit, which may not go back to Zhang Wei (reclaimed from him).
    assert set(owners(result).values()) == {"Zhao Lei"}
    assert not table(result)["reason_code"].isin(["duplicate_of_owned", "conflict"]).any()
    assert result.conflicts.empty and result.stats["conflicts"] == 0
    assert summary(result, "Zhao Lei")["capacity_used"] == 1 / 5


def test_a_closed_row_of_a_departed_owner_does_not_claim(make_workbook: MakeWorkbook) -> None:
    customers = [
        {"customer_id": "C1", "customer": "Sigma", "owner": "Li Na", "stage": "won"},
        {"customer_id": "C2", "customer": "Sigma Co., Ltd."},
    ]
    result = run(make_workbook, customers, [ZHANG, {**LI, "active": "no"}])
    assert owners(result) == {"C1": "Li Na", "C2": "Zhang Wei"}
    assert table(result)["reason_code"].to_dict() == {"C1": "closed", "C2": "territory"}


def test_reclaimed_unit_returns_when_exclusion_is_off(make_workbook: MakeWorkbook) -> None:
    settings = replace(Settings(), pool=PoolSettings(exclude_previous_owner=False))
    customers = [
        {
            "customer_id": "C1",
            "customer": "Omega",
            "owner": "Zhang Wei",
            "created": AS_OF - 90 * DAY,
        },
        {"customer_id": "C2", "customer": "Omega Ltd."},
    ]
    result = run(make_workbook, customers, [ZHANG, {**LI, "points_balance": 50}], settings=settings)
    assert set(owners(result).values()) == {"Zhang Wei"}
