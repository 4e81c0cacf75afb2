"""Podium's app factory, the composition root: it wires core and the domains together.

`core` knows no domain; this package is the one place that imports them all.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import event

from awards.cli import awards_cli
from awards.views import admin as awards_admin
from awards.views import admin_editions as awards_editions
from awards.views import admin_messages as awards_messages
from awards.views import admin_panels as awards_panels
from awards.views import admin_questions as awards_questions
from awards.views import admin_rounds as awards_rounds
from awards.views import admin_setup as awards_setup
from awards.views import deliberation, entrant, jury, jury_admin, public, results
from core import caching, config, http_headers, request_log, templating, transport, unit_of_work
from core.accounts import admin_views as users_admin
from core.accounts import views as accounts
from core.accounts.auth import load_user
from core.accounts.cli import users_cli
from core.audit import views as audit
from core.errors import register_errorhandlers
from core.extensions import babel, csrf, db, limiter, login_manager, migrate
from core.i18n import install_gettext, select_locale, select_timezone
from core.locking import install_sqlite_locking
from core.outbox import dispatch as outbox_dispatch
from core.outbox import views as outbox
from core.outbox.cli import outbox_cli
from core.tasks import init_celery
from demo.cli import demo_cli
from events import documents as event_documents
from events.cli import events_cli
from events.services import page_views
from events.views import admin as events_admin
from events.views import admin_attendees as events_attendees
from events.views import admin_bookings as events_bookings_admin
from events.views import admin_checkin as events_checkin
from events.views import admin_members as events_members
from events.views import admin_questions as events_questions
from events.views import admin_reports as events_reports
from events.views import admin_series as events_series
from events.views import admin_tickets as events_tickets
from events.views import admin_vouchers as events_vouchers
from events.views import bookings as events_bookings
from events.views import changes as events_changes
from events.views import changes_admin as events_changes_admin
from events.views import payments as events_payments
from events.views import public as events
from events.views import public_series as events_series_public
from events.views import ticket_choice as events_ticket_choice
from events.views import ticket_download as events_ticket
from events.views import type_changes as events_type_changes
from events.views import type_changes_admin as events_type_changes_admin
from events.views import voucher_step as events_voucher_step
from podium import tasks as periodic
from podium import views as site
from privacy import views as privacy
from privacy.cli import privacy_cli

BLUEPRINTS = (
    site,
    accounts,
    outbox,
    audit,
    entrant,
    jury,
    jury_admin,
    awards_admin,
    awards_setup,
    awards_panels,
    awards_questions,
    awards_editions,
    awards_rounds,
    awards_messages,
    results,
    deliberation,
    public,
    events,
    events_admin,
    events_attendees,
    events_members,
    events_payments,
    privacy,
    users_admin,
    events_checkin,
    events_ticket,
    events_reports,
    # changes after booking: the registrant's pages, the staff pages
    events_changes,
    events_changes_admin,
    events_tickets,
    events_ticket_choice,
    # vouchers
    events_vouchers,
    events_voucher_step,
    events_questions,
    events_series,
    events_series_public,
    events_bookings,
    events_bookings_admin,
    # ticket type changes after booking: the registrant's page, the staff page
    events_type_changes,
    events_type_changes_admin,
)
COMMANDS = (users_cli, outbox_cli, awards_cli, demo_cli, events_cli, privacy_cli)


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app; `overrides` (tests, scripts) win over the environment, and production's
    Secure cookies win over both. Raises `core.config.UnsafeSettings`, naming every problem,
    for settings that may not serve (`core.config.unsafe_settings`: with PODIUM_ENV=production
    the default SECRET_KEY, rate limits without Redis, Stripe without a webhook secret, no
    Stripe key unless PODIUM_WITHOUT_PAYMENTS=1)."""
    app = unit_of_work.App(
        "podium",
        root_path=str(config.ROOT),
        instance_path=str(config.ROOT / "instance"),
        template_folder="templates",
        static_folder="static",
    )
    app.config.update(config.from_env(Path(app.instance_path)))
    app.config.update(overrides or {})
    app.config.update(config.secured(app.config))
    problems = config.unsafe_settings(app.config)
    if problems:
        raise config.UnsafeSettings(problems)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    transport.register(app)
    request_log.register(app)
    register_extensions(app)
    for module in BLUEPRINTS:
        app.register_blueprint(module.bp)
    register_errorhandlers(app)
    for group in COMMANDS:
        app.cli.add_command(group)
    templating.register(app)
    http_headers.register(app)
    # background work: the outbox after each commit that queued mail, the periodic jobs
    init_celery(app, periodic.SCHEDULE)
    outbox_dispatch.register()
    # what mail attaches by reference, rendered after commit at delivery
    event_documents.register_renderers()
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(config.ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    install_gettext(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_user)
    caching.init_app(app)
    page_views.init_app(app)

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            _sqlite_pragmas(db.engine)


def _sqlite_pragmas(engine) -> None:
    """WAL, a busy timeout and enforced foreign keys on every SQLite connection, and our own
    BEGIN / BEGIN IMMEDIATE so capacity checks take the write lock first (core/locking.py)."""
    install_sqlite_locking(engine)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
