"""The admin's pages for a programme's entry-form questions (blueprint `awards_questions`,
under /admin): list, add, edit, move up or down and delete (asked first).

Every view is for staff and admins (`staff_required`); a question is looked up within its programme
(404 otherwise). The rules, and what a change means for entries already submitted, are
`awards.services.questions`'; a refused change re-renders the form with the messages on
their fields and status 400.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from awards.forms.questions import KIND_LABELS, QuestionForm
from awards.models import EntryQuestion, Programme
from awards.services import access, questions
from awards.services.criteria import scoring_started
from awards.services.questions import QuestionData
from awards.timeline import Timeline
from core import confirmation
from core.accounts.auth import staff_required
from core.clock import now
from core.errors import NotFound
from core.extensions import db
from core.i18n import current_locale
from core.unit_of_work import refusal

bp = Blueprint("awards_questions", __name__, url_prefix="/admin")
BASE = "/programmes/<slug>/questions"


@bp.get(BASE)
@staff_required
def list_questions(slug):
    """The programme's questions in order, with their kind, scope and answer count."""
    programme = access.get_programme(slug)
    asked = questions.programme_questions(programme)
    return render_template(
        "awards/admin/questions.html",
        programme=programme,
        questions=asked,
        scopes=questions.scope_labels(programme, asked, current_locale()),
        counts=questions.answer_counts(programme),
        kinds=KIND_LABELS,
        submissions_started=Timeline.of(programme).phase(now()) != "upcoming",
        locked=scoring_started(programme),
    )


@bp.route(f"{BASE}/new", methods=["GET", "POST"])
@staff_required
def new_question(slug):
    return _question_form(access.get_programme(slug), None)


@bp.route(f"{BASE}/<int:question_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_question(slug, question_id):
    programme = access.get_programme(slug)
    return _question_form(programme, _owned(question_id, programme))


@bp.post(f"{BASE}/<int:question_id>/move")
@staff_required
def move_question(slug, question_id):
    """Move a question one place up (`direction=up`) or down (anything else)."""
    programme = access.get_programme(slug)
    question = _owned(question_id, programme)
    offset = -1 if request.form.get("direction") == "up" else 1
    with refusal():
        questions.move_question(question, offset, actor=current_user, now=now())
        flash(_l("Question moved."), "success")
    return redirect(url_for(".list_questions", slug=slug))


@bp.post(f"{BASE}/<int:question_id>/delete")
@staff_required
def delete_question(slug, question_id):
    """Delete a question and its answers, after confirmation; refused once scoring has
    started and it has answers."""
    programme = access.get_programme(slug)
    question = _owned(question_id, programme)
    back = url_for(".list_questions", slug=slug)
    if not confirmation.confirmed():
        count = questions.answer_counts(programme).get(question.id, 0)
        details = [
            ngettext(
                "%(num)s entry answered it: that answer is deleted too.",
                "%(num)s entries answered it: their answers are deleted too.",
                count,
            )
            if count
            else _("No entry has answered it yet.")
        ]
        return confirmation.ask(
            _("Delete question %(label)s?", label=question.label(current_locale())),
            details=tuple(details),
            button=_("Delete"),
            back=back,
        )
    with refusal():
        questions.delete_question(question, actor=current_user, now=now())
        flash(_l("Question deleted."), "success")
    return redirect(back)


def _question_form(programme: Programme, question: EntryQuestion | None):
    locale = current_locale()
    if request.method == "GET" and question is not None:
        form = QuestionForm(obj=question)
        form.choices.data = questions.choices_text(question.choices)
    else:
        form = QuestionForm()
    form.set_categories(programme, locale)
    status = 200
    if form.validate_on_submit():
        with refusal(form) as refused:
            questions.save_question(
                programme,
                QuestionData(
                    key=form.key.data or "",
                    kind=form.kind.data or "",
                    label_nl=form.label_nl.data or "",
                    label_en=form.label_en.data or "",
                    help_nl=form.help_nl.data or "",
                    help_en=form.help_en.data or "",
                    choices=questions.parse_choices(form.choices.data or ""),
                    required=bool(form.required.data),
                    category_ids=list(form.category_ids.data or []),
                    min_number=form.min_number.data,
                    max_number=form.max_number.data,
                    position=form.position.data or 0,
                ),
                actor=current_user,
                now=now(),
                question=question,
            )
            flash(_l("Question saved."), "success")
            return redirect(url_for(".list_questions", slug=programme.slug))
        status = refused.status
    elif request.method == "POST":
        status = 400
    return render_template(
        "awards/admin/question_form.html",
        form=form,
        programme=programme,
        question=question,
        submissions_started=Timeline.of(programme).phase(now()) != "upcoming",
    ), status


def _owned(question_id: int, programme: Programme) -> EntryQuestion:
    found = db.session.get(EntryQuestion, question_id)
    if found is None or found.programme_id != programme.id:
        raise NotFound()
    return found
