"""The jury pages of the chair and the admin (blueprint `jury_admin`): members and
invitations (admin), conflicts and rulings, progress and reopening scorecards (chair or
admin; other jurors get 403).

Each view checks access on the server (`admin_required`, `access.require_chair_or_admin`)
and re-renders its page with the message and a 4xx status when a rule refuses — nothing
changes then.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from awards.forms.jury import InviteForm, ReopenForm, RuleConflictForm
from awards.services import access, conflicts, jury, progress, rounds, scorecards
from awards.services.jury_insight import severity_by_member
from awards.services.results import load_board_data
from core import confirmation
from core.accounts.auth import admin_required
from core.clock import now
from core.unit_of_work import refusal

bp = Blueprint("jury_admin", __name__, url_prefix="/admin/awards/<slug>/jury")


# --- members (admin) ------------------------------------------------------------------------


def _members_page(programme, form=None, status=200):
    return render_template(
        "awards/admin/jury_members.html",
        programme=programme,
        rows=jury.programme_members(programme),
        form=form or InviteForm(formdata=None),
    ), status


@bp.get("")
@admin_required
def members(slug: str):
    """The jury of a programme with each juror's status and counts, and the invitation form."""
    return _members_page(access.get_programme(slug))


@bp.post("/invite")
@admin_required
def invite(slug: str):
    """Invite a juror (creates the account if needed) and e-mail the link."""
    programme = access.get_programme(slug)
    form = InviteForm()
    if not form.validate_on_submit():
        return _members_page(programme, form, 400)
    with refusal() as refused:
        member = jury.invite_member(
            programme,
            email=form.email.data,
            name=form.name.data,
            affiliation=form.affiliation.data or "",
            role=form.role.data,
            actor=current_user,
            now=now(),
        )
        flash(_("Invitation sent to %(email)s.", email=member.user.email), "success")
        return redirect(url_for(".members", slug=slug))
    return _members_page(programme, form, refused.status)


@bp.post("/<int:member_id>/resend")
@admin_required
def resend_invite(slug: str, member_id: int):
    """Send a fresh invitation link to a juror who has not accepted the terms."""
    programme = access.get_programme(slug)
    member = jury.get_member(programme, member_id)
    with refusal() as refused:
        jury.resend_invite(member, actor=current_user, now=now())
        flash(_("A new invitation was sent to %(email)s.", email=member.user.email), "success")
        return redirect(url_for(".members", slug=slug))
    return _members_page(programme, status=refused.status)


@bp.post("/<int:member_id>/remove")
@admin_required
def remove_member(slug: str, member_id: int):
    """Take a juror off the jury; refused once they have submitted a scorecard."""
    programme = access.get_programme(slug)
    member = jury.get_member(programme, member_id)
    email = member.user.email
    if not confirmation.confirmed():
        return confirmation.ask(
            _("Remove juror %(email)s?", email=email),
            details=(
                _(
                    "%(email)s is taken off the jury of %(programme)s and no longer sees its "
                    "entries.",
                    email=email,
                    programme=programme.name,
                ),
            ),
            button=_("Remove juror"),
            back=url_for(".members", slug=slug),
        )
    with refusal() as refused:
        jury.remove_member(member, actor=current_user, now=now())
        flash(_("%(email)s is no longer on the jury.", email=email), "success")
        return redirect(url_for(".members", slug=slug))
    return _members_page(programme, status=refused.status)


# --- conflicts (chair or admin) -------------------------------------------------------------


def _chair_programme(slug: str):
    """The programme; NotFound for an unknown slug, NotAllowed unless its chair or an admin."""
    programme = access.get_programme(slug)
    access.require_chair_or_admin(programme, current_user)
    return programme


def _conflicts_page(programme, status=200):
    shown, hidden = conflicts.programme_conflicts(programme, current_user)
    conflicted = access.conflicted_entry_ids(programme, current_user)
    return render_template(
        "awards/admin/jury_conflicts.html",
        programme=programme,
        conflicts=shown,
        hidden_count=hidden,
        rulable={
            c.id for c in shown if conflicts.ruling_refusal(c, current_user, conflicted) is None
        },
        form=RuleConflictForm(formdata=None),
    ), status


@bp.get("/conflicts", endpoint="conflicts")
@login_required
def conflicts_page(slug: str):
    """Every conflict of the programme, pending first, with a ruling form for each one the
    viewer may rule on (never their own); none on an entry the viewer has a conflict with."""
    programme = _chair_programme(slug)
    return _conflicts_page(programme)


@bp.post("/conflicts/detect")
@login_required
def detect(slug: str):
    """Run conflict detection again for every juror and submitted/eligible entry."""
    programme = _chair_programme(slug)
    found = conflicts.detect_conflicts_for_programme(programme, now=now(), actor=current_user)
    flash(
        ngettext(
            "Detection finished: %(num)s new conflict.",
            "Detection finished: %(num)s new conflicts.",
            found,
        ),
        "success",
    )
    return redirect(url_for(".conflicts", slug=slug))


@bp.post("/conflicts/<int:conflict_id>/rule")
@login_required
def rule_conflict(slug: str, conflict_id: int):
    """Uphold or dismiss a conflict with a note; nobody rules on their own, nor on a conflict
    about an entry they have a conflict with (403: an admin must)."""
    programme = _chair_programme(slug)
    conflict = conflicts.get_conflict(programme, conflict_id)
    refused_ruling = conflicts.ruling_refusal(conflict, current_user)
    if refused_ruling is not None:
        raise refused_ruling
    form = RuleConflictForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
        return _conflicts_page(programme, 400)
    with refusal() as refused:
        conflicts.rule_conflict(
            conflict, form.decision.data, form.note.data, actor=current_user, now=now()
        )
        flash(_("Ruling recorded."), "success")
        return redirect(url_for(".conflicts", slug=slug))
    return _conflicts_page(programme, refused.status)


# --- progress (chair or admin) --------------------------------------------------------------


def _progress_page(programme, status=200):
    """The progress of the round asked for (`?round=`; default the round the jury is in now,
    `rounds.jury_round`); 404 for a round the programme does not have. Each juror's severity
    only where the viewer may see that round's results (`jury_insight.severity_by_member`:
    admins, the chair once the round's scoring has closed)."""
    asked = request.args.get("round", type=int)
    info = (
        rounds.jury_round(programme, now()) if asked is None else rounds.get_round(programme, asked)
    )
    return render_template(
        "awards/admin/jury_progress.html",
        programme=programme,
        progress=progress.programme_progress(programme, current_user, info.position),
        severity=severity_by_member(
            programme, load_board_data(programme, info.position), current_user, now=now()
        ),
        form=ReopenForm(formdata=None),
        rounds=rounds.rounds_of(programme),
        round=info,
    ), status


@bp.get("/progress", endpoint="progress")
@login_required
def progress_page(slug: str):
    """Counts per juror and per entry, entries below quorum flagged, and the submitted
    scorecards with a reopen form; once results may be seen, each juror's severity against
    the panel (no single score); nothing of an entry the viewer has a conflict with."""
    programme = _chair_programme(slug)
    return _progress_page(programme)


@bp.post("/scorecards/<int:scorecard_id>/reopen")
@login_required
def reopen_scorecard(slug: str, scorecard_id: int):
    """Send a submitted scorecard back to draft with a reason; the juror is e-mailed. 403
    when the viewer has a conflict with its entry: an admin must."""
    programme = _chair_programme(slug)
    card = scorecards.get_scorecard(programme, scorecard_id)
    access.require_unconflicted(programme, current_user, card.entry_id)
    form = ReopenForm()
    if not form.validate_on_submit():
        flash(_("Give a reason for reopening."), "error")
        return _progress_page(programme, 400)
    with refusal() as refused:
        scorecards.reopen_scorecard(card, form.reason.data, actor=current_user, now=now())
        flash(_("The scorecard is reopened; the juror has been told."), "success")
        return redirect(url_for(".progress", slug=slug))
    return _progress_page(programme, refused.status)
