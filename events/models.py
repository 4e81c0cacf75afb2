"""Events tables: series, events, speakers, ticket types, vouchers, registration questions and
answers, member organisations, registrations, payments, webhooks, invoices and their gap-free
counters, and the anonymous daily funnel counts.

Money columns are integer cents (net excl. VAT unless named otherwise). Registration states
and their transitions are defined in the pure `events/payments.py`; only the registration
service sets `Registration.state`, through `events.payments.next_state`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import FixedDecimal, UTCDateTime
from core.extensions import Model
from events.payments import Cancellation, cancellation


class MemberOrganisation(Model):
    __tablename__ = "member_organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    domains: Mapped[list[MemberDomain]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="MemberDomain.domain"
    )


class MemberDomain(Model):
    """An e-mail domain (lower case, no '@') that belongs to a member organisation."""

    __tablename__ = "member_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("member_organisations.id", ondelete="CASCADE"), index=True
    )
    domain: Mapped[str] = mapped_column(sa.String(253), unique=True)

    organisation: Mapped[MemberOrganisation] = relationship(back_populates="domains")


class EventSeries(Model):
    """Recurring talks under one name (e.g. the Digital Talks); the public list groups them."""

    __tablename__ = "event_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    title_nl: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200))
    description_nl: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    events: Mapped[list[Event]] = relationship(back_populates="series", order_by="Event.starts_at")

    def __str__(self) -> str:
        return self.title_nl

    def title(self, locale: str) -> str:
        return self.title_en if locale == "en" else self.title_nl


class Event(Model):
    """A talk. Prices are per audience in cents excl. VAT; `vat_rate` e.g. 0.21.

    An event without ticket types sells one ticket per audience at `price_member_cents` /
    `price_non_member_cents`; with ticket types, those are what a registrant chooses from.
    """

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    title_nl: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(60), default="Digital Talk")
    description_nl: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    online: Mapped[bool] = mapped_column(default=True)
    join_url: Mapped[str] = mapped_column(sa.String(500), default="")
    location: Mapped[str] = mapped_column(sa.Text, default="")
    capacity: Mapped[int]
    registration_opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    registration_closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    price_member_cents: Mapped[int] = mapped_column(default=0)
    price_non_member_cents: Mapped[int] = mapped_column(default=0)
    vat_rate: Mapped[Decimal] = mapped_column(FixedDecimal(4), default=Decimal("0.21"))
    hold_minutes: Mapped[int] = mapped_column(default=30)
    offer_hours: Mapped[int] = mapped_column(default=24)
    cancel_until_hours: Mapped[int] = mapped_column(default=24)  # before the start
    published: Mapped[bool] = mapped_column(default=True)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # no ON DELETE: SQLite does not reflect it on a column added by ALTER TABLE; deleting a
    # series detaches its events first
    series_id: Mapped[int | None] = mapped_column(sa.ForeignKey("event_series.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    series: Mapped[EventSeries | None] = relationship(back_populates="events")
    ticket_types: Mapped[list[TicketType]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="TicketType.position"
    )
    questions: Mapped[list[EventQuestion]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventQuestion.position"
    )
    speakers: Mapped[list[Speaker]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="Speaker.position"
    )

    __table_args__ = (
        sa.CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        sa.CheckConstraint("starts_at < ends_at", name="starts_before_end"),
    )

    def __str__(self) -> str:
        """The Dutch title: how the audit log names the event."""
        return self.title_nl

    def title(self, locale: str) -> str:
        return self.title_en if locale == "en" else self.title_nl

    def description(self, locale: str) -> str:
        return self.description_en if locale == "en" else self.description_nl


class Speaker(Model):
    __tablename__ = "speakers"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(200), default="")
    organisation: Mapped[str] = mapped_column(sa.String(200), default="")
    position: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship(back_populates="speakers")


class TicketType(Model):
    """One kind of ticket for an event (member, non-member, student, partner, early bird).

    `price_cents` is excl. VAT at the event's rate. `capacity`: this type's own limit, or None
    to share the event's; the event's `capacity` stays the hard limit across all types.
    `sale_starts_at`/`sale_ends_at`: None means the event's registration window. Who may buy
    it is decided on the server from the verified address: `audience` ("anyone", "member",
    "non_member") and, when not empty, `email_domains` (lower case, no "@"; e.g. a
    university's for a student ticket, a partner's for a partner ticket).
    """

    __tablename__ = "ticket_types"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "key"),
        sa.CheckConstraint("price_cents >= 0", name="ticket_price_not_negative"),
        sa.CheckConstraint(
            "capacity IS NULL OR capacity >= 0", name="ticket_capacity_not_negative"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    key: Mapped[str] = mapped_column(sa.String(40))
    name_nl: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    description_nl: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    price_cents: Mapped[int] = mapped_column(default=0)
    capacity: Mapped[int | None]
    sale_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sale_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    audience: Mapped[str] = mapped_column(sa.String(12), default="anyone")
    email_domains: Mapped[list] = mapped_column(sa.JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    event: Mapped[Event] = relationship(back_populates="ticket_types")

    def __str__(self) -> str:
        return self.name_nl

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_nl


class Voucher(Model):
    """A voucher or discount code: `kind` "percent" (`percent` off the net price), "fixed"
    (`amount_cents` off the net price) or "free".

    Valid for one event (`event_id`), a series (`series_id`) or, with neither, every event;
    optionally only for one ticket type and for addresses at `email_domain`. `used_count`
    counts the registrations holding it; it never exceeds `max_uses` (None: unlimited) —
    raised by one conditional UPDATE, and checked by the database. `batch` names a set
    generated in one go.
    """

    __tablename__ = "vouchers"
    __table_args__ = (
        sa.CheckConstraint("used_count >= 0", name="voucher_uses_not_negative"),
        sa.CheckConstraint(
            "max_uses IS NULL OR used_count <= max_uses", name="voucher_uses_within_max"
        ),
        sa.CheckConstraint(
            "amount_cents IS NULL OR amount_cents >= 0", name="voucher_amount_not_negative"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(8))
    percent: Mapped[Decimal | None] = mapped_column(FixedDecimal(2))
    amount_cents: Mapped[int | None]
    event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    series_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("event_series.id", ondelete="CASCADE"), index=True
    )
    ticket_type_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ticket_types.id", ondelete="CASCADE")
    )
    email_domain: Mapped[str] = mapped_column(sa.String(253), default="")
    max_uses: Mapped[int | None]
    used_count: Mapped[int] = mapped_column(default=0)
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    batch: Mapped[str] = mapped_column(sa.String(40), default="")
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    event: Mapped[Event | None] = relationship()
    series: Mapped[EventSeries | None] = relationship()
    ticket_type: Mapped[TicketType | None] = relationship()


class EventQuestion(Model):
    """A question the registration form of an event asks (e.g. dietary needs), in `position`
    order. `kind`: "text", "choice" or "yes_no"; `choices` (kind "choice"):
    [{"nl": ..., "en": ...}, ...]; an answer stores the option's Dutch text."""

    __tablename__ = "event_questions"
    __table_args__ = (sa.UniqueConstraint("event_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    key: Mapped[str] = mapped_column(sa.String(40))
    kind: Mapped[str] = mapped_column(sa.String(12))
    label_nl: Mapped[str] = mapped_column(sa.String(200))
    label_en: Mapped[str] = mapped_column(sa.String(200))
    help_nl: Mapped[str] = mapped_column(sa.Text, default="")
    help_en: Mapped[str] = mapped_column(sa.Text, default="")
    choices: Mapped[list] = mapped_column(sa.JSON, default=list)
    required: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    event: Mapped[Event] = relationship(back_populates="questions")

    def label(self, locale: str) -> str:
        return self.label_en if locale == "en" else self.label_nl

    def help(self, locale: str) -> str:
        return self.help_en if locale == "en" else self.help_nl


class Registration(Model):
    """One person's registration for one event. `token` is the secret in their e-mail links."""

    __tablename__ = "registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    state: Mapped[str] = mapped_column(sa.String(24), index=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    organisation: Mapped[str] = mapped_column(sa.String(200), default="")
    job_title: Mapped[str] = mapped_column(sa.String(200), default="")
    locale: Mapped[str] = mapped_column(sa.String(5), default="nl")
    audience: Mapped[str | None] = mapped_column(sa.String(12))  # member / non_member
    member_organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("member_organisations.id", ondelete="SET NULL")
    )
    # the price as quoted when the seat was taken (cents)
    net_cents: Mapped[int] = mapped_column(default=0)
    vat_cents: Mapped[int] = mapped_column(default=0)
    gross_cents: Mapped[int] = mapped_column(default=0)
    vat_rate: Mapped[Decimal] = mapped_column(FixedDecimal(4), default=Decimal(0))
    reverse_charge: Mapped[bool] = mapped_column(default=False)
    billing_company: Mapped[str] = mapped_column(sa.String(200), default="")
    billing_address: Mapped[str] = mapped_column(sa.String(300), default="")
    billing_postcode: Mapped[str] = mapped_column(sa.String(20), default="")
    billing_city: Mapped[str] = mapped_column(sa.String(120), default="")
    billing_country: Mapped[str] = mapped_column(sa.String(2), default="NL")
    vat_id: Mapped[str] = mapped_column(sa.String(20), default="")
    privacy_consent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    newsletter_opt_in: Mapped[bool] = mapped_column(default=False)
    comp: Mapped[bool] = mapped_column(default=False)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hold_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ticket_type_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ticket_types.id"), index=True)
    voucher_id: Mapped[int | None] = mapped_column(sa.ForeignKey("vouchers.id"), index=True)
    # the voucher's discount on the net price, in cents, as quoted
    discount_cents: Mapped[int] = mapped_column(default=0)
    # the code on the QR ticket (not the link token: scanning it opens no link)
    ticket_code: Mapped[str | None] = mapped_column(sa.String(32), unique=True, index=True)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # several attendees booked together (`Booking`); None for a registration of one's own
    booking_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bookings.id"), index=True)

    event: Mapped[Event] = relationship()
    booking: Mapped[Booking | None] = relationship(back_populates="registrations")
    member_organisation: Mapped[MemberOrganisation | None] = relationship()
    ticket_type: Mapped[TicketType | None] = relationship()
    voucher: Mapped[Voucher | None] = relationship()
    answers: Mapped[list[RegistrationAnswer]] = relationship(
        back_populates="registration", cascade="all, delete-orphan"
    )
    payments: Mapped[list[Payment]] = relationship(
        back_populates="registration", order_by="Payment.id"
    )

    def cancellation(self, now: datetime, *, by_admin: bool = False) -> Cancellation:
        """The cancellation rule (`events.payments.cancellation`) for this registration at
        `now`: whether it may be cancelled (by an admin with `by_admin`), whether that
        refunds money, and the deadline."""
        return cancellation(
            self.state,
            gross_cents=self.gross_cents,
            comp=self.comp,
            starts_at=self.event.starts_at,
            cancel_until_hours=self.event.cancel_until_hours,
            now=now,
            by_admin=by_admin,
        )


class Booking(Model):
    """Several attendees booked together by one booker: one payment, one invoice.

    The booker is the first attendee (the lead registration: the booking's registration with
    the lowest id); the payment and the invoice hang on the lead. `attendees` holds the other
    attendees as typed ([{"name", "email"}]) until the booker has verified their address;
    then each becomes a `Registration` of the booking, and only those left out because they
    were registered already stay in the list (marked "skipped").
    `token` is the secret in the booker's links to the booking page.
    `voucher_id` is the voucher code typed on the booking form; once placed, each attendee it
    applies to names it on their own registration (one use each).
    """

    __tablename__ = "bookings"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id"), index=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    booker_name: Mapped[str] = mapped_column(sa.String(200))
    booker_email: Mapped[str] = mapped_column(sa.String(254), index=True)
    locale: Mapped[str] = mapped_column(sa.String(5), default="nl")
    attendees: Mapped[list] = mapped_column(sa.JSON, default=list)
    voucher_id: Mapped[int | None] = mapped_column(sa.ForeignKey("vouchers.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    event: Mapped[Event] = relationship()
    voucher: Mapped[Voucher | None] = relationship()
    registrations: Mapped[list[Registration]] = relationship(
        back_populates="booking", order_by="Registration.id"
    )


class Payment(Model):
    """One payment attempt (a Stripe Checkout Session or a local test checkout)."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registrations.id"), index=True)
    provider: Mapped[str] = mapped_column(sa.String(12))  # stripe / test
    idempotency_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    session_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    payment_intent_id: Mapped[str | None] = mapped_column(sa.String(255))
    checkout_url: Mapped[str] = mapped_column(sa.Text, default="")
    amount_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(sa.String(3), default="eur")
    status: Mapped[str] = mapped_column(sa.String(12), default="open")
    refund_id: Mapped[str | None] = mapped_column(sa.String(255))
    refunded_cents: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # set on a payment of the difference for a dearer ticket type (`type_changes`): the type
    # the registration changes to once it is paid; None on the payment of the registration
    ticket_type_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ticket_types.id"), index=True)

    registration: Mapped[Registration] = relationship(back_populates="payments")
    ticket_type: Mapped[TicketType | None] = relationship()


class WebhookEvent(Model):
    """A received provider event, recorded once under its unique id (duplicates are ignored)."""

    __tablename__ = "webhook_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(sa.String(12))
    event_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    type: Mapped[str] = mapped_column(sa.String(80))
    payload: Mapped[dict] = mapped_column(sa.JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DocumentCounter(Model):
    """The last number used per series ("invoice", "credit_note") and year; locked to number."""

    __tablename__ = "document_counters"

    series: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


class Invoice(Model):
    """An issued invoice or credit note. Immutable once issued: only new rows, never updates."""

    __tablename__ = "invoices"
    __table_args__ = (
        sa.UniqueConstraint("series", "year", "sequence"),
        # The invoices of a registration form one chain, whatever races happen: one first
        # invoice (it replaces none); each later one replaces an earlier one that a credit
        # note credits (the foreign key to `credits_invoice_id`), and each is replaced at most
        # once and credited at most once. So at most one invoice per registration is not
        # credited: the live one. (A correction of the invoice address:
        # `events.services.invoice_corrections`.)
        sa.Index(
            "uq_invoices_first_per_registration",
            "registration_id",
            unique=True,
            sqlite_where=sa.text("series = 'invoice' AND replaces_invoice_id IS NULL"),
            postgresql_where=sa.text("series = 'invoice' AND replaces_invoice_id IS NULL"),
        ),
        sa.Index("uq_invoices_credits_invoice_id", "credits_invoice_id", unique=True),
        sa.Index("uq_invoices_replaces_invoice_id", "replaces_invoice_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series: Mapped[str] = mapped_column(sa.String(12))  # invoice / credit_note
    year: Mapped[int]
    sequence: Mapped[int]
    number: Mapped[str] = mapped_column(sa.String(32), unique=True)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registrations.id"), index=True)
    credits_invoice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoices.id"))
    # the credited invoice this one replaces (its customer details corrected)
    replaces_invoice_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("invoices.credits_invoice_id")
    )
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    supplier: Mapped[dict] = mapped_column(sa.JSON)  # name, address, vat_id, kvk
    customer: Mapped[dict] = mapped_column(sa.JSON)  # name, company, address lines, vat_id
    lines: Mapped[list] = mapped_column(sa.JSON)  # description, quantity, unit/net/vat cents, rate
    net_cents: Mapped[int]
    vat_cents: Mapped[int]
    gross_cents: Mapped[int]
    reverse_charge: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str] = mapped_column(sa.String(5), default="nl")

    registration: Mapped[Registration] = relationship()


class RegistrationAnswer(Model):
    """A registrant's answer to one of the event's questions (text, the Dutch option, or
    "yes"/"no")."""

    __tablename__ = "registration_answers"
    __table_args__ = (sa.UniqueConstraint("registration_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("event_questions.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[str] = mapped_column(sa.Text, default="")

    registration: Mapped[Registration] = relationship(back_populates="answers")
    question: Mapped[EventQuestion] = relationship()


class FunnelCount(Model):
    """How many times a funnel step happened for an event on a day (Amsterdam date):
    "see" (event page viewed), "think" (registration started), "do" (verified or paid),
    "care" (checked in). Counted on the server; no cookie, identifier or personal data."""

    __tablename__ = "funnel_counts"
    __table_args__ = (sa.CheckConstraint("count >= 0", name="funnel_count_not_negative"),)

    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    stage: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class RegistrationTransfer(Model):
    """A ticket handed on to a colleague: asked for by the holder (through their link) or by
    staff, done once the colleague opened the link mailed to `email` and accepted
    (`events.services.transfers`). `state`: "pending", "done", "refused" (the colleague's data
    was erased on request: the link opens nothing), "replaced" (a newer request for the same
    registration); a pending one past `expires_at` has expired (read, never stored). The colleague's `name`, `email` and
    `organisation` are personal data (privacy/). At most one pending transfer per
    registration."""

    __tablename__ = "registration_transfers"
    __table_args__ = (
        sa.Index(
            "uq_registration_transfers_pending",
            "registration_id",
            unique=True,
            sqlite_where=sa.text("state = 'pending'"),
            postgresql_where=sa.text("state = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    state: Mapped[str] = mapped_column(sa.String(12), default="pending")
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    organisation: Mapped[str] = mapped_column(sa.String(200), default="")
    locale: Mapped[str] = mapped_column(sa.String(5), default="nl")
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    registration: Mapped[Registration] = relationship()


class InvoiceFile(Model):
    """The rendered PDF of an invoice or credit note, stored once (`events.documents`): the
    invoice is immutable, so its PDF is too; mails and downloads serve these bytes."""

    __tablename__ = "invoice_files"

    invoice_id: Mapped[int] = mapped_column(
        sa.ForeignKey("invoices.id", ondelete="CASCADE"), primary_key=True
    )
    pdf: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
