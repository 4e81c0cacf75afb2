"""Row locks for "check, then write": a row lock on PostgreSQL, the write lock first on SQLite.

A seat is allocated by reading how many seats are taken and then writing a new state; two
requests doing that at once must not both see the last seat free. `lock_row(Model, id)`
serialises them per row (a domain locks the row that owns the capacity):

* **PostgreSQL**: ``SELECT ... FROM <table> WHERE id = :id FOR UPDATE``. Concurrent
  transactions queue on that row until the holder commits; under READ COMMITTED every
  statement after the lock sees what the previous holder committed. With
  ``skip_locked=True`` (scheduled jobs on several hosts) a locked row is skipped instead.

* **SQLite** has no row locks, only one database-wide write lock, and Python's ``sqlite3``
  driver by default ("legacy transaction control") emits ``BEGIN`` only right before an
  INSERT/UPDATE/DELETE, so SELECTs run outside any transaction and a "check then write"
  is not atomic. We use the recipe documented by SQLAlchemy for the pysqlite dialect
  ("Enabling Non-Legacy SQLite Transactional Modes", sqlalchemy/dialects/sqlite/base.py):

  1. a ``connect`` listener sets ``dbapi_connection.isolation_level = None`` so the driver
     never emits BEGIN itself (it still sends COMMIT/ROLLBACK correctly);
  2. a ``begin`` listener emits our own ``BEGIN`` when SQLAlchemy starts a transaction, so
     SELECTs are inside it too (repeatable reads, transactional DDL, working SAVEPOINTs).

  The ``begin`` listener emits ``BEGIN IMMEDIATE`` instead when the context variable
  ``_IMMEDIATE`` is set (`write_transaction`). BEGIN IMMEDIATE takes the write lock at the
  start, waiting up to the connection's ``busy_timeout`` while another writer holds it, so
  concurrent requests queue. A plain (deferred) transaction that has read and then tries
  to write while another connection committed in between fails at once with "database is
  locked" (SQLITE_BUSY_SNAPSHOT in WAL mode; the busy timeout does not help), which is why
  the capacity check must start with the write lock.

  `lock_row` on SQLite therefore: refuses unflushed changes (a programming error: lock
  first, then change), rolls back a read-only transaction the session has open (its
  snapshot may be stale), begins a new one with BEGIN IMMEDIATE and re-selects the row.
  When the open transaction already holds the write lock (it began IMMEDIATE, or it has
  written rows, which in SQLite means it holds the write lock until it ends and read the
  newest data when it took it) it is kept. Re-locking in the same transaction is cheap.

`install_sqlite_locking(engine)` registers the two listeners (idempotent); the app factory
calls it for SQLite engines.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Literal, TypeVar, overload

import sqlalchemy as sa
from sqlalchemy import event as sa_event

from core.errors import NotFound
from core.extensions import db

#: Set while SQLAlchemy should open the next SQLite transaction with BEGIN IMMEDIATE.
_IMMEDIATE: ContextVar[bool] = ContextVar("podium_sqlite_begin_immediate", default=False)
_INFO_IMMEDIATE = "podium_immediate"
_INFO_CHANGES = "podium_changes_at_begin"
_Row = TypeVar("_Row")


def _on_connect(dbapi_connection, _record) -> None:
    # pysqlite: do not emit BEGIN implicitly; the "begin" listener does it.
    dbapi_connection.isolation_level = None


def _on_begin(conn) -> None:
    immediate = _IMMEDIATE.get()
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
    conn.info[_INFO_IMMEDIATE] = immediate
    conn.info[_INFO_CHANGES] = conn.connection.dbapi_connection.total_changes


def install_sqlite_locking(engine: sa.Engine) -> None:
    """Register the pysqlite transaction listeners on a SQLite `engine` (no-op if present).

    Connections already in the pool keep the driver's default; call ``engine.dispose()``
    afterwards if the engine has been used. Raises ValueError for a non-SQLite engine.
    """
    if engine.dialect.name != "sqlite":
        raise ValueError(f"install_sqlite_locking needs a SQLite engine, got {engine.dialect.name}")
    if not sa_event.contains(engine, "connect", _on_connect):
        sa_event.listen(engine, "connect", _on_connect)
    if not sa_event.contains(engine, "begin", _on_begin):
        sa_event.listen(engine, "begin", _on_begin)


def sqlite_locking_installed(engine: sa.Engine) -> bool:
    """Whether `install_sqlite_locking` has been applied to `engine`."""
    return sa_event.contains(engine, "begin", _on_begin)


@contextmanager
def _begin_immediate() -> Iterator[None]:
    token = _IMMEDIATE.set(True)
    try:
        yield
    finally:
        _IMMEDIATE.reset(token)


def _holds_write_lock(conn: sa.Connection) -> bool:
    if conn.info.get(_INFO_IMMEDIATE):
        return True
    changes_at_begin = conn.info.get(_INFO_CHANGES)
    dbapi_connection = conn.connection.dbapi_connection
    if changes_at_begin is None or dbapi_connection is None:
        return False
    return bool(dbapi_connection.total_changes > changes_at_begin)


def write_transaction() -> None:
    """Make the session's current transaction hold SQLite's write lock; no-op elsewhere.

    On SQLite: keeps a transaction that already holds the write lock; otherwise rolls back
    the open read-only transaction (loaded objects are expired and reload on access) and
    starts a new one with BEGIN IMMEDIATE, waiting for other writers up to the busy
    timeout. Raises RuntimeError when the session has unflushed changes in a transaction
    without the write lock (they would be lost: take the lock before changing anything),
    or when `install_sqlite_locking` was not applied to the engine.
    """
    session = db.session()  # the scoped session's Session for this app context
    engine = session.get_bind()
    if engine.dialect.name != "sqlite":
        return
    if not sqlite_locking_installed(engine.engine):
        raise RuntimeError("install_sqlite_locking(engine) has not been called for this engine")
    if session.in_transaction():
        if _holds_write_lock(session.connection()):
            return
        if session.new or session.dirty or session.deleted:
            raise RuntimeError(
                "write_transaction/lock_row called with unflushed changes; "
                "take the lock before changing objects"
            )
        session.rollback()
    with _begin_immediate():
        session.connection()


@overload
def lock_row(
    model: type[_Row],
    row_id: int,
    *,
    skip_locked: Literal[False] = False,
    timeout_ms: int | None = None,
) -> _Row: ...


@overload
def lock_row(
    model: type[_Row], row_id: int, *, skip_locked: bool, timeout_ms: int | None = None
) -> _Row | None: ...


def lock_row(
    model: type[_Row], row_id: int, *, skip_locked: bool = False, timeout_ms: int | None = None
) -> _Row | None:
    """The `model` row with primary key `row_id`, locked for the rest of the transaction.

    PostgreSQL: ``SELECT ... FOR UPDATE`` (``SKIP LOCKED`` with `skip_locked`, returning None
    when another transaction holds the row); with `timeout_ms` the transaction waits at most
    that long for any lock from here on (``SET LOCAL lock_timeout``), after which the
    database raises OperationalError. SQLite: `write_transaction` first, then the row is
    re-read. The returned object is refreshed from the database. Re-locking in the same
    transaction is cheap. Raises NotFound when there is no such row, and RuntimeError as
    `write_transaction` does. Call it before changing anything in the session.
    """
    write_transaction()
    postgres = db.session.get_bind().dialect.name == "postgresql"
    if postgres and timeout_ms is not None:
        db.session.execute(sa.text(f"SET LOCAL lock_timeout = {int(timeout_ms)}"))
    found = db.session.scalar(_lock_statement(model, skip_locked), {"row_id": row_id})
    if found is None:
        if skip_locked and postgres:
            key = sa.inspect(model).primary_key[0]
            exists = db.session.scalar(sa.select(key).where(key == row_id))
            if exists is not None:
                return None
        raise NotFound()
    return found


def _lock_statement(model: type, skip_locked: bool) -> sa.Select:
    """`lock_row`'s query for `model`, built once (for the `row_id` parameter): every seat,
    payment and invoice change takes a lock first."""
    found = _LOCK_STATEMENTS.get((model, skip_locked))
    if found is None:
        key: sa.ColumnElement = sa.inspect(model).primary_key[0]
        found = _LOCK_STATEMENTS[(model, skip_locked)] = (
            sa.select(model)
            .where(key == sa.bindparam("row_id"))
            .with_for_update(skip_locked=skip_locked)
            .execution_options(populate_existing=True)
        )
    return found


#: `_lock_statement`'s statements by (model, skip_locked)
_LOCK_STATEMENTS: dict[tuple[type, bool], sa.Select] = {}
