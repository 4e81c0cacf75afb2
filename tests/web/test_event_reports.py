"""Reports for staff: an event's and a year's registrations by state and ticket type, turnout,
revenue per VAT rate (invoices minus credit notes, reverse charge apart) and per member
organisation, as pages with a chart and as CSV / XLSX; the page's number of SQL statements
does not grow with the registrations."""

from __future__ import annotations

import csv
import io
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from openpyxl import load_workbook

from core.extensions import db
from events.models import TicketType
from events.services import reports
from events.services.invoices import issue_credit_note, issue_invoice
from tests.factories import NOW, make_event, make_member_org, make_registration

EN = {"Accept-Language": "en"}


@pytest.fixture
def staff_client(make_user, login):
    client = login(make_user(is_staff=True))
    with client.session_transaction() as session:
        session["lang"] = "en"
    return client


def _ticket(event, name_en="Early bird", name_nl="Vroege vogel", key="early"):
    ticket = TicketType(
        event_id=event.id, key=key, name_nl=name_nl, name_en=name_en, price_cents=4000,
        capacity=None, created_at=NOW,
    )  # fmt: skip
    db.session.add(ticket)
    db.session.flush()
    return ticket


def _invoiced(event, **kw):
    registration = make_registration(event, "confirmed", paying=True, **kw)
    return registration, issue_invoice(registration, now=NOW)


@pytest.fixture
def world(app):
    """An event (2025) with: an early-bird ticket (€40, checked in), a non-member (€50), a
    refunded non-member (€50 invoiced and credited), a reverse-charged KPN employee (€50,
    no VAT), a free DDMA member (checked in) and a waitlisted DDMA member; another event in
    2026 with an invoice that must not count."""
    ddma, kpn = make_member_org("DDMA", "ddma.nl"), make_member_org("KPN", "kpn.com")
    event = make_event()
    early = _ticket(event)
    _invoiced(event, ticket_type_id=early.id, net_cents=4000, checked_in_at=NOW)
    _invoiced(event)
    refunded, invoice = _invoiced(event)
    issue_credit_note(invoice, now=NOW)
    refunded.state = "refunded"
    _invoiced(event, reverse_charge=True, member_organisation_id=kpn.id)
    make_registration(
        event, "confirmed", audience="member", member_organisation_id=ddma.id, checked_in_at=NOW
    )
    make_registration(event, "waitlisted", audience="member", member_organisation_id=ddma.id)
    later = make_event(
        "later", title_en="A later talk", title_nl="Een latere talk",
        starts_at=datetime(2026, 1, 10, 11, 0, tzinfo=UTC),
    )  # fmt: skip
    _invoiced(later, net_cents=9900)
    db.session.commit()
    return event, later


def test_the_event_report_counts_states_types_turnout_revenue_and_organisations(app, world):
    event, _later = world
    report = reports.event_report(event, locale="en")
    with force_locale("en"):
        by_label = {t.label("en"): t.by_state for t in report.tickets}
    assert by_label == {
        "Early bird": {"confirmed": 1},
        "Member": {"confirmed": 1, "waitlisted": 1},
        "Non-member": {"confirmed": 2, "refunded": 1},
    }
    assert report.states == ["confirmed", "waitlisted", "refunded"]
    assert (report.confirmed, report.checked_in, report.turnout) == (4, 2, Decimal("50.0"))
    taxed, reverse = report.revenue
    assert (taxed.rate, taxed.reverse_charge) == (Decimal("0.21"), False)
    assert (taxed.invoices, taxed.credit_notes) == (3, 1)
    assert (taxed.invoiced_net_cents, taxed.credited_net_cents) == (14000, -5000)
    assert (taxed.net_cents, taxed.vat_cents, taxed.gross_cents) == (9000, 1890, 10890)
    assert reverse.reverse_charge and (reverse.net_cents, reverse.vat_cents) == (5000, 0)
    assert reverse.gross_cents == 5000
    assert report.revenue_total().gross_cents == 15890
    organisations = {o.name: o for o in report.organisations}
    assert organisations.keys() == {"DDMA", "KPN", None}
    ddma, kpn, none = organisations["DDMA"], organisations["KPN"], organisations[None]
    assert (ddma.registrations, ddma.confirmed, ddma.net_cents) == (2, 1, 0)
    assert (kpn.registrations, kpn.confirmed, kpn.net_cents, kpn.gross_cents) == (1, 1, 5000, 5000)
    assert (none.registrations, none.confirmed, none.net_cents, none.gross_cents) == (
        3, 2, 9000, 10890,
    )  # fmt: skip


def test_the_dutch_report_names_the_ticket_type_in_dutch(app, world):
    event, _later = world
    labels = {t.label("nl") for t in reports.event_report(event, locale="nl").tickets}
    assert "Vroege vogel" in labels


def test_the_event_report_page_shows_a_chart_and_the_figures(staff_client, world):
    event, _later = world
    response = staff_client.get(f"/admin/events/{event.id}/report", headers=EN)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<svg class="chart"' in html and 'role="img"' in html and "<title>" in html
    assert "style=" not in html and "<script" not in html.split("</header>")[-1]
    for text in ("Early bird", "Non-member", "2 of 4 confirmed attendees checked in (50.0%)",
                 "€108.90", "€50", "Reverse charge (no VAT)", "KPN", "DDMA", "€158.90"):  # fmt: skip
        assert text in html, text
    assert "€99" not in html  # the other event's invoice


def test_the_event_report_downloads_as_csv_and_xlsx(staff_client, world):
    event, _later = world
    response = staff_client.get(f"/admin/events/{event.id}/report.csv", headers=EN)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Section", "Item", "Number"]
    assert ["Turnout", "Checked in of confirmed", "", "4", "2", "", "", ""] in rows
    assert ["Revenue per VAT rate", "21%", "3", "", "", "€90", "€18.90", "€108.90"] in rows
    response = staff_client.get(f"/admin/events/{event.id}/report.xlsx", headers=EN)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    assert ("Revenue per VAT rate", "reverse charge", 1, None, None, 50, 0, 50) in values
    assert ("Per member organisation", "KPN", 1, 1, None, 50, None, 50) in values


def test_the_year_report_takes_the_events_of_that_amsterdam_year(staff_client, world):
    event, later = world
    html = staff_client.get("/admin/events/reports/2025", headers=EN).get_data(as_text=True)
    assert event.title_en in html and later.title_en not in html
    assert "€158.90" in html and '<svg class="chart"' in html
    assert 'href="/admin/events/reports/2026"' in html  # the year switcher
    events, report = reports.year_report(2026, locale="en")
    assert [e.slug for e in events] == ["later"]
    assert report.revenue_total().net_cents == 9900
    (row,) = report.events
    assert (row.registrations, row.confirmed, row.checked_in, row.net_cents) == (1, 1, 0, 9900)


def test_a_year_is_amsterdams_calendar_year(app):
    """An event at 00:30 on 1 January in Amsterdam is still 31 December in UTC."""
    new_year = make_event("new-year", starts_at=datetime(2025, 12, 31, 23, 30, tzinfo=UTC))
    assert [e.id for e in reports.events_of_year(2026)] == [new_year.id]
    assert reports.events_of_year(2025) == []


def test_the_year_report_downloads(staff_client, world):
    response = staff_client.get("/admin/events/reports/2025.xlsx", headers=EN)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    per_event = [r for r in sheet.iter_rows(values_only=True) if r[0] == "Per event"]
    assert len(per_event) == 1 and per_event[0][2:6] == (6, 4, 2, 140)
    csv_response = staff_client.get("/admin/events/reports/2025.csv", headers=EN)
    assert csv_response.status_code == 200 and b"Per event" in csv_response.data


def test_years_outside_the_range_are_not_found(staff_client):
    assert staff_client.get("/admin/events/reports/1999").status_code == 404
    assert staff_client.get("/admin/events/reports/2101.csv").status_code == 404
    assert staff_client.get("/admin/events/reports/").status_code == 200  # this year's


def test_an_event_without_registrations_has_an_empty_report(staff_client, app):
    event = make_event()
    db.session.commit()
    html = staff_client.get(f"/admin/events/{event.id}/report", headers=EN).get_data(as_text=True)
    assert "No registrations." in html and "No invoices." in html


@contextmanager
def counted_statements():
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def _registrations(event, n, org):
    for i in range(n):
        _registration, invoice = _invoiced(event, member_organisation_id=org.id if i % 2 else None)
        if i % 3 == 0:
            issue_credit_note(invoice, now=NOW)
    db.session.commit()


@pytest.mark.parametrize("path", ["/admin/events/{id}/report", "/admin/events/reports/2025"])
def test_the_number_of_queries_does_not_grow_with_the_registrations(staff_client, app, path):
    org = make_member_org("DDMA", "ddma.nl")
    event = make_event()
    _ticket(event)
    _registrations(event, 3, org)
    url = path.format(id=event.id)
    staff_client.get(url)  # warm up
    with counted_statements() as few:
        assert staff_client.get(url).status_code == 200
    _registrations(event, 12, org)
    with counted_statements() as many:
        assert staff_client.get(url).status_code == 200
    assert len(many) == len(few), (len(few), len(many))


def test_the_events_admin_links_to_the_reports_and_funnels(staff_client, app):
    event = make_event()
    db.session.commit()
    html = staff_client.get("/admin/events/", headers=EN).get_data(as_text=True)
    for href in (f"/admin/events/{event.id}/report", f"/admin/events/{event.id}/funnel",
                 "/admin/events/reports/", "/admin/events/funnel/"):  # fmt: skip
        assert f'href="{href}"' in html, href
