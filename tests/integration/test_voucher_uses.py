"""A voucher's maximum uses under concurrency: N parallel registrations (threads, each with
its own session and connection, released together) for a voucher with max_uses = k use it
exactly k times, never more; the others wait on the voucher step with nothing booked.

Runs on SQLite (the default) and on PostgreSQL with
TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test. The voucher is valid for every
event and the registrations are for different events, so the event lock does not serialise
them: only the one conditional UPDATE (`vouchers.claim`) keeps the count.
"""

from __future__ import annotations

from functools import partial

import pytest
import sqlalchemy as sa

from core.extensions import db
from events.models import Registration, Voucher
from events.services import registrations
from tests.factories import NOW, applicant, make_event, verify_link
from tests.threads import run_together

N = 8


@pytest.fixture(autouse=True)
def _context(app):
    with app.test_request_context():  # e-mails contain absolute links
        yield


def _voucher(max_uses: int, **kw) -> Voucher:
    voucher = Voucher(code="PAR-1", kind="free", max_uses=max_uses, created_at=NOW, **kw)
    db.session.add(voucher)
    db.session.flush()
    return voucher


def _pending(events, voucher) -> list[int]:
    ids = []
    for i, event in enumerate(events):
        registration = registrations.start_registration(
            event, applicant(f"p{i}@example.org"), now=NOW, voucher=voucher
        )
        ids.append(registration.id)
    db.session.commit()
    return ids


def _states(ids) -> dict[str, int]:
    db.session.rollback()
    rows = db.session.execute(
        sa.select(Registration.state, sa.func.count())
        .where(Registration.id.in_(ids))
        .group_by(Registration.state)
    )
    return dict(rows.all())


def _held(voucher_id: int) -> int:
    """Registrations holding a use: with the voucher, past verification, not terminal."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Registration)
        .where(
            Registration.voucher_id == voucher_id,
            Registration.state.in_(("confirmed", "pending_payment", "waitlisted", "offered")),
        )
    )


@pytest.mark.parametrize("k", [1, 3])
def test_parallel_verifications_across_events_use_the_voucher_exactly_k_times(app, clock, k):
    events = [make_event(f"talk-{i}") for i in range(N)]
    voucher = _voucher(k)
    ids = _pending(events, voucher)

    def verify(registration_id: int):
        registration = db.session.get(Registration, registration_id)
        return registrations.verify_registration(registration, now=clock())

    _, errors = run_together(app, [partial(verify, rid) for rid in ids])
    assert errors == []
    assert db.session.get(Voucher, voucher.id).used_count == k
    assert _held(voucher.id) == k
    assert _states(ids) == {"confirmed": k, "pending_verification": N - k}
    # the ones left out were verified and wait on the voucher step, with nothing charged
    waiting = db.session.scalars(
        sa.select(Registration).where(
            Registration.id.in_(ids), Registration.state == "pending_verification"
        )
    ).all()
    assert all(r.verified_at is not None and r.gross_cents == 0 for r in waiting)


def test_parallel_verification_requests_for_one_event(app, clock, outbox):
    event = make_event()
    voucher = _voucher(2, event_id=event.id)
    ids = _pending([event] * N, voucher)
    links = [verify_link(m) for m in outbox(kind="event_verify")]
    assert len(links) == N

    def open_link(path: str):
        response = app.test_client().get(path)
        assert response.status_code == 302
        return response.status_code

    _, errors = run_together(app, [partial(open_link, link) for link in links])
    assert errors == []
    assert db.session.get(Voucher, voucher.id).used_count == 2
    assert _states(ids) == {"confirmed": 2, "pending_verification": N - 2}


def test_the_database_refuses_more_uses_than_the_maximum(app):
    voucher = _voucher(1)
    db.session.commit()
    db.session.execute(sa.update(Voucher).where(Voucher.id == voucher.id).values(used_count=1))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.update(Voucher).where(Voucher.id == voucher.id).values(used_count=2))
    db.session.rollback()
