"""Settings, read from the environment once at start-up, and the production mode's checks.

`PODIUM_ENV` is "development" (the default: `make run` and `make test` need no settings) or
"production". Production makes every cookie Secure and URLs https (`secured`), and
`create_app` refuses to start while `unsafe_settings` names a problem.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from core.clock import system_clock

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dev-only-secret-change-me"
ENVIRONMENTS = ("development", "production")
#: the shortest SECRET_KEY production accepts (`python -c "import secrets; print(secrets.token_hex(32))"`)
MIN_SECRET_KEY_LENGTH = 32


class UnsafeSettings(RuntimeError):
    """The configuration may not serve; `problems` names each problem (`unsafe_settings`)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            "Podium refuses to start with these settings:\n"
            + "\n".join(f"- {problem}" for problem in problems)
        )


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
        "PODIUM_ENV": os.environ.get("PODIUM_ENV", "development").strip().lower(),
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
        "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,
        "UPLOAD_DIR": os.environ.get("PODIUM_UPLOAD_DIR", str(instance / "uploads")),
        "MAX_ATTACHMENT_BYTES": 10 * 1024 * 1024,
        # group messages (awards.services.group_messages) one programme may send per hour
        "GROUP_MESSAGES_PER_HOUR": int(os.environ.get("PODIUM_GROUP_MESSAGES_PER_HOUR", "5")),
        "MAX_PDF_INFLATED_BYTES": 50 * 1024 * 1024,  # all of a PDF's streams, unpacked
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Podium <noreply@podium.local>"),
        "SMTP_HOST": os.environ.get("SMTP_HOST", ""),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", "25")),
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": os.environ.get("SMTP_STARTTLS", "") == "1",
        "ORGANISATION_NAME": os.environ.get("PODIUM_ORGANISATION", "DDMA"),
        # payments: Stripe when STRIPE_SECRET_KEY is set, else the local test checkout
        # (development only; production without a key needs PODIUM_WITHOUT_PAYMENTS=1 and
        # then takes no payments at all)
        "WITHOUT_PAYMENTS": os.environ.get("PODIUM_WITHOUT_PAYMENTS", "") == "1",
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
        # background work (core/tasks.py): Celery's broker, Redis by default; without one the
        # tasks run eagerly in the process that asks for them (development, tests)
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL", ""),
        # the broker queue the app sends to and the workers read (one per site on a shared Redis)
        "CELERY_QUEUE": os.environ.get("PODIUM_CELERY_QUEUE", "podium"),
        # deliver the outbox (a Celery task) after each commit that queued mail; 0: only the
        # periodic delivery (celery beat) or `flask outbox send` sends it
        "OUTBOX_DELIVER_ON_COMMIT": os.environ.get("PODIUM_OUTBOX_ON_COMMIT", "1") != "0",
        # event page views are tallied in each worker and written at most this often
        # (seconds; events/services/page_views.py); 0 writes each view in its request
        "FUNNEL_FLUSH_SECONDS": float(os.environ.get("PODIUM_FUNNEL_FLUSH_SECONDS", "2")),
        # log lines (core/request_log.py): "json" objects for a log collector, or "text"
        "LOG_LEVEL": os.environ.get("PODIUM_LOG_LEVEL", "INFO").upper(),
        "LOG_FORMAT": os.environ.get("PODIUM_LOG_FORMAT", "")
        or ("json" if os.environ.get("PODIUM_ENV", "").strip().lower() == "production" else "text"),
        # rate limits: per process in memory (development: each gunicorn worker and host
        # counts on its own), or shared by every worker and host in Redis (production)
        "RATELIMIT_STORAGE_URI": os.environ.get("REDIS_URL") or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_KEY_PREFIX": "podium",
        # privacy: days after an event its registrations are anonymised (`flask privacy purge`)
        "PRIVACY_REGISTRATION_RETENTION_DAYS": int(
            os.environ.get("PRIVACY_REGISTRATION_RETENTION_DAYS", "365")
        ),
        # the number of reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host
        # are trusted (werkzeug's ProxyFix); 0: those headers are ignored (cannot be spoofed)
        "PROXIES": int(os.environ.get("PODIUM_PROXIES", "0") or "0"),
        "CLOCK": system_clock,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # "stay logged in": Flask-Login's remember cookie, never readable by scripts nor sent
        # on cross-site POSTs; Secure in production (`secured`)
        "REMEMBER_COOKIE_DURATION": timedelta(
            days=int(os.environ.get("PODIUM_REMEMBER_DAYS", "30") or "30")
        ),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
    }


def is_production(config: Mapping[str, Any]) -> bool:
    """Whether the app runs with PODIUM_ENV=production."""
    return config.get("PODIUM_ENV") == "production"


def secured(config: Mapping[str, Any]) -> dict[str, Any]:
    """What production sets whatever else was configured: every cookie (session, remember)
    Secure and https URLs outside requests; nothing in development."""
    if not is_production(config):
        return {}
    return {
        "SESSION_COOKIE_SECURE": True,
        "REMEMBER_COOKIE_SECURE": True,
        "PREFERRED_URL_SCHEME": "https",
    }


def unsafe_settings(config: Mapping[str, Any]) -> list[str]:
    """Each reason the configuration may not serve (empty: it may). An unknown PODIUM_ENV or
    a negative PODIUM_PROXIES is a problem in any mode (a typo must not fall back to
    development); the rest only in production."""
    problems = []
    env = config.get("PODIUM_ENV")
    if env not in ENVIRONMENTS:
        problems.append(f"PODIUM_ENV is {env!r}: use one of {', '.join(ENVIRONMENTS)}.")
    proxies = config.get("PROXIES", 0)
    if not isinstance(proxies, int) or proxies < 0:
        problems.append(f"PODIUM_PROXIES is {proxies!r}: the number of proxies, 0 or more.")
    if not is_production(config):
        return problems
    secret = config.get("SECRET_KEY") or ""
    if secret == DEV_SECRET_KEY:
        problems.append("SECRET_KEY is the development default: set a random secret.")
    elif len(secret) < MIN_SECRET_KEY_LENGTH:
        problems.append(f"SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters.")
    if str(config.get("RATELIMIT_STORAGE_URI") or "memory://").startswith("memory://"):
        problems.append(
            "REDIS_URL is not set: rate limits kept in each worker's memory multiply by the "
            "number of workers and hosts."
        )
    if config.get("RATELIMIT_ENABLED") is False:
        problems.append("RATELIMIT_ENABLED is off: log-in and sign-up would have no limits.")
    if config.get("STRIPE_SECRET_KEY"):
        if not config.get("STRIPE_WEBHOOK_SECRET"):
            problems.append(
                "STRIPE_SECRET_KEY is set without STRIPE_WEBHOOK_SECRET: webhooks cannot be verified."
            )
    elif not config.get("WITHOUT_PAYMENTS"):
        problems.append(
            "STRIPE_SECRET_KEY is not set: set the Stripe keys, or PODIUM_WITHOUT_PAYMENTS=1 to "
            "run without payments (the local test checkout never runs in production)."
        )
    return problems
