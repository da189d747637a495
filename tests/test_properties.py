"""Allocation invariants as hypothesis properties over generated workbooks (DESIGN.md, Tests):
written with ``write_workbook``, then read → validate → allocate, and checked against an
independent reading of the generated rows."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from conftest import AS_OF, write_workbook
from hypothesis import event, given, settings
from hypothesis import strategies as st

from allocator.allocate import allocate
from allocator.model import Allocation, RunInfo
from allocator.schema import validate
from allocator.settings import Settings
from allocator.strategies import REGISTRY
from allocator.workbook import read_workbook

# Place names and what they mean, independent of the tool's own normalisation.
PLACE = {
    "East": "east", "华东": "huadong", "华东区": "huadong", "North": "north", "West": "west",
    "上海": "shanghai", "上海市": "shanghai", "Jiangsu": "jiangsu", "江苏省": "jiangsu",
    "江苏": "jiangsu", "Suzhou": "suzhou", "苏州市": "suzhou",
}  # fmt: skip
REGIONS = ["East", "华东", "华东区", "North", "West", "上海市"]
PROVINCES = [None, "Jiangsu", "江苏省"]
CITIES = [None, "Suzhou", "苏州市", "上海"]
TERRITORIES = ["East", "华东区", "华东", "North", "上海", "江苏", "Suzhou", "*"]
LEVEL_RANK = {None: 1, "junior": 0, "新人": 0, "senior": 1, "资深": 1, "lead": 2, "主管": 2}
MIN_RANK = {"A": 1}  # tier A only to senior or lead (the default min_level)
CLOSED = {"won", "lost", "成交", "输单"}
RECLAIM_AFTER = timedelta(days=30)
FRESH_CODES = {"territory", "reclaimed", "handover"}

CUSTOMER_COLUMNS = [
    "customer_id",
    "customer",
    "industry",
    "region",
    "province",
    "city",
    "value",
    "intent",
    "history",
    "owner",
    "stage",
    "created",
    "last_contact",
]
REP_COLUMNS = [
    "rep_id",
    "name",
    "territories",
    "industries",
    "capacity",
    "level",
    "active",
    "away_until",
    "weight",
    "points_balance",
]


def days_before(draw: st.DrawFn, most: int) -> datetime | None:
    offset = draw(st.none() | st.integers(0, most * 24))
    return None if offset is None else AS_OF - timedelta(hours=offset)


@st.composite
def rep_rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    reps = []
    for j in range(draw(st.integers(1, 6))):
        places = draw(st.lists(st.sampled_from(TERRITORIES), min_size=1, max_size=3, unique=True))
        away = draw(st.sampled_from([None, None, None, -3, 0, 5]))
        reps.append({
            "rep_id": f"R{j}",
            "name": f"Rep {j}",
            "territories": draw(st.sampled_from(["、", ", ", "|"])).join(places),
            "industries": draw(st.sampled_from([None, "Retail", "Finance", "Retail、Finance"])),
            "capacity": draw(st.integers(0, 5)),
            "level": draw(st.sampled_from([*LEVEL_RANK, "junior", "新人"])),
            "active": draw(st.sampled_from([None, "yes", "在职", "no", "离职"])),
            "away_until": None if away is None else AS_OF + timedelta(days=away),
            "weight": draw(st.sampled_from([None, 1, 2, 0.5])),
            "points_balance": draw(st.sampled_from([None, 0, 20.5, 100])),
        })  # fmt: skip
    return reps


@st.composite
def customer_rows(draw: st.DrawFn, reps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    owners = [None, *(r["name"] for r in reps), *(r["rep_id"] for r in reps)]
    customers = []
    for i in range(draw(st.integers(0, 40))):
        customers.append({
            "customer_id": f"C{i:03d}",
            "customer": f"Customer {i}",
            "industry": draw(st.sampled_from(["Retail", "Finance", "Mining"])),
            "region": draw(st.sampled_from(REGIONS)),
            "province": draw(st.sampled_from(PROVINCES)),
            "city": draw(st.sampled_from(CITIES)),
            # -1 and "maybe" are row-level errors: the row goes to Exceptions.
            "value": draw(st.sampled_from([0, 500, 10_000, 250_000, 3_000_000, 3_000_000, -1])),
            "intent": draw(st.sampled_from(["high", "high", "高", "medium", "中", "low", "maybe"])),
            "history": draw(st.sampled_from([0, None, 5_000])),
            "owner": draw(st.sampled_from(owners)),
            "stage": draw(st.sampled_from([None, None, "new", "contacted", "proposal", "won",
                                           "lost", "成交"])),
            "created": days_before(draw, 400),
            "last_contact": days_before(draw, 60),
        })  # fmt: skip
    return customers


@st.composite
def workbooks(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    reps = draw(rep_rows())
    return draw(customer_rows(reps)), reps


@dataclass(frozen=True)
class Outcome:
    customers: list[dict[str, Any]]
    reps: dict[str, dict[str, Any]]
    """Generated rep rows by rep_id."""
    allocation: Allocation

    @property
    def placed(self) -> pd.DataFrame:
        return pd.concat(
            [self.allocation.assignments, self.allocation.unassigned], ignore_index=True
        )

    def rep_of(self, reference: str | None) -> dict[str, Any] | None:
        """The generated rep a customer's owner cell names (by name or id)."""
        for rep in self.reps.values():
            if reference in (rep["name"], rep["rep_id"]):
                return rep
        return None


def _grid(rows: list[dict[str, Any]], columns: list[str]) -> list[list[Any]]:
    return [columns, *([row[c] for c in columns] for row in rows)]


STRATEGIES = tuple(REGISTRY)


def strategy_for(customers: list[dict[str, Any]], reps: list[dict[str, Any]]) -> str:
    """Every property runs under every strategy across examples: the strategy is a function of
    the example's shape, so a failing example still reproduces with its strategy."""
    return STRATEGIES[(len(customers) + 7 * len(reps)) % len(STRATEGIES)]


def _allocate(path: Path, strategy: str = "points") -> Allocation:
    book = read_workbook(path, lang="en")
    inputs = validate(book, lang="en", as_of=AS_OF)
    info = RunInfo(
        input_path=str(path),
        input_sha256=book.sha256,
        as_of=AS_OF,
        strategy=strategy,
        language="en",
        version="test",
    )
    return allocate(inputs, Settings(strategy=strategy), as_of=AS_OF, lang="en", run=info)


def outcome(
    data: tuple[list[dict[str, Any]], list[dict[str, Any]]],
    runs: int = 1,
    columns: list[str] = CUSTOMER_COLUMNS,
) -> list[Outcome]:
    customers, reps = data
    with tempfile.TemporaryDirectory() as folder:
        path = write_workbook(
            Path(folder) / "in.xlsx",
            {
                "Customers": _grid(customers, columns),
                "Reps": _grid(reps, REP_COLUMNS),
            },
        )
        by_id = {r["rep_id"]: r for r in reps}
        strategy = strategy_for(customers, reps)
        return [Outcome(customers, by_id, _allocate(path, strategy)) for _ in range(runs)]


def is_valid(customer: dict[str, Any]) -> bool:
    return customer["value"] >= 0 and customer["intent"] != "maybe"


def available(rep: dict[str, Any]) -> bool:
    away = rep["away_until"]
    return rep["active"] not in ("no", "离职") and (away is None or away <= AS_OF)


def covers(rep: dict[str, Any], customer: dict[str, Any]) -> bool:
    tokens = {
        t.strip() for t in rep["territories"].replace("|", "、").replace(",", "、").split("、")
    }
    if "*" in tokens:
        return True
    places = {PLACE[customer[c]] for c in ("region", "province", "city") if customer[c]}
    return bool({PLACE[t] for t in tokens} & places)


def is_stale(customer: dict[str, Any]) -> bool:
    seen = customer["last_contact"] or customer["created"]
    return seen is not None and AS_OF - seen >= RECLAIM_AFTER


def by_id(result: Outcome) -> dict[str, dict[str, Any]]:
    return {row["customer_id"]: row for row in result.placed.to_dict("records")}


def blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value))


PROPERTY = settings(max_examples=25, deadline=None)


@PROPERTY
@given(workbooks())
def test_capacity_never_exceeded(data: tuple[list[dict[str, Any]], list[dict[str, Any]]]) -> None:
    (result,) = outcome(data)
    assignments = result.allocation.assignments
    fresh = assignments[assignments["reason_code"].isin(FRESH_CODES)]
    per_rep = fresh["owner_id"].value_counts()
    for rep_id, count in per_rep.items():
        assert count <= result.reps[rep_id]["capacity"], rep_id
    summary = result.allocation.reps.set_index("rep_id")
    new_total = summary["new"] + summary["reclaimed"] + summary["handover"]
    assert new_total.to_dict() == per_rep.reindex(summary.index, fill_value=0).to_dict()
    assert (new_total <= summary["capacity"]).all()


@PROPERTY
@given(workbooks())
def test_each_input_row_exactly_once(
    data: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    (result,) = outcome(data)
    allocation = result.allocation
    seen = pd.concat(
        [
            allocation.assignments["source_row"],
            allocation.unassigned["source_row"],
            allocation.exceptions["source_row"],
        ]
    ).tolist()
    assert sorted(seen) == list(range(2, 2 + len(result.customers)))
    invalid = [c["customer_id"] for c in result.customers if not is_valid(c)]
    assert sorted(allocation.exceptions["customer_id"]) == invalid
    assert allocation.stats["customers_in"] == len(result.customers)
    assert allocation.stats["exceptions"] == len(invalid)


@PROPERTY
@given(workbooks())
def test_only_eligible_reps_get_new_customers(
    data: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    (result,) = outcome(data)
    rows = by_id(result)
    for customer in result.customers:
        row = rows.get(customer["customer_id"])
        if row is None or row["reason_code"] not in FRESH_CODES:
            continue
        rep = result.reps[row["owner_id"]]
        assert available(rep), (customer, rep)
        assert covers(rep, customer), (customer, rep)
        assert LEVEL_RANK[rep["level"]] >= MIN_RANK.get(row["tier"], 0), (customer, rep, row)


@PROPERTY
@given(workbooks())
def test_kept_owners_are_kept(data: tuple[list[dict[str, Any]], list[dict[str, Any]]]) -> None:
    (result,) = outcome(data)
    rows = by_id(result)
    for customer in filter(is_valid, result.customers):
        row = rows[customer["customer_id"]]
        owner = result.rep_of(customer["owner"])
        if customer["stage"] in CLOSED:
            assert row["reason_code"] == "closed"
            assert (None if blank(row["owner_id"]) else row["owner_id"]) == (
                owner and owner["rep_id"]
            )
        elif owner is not None and available(owner) and not is_stale(customer):
            assert row["reason_code"] == "kept"
            assert row["owner_id"] == owner["rep_id"]
        else:
            assert row["reason_code"] != "kept"
        if row["reason_code"] == "kept":
            assert owner is not None and row["owner_id"] == owner["rep_id"]


@PROPERTY
@given(workbooks())
def test_reclaimed_never_to_the_previous_owner(
    data: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    (result,) = outcome(data)
    rows = by_id(result)
    reclaimed = 0
    for customer in filter(is_valid, result.customers):
        owner = result.rep_of(customer["owner"])
        if customer["stage"] in CLOSED or owner is None or not available(owner):
            continue
        if not is_stale(customer):
            continue
        reclaimed += 1
        row = rows[customer["customer_id"]]
        assert row["previous_owner"] == owner["name"]
        assert row["owner_id"] != owner["rep_id"]
        assert row["reason"].startswith("no contact for ")
        if not blank(row["owner"]):
            assert row["reason_code"] == "reclaimed"
    assert result.allocation.stats["reclaimed"] == reclaimed


@settings(max_examples=15, deadline=None)
@given(workbooks())
def test_same_input_same_output(data: tuple[list[dict[str, Any]], list[dict[str, Any]]]) -> None:
    first, second = outcome(data, runs=2)
    for name in ("assignments", "unassigned", "exceptions", "changes", "reps"):
        pd.testing.assert_frame_equal(
            getattr(first.allocation, name), getattr(second.allocation, name)
        )
    assert first.allocation.stats == second.allocation.stats


@PROPERTY
@given(workbooks())
def test_every_row_has_a_reason(data: tuple[list[dict[str, Any]], list[dict[str, Any]]]) -> None:
    (result,) = outcome(data)
    placed = result.placed
    assert placed["reason_code"].map(lambda c: isinstance(c, str) and c != "").all()
    assert placed["reason"].map(lambda r: isinstance(r, str) and r.strip() != "").all()
    unowned = placed[placed["owner"].isna() & placed["reason_code"].ne("closed")]
    assert (
        unowned["reason_code"]
        .isin(["no_territory", "no_other_rep", "no_industry", "no_level", "no_capacity"])
        .all()
    )


# --- duplicates (撞单) ---------------------------------------------------------------------------

# Spellings of the same company and of the same phone, by what they mean (not by the tool's keys).
SAME_NAME = {
    "huaxin": ["上海华信科技有限公司", "上海华信科技", "上海 华信科技股份有限公司"],
    "acme": ["Acme Co., Ltd.", "ACME Inc.", "acme"],
    "delta": ["Delta LLC", "ＤＥＬＴＡ"],
    "huarun": ["华润集团", "华润"],
    "omega": ["Omega Ltd.", "OMEGA Limited", "omega"],
    "sigma": ["Sigma GmbH", "SIGMA"],
}
SAME_PHONE = {
    "p1": ["13812345678", "+86 138-1234-5678", "0086 138 1234 5678"],
    "p2": ["13900000001", "139-0000-0001"],
    "p3": ["021-6123 4567", "02161234567"],
}


@st.composite
def duplicate_workbooks(
    draw: st.DrawFn,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[set[str]]]:
    """The generated workbooks with some customers renamed to shared companies and given shared
    phones; per customer, the identity tokens that make it the same customer as others."""
    customers, reps = draw(workbooks())
    tokens = []
    for customer in customers:
        mine = set()
        company = draw(st.sampled_from([None, None, *SAME_NAME]))
        if company is not None:
            customer["customer"] = draw(st.sampled_from(SAME_NAME[company]))
            mine.add("name:" + company)
        phone = draw(st.sampled_from([None, None, None, None, *SAME_PHONE]))
        customer["phone"] = None if phone is None else draw(st.sampled_from(SAME_PHONE[phone]))
        if phone is not None:
            mine.add("phone:" + phone)
        if mine and draw(st.booleans()):  # unowned records: groups nobody claims
            customer["owner"] = None
        tokens.append(mine)
    return customers, reps, tokens


def same_customer_groups(tokens: list[set[str]]) -> list[set[int]]:
    """Positions that share a token, transitively (a plain fixpoint over the few rows)."""
    groups: list[tuple[set[int], set[str]]] = []
    for position, mine in enumerate(tokens):
        rows, keys = {position}, set(mine)
        for other in [g for g in groups if g[1] & keys]:
            groups.remove(other)
            rows |= other[0]
            keys |= other[1]
        groups.append((rows, keys))
    return [rows for rows, _ in groups]


@settings(max_examples=50, deadline=None)
@given(duplicate_workbooks())
def test_no_open_duplicate_group_is_split(
    data: tuple[list[dict[str, Any]], list[dict[str, Any]], list[set[str]]],
) -> None:
    customers, reps, tokens = data
    valid = [i for i, c in enumerate(customers) if is_valid(c)]
    (result,) = outcome((customers, reps), columns=[*CUSTOMER_COLUMNS, "phone"])
    rows = by_id(result)
    conflicted: set[int] = set()
    groups = same_customer_groups([tokens[i] for i in valid])
    for members in groups:
        group = [customers[valid[i]] for i in members]
        open_rows = [rows[c["customer_id"]] for c in group if c["stage"] not in CLOSED]
        held_by = {None if blank(r["owner_id"]) else r["owner_id"] for r in open_rows}
        assert len(held_by) <= 1, (group, open_rows)
        claimants = set()
        for customer in group:
            owner = result.rep_of(customer["owner"])
            if owner is None or not available(owner):
                continue
            if customer["stage"] in CLOSED or not is_stale(customer):
                claimants.add(owner["rep_id"])
        if len(claimants) > 1:
            conflicted |= {2 + valid[i] for i in members}
    conflicts = result.allocation.conflicts
    assert set(conflicts["source_row"]) == conflicted
    event("with a conflict" if conflicted else "without conflicts")
    event(f"duplicate groups: {min(sum(len(g) > 1 for g in groups), 3)}")
    # A duplicate group dealt by the strategy takes one capacity slot, however many rows it has.
    placed = result.placed
    dealt = placed[
        placed["reason_code"].isin(FRESH_CODES)
        & ~placed["reason"].str.contains("same customer as row", regex=False)
    ]
    for rep_id, count in dealt["owner_id"].value_counts().items():
        assert count <= result.reps[rep_id]["capacity"], rep_id
