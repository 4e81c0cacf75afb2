"""The chair's and admins' leaderboard: every method side by side, shortlisting, ratification.

Every route needs a log-in and `require_chair_or_admin` on the programme (403 otherwise, also
for the chair of another programme). The leaderboard can be read at any time; shortlisting and
ratifying follow the rules in `awards.services.ratification`.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from awards.forms.programmes import METHOD_LABELS
from awards.forms.results import AdvanceForm, RatifyForm, ShortlistForm
from awards.models import Category, Programme
from awards.scoring import METHODS
from awards.services import ratification as decisions
from awards.services import rounds
from awards.services.access import (
    conflicted_decision,
    get_category,
    get_programme,
    results_hidden_from,
)
from awards.services.deliberation import deliberation_open
from awards.services.jury_insight import category_insight
from awards.services.results import load_board_data, resolve_options, visible_board
from awards.services.results_export import export_rows, spreadsheet
from core import caching, confirmation, spreadsheets
from core.clock import now
from core.errors import NotAllowed, NotFound
from core.i18n import current_locale
from core.paging import paginate_list
from core.unit_of_work import refusal

bp = Blueprint("results", __name__, url_prefix="/admin/awards")
#: rows on one page of the leaderboard (and of a ratified result)
LEADERBOARD_PAGE_SIZE = 50


def _guard(slug: str) -> Programme:
    """The programme; NotFound for an unknown slug, NotAllowed unless an admin, or the chair
    once scoring has closed (see `access.results_hidden_from`)."""
    programme = get_programme(slug)
    results_hidden_from(programme, current_user, now=now())
    return programme


def _round_guard(slug: str, round_no: int | None) -> tuple[Programme, rounds.RoundInfo]:
    """The programme and its round `round_no` (None: the final round); NotFound for an
    unknown slug or round, NotAllowed unless an admin, or the chair once that round's
    scoring has closed (`access.results_hidden_from`)."""
    programme = get_programme(slug)
    info = (
        rounds.final_round(programme) if round_no is None else rounds.get_round(programme, round_no)
    )
    results_hidden_from(programme, current_user, now=now(), closes_at=info.scoring_close_at)
    return programme, info


def _named_category(programme: Programme, slug: str) -> Category:
    """The category by slug; NotFound for an unknown one."""
    category = get_category(programme, slug)
    if category is None:
        raise NotFound()
    return category


def tie_break_label(code: str | None, criteria) -> str:
    """The tie-break rule in words (see `awards.scoring`): which rule decided equal totals."""
    if not code:
        return ""
    if code.startswith("criterion:"):
        key = code.split(":", 1)[1]
        names = {c.key: c.name(current_locale()) for c in criteria}
        return _("higher score on %(criterion)s", criterion=names.get(key, key))
    labels = {
        "disagreement": _("lower disagreement between jurors"),
        "scorecards": _("more scorecards"),
        "entry": _("entry reference (alphabetical)"),
    }
    return labels.get(code, code)


def _render(
    programme,
    category,
    method,
    trim,
    *,
    status=200,
    shortlist_form=None,
    ratify_form=None,
    round_no=None,
    advance_form=None,
):
    """The leaderboard page. A ratified category shows its frozen snapshot as the result and,
    when the live ranking no longer matches it (a conflict flagged after ratification), says
    which entries moved and why. Beside the ranking: agreement between jurors and how sure
    the winner is (`jury_insight.category_insight`). A viewer with a conflict
    (`access.results_hidden_from`) sees none of those entries anywhere on the page (the
    figures are computed without them), and no decision forms for a category where they have
    one (`access.conflicted_decision`: an admin decides).

    The board is of one round (`round_no`, None: the final one) with its quorum and
    criteria; a non-final round's board has the chair's form to advance entries of the
    category to the next round instead of the shortlist and ratification."""
    moment = now()
    all_rounds = rounds.rounds_of(programme)
    data = load_board_data(programme, round_no, category=category)
    info = data.round
    method, trim, quorum = resolve_options(programme, method, trim, info.quorum)
    hidden = results_hidden_from(
        programme, current_user, now=moment, closes_at=info.scoring_close_at
    )
    rows, hidden_count = (
        visible_board(
            programme, category, current_user, now=moment, method=method, trim=trim, data=data
        )
        if category
        else ([], 0)
    )
    figures = (
        category_insight(data, category, method=method, trim=trim, quorum=quorum, hidden=hidden)
        if category
        else None
    )
    nominations = decisions.nominations_by_category(programme)
    ratified = decisions.ratifications_by_category(programme)
    ratification = ratified.get(category.id) if category else None
    nominees = [
        n.entry
        for n in (nominations.get(category.id, []) if category else [])
        if n.entry_id not in hidden
    ]
    window_problem = decisions.results_window_problem(programme, moment)
    conflicted = category is not None and conflicted_decision(
        programme, current_user, decisions.category_entry_ids(category)
    )
    late = decisions.late_conflicts(programme)
    result = (
        decisions.ratified_result(programme, ratification, hidden=hidden, data=data, late=late)
        if ratification is not None
        else None
    )
    flagged_ids = {
        r.category_id
        for r in ratified.values()
        if any(flag.data.get("entry_id") not in hidden for flag in late.get(r.id, []))
    }
    shortlist_form = shortlist_form or ShortlistForm(
        formdata=None, entries=[e.id for e in nominees], method=method, trim=trim
    )
    shortlist_form.entries.choices = [
        (row.entry.id, f"{row.entry.ref} · {row.entry.organisation}")
        for row in rows
        if row.result.sufficient
    ]
    ratify_form = ratify_form or RatifyForm(formdata=None, method=method, trim=trim)
    ratify_form.winner.choices = [(e.id, f"{e.ref} · {e.organisation}") for e in nominees]
    advance_problem = None
    if not info.final:
        advance_problem = rounds.advance_problem(programme, info.position + 1, moment)
        advanced = rounds.advanced_ids(programme, info.position + 1)
        advance_form = advance_form or AdvanceForm(
            formdata=None,
            entries=[row.entry.id for row in rows if row.entry.id in advanced],
            method=method,
            trim=trim,
        )
        advance_form.entries.choices = [
            (row.entry.id, f"{row.entry.ref} · {row.entry.organisation}") for row in rows
        ]
        next_round = all_rounds[info.position]
    else:
        advanced, next_round = set(), None
    page = paginate_list(
        range(max(len(rows), len(result.snapshot) if result else 0)),
        size=LEADERBOARD_PAGE_SIZE,
        keep=("category", "round", "method", "trim"),
    )
    return (
        render_template(
            "awards/results/leaderboard.html",
            programme=programme,
            category=category,
            rows=rows,
            page=page,
            page_rows=rows[page.offset : page.offset + page.size],
            snapshot_html=(
                _snapshot_html(category, result, data.criteria, page, hidden)
                if result is not None and info.final
                else ""
            ),
            criteria=data.criteria,
            method=method,
            trim=trim,
            quorum=quorum,
            methods=METHODS,
            method_labels=METHOD_LABELS,
            nominee_ids={e.id for e in nominees},
            ratification=ratification,
            ratified=result,
            winner_hidden=ratification is not None and ratification.winner_entry_id in hidden,
            ratified_ids=set(ratified),
            flagged_ids=flagged_ids,
            window_problem=window_problem,
            conflicted=conflicted,
            hidden_count=hidden_count,
            insight=figures,
            deliberation_open=deliberation_open(programme, info.position, moment),
            shortlist_form=shortlist_form,
            ratify_form=ratify_form,
            tie_break_label=lambda code: tie_break_label(code, data.criteria),
            now=moment,
            rounds=all_rounds,
            readable_rounds=_readable_rounds(programme, all_rounds, moment),
            round=info,
            round_arg=None if info.final else info.position,
            next_round=next_round,
            advanced_ids=advanced,
            advance_form=advance_form,
            advance_problem=advance_problem,
        ),
        status,
    )


def _snapshot_html(category: Category, result, criteria, page, hidden) -> Markup:
    """The ratified result's section on this page of the board, from the page cache: a
    ratification never changes, so it (its id, time, winner, options and the frozen ranking
    itself, already loaded: a row id can come back after a deletion on SQLite), the page,
    the language, the rows left out for this viewer and the names shown beside it
    (category, criteria) make its key."""
    ratification = result.ratification
    parts = (
        ratification.id,
        ratification.ratified_at.isoformat(),
        ratification.winner_entry_id,
        (ratification.method, ratification.trim, ratification.quorum),
        ratification.snapshot,
        current_locale(),
        page.number,
        page.size,
        sorted(hidden),
        category.name_nl,
        category.name_en,
        [(c.key, c.name("nl"), c.name("en")) for c in criteria],
        sorted(page.args.items()),
    )

    def render() -> str:
        return render_template(
            "awards/results/_ratified_snapshot.html",
            ratified=result,
            snapshot_rows=result.snapshot[page.offset : page.offset + page.size],
            category=category,
            criteria=criteria,
            method_labels=METHOD_LABELS,
            page=page,
        )

    return Markup(caching.fragment("leaderboard-snapshot", parts, render))


def _readable_rounds(programme: Programme, all_rounds, moment) -> set[int]:
    """The rounds whose board the viewer may open now (`access.results_hidden_from`): an
    admin every one, the chair those whose scoring has closed."""
    readable = set()
    for info in all_rounds:
        try:
            results_hidden_from(
                programme, current_user, now=moment, closes_at=info.scoring_close_at
            )
        except NotAllowed:
            continue
        readable.add(info.position)
    return readable


@bp.get("/<slug>/results")
@login_required
def leaderboard(slug: str):
    """The leaderboard of one category (`?category=`, default the first) in one round
    (`?round=`, default the final one), `?method=&trim=`.

    400 for an unknown method or a bad trim, 404 for an unknown category or round; the
    chair sees a round's board once its scoring has closed."""
    round_no = request.args.get("round", type=int)
    programme, info = _round_guard(slug, round_no)
    category = get_category(programme, request.args.get("category"))
    return _render(
        programme,
        category,
        request.args.get("method"),
        request.args.get("trim"),
        round_no=info.position,
    )


def _export(slug: str, fmt: str):
    """Every category's leaderboard (`?method=&trim=`) as a `core.spreadsheets` download."""
    programme = get_programme(slug)
    fields, rows = export_rows(
        programme,
        method=request.args.get("method"),
        trim=request.args.get("trim"),
        viewer=current_user,
        now=now(),
        comments=True,
    )
    return spreadsheets.download(
        spreadsheet(fields, rows),
        fmt,
        filename=f"{programme.slug}-results",
        locale=current_locale(),
    )


@bp.get("/<slug>/results.csv")
@login_required
def export(slug: str):
    """Every category's leaderboard as CSV (the columns of `flask awards results`) in the
    reader's spreadsheet format: ";" and decimal commas in Dutch, "," and points in English."""
    return _export(slug, "csv")


@bp.get("/<slug>/results.xlsx")
@login_required
def export_xlsx(slug: str):
    """Every category's leaderboard as an XLSX workbook (numbers as numbers)."""
    return _export(slug, "xlsx")


def _back(programme, category, form):
    return redirect(
        url_for(
            ".leaderboard",
            slug=programme.slug,
            category=category.slug,
            method=form.method.data or None,
            trim=form.trim.data or None,
        )
    )


def _refused(programme, category, form, status: int, **forms):
    return _render(programme, category, form.method.data, form.trim.data, status=status, **forms)


@bp.post("/<slug>/results/<category_slug>/shortlist")
@login_required
def shortlist(slug: str, category_slug: str):
    """Replace the category's shortlist with the ticked entries (rules: ratification service)."""
    programme = _guard(slug)
    category = _named_category(programme, category_slug)
    form = ShortlistForm()
    if not form.validate_on_submit():
        flash(_("The shortlist could not be read. Please try again."), "error")
        return _render(programme, category, None, None, status=400, shortlist_form=form)
    with refusal() as refused:
        decisions.shortlist(
            programme, category, form.entries.data or [], actor=current_user, now=now()
        )
        flash(_("The shortlist has been saved."), "success")
        return _back(programme, category, form)
    return _refused(programme, category, form, refused.status, shortlist_form=form)


@bp.post("/<slug>/results/<category_slug>/ratify")
@login_required
def ratify(slug: str, category_slug: str):
    """Ratify the chosen nominee as the category's winner, freezing its results."""
    programme = _guard(slug)
    category = _named_category(programme, category_slug)
    form = RatifyForm()
    if not form.validate_on_submit():
        flash(_("Choose the winner among the nominees."), "error")
        return _render(programme, category, None, None, status=400, ratify_form=form)
    if not confirmation.confirmed():
        with refusal() as refused:
            decisions.require_decidable(programme, category, current_user, now())
            winner = decisions.nominee(category, form.winner.data)
            return _ask_ratify(programme, category, winner, form)
        return _refused(programme, category, form, refused.status, ratify_form=form)
    with refusal() as refused:
        decisions.ratify(
            programme,
            category,
            form.winner.data,
            actor=current_user,
            now=now(),
            method=form.method.data or None,
            trim=form.trim.data or None,
            citation_nl=form.citation_nl.data or "",
            citation_en=form.citation_en.data or "",
        )
        flash(_("The winner has been ratified."), "success")
        return _back(programme, category, form)
    return _refused(programme, category, form, refused.status, ratify_form=form)


def _ask_ratify(programme: Programme, category: Category, winner, form: RatifyForm):
    """The confirmation step of a ratification: it freezes the category for good."""
    method, _trim, _quorum = resolve_options(programme, form.method.data, form.trim.data)
    return confirmation.ask(
        _(
            "Ratify %(organisation)s as the winner of %(category)s?",
            organisation=winner.organisation,
            category=category.name(current_locale()),
        ),
        details=(
            f"{winner.ref} · {winner.title}",
            _(
                "The ranking by %(method)s is frozen with the winner; after ratification this "
                "category cannot change.",
                method=METHOD_LABELS[method],
            ),
        ),
        button=_("Ratify"),
        back=url_for(
            ".leaderboard",
            slug=programme.slug,
            category=category.slug,
            method=form.method.data or None,
            trim=form.trim.data or None,
        ),
        keep=("winner", "citation_nl", "citation_en", "method", "trim"),
    )


@bp.post("/<slug>/results/rounds/<int:round_no>/<category_slug>/advance")
@login_required
def advance(slug: str, round_no: int, category_slug: str):
    """The chair (or an admin) chooses the category's entries that go from round `round_no`
    to the next one: ticked ones advance, unticked ones are taken back (audited). Refused
    before the round closed, once the next round opened, for the final round (404) and for
    an entry the actor has a conflict with (403, `rounds.advance`)."""
    programme, info = _round_guard(slug, round_no)
    category = _named_category(programme, category_slug)
    if info.final:
        raise NotFound()
    form = AdvanceForm()
    if not form.validate_on_submit():
        flash(_("The choice could not be read. Please try again."), "error")
        return _render(
            programme, category, None, None, status=400, round_no=round_no, advance_form=form
        )
    with refusal(form) as refused:
        added, removed = rounds.advance(
            programme,
            category,
            round_no + 1,
            form.entries.data or [],
            actor=current_user,
            now=now(),
        )
        flash(
            _(
                "Saved: %(added)s entries advanced, %(removed)s taken back.",
                added=len(added),
                removed=len(removed),
            ),
            "success",
        )
        return redirect(
            url_for(
                ".leaderboard",
                slug=programme.slug,
                category=category.slug,
                round=round_no,
                method=form.method.data or None,
                trim=form.trim.data or None,
            )
        )
    return _render(
        programme,
        category,
        form.method.data,
        form.trim.data,
        status=refused.status,
        round_no=round_no,
        advance_form=form,
    )
