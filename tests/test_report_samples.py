"""The reports of the shipped samples at a fixed --as-of: golden files and cross-checks.

The golden files are the exact report.html that ``allocator run`` (and, for the book mode,
``allocator report``) writes for the sample. When a change to the report or to the allocation is
intended, rewrite them with ``ALLOCATOR_REGENERATE_GOLDEN=1`` and review the diff.
"""

from __future__ import annotations

import difflib
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from allocator.cli import cli
from allocator.pipeline import run
from allocator.report import build_report_context, render_report
from allocator.settings import Settings

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"
GOLDEN = Path(__file__).parent / "golden"
AS_OF = datetime(2026, 11, 23, 9, 0)
AS_OF_TEXT = "2026-11-23T09:00"


def _check_golden(name: str, html: str) -> None:
    path = GOLDEN / name
    if os.environ.get("ALLOCATOR_REGENERATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(html, encoding="utf-8", newline="\n")
    if not path.exists():
        pytest.fail(f"{path} is missing; run with ALLOCATOR_REGENERATE_GOLDEN=1 to write it")
    expected = path.read_text(encoding="utf-8")
    if html != expected:
        diff = difflib.unified_diff(
            expected.splitlines(), html.splitlines(), "golden", "rendered", lineterm="", n=1
        )
        pytest.fail(f"{name} differs from the golden file:\n" + "\n".join(list(diff)[:60]))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_golden_sample_report(runner: CliRunner, tmp_path: Path, lang: str) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        cli, ["run", str(SAMPLES / f"sample_{lang}.xlsx"), "--as-of", AS_OF_TEXT, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    _check_golden(f"report_sample_{lang}.html", (out / "report.html").read_text(encoding="utf-8"))


def test_golden_book_report(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = runner.invoke(
        cli, ["report", str(SAMPLES / "sample_zh.xlsx"), "--as-of", AS_OF_TEXT, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    _check_golden("report_book_sample_zh.html", out.read_text(encoding="utf-8"))


def _input_customers(name: str) -> pd.DataFrame:
    sheets = pd.read_excel(SAMPLES / name, sheet_name=None, engine="calamine", header=None)
    sheet = next(frame for key, frame in sheets.items() if key in ("客户", "Customers"))
    sheet = sheet.dropna(how="all").reset_index(drop=True)
    if sheet.iloc[0].count() == 1:  # a title banner above the header
        sheet = sheet.iloc[1:].reset_index(drop=True)
    return pd.DataFrame(sheet.iloc[1:].to_numpy(), columns=sheet.iloc[0].tolist())


def _context(name: str) -> tuple[dict[str, Any], Any]:
    result = run(SAMPLES / name, settings=Settings(), as_of=AS_OF, dry_run=True)
    return build_report_context(result.allocation, lang=result.lang), result.allocation


def test_sample_figures_agree_with_the_input() -> None:
    context, allocation = _context("sample_zh.xlsx")
    stages = _input_customers("sample_zh.xlsx")["跟进状态"].fillna("新建").value_counts()
    conversion = context["conversion"]
    assert conversion["total"]["won"] == stages["成交"]
    assert conversion["total"]["lost"] == stages["输单"]
    funnel = {row["label"]: row["count"] for row in conversion["funnel"]}
    assert funnel == {label: int(stages.get(label, 0)) for label in funnel}
    # Every group table adds up to every customer.
    for group in conversion["groups"]:
        assert sum(row["leads"] for row in group["rows"]) == allocation.stats["customers_in"]
    # The follow-up section and the run agree on what is overdue.
    assert context["follow_up"]["counts"]["overdue"] == allocation.stats["overdue"]
    assert len(render_report(context, lang="zh").encode("utf-8")) < 90 * 1024
