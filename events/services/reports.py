"""Reports for staff: an event's figures, or a year's (the Amsterdam calendar year of each
event's start), each in a fixed number of aggregate queries whatever the number of
registrations (GROUP BY in the database; Python only arranges the grouped rows).

- registrations by state and ticket type (the type's name; the audience, member or
  non-member, for a registration without a type);
- turnout: checked in of confirmed;
- revenue excl. and incl. VAT per VAT rate from the issued documents: invoices minus credit
  notes (a credit note's amounts are negative, so the sum is what was finally sold), with
  reverse-charge sales ("btw verlegd", no VAT) on rows of their own. The rate is the one the
  registration was priced at (`Registration.vat_rate`, which every line of its invoice
  carries; 0 for reverse charge);
- per member organisation (the one the registrant's verified address belongs to):
  registrations, confirmed and revenue; registrants of no member organisation on one row;
- for a year, the same per event.

Money stays integer cents. `spreadsheet_*` build the `core.spreadsheets.Table`s of the
downloads from the same figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core.clock import from_local, local
from core.extensions import db
from core.labels import label as code_label
from core.spreadsheets import Euros, Table
from events.models import Event, Invoice, MemberOrganisation, Registration, TicketType
from events.payments import RegState
from events.services.funnel import STAGES as STAGES_FUNNEL
from events.services.funnel import ComparisonRow, percentage
from events.services.invoices import CREDIT_NOTE, INVOICE

STATES = tuple(s.value for s in RegState)
_CONFIRMED = RegState.CONFIRMED.value
#: the earliest and latest year a report can be asked for (the URL's year is checked first)
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class TicketRow:
    """Registrations of one ticket type (by `name`) or, without a type, one `audience`."""

    name: str | None
    audience: str | None
    by_state: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_state.values())

    @property
    def confirmed(self) -> int:
        return self.by_state.get(_CONFIRMED, 0)

    def label(self, locale: str) -> str:
        if self.name is not None:
            return self.name
        return str(code_label(self.audience, "audience")) if self.audience else "–"


@dataclass(frozen=True)
class RevenueRow:
    """The issued documents at one VAT rate (reverse charge apart): invoiced and credited
    net amounts, and the result excl. VAT, VAT and incl. VAT (cents)."""

    rate: Decimal
    reverse_charge: bool
    invoices: int
    credit_notes: int
    invoiced_net_cents: int
    credited_net_cents: int  # negative or 0
    net_cents: int
    vat_cents: int
    gross_cents: int


@dataclass(frozen=True)
class OrganisationRow:
    """Registrants of one member organisation (None: of none)."""

    name: str | None
    registrations: int
    confirmed: int
    net_cents: int
    gross_cents: int


@dataclass(frozen=True)
class EventRow:
    """One event of a year report."""

    event: Event
    registrations: int
    confirmed: int
    checked_in: int
    net_cents: int
    gross_cents: int

    @property
    def turnout(self) -> Decimal | None:
        return percentage(self.checked_in, self.confirmed)


@dataclass(frozen=True)
class Report:
    tickets: list[TicketRow]
    states: list[str]  # the states that occur, in RegState order
    confirmed: int
    checked_in: int
    revenue: list[RevenueRow]
    organisations: list[OrganisationRow]
    events: list[EventRow] = field(default_factory=list)

    @property
    def registrations(self) -> int:
        return sum(row.total for row in self.tickets)

    @property
    def turnout(self) -> Decimal | None:
        return percentage(self.checked_in, self.confirmed)

    def state_total(self, state: str) -> int:
        return sum(row.by_state.get(state, 0) for row in self.tickets)

    def revenue_total(self, reverse_charge: bool | None = None) -> RevenueRow:
        """All revenue rows summed (only the reverse-charge ones, or only the others)."""
        rows = [
            r for r in self.revenue if reverse_charge is None or r.reverse_charge == reverse_charge
        ]
        return RevenueRow(
            rate=Decimal(0),
            reverse_charge=bool(reverse_charge),
            invoices=sum(r.invoices for r in rows),
            credit_notes=sum(r.credit_notes for r in rows),
            invoiced_net_cents=sum(r.invoiced_net_cents for r in rows),
            credited_net_cents=sum(r.credited_net_cents for r in rows),
            net_cents=sum(r.net_cents for r in rows),
            vat_cents=sum(r.vat_cents for r in rows),
            gross_cents=sum(r.gross_cents for r in rows),
        )


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The UTC moments at which Amsterdam's calendar year `year` starts and the next one."""
    return from_local(datetime(year, 1, 1)), from_local(datetime(year + 1, 1, 1))


def events_of_year(year: int) -> list[Event]:
    """The events (published or not) starting in Amsterdam's year `year`, soonest first."""
    start, end = year_bounds(year)
    return list(
        db.session.scalars(
            sa.select(Event)
            .where(Event.starts_at >= start, Event.starts_at < end)
            .order_by(Event.starts_at, Event.id)
        )
    )


def report_years(today_year: int) -> list[int]:
    """The years from the first event's to the last event's (and this year), newest first."""
    first, last = db.session.execute(
        sa.select(sa.func.min(Event.starts_at), sa.func.max(Event.starts_at))
    ).one()
    years = {today_year}
    if first is not None:
        years.update(range(local(first).year, local(last).year + 1))
    return sorted((y for y in years if FIRST_YEAR <= y <= LAST_YEAR), reverse=True)


def _tickets(scope: sa.ColumnElement[bool], locale: str) -> tuple[list[TicketRow], int]:
    """Registrations per ticket type (or audience) and state, and how many confirmed ones
    checked in: one query."""
    name = TicketType.name_en if locale == "en" else TicketType.name_nl
    arrived = sa.func.sum(
        sa.case(
            (sa.and_(Registration.state == _CONFIRMED, Registration.checked_in_at.is_not(None)), 1),
            else_=0,
        )
    )
    # the audience names the ticket only of a registration without a type
    audience = sa.case((Registration.ticket_type_id.is_(None), Registration.audience), else_=None)
    rows = db.session.execute(
        sa.select(name, audience, Registration.state, sa.func.count(), arrived)
        .select_from(Registration)
        .join(Event, Event.id == Registration.event_id)
        .outerjoin(TicketType, TicketType.id == Registration.ticket_type_id)
        .where(scope)
        .group_by(name, audience, Registration.state)
    ).all()
    grouped: dict[tuple[str | None, str | None], dict[str, int]] = {}
    checked_in = 0
    for type_name, audience_code, state, n, here in rows:
        key = (type_name, None if type_name is not None else audience_code)
        by_state = grouped.setdefault(key, {})
        by_state[state] = by_state.get(state, 0) + n
        checked_in += int(here or 0)
    tickets = [
        TicketRow(name, audience, by_state) for (name, audience), by_state in grouped.items()
    ]
    tickets.sort(key=lambda t: (t.name is None, t.name or "", t.audience or ""))
    return tickets, checked_in


def _revenue(scope: sa.ColumnElement[bool]) -> list[RevenueRow]:
    """The issued invoices and credit notes per rate and reverse charge: one query."""
    is_invoice = Invoice.series == INVOICE
    is_credit = Invoice.series == CREDIT_NOTE
    rows = db.session.execute(
        sa.select(
            Registration.vat_rate,
            Invoice.reverse_charge,
            sa.func.sum(sa.case((is_invoice, 1), else_=0)),
            sa.func.sum(sa.case((is_credit, 1), else_=0)),
            sa.func.sum(sa.case((is_invoice, Invoice.net_cents), else_=0)),
            sa.func.sum(sa.case((is_credit, Invoice.net_cents), else_=0)),
            sa.func.sum(Invoice.net_cents),
            sa.func.sum(Invoice.vat_cents),
            sa.func.sum(Invoice.gross_cents),
        )
        .select_from(Invoice)
        .join(Registration, Registration.id == Invoice.registration_id)
        .join(Event, Event.id == Registration.event_id)
        .where(scope, Invoice.series.in_((INVOICE, CREDIT_NOTE)))
        .group_by(Registration.vat_rate, Invoice.reverse_charge)
    ).all()
    out = [
        RevenueRow(Decimal(rate), bool(rc), *(int(v or 0) for v in values))
        for rate, rc, *values in rows
    ]
    out.sort(key=lambda r: (r.reverse_charge, -r.rate))
    return out


def _organisations(scope: sa.ColumnElement[bool]) -> list[OrganisationRow]:
    """Registrations, confirmed ones and revenue per member organisation: two queries."""
    confirmed = sa.func.sum(sa.case((Registration.state == _CONFIRMED, 1), else_=0))
    counts = db.session.execute(
        sa.select(
            Registration.member_organisation_id, MemberOrganisation.name, sa.func.count(), confirmed
        )
        .select_from(Registration)
        .join(Event, Event.id == Registration.event_id)
        .outerjoin(MemberOrganisation, MemberOrganisation.id == Registration.member_organisation_id)
        .where(scope)
        .group_by(Registration.member_organisation_id, MemberOrganisation.name)
    ).all()
    money = {
        org_id: (int(net or 0), int(gross or 0))
        for org_id, net, gross in db.session.execute(
            sa.select(
                Registration.member_organisation_id,
                sa.func.sum(Invoice.net_cents),
                sa.func.sum(Invoice.gross_cents),
            )
            .select_from(Invoice)
            .join(Registration, Registration.id == Invoice.registration_id)
            .join(Event, Event.id == Registration.event_id)
            .where(scope, Invoice.series.in_((INVOICE, CREDIT_NOTE)))
            .group_by(Registration.member_organisation_id)
        )
    }
    rows = [
        OrganisationRow(name, n, int(c or 0), *money.get(org_id, (0, 0)))
        for org_id, name, n, c in counts
    ]
    rows.sort(key=lambda r: (r.name is None, r.name or ""))
    return rows


def _per_event(events: Sequence[Event]) -> list[EventRow]:
    """Registrations, confirmed, checked in and revenue of each event: two queries."""
    ids = [e.id for e in events]
    confirmed = Registration.state == _CONFIRMED
    counts = {
        event_id: (n, int(c or 0), int(a or 0))
        for event_id, n, c, a in db.session.execute(
            sa.select(
                Registration.event_id,
                sa.func.count(),
                sa.func.sum(sa.case((confirmed, 1), else_=0)),
                sa.func.sum(
                    sa.case(
                        (sa.and_(confirmed, Registration.checked_in_at.is_not(None)), 1), else_=0
                    )
                ),
            )
            .where(Registration.event_id.in_(ids))
            .group_by(Registration.event_id)
        )
    }
    money = {
        event_id: (int(net or 0), int(gross or 0))
        for event_id, net, gross in db.session.execute(
            sa.select(
                Registration.event_id,
                sa.func.sum(Invoice.net_cents),
                sa.func.sum(Invoice.gross_cents),
            )
            .select_from(Invoice)
            .join(Registration, Registration.id == Invoice.registration_id)
            .where(Registration.event_id.in_(ids), Invoice.series.in_((INVOICE, CREDIT_NOTE)))
            .group_by(Registration.event_id)
        )
    }
    return [EventRow(e, *counts.get(e.id, (0, 0, 0)), *money.get(e.id, (0, 0))) for e in events]


def _report(scope: sa.ColumnElement[bool], locale: str) -> Report:
    tickets, checked_in = _tickets(scope, locale)
    present = {state for row in tickets for state in row.by_state}
    return Report(
        tickets=tickets,
        states=[s for s in STATES if s in present],
        confirmed=sum(row.confirmed for row in tickets),
        checked_in=checked_in,
        revenue=_revenue(scope),
        organisations=_organisations(scope),
    )


def event_report(event: Event, *, locale: str) -> Report:
    """The figures of one event (five queries)."""
    return _report(Event.id == event.id, locale)


def year_report(year: int, *, locale: str) -> tuple[list[Event], Report]:
    """The events of Amsterdam's year `year` and their figures, together and per event
    (eight queries)."""
    start, end = year_bounds(year)
    events = events_of_year(year)
    report = _report(sa.and_(Event.starts_at >= start, Event.starts_at < end), locale)
    return events, Report(**{**report.__dict__, "events": _per_event(events)})


# --- spreadsheets ----------------------------------------------------------------------------


def _rate(row: RevenueRow) -> str:
    return str(_l("reverse charge")) if row.reverse_charge else f"{row.rate * 100:.0f}%"


def spreadsheet(report: Report, *, locale: str, title: str) -> Table:
    """One sheet with the report's sections one under the other: a section name in the
    first column, then its rows (what, figures)."""
    header = [
        str(_l("Section")),
        str(_l("Item")),
        str(_l("Number")),
        str(_l("Confirmed")),
        str(_l("Checked in")),
        str(_l("Excl. VAT")),
        str(_l("VAT")),
        str(_l("Incl. VAT")),
    ]
    rows: list[list] = []
    section = str(_l("Registrations by ticket type and state"))
    for ticket in report.tickets:
        for state in report.states:
            if ticket.by_state.get(state):
                rows.append(
                    [section, f"{ticket.label(locale)}: {code_label(state, 'registration')}",
                     ticket.by_state[state], None, None, None, None, None]
                )  # fmt: skip
    rows.append(
        [str(_l("Turnout")), str(_l("Checked in of confirmed")), None, report.confirmed,
         report.checked_in, None, None, None]
    )  # fmt: skip
    section = str(_l("Revenue per VAT rate"))
    for r in report.revenue:
        rows.append(
            [section, _rate(r), r.invoices, None, None, Euros(r.net_cents),
             Euros(r.vat_cents), Euros(r.gross_cents)]
        )  # fmt: skip
    section = str(_l("Per member organisation"))
    for o in report.organisations:
        rows.append(
            [section, o.name or str(_l("No member organisation")), o.registrations, o.confirmed,
             None, Euros(o.net_cents), None, Euros(o.gross_cents)]
        )  # fmt: skip
    section = str(_l("Per event"))
    for e in report.events:
        rows.append(
            [section, e.event.title(locale), e.registrations, e.confirmed, e.checked_in,
             Euros(e.net_cents), None, Euros(e.gross_cents)]
        )  # fmt: skip
    return Table(header=header, rows=rows, title=title[:31])


def comparison_table(rows: Sequence[ComparisonRow], *, locale: str, title: str) -> Table:
    """The funnel comparison: per event its start, four counts and conversions (percent)."""
    header = [
        str(_l("Event")),
        str(_l("Starts")),
        *(code_label(stage, "funnel_stage") for stage in STAGES_FUNNEL),
        str(_l("Think of see (%)")),
        str(_l("Do of think (%)")),
        str(_l("Care of do (%)")),
        str(_l("Do of see (%)")),
    ]
    out = []
    for row in rows:
        f = row.funnel
        shares = [share for _stage, _n, share in f.steps()[1:]]
        out.append(
            [row.event.title(locale), row.event.starts_at, f.see, f.think, f.do, f.care,
             *shares, f.overall()]
        )  # fmt: skip
    return Table(header=header, rows=out, title=title[:31])
