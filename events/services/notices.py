"""E-mails to registrants, queued through the outbox in the registrant's language.

Templates: `templates/mail/event_<kind>.txt`. Links in them are absolute (`url_for(...,
_external=True)`), so callers outside a request (CLI) push a request context with the
site's base URL first (see `events.cli`). Every function flushes only.
"""

from __future__ import annotations

from datetime import datetime
from email.utils import parseaddr

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from core.accounts.services import make_token
from core.emails import email_domain
from core.errors import NotFound
from core.money import format_eur
from core.outbox.services import queue_mail
from core.tokens import BadToken, read_token
from events.calendar import attendee_join_url, event_calendar
from events.documents import ticket_attachment
from events.invoice_document import REVERSE_CHARGE
from events.services import ticket_codes
from events.services.quotes import price_label
from events.ticket_pdf import ticket_pdf

VERIFY_PURPOSE = "event_verify"
VERIFY_MAX_AGE = 48 * 3600  # the verification link is valid for 48 hours


def verification_token(registration, *, now: datetime) -> str:
    """A token for the verification link, signed at `now` (the app clock), carrying the
    registration's own token."""
    return make_token(VERIFY_PURPOSE, registration.token, now=now)


def read_verification_token(token: str, *, now: datetime) -> str:
    """The registration token in a verification link made at most 48 hours before `now`.

    Raises BadToken (codes "bad_token", "expired_token") as `core.tokens.read_token` does.
    """
    payload = read_token(VERIFY_PURPOSE, token, max_age_seconds=VERIFY_MAX_AGE, now=now)
    if not isinstance(payload, str):
        raise BadToken(_l("This link is not valid."), code="bad_token")
    return payload


def expired_verification_token(token: str, *, now: datetime) -> str:
    """The registration token in a genuine but expired verification link (to offer a new
    link). Raises NotFound when the link is not one of ours."""
    try:
        payload = read_token(VERIFY_PURPOSE, token, max_age_seconds=10**10, now=now)
    except BadToken:
        raise NotFound() from None
    if not isinstance(payload, str):
        raise NotFound()
    return payload


def uid_domain() -> str:
    """The domain for calendar UIDs: that of MAIL_FROM ("podium.local" if it has none)."""
    return email_domain(parseaddr(current_app.config.get("MAIL_FROM", ""))[1]) or "podium.local"


def calendar_file(
    event, *, locale: str, now: datetime, registration=None, cancelled: bool = False
) -> bytes:
    """The .ics for `event` (public; the attendee version with `registration`; with
    `cancelled` the METHOD:CANCEL file that removes it from the attendee's calendar)."""
    return event_calendar(
        event,
        locale=locale,
        now=now,
        page_url=url_for("events.show", slug=event.slug, _external=True),
        uid_domain=uid_domain(),
        registration=registration,
        cancelled=cancelled,
    )


def _language(registration) -> str:
    return registration.locale if registration.locale in ("nl", "en") else "nl"


def price_text(registration) -> str:
    """The quoted price in the registrant's language: "Gratis"/"Free", "€50 excl. btw
    (€60,50 incl. btw)", or for reverse charge "€50 (Btw verlegd / VAT reverse-charged)"."""
    locale = _language(registration)
    if registration.reverse_charge:
        return f"{format_eur(registration.net_cents, locale)} ({REVERSE_CHARGE})"
    return price_label(registration.net_cents, registration.vat_rate, locale)


def _queue(registration, template: str, *, now: datetime, attachments=(), **context):
    event = registration.event
    return queue_mail(
        registration.email,
        template,
        now=now,
        locale=registration.locale,
        attachments=attachments,
        registration=registration,
        event=event,
        title=event.title(registration.locale),
        manage_url=url_for("events.manage", token=registration.token, _external=True),
        price=price_text(registration),
        paid=format_eur(registration.gross_cents, _language(registration)),
        **context,
    )


def send_verification(registration, *, now: datetime):
    """`event_verify`: the link that proves the address (valid 48 hours)."""
    token = verification_token(registration, now=now)
    link = url_for("events.verify", token=token, _external=True)
    return _queue(registration, "event_verify", now=now, verify_url=link, hours=48)


def send_manage_link(registration, *, now: datetime):
    """`event_manage_link`: the link to an existing registration's status page."""
    return _queue(registration, "event_manage_link", now=now)


def ticket_url(registration) -> str:
    """What the ticket's QR code holds: the staff check-in page of its event with the code
    filled in (a staff page: the address opens nothing for anyone else)."""
    return url_for(
        "events_checkin.scan",
        event_id=registration.event_id,
        code=registration.ticket_code,
        _external=True,
    )


def ticket_file(registration, *, now: datetime) -> bytes:
    """The ticket PDF of a confirmed registration (its code given first if it has none)."""
    ticket_codes.assign_code(registration)
    return ticket_pdf(registration, qr_text=ticket_url(registration), created_at=now)


def ticket_reference(registration, *, now: datetime) -> dict:
    """The ticket PDF as an outbox reference (rendered at delivery, after commit); the code
    is given here, inside the transaction."""
    ticket_codes.assign_code(registration)
    return ticket_attachment(registration, qr_text=ticket_url(registration), now=now)


def send_confirmation(registration, *, now: datetime):
    """`event_confirmed`, with the attendee's .ics (join link included when online) and the
    ticket PDF (its QR code and code) attached."""
    ics = calendar_file(
        registration.event, locale=registration.locale, now=now, registration=registration
    )
    ticket = ticket_reference(registration, now=now)
    return _queue(
        registration,
        "event_confirmed",
        now=now,
        attachments=[
            ("event.ics", "text/calendar", ics),
            ticket,
        ],
        join_url=attendee_join_url(registration.event, registration),
        ticket_code=registration.ticket_code,
    )


def send_waitlisted(registration, *, now: datetime, position: int | None):
    """`event_waitlisted`: the event is full; they are on the waiting list at `position`
    (`seats.waitlist_position`, 1 = next in line)."""
    return _queue(registration, "event_waitlisted", now=now, position=position)


def send_offer(registration, *, now: datetime):
    """`event_offer`: a one-time link to take a freed seat before `offer_expires_at`."""
    link = url_for("events.offer", token=registration.token, _external=True)
    return _queue(registration, "event_offer", now=now, offer_url=link)


def send_cancelled(registration, *, now: datetime, refunded: bool):
    """`event_cancelled`: confirms the cancellation (and the refund when `refunded`), with a
    cancelling .ics (METHOD:CANCEL, the confirmation's UID, a higher SEQUENCE) attached, so
    a calendar that imported the confirmation removes the meeting."""
    ics = calendar_file(registration.event, locale=registration.locale, now=now, cancelled=True)
    return _queue(
        registration,
        "event_cancelled",
        now=now,
        attachments=[("cancel.ics", "text/calendar", ics)],
        refunded=refunded,
    )


def send_payment_failed(registration, *, now: datetime):
    """`event_payment_failed`: the payment did not go through; the seat stays reserved until
    the hold ends and the pay link lets them try again."""
    link = url_for("payments.pay", token=registration.token, _external=True)
    return _queue(registration, "event_payment_failed", now=now, pay_url=link)


def send_late_payment_refunded(registration, *, now: datetime):
    """`event_late_payment_refunded`: the payment came too late for a seat and is refunded."""
    return _queue(registration, "event_late_payment_refunded", now=now)


def send_reminder(registration, *, now: datetime):
    """`event_reminder`: the event starts soon; the join link for confirmed online attendees,
    and the invitation to cancel only while the cancellation deadline has not passed."""
    return _queue(
        registration,
        "event_reminder",
        now=now,
        join_url=attendee_join_url(registration.event, registration),
        can_cancel=registration.cancellation(now).allowed,
    )
