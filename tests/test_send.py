"""``allocator send`` against a real SMTP server: aiosmtpd on 127.0.0.1, started by each test."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner
from test_report import small_allocation

from allocator.cli import cli
from allocator.email import build_report_email, report_subject
from allocator.report import build_report_context, render_report, render_report_text
from allocator.send import EmailFileError, parse_email, parse_smtp_address

AS_OF = datetime(2026, 11, 23, 9, 0)
USER, PASSWORD = "me@example.com", "s3cret pass!"


@dataclass
class Collector:
    """An aiosmtpd handler keeping every message it receives."""

    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    handler: Collector
    address: str


def _serve(**smtp_options: Any) -> Iterator[Server]:
    handler = Collector()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **smtp_options)
    controller.start()
    try:
        yield Server(handler, f"127.0.0.1:{port}")
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[Server]:
    yield from _serve()


@pytest.fixture
def auth_server() -> Iterator[Server]:
    # Login over plain text is fine on loopback; a real server would require TLS first.
    yield from _serve(authenticator=_authenticate, auth_require_tls=False)


@pytest.fixture
def eml(tmp_path: Path) -> Path:
    context = build_report_context(small_allocation(), lang="zh")
    data = build_report_email(
        render_report(context, lang="zh"),
        render_report_text(context, lang="zh"),
        subject=report_subject(context, as_of=AS_OF),
        as_of=AS_OF,
    )
    path = tmp_path / "report.eml"
    path.write_bytes(data)
    return path


def _parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _html(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("html",))
    assert body is not None
    return str(body.get_content())


def test_round_trip_delivers_the_report(runner: CliRunner, smtp_server: Server, eml: Path) -> None:
    result = runner.invoke(
        cli,
        [
            "send",
            str(eml),
            "--to",
            "boss@example.com",
            "--to",
            "team@example.com",
            "--smtp",
            smtp_server.address,
            "--from",
            "me@example.com",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "sent" in result.stdout and "boss@example.com, team@example.com" in result.stdout
    [(mail_from, rcpt_tos, content)] = smtp_server.handler.received
    assert mail_from == "me@example.com"
    assert rcpt_tos == ["boss@example.com", "team@example.com"]
    sent, got = _parse(eml.read_bytes()), _parse(content)
    assert got["To"] == "boss@example.com, team@example.com"
    assert got["From"] == "me@example.com"
    assert got["Subject"] == sent["Subject"] == "客户分配周报 2026年第48周（CRM导出 1123.xlsx）"
    assert got["X-Unsent"] is None and got["Message-ID"]
    assert got.get_content_type() == "multipart/alternative"
    assert _html(got) == _html(sent)
    text_got, text_sent = (m.get_body(preferencelist=("plain",)) for m in (got, sent))
    assert text_got is not None and text_sent is not None
    assert text_got.get_content() == text_sent.get_content()


def test_login_with_the_password_from_the_environment(
    runner: CliRunner, auth_server: Server, eml: Path
) -> None:
    result = runner.invoke(
        cli,
        [
            "send",
            str(eml),
            "--to",
            "boss@example.com",
            "--smtp",
            auth_server.address,
            "--user",
            USER,
        ],
        env={"ALLOCATOR_SMTP_PASSWORD": PASSWORD},
    )
    assert result.exit_code == 0, result.output
    [(mail_from, _, _)] = auth_server.handler.received
    assert mail_from == USER  # --from defaults to --user when it is an address


def test_password_prompt_is_hidden_when_no_environment(
    runner: CliRunner, auth_server: Server, eml: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ALLOCATOR_SMTP_PASSWORD", raising=False)
    result = runner.invoke(
        cli,
        [
            "send",
            str(eml),
            "--to",
            "boss@example.com",
            "--smtp",
            auth_server.address,
            "--user",
            USER,
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # hide_input: not echoed
    assert len(auth_server.handler.received) == 1


def test_wrong_password_exits_1_cleanly(runner: CliRunner, auth_server: Server, eml: Path) -> None:
    result = runner.invoke(
        cli,
        [
            "send",
            str(eml),
            "--to",
            "boss@example.com",
            "--smtp",
            auth_server.address,
            "--user",
            USER,
        ],
        env={"ALLOCATOR_SMTP_PASSWORD": "wrong"},
    )
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {auth_server.address} refused the login of '{USER}'")
    assert "ALLOCATOR_SMTP_PASSWORD" in result.stderr and "Traceback" not in result.output
    assert auth_server.handler.received == []


def test_non_ascii_password_exits_1_cleanly(
    runner: CliRunner, auth_server: Server, eml: Path
) -> None:
    result = runner.invoke(
        cli,
        [
            "send",
            str(eml),
            "--to",
            "boss@example.com",
            "--smtp",
            auth_server.address,
            "--user",
            USER,
        ],
        env={"ALLOCATOR_SMTP_PASSWORD": "密码"},
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("error: the SMTP user name and password must be ASCII")


def test_connection_refused_exits_1_cleanly(runner: CliRunner, eml: Path) -> None:
    address = f"127.0.0.1:{_free_port()}"  # nothing listens there
    result = runner.invoke(
        cli, ["send", str(eml), "--to", "boss@example.com", "--smtp", address, "--from", USER]
    )
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {address} refused the connection\n"
        "check the host and port, and that the mail server is running\n"
    )
    assert "Traceback" not in result.output


def test_bad_eml_exits_1_cleanly(runner: CliRunner, smtp_server: Server, tmp_path: Path) -> None:
    bad = tmp_path / "notes.eml"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    result = runner.invoke(
        cli,
        [
            "send",
            str(bad),
            "--to",
            "a@example.com",
            "--smtp",
            smtp_server.address,
            "--from",
            USER,
        ],
    )
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {bad} is not an email message")
    assert "Traceback" not in result.output and smtp_server.handler.received == []


def test_missing_eml_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    missing = tmp_path / "nope.eml"
    result = runner.invoke(
        cli,
        ["send", str(missing), "--to", "a@example.com", "--smtp", "localhost:25", "--from", USER],
    )
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: cannot read {missing}")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--smtp", "host:notaport"], "is not a port number"),
        (["--smtp", "h:25", "--starttls", "--ssl"], "exclude each other"),
        (["--smtp", "h:25"], "no sender address"),
        (["--smtp", "h:25", "--from", "not-an-address"], None),
    ],
)
def test_usage_errors(runner: CliRunner, eml: Path, args: list[str], message: str | None) -> None:
    result = runner.invoke(cli, ["send", str(eml), "--to", "a@example.com", *args])
    if message is None:  # an invalid address is found before connecting: a runtime error
        assert result.exit_code == 1 and "is not an email address" in result.stderr
    else:
        assert result.exit_code == 2 and message in result.stderr
    assert "Traceback" not in result.output


def test_send_help_has_an_example(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["send", "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and "allocator send" in result.output
    assert "ALLOCATOR_SMTP_PASSWORD" in result.output
    assert "--password" not in result.output  # never an argument


def test_parse_smtp_address_defaults() -> None:
    assert str(parse_smtp_address("smtp.example.com", "starttls")) == "smtp.example.com:587"
    assert parse_smtp_address("smtp.example.com", "ssl").port == 465
    assert parse_smtp_address("[::1]:2525").host == "::1"
    with pytest.raises(ValueError, match="not HOST:PORT"):
        parse_smtp_address(":25")


def test_parse_email_needs_a_subject_and_a_body() -> None:
    with pytest.raises(EmailFileError, match="no Subject"):
        parse_email(b"From: a@example.com\r\nContent-Type: text/plain\r\n\r\nhi\r\n")
