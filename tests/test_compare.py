"""``allocator compare`` (SPEC §6): the figures of several strategies on one input, by hand on a
tiny input, and the files it writes (compare.html email-safe, compare.xlsx side by side)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import AS_OF, MakeWorkbook

from allocator.cli import cli
from allocator.compare import FIGURE_KEYS, compare, expected_won_value, gain_over_points
from allocator.pipeline import prepare
from allocator.settings import Settings

AS_OF_TEXT = AS_OF.isoformat(timespec="minutes")

# Rates (won / closed shrunk toward the rep's and the team's rate, k = 5): team 6/10;
# Zhang Wei 4 of 4 → 7.888…/9 = 0.876543, Li Na 1 of 4 → 3.222…/9 = 0.358025.
ZHANG_RATE, LI_RATE = 71 / 81, 29 / 81
CUSTOMERS: list[dict[str, Any]] = [
    {"customer_id": "C1", "value": 20_000},  # score 75.0
    {"customer_id": "C2", "value": 10_000},  # score 72.2
    {"customer_id": "C3", "customer": "=1+1", "region": "West"},  # nobody covers West
    *({"customer_id": f"H{i}", "owner": "Zhang Wei", "stage": "won"} for i in range(4)),
    *(
        {"customer_id": f"L{i}", "owner": "Li Na", "stage": "won" if i == 0 else "lost"}
        for i in range(4)
    ),
]
# Zhang Wei carries 10 points, so 积分制 hands C1 to Li Na and C2 to Zhang Wei; 全局最优
# gives the higher score to the better converter (Zhang Wei: 10 + 75 = 85 is within
# 1.25 × (10 + 147.2) / 2 = 98.25).
REPS = [
    {"rep_id": "S1", "name": "Zhang Wei", "capacity": 1, "points_balance": 10},
    {"rep_id": "S2", "name": "Li Na", "capacity": 5},
]


@pytest.fixture
def workbook(make_workbook: MakeWorkbook) -> Path:
    return make_workbook(CUSTOMERS, REPS)


def invoke(runner: CliRunner, *args: str) -> Any:
    return runner.invoke(cli, ["compare", *args, "--as-of", AS_OF_TEXT])


def test_json_has_exactly_the_keys_and_hand_checked_figures(
    runner: CliRunner, workbook: Path, tmp_path: Path
) -> None:
    out = tmp_path / "cmp"
    result = invoke(
        runner, str(workbook), "--strategy", "points", "--strategy", "全局最优", "--out",
        str(out), "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert [list(f) for f in figures] == [list(FIGURE_KEYS)] * 2
    points, optimal = figures
    # Points 72.2 / 75 against an equal share of 73.6: gini 0.0095, shares 0.981 / 1.019.
    # Load 1/1 and 1/5: gini of [0.2, 1] = 1/3.
    assert points == {
        "strategy": "points",
        "assigned": 2,
        "unassigned": 1,
        "expected_won_value": round(20_000 * LI_RATE + 10_000 * ZHANG_RATE, 2),  # 15,925.93
        "gini_points": 0.0095,
        "gini_load": 0.3333,
        "max_min_share_ratio": round(75 / 72.2, 4),
        "owner_changes_vs_first": 0,
    }
    assert optimal == {
        **points,
        "strategy": "optimal",
        "expected_won_value": round(20_000 * ZHANG_RATE + 10_000 * LI_RATE, 2),  # 21,111.11
        "owner_changes_vs_first": 2,
    }
    assert sorted(p.name for p in out.iterdir()) == ["compare.html", "compare.xlsx"]


def test_table_on_stdout(runner: CliRunner, workbook: Path, tmp_path: Path) -> None:
    result = invoke(
        runner, str(workbook), "--strategy", "points", "--strategy", "optimal", "--out",
        str(tmp_path / "cmp"), "--lang", "en",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "Strategy", "Assigned", "Unassigned", "Expected", "won", "value", "vs", "first", "Gini",
        "points", "Gini", "load", "Max/min", "share", "Owner", "changes",
    ]  # fmt: skip
    assert lines[1].split() == ["points", "2", "1", "15,926", "—", "0.010", "0.333", "1.04", "0"]
    assert lines[2].split() == [
        "optimal", "2", "1", "21,111", "+32.6%", "0.010", "0.333", "1.04", "2",
    ]  # fmt: skip
    assert lines[3] == f"2 files written to {tmp_path / 'cmp'}"


def test_chinese_table(runner: CliRunner, workbook: Path, tmp_path: Path) -> None:
    result = invoke(
        runner, str(workbook), "--strategy", "积分制", "--strategy", "optimal", "--out",
        str(tmp_path / "cmp"), "--lang", "zh", "-q",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    header, first, second = result.stdout.splitlines()
    assert header.split()[:4] == ["策略", "新分配", "公海池", "预计成交额"]
    assert first.split()[0] == "积分制" and second.split()[0] == "全局最优"


def test_every_strategy_by_default_the_settings_one_first(
    runner: CliRunner, workbook: Path, tmp_path: Path
) -> None:
    config = tmp_path / "allocator.toml"
    config.write_text('strategy = "balanced"\n', encoding="utf-8")
    result = invoke(runner, str(workbook), "--out", str(tmp_path / "cmp"), "--json", "--config",
                    str(config))  # fmt: skip
    assert result.exit_code == 0, result.output
    names = [f["strategy"] for f in json.loads(result.stdout)]
    assert names == ["balanced", "round_robin", "weighted", "points", "performance", "optimal"]


def test_mistakes_are_clean_errors(runner: CliRunner, workbook: Path, tmp_path: Path) -> None:
    unknown = invoke(runner, str(workbook), "--strategy", "optimum", "--out", str(tmp_path / "a"))
    assert unknown.exit_code == 3
    assert "unknown strategy 'optimum' (did you mean 'optimal'?)" in unknown.stderr
    twice = invoke(runner, str(workbook), "--strategy", "points", "--strategy", "积分制")
    assert twice.exit_code == 2
    assert "--strategy points is given more than once" in twice.stderr
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "keep.txt").write_text("mine", encoding="utf-8")
    refused = invoke(runner, str(workbook), "--strategy", "points", "--out", str(taken))
    assert refused.exit_code == 1
    assert "already exists and is not empty" in refused.stderr
    assert (taken / "keep.txt").read_text(encoding="utf-8") == "mine"
    missing = invoke(runner, str(tmp_path / "nope.xlsx"), "--out", str(tmp_path / "b"))
    assert missing.exit_code == 3
    assert "Traceback" not in missing.output


class _Html(HTMLParser):
    """Open/close balance and every table's attributes."""

    VOID = frozenset({"meta", "br", "img", "hr", "link", "input"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tables: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append(dict(attrs))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_html_is_email_safe(runner: CliRunner, workbook: Path, tmp_path: Path, lang: str) -> None:
    out = tmp_path / "cmp"
    result = invoke(runner, str(workbook), "--strategy", "points", "--strategy", "optimal",
                    "--out", str(out), "--lang", lang, "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    html = (out / "compare.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    for forbidden in ("<script", "<svg", "<style", "class=", "data:", "<img", "flex", "grid",
                      "position:", "<link"):  # fmt: skip
        assert forbidden not in html.lower(), forbidden
    parser = _Html()
    parser.feed(html)
    parser.close()
    assert parser.errors == [] and parser.stack == []
    assert parser.tables[0]["width"] == "640"
    for attrs in parser.tables:
        width = attrs.get("width")
        assert width is not None and (width.endswith("%") or int(width) <= 640), attrs
    assert all(int(px) <= 640 for px in re.findall(r"width:\s*(\d+)px", html))
    assert 'style="' in html  # the styles arrived inline
    title, rep = ("分配策略对比 2026-11-23", "Zhang Wei") if lang == "zh" else (
        "Strategy comparison 2026-11-23", "Zhang Wei")  # fmt: skip
    assert title in html and rep in html
    assert ("全局最优" if lang == "zh" else ">optimal<") in html


def test_html_escapes_names(make_workbook: MakeWorkbook, tmp_path: Path) -> None:
    from allocator.compare_render import render_html

    reps = [{**REPS[0], "name": "<b>Zhang</b>"}, REPS[1]]
    customers = [
        {**c, "owner": "<b>Zhang</b>"} if c.get("owner") == "Zhang Wei" else c for c in CUSTOMERS
    ]
    path = make_workbook(customers, reps)
    prepared = prepare(path, settings=Settings(), as_of=AS_OF, lang="en")
    comparison = compare(prepared.inputs, Settings(), ["points"], as_of=AS_OF, lang="en")
    html = render_html(comparison, lang="en", input_name="<in>.xlsx", as_of=AS_OF)
    assert "<b>" not in html and "&lt;b&gt;Zhang&lt;/b&gt;" in html and "&lt;in&gt;.xlsx" in html


def test_workbook_puts_owners_side_by_side(
    runner: CliRunner, workbook: Path, tmp_path: Path
) -> None:
    out = tmp_path / "cmp"
    result = invoke(runner, str(workbook), "--strategy", "points", "--strategy", "optimal",
                    "--out", str(out), "--lang", "en", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out / "compare.xlsx")
    assert book.sheetnames == ["Summary", "Owners", "Reps"]
    owners = book["Owners"]
    assert owners.freeze_panes == "A2"
    assert len(owners.tables) == 1
    rows = [[cell.value for cell in row] for row in owners.iter_rows()]
    assert rows[0] == ["Customer ID", "Customer", "points", "optimal", "Owners differ"]
    by_id = {row[0]: row for row in rows[1:]}
    assert by_id["C1"][2:] == ["Li Na", "Zhang Wei", "yes"]
    assert by_id["C2"][2:] == ["Zhang Wei", "Li Na", "yes"]
    assert by_id["C3"][1:] == ["=1+1", None, None, "no"]  # text, never a formula
    assert owners.cell(row=rows.index(by_id["C3"]) + 1, column=2).data_type == "s"
    assert by_id["H0"][2:] == ["Zhang Wei", "Zhang Wei", "no"]
    assert len(rows) == 1 + len(CUSTOMERS)
    summary = [[cell.value for cell in row] for row in book["Summary"].iter_rows()]
    assert summary[0][0] == "Strategy" and [r[0] for r in summary[1:]] == ["points", "optimal"]
    assert summary[2][3] == pytest.approx(20_000 * ZHANG_RATE + 10_000 * LI_RATE, abs=0.01)
    assert book["Summary"].freeze_panes == "A2" and len(book["Summary"].tables) == 1
    reps = [[cell.value for cell in row] for row in book["Reps"].iter_rows()]
    assert reps[0] == ["Rep ID", "Name", "New · points", "New · optimal", "Points · points",
                       "Points · optimal"]  # fmt: skip
    assert reps[1] == ["S1", "Zhang Wei", 1, 1, 72.2, 75.0]


def test_large_comparisons_get_a_filter_instead_of_a_table(workbook: Path, tmp_path: Path) -> None:
    from allocator.compare_render import write_workbook

    prepared = prepare(workbook, settings=Settings(), as_of=AS_OF, lang="en")
    comparison = compare(prepared.inputs, Settings(), ["points"], as_of=AS_OF, lang="en")
    write_workbook(comparison, tmp_path / "c.xlsx", lang="en", table_rows_max=3)
    owners = openpyxl.load_workbook(tmp_path / "c.xlsx")["Owners"]
    assert not owners.tables and owners.auto_filter.ref and owners.freeze_panes == "A2"
    assert owners.cell(row=4, column=2).value == "=1+1"


def test_library_figures_and_gain(workbook: Path) -> None:
    prepared = prepare(workbook, settings=Settings(), as_of=AS_OF, lang="en")
    comparison = compare(prepared.inputs, Settings(), ["optimal", "points"], as_of=AS_OF, lang="en")
    assert comparison.strategies == ("optimal", "points")
    assert comparison.owners["differs"].sum() == 2
    assert comparison.reps.columns.tolist() == [
        "rep_id", "name", "new:optimal", "points:optimal", "new:points", "points:points",
    ]  # fmt: skip
    gain = gain_over_points(prepared.inputs, Settings(), as_of=AS_OF)
    assert gain.points_value == pytest.approx(20_000 * LI_RATE + 10_000 * ZHANG_RATE)
    assert gain.optimal_value == pytest.approx(20_000 * ZHANG_RATE + 10_000 * LI_RATE)
    assert gain.difference == pytest.approx(10_000 * (ZHANG_RATE - LI_RATE))
    assert gain.ratio == pytest.approx(gain.difference / gain.points_value)
    with pytest.raises(ValueError, match="more than once"):
        compare(prepared.inputs, Settings(), ["points", "积分制"], as_of=AS_OF, lang="en")


def test_gain_reuses_a_given_optimal_allocation(workbook: Path) -> None:
    from allocator.allocate import allocate
    from allocator.model import RunInfo

    prepared = prepare(workbook, settings=Settings(), as_of=AS_OF, lang="en")
    settings = Settings(strategy="optimal")
    run = RunInfo("in.xlsx", "", AS_OF, "optimal", "en", "test")
    optimal = allocate(prepared.inputs, settings, as_of=AS_OF, lang="en", run=run)
    assert expected_won_value(optimal, prepared.inputs) == pytest.approx(
        20_000 * ZHANG_RATE + 10_000 * LI_RATE
    )
    gain = gain_over_points(prepared.inputs, settings, as_of=AS_OF, optimal=optimal)
    assert gain.optimal_value == pytest.approx(20_000 * ZHANG_RATE + 10_000 * LI_RATE)


def test_expected_rate_falls_back_to_the_reps_overall_rate() -> None:
    import numpy as np
    import pandas as pd

    from allocator.conversion import ConversionTable

    table = ConversionTable(
        industries=("Retail", "Tech"),
        rate=np.array([[0.8, 0.2], [0.3, 0.6]]),
        rep_rate=np.array([0.5, 0.4]),
        team_rate=0.45,
        won=np.zeros((2, 2), dtype=np.int64),
        closed=np.zeros((2, 2), dtype=np.int64),
    )
    industry = pd.Series(["Tech", "Retail", "Energy", None, "Retail"])
    rates = table.expected(np.array([0, 1, 1, 0, -1]), industry)
    assert rates[:4].tolist() == [0.2, 0.3, 0.4, 0.5]
    assert np.isnan(rates[4])


def test_weekly_report_shows_optimals_gain_over_points(tmp_path: Path) -> None:
    from datetime import datetime

    from allocator.compare import gain_over_points
    from allocator.pipeline import prepare, run
    from allocator.settings import Settings

    sample = Path(__file__).resolve().parent.parent / "sample_workbooks" / "sample_zh.xlsx"
    settings = Settings().with_overrides(strategy="optimal")
    as_of = datetime(2026, 11, 23, 9)
    result = run(sample, settings=settings, as_of=as_of, out_dir=tmp_path / "opt")
    stats = result.allocation.stats
    expected = gain_over_points(
        prepare(sample, settings=settings, as_of=as_of).inputs, settings, as_of=as_of
    )
    assert stats["optimal_expected_value"] == pytest.approx(expected.optimal_value)
    assert stats["points_expected_value"] == pytest.approx(expected.points_value)
    html = (tmp_path / "opt" / "report.html").read_text(encoding="utf-8")
    assert "全局最优（optimal）在本周数据上的预计成交额为" in html
    assert f"{expected.optimal_value:,.0f}" in html
    plain = run(sample, settings=Settings(), as_of=as_of, out_dir=tmp_path / "points")
    assert "optimal_expected_value" not in plain.allocation.stats
    assert "全局最优（optimal）" not in (tmp_path / "points" / "report.html").read_text("utf-8")
