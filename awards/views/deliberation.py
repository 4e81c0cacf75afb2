"""The deliberation page of the chair and admins (blueprint `deliberation`): once scoring of
a round has closed, every counted scorecard of a category per entry — values, totals,
comments —, the spread between the jurors and the entries whose rank the methods disagree on;
and, per entry, the form choosing which comments reach the entrant.

Every route needs a log-in and `deliberation.require_deliberation` (403 for anyone but the
chair and admins, and before scoring has closed); an entry the viewer has a conflict with is
not on the page, and its feedback form answers 403.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from awards.forms.deliberation import FeedbackForm
from awards.forms.programmes import METHOD_LABELS
from awards.scoring import METHODS
from awards.services import access
from awards.services import deliberation as service
from core.clock import now
from core.errors import NotFound
from core.i18n import current_locale
from core.unit_of_work import refusal

bp = Blueprint("deliberation", __name__, url_prefix="/admin/awards/<slug>/deliberation")


def _round_no() -> int:
    """`?round=` (default 1); NotFound for a round below 1."""
    round_no = request.args.get("round", 1, type=int)
    if round_no < 1:
        raise NotFound()
    return round_no


def _prefix(entry_id: int) -> str:
    return f"entry-{entry_id}"


def _forms(result, *, posted: FeedbackForm | None = None, posted_entry: int | None = None):
    """entry id -> its feedback form (the posted one for `posted_entry`), choices from its
    comments, ticked as shared."""
    forms = {}
    for item in result.entries:
        if not item.has_comments:
            continue
        if posted is not None and item.entry.id == posted_entry:
            form = posted
        else:
            form = FeedbackForm(
                formdata=None,
                prefix=_prefix(item.entry.id),
                round_no=result.round_no,
                cards=[j.card.id for j in item.jurors if j.card.comment and j.card.feedback_shared],
                scores=[
                    s.id for j in item.jurors for s in j.criterion_comments if s.feedback_shared
                ],
            )
        names = {c.key: c.name for c in result.criteria}
        locale = current_locale()
        form.cards.choices = [
            (j.card.id, f"{j.juror}: {j.card.comment}") for j in item.jurors if j.card.comment
        ]
        form.scores.choices = [
            (s.id, f"{j.juror} · {names[key](locale)}: {s.comment}")
            for j in item.jurors
            for key, s in j.scores.items()
            if s.comment
        ]
        forms[item.entry.id] = form
    return forms


def _render(programme, category, round_no, *, status=200, posted=None, posted_entry=None):
    moment = now()
    result = (
        service.category_deliberation(
            programme, category, current_user, round_no=round_no, now=moment
        )
        if category
        else None
    )
    if category is None:
        service.require_deliberation(programme, current_user, round_no=round_no, now=moment)
    return (
        render_template(
            "awards/results/deliberation.html",
            programme=programme,
            category=category,
            round_no=round_no,
            result=result,
            methods=METHODS,
            method_labels=METHOD_LABELS,
            large_share=int(service.LARGE_SPREAD * 100),
            forms=_forms(result, posted=posted, posted_entry=posted_entry) if result else {},
        ),
        status,
    )


@bp.get("")
@login_required
def page(slug: str):
    """The deliberation of one category (`?category=`, default the first) in one round
    (`?round=`, default 1). 404 for an unknown category."""
    programme = access.get_programme(slug)
    return _render(
        programme, access.get_category(programme, request.args.get("category")), _round_no()
    )


@bp.post("/entries/<int:entry_id>/feedback")
@login_required
def share_feedback(slug: str, entry_id: int):
    """Share exactly the ticked comments of the entry with its entrant (who sees them from
    publication on). 403 when the viewer has a conflict with the entry, or before scoring
    has closed; 400 for a form that cannot be read or an id that is not one of its
    comments."""
    programme = access.get_programme(slug)
    entry = access.get_entry(programme, entry_id)
    form = FeedbackForm(prefix=_prefix(entry.id))
    moment = now()
    round_no = form.round_no.data if isinstance(form.round_no.data, int) else 1
    service.require_deliberation(programme, current_user, round_no=round_no, now=moment)
    access.require_unconflicted(programme, current_user, entry.id)
    if not form.validate_on_submit():
        flash(_("The choice of comments could not be read. Please try again."), "error")
        return _render(
            programme, entry.category, round_no, status=400, posted=form, posted_entry=entry.id
        )
    with refusal(form) as refused:
        shared = service.share_feedback(
            programme,
            entry,
            round_no=form.round_no.data,
            card_ids=form.cards.data or [],
            score_ids=form.scores.data or [],
            actor=current_user,
            now=moment,
        )
        flash(
            _("Comments shared with the entrant of %(ref)s: %(n)s.", n=shared, ref=entry.ref),
            "success",
        )
        return redirect(
            url_for(
                ".page",
                slug=slug,
                category=entry.category.slug,
                round=form.round_no.data if form.round_no.data != 1 else None,
                _anchor=f"entry-{entry.id}",
            )
        )
    return _render(
        programme,
        entry.category,
        form.round_no.data,
        status=refused.status,
        posted=form,
        posted_entry=entry.id,
    )
