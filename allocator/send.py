"""``allocator send``: address a ``report.eml`` draft and send it over SMTP.

The only module that talks to a mail server. It reads the draft, sets To and From, removes the
``X-Unsent`` draft marker and hands the message to :mod:`smtplib`. Every failure a user can cause
(no server, wrong password, a file that is not a report email) becomes a :class:`SendError` with a
message saying what to check; the password is only ever passed in, never read here.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid
from pathlib import Path

from .errors import AllocatorError

__all__ = [
    "EmailFileError",
    "SendError",
    "SmtpAuthError",
    "SmtpConnectionError",
    "SmtpServer",
    "load_email",
    "parse_smtp_address",
    "prepare_message",
    "send_email",
]

TIMEOUT_SECONDS = 30.0
DEFAULT_PORTS = {"plain": 25, "starttls": 587, "ssl": 465}


class SendError(AllocatorError):
    """The report email could not be sent (exit 1)."""


class EmailFileError(SendError):
    """The file is missing, unreadable or not an email with a body."""


class SmtpConnectionError(SendError):
    """The SMTP server cannot be reached or broke off the conversation."""


class SmtpAuthError(SendError):
    """The SMTP server refused the user name or password."""


@dataclass(frozen=True)
class SmtpServer:
    """Where to send: host, port and transport security (``plain``, ``starttls`` or ``ssl``)."""

    host: str
    port: int
    security: str = "plain"

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


def parse_smtp_address(value: str, security: str = "plain") -> SmtpServer:
    """``HOST:PORT`` (or ``HOST``, with the usual port of ``security``); ValueError if invalid."""
    if security not in DEFAULT_PORTS:
        raise ValueError(f"unknown security {security!r}")
    text = value.strip()
    host, sep, port_text = text.rpartition(":")
    if not sep:
        host, port_text = text, ""
    host = host.strip("[]")  # [::1]:25
    if not host or any(ch.isspace() for ch in host):
        raise ValueError(f"'{value}' is not HOST:PORT, e.g. smtp.example.com:587")
    if not port_text:
        return SmtpServer(host, DEFAULT_PORTS[security], security)
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"'{port_text}' in '{value}' is not a port number (1–65535)")
    return SmtpServer(host, int(port_text), security)


def _check_address(address: str, what: str) -> str:
    try:
        parsed = Address(addr_spec=address.strip())
    except (ValueError, IndexError) as exc:
        raise SendError(f"{what} '{address}' is not an email address ({exc})") from None
    if not parsed.username or not parsed.domain:
        raise SendError(f"{what} '{address}' is not an email address (use name@example.com)")
    return parsed.addr_spec


def load_email(path: Path) -> EmailMessage:
    """Read and parse an .eml file; EmailFileError unless it is a message with a text body."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise EmailFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    return parse_email(data, name=str(path))


def parse_email(data: bytes, *, name: str = "the email") -> EmailMessage:
    """Parse .eml bytes; EmailFileError unless it has headers, a Subject and a text body."""
    message = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(message, EmailMessage)  # policy.default always builds EmailMessage
    hint = "pass the report.eml that `allocator run` wrote"
    if not message.keys() or message.get_content_maintype() not in ("multipart", "text"):
        raise EmailFileError(f"{name} is not an email message", hint=hint)
    if not message["Subject"]:
        raise EmailFileError(f"{name} has no Subject", hint=hint)
    if message.get_body(preferencelist=("html", "plain")) is None:
        raise EmailFileError(f"{name} has no text or HTML body", hint=hint)
    return message


def prepare_message(
    message: EmailMessage,
    *,
    to: Sequence[str],
    sender: str,
    now: datetime | None = None,
) -> EmailMessage:
    """Address the draft: To and From set, X-Unsent removed, Date and Message-ID of sending."""
    if not to:
        raise SendError("no recipient", hint="pass --to ADDR (repeat it for several)")
    recipients = [_check_address(address, "recipient") for address in to]
    sender = _check_address(sender, "sender")
    for header in ("To", "From", "Cc", "Bcc", "X-Unsent", "Date", "Message-ID"):
        del message[header]
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = format_datetime((now or datetime.now()).astimezone())
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    return message


def send_email(
    message: EmailMessage,
    server: SmtpServer,
    *,
    user: str | None = None,
    password: str | None = None,
    timeout: float = TIMEOUT_SECONDS,
) -> list[str]:
    """Send an addressed message; returns its recipients. Raises SendError on every failure."""
    recipients = [address.strip() for address in str(message["To"]).split(",")]
    context = ssl.create_default_context()
    try:
        client: smtplib.SMTP
        if server.security == "ssl":
            client = smtplib.SMTP_SSL(server.host, server.port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=timeout)
        with client:
            if server.security == "starttls":
                client.starttls(context=context)
            if user:
                client.login(user, password or "")
            refused = client.send_message(message)
    except smtplib.SMTPAuthenticationError as exc:
        raise SmtpAuthError(
            f"{server} refused the login of '{user}': {_reply(exc)}",
            hint="check the user name and ALLOCATOR_SMTP_PASSWORD",
        ) from None
    except smtplib.SMTPNotSupportedError as exc:
        wanted = "STARTTLS" if server.security == "starttls" else "login (AUTH)"
        raise SendError(
            f"{server} does not support {wanted}: {exc}",
            hint="try --ssl, --starttls or no --user, as your mail provider documents",
        ) from None
    except smtplib.SMTPRecipientsRefused as exc:
        names = ", ".join(sorted(exc.recipients))
        raise SendError(f"{server} refused every recipient ({names})") from None
    except smtplib.SMTPSenderRefused as exc:
        raise SendError(f"{server} refused the sender {exc.sender}: {_reply(exc)}") from None
    except smtplib.SMTPResponseException as exc:
        raise SendError(f"{server} rejected the email: {_reply(exc)}") from None
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError) as exc:
        raise SmtpConnectionError(f"{server} closed the connection: {exc}") from None
    except smtplib.SMTPException as exc:
        raise SendError(f"sending to {server} failed: {exc}") from None
    except UnicodeEncodeError:
        # smtplib encodes AUTH exchanges as ASCII only.
        raise SmtpAuthError(
            "the SMTP user name and password must be ASCII characters only",
            hint="use an ASCII app password if your mail provider offers one",
        ) from None
    except ssl.SSLError as exc:
        raise SmtpConnectionError(
            f"TLS with {server} failed: {exc.reason or exc}",
            hint="--ssl is for port 465, --starttls for 587",
        ) from None
    except socket.gaierror:
        raise SmtpConnectionError(f"unknown SMTP host '{server.host}'") from None
    except TimeoutError:
        raise SmtpConnectionError(f"{server} did not answer within {timeout:g} s") from None
    except ConnectionRefusedError:
        raise SmtpConnectionError(
            f"{server} refused the connection",
            hint="check the host and port, and that the mail server is running",
        ) from None
    except OSError as exc:
        raise SmtpConnectionError(f"cannot reach {server}: {exc.strerror or exc}") from None
    if refused:
        names = ", ".join(sorted(refused))
        raise SendError(f"{server} refused some recipients ({names}); the others got the email")
    return recipients


def _reply(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else ""
    return f"{exc.smtp_code} {text}".strip()
