"""Queueing e-mail. Every message is a row first; `flask outbox send` delivers it.

Templates live in `templates/mail/<name>.txt` (required) and `templates/mail/<name>.html`
(optional); the first line of the .txt is `Subject: ...`. They render in the recipient's
language with the same context.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from datetime import datetime

from flask import render_template
from flask_babel import force_locale
from jinja2 import TemplateNotFound

from core.extensions import db
from core.outbox.documents import is_reference
from core.outbox.models import MailMessage


def render_mail(template: str, *, locale: str, **context) -> tuple[str, str, str | None]:
    """(subject, text, html or None) for `templates/mail/<template>.*` in `locale`."""
    with force_locale(locale):
        text = render_template(f"mail/{template}.txt", **context)
        try:
            html = render_template(f"mail/{template}.html", **context)
        except TemplateNotFound:
            html = None
    first, _, body = text.partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError(f"mail/{template}.txt must start with a 'Subject:' line")
    return first[len("Subject:") :].strip(), body.lstrip("\n"), html


def _stored(item: tuple[str, str, bytes] | dict) -> dict:
    if isinstance(item, dict):
        if not is_reference(item):
            raise ValueError("a dict attachment must be a document reference")
        return item
    name, ctype, data = item
    return {"filename": name, "content_type": ctype, "data_b64": base64.b64encode(data).decode()}


def queue_mail(
    to: str,
    template: str,
    *,
    now: datetime,
    locale: str = "nl",
    attachments: Iterable[tuple[str, str, bytes] | dict] = (),
    headers: dict[str, str] | None = None,
    **context,
) -> MailMessage:
    """Render `template` for `to` in `locale` and queue it. Flushes; the request commits.

    `attachments` are (filename, content_type, bytes) triples or document references
    (`core.outbox.documents.reference`, rendered at delivery); `headers` are added to the
    MIME message as they are (e.g. List-Unsubscribe).
    """
    subject, text, html = render_mail(template, locale=locale, **context)
    message = MailMessage(
        to_addr=to,
        subject=subject,
        body_text=text,
        body_html=html,
        attachments=[_stored(item) for item in attachments],
        kind=template,
        headers=dict(headers) if headers else None,
        status="queued",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    db.session.add(message)
    db.session.flush()
    return message
