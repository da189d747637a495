"""Header normalisation, aliases, header-row detection and sheet lookup (SPEC §1)."""

from __future__ import annotations

import pytest

from allocator.headers import (
    CUSTOMERS,
    REPS,
    RULES,
    detect_header,
    find_sheet,
    match_header_row,
    normalise_header,
    normalise_sheet_name,
)

CUSTOMER_HEADER_ZH = ["客户编号", "客户名称", "行业", "区域", "潜在价值", "合作意向", "历史交易"]
CUSTOMER_HEADER_EN = [
    "Customer ID", "Customer Name", "Industry", "Region", "Potential Value", "Intent",
    "Past Revenue",
]  # fmt: skip
CUSTOMER_ROW = ["00123", "上海华信科技有限公司", "零售", "华东", 120000, "高", None]


# --- normalise_header -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("客户名称", "客户名称"),
        ("客户名称（必填）", "客户名称"),
        ("客户名称(必填)", "客户名称"),
        ("【必填】客户名称", "客户名称"),
        ("客户名称（选填）", "客户名称"),
        ("潜在价值（元）", "潜在价值"),
        ("潜在价值(万元)", "潜在价值"),
        ("*客户名称", "客户名称"),
        ("客户名称*", "客户名称"),
        ("* Customer Name", "customername"),
        ("Customer Name (required)", "customername"),
        ("customer_name", "customername"),
        ("Customer-Name", "customername"),
        ("CUSTOMER NAME", "customername"),
        ("  Customer   Name  ", "customername"),
        ("ＣＵＳＴＯＭＥＲ　ＮＡＭＥ", "customername"),  # full-width letters and ideographic space
        ("客户　ＩＤ", "客户id"),
        ("客户 ID", "客户id"),
        ("E-mail", "email"),
        ("省/自治区", "省自治区"),
        ("Straße", "strasse"),  # casefold, not lower
    ],
)
def test_normalise_header(raw: str, expected: str) -> None:
    assert normalise_header(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [(None, ""), ("", ""), ("   ", ""), (12, "12")])
def test_normalise_header_of_blank_and_non_text_cells(raw: object, expected: str) -> None:
    assert normalise_header(raw) == expected


def test_decorations_are_only_dropped_when_they_are_decorations() -> None:
    # A parenthesised word that is not a known decoration stays part of the header.
    assert normalise_header("价值（预估）") == "价值(预估)"  # NFKC makes the parentheses ASCII
    assert normalise_header("价值（预估）") != normalise_header("价值")


def test_normalise_sheet_name_is_case_and_width_insensitive() -> None:
    assert normalise_sheet_name("ＣＵＳＴＯＭＥＲＳ") == normalise_sheet_name("customers")
    assert normalise_sheet_name("Sales_Reps") == normalise_sheet_name("sales reps")


# --- aliases ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "canonical"),
    [
        ("customer_id", "customer_id"),
        ("客户编号", "customer_id"),
        ("线索编号", "customer_id"),
        ("客户 ID", "customer_id"),
        ("ID", "customer_id"),
        ("Customer ID", "customer_id"),
        ("客户名称", "customer"),
        ("客户", "customer"),
        ("公司名称", "customer"),
        ("Customer Name", "customer"),
        ("Company", "customer"),
        ("行业", "industry"),
        ("所属行业", "industry"),
        ("行业类型", "industry"),
        ("区域", "region"),
        ("地区", "region"),
        ("大区", "region"),
        ("地域", "region"),
        ("省份", "province"),
        ("省/自治区", "province"),
        ("城市", "city"),
        ("潜在价值", "value"),
        ("预计金额", "value"),
        ("价值", "value"),
        ("Potential Value", "value"),
        ("合作意向", "intent"),
        ("意向", "intent"),
        ("意向等级", "intent"),
        ("历史交易", "history"),
        ("历史交易额", "history"),
        ("历史成交金额", "history"),
        ("Past Revenue", "history"),
        ("线索来源", "source"),
        ("来源", "source"),
        ("渠道", "source"),
        ("负责人", "owner"),
        ("负责销售", "owner"),
        ("负责销售代表", "owner"),
        ("Owner", "owner"),
        ("跟进状态", "stage"),
        ("阶段", "stage"),
        ("状态", "stage"),
        ("创建时间", "created"),
        ("录入时间", "created"),
        ("最近跟进", "last_contact"),
        ("最后跟进时间", "last_contact"),
        ("成交时间", "closed"),
        ("转化时间", "closed"),
        ("成交金额", "deal_value"),
        ("联系人", "contact"),
        ("电话/手机", "phone"),
        ("手机", "phone"),
        ("邮箱", "email"),
        ("转介绍人", "referred_by"),
        ("推荐客户", "referred_by"),
        ("Referred By", "referred_by"),
        ("客户名称（必填）", "customer"),
        ("*潜在价值(元)", "value"),
        ("last_contact", "last_contact"),
        ("DEAL VALUE", "deal_value"),
    ],
)
def test_customer_aliases(header: str, canonical: str) -> None:
    match = match_header_row([header], CUSTOMERS)
    assert match.columns == {canonical: 0}
    assert match.extras == {}


@pytest.mark.parametrize(
    ("header", "canonical"),
    [
        ("rep_id", "rep_id"),
        ("工号", "rep_id"),
        ("编号", "rep_id"),
        ("姓名", "name"),
        ("销售", "name"),
        ("Rep", "name"),
        ("Name", "name"),
        ("邮箱", "email"),
        ("团队", "team"),
        ("主管", "manager"),
        ("负责区域", "territories"),
        ("区域", "territories"),
        ("Territories", "territories"),
        ("擅长行业", "industries"),
        ("行业", "industries"),
        ("本周容量", "capacity"),
        ("可接客户数", "capacity"),
        ("Capacity", "capacity"),
        ("级别", "level"),
        ("权重", "weight"),
        ("在职", "active"),
        ("状态", "active"),
        ("休假至", "away_until"),
        ("Away Until", "away_until"),
        ("积分余额", "points_balance"),
        ("Points Balance", "points_balance"),
    ],
)
def test_rep_aliases(header: str, canonical: str) -> None:
    assert match_header_row([header], REPS).columns == {canonical: 0}


@pytest.mark.parametrize(
    ("header", "canonical"),
    [
        ("序号", "order"),
        ("启用", "enabled"),
        ("名称", "name"),
        ("分配给", "assign_to"),
        ("方式", "method"),
        ("上限", "cap"),
        ("Min Value", "min_value"),
    ],
)
def test_rule_aliases(header: str, canonical: str) -> None:
    assert match_header_row([header], RULES).columns == {canonical: 0}


def test_same_header_means_different_columns_per_sheet() -> None:
    # 区域 is the customer's region but the rep's territories; 状态 is stage vs active.
    assert match_header_row(["区域", "状态"], CUSTOMERS).columns == {"region": 0, "stage": 1}
    assert match_header_row(["区域", "状态"], REPS).columns == {"territories": 0, "active": 1}


def test_required_columns_follow_the_spec() -> None:
    assert CUSTOMERS.required_columns == (
        "customer", "industry", "region", "value", "intent", "history",
    )  # fmt: skip
    assert REPS.required_columns == ("name", "territories", "capacity")
    assert RULES.required is False


def test_every_column_has_its_chinese_name_as_an_alias() -> None:
    for spec in (CUSTOMERS, REPS, RULES):
        for column in spec.columns:
            assert column.zh in column.aliases, (spec.name, column.name)
            assert match_header_row([column.zh], spec).columns == {column.name: 0}
            assert match_header_row([column.name], spec).columns == {column.name: 0}


def test_sheet_spec_column_lookup() -> None:
    assert CUSTOMERS.column("value").kind == "number"
    with pytest.raises(KeyError):
        CUSTOMERS.column("nope")


# --- match_header_row: extras, duplicates, language -------------------------------------------


def test_unknown_headers_are_carried_as_extras_with_their_position() -> None:
    match = match_header_row([*CUSTOMER_HEADER_ZH, " 备注 ", None, "微信号"], CUSTOMERS)
    assert match.extras == {"备注": 7, "微信号": 9}
    assert list(match.extras) == ["备注", "微信号"]  # input order
    assert set(match.columns) == set(CUSTOMERS.required_columns) | {"customer_id"}


def test_repeated_unknown_headers_keep_every_column() -> None:
    match = match_header_row([*CUSTOMER_HEADER_ZH, "备注", "备注", "备注"], CUSTOMERS)
    assert match.extras == {"备注": 7, "备注 (2)": 8, "备注 (3)": 9}


def test_duplicate_canonical_headers_are_detected() -> None:
    cells = ["客户名称", "行业", "Customer Name", "区域", "公司名称"]
    match = match_header_row(cells, CUSTOMERS)
    assert match.duplicates == (("customer", (0, 2, 4)),)
    assert match.columns["customer"] == 0  # the first one is used


def test_no_duplicates_in_a_clean_header() -> None:
    assert match_header_row(CUSTOMER_HEADER_EN, CUSTOMERS).duplicates == ()


def test_chinese_header_cells_are_counted() -> None:
    assert match_header_row(CUSTOMER_HEADER_ZH, CUSTOMERS).chinese_headers == 7
    assert match_header_row(CUSTOMER_HEADER_EN, CUSTOMERS).chinese_headers == 0
    mixed = ["客户名称", "Industry", "区域", "Value", "备注"]  # extras are not counted
    assert match_header_row(mixed, CUSTOMERS).chinese_headers == 2


def test_user_mapping_takes_precedence_over_aliases() -> None:
    cells = ["Company", "Sector", "Region", "Deal Size", "Intent", "History"]
    plain = match_header_row(cells, CUSTOMERS)
    assert "industry" not in plain.columns
    assert plain.extras == {"Sector": 1, "Deal Size": 3}
    mapped = match_header_row(cells, CUSTOMERS, {"industry": "sector", "value": "DEAL_SIZE"})
    assert mapped.columns["industry"] == 1
    assert mapped.columns["value"] == 3
    assert mapped.extras == {}


# --- detect_header ----------------------------------------------------------------------------


@pytest.mark.parametrize("banner_rows", [0, 1, 2, 3])
def test_header_found_below_a_title_banner(banner_rows: int) -> None:
    banner = [["2026 年第 47 周客户导出"], ["导出人：王芳", None, "导出时间：2026-11-23"], []][
        :banner_rows
    ]
    rows = [*banner, CUSTOMER_HEADER_ZH, CUSTOMER_ROW]
    match = detect_header(rows, CUSTOMERS)
    assert match is not None
    assert match.row == banner_rows
    assert match.columns == {
        "customer_id": 0, "customer": 1, "industry": 2, "region": 3, "value": 4, "intent": 5,
        "history": 6,
    }  # fmt: skip


def test_header_in_row_10_is_found_but_not_in_row_11() -> None:
    filler = [["说明"]] * 9
    assert detect_header([*filler, CUSTOMER_HEADER_EN], CUSTOMERS).row == 9  # type: ignore[union-attr]
    assert detect_header([*filler, ["说明"], CUSTOMER_HEADER_EN], CUSTOMERS) is None


def test_search_rows_is_configurable() -> None:
    rows = [["title"], ["note"], CUSTOMER_HEADER_EN]
    assert detect_header(rows, CUSTOMERS, search_rows=2) is None
    assert detect_header(rows, CUSTOMERS, search_rows=3).row == 2  # type: ignore[union-attr]


def test_banner_mentioning_an_alias_does_not_win_over_the_real_header() -> None:
    # "客户" alone is an alias of the customer column; the full header row below still wins.
    rows = [["客户"], CUSTOMER_HEADER_ZH, CUSTOMER_ROW]
    assert detect_header(rows, CUSTOMERS).row == 1  # type: ignore[union-attr]


def test_incomplete_header_returns_the_best_row_for_the_caller_to_report() -> None:
    rows = [["客户"], ["客户名称", "行业", "区域", "合作意向"], ["甲", "零售", "华东", "高"]]
    match = detect_header(rows, CUSTOMERS)
    assert match is not None
    assert match.row == 1
    assert set(match.columns) == {"customer", "industry", "region", "intent"}
    assert [c for c in CUSTOMERS.required_columns if c not in match.columns] == [
        "value", "history",
    ]  # fmt: skip


def test_no_header_at_all_returns_none() -> None:
    assert detect_header([["foo", "bar"], [1, 2]], CUSTOMERS) is None
    assert detect_header([], CUSTOMERS) is None


def test_detect_header_carries_extras_and_duplicates() -> None:
    rows = [["标题"], [*CUSTOMER_HEADER_ZH, "备注", "客户名称"]]
    match = detect_header(rows, CUSTOMERS)
    assert match is not None
    assert match.row == 1
    assert match.extras == {"备注": 7}
    assert match.duplicates == (("customer", (1, 8)),)


def test_english_rep_header() -> None:
    rows = [["Rep ID", "Name", "Territories", "Capacity", "Level", "Notes"]]
    match = detect_header(rows, REPS)
    assert match is not None
    assert match.columns == {"rep_id": 0, "name": 1, "territories": 2, "capacity": 3, "level": 4}
    assert match.extras == {"Notes": 5}


# --- find_sheet -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["Customers", "customers", "CUSTOMERS", "ＣＵＳＴＯＭＥＲＳ", " Customers ", "客户", "客户表",
     "线索", "Leads", "leads", "Customer"],
)  # fmt: skip
def test_find_customers_sheet(name: str) -> None:
    assert find_sheet(["说明", name, "Reps"], CUSTOMERS) == name


@pytest.mark.parametrize(
    "name",
    ["Reps", "销售", "销售人员", "销售代表", "Sales Reps", "sales_reps", "ＳＡＬＥＳ ＲＥＰＳ"],
)
def test_find_reps_sheet(name: str) -> None:
    assert find_sheet(["Customers", name], REPS) == name


@pytest.mark.parametrize("name", ["规则", "分配规则", "Rules", "routing rules"])
def test_find_rules_sheet(name: str) -> None:
    assert find_sheet([name], RULES) == name


def test_find_sheet_never_uses_position() -> None:
    assert find_sheet(["Sheet1", "Sheet2"], CUSTOMERS) is None
    assert find_sheet(["Clients", "Reps"], CUSTOMERS) is None
    assert find_sheet([], REPS) is None


def test_find_sheet_returns_the_first_matching_sheet() -> None:
    assert find_sheet(["线索", "客户"], CUSTOMERS) == "线索"
