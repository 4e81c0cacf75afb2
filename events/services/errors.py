"""Coded domain errors of the events services; views show `message` and use `status`."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.errors import DomainError


class RegistrationClosed(DomainError):
    code = "registration_closed"
    message = _l("Registration for this event is closed.")


class AlreadyRegistered(DomainError):
    code = "already_registered"
    status = 409
    message = _l(
        "This e-mail address is already registered for this event. "
        "We can send the link to your registration again."
    )


class NotAvailable(DomainError):
    """The action does not fit the registration's state (an offer used twice, expired, ...)."""

    code = "not_available"
    status = 409
    message = _l("This is no longer possible for your registration.")


class TooLate(DomainError):
    code = "too_late"
    message = _l("It is too late for that.")


class TooSoon(DomainError):
    code = "too_soon"
    status = 429
    message = _l("We just sent you a link. Please wait a minute before asking again.")
