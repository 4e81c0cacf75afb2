"""What the public event pages show, computed from the models and `events.services.quotes`:
price lines, the billing note, the seat signal, share links, the upcoming events (also on the
home page) and the links to a registration's payment and invoice pages. Needs a request
context (translations, URLs).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from urllib.parse import quote

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from core.caching import columns
from core.extensions import db
from events import payments
from events.models import Event, EventSeries, Invoice, Registration, Speaker, TicketType
from events.services import seats
from events.services.quotes import price_label
from events.services.ticket_choice import Option


def pay_url(registration: Registration) -> str:
    """The registration's payment page (`payments.pay`)."""
    return url_for("payments.pay", token=registration.token)


def invoice_url(registration: Registration) -> str | None:
    """The registration's invoice page, once an invoice was issued."""
    issued = db.session.scalar(
        sa.select(Invoice.id)
        .where(Invoice.registration_id == registration.id, Invoice.series == "invoice")
        .limit(1)
    )
    if issued is None:
        return None
    return url_for("payments.registration_invoice", token=registration.token)


def price_lines(event: Event, locale: str) -> list[str]:
    """Price lines such as "Free for members" and "€50 excl. VAT (€60.50 incl. VAT) for
    non-members"; one line when both audiences pay the same. Amounts from `events.services.quotes`.
    An event with ticket types: one line per active type ("Student: €15 excl. VAT …")."""
    if event.ticket_types:
        return [
            _(
                "%(name)s: %(price)s",
                name=t.name(locale),
                price=price_label(t.price_cents, event.vat_rate, locale),
            )
            for t in event.ticket_types
            if t.active
        ]
    member = price_label(event.price_member_cents, event.vat_rate, locale)
    other = price_label(event.price_non_member_cents, event.vat_rate, locale)
    if member == other:
        return [member]
    return [_("%(price)s for members", price=member), _("%(price)s for non-members", price=other)]


def billing_note(event: Event, locale: str) -> str | None:
    """Why the form asks for billing details, or None when nobody pays."""
    if event.ticket_types:
        if not any(t.active and t.price_cents for t in event.ticket_types):
            return None
        return _("Only needed for a paid ticket. Membership, and so which tickets you may buy, "
                 "follows from your confirmed e-mail address.")  # fmt: skip
    if event.price_member_cents == 0 and event.price_non_member_cents == 0:
        return None
    if event.price_member_cents == 0:
        label = price_label(event.price_non_member_cents, event.vat_rate, locale)
        return _("Only needed if you are not a member: non-members pay %(price)s. "
                 "Membership follows from your confirmed e-mail address.", price=label)  # fmt: skip
    return _("Needed for the invoice.")


def availability(event: Event, holding: int) -> dict:
    """Seat signal for a page: full, few left (with the number) or nothing to say."""
    left = payments.seats_left(event.capacity, holding)
    return {"full": left == 0, "few": payments.few_left(event.capacity, holding), "left": left}


def event_page_parts(event: Event) -> tuple:
    """Everything the event page's article shows of the event and its series, speakers and
    ticket types: every column of each row (a field added later cannot be left out), the
    related rows read as plain rows, not objects (a query for each: on a cache hit the
    article's objects are never loaded)."""

    def rows(statement: sa.Select, row_id: int) -> list[tuple]:
        return [tuple(row) for row in db.session.execute(statement, {"id": row_id})]

    series = [] if event.series_id is None else rows(_SERIES_ROWS, event.series_id)
    speakers = rows(_SPEAKER_ROWS, event.id)
    ticket_types = rows(_TICKET_TYPE_ROWS, event.id)
    return columns(event), series, sorted(speakers), sorted(ticket_types)


#: `event_page_parts`' queries, built once (for the `id` parameter): a statement built for
#: every request costs more than running it
_SERIES_ROWS = sa.select(EventSeries.__table__).where(EventSeries.id == sa.bindparam("id"))
_SPEAKER_ROWS = sa.select(Speaker.__table__).where(Speaker.event_id == sa.bindparam("id"))
_TICKET_TYPE_ROWS = sa.select(TicketType.__table__).where(TicketType.event_id == sa.bindparam("id"))


def share_links(event: Event, page_url: str, locale: str) -> list[tuple[str, str]]:
    """Plain share URLs (LinkedIn, X, e-mail) with the page URL encoded: no scripts, no iframes."""
    url, title = quote(page_url, safe=""), quote(event.title(locale), safe="")
    return [
        ("LinkedIn", f"https://www.linkedin.com/sharing/share-offsite/?url={url}"),
        ("X", f"https://x.com/intent/post?url={url}&text={title}"),
        (_("E-mail"), f"mailto:?subject={title}&body={url}"),
    ]


def upcoming_query(at: datetime) -> sa.Select:
    """Published events that have not ended at `at`, soonest first (their ticket types and
    series loaded with them: two more queries whatever the number of events)."""
    return (
        sa.select(Event)
        .options(selectinload(Event.ticket_types))
        .where(Event.published.is_(True), Event.ends_at > at)
        .order_by(Event.starts_at, Event.id)
        .options(selectinload(Event.series))  # the list groups a series: no query per event
    )


def upcoming_rows(at: datetime, locale: str, *, limit: int | None = None) -> list[dict]:
    """The first `limit` (None: all) of `upcoming_query`'s events as `event_rows`; four
    queries whatever the number of events (events, their ticket types and series, seats)."""
    events = db.session.scalars(upcoming_query(at).limit(limit)).all()
    return event_rows(events, locale)


def ticket_rows(options: list[Option], event: Event, locale: str) -> list[dict]:
    """Ticket types as the registration form and the "choose your ticket" step list them:
    id, name, description, price label (`quotes.price_label`), who may buy it ("Members
    only", "For addresses at …") and whether it is sold out."""
    rows = []
    for o in options:
        t = o.ticket_type
        notes = []
        if t.audience == "member":
            notes.append(_("Members only"))
        elif t.audience == "non_member":
            notes.append(_("Non-members only"))
        if t.email_domains:
            notes.append(_("For addresses at %(domains)s", domains=", ".join(t.email_domains)))
        rows.append(
            {
                "id": t.id,
                "name": t.name(locale),
                "description": t.description_en if locale == "en" else t.description_nl,
                "price": price_label(t.price_cents, event.vat_rate, locale),
                "notes": notes,
                "sold_out": o.sold_out,
            }
        )
    return rows


# --- series (events/views/public_series.py, the grouped events list) -------------------------


def event_rows(events: Sequence[Event], locale: str) -> list[dict]:
    """`events` as list rows (price lines and seat signal, as `upcoming_rows`): one query."""
    holding = seats.holding_by_event(e.id for e in events)
    return [
        {
            "event": e,
            "prices": price_lines(e, locale),
            "seats": availability(e, holding.get(e.id, 0)),
        }
        for e in events
    ]


def group_by_series(rows: list[dict]) -> list[dict]:
    """The list's rows with a series' talks together: each item is {"series": None, "rows":
    [one row]} for an event outside a series, or {"series": the series, "rows": its talks}
    placed where its soonest talk is; the order of `rows` is kept within a group. Reads
    `event.series` (load it with the events: `selectinload(Event.series)`)."""
    groups: list[dict] = []
    by_series: dict[int, dict] = {}
    for row in rows:
        found = row["event"].series
        if found is None:
            groups.append({"series": None, "rows": [row]})
        elif found.id in by_series:
            by_series[found.id]["rows"].append(row)
        else:
            by_series[found.id] = {"series": found, "rows": [row]}
            groups.append(by_series[found.id])
    return groups
