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
        "MAX_PDF_INFLATED_BYTES": 50 * 1024 * 1024,  # all of a PDF's streams, unpacked
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Podium <noreply@podium.local>"),
        "SMTP_HOST": os.environ.get("SMTP_HOST", ""),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", "25")),
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": os.environ.get("SMTP_STARTTLS", "") == "1",
        "ORGANISATION_NAME": os.environ.get("PODIUM_ORGANISATION", "DDMA"),
        # payments: Stripe when STRIPE_SECRET_KEY is set, else the local test checkout
        "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY", ""),
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET", ""),
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE", ""),
        # the supplier on invoices (Dutch legal fields)
        "SUPPLIER_NAME": os.environ.get("SUPPLIER_NAME", "DDMA"),
        "SUPPLIER_ADDRESS": os.environ.get(
            "SUPPLIER_ADDRESS", "Weesperstraat 5, 1018 DN Amsterdam"
        ),
        "SUPPLIER_VAT_ID": os.environ.get("SUPPLIER_VAT_ID", "NL000000000B01"),
        "SUPPLIER_KVK": os.environ.get("SUPPLIER_KVK", "00000000"),
        "INVOICE_PREFIX": os.environ.get("INVOICE_PREFIX", ""),
        # the site's address for links in e-mails sent by scheduled commands (no request)
        "BASE_URL": os.environ.get("PODIUM_BASE_URL", ""),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        # rate limits: per process in memory, or shared by every host in Redis
        "RATELIMIT_STORAGE_URI": os.environ.get("REDIS_URL") or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_KEY_PREFIX": "podium",
        "CLOCK": system_clock,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
    }
