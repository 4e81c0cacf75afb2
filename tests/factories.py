"""The test data builders, one per kind of row; each flushes what it builds (the data a test
builds is committed before each request it makes, see conftest.py; tests that need committed
data for another connection or a thread commit it themselves).

Awards rows come from fixtures (`make_user`, `make_programme`, `make_entry`, `make_juror`).
The events and scoring builders are plain functions that run in the test's app context and
take the time from its clock (`make_event`, `make_registration`, `make_invoice`,
`make_member_org`, `make_scorecard`); they are also fixtures of the same name. `register`
goes through the real registration services; `pdf_bytes` and `png_bytes` build uploads.
"""

from __future__ import annotations

import io
import re
import secrets
import struct
import zlib
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count

import pytest
from flask import current_app, has_request_context
from pypdf import PdfWriter

from awards.models import Category, Criterion, Entry, JuryMember, Programme, Score, Scorecard
from core.accounts.models import User
from core.clock import now
from core.extensions import db
from events.models import Event, Invoice, MemberDomain, MemberOrganisation, Registration
from events.pricing import taxed
from events.services import registrations
from events.services.input import Applicant, Billing

PASSWORD = "correct horse battery"
NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)  # where the clock fixture starts
START = datetime(2025, 3, 20, 11, 0, tzinfo=UTC)  # an event's start: 12:00 in Amsterdam
_seq = count(1)
_hashes: dict[str, str] = {}


def _password_hash(user: User, password: str) -> str:
    """Hash each distinct test password once per run (scrypt is slow by design)."""
    if password not in _hashes:
        user.set_password(password)
        _hashes[password] = user.password_hash
    return _hashes[password]


TIMELINE = {
    "submissions_open_at": datetime(2025, 2, 1, 9, 0, tzinfo=UTC),
    "submissions_close_at": datetime(2025, 4, 1, 22, 0, tzinfo=UTC),
    "scoring_open_at": datetime(2025, 4, 2, 8, 0, tzinfo=UTC),
    "scoring_close_at": datetime(2025, 5, 1, 22, 0, tzinfo=UTC),
    "publish_at": datetime(2025, 6, 12, 16, 0, tzinfo=UTC),
}
CRITERIA = (
    ("impact", "Impact", "Impact"),
    ("innovation", "Innovatie", "Innovation"),
    ("scalability", "Schaalbaarheid", "Scalability"),
    ("customer_focus", "Klantgerichtheid", "Customer focus"),
)


@pytest.fixture
def make_user(app, clock):
    def _make_user(
        email=None, *, name=None, admin=False, verified=True, password=PASSWORD, locale="en", **kw
    ):
        n = next(_seq)
        user = User(
            email=(email or f"user{n}@example.org").lower(),
            name=name or f"User {n}",
            is_admin=admin,
            email_verified_at=clock() if verified else None,
            created_at=clock(),
            locale=locale,
            **kw,
        )
        user.password_hash = _password_hash(user, password)
        db.session.add(user)
        db.session.flush()
        return user

    return _make_user


SEED_CATEGORIES = (
    ("data-transformation", "Data Transformation Award"),
    ("data-innovation", "Data Innovation Award"),
)


def seed_categories(count: int = 2) -> list[Category]:
    """The seed's first `count` categories (new rows, for a programme being built)."""
    return [
        Category(slug=slug, name_nl=name, name_en=name, shortlist_size=3, position=i)
        for i, (slug, name) in enumerate(SEED_CATEGORIES[:count], start=1)
    ]


def seed_criteria() -> list[Criterion]:
    """The seed's four equal-weight 1–10 criteria (new rows, for a programme being built)."""
    return [
        Criterion(
            key=key,
            name_nl=nl,
            name_en=en,
            weight=Decimal(1),
            min_score=Decimal(1),
            max_score=Decimal(10),
            step=Decimal(1),
            position=i,
        )
        for i, (key, nl, en) in enumerate(CRITERIA)
    ]


@pytest.fixture
def make_programme(app, clock):
    """A programme with the seed's two categories and four equal-weight 1–10 criteria."""

    def _make_programme(slug=None, *, quorum=1, trim=1, method="mean", **timeline):
        n = next(_seq)
        programme = Programme(
            slug=slug or f"cda-{n}",
            name=f"Customer Data Awards {n}",
            quorum=quorum,
            trim=trim,
            method=method,
            created_at=clock(),
            jury_terms_nl="Vertrouwelijkheid en belangenverstrengeling.",
            jury_terms_en="Confidentiality and conflicts of interest.",
            **{**TIMELINE, **timeline},
        )
        programme.categories = seed_categories()
        programme.criteria = seed_criteria()
        db.session.add(programme)
        db.session.flush()
        return programme

    return _make_programme


@pytest.fixture
def make_entry(clock, make_programme, make_user):
    def _make_entry(programme=None, *, category=None, owner=None, status="eligible", **kw):
        programme = programme or make_programme()
        category = category or programme.categories[0]
        n = next(_seq)
        entry = Entry(
            programme=programme,
            category=category,
            owner=owner if owner is not None else make_user(),
            ref=kw.pop("ref", f"E{n:03d}"),
            organisation=kw.pop("organisation", f"Organisation {n}"),
            title=kw.pop("title", f"Case {n}"),
            summary=kw.pop("summary", "A summary."),
            case_text=kw.pop("case_text", "The case."),
            status=status,
            created_at=clock(),
            updated_at=clock(),
            submitted_at=clock() if status != "draft" else None,
            **kw,
        )
        db.session.add(entry)
        db.session.flush()
        return entry

    return _make_entry


@pytest.fixture
def make_juror(app, clock, make_user):
    """A jury membership; terms accepted unless accepted=False."""

    def _make_juror(programme, user=None, *, role="member", affiliation="", accepted=True):
        member = JuryMember(
            programme=programme,
            user=user or make_user(),
            role=role,
            affiliation=affiliation,
            invited_at=clock(),
            terms_accepted_at=clock() if accepted else None,
        )
        db.session.add(member)
        db.session.flush()
        return member

    return _make_juror


# --- events -----------------------------------------------------------------------------------


def make_event(slug: str = "digital-talk", **kw) -> Event:
    """An online Digital Talk at START (45 minutes, 100 seats, open for 30 days until it
    starts), free for members and €50 + 21% VAT for others; `kw` overrides any column."""
    starts = kw.pop("starts_at", START)
    values = {
        "slug": slug,
        "title_nl": "DDMA Digital Talk: AP en cookiehandhaving",
        "title_en": "DDMA Digital Talk: the DPA and cookie enforcement",
        "kind": "Digital Talk",
        "starts_at": starts,
        "ends_at": starts + timedelta(minutes=45),
        "online": True,
        "capacity": 100,
        "registration_opens_at": starts - timedelta(days=30),
        "registration_closes_at": starts,
        "price_member_cents": 0,
        "price_non_member_cents": 5000,
        "vat_rate": Decimal("0.21"),
        "created_at": now(),
    }
    event = Event(**{**values, **kw})
    db.session.add(event)
    db.session.flush()
    return event


def make_registration(
    event: Event | None = None, state: str | None = None, *, paying: bool = False, **kw
) -> Registration:
    """A registration for `event` (by default a new event of its own) in `state`.

    By default as the attendee list shows one: confirmed, nothing to pay. With `paying=True`,
    a non-member who filled in the billing form (locale en): priced at `net_cents` (5000) plus
    21% VAT (none with `reverse_charge=True`), verified and, pending payment by default,
    holding the seat for 30 minutes. `kw` overrides any column.
    """
    event = event or make_event(f"digital-talk-{next(_seq)}")
    state = state or ("pending_payment" if paying else "confirmed")
    at = now()
    n = next(_seq)
    values: dict = {
        "event_id": event.id,
        "token": secrets.token_urlsafe(24),
        "state": state,
        "email": f"person{n}@example.com",
        "name": f"Person {n}",
        "privacy_consent_at": at,
        "created_at": at,
        "updated_at": at,
    }
    if paying:
        price = taxed(
            kw.pop("net_cents", 5000),
            Decimal("0.21"),
            reverse_charge=kw.pop("reverse_charge", False),
        )
        values.update(
            locale="en",
            audience="non_member",
            net_cents=price.net_cents,
            vat_cents=price.vat_cents,
            gross_cents=price.gross_cents,
            vat_rate=price.rate,
            reverse_charge=price.reverse_charge,
            billing_company="Example B.V.",
            billing_address="Keizersgracht 1",
            billing_postcode="1015 AA",
            billing_city="Amsterdam",
            billing_country="NL",
            verified_at=at,
            hold_expires_at=at + timedelta(minutes=30) if state == "pending_payment" else None,
            confirmed_at=at if state == "confirmed" else None,
        )
    registration = Registration(**{**values, **kw})
    db.session.add(registration)
    db.session.flush()
    return registration


def make_invoice(registration: Registration, number: str, *, series: str = "invoice") -> Invoice:
    """An issued €50 + €10.50 VAT invoice (or credit note) numbered `number` (…-<sequence>)."""
    invoice = Invoice(
        series=series,
        year=2025,
        sequence=int(number.rsplit("-", 1)[-1]),
        number=number,
        registration_id=registration.id,
        issued_at=now(),
        supplier={"name": "DDMA"},
        customer={"name": registration.name},
        lines=[],
        net_cents=5000,
        vat_cents=1050,
        gross_cents=6050,
    )
    db.session.add(invoice)
    db.session.flush()
    return invoice


def make_member_org(name: str = "DDMA", *domains: str) -> MemberOrganisation:
    """A member organisation with its e-mail domains (ddma.nl unless given)."""
    organisation = MemberOrganisation(name=name, created_at=now())
    organisation.domains = [MemberDomain(domain=d) for d in (domains or ("ddma.nl",))]
    db.session.add(organisation)
    db.session.flush()
    return organisation


def billing(**kw) -> Billing:
    values = {"company": "Acme BV", "address": "Dam 1", "postcode": "1012 JS",
              "city": "Amsterdam", "country": "NL", "vat_id": ""}  # fmt: skip
    values.update(kw)
    return Billing(**values)


def applicant(email: str, *, with_billing: bool = False, **kw) -> Applicant:
    kw.setdefault("name", "Isa Nieuwstad")
    kw.setdefault("privacy_consent", True)
    if with_billing:
        kw.setdefault("billing", billing())
    return Applicant(email=email, **kw)


def register(event, email: str, *, now: datetime = NOW, verify: bool = True, **kw) -> Registration:
    """Register `email` through the services (and verify), committed like a request would."""
    context = nullcontext() if has_request_context() else current_app.test_request_context()
    with context:  # the e-mails contain absolute links
        registration = registrations.start_registration(event, applicant(email, **kw), now=now)
        db.session.commit()
        if verify:
            registrations.verify_registration(registration, now=now)
            db.session.commit()
    return registration


def verify_link(message) -> str:
    """The path of the verification link in an `event_verify` mail."""
    match = re.search(r"https?://[^/\s]+(/events/r/\S+/verify)", message.body_text)
    assert match, message.body_text
    return match.group(1)


# --- scoring ----------------------------------------------------------------------------------


def make_scorecard(
    member: JuryMember,
    entry: Entry,
    values: int | Decimal | tuple = 5,
    *,
    status: str = "submitted",
    at: datetime | None = None,
    comment: str = "",
    round_no: int = 1,
) -> Scorecard:
    """`member`'s scorecard for `entry` in round `round_no`: `values` per criterion in order
    (one value for all), updated (and, when submitted, submitted) `at` (the clock's time
    unless given)."""
    at = at or now()
    criteria = entry.programme.criteria
    if not isinstance(values, tuple):
        values = (values,) * len(criteria)
    card = Scorecard(
        jury_member=member,
        entry=entry,
        status=status,
        comment=comment,
        round_no=round_no,
        updated_at=at,
        submitted_at=at if status == "submitted" else None,
    )
    card.scores = [
        Score(criterion=c, value=Decimal(v)) for c, v in zip(criteria, values, strict=True)
    ]
    db.session.add(card)
    db.session.flush()
    return card


# --- uploads ----------------------------------------------------------------------------------


def pdf_bytes(pages: int = 1, *, password: str | None = None) -> bytes:
    """A real PDF of `pages` blank A4 pages, encrypted with `password` if given."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_bytes() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


# The plain builders as fixtures, for tests that take them by name (they need the app).


@pytest.fixture(name="make_event")
def make_event_fixture(app):
    return make_event


@pytest.fixture(name="make_registration")
def make_registration_fixture(app):
    return make_registration


@pytest.fixture(name="make_scorecard")
def make_scorecard_fixture(app):
    return make_scorecard


def fresh(model, id_):
    """The row as the requests committed it: ends the test's own transaction first."""
    db.session.rollback()
    return db.session.get(model, id_)
