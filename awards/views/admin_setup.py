"""The admin's set-up pages (blueprint `awards_setup`, under /admin): create/edit a programme
(timeline typed in Amsterdam time), and create/edit/delete its categories and criteria.

Every view is admin-only (`admin_required`). Objects are looked up within their programme
(404 otherwise). A refused rule re-renders the form with the messages on their fields and
status 400; nothing is changed then.
"""

from __future__ import annotations

from dataclasses import fields

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from awards.forms.programmes import (
    CategoryForm,
    CriterionForm,
    ProgrammeForm,
    criterion_round_choices,
)
from awards.models import Category, Criterion, Programme
from awards.services import access, criteria, programmes, rounds
from awards.services.criteria import CriterionData
from awards.services.programmes import TIMELINE_FIELDS, CategoryData, ProgrammeData
from core import confirmation
from core.accounts.auth import admin_required
from core.clock import from_local, local, now
from core.errors import NotFound
from core.extensions import db
from core.i18n import current_locale
from core.unit_of_work import refusal

bp = Blueprint("awards_setup", __name__, url_prefix="/admin")
BASE = "/programmes/<slug>"
PROGRAMME_FIELDS = ("slug", "name", "quorum", "trim", "method", "jury_terms_nl", "jury_terms_en")


@bp.route("/programmes/new", methods=["GET", "POST"])
@admin_required
def new_programme():
    """A new programme; it starts with the four default criteria."""
    return _programme_form(None)


@bp.route(f"{BASE}/edit", methods=["GET", "POST"])
@admin_required
def edit_programme(slug):
    return _programme_form(access.get_programme(slug))


@bp.route(f"{BASE}/categories/new", methods=["GET", "POST"])
@admin_required
def new_category(slug):
    return _category_form(access.get_programme(slug), None)


@bp.route(f"{BASE}/categories/<int:category_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_category(slug, category_id):
    programme = access.get_programme(slug)
    return _category_form(programme, _owned(Category, category_id, programme))


@bp.post(f"{BASE}/categories/<int:category_id>/delete")
@admin_required
def delete_category(slug, category_id):
    """Delete a category without entries; one with entries stays (message shown)."""
    programme = access.get_programme(slug)
    category = _owned(Category, category_id, programme)
    question = _("Delete category %(name)s?", name=category.name(current_locale()))
    return _delete(
        programmes.delete_category, category, programme, question, _l("Category deleted.")
    )


@bp.route(f"{BASE}/criteria/new", methods=["GET", "POST"])
@admin_required
def new_criterion(slug):
    return _criterion_form(access.get_programme(slug), None)


@bp.route(f"{BASE}/criteria/<int:criterion_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_criterion(slug, criterion_id):
    programme = access.get_programme(slug)
    return _criterion_form(programme, _owned(Criterion, criterion_id, programme))


@bp.post(f"{BASE}/criteria/<int:criterion_id>/delete")
@admin_required
def delete_criterion(slug, criterion_id):
    """Delete a criterion; refused once scoring has started."""
    programme = access.get_programme(slug)
    criterion = _owned(Criterion, criterion_id, programme)
    question = _("Delete criterion %(name)s?", name=criterion.name(current_locale()))
    return _delete(
        criteria.delete_criterion, criterion, programme, question, _l("Criterion deleted.")
    )


def _programme_form(programme: Programme | None):
    if request.method == "GET" and programme is not None:
        data = {name: getattr(programme, name) for name in PROGRAMME_FIELDS}
        for name in TIMELINE_FIELDS:
            data[name] = local(getattr(programme, name)).replace(tzinfo=None)
        form = ProgrammeForm(data=data)
    else:
        form = ProgrammeForm()

    def save():
        values = _values(form, ProgrammeData)
        for name in TIMELINE_FIELDS:
            values[name] = from_local(values[name]) if values[name] is not None else None
        data = ProgrammeData(**values)
        saved = programmes.save_programme(data, actor=current_user, now=now(), programme=programme)
        rounds.follow_programme(saved)
        return saved

    saved = _save(form, save)
    if saved is not None:
        flash(_l("Programme saved."), "success")
        return redirect(url_for("awards_admin.programme", slug=saved.slug))
    return _render_form(form, "awards/admin/programme_form.html", programme=programme)


def _category_form(programme: Programme, category: Category | None):
    form = CategoryForm(obj=category) if request.method == "GET" else CategoryForm()

    def save():
        data = CategoryData(**_values(form, CategoryData))
        return programmes.save_category(
            programme, data, actor=current_user, now=now(), category=category
        )

    if _save(form, save) is not None:
        flash(_l("Category saved."), "success")
        return redirect(url_for("awards_admin.programme", slug=programme.slug))
    return _render_form(
        form, "awards/admin/category_form.html", programme=programme, category=category
    )


def _criterion_form(programme: Programme, criterion: Criterion | None):
    form = CriterionForm(obj=criterion) if request.method == "GET" else CriterionForm()
    form.round_no.choices = criterion_round_choices(
        [r.position for r in rounds.rounds_of(programme)]
    )

    def save():
        data = CriterionData(**_values(form, CriterionData))
        return criteria.save_criterion(
            programme, data, actor=current_user, now=now(), criterion=criterion
        )

    if _save(form, save) is not None:
        flash(_l("Criterion saved."), "success")
        return redirect(url_for("awards_admin.programme", slug=programme.slug))
    return _render_form(
        form,
        "awards/admin/criterion_form.html",
        programme=programme,
        criterion=criterion,
        locked=criteria.scoring_started(programme),
    )


def _save(form, save):
    """Validate and run `save`, returning its result; None when refused (messages set)."""
    if not form.validate_on_submit():
        return None
    with refusal(form):
        return save()
    return None


def _render_form(form, template, **context):
    status = 400 if request.method == "POST" else 200
    return render_template(template, form=form, **context), status


def _delete(delete, obj, programme, question: str, done):
    """Ask `question` first (core.confirmation); once confirmed, delete and go back."""
    back = url_for("awards_admin.programme", slug=programme.slug)
    if not confirmation.confirmed():
        return confirmation.ask(question, button=_("Delete"), back=back)
    with refusal():
        delete(obj, actor=current_user, now=now())
        flash(done, "success")
    return redirect(back)


def _owned(model, object_id: int, programme: Programme):
    found = db.session.get(model, object_id)
    if found is None or found.programme_id != programme.id:
        raise NotFound()
    return found


def _values(form, dataclass_type) -> dict:
    """The form's data for the dataclass' fields it has: "" for a missing text, 0 for a
    position (a field the form lacks, the programme's time zone, keeps its default)."""
    values = {}
    for spec in fields(dataclass_type):
        name = spec.name
        if name not in form:
            continue
        value = form[name].data
        if value is None and spec.type == "str":
            value = ""
        values[name] = value
    if "position" in values:
        values["position"] = values["position"] or 0
    return values
