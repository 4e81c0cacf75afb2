"""PODIUM_ENV=production refuses to start on unsafe settings, naming each problem, while
development needs no settings at all (`make run`, `make test`)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import config
from core.config import UnsafeSettings
from events.providers import NoPayments, gateway_for
from podium import create_app
from tests.apps import PRODUCTION, another_app

# one problem each, and the word its message must name
UNSAFE = {
    "default secret key": ({"SECRET_KEY": config.DEV_SECRET_KEY}, "SECRET_KEY"),
    "short secret key": ({"SECRET_KEY": "s3cret"}, "SECRET_KEY"),
    # hole 5: limits in each worker's memory multiply by the number of workers
    "limits in memory": ({"RATELIMIT_STORAGE_URI": "memory://"}, "REDIS_URL"),
    "limits switched off": ({"RATELIMIT_ENABLED": False}, "RATELIMIT_ENABLED"),
    "Stripe without webhook secret": ({"STRIPE_WEBHOOK_SECRET": ""}, "STRIPE_WEBHOOK_SECRET"),
    # no Stripe key would mean the local test checkout
    "no Stripe key": ({"STRIPE_SECRET_KEY": "", "STRIPE_WEBHOOK_SECRET": ""}, "STRIPE_SECRET_KEY"),
    "unknown environment": ({"PODIUM_ENV": "prod"}, "PODIUM_ENV"),
}


def _refusal(session_app, **overrides) -> UnsafeSettings:
    with pytest.raises(UnsafeSettings) as refused, another_app(session_app, **overrides):
        pass
    return refused.value


@pytest.mark.parametrize("change", UNSAFE.values(), ids=UNSAFE.keys())
def test_production_refuses_each_unsafe_setting(session_app, change):
    overrides, named = change
    refused = _refusal(session_app, **{**PRODUCTION, **overrides})
    assert len(refused.problems) == 1
    assert named in refused.problems[0]
    assert named in str(refused)


def test_the_refusal_names_every_problem_at_once(session_app):
    refused = _refusal(
        session_app,
        PODIUM_ENV="production",
        SECRET_KEY=config.DEV_SECRET_KEY,
        RATELIMIT_STORAGE_URI="memory://",
        STRIPE_SECRET_KEY="sk_live_real_money",
        STRIPE_WEBHOOK_SECRET="",
    )
    assert [p.split()[0] for p in refused.problems] == [
        "SECRET_KEY",
        "REDIS_URL",
        "STRIPE_SECRET_KEY",
    ]
    assert str(refused).startswith("Podium refuses to start with these settings:\n- SECRET_KEY")


def test_production_from_the_environment_alone_refuses(monkeypatch):
    """What `gunicorn wsgi:app` does with PODIUM_ENV=production and nothing else."""
    for name in ("SECRET_KEY", "REDIS_URL", "STRIPE_SECRET_KEY", "PODIUM_WITHOUT_PAYMENTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PODIUM_ENV", "production")
    with pytest.raises(UnsafeSettings) as refused:
        create_app()
    assert len(refused.value.problems) == 3
    monkeypatch.setenv("PODIUM_ENV", "Production ")  # forgiving about case and spaces
    with pytest.raises(UnsafeSettings):
        create_app()


def test_development_needs_no_settings(monkeypatch, session_app):
    for name in ("PODIUM_ENV", "SECRET_KEY", "REDIS_URL", "STRIPE_SECRET_KEY", "PODIUM_PROXIES"):
        monkeypatch.delenv(name, raising=False)
    settings = config.from_env(config.ROOT / "instance")
    assert settings["PODIUM_ENV"] == "development"
    assert config.unsafe_settings(settings) == []
    assert config.secured(settings) == {}
    with another_app(session_app, PODIUM_ENV="development") as dev:
        assert dev.config["SECRET_KEY"] == config.DEV_SECRET_KEY
        assert not dev.config.get("SESSION_COOKIE_SECURE")
        assert gateway_for(dev).provider == "test"  # the local test checkout


def test_production_cookies_are_secure_whatever_the_overrides(session_app):
    with another_app(
        session_app, **PRODUCTION, SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False
    ) as production:
        assert production.config["SESSION_COOKIE_SECURE"] is True
        assert production.config["REMEMBER_COOKIE_SECURE"] is True
        assert production.config["PREFERRED_URL_SCHEME"] == "https"


def test_production_without_payments_when_asked_takes_none(session_app):
    unpaid = {**PRODUCTION, "STRIPE_SECRET_KEY": "", "STRIPE_WEBHOOK_SECRET": ""}
    with another_app(session_app, **unpaid, WITHOUT_PAYMENTS=True) as production:
        assert isinstance(gateway_for(production), NoPayments)


def test_the_remember_cookie_lasts_30_days_unless_configured(monkeypatch):
    monkeypatch.delenv("PODIUM_REMEMBER_DAYS", raising=False)
    assert config.from_env(config.ROOT / "instance")["REMEMBER_COOKIE_DURATION"] == timedelta(
        days=30
    )
    monkeypatch.setenv("PODIUM_REMEMBER_DAYS", "7")
    assert config.from_env(config.ROOT / "instance")["REMEMBER_COOKIE_DURATION"] == timedelta(
        days=7
    )


def test_a_negative_number_of_proxies_is_refused_in_any_mode(session_app):
    refused = _refusal(session_app, PROXIES=-1)
    assert "PODIUM_PROXIES" in refused.problems[0]
