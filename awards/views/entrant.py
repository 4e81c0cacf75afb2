"""The entrant's pages: dashboard, a programme's public page, and one's own entries.

Creating, editing and submitting need a verified e-mail address; every entry is looked up
through `access.get_own_entry`, so another user's entry is a 404. What an entry offers is
`entries.allowed_actions`. Nothing here shows scores; from the announcement on, an entry
the winners page names reads "Winner" or "Nominee" (`ratification.published_outcomes`), and
the entry page shows the jury's comments the chair shared, without names
(`deliberation.entrant_feedback`; before publication not even that there are any).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from awards import storage
from awards.forms.entries import EntryForm, entry_form
from awards.services import access, entries, questions
from awards.services import ratification as decisions
from awards.services.deliberation import entrant_feedback
from awards.services.entries import EntryData
from awards.timeline import Timeline
from core import confirmation
from core.accounts.auth import verified_required
from core.clock import now
from core.errors import InvalidInput, NotFound
from core.i18n import current_locale
from core.templating import DATETIME_FORMAT
from core.unit_of_work import refusal

bp = Blueprint("entrant", __name__)


@bp.get("/awards/mine")
@login_required
def dashboard():
    current = now()
    mine = entries.entries_of(current_user)
    return render_template(
        "awards/entrant/dashboard.html",
        entries=mine,
        open_programmes=entries.open_programmes(current),
        label=entries.status_label,
        outcomes=decisions.published_outcomes(mine, current),
    )


@bp.get("/awards/<slug>")
def programme(slug):
    """The programme's public page: categories, timeline, criteria with rubrics."""
    programme = access.get_programme(slug)
    current = now()
    mine = []
    if current_user.is_authenticated:
        mine = [e for e in entries.entries_of(current_user) if e.programme_id == programme.id]
    return render_template(
        "awards/entrant/programme.html",
        programme=programme,
        phase=Timeline.of(programme).phase(current),
        mine=mine,
        label=entries.status_label,
        outcomes=decisions.published_outcomes(mine, current),
    )


@bp.route("/awards/<slug>/entries/new", methods=["GET", "POST"])
@verified_required
def new_entry(slug):
    """Draft a new case (with an optional PDF) while submissions are open."""
    programme = access.get_programme(slug)
    current = now()
    asked = questions.programme_questions(programme)
    form = entry_form(asked, current_locale())
    form.set_categories(programme, current_locale())
    if request.method == "GET":
        with refusal() as refused:
            entries.require_submissions_open(programme, current)
        if refused:
            return redirect(url_for(".programme", slug=slug))
        form.category.data = request.args.get("category", type=int)
        return _form_page(form, programme, None, asked)
    if form.validate_on_submit():
        stored = None
        uploads: dict[int, storage.StoredFile] = {}
        with refusal(form):
            entries.require_submissions_open(programme, current)
            stored = _save_upload(form)
            chosen = [q for q in asked if q.asks(form.category.data)]
            uploads = _save_answer_uploads(form, chosen)
            entry = entries.create_entry(
                programme,
                current_user._get_current_object(),
                _entry_data(form),
                now=current,
                attachment=stored,
            )
            questions.save_answers(entry, form.raw_answers(chosen, uploads), now=current)
            flash(_l("Your draft %(ref)s has been saved.", ref=entry.ref), "success")
            return redirect(url_for(".show_entry", slug=slug, entry_id=entry.id))
        _discard(stored, uploads)
    return _form_page(form, programme, None, asked)


@bp.get("/awards/<slug>/entries/<int:entry_id>")
@login_required
def show_entry(slug, entry_id):
    programme = access.get_programme(slug)
    entry = access.get_own_entry(programme, entry_id, current_user)
    current = now()
    return render_template(
        "awards/entrant/entry.html",
        programme=programme,
        entry=entry,
        label=entries.status_label,
        outcomes=decisions.published_outcomes([entry], current),
        actions=entries.allowed_actions(entry, current),
        answers=questions.asked_answers(entry),
        feedback=entrant_feedback(entry, now=current),
    )


@bp.route("/awards/<slug>/entries/<int:entry_id>/edit", methods=["GET", "POST"])
@verified_required
def edit_entry(slug, entry_id):
    """Change a draft or submitted entry until submissions close; a new PDF replaces the old."""
    programme = access.get_programme(slug)
    entry = access.get_own_entry(programme, entry_id, current_user)
    current = now()
    locale = current_locale()
    asked = questions.programme_questions(programme)
    if request.method == "GET":
        with refusal() as refused:
            entries.require_editable(entry, current_user, current)
        if refused:
            return redirect(url_for(".show_entry", slug=slug, entry_id=entry.id))
        data = {
            "category": entry.category_id,
            "organisation": entry.organisation,
            "title": entry.title,
            "summary": entry.summary,
            "case_text": entry.case_text,
        }
        answers = questions.answers_of(entry)
        for question in asked:
            answer = answers.get(question.id)
            if answer is not None and question.kind != "file":
                data[questions.field_name(question)] = (
                    answer.value_number if question.kind == "number" else answer.value_text
                )
        form = entry_form(asked, locale, data=data)
        form.set_categories(programme, locale)
        return _form_page(form, programme, entry, asked)
    form = entry_form(asked, locale)
    form.set_categories(programme, locale)
    if form.validate_on_submit():
        stored = None
        uploads: dict[int, storage.StoredFile] = {}
        with refusal(form):
            entries.require_editable(entry, current_user, current)
            stored = _save_upload(form)
            chosen = [q for q in asked if q.asks(form.category.data)]
            uploads = _save_answer_uploads(form, chosen)
            entries.update_entry(
                entry,
                current_user,
                _entry_data(form),
                now=current,
                attachment=stored,
                remove_attachment=form.remove_attachment.data,
            )
            questions.save_answers(entry, form.raw_answers(chosen, uploads), now=current)
            flash(_l("Your changes have been saved."), "success")
            return redirect(url_for(".show_entry", slug=slug, entry_id=entry.id))
        _discard(stored, uploads)
    return _form_page(form, programme, entry, asked)


@bp.post("/awards/<slug>/entries/<int:entry_id>/submit")
@verified_required
def submit_entry(slug, entry_id):
    programme = access.get_programme(slug)
    entry = access.get_own_entry(programme, entry_id, current_user)
    with refusal():
        entries.submit_entry(entry, current_user, now=now())
        flash(
            _l(
                "Your entry has been submitted. We sent a receipt to %(email)s.",
                email=entry.owner.email if entry.owner else "",
            ),
            "success",
        )
    return redirect(url_for(".show_entry", slug=slug, entry_id=entry_id))


@bp.post("/awards/<slug>/entries/<int:entry_id>/withdraw")
@login_required
def withdraw_entry(slug, entry_id):
    programme = access.get_programme(slug)
    entry = access.get_own_entry(programme, entry_id, current_user)
    back = url_for(".show_entry", slug=slug, entry_id=entry_id)
    if not confirmation.confirmed():
        details = [
            _("“%(title)s” is withdrawn: the jury will not see or score it.", title=entry.title)
        ]
        if Timeline.of(programme).submissions_open(now()):
            close = format_datetime(programme.submissions_close_at, DATETIME_FORMAT)
            details.append(
                _("You can reopen it as a draft and submit it again until %(date)s.", date=close)
            )
        else:
            details.append(_("Submissions are closed: a withdrawal cannot be undone."))
        return confirmation.ask(
            _("Withdraw entry %(ref)s?", ref=entry.ref),
            details=tuple(details),
            button=_("Withdraw entry"),
            back=back,
        )
    with refusal():
        entries.withdraw_entry(entry, current_user, now=now())
        flash(_l("Your entry has been withdrawn. The jury will not see it."), "success")
    return redirect(back)


@bp.post("/awards/<slug>/entries/<int:entry_id>/reopen")
@verified_required
def reopen_entry(slug, entry_id):
    """Undo a withdrawal: the entry is a draft again while submissions are open."""
    programme = access.get_programme(slug)
    entry = access.get_own_entry(programme, entry_id, current_user)
    with refusal():
        entries.reopen_entry(entry, current_user, now=now())
        flash(_l("Your entry is a draft again. Submit it before the deadline."), "success")
    return redirect(url_for(".show_entry", slug=slug, entry_id=entry_id))


@bp.get("/awards/<slug>/entries/<int:entry_id>/attachment")
@login_required
def attachment(slug, entry_id):
    """The entry's PDF, as a download, for the owner, admins and jurors allowed to see it."""
    programme = access.get_programme(slug)
    entry = access.get_entry(programme, entry_id)
    access.require_attachment_access(entry, current_user)
    path = storage.path_for(entry.attachment_key)
    if path is None:
        abort(404)
    return storage.send_attachment(path, entry.attachment_name or f"{entry.ref}.pdf")


@bp.get("/awards/<slug>/entries/<int:entry_id>/answers/<int:question_id>/file")
@login_required
def answer_file(slug, entry_id, question_id):
    """The PDF an entry gave as the answer to a question, as a download, for the same people
    as the entry's attachment (owner, admins, jurors allowed to see the entry); 404 when
    there is none."""
    programme = access.get_programme(slug)
    entry = access.get_entry(programme, entry_id)
    access.require_attachment_access(entry, current_user)
    answer = questions.answers_of(entry).get(question_id)
    path = storage.path_for(answer.file_key if answer else None)
    if answer is None or path is None:
        raise NotFound()
    return storage.send_attachment(path, answer.file_name)


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


def _save_answer_uploads(form: EntryForm, asked) -> dict[int, storage.StoredFile]:
    """Check and store the PDFs uploaded as answers (as the entry's attachment is checked);
    InvalidInput on the question's field for a refused one (the others are deleted)."""
    stored: dict[int, storage.StoredFile] = {}
    for question in asked:
        name = questions.field_name(question)
        upload = form.uploaded_file(name) if question.kind == "file" else None
        if upload is None:
            continue
        try:
            stored[question.id] = storage.save_pdf(upload.stream, upload.filename)
        except storage.AttachmentRefused as refused:
            _discard(None, stored)
            raise InvalidInput({name: refused.errors["attachment"]}, code=refused.code) from None
    return stored


def _discard(stored: storage.StoredFile | None, uploads: dict[int, storage.StoredFile]) -> None:
    """Delete files stored for a request that was refused."""
    storage.delete(stored.key if stored else None)
    for upload in uploads.values():
        storage.delete(upload.key)


def _form_page(form: EntryForm, programme, entry, asked):
    """The entry form; an existing entry is shown the questions of its category (as chosen
    on the form), a new one every question, each saying which categories it is for."""
    status = 400 if request.method == "POST" else 200
    category_id = form.category.data if entry is not None else None
    shown = [q for q in asked if entry is None or q.asks(category_id)]
    answers = questions.answers_of(entry) if entry is not None else {}
    return (
        render_template(
            "awards/entrant/entry_form.html",
            form=form,
            programme=programme,
            entry=entry,
            questions=shown,
            answers=answers,
            scopes=questions.scope_labels(programme, shown, current_locale()),
            field_name=questions.field_name,
        ),
        status,
    )
