"""Shared fixtures. Fixtures return factories; each test builds only the data it asserts on.

One app serves the whole run (`session_app`, built once by `create_app()`), on a schema built
by the real Alembic migrations, on SQLite (a temporary file) or, when TEST_DATABASE_URL is
set, on that PostgreSQL database. Each test gets it through `app`: a fresh app context (so a
fresh `g` and session), its own fixed clock (`clock`, moved with `clock.set(...)` /
`clock.advance(...)`) and upload folder, the rate limits forgotten; afterwards the config is
restored and every table emptied. A module that reads one big data set in all its tests
loads it once with `load_once` (see tests/integration/test_demo.py).

The builders (tests/factories.py) flush; what a test built is committed when its next request
starts, as if it had been there before. Tests whose threads or second connections must see
the data commit it themselves.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import g, request
from flask_migrate import upgrade

from core.caching import cache as page_cache
from core.extensions import db, limiter
from events.providers import gateway_for
from events.services.checkout import start_checkout
from podium import create_app

pytest.register_assert_rewrite("tests.factories")  # a plugin (pytest_plugins), imported here
from tests.factories import NOW  # noqa: E402
from tests.stripe_server import WEBHOOK_SECRET, StripeMock  # noqa: E402


class FakeClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, at: datetime = NOW):
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        assert at.tzinfo is not None
        self.at = at

    def advance(self, **delta) -> datetime:
        self.at += timedelta(**delta)
        return self.at


def _test_database_url(tmp_path_factory) -> str:
    """SQLite: a file of this run (of this worker, under pytest-xdist: each has its own
    temporary directory). PostgreSQL: TEST_DATABASE_URL, or under pytest-xdist a database of
    the worker's own next to it (`test_gw0`, `test_gw1`, ...), created when missing."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None or not url.startswith("postgresql"):
        return url
    base = sa.make_url(url)
    own = base.set(database=f"{base.database}_{worker}")
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": own.database},
            )
            if not exists:
                conn.exec_driver_sql(f'CREATE DATABASE "{own.database}"')
    finally:
        engine.dispose()
    return own.render_as_string(hide_password=False)


_IN_REQUEST = "podium.tests.request"


def _fresh_g() -> None:
    for key in ("_login_user", "_flask_babel"):
        g.pop(key, None)


class Tables:
    """Empties every table after each test, unless a module fixture keeps the data it loaded
    for all the tests of its module (`with tables.kept(): ...`)."""

    def __init__(self) -> None:
        self.held = False
        self._postgres_reset: str | None = None

    def empty(self) -> None:
        tables = list(reversed(db.metadata.sorted_tables))  # children before their parents
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # DELETE, then every sequence back to 1, in one round trip: as TRUNCATE ...
                # RESTART IDENTITY leaves them, at a twentieth of its cost on small tables.
                # Triggers (the invoices' immutability) stay off for this transaction only,
                # as TRUNCATE passes them (the suite's user owns the database)
                conn.exec_driver_sql(self._postgres_script(conn, tables))
            else:
                for table in tables:
                    conn.execute(table.delete())

    def _postgres_script(self, conn, tables) -> str:
        if self._postgres_reset is None:
            sequences = conn.scalars(
                sa.text("SELECT relname FROM pg_class WHERE relkind = 'S' ORDER BY relname")
            ).all()
            deletes = [f'DELETE FROM "{table.name}"' for table in tables]
            restart = "SELECT " + ", ".join(f"setval('\"{s}\"', 1, false)" for s in sequences)
            replica = "SET LOCAL session_replication_role = replica"
            self._postgres_reset = "; ".join([replica, *deletes, restart])
        return self._postgres_reset

    @contextmanager
    def kept(self):
        """Inside, the per-test reset leaves the tables alone; on leaving, they are emptied."""
        self.held = True
        try:
            yield
        finally:
            self.held = False
            self.empty()


@pytest.fixture(scope="session")
def session_app(tmp_path_factory):
    """The one app of the run, on a database emptied and migrated to head.

    In production the app context (and with it the session and `g`) lives as long as one
    request. Here one context spans a whole test, so each request starts and ends as if it
    had its own: nothing uncommitted survives, Flask-Login reloads the user and Flask-Babel
    picks the locale again.
    """
    url = _test_database_url(tmp_path_factory)
    app = create_app(
        {
            "TESTING": True,
            # the app's lines (a request line each) stay out of failed tests' captured logs
            # (tests/web/test_health_and_logs.py lowers it to see them)
            "LOG_LEVEL": "WARNING",
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "CLOCK": FakeClock(),
            "UPLOAD_DIR": str(tmp_path_factory.mktemp("uploads")),
            "SECRET_KEY": "test-secret",
            "SMTP_HOST": "",
            # background tasks run eagerly, and mail stays queued after a commit for the tests
            # to read (tests/integration/test_tasks.py delivers it on commit)
            "CELERY_BROKER_URL": "",
            "OUTBOX_DELIVER_ON_COMMIT": False,
            # each event page view is written in its own request (tests/web/test_funnel.py
            # gives an app of its own a longer interval)
            "FUNNEL_FLUSH_SECONDS": 0,
        }
    )

    @app.before_request
    def _start_request():
        db.session.commit()  # what the test built (flushed) exists before its request
        request.environ[_IN_REQUEST] = True
        _fresh_g()

    @app.teardown_request
    def _end_request(_exc):
        if request.environ.get(_IN_REQUEST):
            db.session.rollback()
        else:  # a test's own test_request_context() or session_transaction(): keep its data
            db.session.commit()
        _fresh_g()

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        upgrade()
    app.extensions["podium_tests"] = {
        "tables": Tables(),
        # `create_app` rebinds the one global limiter; tests that build their own app
        # (test_csrf, test_rate_limits) leave it on theirs, so each test puts ours back.
        "limiter": (limiter._storage, limiter._limiter),
    }
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_url(session_app) -> str:
    """The test database, emptied and migrated to head once per run."""
    return session_app.config["SQLALCHEMY_DATABASE_URI"]


@pytest.fixture(scope="session")
def tables(session_app) -> Tables:
    return session_app.extensions["podium_tests"]["tables"]


@pytest.fixture(scope="session")
def load_once(session_app, tables):
    """For module fixtures that load data once for all the tests of a module:
    `with load_once(at): ...` runs in the app's context with the clock at `at`, and the
    tables keep what was loaded until the block ends (then they are emptied)."""

    @contextmanager
    def _load_once(at: datetime):
        config = dict(session_app.config)
        session_app.config["CLOCK"] = FakeClock(at)
        try:
            with session_app.app_context(), tables.kept():
                yield session_app
        finally:
            session_app.config.clear()
            session_app.config.update(config)

    return _load_once


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(session_app, tables, clock, tmp_path):
    """The session's app, in a fresh app context, with this test's clock and upload folder.

    The page cache starts empty. Afterwards the config is restored, the rate limits forgotten and every table emptied.
    """
    app = session_app
    config = dict(app.config)
    limiter._storage, limiter._limiter = app.extensions["podium_tests"]["limiter"]
    limiter.reset()
    app.config.update(CLOCK=clock, UPLOAD_DIR=str(tmp_path / "uploads"))
    try:
        with app.app_context():
            page_cache.clear()  # ids start again in every test's tables
            yield app
    finally:
        app.config.clear()
        app.config.update(config)
        if not tables.held:
            with app.app_context():
                tables.empty()


@pytest.fixture
def client(app):
    """A test client whose browser asks for English; Dutch tests pass `?lang=nl` or the header."""
    test_client = app.test_client()
    test_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return test_client


@pytest.fixture
def login(client):
    """login(user) signs `user` in on the test client (session cookie, as Flask-Login sets it)."""

    def _login(user, c=None):
        c = c or client
        with c.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return c

    return _login


@pytest.fixture
def outbox(app):
    """outbox() returns the queued e-mails, oldest first; outbox(to=...) filters by recipient."""
    from core.outbox.models import MailMessage

    def _outbox(to: str | None = None, kind: str | None = None):
        query = db.select(MailMessage).order_by(MailMessage.id)
        if to:
            query = query.where(MailMessage.to_addr == to)
        if kind:
            query = query.where(MailMessage.kind == kind)
        return db.session.scalars(query).all()

    return _outbox


@pytest.fixture
def stripe_api(app, clock):
    """The fake Stripe (tests/stripe_server.py), with the app configured for it (no retries)."""
    mock = StripeMock(clock=clock)
    base = mock.start()
    app.config.update(
        STRIPE_SECRET_KEY="sk_test_podium",
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=base,
        STRIPE_MAX_NETWORK_RETRIES=0,
    )
    yield mock
    mock.stop()


@pytest.fixture
def checkout(app, clock, stripe_api, make_registration):
    """checkout(registration=None) -> (registration, payment): a session opened at Stripe."""

    def _checkout(registration=None):
        registration = registration or make_registration(paying=True)
        with app.test_request_context():  # (its teardown rolls back: commit inside)
            payment = start_checkout(registration, now=clock(), gateway=gateway_for(app))
            db.session.commit()
        return registration, payment

    return _checkout


pytest_plugins = ["tests.factories"]
