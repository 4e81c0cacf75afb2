"""`flask events attendees EVENT [--format table|csv]` and the attendee query behind it."""

from __future__ import annotations

import csv
import io

import pytest

from core.extensions import db
from events.cli import events_cli
from events.models import Payment
from events.services.attendees import attendee_rows
from tests.factories import NOW, make_event, make_invoice, make_registration


@pytest.fixture
def run(app):
    group = events_cli
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(group, ["attendees", *args])


@pytest.fixture
def event():
    event = make_event("digital-talk-ap")
    paid = make_registration(
        event, name="Bea Betaald", email="bea@example.org", organisation="Acme",
        audience="non_member",
    )  # fmt: skip
    db.session.add(
        Payment(registration_id=paid.id, provider="test", idempotency_key="k1", amount_cents=123456,
                status="paid", expires_at=NOW, created_at=NOW, paid_at=NOW)
    )  # fmt: skip
    db.session.add(
        Payment(registration_id=paid.id, provider="test", idempotency_key="k2", amount_cents=999,
                status="expired", expires_at=NOW, created_at=NOW)
    )  # fmt: skip
    db.session.commit()
    make_invoice(paid, "2025-0042")
    make_registration(event, "waitlisted", name="Anna Wacht", email="anna@example.org",
                      organisation="@evil", audience="member")  # fmt: skip
    return event


def test_table_lists_every_registration(run, event):
    result = run("digital-talk-ap")
    assert result.exit_code == 0, result.output
    header, rule, first, second = result.output.splitlines()
    assert header.split() == [
        "name", "email", "organisation", "state", "audience", "amount_paid", "amount_refunded",
        "invoices",
    ]  # fmt: skip
    assert set(rule) == {"-", " "}
    assert first.split() == [
        "Anna",
        "Wacht",
        "anna@example.org",
        "@evil",
        "waitlisted",
        "member",
        "€0",
        "€0",
    ]
    assert second.split() == [
        "Bea", "Betaald", "bea@example.org", "Acme", "confirmed", "non_member", "€1.234,56",
        "€0", "2025-0042",
    ]  # fmt: skip


def test_csv_format_and_event_by_id(run, event):
    result = run(str(event.id), "--format", "csv", "--lang", "en")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [
        (r["name"], r["organisation"], r["amount_paid"], r["invoice_numbers"]) for r in rows
    ] == [
        ("Anna Wacht", "'@evil", "€0", ""),
        ("Bea Betaald", "Acme", "€1,234.56", "2025-0042"),
    ]


def test_unknown_event_is_an_error(run, event):
    result = run("no-such-event")
    assert result.exit_code == 1
    assert "no event with slug or id 'no-such-event'" in result.output


def test_bad_format_is_refused(run, event):
    assert run("digital-talk-ap", "--format", "xml").exit_code == 2


def test_attendee_query_is_a_fixed_number_of_queries(app, event):
    from sqlalchemy import event as sa_event

    for i in range(5):
        make_invoice(make_registration(event), f"2025-{100 + i:04d}")
    statements = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith("BEGIN"):  # SQLite's own BEGIN statement
            statements.append(statement)

    db.session.expire_all()
    sa_event.listen(db.engine, "before_cursor_execute", count)
    try:
        rows = attendee_rows(event)
        assert len(rows) == 7 and sum(len(r.invoice_numbers) for r in rows) == 6
        _ = [r.registration.name for r in rows]
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) <= 3  # the event itself (expired), registrations, invoices
