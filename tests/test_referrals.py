"""Referrals (转介绍): a pool customer goes first to the owner of the customer who referred it."""

from __future__ import annotations

from typing import Any

import pandas as pd
from conftest import AS_OF, MakeWorkbook, allocate_file

REPS = [
    {"rep_id": "S1", "name": "Zhang Wei", "territories": "East", "capacity": 5},
    {"rep_id": "S2", "name": "Li Na", "territories": "South", "capacity": 1},
    {"rep_id": "S3", "name": "Wang Fang", "territories": "East", "capacity": 5, "active": "no"},
]
FRESH = AS_OF - pd.Timedelta(days=2)
REFERRER = {"customer_id": "C1", "customer": "Huaxin Tech Co., Ltd.", "owner": "Li Na",
            "stage": "won", "region": "South"}  # fmt: skip


def _rows(
    make_workbook: MakeWorkbook,
    customers: list[dict[str, Any]],
    lang: str = "en",
    reps: list[dict[str, Any]] = REPS,
) -> pd.DataFrame:
    allocation = allocate_file(make_workbook(customers, reps), lang=lang)
    return pd.concat([allocation.assignments, allocation.unassigned]).set_index("customer_id")


def test_referral_goes_to_the_referrers_owner_outside_territory(
    make_workbook: MakeWorkbook,
) -> None:
    # Li Na covers only South; the referred customer is in East, still hers first.
    rows = _rows(make_workbook, [REFERRER, {"customer_id": "C2", "referred_by": "C1"}])
    assert rows.at["C2", "owner"] == "Li Na"
    assert rows.at["C2", "reason_code"] == "referral"
    assert (
        rows.at["C2", "reason"] == "referred by the customer of row 2, whose owner Li Na takes it"
    )


def test_referral_by_company_name_ignores_legal_suffixes(make_workbook: MakeWorkbook) -> None:
    rows = _rows(
        make_workbook,
        [REFERRER, {"customer_id": "C2", "referred_by": "Huaxin Tech"}],
        lang="zh",
    )
    assert rows.at["C2", "owner"] == "Li Na"
    assert rows.at["C2", "reason"] == "由第 2 行的客户转介绍，归其负责人 Li Na 跟进"


def test_referrer_owner_who_left_gives_no_referral(make_workbook: MakeWorkbook) -> None:
    referrer = {**REFERRER, "owner": "Wang Fang", "region": "East"}
    rows = _rows(make_workbook, [referrer, {"customer_id": "C2", "referred_by": "C1"}])
    assert rows.at["C2", "owner"] == "Zhang Wei"
    assert rows.at["C2", "reason_code"] == "territory"


def test_referrals_beyond_the_owners_capacity_go_the_normal_way(
    make_workbook: MakeWorkbook,
) -> None:
    customers = [
        REFERRER,
        {"customer_id": "C2", "referred_by": "C1", "value": 500},
        {"customer_id": "C3", "referred_by": "C1", "value": 90000},
    ]
    rows = _rows(make_workbook, customers)
    assert rows.at["C3", "owner"] == "Li Na"  # the better score takes her one slot
    assert rows.at["C2", "owner"] == "Zhang Wei"
    assert rows.at["C2", "reason_code"] == "territory"


def test_unknown_referrer_is_ignored(make_workbook: MakeWorkbook) -> None:
    rows = _rows(make_workbook, [{"customer_id": "C2", "referred_by": "Nobody Ltd"}])
    assert rows.at["C2", "owner"] == "Zhang Wei"
    assert rows.at["C2", "reason_code"] == "territory"


def test_referral_goes_before_a_rule(make_workbook: MakeWorkbook) -> None:
    path = make_workbook(
        [REFERRER, {"customer_id": "C2", "referred_by": "C1"}],
        REPS,
        extra_sheets={"Rules": [{"name": "all east", "region": "East", "assign_to": "Zhang Wei"}]},
    )
    rows = allocate_file(path).assignments.set_index("customer_id")
    assert rows.at["C2", "owner"] == "Li Na"
    assert rows.at["C2", "reason_code"] == "referral"


def test_referrers_by_id_and_by_name_in_one_book(make_workbook: MakeWorkbook) -> None:
    other = {"customer_id": "C9", "customer": "Blue Sky Ltd", "owner": "Zhang Wei",
             "stage": "won", "region": "East"}  # fmt: skip
    rows = _rows(
        make_workbook,
        [
            REFERRER,
            other,
            {"customer_id": "C2", "referred_by": "C9", "region": "South"},
            {"customer_id": "C3", "referred_by": "Huaxin Tech", "region": "East"},
        ],
    )
    # Each goes against its territory: only the referral explains the owner.
    assert rows.at["C2", "owner"] == "Zhang Wei"
    assert rows.at["C3", "owner"] == "Li Na"
    assert set(rows.loc[["C2", "C3"], "reason_code"]) == {"referral"}
