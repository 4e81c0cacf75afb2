"""Staff pages for an event's registration questions (blueprint `events_questions`, under
/admin/events/<id>/questions): list, add, edit, move up or down and delete (asked first,
saying how many answers go with it).

Every view is for staff and admins (`staff_required`); a question is looked up within its
event (404 otherwise). The rules are `events.services.event_questions`'; a refused change
re-renders the form with the messages on their fields and status 400.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from core import confirmation
from core.accounts.auth import staff_required
from core.clock import now
from core.errors import NotFound
from core.i18n import current_locale
from core.unit_of_work import refusal
from events.forms.event_questions import KIND_LABELS, QuestionForm
from events.models import Event, EventQuestion
from events.services import admin, event_questions
from events.services.event_questions import QuestionData

bp = Blueprint("events_questions", __name__, url_prefix="/admin/events")
BASE = "/<int:event_id>/questions"


@bp.get(BASE)
@staff_required
def list_questions(event_id: int):
    """The event's questions in order, with their kind, whether required and answer count."""
    event = admin.get_event(event_id)
    return render_template(
        "events/admin/questions.html",
        event=event,
        questions=event_questions.event_questions(event),
        counts=event_questions.answer_counts(event),
        kinds=KIND_LABELS,
    )


@bp.route(f"{BASE}/new", methods=["GET", "POST"])
@staff_required
def new_question(event_id: int):
    return _question_form(admin.get_event(event_id), None)


@bp.route(f"{BASE}/<int:question_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_question(event_id: int, question_id: int):
    event = admin.get_event(event_id)
    return _question_form(event, _owned(event, question_id))


@bp.post(f"{BASE}/<int:question_id>/move")
@staff_required
def move_question(event_id: int, question_id: int):
    """Move a question one place up (`direction=up`) or down (anything else)."""
    event = admin.get_event(event_id)
    question = _owned(event, question_id)
    offset = -1 if request.form.get("direction") == "up" else 1
    with refusal():
        event_questions.move_question(question, offset, actor=current_user, now=now())
        flash(_l("Question moved."), "success")
    return redirect(url_for(".list_questions", event_id=event.id))


@bp.post(f"{BASE}/<int:question_id>/delete")
@staff_required
def delete_question(event_id: int, question_id: int):
    """Delete a question and its answers, after confirmation."""
    event = admin.get_event(event_id)
    question = _owned(event, question_id)
    back = url_for(".list_questions", event_id=event.id)
    if not confirmation.confirmed():
        count = event_questions.answer_counts(event).get(question.id, 0)
        detail = (
            ngettext(
                "%(num)s registrant answered it: that answer is deleted too.",
                "%(num)s registrants answered it: their answers are deleted too.",
                count,
            )
            if count
            else _("No registrant has answered it yet.")
        )
        return confirmation.ask(
            _("Delete question %(label)s?", label=question.label(current_locale())),
            details=(detail,),
            button=_("Delete"),
            back=back,
        )
    with refusal():
        gone = event_questions.delete_question(question, actor=current_user, now=now())
        flash(
            ngettext(
                "Question deleted, with %(num)s answer.",
                "Question deleted, with %(num)s answers.",
                gone,
            ),
            "success",
        )
    return redirect(back)


def _question_form(event: Event, question: EventQuestion | None):
    if request.method == "GET" and question is not None:
        form = QuestionForm(obj=question)
        form.choices.data = event_questions.choices_text(question.choices)
    else:
        form = QuestionForm()
    status = 200
    if form.validate_on_submit():
        with refusal(form) as refused:
            event_questions.save_question(
                event,
                QuestionData(
                    key=form.key.data or "",
                    kind=form.kind.data or "",
                    label_nl=form.label_nl.data or "",
                    label_en=form.label_en.data or "",
                    help_nl=form.help_nl.data or "",
                    help_en=form.help_en.data or "",
                    choices=event_questions.parse_choices(form.choices.data or ""),
                    required=bool(form.required.data),
                ),
                actor=current_user,
                now=now(),
                question=question,
            )
            flash(_l("Question saved."), "success")
            return redirect(url_for(".list_questions", event_id=event.id))
        status = refused.status
    elif request.method == "POST":
        status = 400
    answered = event_questions.answer_counts(event).get(question.id, 0) if question else 0
    return render_template(
        "events/admin/question_form.html",
        form=form,
        event=event,
        question=question,
        answered=answered,
    ), status


def _owned(event: Event, question_id: int) -> EventQuestion:
    found = event_questions.get_question(event, question_id)
    if found is None:
        raise NotFound()
    return found
