"""Builders for the registration-core tests (pages, registration, seats, waiting list).

Plain functions, like tests/events_admin_support.py (whose `make_event` and
`make_registration` they reuse), so the tests share them without touching tests/factories.py.
"""

from __future__ import annotations

import re
from contextlib import nullcontext
from datetime import datetime

from flask import current_app, has_request_context

from core.extensions import db
from events.models import MemberDomain, MemberOrganisation, Registration
from events.services import registrations
from events.services.input import Applicant, Billing
from tests.events_admin_support import NOW, START, make_event, make_registration

__all__ = [
    "NOW",
    "START",
    "applicant",
    "billing",
    "make_event",
    "make_member_org",
    "make_registration",
    "register",
    "verify_link",
]


def make_member_org(name: str = "DDMA", *domains: str) -> MemberOrganisation:
    organisation = MemberOrganisation(name=name, created_at=NOW)
    organisation.domains = [MemberDomain(domain=d) for d in (domains or ("ddma.nl",))]
    db.session.add(organisation)
    db.session.commit()
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
