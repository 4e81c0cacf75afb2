"""Settings, read from the environment once at start-up."""

from __future__ import annotations

import os
from pathlib import Path

from core.clock import system_clock

ROOT = Path(__file__).resolve().parent.parent


def _database_url(instance: Path) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{instance / 'podium.sqlite'}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def from_env(instance: Path) -> dict:
    """The config mapping for `create_app`; every value can be overridden by the caller."""
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY", "dev-only-secret-change-me"),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
        "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,
        "UPLOAD_DIR": os.environ.get("PODIUM_UPLOAD_DIR", str(instance / "uploads")),
        "MAX_ATTACHMENT_BYTES": 10 * 1024 * 1024,
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Podium <noreply@podium.local>"),
        "SMTP_HOST": os.environ.get("SMTP_HOST", ""),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", "25")),
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": os.environ.get("SMTP_STARTTLS", "") == "1",
        "ORGANISATION_NAME": os.environ.get("PODIUM_ORGANISATION", "DDMA"),
        "CLOCK": system_clock,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
    }
