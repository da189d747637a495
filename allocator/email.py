"""The weekly report as a ready-to-send email draft (``report.eml``); pure, no I/O.

The draft is ``multipart/alternative`` (plain text first, then HTML, both UTF-8) with
``X-Unsent: 1``, which makes Outlook open it as an unsent draft for the manager to address and
send. It has no From or To: ``allocator send`` adds them. Every header and the MIME boundary are
derived from the run and the content, never from the clock or a random source, so the same run
gives the same bytes.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

__all__ = ["build_report_email", "report_subject"]

_SUBJECT = {
    ("run", "zh"): "客户分配周报 {year}年第{week}周（{scope}）",
    ("run", "en"): "Customer allocation report, week {week} {year} ({scope})",
    ("book", "zh"): "客户现状报告 {year}年第{week}周（{scope}）",
    ("book", "en"): "Customer status report, week {week} {year} ({scope})",
}


def report_subject(context: dict[str, Any], *, as_of: datetime) -> str:
    """The subject naming the report (weekly allocation or, for ``allocator report``, the
    status of the book), the ISO week of ``as_of`` and the team (or else the input file).

    The team is named when every rep of the report is in the same one; a mixed or empty team
    column falls back to the input file name, which is what the manager knows the run by.
    """
    lang = context["lang"]
    template = _SUBJECT.get((context.get("mode", "run"), lang))
    if template is None:
        raise ValueError(f"unknown language {lang!r} or mode {context.get('mode')!r}")
    teams = {str(rep.get("team_text") or "").strip() for rep in context["reps"]}
    scope = teams.pop() if len(teams) == 1 and "" not in teams else context["input_name"]
    year, week, _ = as_of.isocalendar()
    return template.format(year=year, week=week, scope=scope)


def build_report_email(html: str, text: str, *, subject: str, as_of: datetime) -> bytes:
    """The draft email as bytes with CRLF line ends (the .eml convention).

    ``Date`` is the run's ``as_of`` (a naive time is written with the ``-0000`` "zone unknown"
    offset). The boundary is a hash of the content, so it is stable and cannot occur in the
    base64 or quoted-printable bodies (``=_`` never appears in either encoding).
    """
    message = EmailMessage(policy=policy.default)
    message["Subject"] = subject
    message["Date"] = format_datetime(as_of)
    message["X-Unsent"] = "1"
    message.set_content(text, subtype="plain", charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    digest = hashlib.sha256(f"{subject}\0{text}\0{html}".encode()).hexdigest()[:32]
    message.set_boundary(f"=_allocator_{digest}")
    if "MIME-Version" not in message:
        message["MIME-Version"] = "1.0"
    return message.as_bytes(policy=policy.SMTP)
