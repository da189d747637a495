"""Identity keys and duplicate groups (SPEC §3.1): what counts as the same customer, grouping
that is transitive and stable, and that never compares all pairs of rows."""

from __future__ import annotations

import itertools
import re
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator.identity import (
    LEGAL_SUFFIXES,
    _components,
    company_key,
    company_keys,
    duplicate_groups,
    email_keys,
    phone_key,
    phone_keys,
)

# --- keys --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "上海华信科技有限公司",
        "上海华信科技股份有限公司",
        "上海华信科技有限责任公司",
        "上海华信科技集团",
        "上海华信科技集团股份有限公司",
        "上海华信科技公司",
        "上海 华信 科技",
        "上海华信科技（有限公司）",
        " 上海华信科技 ",
    ],
)
def test_chinese_legal_suffixes_and_spaces(name: str) -> None:
    assert company_key(name) == "上海华信科技"


@pytest.mark.parametrize(
    "name",
    [
        "Acme",
        "ACME Co., Ltd.",
        "Acme Co.,Ltd",
        "Acme Inc.",
        "acme inc",
        "Acme LLC",
        "Acme Ltd.",
        "Acme Limited",
        "Acme Corporation",
        "Acme Group",
        "Ａｃｍｅ　Ｃｏ．，Ｌｔｄ．",  # full-width letters, space and punctuation
        "  A c m e  ",
    ],
)
def test_english_legal_suffixes_case_and_width(name: str) -> None:
    assert company_key(name) == "acme"


def test_company_key_keeps_a_name_that_is_only_a_suffix() -> None:
    assert company_key("有限公司") == "有限公司"
    assert company_key("Group") == "group"


def test_company_keys_blank_and_too_short_identify_nobody() -> None:
    names = pd.Series(["Acme Co., Ltd.", None, "", "A", "某", "  ", "AB", np.nan], index=range(8))
    assert company_keys(names).tolist() == ["acme", "", "", "", "", "", "ab", ""]


def test_company_keys_equal_company_key() -> None:
    names = pd.Series(["北京字节跳动科技有限公司", "Beta Inc.", "Beta Inc.", "Tencent Holdings"])
    assert company_keys(names).tolist() == [company_key(n) for n in names]


def test_suffix_runs_match_the_plain_end_anchored_regex() -> None:
    """company_key strips a run of suffixes by a greedy match on the reversed name; it must
    strip exactly what ``(suffix|…)+$`` strips, on names built from suffixes and their pieces."""
    plain = re.compile("(" + "|".join(LEGAL_SUFFIXES) + ")+$")
    pieces = sorted(
        {s[i:j] for s in LEGAL_SUFFIXES for i in range(len(s)) for j in range(i + 1, len(s) + 1)}
        | {"x", "份", "股份", "集团"}
    )
    checked = 0
    for a, b in itertools.product(pieces, repeat=2):
        for name in (a + b, "x" + a + b, "x" + a + "份" + b, a + b + "x"):
            expected = plain.sub("", name) or name
            assert company_key(name) == expected, name
            checked += 1
    assert checked > 5_000


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Costco", "costco"),
        ("Cisco Systems", "ciscosystems"),
        ("Acme Co., Ltd.", "acme"),
        ("Acme Robotics Co.,Ltd.", "acmerobotics"),
        ("Foo Company Limited", "foo"),
        ("Beta Inc.", "beta"),
        ("XYZ Group", "xyz"),
    ],
)
def test_english_suffixes_only_as_whole_words(name: str, key: str) -> None:
    assert company_key(name) == key


@pytest.mark.parametrize(
    "phone",
    [
        "13812345678",
        "138-1234-5678",
        "138 1234 5678",
        "+86 138-1234-5678",
        "+86 13812345678",
        "0086 138 1234 5678",
        "86-13812345678",
        "(+86) 138.1234.5678",
        "１３８１２３４５６７８",  # full-width digits
        "手机：13812345678",
    ],
)
def test_mainland_mobiles_compare_by_their_11_digits(phone: str) -> None:
    assert phone_key(phone) == "13812345678"


def test_a_phone_typed_as_a_number() -> None:
    assert phone_key(13812345678.0) == "13812345678"
    assert phone_key(13812345678) == "13812345678"


def test_other_phones_keep_all_their_digits() -> None:
    assert phone_key("021-6123 4567") == "02161234567"
    assert phone_key("+86 21 6123 4567") == "862161234567"
    assert phone_key("+1 (415) 555-0123") == "14155550123"
    # 12 digits whose last 11 are no mobile: nothing dropped.
    assert phone_key("012345678901") == "012345678901"


def test_phones_that_identify_nobody() -> None:
    phones = pd.Series(["123456", "ext. 12", "00000000", "1111111", "无", "", None, "1234567"])
    assert phone_keys(phones).tolist() == ["", "", "", "", "", "", "", "1234567"]


def test_email_keys() -> None:
    emails = pd.Series([" Zhang.Wei@Example.COM ", "zhang.wei@example.com", "无", "N/A", "", None])
    assert email_keys(emails).tolist() == [
        "zhang.wei@example.com",
        "zhang.wei@example.com",
        "",
        "",
        "",
        "",
    ]


# --- groups ------------------------------------------------------------------------------------


def frame(rows: list[tuple[str | None, str | None, str | None]], index: list[int]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["customer", "phone", "email"], index=index)


def test_rows_sharing_any_key_form_one_group_transitively() -> None:
    customers = frame(
        [
            ("上海华信科技有限公司", None, None),  # A
            ("上海华信科技", "138 1234 5678", None),  # B ~ A by name
            ("Huaxin Shanghai", "+86 13812345678", "HX@huaxin.cn"),  # C ~ B by phone
            ("HX Trading", None, "hx@huaxin.cn "),  # D ~ C by email
            ("Another Co., Ltd.", "13900000000", "other@x.com"),  # alone
            (None, None, None),  # nothing to compare: alone
            ("A", "12345", "无"),  # keys too short / not an email: alone
        ],
        index=[2, 3, 4, 5, 6, 7, 8],
    )
    groups = duplicate_groups(customers)
    assert groups.name == "group"
    assert groups.to_dict() == {2: 2, 3: 2, 4: 2, 5: 2, 6: 6, 7: 7, 8: 8}


def test_group_id_is_the_smallest_row_whatever_the_order() -> None:
    rows = [
        ("Beta", "13900000001", None),
        ("Alpha", None, "a@x.com"),
        ("Gamma", "13900000001", "a@x.com"),
        ("Delta", None, None),
    ]
    groups = duplicate_groups(frame(rows, [40, 17, 25, 3]))
    assert groups.to_dict() == {40: 17, 17: 17, 25: 17, 3: 3}
    shuffled = frame([rows[3], rows[2], rows[0], rows[1]], [3, 25, 40, 17])
    assert duplicate_groups(shuffled).to_dict() == groups.to_dict()


def test_group_ids_do_not_depend_on_other_groups() -> None:
    base = [("Alpha", None, None), ("alpha inc", None, None), ("Beta", None, None)]
    before = duplicate_groups(frame(base, [5, 9, 12]))
    after = duplicate_groups(frame([*base, ("Gamma", None, None)], [5, 9, 12, 2]))
    assert before.to_dict() == {5: 5, 9: 5, 12: 12}
    assert after.drop(2).to_dict() == before.to_dict()


def test_missing_key_columns_are_no_keys() -> None:
    customers = pd.DataFrame({"customer": ["Acme", "ACME Inc.", "Beta"]}, index=[2, 3, 4])
    assert duplicate_groups(customers).tolist() == [2, 2, 4]


def test_empty() -> None:
    groups = duplicate_groups(frame([], []))
    assert groups.empty and groups.dtype == np.int64


def test_a_long_chain_converges() -> None:
    """Row i shares its name with i+1 when i is even, its phone when i is odd; rows are listed
    in reverse so that the smallest row sits at the far end of the chain."""
    n = 5_000
    i = np.arange(n)
    names = np.char.add("Company ", ((i + 1) // 2).astype(str))
    phones = np.char.add("1390", np.char.zfill((i // 2).astype(str), 7))
    customers = pd.DataFrame({"customer": names, "phone": phones, "email": None}, index=i + 2).iloc[
        ::-1
    ]
    groups = duplicate_groups(customers)
    assert (groups == 2).all()


def test_two_hundred_thousand_rows_without_comparing_pairs() -> None:
    n = 200_000
    rng = np.random.default_rng(3)
    company = rng.integers(0, n // 2, n)  # about 2 rows per company name
    customers = pd.DataFrame(
        {
            "customer": np.char.add("Firm ", company.astype(str)),
            "phone": np.char.add("13", np.char.zfill(rng.integers(0, 10**9, n).astype(str), 9)),
            "email": np.char.add(rng.integers(0, 10 * n, n).astype(str), "@example.com"),
        },
        index=np.arange(2, n + 2),
    )
    started = time.perf_counter()
    groups = duplicate_groups(customers)
    elapsed = time.perf_counter() - started
    # All pairs would be 2·10¹⁰ comparisons; this takes about a second here.
    assert elapsed < 30, elapsed
    first_row = pd.Series(customers.index, index=customers.index).groupby(company).transform("min")
    # Rows of one company name share a group (other keys may merge a few groups further).
    assert groups.groupby(company).nunique().eq(1).all()
    assert (groups <= first_row).all()


# --- the component search against a plain union-find -------------------------------------------


def union_find(codes: list[list[int]], n: int) -> list[int]:
    parent = list(range(n))

    def root(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    for code in codes:
        first: dict[int, int] = {}
        for row, value in enumerate(code):
            if value < 0:
                continue
            if value in first:
                a, b = root(first[value]), root(row)
                parent[max(a, b)] = min(a, b)
            else:
                first[value] = row
    return [root(x) for x in range(n)]


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 40).flatmap(
        lambda n: st.tuples(
            st.just(n), st.lists(st.lists(st.integers(-1, 8), min_size=n, max_size=n), max_size=3)
        )
    )
)
def test_components_match_union_find(data: tuple[int, list[list[int]]]) -> None:
    n, codes = data
    arrays = [np.asarray(code, dtype=np.int64) for code in codes]
    assert _components(arrays, n).tolist() == union_find(codes, n)
