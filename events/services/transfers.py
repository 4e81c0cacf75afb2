"""Transferring a ticket to a colleague.

1. `request_transfer`: the holder (through their registration link) or staff name a
   colleague (name, e-mail, organisation, language). A pending `RegistrationTransfer` is
   stored (a newer request replaces an older pending one) and the colleague gets the link
   (`event_transfer_verify`, valid TRANSFER_HOURS), at most one per address per
   `registrations.LINK_MAIL_INTERVAL`. Nothing changes for the holder yet.
2. `accept_transfer`: the colleague opened the link (which proves their address) and
   accepts. Under the event lock the registration's name, e-mail, organisation, language
   and account move to the colleague, the old answers and job title go, a new link token is
   issued (the old holder's links stop working; so does a QR ticket code, which is made
   again), and membership is decided again from the colleague's now verified address
   (`membership.audience_for`). Both people get an e-mail.

The price (`price_change`): a ticket the colleague would pay the same for moves as it is.
One the colleague would pay less for (a member taking over a paid non-member ticket) moves
too, and keeps the price that was paid: nothing is refunded, the invoice stays as issued
(the page and the e-mails say so). One the colleague would pay more for (a free member
seat to a non-member, or a ticket type they may not have) is refused: they can register
themselves.

Refused, with nothing changed: a registration that is not confirmed (still verifying or
paying, waitlisted, cancelled, ...), a checked-in ticket, an event that has started, the
holder's own address, a colleague already registered for the event, and a used, replaced
or expired link. Whether the colleague is registered is said to staff at once, but to a
holder only once the colleague opened the link (through the colleague), so a link holder
cannot test addresses (no enumeration).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l

from core.accounts.models import User, has_staff_rights
from core.audit.services import record
from core.emails import candidate_domains, email_domain
from core.errors import DomainError, InvalidInput, NotFound
from core.extensions import db
from core.outbox.models import MailMessage
from core.outbox.services import queue_mail
from events.models import Registration, RegistrationTransfer
from events.payments import RegState
from events.pricing import Audience
from events.services import notices
from events.services.errors import TooSoon
from events.services.input import LOCALES, clean_email
from events.services.membership import audience_for, member_organisation_for
from events.services.registrations import LINK_MAIL_INTERVAL, active_registration
from events.services.seats import lock_event

TRANSFER_HOURS = 48
PENDING, DONE, REPLACED = "pending", "done", "replaced"
VERIFY_MAIL = "event_transfer_verify"

REFUSALS = {
    "not_confirmed": _l(
        "Only a confirmed ticket can be transferred, and this registration is not confirmed."
    ),
    "checked_in": _l("This ticket was used to check in, so it can no longer be transferred."),
    "event_started": _l("The event has started, so the ticket can no longer be transferred."),
    "same_address": _l(
        "The ticket is already registered to that address: give your colleague's address."
    ),
    "already_registered": _l(
        "This address is already registered for this event, so it cannot take over another ticket."
    ),
    "member_ticket": _l(
        "A colleague who is not a member cannot take over a member ticket; they can "
        "register themselves."
    ),
    "ticket_type": _l(
        "Your colleague cannot have this kind of ticket; they can register themselves."
    ),
    "link_used": _l("This transfer link has been used already or was replaced by a newer one."),
    "link_expired": _l("This transfer link has expired. Ask for the ticket to be sent again."),
}


class TransferRefused(DomainError):
    code = "transfer_refused"
    status = 409
    message = _l("This ticket cannot be transferred.")


def _refuse(code: str) -> TransferRefused:
    return TransferRefused(REFUSALS[code], code=code)


@dataclass(frozen=True)
class Colleague:
    """Who takes the ticket over, as typed."""

    name: str
    email: str
    organisation: str = ""
    locale: str = "nl"


def _text(value) -> str:
    return " ".join(str(value or "").split())


def clean_colleague(colleague: Colleague) -> Colleague:
    """Trimmed; raises InvalidInput with field errors ("name", "email", "organisation")."""
    name, organisation = _text(colleague.name), _text(colleague.organisation)
    errors: dict[str, list] = {}
    if not name:
        errors["name"] = [_l("Enter your colleague's name.")]
    elif len(name) > 200:
        errors["name"] = [_l("A field is too long (at most %(n)s characters).", n=200)]
    if len(organisation) > 200:
        errors["organisation"] = [_l("A field is too long (at most %(n)s characters).", n=200)]
    try:
        email = clean_email(colleague.email)
    except InvalidInput as exc:
        errors["email"] = [exc.message]
        email = ""
    if errors:
        raise InvalidInput(errors=errors, code="bad_colleague")
    locale = colleague.locale if colleague.locale in LOCALES else "nl"
    return Colleague(name=name, email=email, organisation=organisation, locale=locale)


def refusal_for(registration: Registration, now: datetime) -> str | None:
    """Why the ticket cannot be transferred at `now` (a key of REFUSALS), or None."""
    if registration.state != RegState.CONFIRMED.value:
        return "not_confirmed"
    if registration.checked_in_at is not None:
        return "checked_in"
    if now >= registration.event.starts_at:
        return "event_started"
    return None


def _list_price(registration: Registration, audience: str | None, email: str) -> int | None:
    """What the ticket costs (net cents) for someone of `audience` at `email`; None when
    they may not have it (a member ticket type, or one for other e-mail domains)."""
    if registration.comp:
        return 0
    ticket_type = registration.ticket_type
    if ticket_type is not None:
        if ticket_type.audience == Audience.MEMBER.value and audience != Audience.MEMBER.value:
            return None
        domains = set(ticket_type.email_domains or [])
        if domains and not domains.intersection(candidate_domains(email_domain(email))):
            return None
        return ticket_type.price_cents
    event = registration.event
    if audience == Audience.MEMBER.value:
        return event.price_member_cents
    return event.price_non_member_cents


PriceChange = Literal["same", "lower", "higher", "not_allowed"]


def price_change(registration: Registration, audience: str, email: str) -> PriceChange:
    """How the ticket's price would change for a colleague of `audience` at `email`:
    "same", "lower" (the price paid is kept), "higher" or "not_allowed" (both refused)."""
    new = _list_price(registration, audience, email)
    if new is None:
        return "not_allowed"
    old = _list_price(registration, registration.audience, registration.email)
    if old is None or new == old:
        return "same"
    return "lower" if new < old else "higher"


def _refuse_price(change: PriceChange) -> None:
    if change == "higher":
        raise _refuse("member_ticket")
    if change == "not_allowed":
        raise _refuse("ticket_type")


def pending_transfer(registration: Registration) -> RegistrationTransfer | None:
    """The registration's pending transfer request (there is at most one), or None."""
    return db.session.scalar(
        sa.select(RegistrationTransfer).where(
            RegistrationTransfer.registration_id == registration.id,
            RegistrationTransfer.state == PENDING,
        )
    )


@dataclass(frozen=True)
class ChangeOptions:
    """What the registration page offers: a transfer, and the pending one if any."""

    can_transfer: bool
    pending: RegistrationTransfer | None


def change_options(registration: Registration, now: datetime) -> ChangeOptions:
    """The transfer offer for the registration page (two queries at most)."""
    if refusal_for(registration, now) is not None:
        return ChangeOptions(False, None)
    return ChangeOptions(True, pending_transfer(registration))


def _mailed_recently(email: str, *, now: datetime) -> bool:
    """Whether a transfer link went to `email` within LINK_MAIL_INTERVAL (only transfer
    links count: a holder must not learn that the address just got a registration link)."""
    return bool(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(MailMessage)
            .where(
                MailMessage.to_addr == email,
                MailMessage.kind == VERIFY_MAIL,
                MailMessage.created_at > now - LINK_MAIL_INTERVAL,
            )
        )
    )


def request_transfer(
    registration: Registration, colleague: Colleague, *, now: datetime, actor=None
) -> RegistrationTransfer:
    """Store a pending transfer to `colleague` and mail them the link; returns it.

    Takes the event lock; replaces a pending request of the registration. Staff (`actor`)
    are told at once when the colleague is registered for the event already. Raises
    InvalidInput (the colleague's fields), TransferRefused (see REFUSALS; "member_ticket"
    already when the address is none of a member organisation's, which no verification can
    change) and TooSoon (a link went to that address within LINK_MAIL_INTERVAL).
    """
    colleague = clean_colleague(colleague)
    event = lock_event(registration.event_id)
    db.session.refresh(registration)
    reason = refusal_for(registration, now)
    if reason is not None:
        raise _refuse(reason)
    if colleague.email == registration.email:
        raise _refuse("same_address")
    if has_staff_rights(actor) and active_registration(event.id, colleague.email) is not None:
        raise _refuse("already_registered")
    # only to refuse early: an address outside every member organisation is a non-member
    # whatever its verification shows (membership itself is decided on acceptance)
    if member_organisation_for(colleague.email) is None:
        _refuse_price(price_change(registration, Audience.NON_MEMBER.value, colleague.email))
    if _mailed_recently(colleague.email, now=now):
        raise TooSoon(
            _l("We just sent a link to that address. Please wait a minute before asking again.")
        )
    db.session.execute(
        sa.update(RegistrationTransfer)
        .where(
            RegistrationTransfer.registration_id == registration.id,
            RegistrationTransfer.state == PENDING,
        )
        .values(state=REPLACED, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    transfer = RegistrationTransfer(
        registration_id=registration.id,
        token=secrets.token_urlsafe(32),
        state=PENDING,
        name=colleague.name,
        email=colleague.email,
        organisation=colleague.organisation,
        locale=colleague.locale,
        requested_by_id=actor.id if has_staff_rights(actor) else None,
        created_at=now,
        expires_at=now + timedelta(hours=TRANSFER_HOURS),
    )
    db.session.add(transfer)
    db.session.flush()
    queue_mail(
        transfer.email,
        VERIFY_MAIL,
        now=now,
        locale=transfer.locale,
        transfer=transfer,
        holder=registration.name,
        event=event,
        title=event.title(transfer.locale),
        accept_url=url_for("events_changes.accept_transfer", token=transfer.token, _external=True),
        hours=TRANSFER_HOURS,
    )
    record(
        "registration.transfer_requested",
        registration,
        now=now,
        actor=actor,
        scope=event,
        transfer_id=transfer.id,
    )
    return transfer


def get_transfer(token: str) -> RegistrationTransfer:
    """The transfer whose link token is `token`; NotFound otherwise."""
    if not token or len(token) > 64:
        raise NotFound()
    transfer = db.session.scalar(
        sa.select(RegistrationTransfer).where(RegistrationTransfer.token == token)
    )
    if transfer is None:
        raise NotFound()
    return transfer


def link_state(transfer: RegistrationTransfer, now: datetime) -> str:
    """ "open", "used" (done, refused or replaced) or "expired"."""
    if transfer.state != PENDING:
        return "used"
    return "open" if now < transfer.expires_at else "expired"


def preview_change(transfer: RegistrationTransfer, now: datetime) -> PriceChange | None:
    """What accepting would do to the price, for the colleague's page (the link they
    opened proves their address); None when the link is not open."""
    if link_state(transfer, now) != "open":
        return None
    audience, _organisation = audience_for(transfer.email)
    return price_change(transfer.registration, audience.value, transfer.email)


def _account_for(email: str) -> User | None:
    return db.session.scalar(
        sa.select(User).where(
            User.email == email, User.email_verified_at.is_not(None), User.erased_at.is_(None)
        )
    )


def accept_transfer(
    transfer: RegistrationTransfer, *, now: datetime, consent: bool
) -> Registration:
    """The colleague accepts through the link: the ticket becomes theirs (see the module
    docstring). Takes the event lock. Raises InvalidInput("privacy_consent") without
    `consent`, TransferRefused (REFUSALS) with nothing changed. Flushes; records
    "registration.transferred"."""
    if not consent:
        raise InvalidInput(
            errors={
                "privacy_consent": [
                    _l("Please agree to the processing of your details for this registration.")
                ]
            },
            code="consent_required",
        )
    registration = transfer.registration
    event = lock_event(registration.event_id)
    db.session.refresh(transfer)
    db.session.refresh(registration)
    state = link_state(transfer, now)
    if state != "open":
        raise _refuse("link_used" if state == "used" else "link_expired")
    reason = refusal_for(registration, now)
    if reason is not None:
        raise _refuse(reason)
    if transfer.email == registration.email:
        raise _refuse("same_address")
    if active_registration(event.id, transfer.email) is not None:
        raise _refuse("already_registered")
    audience, organisation = audience_for(transfer.email)  # the link proved the address
    change = price_change(registration, audience.value, transfer.email)
    _refuse_price(change)
    old = {"email": registration.email, "name": registration.name, "locale": registration.locale}
    account = _account_for(transfer.email)
    registration.name = transfer.name
    registration.email = transfer.email
    registration.organisation = transfer.organisation
    registration.job_title = ""
    registration.locale = transfer.locale
    registration.newsletter_opt_in = False
    registration.privacy_consent_at = now
    registration.user_id = account.id if account is not None else None
    registration.audience = audience.value
    registration.member_organisation_id = organisation.id if organisation else None
    registration.token = secrets.token_urlsafe(32)
    registration.ticket_code = None  # a new one is made for the new holder's ticket
    registration.verified_at = now
    registration.updated_at = now
    registration.answers.clear()  # the old holder's answers (dietary needs, say)
    transfer.state = DONE
    transfer.decided_at = now
    db.session.flush()
    _mail_both(registration, old, price_kept=change == "lower", now=now)
    record(
        "registration.transferred",
        registration,
        now=now,
        scope=event,
        transfer_id=transfer.id,
        audience=audience.value,
        member_organisation_id=registration.member_organisation_id,
        price_kept=change == "lower",
    )
    return registration


def _mail_both(registration: Registration, old: dict, *, price_kept: bool, now: datetime) -> None:
    event = registration.event
    ics = notices.calendar_file(
        event, locale=registration.locale, now=now, registration=registration
    )
    queue_mail(
        registration.email,
        "event_transfer_received",
        now=now,
        locale=registration.locale,
        attachments=[("event.ics", "text/calendar", ics)],
        registration=registration,
        event=event,
        title=event.title(registration.locale),
        holder=old["name"],
        manage_url=url_for("events.manage", token=registration.token, _external=True),
        price_kept=price_kept,
    )
    cancel = notices.calendar_file(event, locale=old["locale"], now=now, cancelled=True)
    queue_mail(
        old["email"],
        "event_transferred",
        now=now,
        locale=old["locale"],
        attachments=[("cancel.ics", "text/calendar", cancel)],
        name=old["name"],
        colleague=registration.name,
        event=event,
        title=event.title(old["locale"]),
        price_kept=price_kept,
    )
