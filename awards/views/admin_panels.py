"""The admin's panels and assignments of a programme (blueprint `awards_panels`, under
/admin): the panels with their members and, per round, their categories and entries; and per
round its assignment (from the panels, or automatic with a number of jurors per entry), the
table of who scores what and every juror's load. The rules are `awards.services.panels` and
`awards.services.assignment`.

Staff and admins (`staff_required`): the chair follows the panels' progress on the progress page
but does not set them up (like the jury itself, which the admin invites). An unknown
programme, panel, member, scope or round is a 404. Removing and deleting ask first
(`core.confirmation`), and so does assigning a round that has assignments (it may take
entries from jurors). A refused rule re-renders the page with the message and a 4xx
status; nothing changes then.

These are set-up pages like screening, not jury pages: they show who scores which entry,
never a score, so an admin who is also a juror sees every entry here.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from awards.forms.panels import AssignForm, PanelForm, PanelMemberForm, ScopeForm
from awards.services import access, assignment, panels
from core import confirmation
from core.accounts.auth import staff_required
from core.clock import now
from core.errors import NotFound
from core.i18n import current_locale
from core.unit_of_work import refusal

bp = Blueprint("awards_panels", __name__, url_prefix="/admin/programmes/<slug>")
PANEL = "/panels/<int:panel_id>"
MODE_LABELS = {
    "all": _l("Scored by the whole jury"),
    "panels": _l("Scored by panels"),
    "auto": _l("Assigned automatically"),
}


# --- panels ---------------------------------------------------------------------------------


def _panels_page(programme, status=200, **forms):
    rounds = panels.round_numbers(programme)
    locale = current_locale()
    views = panels.programme_panels(programme)
    jury = sorted(programme.jury, key=lambda m: (m.user.name.casefold(), m.id))
    round_choices = [(n, _("Round %(n)s", n=n)) for n in rounds]
    category_choices = [("", _("(none)"))] + [(c.id, c.name(locale)) for c in programme.categories]
    entry_choices = [
        (e.id, f"{e.ref} · {e.organisation}") for e in panels.scopable_entries(programme)
    ]
    scope_forms = [ScopeForm(formdata=None)]
    if forms.get("scope_form") is not None:
        scope_forms.append(forms["scope_form"])
    for form in scope_forms:
        form.round_no.choices = round_choices
        form.category_id.choices = category_choices
        form.entry_ids.choices = entry_choices
    member_forms = {}
    for view in views:  # each panel offers the jurors not on it yet
        failed = forms.get("failed_panel") == view.panel.id and forms.get("member_form")
        form = failed or PanelMemberForm(formdata=None)
        on_it = {row.jury_member_id for row in view.members}
        form.member_id.choices = [(m.id, m.user.name) for m in jury if m.id not in on_it]
        member_forms[view.panel.id] = form
    return render_template(
        "awards/admin/panels.html",
        programme=programme,
        panels=views,
        rounds=[(n, MODE_LABELS[assignment.round_mode(programme, n)]) for n in rounds],
        new_form=forms.get("new_form") or PanelForm(formdata=None),
        rename_forms={
            v.panel.id: (
                forms["rename_form"]
                if forms.get("rename_for") == v.panel.id
                else PanelForm(formdata=None, data={"name": v.panel.name})
            )
            for v in views
        },
        member_forms=member_forms,
        fresh_scope=scope_forms[0],
        scope_form=scope_forms[-1],
        failed_panel=forms.get("failed_panel"),
        locale=locale,
    ), status


@bp.get("/panels")
@staff_required
def panels_page(slug: str):
    """The programme's panels with their members and scopes, and the forms to change them."""
    return _panels_page(access.get_programme(slug))


def _back(slug: str):
    return redirect(url_for(".panels_page", slug=slug))


@bp.post("/panels/new")
@staff_required
def create_panel(slug: str):
    programme = access.get_programme(slug)
    form = PanelForm()
    if not form.validate_on_submit():
        return _panels_page(programme, 400, new_form=form)
    with refusal(form) as refused:
        panel = panels.create_panel(programme, form.name.data, actor=current_user, now=now())
        flash(_("Panel %(name)s created.", name=panel.name), "success")
        return _back(slug)
    return _panels_page(programme, refused.status, new_form=form)


@bp.post(f"{PANEL}/rename")
@staff_required
def rename_panel(slug: str, panel_id: int):
    programme = access.get_programme(slug)
    panel = panels.get_panel(programme, panel_id)
    form = PanelForm()
    failed = {"rename_form": form, "rename_for": panel.id}
    if not form.validate_on_submit():
        return _panels_page(programme, 400, **failed)
    with refusal(form) as refused:
        panels.rename_panel(panel, form.name.data, actor=current_user, now=now())
        flash(_("Panel renamed."), "success")
        return _back(slug)
    return _panels_page(programme, refused.status, **failed)


@bp.post(f"{PANEL}/delete")
@staff_required
def delete_panel(slug: str, panel_id: int):
    """Delete a panel (after a confirmation step); refused once its jurors started scoring
    its entries."""
    programme = access.get_programme(slug)
    panel = panels.get_panel(programme, panel_id)
    if not confirmation.confirmed():
        return confirmation.ask(
            _("Delete panel %(name)s?", name=panel.name),
            details=(
                _(
                    "Its members and its categories and entries per round go with it. The "
                    "assignments made from it stay until you assign the round again."
                ),
            ),
            button=_("Delete panel"),
            back=url_for(".panels_page", slug=slug),
        )
    name = panel.name
    with refusal() as refused:
        panels.delete_panel(panel, actor=current_user, now=now())
        flash(_("Panel %(name)s deleted.", name=name), "success")
        return _back(slug)
    return _panels_page(programme, refused.status)


@bp.post(f"{PANEL}/members")
@staff_required
def add_member(slug: str, panel_id: int):
    """Put a juror of this programme's jury on the panel."""
    programme = access.get_programme(slug)
    panel = panels.get_panel(programme, panel_id)
    form = PanelMemberForm()
    form.member_id.choices = []
    failed = {"member_form": form, "failed_panel": panel.id}
    if not form.validate_on_submit():
        return _panels_page(programme, 400, **failed)
    with refusal(form) as refused:
        panels.add_member(panel, form.member_id.data, actor=current_user, now=now())
        flash(_("Juror added to %(name)s.", name=panel.name), "success")
        return _back(slug)
    return _panels_page(programme, refused.status, **failed)


@bp.post(f"{PANEL}/members/<int:row_id>/remove")
@staff_required
def remove_member(slug: str, panel_id: int, row_id: int):
    programme = access.get_programme(slug)
    panel = panels.get_panel(programme, panel_id)
    row = panels.get_panel_member(panel, row_id)
    who = row.jury_member.user.name
    if not confirmation.confirmed():
        return confirmation.ask(
            _("Take %(who)s off panel %(name)s?", who=who, name=panel.name),
            details=(
                _(
                    "Their assignments stay until you assign the round again; those they "
                    "have started a scorecard on stay after that too."
                ),
            ),
            button=_("Take off the panel"),
            back=url_for(".panels_page", slug=slug),
        )
    with refusal() as refused:
        panels.remove_member(panel, row, actor=current_user, now=now())
        flash(_("%(who)s is no longer on %(name)s.", who=who, name=panel.name), "success")
        return _back(slug)
    return _panels_page(programme, refused.status)


@bp.post(f"{PANEL}/scopes")
@staff_required
def add_scope(slug: str, panel_id: int):
    """Give the panel a whole category or some entries in a round."""
    programme = access.get_programme(slug)
    panel = panels.get_panel(programme, panel_id)
    form = ScopeForm()
    form.round_no.choices, form.category_id.choices, form.entry_ids.choices = [], [], []
    failed = {"scope_form": form, "failed_panel": panel.id}
    if not form.validate_on_submit():
        return _panels_page(programme, 400, **failed)
    with refusal(form) as refused:
        added = panels.add_scopes(
            panel,
            form.round_no.data,
            category_id=form.category_id.data,
            entry_ids=[i for i in form.entry_ids.data or [] if i is not None],
            actor=current_user,
            now=now(),
        )
        flash(
            ngettext(
                "%(num)s thing added for %(name)s to judge.",
                "%(num)s things added for %(name)s to judge.",
                len(added),
                name=panel.name,
            ),
            "success",
        )
        return _back(slug)
    return _panels_page(programme, refused.status, **failed)


@bp.post(f"{PANEL}/scopes/<int:scope_id>/remove")
@staff_required
def remove_scope(slug: str, panel_id: int, scope_id: int):
    programme = access.get_programme(slug)
    panel = panels.get_panel(programme, panel_id)
    scope = panels.get_scope(panel, scope_id)
    if not confirmation.confirmed():
        return confirmation.ask(
            _(
                "Take this away from panel %(name)s in round %(n)s?",
                name=panel.name,
                n=scope.round_no,
            ),
            details=(_("The assignments made from it stay until you assign the round again."),),
            button=_("Take away"),
            back=url_for(".panels_page", slug=slug),
        )
    with refusal() as refused:
        panels.remove_scope(panel, scope, actor=current_user, now=now())
        flash(_("Taken away from %(name)s.", name=panel.name), "success")
        return _back(slug)
    return _panels_page(programme, refused.status)


# --- assignment per round -------------------------------------------------------------------


def _round(programme, round_no: int) -> int:
    if round_no not in panels.round_numbers(programme):
        raise NotFound()
    return round_no


def _assignment_page(programme, round_no, form=None, status=200, report=None):
    table = assignment.assignment_table(programme, round_no)
    if form is None:
        form = AssignForm(formdata=None, data={"k": table.jurors_per_entry})
    return render_template(
        "awards/admin/assignment.html",
        programme=programme,
        table=table,
        mode_label=MODE_LABELS[table.mode],
        form=form,
        report=report,
        locale=current_locale(),
    ), status


@bp.get("/rounds/<int:round_no>/assignment")
@staff_required
def assignment_page(slug: str, round_no: int):
    """Who scores which entry of the round, each juror's load, and the assign action."""
    programme = access.get_programme(slug)
    return _assignment_page(programme, _round(programme, round_no))


@bp.post("/rounds/<int:round_no>/assign")
@staff_required
def assign(slug: str, round_no: int):
    """Assign the round: from its panels, or automatically with the jurors per entry typed.
    Asks first when the round has assignments already; then says what changed."""
    programme = access.get_programme(slug)
    round_no = _round(programme, round_no)
    form = AssignForm()
    if not form.validate_on_submit():
        return _assignment_page(programme, round_no, form, 400)
    table = assignment.assignment_table(programme, round_no)
    if any(jurors for _entry, jurors in table.rows) and not confirmation.confirmed():
        return confirmation.ask(
            _("Assign round %(n)s again?", n=round_no),
            details=(
                _(
                    "Assignments nobody has started a scorecard on may move to other jurors "
                    "or go; those with a scorecard stay."
                ),
            ),
            button=_("Assign again"),
            back=url_for(".assignment_page", slug=slug, round_no=round_no),
            keep=("k",),
        )
    with refusal(form) as refused:
        if table.mode == "auto":
            report = assignment.assign_automatically(
                programme, round_no, form.k.data, actor=current_user, now=now()
            )
        else:
            report = assignment.assign_from_panels(
                programme, round_no, actor=current_user, now=now()
            )
        _flash_report(report)
        return redirect(url_for(".assignment_page", slug=slug, round_no=round_no))
    return _assignment_page(programme, round_no, form, refused.status)


def _flash_report(report) -> None:
    flash(
        _(
            "Round %(n)s assigned: %(added)s added, %(removed)s removed, %(kept)s kept because "
            "their juror started a scorecard; %(total)s assignments in all.",
            n=report.round_no,
            added=report.added,
            removed=report.removed,
            kept=report.kept_started,
            total=report.total,
        ),
        "success",
    )
    if report.detected:
        flash(
            ngettext(
                "%(num)s new conflict of interest was detected and respected.",
                "%(num)s new conflicts of interest were detected and respected.",
                report.detected,
            ),
            "info",
        )
    short = [_("%(ref)s (%(n)s short)", ref=e.ref, n=n) for e, n in report.short if n]
    if short:
        flash(
            _("Too few jurors without a conflict for: %(entries)s.", entries=", ".join(short)),
            "error",
        )
    unjudged = [e.ref for e, n in report.short if not n] + [e.ref for e in report.uncovered]
    if unjudged:
        flash(
            _("No juror scores these entries: %(entries)s.", entries=", ".join(unjudged)),
            "error",
        )
