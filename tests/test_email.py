"""report.eml: the weekly report as a multipart/alternative UTF-8 draft Outlook opens unsent."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import MakeWorkbook
from test_report import large_reps, make_allocation, small_allocation

from allocator.cli import cli
from allocator.email import build_report_email, report_subject
from allocator.report import build_report_context, render_report, render_report_text

AS_OF = datetime(2026, 11, 23, 9, 0)
# What every email client is known to drop or mangle; the HTML must contain none of it.
UNSAFE = ("<style", "class=", "<script", "<svg", "data:", "display:flex", "display:grid",
          "position:", "<link", "<img", "@import")  # fmt: skip


def _build(lang: str, allocation: object = None) -> tuple[bytes, str, str, str]:
    context = build_report_context(allocation or small_allocation(), lang=lang)  # type: ignore[arg-type]
    html = render_report(context, lang=lang)
    text = render_report_text(context, lang=lang)
    subject = report_subject(context, as_of=AS_OF)
    return build_report_email(html, text, subject=subject, as_of=AS_OF), html, text, subject


def _content(part: object) -> str:
    # On the wire (and in the .eml) text lines end in CRLF, the canonical MIME form.
    assert isinstance(part, EmailMessage)
    return str(part.get_content()).replace("\r\n", "\n")


def _parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_html_is_email_safe(lang: str) -> None:
    for allocation in (small_allocation(), make_allocation(large_reps(200))):
        _, html, _, _ = _build(lang, allocation)
        compact = re.sub(r"\s+", "", html.lower())
        for forbidden in UNSAFE:
            assert forbidden.replace(" ", "") not in compact, forbidden
        assert "style=" in html  # the styles were inlined, not lost


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_eml_is_a_multipart_alternative_utf8_draft(lang: str) -> None:
    data, html, text, subject = _build(lang)
    message = _parse(data)
    assert message.get_content_type() == "multipart/alternative"
    assert message["X-Unsent"] == "1"
    assert message["Subject"] == subject
    assert message["MIME-Version"] == "1.0"
    assert message["Date"] == "Mon, 23 Nov 2026 09:00:00 -0000"
    assert message["To"] is None and message["From"] is None
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    assert _content(parts[0]) == text
    assert _content(parts[1]) == html
    assert message.defects == [] and all(p.defects == [] for p in parts)
    assert b"\r\n" in data and all(len(line) <= 998 for line in data.split(b"\r\n"))


def test_subject_names_the_week_and_the_input_file_or_the_team() -> None:
    _, _, _, zh = _build("zh")
    _, _, _, en = _build("en")
    assert zh == "客户分配周报 2026年第48周（CRM导出 1123.xlsx）"
    assert en == "Customer allocation report, week 48 2026 (CRM导出 1123.xlsx)"
    context = build_report_context(small_allocation(), lang="en")
    for rep in context["reps"]:
        rep["team_text"] = "East team"
    assert report_subject(context, as_of=AS_OF).endswith("(East team)")
    # The ISO week: 2027-01-01 is in week 53 of 2026.
    assert "week 53 2026" in report_subject(context, as_of=datetime(2027, 1, 1))


def test_eml_is_deterministic() -> None:
    assert _build("zh")[0] == _build("zh")[0]


def test_plain_text_part_in_the_run_language() -> None:
    _, _, zh, _ = _build("zh")
    _, _, en, _ = _build("en")
    assert "1. 本周概况" in zh and "合计" in zh and "1. This week" in en and "Total" in en
    # Aligned: every rep line of the workload table ends at the same display column.
    workload = en[en.index("2. Workload") : en.index("3. Conversion")]
    rows = [line for line in workload.splitlines() if re.match(r"  (刘洋|张伟|李娜|王芳) ", line)]
    assert len(rows) == 4 and len({len(line) for line in rows}) == 1
    for heading in ("3. Conversion", "4. Follow-up", "5. Problems"):
        assert heading in en
    for heading in ("3. 转化分析", "4. 跟进提醒", "5. 问题数据"):
        assert heading in zh


def test_plain_text_is_not_html_escaped() -> None:
    allocation = small_allocation()
    allocation.reps.loc[allocation.reps.index[0], "name"] = "A&B <x>"
    context = build_report_context(allocation, lang="en")
    text = render_report_text(context, lang="en")
    assert "A&B <x>" in text and "&amp;" not in text


def test_run_writes_report_eml_beside_report_html(
    runner: CliRunner, make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    path = make_workbook([{"customer_id": "C1"}, {"customer_id": "C2"}], name="week.xlsx")
    out = tmp_path / "out"
    result = runner.invoke(
        cli, ["run", str(path), "--out", str(out), "--as-of", "2026-11-23T09:00", "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    message = _parse((out / "report.eml").read_bytes())
    assert message["Subject"] == "Customer allocation report, week 48 2026 (week.xlsx)"
    html = message.get_body(preferencelist=("html",))
    assert _content(html) == (out / "report.html").read_text(encoding="utf-8")
