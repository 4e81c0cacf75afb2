"""All the data Podium holds on a person, as one JSON-ready document.

One query per table (see `privacy.people`); attachments are named, not included. Invoices and
credit notes are those of the person's registrations, as issued.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from privacy import people
from privacy.people import Person

# the document's lists, as the admin's summary names them
SECTIONS = {
    "entries": _l("Entries"),
    "jury_memberships": _l("Jury memberships"),
    "scorecards": _l("Scorecards"),
    "conflicts": _l("Conflicts of interest"),
    "registrations": _l("Event registrations"),
    "bookings": _l("Bookings for several attendees"),
    "payments": _l("Payments"),
    "invoices": _l("Invoices and credit notes"),
    "transfers": _l("Tickets handed on to them"),
    "mails": _l("E-mails"),
    "message_opt_outs": _l("Unsubscribed from messages"),
    "audit": _l("Audit entries"),
}


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(obj: Any, *names: str, **extra: Any) -> dict[str, Any]:
    return {**{name: _value(getattr(obj, name)) for name in names}, **extra}


def collect(person: Person, *, now: datetime) -> dict[str, Any]:
    """The document: the person's account, entries, jury memberships, scorecards, conflicts
    of interest, event registrations, payments, invoices and credit notes, the e-mails sent
    to them and the audit entries about them. Values are JSON types (times ISO 8601 UTC,
    decimals as strings)."""
    entries = people.entries(person)
    answers: dict[int, list[dict[str, Any]]] = {}
    for answer in people.entry_answers([e.id for e in entries]):
        answers.setdefault(answer.entry_id, []).append(
            _row(
                answer,
                "value_text",
                "value_number",
                "file_name",
                "updated_at",
                question=answer.question.label_en,
            )
        )
    memberships = people.jury_memberships(person)
    cards = people.scorecards(person)
    conflicts = people.conflicts(person)
    registrations = people.registrations(person)
    bookings = people.bookings(person)
    registration_ids = [r.id for r in registrations]
    registration_answers: dict[int, list[dict[str, Any]]] = {}
    for reg_answer in people.registration_answers(registration_ids):
        registration_answers.setdefault(reg_answer.registration_id, []).append(
            _row(reg_answer, "value", question=reg_answer.question.label_en)
        )
    payments = people.payments(registration_ids)
    invoices = people.invoices(registration_ids)
    mails = people.mails(person)
    transfers = people.transfers(person)
    opt_outs = people.message_opt_outs(person)
    audit = people.audit_entries(
        person,
        {
            "Entry": [e.id for e in entries],
            "JuryMember": [m.id for m in memberships],
            "Scorecard": [c.id for c in cards],
            "Conflict": [c.id for c in conflicts],
            "Registration": registration_ids,
            "Payment": [p.id for p in payments],
            "Invoice": [i.id for i in invoices],
        },
    )
    user = person.user
    return {
        "generated_at": now.isoformat(),
        "email": person.email,
        "account": None
        if user is None
        else _row(
            user,
            "id",
            "email",
            "name",
            "locale",
            "is_admin",
            "is_staff",
            "email_verified_at",
            "created_at",
            "deactivated_at",
        ),
        "entries": [
            _row(
                e,
                "id",
                "ref",
                "organisation",
                "title",
                "summary",
                "case_text",
                "status",
                "screening_reason",
                "created_at",
                "updated_at",
                "submitted_at",
                programme=e.programme.name,
                category=e.category.name_en,
                attachment=None
                if not e.attachment_name
                else {
                    "name": e.attachment_name,
                    "size_bytes": e.attachment_size,
                    "note": _(
                        "The file itself is not part of this download; "
                        "you can download it from the entry's page."
                    ),
                },
                answers=answers.get(e.id, []),
            )
            for e in entries
        ],
        "jury_memberships": [
            _row(
                m,
                "id",
                "role",
                "affiliation",
                "invited_at",
                "terms_accepted_at",
                programme=m.programme.name,
            )
            for m in memberships
        ],
        "scorecards": [
            _row(
                c,
                "id",
                "status",
                "comment",
                "updated_at",
                "submitted_at",
                entry=c.entry.ref,
                scores=[
                    {"criterion": s.criterion.key, "value": _value(s.value), "comment": s.comment}
                    for s in c.scores
                ],
            )
            for c in cards
        ],
        "conflicts": [
            _row(
                c,
                "id",
                "source",
                "reason",
                "status",
                "ruling_note",
                "ruled_at",
                "created_at",
                # the entry of a standing conflict stays sealed from the person, as on every
                # page they see; a dismissed one no longer bars them
                entry=None if c.bars else c.entry.ref,
            )
            for c in conflicts
        ],
        "registrations": [
            _row(
                r,
                "id",
                "state",
                "email",
                "name",
                "organisation",
                "job_title",
                "locale",
                "audience",
                "net_cents",
                "vat_cents",
                "gross_cents",
                "vat_rate",
                "reverse_charge",
                "billing_company",
                "billing_address",
                "billing_postcode",
                "billing_city",
                "billing_country",
                "vat_id",
                "privacy_consent_at",
                "newsletter_opt_in",
                "comp",
                "verified_at",
                "confirmed_at",
                "cancelled_at",
                "checked_in_at",
                "ticket_code",
                "created_at",
                "updated_at",
                event=r.event.title_en,
                event_starts_at=_value(r.event.starts_at),
                answers=registration_answers.get(r.id, []),
            )
            for r in registrations
        ],
        "bookings": [
            _row(
                b,
                "id",
                "booker_name",
                "booker_email",
                "locale",
                "attendees",
                "created_at",
                event=b.event.title_en,
            )
            for b in bookings
        ],
        "payments": [
            _row(
                p,
                "id",
                "registration_id",
                "provider",
                "amount_cents",
                "currency",
                "status",
                "refunded_cents",
                "created_at",
                "paid_at",
            )
            for p in payments
        ],
        "invoices": [
            _row(
                i,
                "id",
                "number",
                "series",
                "registration_id",
                "issued_at",
                "customer",
                "lines",
                "net_cents",
                "vat_cents",
                "gross_cents",
                "reverse_charge",
            )
            for i in invoices
        ],
        "transfers": [
            _row(
                t,
                "id",
                "registration_id",
                "state",
                "name",
                "email",
                "organisation",
                "locale",
                "created_at",
                "expires_at",
                "decided_at",
                event=t.registration.event.title_en,
            )
            for t in transfers
        ],
        "mails": [
            _row(
                m,
                "id",
                "to_addr",
                "subject",
                "kind",
                "status",
                "created_at",
                "sent_at",
                "body_text",
                attachments=[a.get("filename") for a in m.attachments or []],
            )
            for m in mails
        ],
        "message_opt_outs": [
            _row(o, "id", "created_at", programme_id=o.programme_id) for o in opt_outs
        ],
        "audit": [
            _row(
                a,
                "id",
                "at",
                "action",
                "object_type",
                "object_id",
                "scope_label",
                "data",
                by_them=a.actor_id is not None and a.actor_id == person.id,
            )
            for a in audit
        ],
    }


def to_json(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True, default=str)
