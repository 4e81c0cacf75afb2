"""Stripe events in any order: for one checkout session, every order and redelivery of the
events Stripe may send ends in the state of the natural order.

Stripe does not promise to deliver events in the order they happened, and it delivers an
event again (same id) until it is answered 2xx. The scenarios below are what Stripe may
send for ONE checkout session; each step is something that happens at Stripe (played by
tests/stripe_server.py, which the real `stripe` library talks to) and the event it sends
about it:

| scenario                       | at Stripe, in this order        | events                          |
|--------------------------------|---------------------------------|---------------------------------|
| paid                           | card paid                       | completed                       |
| paid_refunded                  | card paid, refunded in full     | completed, charge.refunded      |
| paid_partly_refunded           | card paid, €10 refunded         | completed, charge.refunded      |
| paid_partly_then_fully_refunded| card paid, €10, then the rest   | completed, charge.refunded × 2  |
| delayed_paid                   | SEPA: completed unpaid, settles | completed, async_payment_succeeded |
| delayed_paid_refunded          | as delayed_paid, then refunded  | + charge.refunded               |
| delayed_failed                 | SEPA: completed unpaid, fails   | completed, async_payment_failed |
| expired                        | nobody paid                     | expired                         |

(A session that completed never expires at Stripe, so `expired` comes alone.)

The natural order is every event delivered once, right after its step. What it yields is
written out in NATURAL (and checked by `test_the_natural_order_yields`): paid, the seat is
confirmed with an invoice; refunded in full (in one or two refunds), the registration is
refunded with a credit note for the invoice and the seat offered to the waiting list; a
partial refund is only recorded on the payment (a human decides: no credit note, still
confirmed); a failed payment keeps the seat held (the registration stays payable until its
hold ends) and mails the payer the pay link once; an expired checkout releases the seat to
the waiting list; neither bills anything.

The property (`test_any_order_and_redelivery_yields_the_natural_end_state`): hypothesis
draws a scenario, a delivery order (a permutation plus redeliveries of the same event id)
and how far Stripe has got at each delivery (never behind the event delivered: an event is
only sent after its step happened). An event answered with anything but 200 is delivered
again after the schedule, as Stripe does. Then the end state — registration states,
payment row, seats taken, invoices and credit notes, e-mails queued, refunds at Stripe,
every event recorded — must equal NATURAL[scenario]. Runs on SQLite and, in the
PostgreSQL pass of `.ci/run`, on PostgreSQL (no marker: it is never skipped).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.extensions import db
from core.outbox.models import MailMessage
from events import documents as event_documents
from events.models import Invoice, Payment, Registration, WebhookEvent
from events.payments import HOLDS_SEAT
from events.providers import gateway_for
from events.services.checkout import start_checkout
from tests.factories import make_event, make_registration
from tests.stripe_server import StripeMock, event_body, post_webhook

PAYER, NEXT = "payer@example.com", "next@example.org"
COMPLETED = "checkout.session.completed"
SUCCEEDED = "checkout.session.async_payment_succeeded"
FAILED = "checkout.session.async_payment_failed"
EXPIRED = "checkout.session.expired"
REFUNDED = "charge.refunded"


@dataclass(frozen=True)
class Step:
    """Something that happens at Stripe (`at_stripe`, an action below) and the event about it."""

    at_stripe: str
    kind: str


SCENARIOS: dict[str, tuple[Step, ...]] = {
    "paid": (Step("pay", COMPLETED),),
    "paid_refunded": (Step("pay", COMPLETED), Step("refund 6050", REFUNDED)),
    "paid_partly_refunded": (Step("pay", COMPLETED), Step("refund 1000", REFUNDED)),
    "paid_partly_then_fully_refunded": (
        Step("pay", COMPLETED),
        Step("refund 1000", REFUNDED),
        Step("refund 5050", REFUNDED),
    ),
    "delayed_paid": (Step("complete unpaid", COMPLETED), Step("settle", SUCCEEDED)),
    "delayed_paid_refunded": (
        Step("complete unpaid", COMPLETED),
        Step("settle", SUCCEEDED),
        Step("refund 6050", REFUNDED),
    ),
    "delayed_failed": (Step("complete unpaid", COMPLETED), Step("fail", FAILED)),
    "expired": (Step("expire", EXPIRED),),
}

_PAID = {
    "registrations": {PAYER: "confirmed", NEXT: "waitlisted"},
    "payment": ("paid", 0, True),
    "seats_taken": 1,
    "documents": [("invoice", "2025-0001", 6050, None)],
    "mails": {(PAYER, "event_confirmed", 2): 1, (PAYER, "event_invoice", 1): 1},
    "refunds_at_stripe": [],
}
_REFUNDED = {
    "registrations": {PAYER: "refunded", NEXT: "offered"},
    "payment": ("refunded", 6050, True),
    "seats_taken": 1,
    "documents": [
        ("invoice", "2025-0001", 6050, None),
        ("credit_note", "CN2025-0001", -6050, "2025-0001"),
    ],
    "mails": {
        (PAYER, "event_confirmed", 2): 1,
        (PAYER, "event_invoice", 1): 1,
        (PAYER, "event_refund", 1): 1,
        (NEXT, "event_offer", 0): 1,
    },
    "refunds_at_stripe": [6050],
}
_RELEASED = {
    "registrations": {PAYER: "expired", NEXT: "offered"},
    "seats_taken": 1,
    "documents": [],
    "mails": {(NEXT, "event_offer", 0): 1},
    "refunds_at_stripe": [],
}

#: the end state of each scenario's natural order
NATURAL: dict[str, dict] = {
    "paid": _PAID,
    "paid_refunded": _REFUNDED,
    "paid_partly_refunded": {
        **_PAID,
        "payment": ("paid", 1000, True),
        "refunds_at_stripe": [1000],
    },
    "paid_partly_then_fully_refunded": {**_REFUNDED, "refunds_at_stripe": [1000, 5050]},
    "delayed_paid": _PAID,
    "delayed_paid_refunded": _REFUNDED,
    # a failed payment keeps the registration payable: the seat stays held until the hold
    # ends, and the payer is mailed the pay link to try again
    "delayed_failed": {
        "registrations": {PAYER: "pending_payment", NEXT: "waitlisted"},
        "payment": ("failed", 0, False),
        "seats_taken": 1,
        "documents": [],
        "mails": {(PAYER, "event_payment_failed", 0): 1},
        "refunds_at_stripe": [],
    },
    "expired": {**_RELEASED, "payment": ("expired", 0, False)},
}


class Account:
    """One checkout session at the fake Stripe, moved on step by step; keeps each step's
    event (its id fixed, so a redelivery is the same event)."""

    def __init__(self, stripe_api: StripeMock, session_id: str, scenario: str) -> None:
        self.stripe, self.session_id, self.scenario = stripe_api, session_id, scenario
        self.steps = SCENARIOS[scenario]
        self.events: list[bytes] = []

    def advance_to(self, reached: int) -> None:
        """Let the first `reached` steps happen at Stripe."""
        while len(self.events) < reached:
            step = self.steps[len(self.events)]
            action, _, amount = step.at_stripe.partition(" ")
            if action == "pay":
                obj = self.stripe.mark_paid(self.session_id)
            elif action == "complete":
                obj = self.stripe.complete_unpaid(self.session_id)
            elif action in ("settle", "fail"):
                obj = self.stripe.settle(self.session_id, paid=action == "settle")
            elif action == "expire":
                obj = self.stripe.expire(self.session_id)
            else:
                obj = self.stripe.refund_in_dashboard(self.session_id, int(amount))
            event_id = f"evt_{self.scenario}_{len(self.events)}"
            self.events.append(event_body(step.kind, obj, event_id))


def open_checkout(app, clock, stripe_api, scenario: str) -> Account:
    """Fresh tables and Stripe account: a one-seat event whose seat the payer holds while
    paying, one person on the waiting list, and the payer's checkout session."""
    db.session.rollback()
    app.extensions["podium_tests"]["tables"].empty()
    stripe_api.reset()
    event = make_event(capacity=1)
    payer = make_registration(event, paying=True, email=PAYER)
    make_registration(event, "waitlisted", email=NEXT, waitlisted_at=clock())
    with app.test_request_context():  # (its teardown rolls back: commit inside)
        payment = start_checkout(payer, now=clock(), gateway=gateway_for(app))
        db.session.commit()
    return Account(stripe_api, payment.session_id, scenario)


def deliver(client, account: Account, deliveries: list[int], progress: list[int]) -> list[int]:
    """Post the events in `deliveries` order, Stripe at `progress[k]` steps for the k-th;
    then, Stripe at its last step, deliver again each event not answered 200 (as Stripe
    does). Returns every status answered."""
    statuses, again = [], []
    for index, reached in zip(deliveries, progress, strict=True):
        account.advance_to(reached)
        response = post_webhook(client, account.events[index])
        statuses.append(response.status_code)
        if response.status_code != 200:
            again.append(index)
    account.advance_to(len(account.steps))
    for _round in range(3):
        retry, again = again, []
        for index in retry:
            response = post_webhook(client, account.events[index])
            statuses.append(response.status_code)
            if response.status_code != 200:
                again.append(index)
    assert not again, f"events never accepted: {again}"
    return statuses


def end_state(stripe_api: StripeMock) -> dict:
    db.session.rollback()  # see what the requests committed
    registrations = db.session.scalars(sa.select(Registration)).all()
    [payment] = db.session.scalars(sa.select(Payment)).all()
    invoices = db.session.scalars(sa.select(Invoice).order_by(Invoice.id)).all()
    numbers = {invoice.id: invoice.number for invoice in invoices}
    mails = db.session.scalars(sa.select(MailMessage)).all()
    return {
        "registrations": {r.email: r.state for r in registrations},
        "payment": (payment.status, payment.refunded_cents, payment.payment_intent_id is not None),
        "seats_taken": sum(r.state in HOLDS_SEAT for r in registrations),
        "documents": [
            (i.series, i.number, i.gross_cents, numbers.get(i.credits_invoice_id or 0))
            for i in invoices
        ],
        "mails": dict(Counter((m.to_addr, m.kind, len(m.attachments)) for m in mails)),
        "refunds_at_stripe": [r["amount"] for r in stripe_api.refunds.values()],
    }


@pytest.fixture
def quick_pdfs(monkeypatch):
    """Invoice PDFs as a few bytes naming the document: fpdf2 takes about 0.4 s to embed the
    font in each, and the PDFs are proven in test_invoices.py, not here."""
    monkeypatch.setattr(
        event_documents, "render_invoice_pdf", lambda doc: f"%PDF {doc.number}".encode()
    )


def recorded_events() -> dict[str, bool]:
    rows = db.session.scalars(sa.select(WebhookEvent)).all()
    return {row.event_id: row.processed_at is not None for row in rows}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_the_natural_order_yields(app, client, clock, stripe_api, quick_pdfs, scenario):
    """Each event once, right after its step: the end state written out in NATURAL."""
    account = open_checkout(app, clock, stripe_api, scenario)
    steps = range(len(SCENARIOS[scenario]))
    statuses = deliver(client, account, list(steps), [i + 1 for i in steps])
    assert set(statuses) == {200}
    assert end_state(stripe_api) == NATURAL[scenario]


@st.composite
def schedules(draw) -> tuple[str, list[int], list[int]]:
    """(scenario, the events in delivery order, how many steps Stripe has made at each)."""
    scenario = draw(st.sampled_from(sorted(SCENARIOS)))
    count = len(SCENARIOS[scenario])
    deliveries = list(draw(st.permutations(range(count))))
    for index in draw(st.lists(st.integers(0, count - 1), max_size=3)):
        deliveries.insert(draw(st.integers(0, len(deliveries))), index)  # a redelivery
    progress, reached = [], 0
    for index in deliveries:
        reached = max(reached, index + 1, draw(st.integers(0, count)))
        progress.append(reached)
    return scenario, deliveries, progress


@settings(
    max_examples=40,
    deadline=None,
    database=None,  # leave no .hypothesis/ directory in the tree
    # the function-scoped fixtures (app, client, the fake Stripe) serve every example;
    # `open_checkout` empties the tables and the Stripe account at the start of each
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(schedule=schedules())
def test_any_order_and_redelivery_yields_the_natural_end_state(
    app, client, clock, stripe_api, quick_pdfs, schedule
):
    scenario, deliveries, progress = schedule
    account = open_checkout(app, clock, stripe_api, scenario)
    statuses = deliver(client, account, deliveries, progress)
    # 409: not placeable yet, Stripe retries; never a 5xx, never a refusal
    assert set(statuses) <= {200, 409}
    assert end_state(stripe_api) == NATURAL[scenario]
    # every event was acknowledged only once it was recorded and processed
    assert recorded_events() == {f"evt_{scenario}_{i}": True for i in range(len(account.steps))}
