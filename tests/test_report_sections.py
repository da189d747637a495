"""The conversion, follow-up and problems sections of the report context, on hand-built data."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from typing import Any

import pandas as pd
import pytest
from test_metrics import _customers, _follow_up_rows
from test_report import large_reps, make_allocation, small_allocation

from allocator import report_sections
from allocator.model import Allocation
from allocator.report import build_report_context, render_report, render_report_text

AS_OF = datetime(2026, 11, 23, 9, 0)


def _with(allocation: Allocation, **frames: Any) -> Allocation:
    return replace(allocation, **frames)


def _hand_allocation() -> Allocation:
    """The ten customers of test_metrics as the placed rows (the unowned one is in the pool)."""
    customers = _customers()
    customers["customer_id"] = [f"C{i}" for i in range(len(customers))]
    customers["customer"] = [f"客户{i}" for i in range(len(customers))]
    owned = customers["owner"].notna()
    return _with(
        small_allocation(),
        assignments=customers[owned].reset_index(drop=True),
        unassigned=customers[~owned].assign(reason_code="no_territory").reset_index(drop=True),
    )


@pytest.mark.parametrize(
    ("won", "closed", "zh", "en"),
    [
        (0, 0, "—", "—"),
        (2, 3, "2/3（小样本）", "2/3 (small sample)"),
        (4, 4, "4/4（小样本）", "4/4 (small sample)"),  # never a bare 100 %
        (0, 4, "0/4（小样本）", "0/4 (small sample)"),
        (5, 5, "100%", "100%"),
        (0, 5, "0%", "0%"),
        (3, 5, "60%", "60%"),
        (199, 200, "99%", "99%"),  # not rounded up to a perfect score
        (1, 200, "1%", "1%"),  # nor down to nothing
    ],
)
def test_rate_text(won: int, closed: int, zh: str, en: str) -> None:
    assert report_sections._fmt_rate(won, closed, "zh") == zh
    assert report_sections._fmt_rate(won, closed, "en") == en


def test_conversion_section_hand_checked() -> None:
    section = build_report_context(_hand_allocation(), lang="zh")["conversion"]
    assert section["summary"] == "已关闭 8 个客户：成交 6 个，输单 2 个，转化率 75%。"
    assert section["total"]["rate"] == 0.75 and section["total"]["deal_mean"] == 144.0
    tiles = {tile["key"]: tile["value_text"] for tile in section["tiles"]}
    # Cycles 10, 19.5 and 30 days: mean 19.8, median 19.5, both shown as whole days.
    assert tiles == {
        "conv_rate": "75%",
        "conv_deal": "144",
        "conv_cycle_mean": "20 天",
        "conv_cycle_median": "20 天",
    }
    assert [(s["label"], s["count_text"], s["share_text"]) for s in section["funnel"]] == [
        ("新建", "1", "10%"), ("已联系", "1", "10%"), ("需求确认", "0", "0%"),
        ("方案提交", "0", "0%"), ("商务谈判", "0", "0%"), ("成交", "6", "60%"),
        ("输单", "2", "20%"),
    ]  # fmt: skip
    assert [s["bar_px"] for s in section["funnel"]] == [40, 40, 0, 0, 0, 240, 80]
    groups = {g["key"]: g for g in section["groups"]}
    assert list(groups) == ["source", "owner", "industry", "region"]
    source = [
        (r["label"], r["leads_text"], r["rate_text"], r["bar_px"], r["deal_text"], r["cycle_text"])
        for r in groups["source"]["rows"]
    ]
    assert source == [
        ("官网", "6", "80%", 48, "200", "20 / 20"),
        ("展会", "3", "1/2（小样本）", 0, "50", "—"),
        ("（未填来源）", "1", "1/1（小样本）", 0, "70", "—"),
    ]
    assert [r["label"] for r in groups["owner"]["rows"]] == ["张伟", "王芳", "（无负责人）"]
    assert groups["owner"]["rows"][0]["rate_text"] == "4/4（小样本）"
    # No industry or region column: one blank group.
    assert [r["label"] for r in groups["industry"]["rows"]] == ["（未填行业）"]


def test_small_samples_never_show_a_percentage_anywhere() -> None:
    rows = [
        row
        for allocation in (small_allocation(), make_allocation(large_reps(40)))
        for group in build_report_context(allocation, lang="en")["conversion"]["groups"]
        for row in group["rows"]
    ]
    assert any(row["small"] and row["closed"] for row in rows)
    assert any(not row["small"] for row in rows)
    for row in rows:
        if row["closed"] < 5:
            assert "%" not in row["rate_text"] and row["bar_px"] == 0, row
        else:
            assert row["rate_text"].endswith("%"), row


def test_conversion_without_closed_customers() -> None:
    allocation = small_allocation()
    open_only = allocation.assignments.assign(stage="new")
    en = build_report_context(_with(allocation, assignments=open_only), lang="en")["conversion"]
    assert en["summary"] == "No customer is won or lost yet, so there is no conversion rate."
    assert {tile["value_text"] for tile in en["tiles"]} == {"—"}


def test_large_teams_fold_reps_small_teams_list_everyone() -> None:
    small = build_report_context(small_allocation(), lang="en")
    owners = next(g for g in small["conversion"]["groups"] if g["key"] == "owner")["rows"]
    assert [r["label"] for r in owners] == ["王芳", "张伟", "李娜", "刘洋", "(no owner)"]
    allocation = make_allocation(large_reps(200))
    large = build_report_context(allocation, lang="en")
    owners = next(g for g in large["conversion"]["groups"] if g["key"] == "owner")["rows"]
    assert len(owners) == report_sections.REPS_MAX + 1 and owners[-1]["other"] is True
    assert re.fullmatch(r"\d+ others", owners[-1]["label"])
    rows = large["follow_up"]["rows"]
    assert len(rows) == report_sections.REPS_MAX + 1 and rows[-1]["label"].endswith(" other reps")
    # The folded rows keep the totals whole.
    assert sum(r["leads"] for r in owners) == large["conversion"]["total"]["leads"]
    assert large["conversion"]["total"]["leads"] == len(allocation.assignments) + len(
        allocation.unassigned
    )


def test_follow_up_section_hand_checked() -> None:
    allocation = _with(small_allocation(), assignments=_follow_up_rows())
    section = build_report_context(allocation, lang="zh")["follow_up"]
    assert section["counts"] == {"overdue": 2, "due_24": 2, "due_48": 2, "due_72": 1, "due": 5}
    assert section["summary"] == (
        "2 个客户已逾期未跟进；未来 72 小时内到期 5 个：24 小时内 2 个，24–48 小时 2 个，"
        "48–72 小时 1 个。"
    )
    rows = [(r["label"], r["overdue_text"], r["total_text"], r["alert"]) for r in section["rows"]]
    assert rows == [
        ("王芳", "2", "2", True),
        ("张伟", "0", "5", False),
    ]  # fmt: skip
    assert section["totals"] == {
        "overdue_text": "2", "due_24_text": "2", "due_48_text": "2", "due_72_text": "1",
        "total_text": "7",
    }  # fmt: skip
    assert [(c["customer"], c["due_text"], c["days_text"]) for c in section["overdue_list"]] == [
        ("客户7", "2026-11-18 09:00", "5"),
        ("客户6", "2026-11-22 03:00", "1"),
    ]
    assert section["overdue_more"] == ""


def test_follow_up_note_names_the_run_sla() -> None:
    allocation = small_allocation()
    sla = {"high_hours": 12, "medium_hours": 36, "low_hours": 96.5}
    run = replace(allocation.run, settings={"sla": sla})
    zh = build_report_context(_with(allocation, run=run), lang="zh")["follow_up"]["note"]
    en = build_report_context(_with(allocation, run=run), lang="en")["follow_up"]["note"]
    assert "高 12 小时、中 36 小时、低 96.5 小时" in zh
    assert "high 12 h, medium 36 h, low 96.5 h" in en
    plain = build_report_context(allocation, lang="en")["follow_up"]["note"]
    assert "12 h" not in plain and "from this run" in plain


def test_follow_up_lists_ten_overdue_customers_and_counts_the_rest() -> None:
    section = build_report_context(small_allocation(), lang="en")["follow_up"]
    overdue = section["counts"]["overdue"]
    assert overdue > report_sections.OVERDUE_LIST_MAX
    assert len(section["overdue_list"]) == report_sections.OVERDUE_LIST_MAX
    more = overdue - report_sections.OVERDUE_LIST_MAX
    assert section["overdue_more"] == f"{more} more overdue customers are not listed here."
    days = [c["days"] for c in section["overdue_list"]]
    assert days == sorted(days, reverse=True)


def test_conflicts_name_the_policy_of_the_run() -> None:
    allocation = small_allocation()
    context = build_report_context(allocation, lang="zh")
    assert context["conflicts"] == {
        "groups": 2,
        "rows": 5,
        "text": "2 组撞单，共 5 行，按“最早录入”裁定，明细见撞单表。",
    }
    run = replace(allocation.run, settings={"duplicates": {"conflict_policy": "highest_value"}})
    en = build_report_context(_with(allocation, run=run), lang="en")["conflicts"]["text"]
    assert "decided by the highest value" in en
    empty = _with(allocation, conflicts=pd.DataFrame())
    assert build_report_context(empty, lang="en")["conflicts"] is None


def test_sections_in_order_and_an_empty_builder_drops_its_section(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    allocation = small_allocation()
    context = build_report_context(allocation, lang="en")
    assert context["sections"] == ["week", "workload", "conversion", "follow_up", "problems"]
    html = render_report(context, lang="en")
    for number, title in enumerate(
        ["This week", "Workload and fairness per rep", "Conversion", "Follow-up", "Problems"], 1
    ):
        assert f">{number}. {title}</td>" in html
    # The extension point: a builder with nothing to show leaves its section out entirely.
    monkeypatch.setitem(report_sections.SECTION_BUILDERS, "follow_up", lambda *_: None)
    context = build_report_context(allocation, lang="en")
    assert context["sections"] == ["week", "workload", "conversion", "problems"]
    html = render_report(context, lang="en")
    assert "Follow-up" not in html and ">4. Problems</td>" in html
    assert "4. Problems" in render_report_text(context, lang="en")


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="mode"):
        build_report_context(small_allocation(), lang="en", mode="weekly")
    with pytest.raises(ValueError, match="to_reclaim"):
        build_report_context(small_allocation(), lang="en", mode="book")


def test_rendered_sections_in_html_and_text() -> None:
    allocation = _hand_allocation()
    zh = render_report(build_report_context(allocation, lang="zh"), lang="zh")
    for text in ("3. 转化分析", "跟进阶段漏斗", "按线索来源", "按销售", "1/2（小样本）",
                 "（未填来源）", "4. 跟进提醒", "5. 问题数据", "撞单"):  # fmt: skip
        assert text in zh, text
    # The 80 % bar: 48 px of the 60 px scale, in the "won" colour; small samples get none.
    assert '<table width="48" cellspacing="0"><tr><td height="12" bgcolor="#2f855a">' in zh
    row = next(line for line in zh.splitlines() if "1/2（小样本）" in line)
    assert "<table" not in row and "color:#5f6b7a" in row
    text = render_report_text(build_report_context(allocation, lang="en"), lang="en")
    assert "8 customers closed: 6 won, 2 lost, a conversion rate of 75%." in text
    lines = text.splitlines()
    source = lines.index("By lead source")
    assert lines[source + 1].split() == [
        "Source", "Leads", "Won", "Lost", "Conversion", "Avg", "deal", "Cycle", "(days)",
    ]  # fmt: skip
    assert lines[source + 3].split() == ["官网", "6", "4", "1", "80%", "200", "20", "/", "20"]
    assert "1/2 (small sample)" in lines[source + 4]


def test_two_hundred_reps_keep_every_section_under_the_size_limit() -> None:
    for lang in ("zh", "en"):
        context = build_report_context(make_allocation(large_reps(200)), lang=lang)
        html = render_report(context, lang=lang)
        assert context["sections"] == ["week", "workload", "conversion", "follow_up", "problems"]
        assert len(html.encode("utf-8")) < 90 * 1024
        assert html.count("<tr") > 250  # every rep, and the other sections
