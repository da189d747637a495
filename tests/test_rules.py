"""The Rules sheet: parsing, validation with cell references, matching and routing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import AS_OF, MakeWorkbook, allocate_file
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator.cli import cli
from allocator.errors import ValidationFailed
from allocator.pipeline import prepare
from allocator.rules import Rule, match_rules
from allocator.settings import Settings

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"

REPS = [
    {"rep_id": "S1", "name": "Zhang Wei", "territories": "East", "team": "East Team",
     "level": "senior", "capacity": 5},
    {"rep_id": "S2", "name": "Li Na", "territories": "East", "team": "East Team",
     "level": "lead", "capacity": 5},
    {"rep_id": "S3", "name": "Wang Fang", "territories": "South", "team": "South Team",
     "level": "junior", "capacity": 5},
]  # fmt: skip


def _prepared(
    make_workbook: MakeWorkbook,
    customers: list[dict[str, Any]],
    rules: list[dict[str, Any]],
    lang: str = "en",
) -> Any:
    path = make_workbook(customers, REPS, extra_sheets={"Rules": rules})
    return prepare(path, settings=Settings(), as_of=AS_OF, lang=lang)


def _fatal(make_workbook: MakeWorkbook, rules: list[dict[str, Any]], lang: str = "en") -> list[Any]:
    with pytest.raises(ValidationFailed) as raised:
        _prepared(make_workbook, [{"customer_id": "C1"}], rules, lang)
    return [i for i in raised.value.issues if i.severity == "fatal"]


def test_rules_are_parsed_in_order_with_targets(make_workbook: MakeWorkbook) -> None:
    rules = [
        {"order": 2, "name": "to team", "industry": "Retail", "assign_to": "team:South Team"},
        {"order": 1, "name": "vip", "min_value": 100000, "assign_to": "Li Na", "method": "轮询"},
        {"order": 3, "name": "leads", "assign_to": "级别:主管", "cap": 2},
        {"order": 4, "name": "off", "enabled": "否", "assign_to": "nobody at all"},
        {"order": 5, "name": "pool", "intent": "低", "tier": "c", "assign_to": "公海"},
    ]
    parsed = _prepared(make_workbook, [{"customer_id": "C1"}], rules).inputs.rules
    assert [r.name for r in parsed] == ["vip", "to team", "leads", "pool"]
    assert [(r.target_kind, r.target) for r in parsed] == [
        ("rep", "S2"),
        ("team", "southteam"),
        ("level", "lead"),
        ("pool", ""),
    ]
    assert parsed[0].method == "round_robin" and parsed[0].min_value == 100000
    assert parsed[2].cap == 2
    assert parsed[3].intents == ("low",) and parsed[3].tiers == ("C",)


@pytest.mark.parametrize(
    ("rule", "code", "cell", "fragment"),
    [
        ({"assign_to": "Nobody"}, "unknown_rule_target", "Rules!A2", "'Nobody'"),
        ({"assign_to": "team:Moon Team"}, "unknown_rule_team", "Rules!A2", "East Team, South Team"),
        ({"assign_to": "level:boss"}, "unknown_rule_target", "Rules!A2", "'level:boss'"),
        ({"assign_to": "Li Na", "method": "balance"}, "unknown_rule_method", "Rules!B2",
         "did you mean 'balanced'?"),
        ({"assign_to": "Li Na", "region": "Mars"}, "unknown_rule_region", "Rules!B2", "'Mars'"),
        ({"assign_to": "Li Na", "intent": "maybe"}, "unknown_rule_intent", "Rules!B2", "'maybe'"),
        ({"assign_to": "Li Na", "tier": "D"}, "unknown_rule_tier", "Rules!B2", "'D'"),
        ({"assign_to": "Li Na", "min_value": 10, "max_value": 5}, "rule_value_range", "Rules!C2",
         "10"),
    ],
)  # fmt: skip
def test_invalid_rules_are_fatal_with_their_cell(
    make_workbook: MakeWorkbook, rule: dict[str, Any], code: str, cell: str, fragment: str
) -> None:
    issues = _fatal(make_workbook, [rule])
    assert [(i.code, i.cell) for i in issues] == [(code, cell)]
    assert fragment in issues[0].message


def test_invalid_rule_message_in_chinese(make_workbook: MakeWorkbook) -> None:
    (issue,) = _fatal(make_workbook, [{"assign_to": "王小二"}], lang="zh")
    assert issue.message.startswith("Rules!A2：")
    assert "王小二" in issue.message


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    base = {
        "region": "East",
        "province": None,
        "city": None,
        "industry": "Retail",
        "source": None,
        "intent": "high",
        "tier": "B",
        "value": 10.0,
        "score": 50.0,
    }
    frame = pd.DataFrame([{**base, **row} for row in rows], columns=list(base))
    frame["customer_id"] = [f"C{i}" for i in range(len(frame))]
    return frame


def test_first_matching_rule_wins_and_blank_criteria_match_all() -> None:
    customers = _frame(
        [{"industry": "Retail"}, {"industry": "Finance"}, {"region": "South", "industry": "Oil"}]
    )
    rules = (
        Rule(row=2, name="retail", industries=("retail",), target_kind="pool"),
        Rule(row=3, name="east", regions=("east",), target_kind="pool"),
        Rule(row=4, name="all", target_kind="pool"),
    )
    assert match_rules(customers, rules).tolist() == [0, 1, 2]


def test_value_bounds_min_inclusive_max_exclusive() -> None:
    customers = _frame([{"value": 99.0}, {"value": 100.0}, {"value": 200.0}])
    rules = (Rule(row=2, name="mid", min_value=100.0, max_value=200.0, target_kind="pool"),)
    assert match_rules(customers, rules).tolist() == [-1, 0, -1]


def test_cap_takes_the_best_scores_and_the_rest_fall_through() -> None:
    customers = _frame([{"score": 10.0}, {"score": 90.0}, {"score": 50.0}, {"score": 70.0}])
    rules = (
        Rule(row=2, name="capped", target_kind="pool", cap=2),
        Rule(row=3, name="next", target_kind="pool"),
    )
    assert match_rules(customers, rules).tolist() == [1, 0, 1, 0]


def test_region_criterion_matches_province_and_city() -> None:
    customers = _frame(
        [
            {"region": "华东", "province": "浙江省", "city": "杭州"},
            {"region": "华东", "province": "江苏", "city": "南京市"},
            {"region": "华南", "province": "广东", "city": "深圳"},
        ]
    )
    rules = (Rule(row=2, name="zj", regions=("浙江", "南京"), target_kind="pool"),)
    assert match_rules(customers, rules).tolist() == [0, 0, -1]


def _run(
    make_workbook: MakeWorkbook,
    customers: list[dict[str, Any]],
    rules: list[dict[str, Any]],
    lang: str = "en",
) -> pd.DataFrame:
    path = make_workbook(customers, REPS, extra_sheets={"Rules": rules})
    allocation = allocate_file(path, lang=lang)
    rows = pd.concat([allocation.assignments, allocation.unassigned])
    return rows.set_index("customer_id")


def test_rule_replaces_the_territory_test(make_workbook: MakeWorkbook) -> None:
    # Wang Fang covers only South, but the rule sends East retail customers to her team.
    rows = _run(
        make_workbook,
        [{"customer_id": "C1", "industry": "Retail", "intent": "low"}],
        [{"name": "retail to south", "industry": "Retail", "assign_to": "team:South Team"}],
    )
    assert rows.at["C1", "owner"] == "Wang Fang"
    assert rows.at["C1", "reason_code"] == "rule"
    assert "retail to south" in rows.at["C1", "reason"]


def test_pool_rule_leaves_the_customer_unassigned(make_workbook: MakeWorkbook) -> None:
    rows = _run(
        make_workbook,
        [{"customer_id": "C1", "intent": "low"}],
        [{"name": "cold leads", "intent": "low", "assign_to": "pool"}],
        lang="zh",
    )
    assert pd.isna(rows.at["C1", "owner"])
    assert rows.at["C1", "reason_code"] == "pool_rule"
    assert "cold leads" in rows.at["C1", "reason"]


def test_rule_still_respects_level_for_tier_a(make_workbook: MakeWorkbook) -> None:
    rows = _run(
        make_workbook,
        [{"customer_id": "C1", "value": 5_000_000, "history": 900000, "intent": "high"}],
        [{"name": "south", "assign_to": "team:South Team"}],
    )
    assert rows.at["C1", "tier"] == "A"
    assert pd.isna(rows.at["C1", "owner"])  # Wang Fang is junior
    assert rows.at["C1", "reason_code"] == "no_level"


def test_rule_method_overrides_the_default_strategy(make_workbook: MakeWorkbook) -> None:
    customers = [{"customer_id": f"C{i}", "value": 1000 * (i + 1)} for i in range(4)]
    rows = _run(
        make_workbook,
        customers,
        [{"name": "rr", "assign_to": "team:East Team", "method": "round_robin"}],
    )
    owners = rows.loc[["C3", "C2", "C1", "C0"], "owner"].tolist()
    assert owners == ["Zhang Wei", "Li Na", "Zhang Wei", "Li Na"]


def test_rules_sample_gives_each_rule_its_owner() -> None:
    """sample_workbooks/rules_zh.xlsx: every customer routed by a rule ends with an owner named
    by that rule's 分配给, or in the pool for the 公海 rule."""
    from allocator.pipeline import run

    result = run(SAMPLES / "rules_zh.xlsx", settings=Settings(), as_of=AS_OF, dry_run=True)
    allocation = result.allocation
    rows = pd.concat([allocation.assignments, allocation.unassigned], ignore_index=True)
    reps = pd.read_excel(SAMPLES / "rules_zh.xlsx", sheet_name="销售", header=1, engine="calamine")
    leads = set(reps.loc[reps["级别"] == "主管", "姓名"])
    south = set(reps.loc[reps["团队"] == "华南组", "姓名"])
    routed = rows[rows["reason"].str.contains("规则“", regex=False)]
    assert set(routed["reason"].str.extract(r"规则“(.+?)”")[0]) >= {
        "转介绍给主管",
        "医疗大客户",
        "华南物流",
        "低意向C级留公海",
    }
    by_rule = routed.groupby(routed["reason"].str.extract(r"规则“(.+?)”")[0])
    for name, group in by_rule:
        owners = set(group["owner"].dropna())
        if name == "转介绍给主管":
            assert owners <= leads and (group["source"] == "转介绍").all()
        elif name == "医疗大客户":
            assert owners <= {"杨萍"} and len(group) <= 5
            assert (group["value"] >= 300000).all() and (group["industry"] == "医疗健康").all()
        elif name == "华南物流":
            assert owners <= south
        elif name == "低意向C级留公海":
            assert not owners and (group["reason_code"] == "pool_rule").all()
        else:
            pytest.fail(f"unexpected rule {name}")
    assert not routed["reason"].str.contains("停用的规则").any()


def test_validate_reports_rule_cells_on_the_cli(
    runner: CliRunner, make_workbook: MakeWorkbook
) -> None:
    path = make_workbook([{}], REPS, extra_sheets={"Rules": [{"assign_to": "Nobody"}]})
    result = runner.invoke(cli, ["validate", str(path), "--json"])
    assert result.exit_code == 3
    assert [(i["code"], i["cell"]) for i in json.loads(result.stdout)] == [
        ("unknown_rule_target", "Rules!A2")
    ]


REGIONS, INDUSTRIES = ("East", "South", "North"), ("Retail", "Finance")


@st.composite
def _rules_and_customers(draw: st.DrawFn) -> tuple[tuple[Rule, ...], pd.DataFrame]:
    rules = tuple(
        Rule(
            row=i + 2,
            name=f"r{i}",
            regions=tuple(draw(st.sets(st.sampled_from([r.casefold() for r in REGIONS])))),
            industries=tuple(draw(st.sets(st.sampled_from([i.casefold() for i in INDUSTRIES])))),
            intents=tuple(draw(st.sets(st.sampled_from(["high", "medium", "low"]), max_size=2))),
            min_value=draw(st.none() | st.sampled_from([0.0, 50.0, 100.0])),
            target_kind="pool",
            cap=draw(st.none() | st.integers(0, 3)),
        )
        for i in range(draw(st.integers(0, 5)))
    )
    size = draw(st.integers(0, 25))
    customers = _frame([
        {
            "region": draw(st.sampled_from(REGIONS)),
            "industry": draw(st.sampled_from(INDUSTRIES)),
            "intent": draw(st.sampled_from(["high", "medium", "low"])),
            "value": draw(st.sampled_from([10.0, 60.0, 150.0])),
            "score": draw(st.floats(0, 100, allow_nan=False)),
        }
        for _ in range(size)
    ])  # fmt: skip
    return rules, customers


@settings(max_examples=150, deadline=None)
@given(_rules_and_customers())
def test_rule_order_and_caps_are_respected(data: tuple[tuple[Rule, ...], pd.DataFrame]) -> None:
    from allocator.rules import rule_mask

    rules, customers = data
    chosen = match_rules(customers, rules)
    masks = [rule_mask(rule, customers) for rule in rules]
    priority = sorted(
        range(len(customers)),
        key=lambda i: (-customers["score"].iat[i], customers["customer_id"].iat[i]),
    )
    rank = {row: position for position, row in enumerate(priority)}
    for row, rule in enumerate(chosen.tolist()):
        if rule >= 0:
            assert masks[rule][row], "a customer went to a rule it does not match"
        for earlier in range(len(rules) if rule < 0 else rule):
            if masks[earlier][row]:
                # An earlier matching rule was passed over only because it was full of
                # better-ranked customers.
                taken = np.flatnonzero(chosen == earlier)
                assert rules[earlier].cap is not None and len(taken) == rules[earlier].cap
                assert all(rank[t] < rank[row] for t in taken)
    for index, rule in enumerate(rules):
        if rule.cap is not None:
            assert (chosen == index).sum() <= rule.cap
