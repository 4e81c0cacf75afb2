"""`flask privacy purge [--dry-run] [--days N]`: registrations are anonymised a retention
period after their event ended; their invoices keep what they were issued with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from core.audit.models import AuditEntry
from core.extensions import db
from events.models import EventQuestion, Invoice, Registration, RegistrationAnswer
from events.services.invoices import issue_invoice
from privacy.cli import privacy_cli
from tests.factories import START, make_event, make_registration

ENDED = START + timedelta(minutes=45)  # when make_event's talk ends
A_YEAR_AFTER = ENDED + timedelta(days=365)


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(privacy_cli, ["purge", *args])


@pytest.fixture
def registrations(app, clock):
    """Two registrations of a talk that ended on START, one (paid, invoiced) of a later one."""
    old = make_event("digital-talk-old")
    paid = make_registration(old, "confirmed", paying=True, email="ann@example.org", name="Ann")
    invoice = issue_invoice(paid, now=clock())
    free = make_registration(old, email="bob@example.org", name="Bob", organisation="Acme")
    later = make_event("digital-talk-new", starts_at=datetime(2026, 1, 15, 11, 0, tzinfo=UTC))
    recent = make_registration(later, email="cas@example.org", name="Cas")
    db.session.commit()
    return {"paid": paid, "free": free, "recent": recent, "invoice": invoice}


def _names() -> dict[str, str]:
    db.session.expire_all()
    rows = db.session.scalars(sa.select(Registration).order_by(Registration.id))
    return {r.email: r.name for r in rows}


def _purges() -> list[AuditEntry]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.action == "privacy.purged")
            .order_by(AuditEntry.id)
        )
    )


def test_dry_run_counts_and_changes_nothing(run, clock, registrations):
    clock.set(A_YEAR_AFTER + timedelta(minutes=1))
    before = _names()
    result = run("--dry-run")
    assert result.exit_code == 0, result.output
    assert "Would anonymise 2 registration(s) of 1 event(s)" in result.output
    assert _names() == before
    assert _purges() == []


def test_purge_anonymises_old_registrations_keeps_invoices_and_is_idempotent(
    run, clock, registrations
):
    invoice_id = registrations["invoice"].id
    customer = dict(registrations["invoice"].customer)
    clock.set(A_YEAR_AFTER + timedelta(minutes=1))
    result = run()
    assert result.exit_code == 0, result.output
    assert "Anonymised 2 registration(s) of 1 event(s)" in result.output
    names = _names()
    assert names.pop("cas@example.org") == "Cas"
    assert sorted(names.values()) == ["[erased]", "[erased]"]
    assert all(email.endswith("@erased.invalid") for email in names)
    paid = db.session.get(Registration, registrations["paid"].id)
    assert (paid.state, paid.gross_cents, paid.billing_company) == ("confirmed", 6050, "")
    assert db.session.get(Invoice, invoice_id).customer == customer
    assert customer["name"] == "Ann"
    [entry] = _purges()
    assert (entry.data["registrations"], entry.data["events"]) == (2, 1)
    assert entry.data["retention_days"] == 365

    again = run()
    assert again.exit_code == 0 and "Anonymised 0 registration(s)" in again.output
    assert [e.data["registrations"] for e in _purges()] == [2, 0]


def test_nothing_is_purged_before_the_retention_period_ends(run, clock, registrations):
    clock.set(A_YEAR_AFTER - timedelta(minutes=1))
    assert "Anonymised 0 registration(s)" in run().output
    assert "[erased]" not in _names().values()


def test_the_retention_period_comes_from_the_config_or_the_option(app, run, clock, registrations):
    clock.set(ENDED + timedelta(days=31))
    app.config["PRIVACY_REGISTRATION_RETENTION_DAYS"] = 30
    assert "Would anonymise 2 registration(s)" in run("--dry-run").output
    assert "Would anonymise 0 registration(s)" in run("--dry-run", "--days", "60").output
    assert run("--days", "-1").exit_code == 2


def test_the_purge_deletes_the_answers_of_the_registrations_it_anonymises(
    run, clock, registrations
):
    """Answers to an event's questions (dietary needs) go with the registration's data; those
    of a registration still kept stay."""
    answered = {}
    for key in ("free", "recent"):
        registration = registrations[key]
        question = EventQuestion(
            event_id=registration.event_id, key="diet", kind="text", label_nl="Dieet",
            label_en="Diet", created_at=clock(),
        )  # fmt: skip
        db.session.add(question)
        db.session.flush()
        db.session.add(
            RegistrationAnswer(registration_id=registration.id, question_id=question.id,
                               value="Vegan")
        )  # fmt: skip
        answered[key] = registration.id
    db.session.commit()
    clock.set(A_YEAR_AFTER + timedelta(minutes=1))
    assert run().exit_code == 0
    db.session.expire_all()
    left = db.session.scalars(sa.select(RegistrationAnswer.registration_id)).all()
    assert left == [answered["recent"]]
