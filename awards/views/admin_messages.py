"""Group messages of a programme (blueprint `messages`): the admin's list of sent messages,
compose, preview, test send and send (with its confirmation step), and the public
unsubscribe page an entrant reaches from a message's link.

The rules (who is in a group, the hourly limit, one send per compose form, nominees and
winners only after publication) are in `awards.services.group_messages`; a refusal
re-renders the page with its message and status, and nothing is queued then.
"""

from __future__ import annotations

import secrets

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from awards.forms.messages import MessageForm, UnsubscribeForm
from awards.services import access
from awards.services import group_messages as messages
from core import confirmation
from core.accounts.auth import staff_required
from core.clock import now
from core.i18n import current_locale
from core.unit_of_work import refusal

bp = Blueprint("messages", __name__)

#: the fields the preview carries to the test send and the send (and the confirmation)
FIELDS = ("group", "category_id", "panel_id", "subject_nl", "body_nl", "subject_en", "body_en")
KEEP = (*FIELDS, "key")


def _form(programme, *, formdata=True) -> MessageForm:
    form = MessageForm() if formdata else MessageForm(formdata=None)
    form.set_choices(programme.categories, messages.panels(programme), current_locale())
    return form


def _compose_page(programme, form, status=200):
    return render_template(
        "awards/admin/messages_compose.html",
        programme=programme,
        form=form,
        groups=messages.GROUPS,
        per_hour=messages.sent_in_last_hour(programme, now=now()),
    ), status


def _chosen(programme, form: MessageForm) -> messages.Target:
    return messages.target(
        programme,
        form.group.data,
        category_id=MessageForm.chosen_id(form.category_id.data),
        panel_id=MessageForm.chosen_id(form.panel_id.data),
    )


def _draft(form: MessageForm) -> messages.Draft:
    return messages.Draft(
        subject_nl=form.subject_nl.data,
        subject_en=form.subject_en.data,
        body_nl=form.body_nl.data,
        body_en=form.body_en.data,
    )


def _preview_page(programme, form, chosen, status=200):
    current = now()
    return render_template(
        "awards/admin/messages_preview.html",
        programme=programme,
        form=form,
        group=messages.GROUPS[chosen.group],
        chosen=chosen,
        people=messages.recipients(programme, chosen, now=current),
        mails=messages.preview(programme, chosen, _draft(form), now=current),
        fields=[(name, form[name].data or "") for name in KEEP],
    ), status


@bp.get("/admin/awards/<slug>/messages")
@staff_required
def index(slug: str):
    """The programme's sent group messages with their counts, newest first."""
    programme = access.get_programme(slug)
    return render_template(
        "awards/admin/messages.html",
        programme=programme,
        sent=messages.sent_messages(programme),
        groups=messages.GROUPS,
    )


@bp.get("/admin/awards/<slug>/messages/new")
@staff_required
def compose(slug: str):
    """The compose form, with a fresh idempotency key: this form sends at most once."""
    programme = access.get_programme(slug)
    form = _form(programme, formdata=False)
    form.key.data = secrets.token_urlsafe(24)
    return _compose_page(programme, form)


@bp.route("/admin/awards/<slug>/messages/preview", methods=["GET", "POST"])
@staff_required
def preview(slug: str):
    """The mail in both languages and who gets it (count, first names, opted out). A GET (the
    language switch of a page answering a POST here) goes back to a new message."""
    programme = access.get_programme(slug)
    if request.method == "GET":
        return redirect(url_for(".compose", slug=slug))
    form = _form(programme)
    if not form.validate_on_submit():
        return _compose_page(programme, form, 400)
    with refusal(form) as refused:
        return _preview_page(programme, form, _chosen(programme, form))
    return _compose_page(programme, form, refused.status)


@bp.route("/admin/awards/<slug>/messages/test", methods=["GET", "POST"])
@staff_required
def test_send(slug: str):
    """One mail, marked as a test, to the admin's own address; back to the preview. A GET
    goes to a new message."""
    programme = access.get_programme(slug)
    if request.method == "GET":
        return redirect(url_for(".compose", slug=slug))
    form = _form(programme)
    if not form.validate_on_submit():
        return _compose_page(programme, form, 400)
    with refusal(form) as refused:
        chosen = _chosen(programme, form)
        messages.send_test(programme, chosen, _draft(form), actor=current_user, now=now())
        flash(_("A test was sent to %(email)s.", email=current_user.email), "success")
        return _preview_page(programme, form, chosen)
    return _compose_page(programme, form, refused.status)


@bp.route("/admin/awards/<slug>/messages/send", methods=["GET", "POST"])
@staff_required
def send(slug: str):
    """Asks first; then queues the message for every recipient and records it. A GET goes
    to a new message."""
    programme = access.get_programme(slug)
    if request.method == "GET":
        return redirect(url_for(".compose", slug=slug))
    form = _form(programme)
    if not form.validate_on_submit():
        return _compose_page(programme, form, 400)
    with refusal(form) as refused:
        chosen = _chosen(programme, form)
        if not confirmation.confirmed():
            people = messages.recipients(programme, chosen, now=now())
            return confirmation.ask(
                _("Send this message to %(num)s people?", num=len(people.people)),
                details=(
                    _("Group: %(group)s.", group=messages.GROUPS[chosen.group].label),
                    _("Subject: %(subject)s", subject=form.subject_nl.data),
                ),
                button=_("Send the message"),
                back=url_for(".compose", slug=slug),
                keep=KEEP,
            )
        sent = messages.send(
            programme, chosen, _draft(form), key=form.key.data, actor=current_user, now=now()
        )
        flash(_("The message was queued for %(num)s people.", num=sent.recipients), "success")
        return redirect(url_for(".index", slug=slug))
    return _compose_page(programme, form, refused.status)


# --- public: the unsubscribe link -------------------------------------------------------------


@bp.route("/messages/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """Says whose messages stop and asks; the POST records the opt-out (once). A tampered or
    expired link answers 400, an erased account 404."""
    current = now()
    user, programme = messages.read_unsubscribe(token, now=current)
    form = UnsubscribeForm()
    done = messages.is_opted_out(user, programme)
    if form.validate_on_submit():
        messages.opt_out(user, programme, now=current)
        done = True
    return render_template(
        "awards/messages_unsubscribe.html", programme=programme, form=form, done=done
    )
