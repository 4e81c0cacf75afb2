"""Signed, expiring tokens for links in e-mails (verification, password reset, jury invites)."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from core.errors import DomainError


class BadToken(DomainError):
    code = "bad_token"


class _ClockSigner(TimestampSigner):
    """A TimestampSigner that stamps the app clock's time instead of the system time."""

    def __init__(self, *args, at: int, **kwargs):
        super().__init__(*args, **kwargs)
        self._at = at

    def get_timestamp(self) -> int:
        return self._at


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"podium.{purpose}")


def make_token(purpose: str, payload, *, now: datetime) -> str:
    """A URL-safe token carrying `payload` (JSON-serialisable) for `purpose` only, signed at
    `now` (the app clock) so `read_token` measures its age on the same clock."""
    serializer = URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"],
        salt=f"podium.{purpose}",
        signer=_ClockSigner,
        signer_kwargs={"at": int(now.timestamp())},
    )
    return serializer.dumps(payload)


def read_token(purpose: str, token: str, *, max_age_seconds: int, now: datetime):
    """The payload of a token made for `purpose` at most `max_age_seconds` before `now`.

    Raises BadToken (code "expired_token" or "bad_token") for anything else.
    """
    from flask_babel import lazy_gettext as _l

    serializer = _serializer(purpose)
    try:
        payload, signed_at = serializer.loads(token, return_timestamp=True)
    except SignatureExpired as exc:  # pragma: no cover - we check age against `now` below
        raise BadToken(_l("This link has expired."), code="expired_token") from exc
    except BadSignature as exc:
        raise BadToken(_l("This link is not valid."), code="bad_token") from exc
    if (now - signed_at).total_seconds() > max_age_seconds:
        raise BadToken(_l("This link has expired."), code="expired_token")
    return payload
