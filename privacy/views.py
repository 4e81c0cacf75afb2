"""The privacy page (public), the account's data download, and the admin's privacy requests:
find a person by address, download their data, erase them (after typing the address again).

Every download is a JSON attachment with `Cache-Control: no-store` and is audited
("privacy.exported"); every POST carries the CSRF token (CSRFProtect is global).
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core.accounts.auth import admin_required
from core.audit.services import record
from core.clock import now
from core.unit_of_work import refusal
from privacy import export
from privacy.erasure import erase_person
from privacy.forms import EraseForm, LookupForm
from privacy.people import Person, find_person

bp = Blueprint("privacy", __name__)


@bp.get("/privacy")
def page():
    """What Podium keeps on people, why, and for how long (public)."""
    return render_template("privacy/page.html")


def _download(person: Person, *, actor) -> Response:
    at = now()
    document = export.collect(person, now=at)
    record("privacy.exported", person.user or person, now=at, actor=actor)
    response = Response(export.to_json(document), mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="podium-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/account/data.json")
@login_required
def my_data():
    """The signed-in person's own data, as a JSON download."""
    user = current_user._get_current_object()
    return _download(find_person(user_id=user.id), actor=user)


def _person_from_args() -> Person:
    """The person named by `?user=<id>` or `?email=...`; PersonNotFound (404) otherwise."""
    user_id = request.args.get("user", type=int)
    if user_id is not None:
        return find_person(user_id=user_id)
    return find_person(email=request.values.get("email", ""))


@bp.get("/admin/privacy")
@admin_required
def requests():
    """Find a person by e-mail address (or `?user=<id>`) and show what Podium holds on them,
    with the download and erase actions; an unknown address is said so."""
    form = LookupForm(request.args)
    person = summary = None
    if request.args.get("user") or (request.args.get("email") and form.validate()):
        with refusal(form):
            person = _person_from_args()
            form.email.data = person.email
            document = export.collect(person, now=now())
            summary = {label: len(document[key]) for key, label in export.SECTIONS.items()}
    return render_template("privacy/requests.html", form=form, person=person, summary=summary)


@bp.get("/admin/privacy/data.json")
@admin_required
def person_data():
    """An admin downloads a person's data (by `?email=` or `?user=`), on their request."""
    return _download(_person_from_args(), actor=current_user._get_current_object())


@bp.route("/admin/privacy/erase", methods=["GET", "POST"])
@admin_required
def erase():
    """Confirm and erase a person (by `email`). The admin types the address again; a wrong
    address re-renders the form (400) and changes nothing."""
    person = _person_from_args()
    form = EraseForm(data={"email": person.email})
    status = 200
    if form.validate_on_submit():
        with refusal(form) as refused:
            erase_person(
                person,
                actor=current_user._get_current_object(),
                confirm=form.confirm.data,
                now=now(),
            )
            flash(_("The person has been erased; their invoices are kept."), "success")
            return redirect(url_for(".requests"))
        status = refused.status
    elif form.is_submitted():
        status = 400
    return render_template("privacy/erase.html", form=form, person=person), status
