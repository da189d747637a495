"""Conversion and follow-up figures (allocator.metrics) on small tables checked by hand."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from allocator.metrics import (
    CONVERSION_COLUMNS,
    conversion_by,
    conversion_total,
    follow_up_by_rep,
    overdue_customers,
    stage_funnel,
)

AS_OF = datetime(2026, 11, 23, 9, 0)
T = pd.Timestamp


def _customers() -> pd.DataFrame:
    """Ten customers; the expected figures are worked out beside each row."""
    rows = [
        # source, stage, created, closed, deal_value, owner
        ("官网", "won", T("2026-01-01"), T("2026-01-11"), 100.0, "张伟"),  # cycle 10
        ("官网", "won", T("2026-01-01 12:00"), T("2026-01-21"), 300.0, "张伟"),  # 19.5
        ("官网", "won", T("2026-02-01"), T("2026-03-03"), np.nan, "王芳"),  # 30, no deal
        ("官网", "lost", T("2026-01-01"), T("2026-01-05"), np.nan, "王芳"),  # lost: no cycle
        ("官网", "new", pd.NaT, pd.NaT, np.nan, "王芳"),
        ("展会", "won", T("2026-03-10"), T("2026-03-01"), 50.0, "王芳"),  # closed first: no cycle
        ("展会", "lost", T("2026-03-01"), T("2026-04-01"), np.nan, None),
        ("展会", "contacted", T("2026-03-01"), pd.NaT, np.nan, "张伟"),
        (None, "won", pd.NaT, T("2026-01-01"), 70.0, "张伟"),  # no created date: no cycle
        ("官网", "won", T("2026-01-01"), pd.NaT, 200.0, "张伟"),  # no closed date: no cycle
    ]
    return pd.DataFrame(
        rows, columns=["source", "stage", "created", "closed", "deal_value", "owner"]
    )


def _as_records(table: pd.DataFrame) -> list[dict[str, object]]:
    return [
        {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}
        for row in table.to_dict("records")
    ]


def test_conversion_by_source_hand_checked() -> None:
    table = conversion_by(_customers(), "source")
    assert list(table.columns) == list(CONVERSION_COLUMNS)
    web, fair, blank = _as_records(table)
    # 官网: 6 customers, won 4 (rows 1, 2, 3, 10), lost 1: 4 / 5.
    assert web == {
        "group": "官网", "other_groups": 0, "leads": 6, "won": 4, "lost": 1, "closed": 5,
        "rate": 0.8, "small": False, "deal_mean": 200.0,  # (100 + 300 + 200) / 3 deals
        "cycle_mean": pytest.approx((10 + 19.5 + 30) / 3), "cycle_median": 19.5, "cycle_n": 3,
    }  # fmt: skip
    assert fair == {
        "group": "展会", "other_groups": 0, "leads": 3, "won": 1, "lost": 1, "closed": 2,
        "rate": 0.5, "small": True, "deal_mean": 50.0,
        "cycle_mean": None, "cycle_median": None, "cycle_n": 0,
    }  # fmt: skip
    # The blank source is a group of its own, listed after the named ones.
    assert blank["group"] is None and blank["leads"] == 1 and blank["rate"] == 1.0
    assert blank["small"] is True


def test_conversion_total_hand_checked() -> None:
    total = conversion_total(_customers())
    assert total == {
        "leads": 10, "won": 6, "lost": 2, "closed": 8, "rate": 0.75, "small": False,
        "deal_mean": (100 + 300 + 50 + 70 + 200) / 5,
        "cycle_mean": pytest.approx(59.5 / 3), "cycle_median": 19.5, "cycle_n": 3,
    }  # fmt: skip
    empty = conversion_total(_customers().head(0))
    assert empty["leads"] == 0 and empty["closed"] == 0 and np.isnan(empty["rate"])
    assert empty["small"] is True


def test_conversion_by_rep_puts_the_unowned_last() -> None:
    table = conversion_by(_customers(), "owner")
    assert table["group"].tolist() == ["张伟", "王芳", None]
    assert table[["leads", "won", "lost"]].to_numpy().tolist() == [[5, 4, 0], [4, 2, 1], [1, 0, 1]]
    # 张伟: four wins, none lost: 4 closed is still a small sample.
    assert table.loc[0, "rate"] == 1.0 and bool(table.loc[0, "small"]) is True


@pytest.mark.parametrize(("won", "lost", "small"), [(4, 0, True), (0, 4, True), (3, 2, False)])
def test_small_sample_below_five_closed(won: int, lost: int, small: bool) -> None:
    rows = pd.DataFrame({"region": "华东", "stage": ["won"] * won + ["lost"] * lost + ["new"] * 9})
    assert bool(conversion_by(rows, "region").loc[0, "small"]) is small


def test_groups_order_by_size_then_name() -> None:
    rows = pd.DataFrame({"industry": ["零售", "金融", "金融", "医疗", "医疗", "制造"]})
    table = conversion_by(rows, "industry")  # no stage column: everyone is new
    assert table["group"].tolist() == ["医疗", "金融", "制造", "零售"]
    assert table["closed"].sum() == 0 and table["rate"].isna().all()


def test_folding_the_tail_keeps_exact_figures() -> None:
    rows = pd.DataFrame(
        {
            "region": ["A"] * 5 + ["B"] * 3 + ["C", "C", "D", "E"],
            "stage": ["won"] * 5 + ["lost"] * 3 + ["won", "lost", "won", "lost"],
            "created": T("2026-01-01"),
            "closed": [T("2026-01-02")] * 8 + [T("2026-01-05"), pd.NaT, T("2026-01-11"), pd.NaT],
        }
    )
    table = conversion_by(rows, "region", limit=2)
    assert table["group"].tolist() == ["A", "B", None]
    other = _as_records(table)[2]
    # C, D and E together: 4 customers, won 2 (C, D), lost 2; cycles 4 and 10 days.
    assert other["other_groups"] == 3 and other["leads"] == 4
    assert (other["won"], other["lost"], other["rate"]) == (2, 2, 0.5)
    assert (other["cycle_mean"], other["cycle_median"], other["cycle_n"]) == (7.0, 7.0, 2)
    # Folding one group would only rename it: four groups under a limit of 3 are all listed.
    assert conversion_by(rows[rows["region"] != "E"], "region", limit=3)["other_groups"].eq(0).all()
    assert len(conversion_by(rows, "region", limit=10)) == 5


def test_missing_optional_columns_give_empty_figures() -> None:
    rows = pd.DataFrame({"stage": ["won", "lost", "won"], "source": ["x", "x", "y"]})
    table = conversion_by(rows, "source")
    assert table["won"].tolist() == [1, 1] and table["cycle_n"].eq(0).all()
    assert table["deal_mean"].isna().all()
    assert conversion_by(rows, "industry")["group"].tolist() == [None]


def test_stage_funnel_in_pipeline_order() -> None:
    funnel = stage_funnel(_customers())
    assert funnel["stage"].tolist() == [
        "new", "contacted", "qualified", "proposal", "negotiation", "won", "lost",
    ]  # fmt: skip
    assert funnel["count"].tolist() == [1, 1, 0, 0, 0, 6, 2]
    assert funnel["share"].tolist() == pytest.approx([0.1, 0.1, 0, 0, 0, 0.6, 0.2])
    blank = stage_funnel(pd.DataFrame({"stage": [None, "won"]}))
    assert blank["count"].tolist() == [1, 0, 0, 0, 0, 1, 0]  # a blank stage is new
    assert stage_funnel(pd.DataFrame({"stage": []}))["share"].eq(0).all()


def _follow_up_rows() -> pd.DataFrame:
    now = T(AS_OF)
    hour = pd.Timedelta(hours=1)
    rows = [
        # owner, stage, due_by, overdue
        ("张伟", "contacted", now, False),  # due right now: first window
        ("张伟", "new", now + 24 * hour, False),  # on the 24 h boundary: first window
        ("张伟", "new", now + 24 * hour + pd.Timedelta(minutes=1), False),  # 24–48 h
        ("张伟", "new", now + 48 * hour, False),  # 24–48 h
        ("张伟", "new", now + 72 * hour, False),  # 48–72 h
        ("张伟", "new", now + 72 * hour + pd.Timedelta(seconds=1), False),  # beyond 72 h
        ("王芳", "contacted", now - 30 * hour, True),  # overdue 1 day
        ("王芳", "proposal", now - 5 * 24 * hour, True),  # overdue 5 days
        ("王芳", "won", pd.NaT, False),  # closed: no follow-up
        (None, "new", now + 10 * hour, False),  # in the pool: nobody's follow-up
        ("李娜", "new", now + 100 * hour, False),  # nothing within 72 h: not listed
    ]
    frame = pd.DataFrame(rows, columns=["owner", "stage", "due_by", "overdue"])
    frame["customer_id"] = [f"C{i:02d}" for i in range(len(frame))]
    frame["customer"] = [f"客户{i}" for i in range(len(frame))]
    return frame


def test_follow_up_windows_hand_checked() -> None:
    table = follow_up_by_rep(_follow_up_rows(), AS_OF)
    assert table.to_dict("records") == [
        {"owner": "王芳", "other_owners": 0, "overdue": 2, "due_24": 0, "due_48": 0,
         "due_72": 0, "total": 2},
        {"owner": "张伟", "other_owners": 0, "overdue": 0, "due_24": 2, "due_48": 2,
         "due_72": 1, "total": 5},
    ]  # fmt: skip


def test_follow_up_without_an_overdue_column_uses_the_deadline() -> None:
    rows = _follow_up_rows().drop(columns="overdue")
    table = follow_up_by_rep(rows, AS_OF).set_index("owner")
    assert table.loc["王芳", "overdue"] == 2 and table.loc["张伟", "overdue"] == 0


def test_follow_up_folds_the_reps_beyond_the_limit() -> None:
    now = T(AS_OF)
    rows = pd.DataFrame(
        {
            "owner": ["甲", "乙", "乙", "丙", "丁", "丁", "丁"],
            "stage": "new",
            "due_by": now + pd.Timedelta(hours=2),
            "overdue": [True, False, False, False, True, True, False],
        }
    )
    table = follow_up_by_rep(rows, AS_OF, limit=2)
    assert table["owner"].tolist() == ["丁", "甲", None]
    assert table.iloc[2][["other_owners", "overdue", "due_24", "total"]].tolist() == [2, 0, 3, 3]
    assert len(follow_up_by_rep(rows, AS_OF, limit=3)) == 4  # folding one rep saves nothing


def test_overdue_customers_longest_first() -> None:
    late = overdue_customers(_follow_up_rows(), AS_OF, limit=10)
    assert late["customer"].tolist() == ["客户7", "客户6"]
    assert late["days_overdue"].tolist() == [5, 1]
    assert late["owner"].tolist() == ["王芳", "王芳"]
    assert overdue_customers(_follow_up_rows(), AS_OF, limit=1)["customer"].tolist() == ["客户7"]


def test_metrics_leave_their_input_untouched() -> None:
    rows = _customers()
    before = rows.copy()
    conversion_by(rows, "source", limit=1)
    conversion_total(rows)
    stage_funnel(rows)
    pd.testing.assert_frame_equal(rows, before)
