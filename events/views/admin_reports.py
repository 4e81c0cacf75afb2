"""Reports and funnel figures for staff (blueprint `events_reports`, /admin/events/...).

- `/<event_id>/report` — an event's registrations by state and ticket type, turnout, revenue
  per VAT rate (invoices minus credit notes, reverse charge apart) and per member
  organisation, with a chart; `.csv` / `.xlsx` the same figures.
- `/reports/<year>` — the same for the events starting in that Amsterdam year, plus a row per
  event; a year switcher; `.csv` / `.xlsx`.
- `/<event_id>/funnel` — the event's See → Think → Do → Care counts over a day range
  (`?from=` / `?to=`, ISO dates; by default the 30 days up to the event's start, widened to
  every day with figures), with the conversion of each step, and the figures per day.
- `/funnel/<year>` — the funnels of a year's events side by side; `.csv` / `.xlsx`.

Every view is for staff and admins (`staff_required`); the figures come from
`events.services.reports` and `events.services.funnel` (aggregate queries only) and the
charts from `events.charts` (inline SVG, no script).
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, render_template, request
from flask_babel import format_date
from flask_babel import gettext as _

from core import spreadsheets
from core.accounts.auth import staff_required
from core.clock import local, now
from core.i18n import current_locale, format_number
from core.labels import label as code_label
from core.money import format_eur
from events.charts import Bar, bar_chart
from events.services import admin, funnel, reports

bp = Blueprint("events_reports", __name__, url_prefix="/admin/events")
#: how many days before an event's start its funnel shows by default
DEFAULT_DAYS = 30


def _year(year: int) -> int:
    if not reports.FIRST_YEAR <= year <= reports.LAST_YEAR:
        abort(404)
    return year


def _percent(value) -> str:
    return "–" if value is None else f"{format_number(value)}%"


# --- reports ----------------------------------------------------------------------------------


def _ticket_chart(report: reports.Report, locale: str, title: str):
    return bar_chart(
        [Bar(t.label(locale), t.confirmed, str(t.confirmed)) for t in report.tickets],
        title=title,
    )


@bp.get("/<int:event_id>/report")
@staff_required
def event_report(event_id: int):
    """One event's figures (a fixed number of queries, whatever the registrations)."""
    event = admin.get_event(event_id)
    locale = current_locale()
    report = reports.event_report(event, locale=locale)
    chart = _ticket_chart(report, locale, _("Confirmed registrations per ticket type"))
    return render_template(
        "events/admin/report.html",
        event=event,
        report=report,
        chart=chart,
        format_eur=format_eur,
        percent=_percent,
        year=local(event.starts_at).year,
    )


def _event_download(event_id: int, fmt: str):
    event = admin.get_event(event_id)
    locale = current_locale()
    report = reports.event_report(event, locale=locale)
    return spreadsheets.download(
        reports.spreadsheet(report, locale=locale, title=_("Report")),
        fmt,
        filename=f"{event.slug}-report",
        locale=locale,
    )


@bp.get("/<int:event_id>/report.csv")
@staff_required
def event_report_csv(event_id: int):
    """The event's report as CSV in the reader's spreadsheet format."""
    return _event_download(event_id, "csv")


@bp.get("/<int:event_id>/report.xlsx")
@staff_required
def event_report_xlsx(event_id: int):
    """The event's report as an XLSX workbook with typed cells."""
    return _event_download(event_id, "xlsx")


@bp.get("/reports/")
@staff_required
def reports_index():
    """This year's report."""
    return _year_page(local(now()).year)


@bp.get("/reports/<int:year>")
@staff_required
def year_report(year: int):
    """The figures of the events starting in Amsterdam's year `year`, together and per event."""
    return _year_page(_year(year))


def _year_page(year: int):
    locale = current_locale()
    events, report = reports.year_report(year, locale=locale)
    chart = bar_chart(
        [Bar(row.event.title(locale), row.confirmed, str(row.confirmed)) for row in report.events],
        title=_("Confirmed registrations per event in %(year)s", year=year),
    )
    ticket_chart = _ticket_chart(report, locale, _("Confirmed registrations per ticket type"))
    return render_template(
        "events/admin/year_report.html",
        ticket_chart=ticket_chart,
        year=year,
        years=reports.report_years(local(now()).year),
        events=events,
        report=report,
        chart=chart,
        format_eur=format_eur,
        percent=_percent,
    )


def _year_download(year: int, fmt: str):
    year = _year(year)
    locale = current_locale()
    _events, report = reports.year_report(year, locale=locale)
    return spreadsheets.download(
        reports.spreadsheet(report, locale=locale, title=_("Report %(year)s", year=year)),
        fmt,
        filename=f"events-report-{year}",
        locale=locale,
    )


@bp.get("/reports/<int:year>.csv")
@staff_required
def year_report_csv(year: int):
    """The year's report as CSV."""
    return _year_download(year, "csv")


@bp.get("/reports/<int:year>.xlsx")
@staff_required
def year_report_xlsx(year: int):
    """The year's report as an XLSX workbook."""
    return _year_download(year, "xlsx")


# --- funnel -----------------------------------------------------------------------------------


def _day(name: str) -> date | None:
    """The query's ISO date `name`, or None when it is missing or not a date."""
    try:
        day = date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None
    return day if reports.FIRST_YEAR <= day.year <= reports.LAST_YEAR else None


def _format_day(day: date, fmt: str = "d MMM yyyy") -> str:
    return format_date(day, fmt)


def _funnel_chart(totals: funnel.Funnel, title: str):
    bars = []
    for stage, n, share in totals.steps():
        text = str(n) if share is None else f"{n} ({_percent(share)})"
        bars.append(Bar(str(code_label(stage, "funnel_stage")), n, text))
    return bar_chart(bars, title=title)


@bp.get("/<int:event_id>/funnel")
@staff_required
def event_funnel(event_id: int):
    """The event's funnel over a day range, and its figures per day."""
    event = admin.get_event(event_id)
    start_day = local(event.starts_at).date()
    first, last = start_day - timedelta(days=DEFAULT_DAYS), start_day
    data = funnel.data_range(event.id)
    if data is not None:
        first, last = min(first, data[0]), max(last, data[1])
    first, last = _day("from") or first, _day("to") or last
    if first > last:
        first, last = last, first
    totals = funnel.totals(event.id, first, last)
    chart = _funnel_chart(totals, _("Funnel of %(event)s", event=event.title(current_locale())))
    return render_template(
        "events/admin/funnel.html",
        event=event,
        first=first,
        last=last,
        totals=totals,
        days=funnel.daily(event.id, first, last),
        chart=chart,
        stages=funnel.STAGES,
        percent=_percent,
        format_day=_format_day,
        year=local(event.starts_at).year,
    )


@bp.get("/funnel/")
@staff_required
def funnel_index():
    """This year's funnel comparison."""
    return _comparison_page(local(now()).year)


@bp.get("/funnel/<int:year>")
@staff_required
def funnel_comparison(year: int):
    """The funnels of the events starting in `year`, side by side, with their conversions."""
    return _comparison_page(_year(year))


def _comparison_page(year: int):
    locale = current_locale()
    rows = funnel.comparison(reports.events_of_year(year))
    chart = bar_chart(
        [
            Bar(row.event.title(locale), row.funnel.overall() or 0, _percent(row.funnel.overall()))
            for row in rows
        ],
        title=_("Confirmed registrations per page view, %(year)s", year=year),
    )
    return render_template(
        "events/admin/funnel_comparison.html",
        year=year,
        years=reports.report_years(local(now()).year),
        rows=rows,
        chart=chart,
        stages=funnel.STAGES,
        percent=_percent,
    )


def _comparison_download(year: int, fmt: str):
    year = _year(year)
    locale = current_locale()
    rows = funnel.comparison(reports.events_of_year(year))
    return spreadsheets.download(
        reports.comparison_table(rows, locale=locale, title=_("Funnel %(year)s", year=year)),
        fmt,
        filename=f"events-funnel-{year}",
        locale=locale,
    )


@bp.get("/funnel/<int:year>.csv")
@staff_required
def funnel_comparison_csv(year: int):
    """The year's funnel comparison as CSV."""
    return _comparison_download(year, "csv")


@bp.get("/funnel/<int:year>.xlsx")
@staff_required
def funnel_comparison_xlsx(year: int):
    """The year's funnel comparison as an XLSX workbook."""
    return _comparison_download(year, "xlsx")
