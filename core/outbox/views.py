"""Admin pages for the e-mail outbox: the list, one message, and sending a message again."""

from __future__ import annotations

import base64
import binascii

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import defer

from core.accounts.auth import admin_required
from core.clock import now
from core.extensions import db
from core.outbox.delivery import retry_message
from core.outbox.documents import is_reference
from core.outbox.forms import STATUS_LABELS, OutboxFilterForm
from core.outbox.models import MailMessage
from core.unit_of_work import refusal

bp = Blueprint("outbox", __name__, url_prefix="/admin/outbox")

PER_PAGE = 50


def _get_message(message_id: int) -> MailMessage:
    message = db.session.get(MailMessage, message_id)
    if message is None:
        abort(404)
    return message


@bp.get("/")
@admin_required
def index():
    """Messages, newest first, 50 a page, optionally one status (an unknown status is
    reported on the form and ignored)."""
    form = OutboxFilterForm(request.args)
    status = form.status.data if form.validate() else ""
    query = (
        sa.select(MailMessage)
        .options(
            defer(MailMessage.body_text),
            defer(MailMessage.body_html),
            defer(MailMessage.attachments),
        )
        .order_by(MailMessage.created_at.desc(), MailMessage.id.desc())
    )
    if status:
        query = query.where(MailMessage.status == status)
    page = db.paginate(
        query,
        page=request.args.get("page", 1, type=int),
        per_page=PER_PAGE,
        max_per_page=PER_PAGE,
        error_out=False,
    )
    counts = dict(
        db.session.execute(
            sa.select(MailMessage.status, sa.func.count(MailMessage.id)).group_by(
                MailMessage.status
            )
        ).all()
    )
    return render_template(
        "admin/outbox_index.html",
        form=form,
        page=page,
        counts=counts,
        labels=STATUS_LABELS,
        filters={"status": status} if status else {},
    )


def _attachment_rows(message: MailMessage) -> list[dict]:
    rows = []
    for item in message.attachments or []:
        # a document reference is rendered at delivery: its size is not known before
        reference = is_reference(item)
        size = None
        if not reference:
            try:
                size = len(base64.b64decode(item.get("data_b64", ""), validate=True))
            except (binascii.Error, ValueError, TypeError):
                size = None
        rows.append(
            {
                "filename": item.get("filename", "?"),
                "content_type": item.get("content_type", ""),
                "size": size,
                "reference": reference,
            }
        )
    return rows


@bp.get("/<int:message_id>")
@admin_required
def show(message_id: int):
    """One message: headers, status, the text body and the HTML source (escaped, not rendered),
    attachment names and sizes ("size not known yet" for a document rendered at delivery). 404 when it does not exist."""
    message = _get_message(message_id)
    return render_template(
        "admin/outbox_show.html",
        message=message,
        attachments=_attachment_rows(message),
        labels=STATUS_LABELS,
    )


@bp.post("/<int:message_id>/retry")
@admin_required
def retry(message_id: int):
    """Queue a failed (or logged) message again with its attempts reset; others are refused
    with a message. 404 when it does not exist."""
    message = _get_message(message_id)
    with refusal():
        retry_message(message, actor=current_user._get_current_object(), now=now())
        flash(_("The message is queued and will be sent in the next delivery run."), "success")
    return redirect(url_for("outbox.show", message_id=message.id))
