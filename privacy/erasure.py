"""Erasing a person on request (AVG/GDPR art. 17), everywhere except what the law keeps.

What happens per table (the privacy page says the same to the public):

- users: the account is anonymised (address `erased-u<id>@erased.invalid`, name "[erased]",
  no password, no admin right) and marked `erased_at`, which makes it inactive: it cannot
  log in, and a session or remember cookie of it opens nothing.
- entries: an awards entry is the organisation's case, not the entrant's: it stays (jury
  scores and published results depend on it), without its link to the person; so do its
  answers to the programme's questions (`entry_answers`), as part of the case.
- jury memberships and scorecards: they stay, so rankings and ratified results do not
  change; the juror is the anonymised account and the affiliation is cleared. This is done
  at once, not only after publication: a juror who asks to be erased has left the jury.
- registrations: refused while one still holds, wants or waits for a seat at an event that
  has not ended (cancel it first, with its refund); otherwise anonymised (address, name, organisation, job title, billing details and
  VAT id cleared; link to the account cut; the answers to the event's questions, such as
  dietary needs, deleted). Seats, prices and states stay for the event's
  accounting. Invoices and credit notes are not touched: Dutch fiscal law (art. 52 AWR)
  keeps them, with the name and address they were issued to, for 7 years; their PDFs are
  rendered from those rows and stay identical.
- ticket transfers to the person (they were the colleague named): name, address and
  organisation replaced; a pending one is refused, so its link opens nothing.
- bookings: a booking the person made is anonymised (booker's name and address) and its
  list of attendees still waiting for the booker's verification is emptied; a booking that
  names the person in that list has the list emptied (it can no longer be placed with them).
  The attendees' registrations are registrations as above.
- mails: those to the person are redacted (recipient, subject, bodies, attachments, extra
  headers such as List-Unsubscribe); those not yet sent are deleted.
- message opt-outs: they stay (only the account's id and the programme's): an erased account
  receives no group message anyway.
- webhook events: a provider event that names the person's address keeps only its id and type.
- free text: audit data, e-mails to others, and the juror's own comments and conflict
  reasons have the person's address and names replaced by "[erased]".
- audit log: one "privacy.erased" entry with counts, never the address or name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import lazyload

from awards.models import Conflict, Entry, JuryMember, Score, Scorecard
from core.accounts.models import User
from core.audit.models import AuditEntry
from core.audit.services import record
from core.emails import normalise_email
from core.errors import DomainError, InvalidInput, NotAllowed
from core.extensions import db
from core.outbox.models import MailMessage
from events.models import (
    Booking,
    Registration,
    RegistrationAnswer,
    RegistrationTransfer,
    WebhookEvent,
)
from events.payments import TERMINAL, RegState
from privacy import people
from privacy.people import ERASED_DOMAIN, Person, mentions

ERASED = "[erased]"


class CannotEraseSelf(NotAllowed):
    code = "erase_self"
    message = _l("You cannot erase your own account; ask another admin.")


class UpcomingRegistrations(DomainError):
    code = "upcoming_registrations"
    status = 409
    message = _l(
        "This person is registered for an event that has not ended yet: cancel that "
        "registration first (on the event's attendee page), then erase them."
    )


# registrations that no longer hold, want or wait for a seat (or never verified their address)
SETTLED = {*TERMINAL, RegState.PENDING_VERIFICATION}


@dataclass
class Erasure:
    """What an erasure changed, per table (the audit entry records these counts)."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, n: int) -> None:
        if n:
            self.counts[table] = self.counts.get(table, 0) + n


def erased_address(kind: str, row_id: int | None) -> str:
    return f"erased-{kind}{row_id}@{ERASED_DOMAIN}"


def _erased_address_sql(kind: str, column) -> sa.ColumnElement[str]:
    return sa.literal(f"erased-{kind}") + sa.cast(column, sa.String) + f"@{ERASED_DOMAIN}"


def _changed(statement: Any) -> int:
    """Run an UPDATE or DELETE; the number of rows it changed."""
    result: CursorResult[Any] = db.session.execute(  # type: ignore[assignment]
        statement.execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def anonymise_registrations(condition: sa.ColumnElement[bool], *, now: datetime) -> int:
    """Anonymise the registrations matching `condition` that are not anonymised yet, in one
    UPDATE, and delete their answers to the events' questions; returns how many
    registrations. Their invoices keep what they were issued with."""
    _changed(
        sa.delete(RegistrationAnswer).where(
            RegistrationAnswer.registration_id.in_(sa.select(Registration.id).where(condition))
        )
    )
    changed = _changed(
        sa.update(Registration)
        .where(condition, ~Registration.email.endswith("@" + ERASED_DOMAIN))
        .values(
            email=_erased_address_sql("r", Registration.id),
            name=ERASED,
            organisation="",
            job_title="",
            user_id=None,
            billing_company="",
            billing_address="",
            billing_postcode="",
            billing_city="",
            vat_id="",
            newsletter_opt_in=False,
            updated_at=now,
        )
    )
    db.session.expire_all()
    return changed


def erase_person(person: Person, *, actor: User, confirm: str, now: datetime) -> Erasure:
    """Erase `person` (see the module docstring for what happens per table).

    `confirm` must be the person's address as typed by the admin. Raises NotAllowed unless
    `actor` is an admin, CannotEraseSelf for the admin's own account, InvalidInput
    (field "confirm") when the typed address differs, UpcomingRegistrations while the
    person still has (or waits for) a seat at an event that has not ended: erasing them
    would leave a seat, offers and reminders to nobody. Flushes; records "privacy.erased".
    """
    if not actor.is_admin:
        raise NotAllowed()
    if person.user is not None and person.user.id == actor.id:
        raise CannotEraseSelf()
    if normalise_email(confirm) != person.email:
        raise InvalidInput(
            errors={"confirm": [_l("Type the person's e-mail address exactly to confirm.")]},
            code="confirm_mismatch",
        )
    if any(r.state not in SETTLED and r.event.ends_at > now for r in people.registrations(person)):
        raise UpcomingRegistrations()
    needles = person.needles()
    done = Erasure()
    subject = person.user if person.user is not None else person

    done.add("registrations", anonymise_registrations(people.registration_filter(person), now=now))
    _transfers(person, done, now=now)
    _bookings(person, done)
    _mails(person, done)
    _webhook_events(person, done)
    if person.user is not None:
        _account_rows(person.user, done, now=now)
    _scrub_free_text(needles, done)
    _scrub_audit(needles, done)
    db.session.expire_all()
    record("privacy.erased", subject, now=now, actor=actor, counts=done.counts)
    return done


def _account_rows(user: User, done: Erasure, *, now: datetime) -> None:
    done.add(
        "entries",
        _changed(sa.update(Entry).where(Entry.owner_id == user.id).values(owner_id=None)),
    )
    done.add(
        "jury_members",
        _changed(sa.update(JuryMember).where(JuryMember.user_id == user.id).values(affiliation="")),
    )
    user.email = erased_address("u", user.id)
    user.name = ERASED
    user.password_hash = None
    user.email_verified_at = None
    user.is_admin = False
    user.is_staff = False
    user.erased_at = now
    user.end_sessions()  # every session and remember cookie of the account stops working
    db.session.flush()
    done.add("users", 1)


def _transfers(person: Person, done: Erasure, *, now: datetime) -> None:
    condition = people.transfer_filter(person)
    _changed(
        sa.update(RegistrationTransfer)
        .where(condition, RegistrationTransfer.state == "pending")
        .values(state="refused", decided_at=now)
    )
    done.add(
        "registration_transfers",
        _changed(
            sa.update(RegistrationTransfer)
            .where(condition)
            .values(
                email=_erased_address_sql("t", RegistrationTransfer.id),
                name=ERASED,
                organisation="",
            )
        ),
    )


def _bookings(person: Person, done: Erasure) -> None:
    condition = people.booking_filter(person)
    done.add(
        "bookings",
        _changed(
            sa.update(Booking)
            .where(condition, sa.func.lower(Booking.booker_email) == person.email)
            .values(
                booker_name=ERASED,
                booker_email=_erased_address_sql("b", Booking.id),
                attendees=[],
            )
        ),
    )
    done.add("bookings", _changed(sa.update(Booking).where(condition).values(attendees=[])))


def _mails(person: Person, done: Erasure) -> None:
    condition = people.mail_filter(person)
    done.add(
        "mail_messages",
        _changed(sa.delete(MailMessage).where(condition, MailMessage.status == "queued")),
    )
    done.add(
        "mail_messages",
        _changed(
            sa.update(MailMessage)
            .where(condition)
            .values(
                to_addr=_erased_address_sql("m", MailMessage.id),
                subject=ERASED,
                body_text=ERASED,
                body_html=None,
                attachments=[],
                headers=None,
                last_error=None,
            )
        ),
    )


def _webhook_events(person: Person, done: Erasure) -> None:
    rows = db.session.scalars(
        sa.select(WebhookEvent).where(mentions(WebhookEvent.payload, (person.email,), kind="json"))
    ).all()
    for row in rows:
        row.payload = {"id": row.event_id, "type": row.type, "redacted": True}
    done.add("webhook_events", len(rows))


# Free text that may name the person, per table: (model, columns, how the text is stored).
FREE_TEXT: tuple[tuple[Any, tuple[str, ...], str], ...] = (
    (MailMessage, ("to_addr", "subject", "body_text", "last_error"), "text"),
    (MailMessage, ("body_html",), "html"),
    (Scorecard, ("comment",), "text"),
    (Score, ("comment",), "text"),
    (Conflict, ("reason", "ruling_note"), "text"),
)


def _pattern(needles: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(n) for n in needles)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def _scrub_free_text(needles: tuple[str, ...], done: Erasure) -> None:
    """Replace the person's address and names in the FREE_TEXT columns: one query per entry."""
    if not needles:
        return
    pattern = _pattern(needles)
    for model, columns, kind in FREE_TEXT:
        rows: Sequence[Any] = db.session.scalars(
            sa.select(model).where(
                sa.or_(*(mentions(getattr(model, c), needles, kind=kind) for c in columns))
            )
        ).all()
        changed = 0
        for row in rows:
            for column in columns:
                value = getattr(row, column)
                if isinstance(value, str):
                    new = (
                        _scrub_html(value, needles)
                        if kind == "html"
                        else pattern.sub(ERASED, value)
                    )
                    if new != value:
                        setattr(row, column, new)
                        changed += 1
        done.add(model.__tablename__, changed)
    db.session.flush()


def _scrub_html(value: str, needles: tuple[str, ...]) -> str:
    html_needles = tuple(dict.fromkeys((*needles, *(str(escape(n)) for n in needles))))
    return _pattern(html_needles).sub(ERASED, value)


def _scrub_value(value: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, list):
        return [_scrub_value(v, pattern) for v in value]
    if isinstance(value, dict):
        return {k: _scrub_value(v, pattern) for k, v in value.items()}
    return value


def _scrub_audit(needles: tuple[str, ...], done: Erasure) -> None:
    """Replace the person's address and names in audit data (e.g. "jury.invited" records the
    invited address); the entries themselves stay."""
    if not needles:
        return
    pattern = _pattern(needles)
    rows = db.session.scalars(
        sa.select(AuditEntry)
        .where(mentions(AuditEntry.data, needles, kind="json"))
        .options(lazyload(AuditEntry.actor))
    ).all()
    for row in rows:
        row.data = _scrub_value(row.data or {}, pattern)
    done.add("audit_entries", len(rows))
    db.session.flush()
