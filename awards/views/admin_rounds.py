"""The admin's rounds of a programme (blueprint `awards_rounds`, under /admin): the list,
adding a round after the last one, changing one, deleting the last one (after a confirmation
step). Times are typed in Amsterdam time. The rules are `awards.services.rounds`'.

Every view is admin-only (`admin_required`); an unknown programme or round is a 404. A
refused rule re-renders the form with the messages on their fields and status 400; nothing
is changed then.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from awards.forms.programmes import ASSIGNMENT_LABELS, RoundForm
from awards.models import Programme
from awards.services import access, rounds
from awards.services.rounds import RoundData
from core import confirmation
from core.accounts.auth import admin_required
from core.clock import from_local, local, now
from core.errors import NotFound
from core.i18n import current_locale
from core.unit_of_work import refusal

bp = Blueprint("awards_rounds", __name__, url_prefix="/admin")
BASE = "/programmes/<slug>/rounds"


@bp.get(BASE)
@admin_required
def rounds_list(slug: str):
    """The programme's rounds in order, with what can be deleted (only the last one, while it
    has no scorecards or advancements)."""
    programme = access.get_programme(slug)
    infos = rounds.rounds_of(programme)
    last = infos[-1]
    deletable = (
        last.row is not None
        and last.position > 1
        and rounds.delete_problem(programme, last.position) is None
    )
    return render_template(
        "awards/admin/rounds.html",
        programme=programme,
        rounds=infos,
        deletable=last.position if deletable else None,
        assignment_labels=ASSIGNMENT_LABELS,
        locale=current_locale(),
    )


@bp.route(f"{BASE}/new", methods=["GET", "POST"])
@admin_required
def new_round(slug: str):
    """Add a round after the last one (a one-round programme's first added round is round
    2; round 1 keeps the programme's scoring window and quorum)."""
    programme = access.get_programme(slug)
    return _round_form(programme, None)


@bp.route(f"{BASE}/<int:round_no>/edit", methods=["GET", "POST"])
@admin_required
def edit_round(slug: str, round_no: int):
    """Change a stored round; a one-round programme's round is its own timeline (404 here:
    edit the programme)."""
    programme = access.get_programme(slug)
    info = rounds.get_round(programme, round_no)
    if info.row is None:
        raise NotFound()
    return _round_form(programme, info)


@bp.post(f"{BASE}/<int:round_no>/delete")
@admin_required
def delete_round(slug: str, round_no: int):
    """Delete the last round after a confirmation step; refused (message shown) while it has
    scorecards or advancements, or criteria asked only in it."""
    programme = access.get_programme(slug)
    info = rounds.get_round(programme, round_no)
    if info.row is None or round_no == 1:
        raise NotFound()
    back = url_for(".rounds_list", slug=programme.slug)
    if not confirmation.confirmed():
        return confirmation.ask(
            _("Delete round %(n)s: %(name)s?", n=round_no, name=info.name(current_locale())),
            details=(_("Its panels' categories and assignments in this round are removed too."),),
            button=_("Delete"),
            back=back,
        )
    with refusal():
        rounds.delete_round(programme, round_no, actor=current_user, now=now())
        flash(_("Round deleted."), "success")
    return redirect(back)


def _round_form(programme: Programme, info: rounds.RoundInfo | None):
    if request.method == "GET":
        form = RoundForm(data=_initial(info) if info is not None else None)
    else:
        form = RoundForm()
    status = 200
    if form.validate_on_submit():
        data = RoundData(
            name_nl=form.name_nl.data or "",
            name_en=form.name_en.data or "",
            scoring_open_at=from_local(form.scoring_open_at.data),
            scoring_close_at=from_local(form.scoring_close_at.data),
            quorum=form.quorum.data,
            assignment=form.assignment.data,
            jurors_per_entry=form.jurors_per_entry.data,
        )
        with refusal(form) as refused:
            if info is None:
                rounds.add_round(programme, data, actor=current_user, now=now())
            else:
                rounds.update_round(programme, info.position, data, actor=current_user, now=now())
            flash(_("Round saved."), "success")
            return redirect(url_for(".rounds_list", slug=programme.slug))
        status = refused.status
    elif form.is_submitted():
        status = 400
    return render_template(
        "awards/admin/round_form.html", programme=programme, form=form, round=info
    ), status


def _initial(info: rounds.RoundInfo) -> dict:
    return {
        "name_nl": info.name_nl,
        "name_en": info.name_en,
        "scoring_open_at": local(info.scoring_open_at).replace(tzinfo=None),
        "scoring_close_at": local(info.scoring_close_at).replace(tzinfo=None),
        "quorum": info.quorum,
        "assignment": info.assignment,
        "jurors_per_entry": info.jurors_per_entry,
    }
