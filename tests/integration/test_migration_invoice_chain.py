"""The invoice-corrections migration on SQLite keeps the issued invoices and credit notes as
they were (it makes the table again: a table constraint goes only that way), keeps them
immutable (the trigger is made again) and holds the new chain rules; its downgrade brings the
one-invoice-per-registration constraint back. Runs the real Alembic migrations on a scratch
SQLite database with foreign keys on."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from core.extensions import db
from podium import create_app

BEFORE = "f3f9cf285f31"
AT = datetime(2025, 3, 1, 9, 0)


def _filler(column: sa.Column):
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.DateTime):
        return AT
    if isinstance(kind, sa.Integer | sa.Numeric):
        return 0
    if isinstance(kind, sa.JSON):
        return {}
    return "x"


def _insert(conn, name: str, **values) -> int:
    """A row of table `name` with `values`, every other required column filled in."""
    table = sa.Table(name, sa.MetaData(), autoload_with=conn)
    row = {
        c.name: _filler(c)
        for c in table.columns
        if not c.nullable and not c.primary_key and c.name not in values
    }
    return conn.execute(table.insert().values(**row, **values)).inserted_primary_key[0]


def test_issued_documents_survive_and_stay_immutable(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.sqlite'}"})
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            event = _insert(conn, "events", slug="talk", starts_at=AT, ends_at=datetime(2025, 3, 2))
            registration = _insert(conn, "registrations", event_id=event, token="t")
            invoice = _insert(
                conn, "invoices", series="invoice", number="2025-0001", sequence=1,
                registration_id=registration, customer={"company": "Example B.V."},
            )  # fmt: skip
            _insert(
                conn, "invoices", series="credit_note", number="CN2025-0001", sequence=1,
                registration_id=registration, credits_invoice_id=invoice,
            )  # fmt: skip
        upgrade()
        with db.engine.begin() as conn:
            rows = conn.execute(
                sa.text("SELECT number, credits_invoice_id, customer FROM invoices ORDER BY id")
            ).all()
            assert [(r[0], r[1]) for r in rows] == [("2025-0001", None), ("CN2025-0001", invoice)]
            assert '"Example B.V."' in rows[0][2]
            # the credited invoice may be replaced now, once
            _insert(
                conn, "invoices", series="invoice", number="2025-0002", sequence=2,
                registration_id=registration, replaces_invoice_id=invoice,
            )  # fmt: skip
        with db.engine.connect() as conn, pytest.raises(sa.exc.IntegrityError, match="cannot be"):
            conn.execute(sa.text("UPDATE invoices SET gross_cents = 1"))
        with db.engine.connect() as conn:
            indexes = {i["name"] for i in sa.inspect(conn).get_indexes("invoices")}
            assert "ix_invoices_registration_id" in indexes
        with db.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM invoices WHERE number = '2025-0002'"))
        downgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            numbers = conn.scalars(sa.text("SELECT number FROM invoices ORDER BY id")).all()
            assert numbers == ["2025-0001", "CN2025-0001"]
            uniques = {u["name"] for u in sa.inspect(conn).get_unique_constraints("invoices")}
            assert "uq_invoices_registration_series" in uniques
            assert "registration_transfers" not in sa.inspect(conn).get_table_names()
        with db.engine.connect() as conn, pytest.raises(sa.exc.IntegrityError, match="cannot be"):
            conn.execute(sa.text("UPDATE invoices SET gross_cents = 1"))
        db.engine.dispose()
