"""The admin page of the audit log: newest first, filtered by action prefix and programme."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice

from awards.models import Programme
from core.accounts.auth import admin_required
from core.audit.forms import AuditFilterForm
from core.audit.models import AuditEntry
from core.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")

PER_PAGE = 50


@bp.get("/")
@admin_required
def index():
    """Audit entries, 50 a page, newest first. `action` keeps entries whose action starts with
    it (taken literally: % and _ are not wildcards); `programme` keeps one programme's entries.
    An invalid filter is reported on the form and ignored."""
    programmes = db.session.execute(
        sa.select(Programme.id, Programme.name).order_by(Programme.name)
    ).all()
    form = AuditFilterForm(request.args)
    form.programme.choices = [SelectChoice("", _l("All programmes"))] + [
        SelectChoice(str(pid), name) for pid, name in programmes
    ]
    valid = form.validate()
    action = (form.action.data or "") if valid else ""
    programme_id = int(form.programme.data) if valid and form.programme.data else None

    query = sa.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if action:
        query = query.where(AuditEntry.action.startswith(action, autoescape=True))
    if programme_id is not None:
        query = query.where(AuditEntry.programme_id == programme_id)
    page = db.paginate(
        query,
        page=request.args.get("page", 1, type=int),
        per_page=PER_PAGE,
        max_per_page=PER_PAGE,
        error_out=False,
    )
    rows = [
        (entry, json.dumps(entry.data or {}, ensure_ascii=False, sort_keys=True, default=str))
        for entry in page.items
    ]
    filters = {k: v for k, v in (("action", action), ("programme", programme_id)) if v}
    return render_template(
        "admin/audit_index.html",
        form=form,
        page=page,
        rows=rows,
        programme_names=dict(programmes),
        filters=filters,
    )
