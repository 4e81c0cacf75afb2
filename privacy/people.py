"""Who a person is, and which rows are theirs.

A person is an e-mail address, with the account that has it when there is one: people who
only registered for an event have no account. Each loader below runs one query per table;
export and erasure share them, so both see exactly the same rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from sqlalchemy.orm import joinedload, lazyload, selectinload

from awards.models import Conflict, Entry, EntryAnswer, JuryMember, MessageOptOut, Score, Scorecard
from core.accounts.models import User
from core.audit.models import AuditEntry
from core.emails import normalise_email
from core.errors import NotFound
from core.extensions import db
from core.outbox.models import MailMessage
from core.text import has_control
from events.models import (
    Booking,
    Invoice,
    Payment,
    Registration,
    RegistrationAnswer,
    RegistrationTransfer,
)

# A reserved top-level domain (RFC 2606): no real address ends in it, so an address in it
# marks a row that has been anonymised.
ERASED_DOMAIN = "erased.invalid"
MAX_ADDRESS = 254  # the longest address a mailbox can have (RFC 5321)


class PersonNotFound(NotFound):
    code = "person_not_found"
    message = _l("Podium holds no data on that person.")


@dataclass(frozen=True)
class Person:
    """A person: their (normalised) e-mail address and their account, if any.

    `id` is the account's id (None without one), so the audit log names a person the way it
    names any object without storing the address again.
    """

    email: str
    user: User | None = None
    names: tuple[str, ...] = field(default=())

    @property
    def id(self) -> int | None:
        return self.user.id if self.user is not None else None

    def needles(self) -> tuple[str, ...]:
        """The strings that identify this person in free text: the address and each name
        they used (the account's, each registration's), longest first."""
        found = {self.email, *(n.strip() for n in self.names)}
        return tuple(sorted((n for n in found if len(n) >= 3), key=lambda n: (-len(n), n)))


def find_person(*, email: str | None = None, user_id: int | None = None) -> Person:
    """The person with this account id or e-mail address: the account (by id, or by its
    address) and the names used on their registrations. Raises PersonNotFound when there is
    no account and no registration or e-mail with that address (or the account was erased)."""
    user = None
    if user_id is not None:
        user = db.session.get(User, user_id)
        if user is None or user.erased_at is not None:
            raise PersonNotFound()
        address = user.email
    else:
        address = normalise_email(email or "")
        if (
            not address
            or len(address) > MAX_ADDRESS
            or has_control(address, multiline=False)  # (no stored address holds one)
            or address.endswith("@" + ERASED_DOMAIN)
        ):
            raise PersonNotFound()
        user = db.session.scalar(sa.select(User).where(User.email == address))
        if user is not None and user.erased_at is not None:
            raise PersonNotFound()
    person = Person(email=address, user=user)
    names = db.session.scalars(
        sa.select(Registration.name)
        .where(registration_filter(person))
        .union(sa.select(RegistrationTransfer.name).where(transfer_filter(person)))
    ).all()
    if user is None and not names and not _has_mail(address):
        raise PersonNotFound()
    return Person(
        email=address,
        user=user,
        names=tuple(sorted({*(n for n in names if n), *([user.name] if user else [])})),
    )


def _has_mail(address: str) -> bool:
    return (
        db.session.scalar(
            sa.select(MailMessage.id).where(sa.func.lower(MailMessage.to_addr) == address).limit(1)
        )
        is not None
    )


def registration_filter(person: Person) -> sa.ColumnElement[bool]:
    """Registrations made by the account or with the address."""
    by_address = sa.func.lower(Registration.email) == person.email
    if person.id is None:
        return by_address
    return sa.or_(Registration.user_id == person.id, by_address)


def transfer_filter(person: Person) -> sa.ColumnElement[bool]:
    """Ticket transfers to the person (they are the colleague named)."""
    return sa.func.lower(RegistrationTransfer.email) == person.email


def mail_filter(person: Person) -> sa.ColumnElement[bool]:
    return sa.func.lower(MailMessage.to_addr) == person.email


# --- one query per table ----------------------------------------------------------------------


def entries(person: Person) -> list[Entry]:
    """The entries the person submitted (as their owner), with programme and category."""
    if person.id is None:
        return []
    return list(
        db.session.scalars(
            sa.select(Entry)
            .where(Entry.owner_id == person.id)
            .options(joinedload(Entry.programme), joinedload(Entry.category))
            .order_by(Entry.id)
        )
    )


def entry_answers(entry_ids: list[int]) -> list[EntryAnswer]:
    """The answers of these entries to their programmes' questions, with the question."""
    if not entry_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(EntryAnswer)
            .where(EntryAnswer.entry_id.in_(entry_ids))
            .options(joinedload(EntryAnswer.question))
            .order_by(EntryAnswer.entry_id, EntryAnswer.question_id)
        )
    )


def jury_memberships(person: Person) -> list[JuryMember]:
    if person.id is None:
        return []
    return list(
        db.session.scalars(
            sa.select(JuryMember)
            .where(JuryMember.user_id == person.id)
            .options(joinedload(JuryMember.programme))
            .order_by(JuryMember.id)
        )
    )


def message_opt_outs(person: Person) -> list[MessageOptOut]:
    """The programmes whose group messages the person unsubscribed from."""
    if person.id is None:
        return []
    return list(
        db.session.scalars(
            sa.select(MessageOptOut)
            .where(MessageOptOut.user_id == person.id)
            .order_by(MessageOptOut.id)
        )
    )


def scorecards(person: Person) -> list[Scorecard]:
    """The person's scorecards, with their scores (and criteria) and entries."""
    if person.id is None:
        return []
    return list(
        db.session.scalars(
            sa.select(Scorecard)
            .join(JuryMember, Scorecard.jury_member_id == JuryMember.id)
            .where(JuryMember.user_id == person.id)
            .options(
                joinedload(Scorecard.entry),
                selectinload(Scorecard.scores).joinedload(Score.criterion),
            )
            .order_by(Scorecard.id)
        )
    )


def conflicts(person: Person) -> list[Conflict]:
    """The conflicts of interest on the person's jury memberships (declared or detected)."""
    if person.id is None:
        return []
    return list(
        db.session.scalars(
            sa.select(Conflict)
            .join(JuryMember, Conflict.jury_member_id == JuryMember.id)
            .where(JuryMember.user_id == person.id)
            .options(joinedload(Conflict.entry))
            .order_by(Conflict.id)
        )
    )


def registrations(person: Person) -> list[Registration]:
    return list(
        db.session.scalars(
            sa.select(Registration)
            .where(registration_filter(person))
            .options(joinedload(Registration.event))
            .order_by(Registration.id)
        )
    )


def registration_answers(registration_ids: list[int]) -> list[RegistrationAnswer]:
    """The answers of these registrations to their events' questions (dietary needs, ...),
    with the question."""
    if not registration_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(RegistrationAnswer)
            .where(RegistrationAnswer.registration_id.in_(registration_ids))
            .options(joinedload(RegistrationAnswer.question))
            .order_by(RegistrationAnswer.registration_id, RegistrationAnswer.question_id)
        )
    )


def booking_filter(person: Person) -> sa.ColumnElement[bool]:
    """Bookings the person made (the booker's address), or names them among the attendees
    still waiting for the booker's verification."""
    return sa.or_(
        sa.func.lower(Booking.booker_email) == person.email,
        mentions(Booking.attendees, (person.email,), kind="json"),
    )


def bookings(person: Person) -> list[Booking]:
    return list(
        db.session.scalars(
            sa.select(Booking)
            .where(booking_filter(person))
            .options(joinedload(Booking.event))
            .order_by(Booking.id)
        )
    )


def payments(registration_ids: list[int]) -> list[Payment]:
    if not registration_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(Payment)
            .where(Payment.registration_id.in_(registration_ids))
            .order_by(Payment.id)
        )
    )


def invoices(registration_ids: list[int]) -> list[Invoice]:
    """Invoices and credit notes addressed to the person (those of their registrations)."""
    if not registration_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(Invoice)
            .where(Invoice.registration_id.in_(registration_ids))
            .order_by(Invoice.id)
        )
    )


def transfers(person: Person) -> list[RegistrationTransfer]:
    """The ticket transfers naming the person as the colleague, with the event."""
    return list(
        db.session.scalars(
            sa.select(RegistrationTransfer)
            .where(transfer_filter(person))
            .options(joinedload(RegistrationTransfer.registration).joinedload(Registration.event))
            .order_by(RegistrationTransfer.id)
        )
    )


def mails(person: Person) -> list[MailMessage]:
    return list(
        db.session.scalars(
            sa.select(MailMessage).where(mail_filter(person)).order_by(MailMessage.id)
        )
    )


def audit_entries(person: Person, objects: dict[str, list[int]]) -> list[AuditEntry]:
    """Audit entries about the person: those they acted in, those on their account, and those
    on their own rows (`objects`: class name → ids, e.g. {"Registration": [3, 4]})."""
    about = [
        sa.and_(AuditEntry.object_type == kind, AuditEntry.object_id.in_(ids))
        for kind, ids in objects.items()
        if ids
    ]
    if person.id is not None:
        about += [
            AuditEntry.actor_id == person.id,
            sa.and_(
                AuditEntry.object_type.in_(("User", "Person")), AuditEntry.object_id == person.id
            ),
        ]
    if not about:
        return []
    return list(
        db.session.scalars(
            sa.select(AuditEntry)
            .where(sa.or_(*about))
            .options(lazyload(AuditEntry.actor))
            .order_by(AuditEntry.id)
        )
    )


# --- finding a person in free text ------------------------------------------------------------


def mentions(column, needles: tuple[str, ...], *, kind: str = "text") -> sa.ColumnElement[bool]:
    """A condition true where `column` contains one of `needles`, ignoring case.

    On SQLite, which lowers only ASCII letters, a non-ASCII needle is found in its own case
    or in lower case. `kind` says how the column stores text: "text" as is, "json" as serialised JSON (non-ASCII
    escaped, so "Zoë" is stored as "Zo\\u00eb"), "html" escaped for HTML ("O'Brien" as
    "O&#39;Brien"); each needle is looked for in that form too.
    """
    forms: set[str] = set()
    for needle in needles:
        forms.add(needle)
        if kind == "json":
            forms.add(json.dumps(needle)[1:-1])
        elif kind == "html":
            forms.add(str(escape(needle)))
    text = sa.cast(column, sa.Text) if kind == "json" else column
    # lower() on both sides, and the needle as written: SQLite lowers only ASCII letters
    return sa.or_(
        *(sa.func.lower(text).contains(f.lower(), autoescape=True) for f in sorted(forms)),
        *(text.contains(f, autoescape=True) for f in sorted(forms)),
    )
