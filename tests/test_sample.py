"""Synthetic weekly exports (allocator.sample) and the input-workbook writer (export.inputs)."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from allocator.errors import OutputError
from allocator.export.inputs import write_input_workbook
from allocator.headers import CUSTOMERS, REPS
from allocator.sample import SampleBook, generate_sample

AS_OF = datetime(2026, 11, 23, 9, 0)


def canonical(book: SampleBook, lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two sheets with canonical column names, whatever the language."""
    if lang == "zh":
        customers, reps = book.sheets["客户"], book.sheets["销售"]
        customers = customers.set_axis([c.name for c in CUSTOMERS.columns], axis=1)
        reps = reps.set_axis([c.name for c in REPS.columns], axis=1)
        return customers, reps
    return book.sheets["Customers"], book.sheets["Reps"]


@pytest.fixture(scope="module", params=["zh", "en"])
def sample(request: pytest.FixtureRequest) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    lang = str(request.param)
    customers, reps = canonical(generate_sample(600, 12, seed=5, lang=lang, as_of=AS_OF), lang)
    return lang, customers, reps


def test_same_arguments_same_book_and_seed_matters() -> None:
    first = generate_sample(200, 8, seed=3, lang="zh", as_of=AS_OF)
    again = generate_sample(200, 8, seed=3, lang="zh", as_of=AS_OF)
    other = generate_sample(200, 8, seed=4, lang="zh", as_of=AS_OF)
    assert first.sheets.keys() == again.sheets.keys()
    for name in first.sheets:
        pd.testing.assert_frame_equal(first.sheets[name], again.sheets[name])
    assert first.banners == again.banners
    assert not first.sheets["客户"].equals(other.sheets["客户"])


def test_sheet_names_headers_and_banners_per_language() -> None:
    zh = generate_sample(20, 5, seed=1, lang="zh", as_of=AS_OF)
    en = generate_sample(20, 5, seed=1, lang="en", as_of=AS_OF)
    assert list(zh.sheets) == ["客户", "销售"]
    assert list(zh.sheets["客户"].columns) == [c.zh for c in CUSTOMERS.columns]
    assert list(zh.sheets["销售"].columns) == [c.zh for c in REPS.columns]
    assert list(en.sheets) == ["Customers", "Reps"]
    assert list(en.sheets["Customers"].columns) == [c.name for c in CUSTOMERS.columns]
    assert list(en.sheets["Reps"].columns) == [c.name for c in REPS.columns]
    assert zh.banners["客户"].startswith("2026年第48周")
    assert set(zh.banners) == {"客户", "销售"}
    assert en.banners == {}


def test_values_use_the_language_vocabulary(sample: tuple[str, pd.DataFrame, pd.DataFrame]) -> None:
    lang, customers, reps = sample
    zh = lang == "zh"
    intents = {"高", "中", "低"} if zh else {"high", "medium", "low"}
    stages = (
        {"新建", "已联系", "需求确认", "方案提交", "商务谈判", "成交", "输单"}
        if zh
        else {"new", "contacted", "qualified", "proposal", "negotiation", "won", "lost"}
    )
    assert set(customers["intent"]) <= intents
    assert set(customers["stage"].dropna()) <= stages
    assert set(reps["level"]) <= ({"新人", "资深", "主管"} if zh else {"junior", "senior", "lead"})
    assert set(reps["active"]) <= ({"是", "否"} if zh else {"yes", "no"})
    cjk = re.compile(r"[\u4e00-\u9fff]")
    assert all(bool(cjk.search(name)) == zh for name in customers["customer"])
    assert all(bool(cjk.search(name)) == zh for name in reps["name"])
    assert reps["name"].is_unique


def test_ids_are_text_with_leading_zeros(sample: tuple[str, pd.DataFrame, pd.DataFrame]) -> None:
    _, customers, reps = sample
    assert all(isinstance(v, str) and re.fullmatch(r"C\d{7}", v) for v in customers["customer_id"])
    assert customers["customer_id"].is_unique
    assert customers["customer_id"].iloc[0].startswith("C000")
    assert all(re.fullmatch(r"S\d{3}", v) for v in reps["rep_id"])


def test_phones_are_mainland_mobiles_as_text(
    sample: tuple[str, pd.DataFrame, pd.DataFrame],
) -> None:
    _, customers, _ = sample
    phones = customers["phone"].dropna()
    assert len(phones) > 0.8 * len(customers)
    assert all(isinstance(p, str) and re.fullmatch(r"1[3-9]\d{9}", p) for p in phones)
    assert all("@" in e for e in customers["email"].dropna())


def test_numbers_dates_and_stages_are_consistent(
    sample: tuple[str, pd.DataFrame, pd.DataFrame],
) -> None:
    lang, customers, reps = sample
    now = pd.Timestamp(AS_OF)
    assert (customers["value"] >= 0).all()
    history = customers["history"]
    assert (history.dropna() >= 0).all() and history.isna().any()
    assert 0.45 < (history.fillna(0) == 0).mean() < 0.75
    assert customers["created"].between(now - pd.Timedelta(days=366), now).all()
    contacted = customers.dropna(subset=["last_contact"])
    assert (contacted["last_contact"] >= contacted["created"]).all()
    assert (contacted["last_contact"] <= now).all()
    owned = customers["owner"].notna()
    assert 0.35 < owned.mean() < 0.55
    new = "新建" if lang == "zh" else "new"
    assert set(customers.loc[~owned, "stage"].dropna()) <= {new}
    won = customers["stage"] == ("成交" if lang == "zh" else "won")
    closed = won | (customers["stage"] == ("输单" if lang == "zh" else "lost"))
    assert owned[closed].all() and closed.any()
    assert customers.loc[won, "deal_value"].notna().all()
    assert customers.loc[~won, "deal_value"].isna().all()
    assert customers.loc[closed, "closed"].notna().all()
    assert (customers.loc[closed, "closed"] == customers.loc[closed, "closed"].dt.normalize()).all()
    # Some owned open customers are stale, so that reclaiming has work to do.
    open_owned = owned & ~closed
    stale = open_owned & (now - customers["last_contact"] > pd.Timedelta(days=30))
    assert 0.03 < stale.sum() / open_owned.sum() < 0.2
    rep_keys = set(reps["name"]) | set(reps["rep_id"])
    assert set(customers["owner"].dropna()) <= rep_keys
    assert customers["owner"].isin(reps["rep_id"]).any()  # some owners are written as ids


def test_referrals_name_another_earlier_customer(
    sample: tuple[str, pd.DataFrame, pd.DataFrame],
) -> None:
    lang, customers, _ = sample
    referred = customers.dropna(subset=["referred_by"])
    assert len(referred) > 0
    assert set(referred["source"]) == {"转介绍" if lang == "zh" else "Referral"}
    assert set(referred["referred_by"]) <= set(customers["customer_id"])
    assert (referred["referred_by"] < referred["customer_id"]).all()


def test_win_rates_differ_by_rep_and_by_industry() -> None:
    customers, reps = canonical(generate_sample(4000, 10, seed=2, lang="en", as_of=AS_OF), "en")
    closed = customers[customers["stage"].isin(["won", "lost"])].copy()
    ids = dict(zip(reps["name"], reps["rep_id"], strict=True))
    closed["rep"] = closed["owner"].map(lambda o: ids.get(o, o))
    closed["won"] = closed["stage"] == "won"
    by_rep = closed.groupby("rep")["won"].agg(["mean", "size"])
    by_rep = by_rep[by_rep["size"] >= 25]
    assert len(by_rep) >= 5
    assert by_rep["mean"].max() - by_rep["mean"].min() > 0.2
    by_industry = closed.groupby("industry")["won"].mean()
    assert by_industry.max() - by_industry.min() > 0.15


@pytest.mark.parametrize(
    ("reps", "lang"), [(1, "zh"), (3, "en"), (5, "zh"), (12, "en"), (40, "zh")]
)
def test_every_customer_region_has_an_active_rep(reps: int, lang: str) -> None:
    customers, team = canonical(generate_sample(300, reps, seed=9, lang=lang, as_of=AS_OF), lang)
    active = team[team["active"] == ("是" if lang == "zh" else "yes")]
    # Covered by a rep whose territory names the region itself, not only through "*".
    regions = set(active["territories"])
    assert set(customers["region"]) <= regions
    senior = {"资深", "主管", "senior", "lead"}
    for region in set(customers["region"]):
        assert active.loc[active["territories"] == region, "level"].isin(senior).any()


@pytest.mark.parametrize("reps", [1, 5, 8, 12])
def test_team_shape_and_capacities(reps: int) -> None:
    customers, team = canonical(generate_sample(500, reps, seed=4, lang="zh", as_of=AS_OF), "zh")
    assert pd.api.types.is_integer_dtype(team["capacity"])
    assert (team["capacity"] >= 0).all()
    unowned = customers["owner"].isna().sum()
    if reps > 1:
        assert 0.5 * unowned <= team["capacity"].sum() <= max(unowned, reps)
    inactive = team[team["active"] == "否"]
    assert len(inactive) == (1 if reps >= 5 else 0)
    for _, rep in inactive.iterrows():
        assert customers["owner"].isin([rep["name"], rep["rep_id"]]).any()
    away = team["away_until"].dropna()
    assert len(away) == (1 if reps >= 8 else 0)
    assert (away > pd.Timestamp(AS_OF)).all()
    assert (team["territories"] == "*").sum() == (1 if reps >= 6 else 0)
    assert team["level"].eq("主管").any()
    assert set(team["weight"]) <= {0.8, 1.0, 1.5}
    assert team["points_balance"].between(0, 200).all()


def test_empty_and_tiny_books() -> None:
    book = generate_sample(0, 1, seed=0, lang="en", as_of=AS_OF)
    assert len(book.sheets["Customers"]) == 0
    assert len(book.sheets["Reps"]) == 1
    with pytest.raises(ValueError):
        generate_sample(10, 0, seed=0, lang="zh", as_of=AS_OF)
    with pytest.raises(ValueError):
        generate_sample(10, 2, seed=0, lang="fr", as_of=AS_OF)


def _read(path: Path, sheet: str) -> list[list[object]]:
    rows: list[list[object]] = (
        CalamineWorkbook.from_path(str(path))
        .get_sheet_by_name(sheet)
        .to_python(skip_empty_area=False)
    )
    return rows


def test_round_trip_through_xlsx_keeps_banner_header_types(tmp_path: Path) -> None:
    book = generate_sample(120, 8, seed=6, lang="zh", as_of=AS_OF)
    path = tmp_path / "export.xlsx"
    write_input_workbook(path, book.sheets, book.banners)
    assert [p.name for p in tmp_path.iterdir()] == ["export.xlsx"]  # no temporary file left
    rows = _read(path, "客户")
    assert rows[0][0] == book.banners["客户"]
    assert rows[1] == [c.zh for c in CUSTOMERS.columns]
    frame = book.sheets["客户"]
    assert len(rows) == 2 + len(frame)
    col = {name: k for k, name in enumerate(rows[1])}
    for row, (_, expected) in zip(rows[2:], frame.iterrows(), strict=True):
        assert row[col["客户编号"]] == expected["客户编号"]  # text, leading zeros kept
        assert isinstance(row[col["创建时间"]], datetime)
        assert row[col["创建时间"]] == expected["创建时间"].to_pydatetime()
        phone = expected["电话"]
        assert row[col["电话"]] == ("" if phone is None else phone)
        assert row[col["潜在价值"]] == expected["潜在价值"]
        if pd.isna(expected["最近跟进"]):
            assert row[col["最近跟进"]] == ""
        if pd.notna(expected["成交时间"]):
            assert isinstance(row[col["成交时间"]], date)
    reps = _read(path, "销售")
    assert reps[1] == [c.zh for c in REPS.columns]
    assert reps[2][0] == "S001"


def test_english_workbook_has_the_header_in_row_one(tmp_path: Path) -> None:
    book = generate_sample(30, 5, seed=2, lang="en", as_of=AS_OF)
    path = tmp_path / "en.xlsx"
    write_input_workbook(path, book.sheets, book.banners)
    rows = _read(path, "Customers")
    assert rows[0] == [c.name for c in CUSTOMERS.columns]
    assert len(rows) == 31


def test_writer_handles_hand_edited_mixed_columns(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "金额": pd.Series([1200.0, "abc", None, np.nan, -5], dtype=object),
            "日期": pd.Series(
                [pd.Timestamp(2026, 1, 2, 9, 30), "下周", None, pd.NaT, date(2026, 3, 1)],
                dtype=object,
            ),
            "编号": ["007", "0123", None, "=1+1", "1e5"],
            "数量": pd.array([1, None, 3, 4, 5], dtype="Int64"),
        }
    )
    path = tmp_path / "mixed.xlsx"
    write_input_workbook(path, {"表": frame})
    rows = _read(path, "表")
    assert rows[0] == ["金额", "日期", "编号", "数量"]
    assert [r[0] for r in rows[1:]] == [1200.0, "abc", "", "", -5.0]
    assert rows[1][1] == datetime(2026, 1, 2, 9, 30)
    assert rows[2][1] == "下周"
    assert rows[3][1] == "" and rows[4][1] == ""
    assert [r[2] for r in rows[1:]] == ["007", "0123", "", "=1+1", "1e5"]  # never numbers
    assert [r[3] for r in rows[1:]] == [1.0, "", 3.0, 4.0, 5.0]


def test_writer_replaces_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"old")
    write_input_workbook(path, {"Customers": pd.DataFrame({"customer": ["A"]})})
    assert _read(path, "Customers") == [["customer"], ["A"]]


def test_writer_refuses_to_drop_data_and_reports_unwritable_paths(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="too long"):
        write_input_workbook(tmp_path / "long.xlsx", {"S": pd.DataFrame({"a": ["x" * 40_000]})})
    blocker = tmp_path / "not-a-folder"
    blocker.write_bytes(b"")
    with pytest.raises(OutputError, match="cannot write"):
        write_input_workbook(blocker / "a.xlsx", {"S": pd.DataFrame({"a": [1]})})
    # the temporary files are gone and no target was made
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-folder"]
