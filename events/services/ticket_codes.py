"""Ticket codes: what a confirmed registration's QR ticket says, and what staff type at the door.

A code is 12 symbols of Crockford's base 32 (digits and capitals without I, L, O and U: no
two look alike), 60 random bits from `secrets`, stored grouped for reading as
"XXXX-XXXX-XXXX" in `Registration.ticket_code` (unique). It is not the registration's link
`token`: a scanned ticket opens no link. A registration gets its code when it becomes
confirmed (`seats.transition`); one confirmed before codes existed gets it the first time it
is needed (`assign_code`, `assign_codes`). A code is written once, by a conditional UPDATE
(first writer wins), so two requests never give one registration two codes.
"""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from core.extensions import db
from events.models import Event, Registration
from events.payments import RegState

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32
GROUPS, GROUP_LENGTH = 3, 4
LENGTH = GROUPS * GROUP_LENGTH
#: what people type for what they mean (Crockford): O is zero, I and L are one
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_ATTEMPTS = 5


def group(symbols: str) -> str:
    """`symbols` (LENGTH of them) grouped for reading: "ABCD-EFGH-JKMN"."""
    return "-".join(symbols[i : i + GROUP_LENGTH] for i in range(0, LENGTH, GROUP_LENGTH))


def new_code() -> str:
    """A fresh random code, grouped."""
    return group("".join(secrets.choice(ALPHABET) for _ in range(LENGTH)))


def normalise(text: str) -> str | None:
    """The stored form of what was typed or scanned, or None when it cannot be a code.

    Takes the code as printed, in any case, with or without dashes and spaces, O for 0 and
    I/L for 1; or the check-in page's address that the QR code holds (its `code` parameter).
    """
    text = (text or "").strip()
    if len(text) > 500:
        return None
    if "://" in text:
        text = (parse_qs(urlsplit(text).query).get("code") or [""])[0]
    symbols = "".join(ch for ch in text.upper() if ch not in " -").translate(_READ_AS)
    if len(symbols) != LENGTH or any(ch not in ALPHABET for ch in symbols):
        return None
    return group(symbols)


def assign_code(registration: Registration) -> str:
    """The registration's ticket code, written now if it has none (first writer wins: a
    conditional UPDATE, retried with a new code in a savepoint on the rare duplicate)."""
    if registration.ticket_code:
        return registration.ticket_code
    for _ in range(_ATTEMPTS):
        try:
            with db.session.begin_nested():
                db.session.execute(
                    sa.update(Registration)
                    .where(Registration.id == registration.id, Registration.ticket_code.is_(None))
                    .values(ticket_code=new_code())
                    .execution_options(synchronize_session=False)
                )
        except IntegrityError:
            continue
        break
    db.session.refresh(registration, attribute_names=["ticket_code"])
    if not registration.ticket_code:  # five duplicates in a row: not from a random source
        raise RuntimeError("could not give the registration a unique ticket code")
    return registration.ticket_code


def assign_codes(event: Event) -> int:
    """Give every confirmed registration of `event` without a code its code (one query to
    find them); returns how many got one."""
    missing = db.session.scalars(
        sa.select(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.state == RegState.CONFIRMED.value,
            Registration.ticket_code.is_(None),
        )
        .order_by(Registration.id)
    ).all()
    for registration in missing:
        assign_code(registration)
    return len(missing)
