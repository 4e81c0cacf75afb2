"""Podium's app factory: it only wires things together."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from core import config


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app; `overrides` (tests, scripts) win over the environment."""
    app = Flask(
        "podium",
        root_path=str(config.ROOT),
        instance_path=str(config.ROOT / "instance"),
        template_folder="templates",
        static_folder="static",
    )
    app.config.update(config.from_env(Path(app.instance_path)))
    app.config.update(overrides or {})
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_template_helpers(app)
    return app


def register_extensions(app: Flask) -> None:
    import awards.models  # noqa: F401  (tables known to Alembic)
    import core.audit.models
    import core.outbox.models  # noqa: F401
    import events.models  # noqa: F401
    from core.accounts.models import User
    from core.extensions import babel, csrf, db, limiter, login_manager, migrate
    from core.i18n import select_locale, select_timezone

    db.init_app(app)
    migrate.init_app(app, db, directory=str(config.ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"
    login_manager.user_loader(lambda user_id: db.session.get(User, int(user_id)))

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            _sqlite_pragmas(db.engine)


def _sqlite_pragmas(engine) -> None:
    """WAL, a busy timeout and enforced foreign keys on every SQLite connection, and our own
    BEGIN / BEGIN IMMEDIATE so capacity checks take the write lock first (core/locking.py)."""
    from sqlalchemy import event

    from core.locking import install_sqlite_locking

    install_sqlite_locking(engine)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def register_blueprints(app: Flask) -> None:
    from awards.views import admin as awards_admin
    from awards.views import entrant, jury, public, results
    from core import views as core_views
    from core.accounts import views as accounts
    from core.audit import views as audit
    from core.outbox import views as outbox
    from events import views as events
    from events import views_admin as events_admin
    from events import views_payments as events_payments

    for module in (
        core_views,
        accounts,
        outbox,
        audit,
        entrant,
        jury,
        awards_admin,
        results,
        public,
        events,
        events_admin,
        events_payments,
    ):
        app.register_blueprint(module.bp)


def register_errorhandlers(app: Flask) -> None:
    from core.errors import register_errorhandlers as register

    register(app)


def register_commands(app: Flask) -> None:
    from awards.cli import awards_cli
    from core.accounts.cli import users_cli
    from core.outbox.cli import outbox_cli
    from demo.cli import demo_cli
    from events.cli import events_cli

    for group in (users_cli, outbox_cli, awards_cli, demo_cli, events_cli):
        app.cli.add_command(group)


def register_template_helpers(app: Flask) -> None:
    from core import templating

    templating.register(app)
