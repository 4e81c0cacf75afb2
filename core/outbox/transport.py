"""Turning an outbox row into a MIME message and handing it to an SMTP server.

The only module that imports `smtplib`. One connection is opened lazily per delivery run
and reused; settings come from the app config (SMTP_HOST/PORT/USERNAME/PASSWORD/STARTTLS,
MAIL_FROM).
"""

from __future__ import annotations

import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from core.emails import email_domain
from core.outbox.documents import materialise
from core.outbox.models import MailMessage

TIMEOUT_SECONDS = 30


def build_message(message: MailMessage, *, mail_from: str, now: datetime) -> EmailMessage:
    """The MIME message: text body, optional HTML alternative, attachments from the JSON column,
    the row's extra headers.

    Referenced documents are rendered (or read from storage) here, after the queueing
    transaction committed. Raises ValueError for a header with a line break or an undecodable
    attachment, DocumentGone when a referenced document's object no longer exists.
    """
    mime = EmailMessage()
    mime["From"] = mail_from
    mime["To"] = message.to_addr
    mime["Subject"] = message.subject
    mime["Date"] = format_datetime(message.created_at or now)
    domain = email_domain(parseaddr(mail_from)[1]) or "podium.local"
    mime["Message-ID"] = make_msgid(idstring=f"podium.{message.id}", domain=domain)
    for name, value in (message.headers or {}).items():
        mime[name] = value
    mime.set_content(message.body_text)
    if message.body_html:
        mime.add_alternative(message.body_html, subtype="html")
    for item in message.attachments or []:
        filename, content_type, data = materialise(item)
        maintype, _, subtype = content_type.partition("/")
        if not maintype or not subtype:
            maintype, subtype = "application", "octet-stream"
        mime.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return mime


class ConnectionFailed(Exception):
    """The SMTP server could not be reached, or refused STARTTLS or the log-in."""


class SMTPTransport:
    """Sends MIME messages over one lazily opened SMTP connection; `close()` when done.

    `send` raises ConnectionFailed when no session could be set up, and
    smtplib.SMTPException (an OSError) when the server refuses the message.
    """

    def __init__(self, config) -> None:
        self.host: str = config["SMTP_HOST"]
        self.port = int(config["SMTP_PORT"])
        self.username: str = config.get("SMTP_USERNAME") or ""
        self.password: str = config.get("SMTP_PASSWORD") or ""
        self.starttls = bool(config.get("SMTP_STARTTLS"))
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        try:
            conn = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_SECONDS)
        except OSError as exc:
            raise ConnectionFailed(f"{type(exc).__name__}: {exc}") from exc
        try:
            if self.starttls:
                conn.starttls(context=ssl.create_default_context())
            if self.username:
                conn.login(self.username, self.password)
        except OSError as exc:
            conn.close()
            raise ConnectionFailed(f"{type(exc).__name__}: {exc}") from exc
        return conn

    def send(self, mime: EmailMessage) -> None:
        if self._conn is None:
            self._conn = self._connect()
        try:
            self._conn.send_message(mime)
        except smtplib.SMTPServerDisconnected:
            self._conn = None
            raise

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.quit()
            except (OSError, smtplib.SMTPException):
                self._conn.close()
            self._conn = None
