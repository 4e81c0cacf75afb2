"""Invoice numbering under real concurrency on PostgreSQL (row lock on the counter).

Skipped unless TEST_DATABASE_URL points at PostgreSQL.
"""

from __future__ import annotations

import os
import threading
import time

import pytest

from core.extensions import db
from events.models import Registration
from events.services.invoices import issue_invoice

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"),
        reason="needs TEST_DATABASE_URL pointing at PostgreSQL",
    ),
]

THREADS = 8


def _run(app, clock, registration_ids, *, roll_back: int | None = None):
    """Issue an invoice per registration, all threads released at once; returns sequences."""
    db.session.commit()  # the threads' connections must see the registrations
    barrier = threading.Barrier(len(registration_ids))
    numbers, errors = [], []

    def issue(index, registration_id):
        try:
            with app.app_context(), app.test_request_context():
                registration = db.session.get(Registration, registration_id)
                barrier.wait(timeout=10)
                invoice = issue_invoice(registration, now=clock())
                time.sleep(0.05)  # hold the counter lock a little: the others must queue
                if index == roll_back:
                    db.session.rollback()
                    return
                numbers.append(invoice.sequence)
                db.session.commit()
        except Exception as exc:  # pragma: no cover - reported by the assertion
            errors.append(exc)

    threads = [
        threading.Thread(target=issue, args=(index, registration_id))
        for index, registration_id in enumerate(registration_ids)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return sorted(numbers)


def test_concurrent_payments_get_numbers_1_to_n(app, clock, make_registration):
    assert db.engine.dialect.name == "postgresql"
    ids = [make_registration(state="confirmed", paying=True).id for _ in range(THREADS)]
    assert _run(app, clock, ids) == list(range(1, THREADS + 1))


def test_a_transaction_that_rolls_back_leaves_no_gap(app, clock, make_registration):
    ids = [make_registration(state="confirmed", paying=True).id for _ in range(THREADS)]
    numbers = _run(app, clock, ids, roll_back=3)
    assert numbers == list(range(1, THREADS))
