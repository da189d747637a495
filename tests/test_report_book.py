"""`allocator report FILE`: the report of the workbook as it stands, nothing allocated."""

from __future__ import annotations

import email
import email.policy
import json
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import AS_OF, MakeWorkbook

from allocator.book import book_state
from allocator.cli import cli
from allocator.model import Allocation, RunInfo
from allocator.pipeline import prepare, report_paths
from allocator.report import build_report_context, render_report, render_report_text
from allocator.settings import Settings

AS_OF_TEXT = "2026-11-23T09:00"
DAY = timedelta(days=1)

REPS = [
    {"rep_id": "S1", "name": "Zhang Wei", "capacity": 5, "team": "East"},
    {"rep_id": "S2", "name": "Li Na", "capacity": 5, "team": "East", "active": "no"},
    {"rep_id": "S3", "name": "Wang Fang", "capacity": 0, "team": "East"},
]
CUSTOMERS = [
    # Kept by Zhang Wei; last contact two days ago, high intent (24 h): overdue.
    {"customer_id": "C1", "owner": "S1", "stage": "contacted", "intent": "high",
     "last_contact": AS_OF - 2 * DAY, "phone": "13800000001"},
    # No contact for 40 days: a run would reclaim it; overdue as well.
    {"customer_id": "C2", "owner": "S1", "stage": "new", "intent": "medium",
     "last_contact": AS_OF - 40 * DAY},
    # Owner has left: a run would hand it over; due in 71 hours (low intent).
    {"customer_id": "C3", "owner": "Li Na", "stage": "qualified", "intent": "low",
     "last_contact": AS_OF - timedelta(hours=1)},
    # Nobody's customer.
    {"customer_id": "C4", "stage": "new"},
    {"customer_id": "C5", "owner": "S1", "stage": "won", "created": datetime(2026, 9, 1),
     "closed": datetime(2026, 9, 21), "deal_value": 50000},
    {"customer_id": "C6", "owner": "S3", "stage": "lost", "created": datetime(2026, 9, 1),
     "closed": datetime(2026, 10, 1)},
    # A row with an error: an exception, not reported as a customer.
    {"customer_id": "C7", "value": -5},
    # Same phone as C1 but owned by Wang Fang, who also keeps it: 撞单.
    {"customer_id": "C8", "customer": "Acme Shadow Ltd", "owner": "S3", "stage": "contacted",
     "intent": "low", "last_contact": AS_OF - timedelta(hours=2), "phone": "138-0000-0001"},
]  # fmt: skip


def _book(path: Path, lang: str = "en") -> Allocation:
    settings = Settings()
    prepared = prepare(path, settings=settings, as_of=AS_OF, lang=lang)
    info = RunInfo(
        input_path=str(path),
        input_sha256=prepared.book.sha256,
        as_of=AS_OF,
        strategy=settings.strategy,
        language=lang,
        version="test",
    )
    return book_state(prepared.inputs, settings, as_of=AS_OF, run=info)


@pytest.fixture
def week(make_workbook: MakeWorkbook) -> Path:
    return make_workbook(CUSTOMERS, REPS, name="week.xlsx")


def test_book_state_counts(week: Path) -> None:
    book = _book(week)
    assert book.stats == {
        "customers_in": 8,
        "open": 4,  # C1, C2, C3, C8
        "unowned": 1,  # C4
        "to_reclaim": 1,  # C2
        "to_handover": 1,  # C3
        "closed": 2,
        "won": 1,
        "lost": 1,
        "exceptions": 1,  # C7
        "conflicts": 1,  # C1 and C8
        "reps": 3,
        "reps_active": 2,
        "overdue": 2,  # C1 and C2
        "completeness": 87.5,
    }
    assert book.conflicts["customer_id"].tolist() == ["C1", "C8"]
    assert book.conflicts["decision"].isna().all()  # nothing is decided without a run


def test_book_state_keeps_every_owner(week: Path) -> None:
    book = _book(week)
    owners = dict(zip(book.assignments["customer_id"], book.assignments["owner"], strict=True))
    assert owners == {
        "C1": "Zhang Wei", "C2": "Zhang Wei", "C5": "Zhang Wei", "C3": "Li Na",
        "C6": "Wang Fang", "C8": "Wang Fang",
    }  # fmt: skip
    assert book.unassigned["customer_id"].tolist() == ["C4"]
    assert set(book.assignments["reason_code"]) == {"kept", "closed"}
    reps = book.reps.set_index("rep_id")
    assert reps["new"].sum() == 0 and reps["points_received"].sum() == 0
    assert reps.loc["S1", "open_total"] == 2 and reps.loc["S1", "overdue_count"] == 2
    due = book.assignments.set_index("customer_id")["due_by"]
    assert due["C1"] == AS_OF - DAY and due["C3"] == AS_OF + timedelta(hours=71)


def test_book_report_context_and_rendering(week: Path) -> None:
    context = build_report_context(_book(week), lang="en", mode="book")
    assert context["title"] == "Customer status report 2026-11-23"
    assert context["sections"] == ["week", "book_workload", "conversion", "follow_up", "problems"]
    assert context["meta"][1] == "current state, nothing allocated"
    tiles = {tile["key"]: (tile["value_text"], tile["alert"]) for tile in context["tiles"]}
    assert tiles["to_reclaim"] == ("1", True) and tiles["won"] == ("1", False)
    assert context["unassigned_reasons"] is None
    assert context["conflicts"]["text"].startswith("1 duplicate groups claimed by several owners")
    reps = {r["name"]: r for r in context["reps"]}
    assert reps["Zhang Wei"]["bar_px"] == 120 and reps["Wang Fang"]["bar_px"] == 60
    assert reps["Zhang Wei"]["overdue_alert"] is True
    assert context["totals"] == {"open_text": "4", "overdue_text": "2", "value_open_text": "40,000"}
    # Fairness over reps present with capacity: Zhang Wei alone (Li Na left, Wang Fang has 0).
    assert context["fairness"]["gini_open"] == 0.0 and context["fairness"]["open_ratio"] == 1.0
    follow = context["follow_up"]["counts"]
    assert follow == {"overdue": 2, "due_24": 0, "due_48": 0, "due_72": 2, "due": 2}
    assert context["conversion"]["total"]["won"] == 1

    html = render_report(context, lang="en")
    expected = ["1. The book today", "2. Workload and fairness per rep", "Gini of open value",
                "3. Conversion", "4. Follow-up", "5. Problems", "the next run decides"]  # fmt: skip
    for text in expected:
        assert text in html, text
    assert "Why customers stayed in the pool" not in html
    plain = render_report_text(context, lang="en")
    assert "1. The book today" in plain and "Open value" in plain
    assert "Why customers stayed in the pool" not in plain


def test_report_paths() -> None:
    cwd = Path("/work/x")
    assert report_paths(None, AS_OF, cwd) == (
        cwd / "report-2026-11-23.html",
        cwd / "report-2026-11-23.eml",
    )
    assert report_paths(Path("out/周报.HTML"), AS_OF) == (
        Path("out/周报.HTML"),
        Path("out/周报.eml"),
    )
    assert report_paths(Path("out"), AS_OF) == (Path("out/report.html"), Path("out/report.eml"))


def _parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_report_command_writes_html_and_eml(runner: CliRunner, week: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "weekly.html"
    args = ["report", str(week), "--out", str(out), "--as-of", AS_OF_TEXT, "--lang", "en"]
    original = week.read_bytes()
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    eml = out.with_suffix(".eml")
    assert sorted(p.name for p in out.parent.iterdir()) == ["weekly.eml", "weekly.html"]
    assert f"wrote {out} and {eml}" in result.stdout
    html = out.read_text(encoding="utf-8")
    assert "Customer status report 2026-11-23" in html and "<style" not in html
    message = _parse(eml.read_bytes())
    assert message["Subject"] == "Customer status report, week 48 2026 (East)"
    assert message["X-Unsent"] == "1"
    body = message.get_body(preferencelist=("html",))
    assert isinstance(body, EmailMessage)
    assert str(body.get_content()).replace("\r\n", "\n") == html
    assert week.read_bytes() == original  # the input is never modified
    assert [p.name for p in tmp_path.rglob("*.xlsx")] == ["week.xlsx"]  # no workbook written

    # Again: refused, files untouched; --force overwrites.
    before = out.stat().st_mtime_ns
    again = runner.invoke(cli, args)
    assert again.exit_code == 1
    assert "already exist" in again.stderr and "--force" in again.stderr
    assert "Traceback" not in again.output and out.stat().st_mtime_ns == before
    forced = runner.invoke(cli, [*args, "--force"])
    assert forced.exit_code == 0, forced.output


def test_report_command_into_a_folder_and_by_default(
    runner: CliRunner, week: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "reports"
    result = runner.invoke(
        cli, ["report", str(week), "--out", str(folder), "--as-of", AS_OF_TEXT, "--json"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["written"] == [str(folder / "report.html"), str(folder / "report.eml")]
    assert payload["stats"]["open"] == 4 and payload["stats"]["conflicts"] == 1

    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["report", str(week), "--as-of", AS_OF_TEXT, "--lang", "zh", "-q"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    html = (tmp_path / "report-2026-11-23.html").read_text(encoding="utf-8")
    assert "客户现状报告 2026-11-23" in html and "只读现状，未分配" in html
    message = _parse((tmp_path / "report-2026-11-23.eml").read_bytes())
    assert message["Subject"] == "客户现状报告 2026年第48周（East）"


def test_report_command_input_errors_exit_3(
    runner: CliRunner, make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    path = make_workbook([{}], sheet_names={"Reps": "Staff"})
    out = tmp_path / "r.html"
    result = runner.invoke(
        cli, ["report", str(path), "--out", str(out), "--as-of", AS_OF_TEXT, "--lang", "en"]
    )
    assert result.exit_code == 3
    assert "the workbook has no 'Reps' sheet" in result.stderr
    assert "Traceback" not in result.output and not out.exists()
    strict = make_workbook(CUSTOMERS, REPS, name="strict.xlsx")
    result = runner.invoke(
        cli, ["report", str(strict), "--out", str(out), "--as-of", AS_OF_TEXT, "--strict"]
    )
    assert result.exit_code == 3 and not out.exists()


def test_report_command_refuses_an_out_path_blocked_by_a_file(
    runner: CliRunner, week: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "taken"
    blocker.write_text("x")
    result = runner.invoke(cli, ["report", str(week), "--out", str(blocker), "--as-of", AS_OF_TEXT])
    assert result.exit_code == 1
    assert "a folder or file is in the way" in result.stderr and blocker.read_text() == "x"
