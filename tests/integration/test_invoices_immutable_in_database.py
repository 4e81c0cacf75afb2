"""Issued invoices are immutable in the database itself (migration 5e1f0a7c3b92), so raw
SQL, which passes the ORM guard of events.services.invoices by, cannot change them either."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.extensions import db
from events.models import Invoice
from events.services.invoices import issue_credit_note, issue_invoice


@pytest.fixture
def issued(app, clock, make_registration) -> Invoice:
    with app.test_request_context():
        invoice = issue_invoice(make_registration(state="confirmed", paying=True), now=clock())
        db.session.commit()
    return invoice


def test_raw_sql_cannot_change_an_issued_invoice(issued):
    for sql in ("UPDATE invoices SET gross_cents = 1", "UPDATE invoices SET number = 'X-1'"):
        with pytest.raises(sa.exc.IntegrityError, match="cannot be changed"):
            db.session.execute(sa.text(sql))
        db.session.rollback()
    assert db.session.scalars(sa.select(Invoice.gross_cents)).all() == [6050]


def test_raw_sql_cannot_delete_an_issued_invoice_on_postgresql(issued):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite: deletes are refused by the ORM guard only (see the migration)")
    with pytest.raises(sa.exc.IntegrityError, match="cannot be changed or deleted"):
        db.session.execute(sa.text("DELETE FROM invoices"))
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invoice)) == 1


def test_new_documents_are_still_issued(app, issued, clock):
    with app.test_request_context():
        note = issue_credit_note(db.session.get(Invoice, issued.id), now=clock(), reason="x")
        db.session.commit()
    assert note.number == "CN2025-0001" and note.gross_cents == -6050
