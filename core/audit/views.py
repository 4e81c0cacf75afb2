"""The admin page of the audit log: newest first, filtered by action prefix and scope."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice

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
    it (taken literally: % and _ are not wildcards); `scope` ("Programme:3") keeps the entries
    of one scope, chosen from the scopes the log holds. An invalid filter is reported on the
    form and ignored."""
    scopes = _scopes()
    form = AuditFilterForm(request.args)
    form.scope.choices = [SelectChoice("", _l("All"))] + [
        SelectChoice(key, label) for key, label in scopes.items()
    ]
    valid = form.validate()
    action = (form.action.data or "") if valid else ""
    scope = form.scope.data if valid and form.scope.data else ""

    query = sa.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if action:
        query = query.where(AuditEntry.action.startswith(action, autoescape=True))
    if scope:
        scope_type, _, scope_id = scope.partition(":")
        query = query.where(
            AuditEntry.scope_type == scope_type, AuditEntry.scope_id == int(scope_id)
        )
    page = db.paginate(
        query,
        page=request.args.get("page", 1, type=int),
        per_page=PER_PAGE,
        max_per_page=PER_PAGE,
        error_out=False,
    )
    filters = {k: v for k, v in (("action", action), ("scope", scope)) if v}
    return render_template(
        "admin/audit_index.html",
        form=form,
        page=page,
        rows=page.items,
        scope_labels=scopes,
        filters=filters,
    )


def _scopes() -> dict[str, str]:
    """Every scope in the log as {"Programme:3": its latest recorded name}, sorted by name."""
    rows = db.session.execute(
        sa.select(AuditEntry.scope_type, AuditEntry.scope_id, sa.func.max(AuditEntry.scope_label))
        .where(AuditEntry.scope_type.is_not(None))
        .group_by(AuditEntry.scope_type, AuditEntry.scope_id)
    ).all()
    labels = {f"{kind}:{ident}": label or f"{kind} #{ident}" for kind, ident, label in rows}
    return dict(sorted(labels.items(), key=lambda item: (item[1].casefold(), item[0])))
