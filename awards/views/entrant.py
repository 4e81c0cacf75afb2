"""The entrant's pages: dashboard, a programme's public page, and one's own entries.

Creating, editing and submitting need a verified e-mail address; every entry is looked up
through `entry_access.get_own_entry`, so another user's entry is a 404. Nothing here shows scores,
nominations or results.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from awards import storage
from awards.forms import apply_errors
from awards.forms.entries import EntryForm
from awards.models import Entry
from awards.services import access, entries, entry_access
from awards.services.entries import EntryData
from awards.timeline import Timeline
from core.accounts.auth import verified_required
from core.clock import now
from core.errors import DomainError, InvalidInput
from core.extensions import db

bp = Blueprint("entrant", __name__)
REF_ATTEMPTS = 5


@bp.get("/awards/mine")
@login_required
def dashboard():
    current = now()
    return render_template(
        "awards/entrant/dashboard.html",
        entries=entry_access.entries_of(current_user),
        open_programmes=entry_access.open_programmes(current),
        label=entries.status_label,
    )


@bp.get("/awards/<slug>")
def programme(slug):
    """The programme's public page: categories, timeline, criteria with rubrics."""
    programme = access.get_programme(slug)
    current = now()
    mine = []
    if current_user.is_authenticated:
        mine = [e for e in entry_access.entries_of(current_user) if e.programme_id == programme.id]
    return render_template(
        "awards/entrant/programme.html",
        programme=programme,
        timeline=Timeline.of(programme),
        now=current,
        mine=mine,
        label=entries.status_label,
    )


@bp.route("/awards/<slug>/entries/new", methods=["GET", "POST"])
@verified_required
def new_entry(slug):
    """Draft a new case (with an optional PDF) while submissions are open."""
    programme = access.get_programme(slug)
    current = now()
    form = EntryForm()
    form.set_categories(programme, str(get_locale()))
    if request.method == "GET":
        try:
            entries.require_submissions_open(programme, current)
        except DomainError as error:
            flash(str(error.message), "error")
            return redirect(url_for(".programme", slug=slug))
        form.category.data = request.args.get("category", type=int)
    elif form.validate_on_submit():
        stored = None
        try:
            entries.require_submissions_open(programme, current)
            stored = _save_upload(form)
            entry = _create(programme, _entry_data(form), stored, current)
        except DomainError as error:
            storage.delete(stored.key if stored else None)
            _show_error(form, error)
        else:
            flash(_l("Your draft %(ref)s has been saved.", ref=entry.ref), "success")
            return redirect(url_for(".show_entry", slug=slug, entry_id=entry.id))
    return _form_page(form, programme, None)


@bp.get("/awards/<slug>/entries/<int:entry_id>")
@login_required
def show_entry(slug, entry_id):
    programme = access.get_programme(slug)
    entry = entry_access.get_own_entry(programme, entry_id, current_user)
    timeline = Timeline.of(programme)
    current = now()
    return render_template(
        "awards/entrant/entry.html",
        programme=programme,
        entry=entry,
        label=entries.status_label,
        can_edit=entry.status in entries.EDITABLE and timeline.submissions_open(current),
        can_submit=entry.status == "draft" and timeline.submissions_open(current),
        can_withdraw=entry.status in entries.TRANSITIONS["withdraw"][0]
        and current < programme.scoring_close_at,
    )


@bp.route("/awards/<slug>/entries/<int:entry_id>/edit", methods=["GET", "POST"])
@verified_required
def edit_entry(slug, entry_id):
    """Change a draft or submitted entry until submissions close; a new PDF replaces the old."""
    programme = access.get_programme(slug)
    entry = entry_access.get_own_entry(programme, entry_id, current_user)
    current = now()
    if request.method == "GET":
        try:
            entries.require_editable(entry, current_user, current)
        except DomainError as error:
            flash(str(error.message), "error")
            return redirect(url_for(".show_entry", slug=slug, entry_id=entry.id))
        form = EntryForm(
            data={
                "category": entry.category_id,
                "organisation": entry.organisation,
                "title": entry.title,
                "summary": entry.summary,
                "case_text": entry.case_text,
            }
        )
        form.set_categories(programme, str(get_locale()))
        return _form_page(form, programme, entry)
    form = EntryForm()
    form.set_categories(programme, str(get_locale()))
    if form.validate_on_submit():
        stored = None
        try:
            entries.require_editable(entry, current_user, current)
            stored = _save_upload(form)
            old_key = entries.update_entry(
                entry,
                current_user,
                _entry_data(form),
                now=current,
                attachment=stored,
                remove_attachment=form.remove_attachment.data,
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            storage.delete(stored.key if stored else None)
            _show_error(form, error)
        else:
            storage.delete(old_key)
            flash(_l("Your changes have been saved."), "success")
            return redirect(url_for(".show_entry", slug=slug, entry_id=entry.id))
    return _form_page(form, programme, entry)


@bp.post("/awards/<slug>/entries/<int:entry_id>/submit")
@verified_required
def submit_entry(slug, entry_id):
    programme = access.get_programme(slug)
    entry = entry_access.get_own_entry(programme, entry_id, current_user)
    try:
        entries.submit_entry(entry, current_user, now=now())
        db.session.commit()
        flash(
            _l(
                "Your entry has been submitted. We sent a receipt to %(email)s.",
                email=entry.owner.email if entry.owner else "",
            ),
            "success",
        )
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    return redirect(url_for(".show_entry", slug=slug, entry_id=entry_id))


@bp.post("/awards/<slug>/entries/<int:entry_id>/withdraw")
@login_required
def withdraw_entry(slug, entry_id):
    programme = access.get_programme(slug)
    entry = entry_access.get_own_entry(programme, entry_id, current_user)
    try:
        entries.withdraw_entry(entry, current_user, now=now())
        db.session.commit()
        flash(_l("Your entry has been withdrawn. The jury will not see it."), "success")
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    return redirect(url_for(".show_entry", slug=slug, entry_id=entry_id))


@bp.get("/awards/<slug>/entries/<int:entry_id>/attachment")
@login_required
def attachment(slug, entry_id):
    """The entry's PDF, as a download, for the owner, admins and jurors allowed to see it."""
    programme = access.get_programme(slug)
    entry = access.get_entry(programme, entry_id)
    entry_access.require_attachment_access(entry, current_user)
    path = storage.path_for(entry.attachment_key)
    if path is None:
        abort(404)
    response = send_file(
        path,
        mimetype="application/pdf",
        as_attachment=True,
        download_name=entry.attachment_name or f"{entry.ref}.pdf",
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _entry_data(form: EntryForm) -> EntryData:
    return EntryData(
        category_id=form.category.data,
        organisation=form.organisation.data or "",
        title=form.title.data or "",
        summary=form.summary.data or "",
        case_text=form.case_text.data or "",
    )


def _save_upload(form: EntryForm) -> storage.StoredFile | None:
    upload = form.uploaded_file()
    if upload is None:
        return None
    return storage.save_pdf(upload.stream, upload.filename)


def _create(programme, data: EntryData, stored, current) -> Entry:
    """Create and commit; a ref taken by a concurrent request is retried with the next one."""
    for _attempt in range(REF_ATTEMPTS):
        try:
            entry = entries.create_entry(
                programme,
                current_user._get_current_object(),
                data,
                now=current,
                attachment=stored,
            )
            db.session.commit()
            return entry
        except IntegrityError:
            db.session.rollback()
        except DomainError:
            db.session.rollback()
            raise
    raise DomainError(
        _l("Your entry could not be saved just now. Please try again."), code="ref_busy"
    )


def _show_error(form: EntryForm, error: DomainError) -> None:
    if isinstance(error, storage.AttachmentRefused):
        form.attachment.errors = [*form.attachment.errors, error.message]
    elif not (isinstance(error, InvalidInput) and apply_errors(form, error)):
        flash(str(error.message), "error")


def _form_page(form: EntryForm, programme, entry):
    status = 400 if request.method == "POST" else 200
    return (
        render_template(
            "awards/entrant/entry_form.html", form=form, programme=programme, entry=entry
        ),
        status,
    )
