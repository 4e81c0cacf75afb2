"""Member organisation views of the events admin (blueprint `events_members`,
/admin/events/members): list, create, edit, delete, CSV import.

Every view is for staff and admins (`staff_required`); a refusal is answered on the page (`refusal`).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from core import confirmation
from core.accounts.auth import staff_required
from core.clock import now
from core.unit_of_work import refusal
from events.forms.admin import ImportForm, OrganisationForm
from events.models import MemberOrganisation
from events.services import members

bp = Blueprint("events_members", __name__, url_prefix="/admin/events/members")


@bp.get("/")
@staff_required
def organisation_list():
    """All member organisations with their domains."""
    return render_template("events/admin/members.html", organisations=members.list_organisations())


def _save(
    form: OrganisationForm, organisation: MemberOrganisation | None = None
) -> MemberOrganisation | None:
    """Validate and save; the organisation, or None with the refusal bound to the form."""
    if not form.validate_on_submit():
        return None
    with refusal(form):
        return members.save_organisation(
            name=form.name.data,
            domains_text=form.domains.data,
            organisation=organisation,
            now=now(),
            actor=current_user,
        )
    return None


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def create_organisation():
    """Create an organisation; 400 with messages (e.g. a domain of another organisation)."""
    form = OrganisationForm()
    if _save(form) is not None:
        flash(_("Member organisation saved."), "success")
        return redirect(url_for("events_members.organisation_list"))
    status = 400 if form.is_submitted() else 200
    return render_template("events/admin/member_form.html", form=form, organisation=None), status


@bp.route("/<int:org_id>/edit", methods=["GET", "POST"])
@staff_required
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
        return redirect(url_for("events_members.organisation_list"))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "events/admin/member_form.html", form=form, organisation=organisation
    ), status


@bp.post("/<int:org_id>/delete")
@staff_required
def delete_organisation(org_id: int):
    """Delete an organisation and its domains (404 for an unknown id)."""
    organisation = members.get_organisation(org_id)
    name = organisation.name
    if not confirmation.confirmed():
        domains = ", ".join(d.domain for d in organisation.domains)
        return confirmation.ask(
            _("Delete organisation %(name)s?", name=name),
            details=(
                _(
                    "Its domains (%(domains)s) no longer give the member price.",
                    domains=domains or "–",
                ),
            ),
            button=_("Delete organisation"),
            back=url_for("events_members.organisation_list"),
        )
    members.delete_organisation(organisation, now=now(), actor=current_user)
    flash(_("%(name)s deleted.", name=name), "success")
    return redirect(url_for("events_members.organisation_list"))


@bp.route("/import", methods=["GET", "POST"])
@staff_required
def import_organisations() -> ResponseReturnValue:
    """Upload a CSV (name,domains): all lines are imported, or none with every problem listed."""
    form = ImportForm()
    problems: list[str] = []
    status = 200
    if form.validate_on_submit():
        with refusal() as refused:
            created, updated = members.import_csv(
                form.file.data.read(), now=now(), actor=current_user
            )
            flash(
                _(
                    "Imported: %(created)s created, %(updated)s updated.",
                    created=created,
                    updated=updated,
                ),
                "success",
            )
            return redirect(url_for("events_members.organisation_list"))
        if isinstance(refused.error, members.ImportRefused):
            problems = refused.error.errors
        status = refused.status
    elif form.is_submitted():
        status = 400
    return render_template("events/admin/members_import.html", form=form, problems=problems), status
