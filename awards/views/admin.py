"""The admin area for awards (blueprint `awards_admin`): the dashboard, a programme's overview,
entries with screening, and the CSV/XLSX export. The set-up forms (programmes, categories,
criteria) are on `awards.views.admin_setup`.

Every view is for staff and admins (`staff_required`: anonymous visitors go to the login page,
other users get 403). Entries are looked up within their programme.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from awards.forms.entries import ScreeningForm
from awards.forms.programmes import METHOD_LABELS
from awards.models import ENTRY_STATES, Programme
from awards.services import access, criteria, programmes, questions, screening
from awards.services import entries as entry_rules
from awards.services import ratification as decisions
from awards.timeline import Timeline
from core import spreadsheets
from core.accounts.auth import staff_required
from core.audit.services import record
from core.clock import now
from core.extensions import db
from core.i18n import current_locale
from core.paging import paginate_list
from core.unit_of_work import refusal

bp = Blueprint("awards_admin", __name__, url_prefix="/admin")
#: entries on one page of the admin list
ENTRIES_PER_PAGE = 100
PHASE_LABELS = {
    "upcoming": _l("Not yet open"),
    "submissions": _l("Open for submissions"),
    "screening": _l("Screening"),
    "scoring": _l("Jury scoring"),
    "deliberation": _l("Deliberation"),
    "published": _l("Results published"),
}


@bp.get("")
@staff_required
def dashboard():
    found = db.session.scalars(db.select(Programme).order_by(Programme.submissions_open_at.desc()))
    tools = {}
    if current_user.is_admin:  # the outbox and the audit log are admin pages
        tools = {
            _l("Users"): url_for("users_admin.index"),
            _l("Outbox"): url_for("outbox.index"),
            _l("Audit log"): url_for("audit.index"),
        }
    return render_template(
        "awards/admin/dashboard.html", programmes=list(found), tools=tools, now=now()
    )


@bp.get("/programmes/<slug>")
@staff_required
def programme(slug):
    """One programme: timeline and phase, categories with entry counts, criteria, tools, and a
    flag when conflicts were recorded after a category's ratification."""
    programme = access.get_programme(slug)
    links = {
        _l("Entry form questions"): url_for("awards_questions.list_questions", slug=slug),
        _l("Jury"): url_for("jury_admin.members", slug=slug),
        _l("Conflicts of interest"): url_for("jury_admin.conflicts", slug=slug),
        _l("Scoring progress"): url_for("jury_admin.progress", slug=slug),
        _l("Jury panels"): url_for("awards_panels.panels_page", slug=slug),
        _l("Results"): url_for("results.leaderboard", slug=slug),
        _l("Copy to next edition"): url_for("awards_editions.next_edition", slug=slug),
        _l("Messages"): url_for("messages.index", slug=slug),
    }
    return render_template(
        "awards/admin/programme.html",
        programme=programme,
        phase_label=PHASE_LABELS[Timeline.of(programme).phase(now())],
        method_label=METHOD_LABELS.get(programme.method, programme.method),
        counts=programmes.entry_counts(programme),
        locked=criteria.scoring_started(programme),
        links=links,
        late_conflicts=sum(len(found) for found in decisions.late_conflicts(programme).values()),
    )


@bp.get("/programmes/<slug>/entries")
@staff_required
def entries(slug):
    """The programme's entries, filtered by `?status=&category=`, `ENTRIES_PER_PAGE` a page
    (`?page=`, 404 past the last page; the exports hold them all)."""
    programme = access.get_programme(slug)
    status, category_id = _filters(programme)
    page = paginate_list(
        screening.admin_entries(programme, status=status, category_id=category_id),
        size=ENTRIES_PER_PAGE,
    )
    return render_template(
        "awards/admin/entries.html",
        programme=programme,
        entries=page.items,
        page=page,
        status=status,
        category_id=category_id,
        states=ENTRY_STATES,
        state_labels=entry_rules.STATE_LABELS,
        label=entry_rules.status_label,
    )


@bp.get("/programmes/<slug>/entries/<int:entry_id>")
@staff_required
def entry(slug, entry_id):
    programme = access.get_programme(slug)
    return _entry_page(programme, access.get_entry(programme, entry_id), ScreeningForm())


@bp.post("/programmes/<slug>/entries/<int:entry_id>/screen")
@staff_required
def screen_entry(slug, entry_id):
    """Mark a submitted entry eligible or ineligible (reason required); re-screening allowed."""
    programme = access.get_programme(slug)
    entry = access.get_entry(programme, entry_id)
    form = ScreeningForm()
    if form.validate_on_submit():
        with refusal(form):
            screening.screen_entry(
                entry,
                current_user,
                outcome=form.outcome.data,
                reason=form.reason.data or "",
                now=now(),
            )
            flash(
                _l(
                    "%(ref)s is now: %(status)s",
                    ref=entry.ref,
                    status=entry_rules.status_label(entry),
                ),
                "success",
            )
            return redirect(url_for(".entries", slug=slug))
    return _entry_page(programme, entry, form), 400


def _export_entries(slug: str, fmt: str):
    """The (filtered) entries as a `core.spreadsheets` download; recorded in the audit log."""
    programme = access.get_programme(slug)
    status, category_id = _filters(programme)
    found = screening.admin_entries(programme, status=status, category_id=category_id)
    record(
        "entries.exported",
        programme,
        now=now(),
        actor=current_user,
        scope=programme,
        count=len(found),
        status=status or "",
        format=fmt,
    )
    return spreadsheets.download(
        screening.export_table(found, questions.programme_questions(programme)),
        fmt,
        filename=f"{programme.slug}-entries",
        locale=current_locale(),
    )


@bp.get("/programmes/<slug>/entries.csv")
@staff_required
def export_entries(slug):
    """The (filtered) entries as CSV in the reader's spreadsheet format (`core.spreadsheets`);
    the export is recorded in the audit log."""
    return _export_entries(slug, "csv")


@bp.get("/programmes/<slug>/entries.xlsx")
@staff_required
def export_entries_xlsx(slug):
    """The (filtered) entries as an XLSX workbook; the export is recorded in the audit log."""
    return _export_entries(slug, "xlsx")


def _entry_page(programme, entry, form):
    return render_template(
        "awards/admin/entry.html",
        programme=programme,
        entry=entry,
        form=form,
        label=entry_rules.status_label,
        screenable=screening.screenable(entry),
        answers=questions.asked_answers(entry),
    )


def _filters(programme: Programme) -> tuple[str | None, int | None]:
    status = request.args.get("status") or None
    category_id = request.args.get("category", type=int)
    if status not in ENTRY_STATES:
        status = None
    if category_id not in {c.id for c in programme.categories}:
        category_id = None
    return status, category_id
