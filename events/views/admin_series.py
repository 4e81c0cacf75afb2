"""Series and copies for staff (blueprint `events_series`, under /admin/events).

Series: the list (`series_list`), create (`create_series`), change with its talks
(`edit_series`), delete (`delete_series`: asks first; its talks stay, detached). An event:
which series it is in (`event_series`), a copy with its dates moved (`copy_event`) and a
series of recurring talks made from it in one go (`make_recurring`). The copy and the series
forms show a preview first (every date before and after; the talks to be made) with a button
that posts the same values again with ``confirmed=1``; only that POST writes (one
transaction) and goes to the copy / the series. A refused value re-renders the form with its
message and status 400, nothing written. Every view is for staff and admins
(`staff_required`); views read the clock once and call `events.services.series` / `copies`.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from core import confirmation
from core.accounts.auth import staff_required
from core.clock import local, now
from core.errors import InvalidInput
from core.i18n import current_locale
from core.unit_of_work import refusal
from events.forms.series import (
    NEW_SERIES,
    CopyForm,
    EventSeriesForm,
    RecurringForm,
    SeriesForm,
    series_choices,
)
from events.models import Event
from events.recurrence import days_until, next_date
from events.services import admin, copies, series

bp = Blueprint("events_series", __name__, url_prefix="/admin/events")


# --- series ----------------------------------------------------------------------------------


@bp.get("/series/")
@staff_required
def series_list():
    """Every series with its number of talks (one query)."""
    return render_template("events/admin/series_list.html", rows=series.list_series())


@bp.route("/series/new", methods=["GET", "POST"])
@staff_required
def create_series():
    """Create a series; 400 with the messages on the form when refused."""
    form = SeriesForm()
    if form.validate_on_submit():
        with refusal(form):
            made = series.save_series(form.to_data(), actor=current_user, now=now())
            flash(_("Series created."), "success")
            return redirect(url_for(".edit_series", series_id=made.id))
    status = 400 if form.is_submitted() else 200
    return render_template("events/admin/series_form.html", form=form, series=None), status


@bp.route("/series/<int:series_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_series(series_id: int):
    """Change a series (404 for an unknown id) and see its talks, published or not."""
    found = series.get_series(series_id)
    form = SeriesForm() if request.method == "POST" else SeriesForm.for_series(found)
    if form.validate_on_submit():
        with refusal(form):
            series.save_series(form.to_data(), series=found, actor=current_user, now=now())
            flash(_("Series saved."), "success")
            return redirect(url_for(".edit_series", series_id=series_id))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "events/admin/series_form.html", form=form, series=found, talks=series.talks(found)
    ), status


@bp.post("/series/<int:series_id>/delete")
@staff_required
def delete_series(series_id: int):
    """Delete a series after asking; its talks stay (outside any series)."""
    found = series.get_series(series_id)
    if not confirmation.confirmed():
        return confirmation.ask(
            _("Delete series %(title)s?", title=found.title(current_locale())),
            details=(_("The series is deleted; its talks stay, outside any series."),),
            button=_("Delete series"),
            back=url_for(".edit_series", series_id=series_id),
        )
    with refusal():
        series.delete_series(found, actor=current_user, now=now())
        flash(_("Series deleted."), "success")
        return redirect(url_for(".series_list"))
    return redirect(url_for(".edit_series", series_id=series_id))


# --- an event's series -----------------------------------------------------------------------


@bp.route("/<int:event_id>/series", methods=["GET", "POST"])
@staff_required
def event_series(event_id: int):
    """Put the event in a series or take it out (choice 0); 404 for an unknown event."""
    event = admin.get_event(event_id)
    all_series = [s for s, _n in series.list_series()]
    if request.method == "POST":
        form = EventSeriesForm()
    else:
        form = EventSeriesForm(formdata=None, data={"series_id": event.series_id or 0})
    form.series_id.choices = series_choices(all_series, none_label=_l("No series"))
    if form.validate_on_submit():
        chosen = next((s for s in all_series if s.id == form.series_id.data), None)
        series.set_series(event, chosen, actor=current_user, now=now())
        flash(_("Series saved."), "success")
        return redirect(url_for(".event_series", event_id=event_id))
    status = 400 if form.is_submitted() else 200
    return render_template("events/admin/event_series.html", form=form, event=event), status


# --- a copy ----------------------------------------------------------------------------------


@bp.route("/<int:event_id>/copy", methods=["GET", "POST"])
@staff_required
def copy_event(event_id: int):
    """The copy form, its preview, and (confirmed) the copy; 404 for an unknown event."""
    event = admin.get_event(event_id)
    if request.method == "GET":
        suggestion = {"slug": f"{event.slug}-2"[:80], "title_nl": event.title_nl,
                      "title_en": event.title_en, "shift_days": 7}  # fmt: skip
        return _copy_page(event, CopyForm(formdata=None, data=suggestion))
    form = CopyForm()
    if not form.validate_on_submit():
        return _copy_page(event, form, status=400)
    days = (
        days_until(event.starts_at, form.start_date.data)
        if form.start_date.data
        else form.shift_days.data
    )
    current = now()
    values = {"slug": form.slug.data, "title_nl": form.title_nl.data,
              "title_en": form.title_en.data, "days": days}  # fmt: skip
    with refusal(form) as refused:
        if days is None:
            raise InvalidInput({"start_date": _l("Enter a new date or a number of days.")})
        problems = copies.copy_problems(event, **values, now=current)
        if problems:
            raise InvalidInput({"start_date" if k == "shift_days" and form.start_date.data
                                else k: v for k, v in problems.items()})  # fmt: skip
        if not confirmation.confirmed():
            preview = copies.shifted_moments(event, days, current_locale())
            return _copy_page(event, form, preview=preview, days=days)
        copy = copies.copy_event(event, **values, actor=current_user, now=current)
        flash(_("The copy is made. It is not published yet: check it and tick “Published”."),
              "success")  # fmt: skip
        return redirect(url_for("events_admin.edit_event", event_id=copy.id))
    return _copy_page(event, form, status=refused.status)


def _copy_page(event: Event, form: CopyForm, *, preview=None, days=None, status: int = 200):
    return render_template(
        "events/admin/copy.html", event=event, form=form, preview=preview, days=days
    ), status


# --- a series of recurring talks -------------------------------------------------------------


@bp.route("/<int:event_id>/recurring", methods=["GET", "POST"])
@staff_required
def make_recurring(event_id: int):
    """Make a series of recurring talks from this event: form, preview, (confirmed) made."""
    event = admin.get_event(event_id)
    all_series = [s for s, _n in series.list_series()]
    if request.method == "GET":
        day = local(event.starts_at).date()
        data = {
            "series": event.series_id or NEW_SERIES,
            "interval": "monthly",
            "count": 3,
            "first_date": next_date(day, "monthly"),
            "slug_prefix": event.slug[:58],
        }
        form = RecurringForm(formdata=None, data=data)
    else:
        form = RecurringForm()
    form.series.choices = series_choices(all_series, none_label=_l("A new series (below)"))
    if request.method == "GET":
        return _recurring_page(event, form)
    if not form.validate_on_submit():
        return _recurring_page(event, form, status=400)
    chosen = next((s for s in all_series if s.id == form.series.data), None)
    values = {
        "first": form.first_date.data,
        "count": form.count.data,
        "interval": form.interval.data,
        "slug_prefix": form.slug_prefix.data,
    }
    current = now()
    with refusal(form) as refused:
        problems = series.recurring_problems(
            event, **values, new_series=form.new_series(), now=current
        )
        if problems:
            raise InvalidInput(problems, code="invalid_recurring")
        if not confirmation.confirmed():
            planned = series.plan(event, first=values["first"], count=values["count"],
                                  interval=values["interval"],
                                  slug_prefix=values["slug_prefix"].strip())  # fmt: skip
            return _recurring_page(event, form, planned=planned, chosen=chosen)
        made, talks = series.make_recurring(event, series=chosen, new_series=form.new_series(),
                                            **values, actor=current_user, now=current)  # fmt: skip
        flash(ngettext("%(num)s talk made in %(series)s. They are not published yet.",
                       "%(num)s talks made in %(series)s. They are not published yet.",
                       len(talks), series=made.title(current_locale())), "success")  # fmt: skip
        return redirect(url_for(".edit_series", series_id=made.id))
    return _recurring_page(event, form, status=refused.status)


def _recurring_page(event, form, *, planned=None, chosen=None, status: int = 200):
    return render_template(
        "events/admin/recurring.html", event=event, form=form, planned=planned, chosen=chosen
    ), status
