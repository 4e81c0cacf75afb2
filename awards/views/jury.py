"""The jury's pages (blueprint `jury`): a juror's dashboard, accepting an invitation, the
terms, their entry list, one entry with their own scorecard, the attachment and declaring a
conflict. The chair's and admin's pages are on `awards.views.jury_admin`.

Every object goes through `awards.services.access` / `awards.services.scorecards`: a juror who
has not accepted the terms sees no entry (GET: sent to the terms page, POST: 403), a barred
or unknown entry is a 404.
"""

from __future__ import annotations

from dataclasses import astuple

from flask import (
    Blueprint,
    current_app,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError

from awards import storage
from awards.forms.jury import DeclareConflictForm, SetPasswordForm, TermsForm, scorecard_form
from awards.services import access, jury, progress, questions, rounds, scorecards
from awards.services.scales import show_value
from awards.services.scorecards import score_field
from core import caching
from core.clock import now
from core.errors import NotAllowed, NotFound
from core.i18n import current_locale
from core.paging import paginate_list
from core.tokens import BadToken
from core.unit_of_work import Refused, refusal

bp = Blueprint("jury", __name__)
#: entries on one page of a juror's list
JUROR_ENTRIES_PER_PAGE = 50


@bp.app_context_processor
def _nav():
    """`is_juror` for base.html's nav: at most one query per request (cached on the request;
    none when the request found a membership of the user), none outside a request or for
    anonymous users."""
    if not has_request_context():
        return {"is_juror": False}
    cache = request.environ
    if "podium.is_juror" not in cache:
        try:
            cache["podium.is_juror"] = access.is_juror(current_user)
        except SQLAlchemyError:  # an error page after a failed transaction still renders
            cache["podium.is_juror"] = False
    return {"is_juror": cache["podium.is_juror"]}


@bp.errorhandler(NotAllowed)
def _not_allowed(e: NotAllowed):
    """Before the terms are accepted, a GET of a jury page leads to the terms; else 403."""
    slug = (request.view_args or {}).get("slug")
    if e.code == "terms_not_accepted" and request.method == "GET" and slug:
        flash(str(e.message), "info")
        return redirect(url_for(".terms", slug=slug))
    return render_template("core/error.html", status=403, message=e.message), 403


@bp.get("/jury")
@login_required
def dashboard():
    """The user's programmes as juror or chair: terms status and their own counts; a chair
    gets a link to the results once they may see them (`access.results_hidden_from`: after
    scoring closes). One access check per chaired programme."""
    at = now()
    rows = progress.juror_dashboard(current_user, now=at)
    results_open = {
        row.member.id
        for row in rows
        if row.member.is_chair and _may_see_results(row.member.programme, at)
    }
    return render_template("awards/jury/dashboard.html", rows=rows, results_open=results_open)


def _may_see_results(programme, at) -> bool:
    try:
        access.results_hidden_from(programme, current_user, now=at)
    except NotAllowed:
        return False
    return True


@bp.route("/jury/invite/<token>", methods=["GET", "POST"])
def accept_invite(token: str):
    """An invitation link. Without a password the invitee sets one (which verifies the
    address) and is logged in; with one, they must be logged in as that user (else: log-in
    page with `next`). Then the terms. A bad or expired link gets a 400 page."""
    at = now()
    try:
        member = jury.member_from_token(token, now=at)
    except BadToken as e:
        return render_template("awards/jury/invite_invalid.html", message=e.message), 400
    user = member.user
    if user.password_hash:
        if current_user.is_authenticated and current_user.id == user.id:
            return redirect(url_for(".terms", slug=member.programme.slug))
        flash(_("Log in as %(email)s to accept the invitation.", email=user.email), "info")
        return redirect(url_for("accounts.login", next=request.path))
    form = SetPasswordForm()
    status = 200
    if form.validate_on_submit():
        with refusal() as refused:
            jury.set_invite_password(member, form.password.data, now=at, locale=current_locale())
            login_user(user)
            flash(_("Your password is set and your e-mail address confirmed."), "success")
            return redirect(url_for(".terms", slug=member.programme.slug))
        status = refused.status
    elif form.is_submitted():
        status = 400
    return render_template("awards/jury/accept_invite.html", form=form, member=member), status


@bp.route("/jury/<slug>/terms", methods=["GET", "POST"])
@login_required
def terms(slug: str):
    """The programme's jury terms; ticking the box and posting accepts them (once)."""
    programme = access.get_programme(slug)
    member = access.require_juror(programme, current_user, terms=False)
    form = TermsForm()
    status = 200
    if form.validate_on_submit():
        with refusal() as refused:
            jury.accept_terms(member, accepted=bool(form.accept.data), now=now())
            flash(_("Thank you. You can now see the entries."), "success")
            return redirect(url_for(".entries", slug=slug))
        status = refused.status
    elif form.is_submitted():
        status = 400
    text = programme.jury_terms_en if current_locale() == "en" else programme.jury_terms_nl
    return render_template(
        "awards/jury/terms.html", programme=programme, member=member, form=form, text=text
    ), status


@bp.get("/jury/<slug>/entries")
@login_required
def entries(slug: str):
    """The juror's entries of the round open now (or the latest one that has opened,
    `rounds.jury_round`) — eligible, in the round, assigned to them when the round has
    assignments, not barred — in their own order, with their own status;
    `JUROR_ENTRIES_PER_PAGE` a page (`?page=`, 404 past the last page)."""
    programme = access.get_programme(slug)
    member = access.require_juror(programme, current_user, terms=True)
    at = now()
    info = rounds.jury_round(programme, at)
    rows = scorecards.juror_entries(
        member, secret=current_app.config["SECRET_KEY"], round_no=info.position
    )
    page = paginate_list(rows, size=JUROR_ENTRIES_PER_PAGE)
    locale = current_locale()
    scoring_open = info.is_open(at)
    several_rounds = not info.final or info.position > 1

    def render() -> str:
        return render_template(
            "awards/jury/_entries_list.html",
            programme=programme,
            rows=page.items,
            page=page,
            round=info,
            several_rounds=several_rounds,
            scoring_open=scoring_open,
            locale=locale,
        )

    # everything the list shows: its rows are plain values, the round its own fields
    parts = (
        programme.id, programme.slug, programme.name, locale, scoring_open, several_rounds,
        (info.position, info.name_nl, info.name_en, info.scoring_open_at, info.scoring_close_at),
        [astuple(row) for row in page.items], page.number, page.size, page.total,
        sorted(page.args.items()),
    )  # fmt: skip
    content = Markup(caching.fragment("juror-entries", parts, render))
    return render_template("awards/jury/entries.html", content=content, locale=locale)


def _initial(card) -> dict:
    if card is None:
        return {}
    data = {"comment": card.comment}
    for score in card.scores:
        data[f"score_{score.criterion_id}"] = (
            show_value(score.value) if score.value is not None else ""
        )
        data[f"comment_{score.criterion_id}"] = score.comment
    return data


def _render_entry(programme, member, entry, info, *, form=None, conflict_form=None, status=200):
    card = scorecards.own_scorecard(member, entry, info.position)
    locale = current_locale()
    criteria = rounds.round_criteria(programme, info.position)
    if form is None:
        form = scorecard_form(criteria, locale, data=_initial(card))
    return render_template(
        "awards/jury/entry.html",
        programme=programme,
        member=member,
        entry=entry,
        card=card,
        scores={s.criterion_id: s for s in card.scores} if card else {},
        form=form,
        conflict_form=conflict_form or DeclareConflictForm(formdata=None),
        answers=questions.asked_answers(entry),
        criteria=criteria,
        round=info,
        several_rounds=not info.final or info.position > 1,
        scoring_open=info.is_open(now()),
        locale=locale,
    ), status


@bp.route("/jury/<slug>/entries/<int:entry_id>", methods=["GET", "POST"])
@login_required
def entry(slug: str, entry_id: int):
    """The case and the juror's own scorecard of the round (`rounds.jury_round`), with the
    round's criteria. POST saves a draft ("save") or submits ("submit"); refused with a
    message — and nothing saved — outside the round's scoring window, once submitted, or
    with a score off the scale. An entry not in the round (not advanced into it, not
    assigned to the juror) is a 404."""
    programme = access.get_programme(slug)
    member = access.require_juror(programme, current_user, terms=True)
    info = rounds.jury_round(programme, now())
    item = scorecards.juror_entry(member, entry_id, info.position)
    if request.method == "GET":
        return _render_entry(programme, member, item, info)
    criteria = rounds.round_criteria(programme, info.position)
    form = scorecard_form(criteria, current_locale())
    if not form.validate_on_submit():
        flash(_("Some fields need attention; nothing was saved."), "error")
        return _render_entry(programme, member, item, info, form=form, status=400)
    with refusal(form, flash_message=False) as refused:
        card = scorecards.save_scorecard(
            member,
            item.id,
            values={c.id: form[score_field(c.id)].data for c in criteria},
            comments={c.id: form[f"comment_{c.id}"].data for c in criteria},
            comment=form.comment.data,
            submit=bool(form.submit.data),
            now=now(),
            round_no=info.position,
        )
        if card.status == "submitted":
            flash(_("Your scorecard is submitted. Thank you!"), "success")
        else:
            flash(_("Your draft is saved."), "success")
        return redirect(url_for(".entry", slug=slug, entry_id=item.id))
    _refused(refused)
    return _render_entry(programme, member, item, info, form=form, status=refused.status)


@bp.get("/jury/<slug>/entries/<int:entry_id>/attachment")
@login_required
def attachment(slug: str, entry_id: int):
    """The entry's PDF for a juror who may see the entry; 404 otherwise or when there is none."""
    programme = access.get_programme(slug)
    member = access.require_juror(programme, current_user, terms=True)
    item = scorecards.juror_entry(member, entry_id, rounds.jury_round(programme, now()).position)
    path = storage.path_for(item.attachment_key)
    if path is None:
        raise NotFound()
    return storage.send_attachment(path, item.attachment_name or f"{item.ref}.pdf")


@bp.post("/jury/<slug>/entries/<int:entry_id>/conflict")
@login_required
def declare_conflict(slug: str, entry_id: int):
    """The juror declares a conflict of interest on an entry (reason required): they are
    barred at once and their draft is deleted."""
    programme = access.get_programme(slug)
    member = access.require_juror(programme, current_user, terms=True)
    info = rounds.jury_round(programme, now())
    item = scorecards.juror_entry(member, entry_id, info.position)
    form = DeclareConflictForm()
    if not form.validate_on_submit():
        flash(_("Say why you have a conflict of interest."), "error")
        return _render_entry(programme, member, item, info, conflict_form=form, status=400)
    with refusal(flash_message=False) as refused:
        jury.declare_conflict(member, item, form.reason.data, now=now())
        flash(
            _("Your conflict of interest is recorded; the entry is no longer on your list."),
            "success",
        )
        return redirect(url_for(".entries", slug=slug))
    _refused(refused)
    return _render_entry(programme, member, item, info, conflict_form=form, status=refused.status)


def _refused(refused: Refused) -> None:
    """A refusal on the entry page: an unknown or barred entry stays a 404 page; any other
    error's message is flashed above the re-rendered page."""
    if refused.error is None:
        return
    if refused.status == 404:
        raise refused.error
    flash(str(refused.error.message), "error")
