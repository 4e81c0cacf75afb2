"""Member organisation views of the events admin: list, create, edit, delete, CSV import.

Routed (admin-only) by `events/views_admin.py`.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.clock import now
from core.errors import InvalidInput
from core.extensions import db
from events.forms.admin import ImportForm, OrganisationForm
from events.services import members


def organisation_list():
    """All member organisations with their domains."""
    return render_template("events/admin/members.html", organisations=members.list_organisations())


def _save(form: OrganisationForm, organisation=None):
    if not form.validate_on_submit():
        return None
    try:
        saved = members.save_organisation(
            name=form.name.data,
            domains_text=form.domains.data,
            organisation=organisation,
            now=now(),
            actor=current_user,
        )
    except InvalidInput as e:
        db.session.rollback()
        for key, messages in e.errors.items():
            getattr(form, key).errors = [*getattr(form, key).errors, *messages]
        return None
    db.session.commit()
    return saved


def create_organisation():
    """Create an organisation; 400 with messages (e.g. a domain of another organisation)."""
    form = OrganisationForm()
    if _save(form) is not None:
        flash(_("Member organisation saved."), "success")
        return redirect(url_for("events_admin.organisation_list"))
    status = 400 if form.is_submitted() else 200
    return render_template("events/admin/member_form.html", form=form, organisation=None), status


def edit_organisation(org_id: int):
    """Change an organisation's name and domains (404 for an unknown id)."""
    organisation = members.get_organisation(org_id)
    if request.method == "POST":
        form = OrganisationForm()
    else:
        form = OrganisationForm(
            data={
                "name": organisation.name,
                "domains": "\n".join(d.domain for d in organisation.domains),
            }
        )
    if _save(form, organisation) is not None:
        flash(_("Member organisation saved."), "success")
        return redirect(url_for("events_admin.organisation_list"))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "events/admin/member_form.html", form=form, organisation=organisation
    ), status


def delete_organisation(org_id: int):
    """Delete an organisation and its domains (404 for an unknown id)."""
    organisation = members.get_organisation(org_id)
    name = organisation.name
    members.delete_organisation(organisation, now=now(), actor=current_user)
    db.session.commit()
    flash(_("%(name)s deleted.", name=name), "success")
    return redirect(url_for("events_admin.organisation_list"))


def import_organisations():
    """Upload a CSV (name,domains): all lines are imported, or none with every problem listed."""
    form = ImportForm()
    problems: list[str] = []
    status = 200
    if form.validate_on_submit():
        try:
            created, updated = members.import_csv(
                form.file.data.read(), now=now(), actor=current_user
            )
        except members.ImportRefused as e:
            db.session.rollback()
            flash(str(e.message), "error")
            problems, status = e.errors, 400
        else:
            db.session.commit()
            flash(
                _(
                    "Imported: %(created)s created, %(updated)s updated.",
                    created=created,
                    updated=updated,
                ),
                "success",
            )
            return redirect(url_for("events_admin.organisation_list"))
    elif form.is_submitted():
        status = 400
    return render_template("events/admin/members_import.html", form=form, problems=problems), status
