"""The invoices of a registration form one chain in the database itself (migration
c4a7e2b9d1f3), on SQLite and PostgreSQL: one first invoice, a replacement only of a credited
invoice and only once, one credit note per invoice. So at most one invoice is live."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.extensions import db
from events.models import Invoice
from events.services.invoices import issue_credit_note, issue_invoice, reissue_invoice

INSERT = sa.text(
    "INSERT INTO invoices (series, year, sequence, number, registration_id, credits_invoice_id, "
    "replaces_invoice_id, issued_at, supplier, customer, lines, net_cents, vat_cents, "
    "gross_cents, reverse_charge, locale) VALUES (:series, 2025, :seq, :number, :r, :credits, "
    ":replaces, '2025-03-01 09:00:00', '{}', '{}', '[]', 0, 0, 0, false, 'en')"
)


@pytest.fixture
def first(app, clock, make_registration) -> Invoice:
    with app.test_request_context():
        invoice = issue_invoice(make_registration(state="confirmed", paying=True), now=clock())
        db.session.commit()
    return invoice


def _insert(first: Invoice, series: str, seq: int, *, credits=None, replaces=None) -> None:
    number = f"{'CN' if series == 'credit_note' else ''}2025-{seq:04d}"
    db.session.execute(
        INSERT,
        {"series": series, "seq": seq, "number": number, "r": first.registration_id,
         "credits": credits, "replaces": replaces},
    )  # fmt: skip


@pytest.mark.parametrize(
    "rows",
    [
        [("invoice", 2, None, None)],  # a second first invoice
        [("invoice", 2, None, "first")],  # replacing an invoice no credit note credits
        [("credit_note", 1, "first", None), ("credit_note", 2, "first", None)],  # credited twice
        [
            ("credit_note", 1, "first", None),
            ("invoice", 2, None, "first"),
            ("invoice", 3, None, "first"),  # replaced twice
        ],
    ],
)
def test_the_database_refuses_a_second_live_invoice(first, rows):
    with pytest.raises(sa.exc.IntegrityError):
        for series, seq, credits, replaces in rows:
            _insert(
                first,
                series,
                seq,
                credits=first.id if credits else None,
                replaces=first.id if replaces else None,
            )
            db.session.flush()
    db.session.rollback()
    assert db.session.scalars(sa.select(Invoice.number)).all() == ["2025-0001"]


def test_a_credited_invoice_is_replaced_once(app, clock, first):
    with app.test_request_context():
        original = db.session.get(Invoice, first.id)
        issue_credit_note(original, now=clock(), reason="address_corrected")
        new = reissue_invoice(original, original.registration, now=clock())
        db.session.commit()
    assert (new.number, new.replaces_invoice_id, new.gross_cents) == ("2025-0002", first.id, 6050)
