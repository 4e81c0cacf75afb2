"""Changes after booking under real concurrency on PostgreSQL: corrections of one invoice
address at once never leave two live invoices or a gap in either series, and one transfer
link accepted twice at once moves the ticket once.

Skipped unless TEST_DATABASE_URL points at PostgreSQL.
"""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from core.extensions import db
from events.models import Invoice, Registration, RegistrationTransfer
from events.services.input import Billing
from events.services.invoice_corrections import CorrectionRefused, correct_invoice_address
from events.services.invoices import issue_invoice
from events.services.transfers import (
    Colleague,
    TransferRefused,
    accept_transfer,
    request_transfer,
)
from tests.threads import run_together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"),
        reason="needs TEST_DATABASE_URL pointing at PostgreSQL",
    ),
]

THREADS = 6


def _billing(n: int) -> Billing:
    return Billing(
        company="Example Holding B.V.",
        address=f"Herengracht {n}",
        postcode="1016 BB",
        city="Amsterdam",
        country="NL",
    )


@pytest.fixture
def invoiced(app, clock, make_registration) -> int:
    with app.test_request_context():
        registration = make_registration(state="confirmed", paying=True)
        issue_invoice(registration, now=clock())
        db.session.commit()
        return registration.id


def _correct(registration_id: int, billing: Billing, clock):
    def job():
        registration = db.session.get(Registration, registration_id)
        _note, new = correct_invoice_address(registration, billing, now=clock())
        return new.number

    return job


def _documents() -> list[Invoice]:
    return db.session.scalars(sa.select(Invoice).order_by(Invoice.id)).all()


def _live(documents: list[Invoice]) -> list[str]:
    credited = {d.credits_invoice_id for d in documents if d.series == "credit_note"}
    return [d.number for d in documents if d.series == "invoice" and d.id not in credited]


def test_different_corrections_at_once_run_one_after_another(app, clock, invoiced):
    assert db.engine.dialect.name == "postgresql"
    jobs = [_correct(invoiced, _billing(n), clock) for n in range(THREADS)]
    results, errors = run_together(app, jobs)
    assert errors == [] and len(results) == THREADS
    documents = _documents()
    invoices = sorted(d.sequence for d in documents if d.series == "invoice")
    notes = sorted(d.sequence for d in documents if d.series == "credit_note")
    assert invoices == list(range(1, THREADS + 2)) and notes == list(range(1, THREADS + 1))
    live = _live(documents)
    assert len(live) == 1
    # one chain: each invoice replaces the one before it
    chain = [d for d in documents if d.series == "invoice"]
    assert [d.replaces_invoice_id for d in chain] == [None, *(d.id for d in chain[:-1])]


def test_the_same_correction_twice_at_once_is_made_once(app, clock, invoiced):
    jobs = [_correct(invoiced, _billing(7), clock) for _ in range(2)]
    results, errors = run_together(app, jobs)
    assert results == ["2025-0002"]
    assert [e.code for e in errors] == ["nothing_changed"]
    assert isinstance(errors[0], CorrectionRefused)
    assert [d.number for d in _documents()] == ["2025-0001", "CN2025-0001", "2025-0002"]


def test_the_database_refuses_a_second_live_invoice_without_the_lock(app, clock, invoiced):
    """Two transactions that both credit and replace the same invoice, as a correction that
    did not take the lock would: the second waits for the first and is refused."""
    original = db.session.scalars(sa.select(Invoice)).one()

    def raw_correction(n: int):
        def job():
            db.session.execute(
                sa.text(
                    "INSERT INTO invoices (series, year, sequence, number, registration_id, "
                    "credits_invoice_id, replaces_invoice_id, issued_at, supplier, customer, "
                    "lines, net_cents, vat_cents, gross_cents, reverse_charge, locale) "
                    "VALUES ('credit_note', 2025, :n, :cn, :r, :i, NULL, now(), '{}', '{}', "
                    "'[]', -5000, -1050, -6050, false, 'en'), "
                    "('invoice', 2025, :m, :num, :r, NULL, :i, now(), '{}', '{}', '[]', "
                    "5000, 1050, 6050, false, 'en')"
                ),
                {"n": n, "cn": f"CN2025-000{n}", "r": invoiced, "i": original.id,
                 "m": n + 1, "num": f"2025-000{n + 1}"},
            )  # fmt: skip

        return job

    results, errors = run_together(app, [raw_correction(1), raw_correction(5)])
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], sa.exc.IntegrityError)
    assert len(_live(_documents())) == 1


def test_one_transfer_link_accepted_twice_at_once_moves_the_ticket_once(
    app, clock, make_registration
):
    with app.test_request_context():
        registration = make_registration(state="confirmed", email="holder@example.com")
        transfer = request_transfer(
            registration, Colleague(name="Sam", email="sam@example.com"), now=clock()
        )
        db.session.commit()
        transfer_id, registration_id = transfer.id, registration.id

    def accept():
        pending = db.session.get(RegistrationTransfer, transfer_id)
        return accept_transfer(pending, now=clock(), consent=True).token

    results, errors = run_together(app, [accept, accept])
    assert len(results) == 1
    assert [(type(e), e.code) for e in errors] == [(TransferRefused, "link_used")]
    registration = db.session.get(Registration, registration_id)
    assert registration.email == "sam@example.com" and registration.token == results[0]
