"""Reasons of 全局最优 (SPEC §3.8): the candidates, the owner's rank by expected conversion,
why better candidates did not take the customer, capacity left, and the fairness limit."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from conftest import MakeWorkbook, allocate_file

from allocator.settings import OptimalSettings, Settings

ZHANG = {"rep_id": "S1", "name": "Zhang Wei", "territories": "East"}
LI = {"rep_id": "S2", "name": "Li Na", "territories": "East"}
WANG = {"rep_id": "S3", "name": "Wang Fang", "territories": "East"}


def history(owner: str, won: int, lost: int) -> list[dict[str, Any]]:
    """Closed Retail customers of ``owner``: they keep their owner and shape its rates."""
    return [
        {"customer_id": f"H{owner[:2]}{i}", "owner": owner, "stage": "won" if i < won else "lost"}
        for i in range(won + lost)
    ]


def new_rows(result: Any) -> pd.DataFrame:
    table = result.assignments.set_index("customer_id")
    return table[table["reason_code"].eq("territory")]


def settings(slack: float) -> Settings:
    return Settings(strategy="optimal", optimal=OptimalSettings(fairness_slack=slack))


def test_best_candidate_and_second_behind_a_full_one(make_workbook: MakeWorkbook) -> None:
    """Rates (won / closed shrunk toward the rep's and the team's, k = 5): team 6/14; Zhang Wei
    4/4 → 82 %, Li Na 1/4 → 31 %, Wang Fang 0/4 → 13 %. Zhang Wei has room for one: the
    higher score C1; C2 goes to Li Na, second behind a full Zhang Wei."""
    customers = [
        {"customer_id": "C1", "value": 20_000},
        {"customer_id": "C2", "value": 10_000},
        *history("Zhang Wei", 4, 0),
        *history("Li Na", 1, 3),
        *history("Wang Fang", 0, 4),
    ]
    reps = [{**ZHANG, "capacity": 1}, LI, WANG]
    table = new_rows(allocate_file(make_workbook(customers, reps), settings(math.inf)))
    assert table.at["C1", "reason"] == (
        "highest expected conversion in Retail among 3 candidates in East "
        "(Zhang Wei, 82%); 0 places left"
    )
    assert table.at["C2", "reason"] == (
        "Li Na ranks 2 of 3 candidates in East on expected conversion in Retail "
        "(31%, best 82%); those converting better are at capacity; 4 places left"
    )


def test_chinese_reasons(make_workbook: MakeWorkbook) -> None:
    customers = [
        {"customer_id": "C1", "value": 20_000},
        {"customer_id": "C2", "value": 10_000},
        *history("Zhang Wei", 4, 0),
        *history("Li Na", 1, 3),
        *history("Wang Fang", 0, 4),
    ]
    reps = [{**ZHANG, "capacity": 1}, LI, WANG]
    result = allocate_file(make_workbook(customers, reps), settings(math.inf), lang="zh")
    table = new_rows(result)
    assert table.at["C1", "reason"] == (
        "East 3 名候选人中“Retail”预计转化率最高（Zhang Wei 82%），容量剩余 0"
    )
    assert table.at["C2", "reason"] == (
        "East 3 名候选人中“Retail”预计转化率第 2（Li Na 31%，最高 82%）；"
        "转化率更高者已满，容量剩余 4"
    )


def test_fairness_limit_stops_the_better_rep(make_workbook: MakeWorkbook) -> None:
    """Four customers of equal score s; team 6/10, Zhang Wei 4/4 → 88 %, Li Na 1/4 → 36 %.
    Shares 2s, limits 2.5s: Zhang Wei takes two and, with capacity left, has no room for a
    third; Li Na's two say so. With the limit off (inf) Zhang Wei takes all four."""
    customers = [
        *({"customer_id": f"C{i}"} for i in range(1, 5)),
        *history("Zhang Wei", 4, 0),
        *history("Li Na", 1, 3),
    ]
    path = make_workbook(customers, [ZHANG, LI])
    table = new_rows(allocate_file(path, settings(0.25)))
    assert table["owner"].value_counts().to_dict() == {"Zhang Wei": 2, "Li Na": 2}
    li = table.loc[table["owner"].eq("Li Na"), "reason"]
    assert set(li) == {
        "Li Na ranks 2 of 2 candidates in East on expected conversion in Retail (36%, best 88%); "
        "those converting better reached their fairness limit; 3 places left"
    }
    unlimited = new_rows(allocate_file(path, settings(math.inf)))
    assert set(unlimited["owner"]) == {"Zhang Wei"}


def test_a_rep_kept_above_its_limit_is_named(make_workbook: MakeWorkbook) -> None:
    """Zhang Wei alone covers East: 积分制 gives him all three too (a customer is never left
    out while a candidate has room), so he takes them and every reason says he is above the
    limit, as under points."""
    customers = [
        {"customer_id": "C1"},
        {"customer_id": "C2"},
        {"customer_id": "C3"},
        {"customer_id": "C4", "region": "West"},
    ]
    reps = [ZHANG, {**LI, "territories": "West"}]
    table = new_rows(allocate_file(make_workbook(customers, reps), settings(0.25)))
    assert table.loc[["C1", "C2", "C3"], "owner"].tolist() == ["Zhang Wei"] * 3
    east = table.loc[["C1", "C2", "C3"], "reason"]
    assert east.str.endswith(
        "; Zhang Wei is above the fairness limit (as under points, and no further)"
    ).all()
    assert not table.at["C4", "reason"].endswith("fairness limit")
