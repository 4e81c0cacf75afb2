"""Two doors at once, on the running PostgreSQL server: several staff phones scanning the same
ticket at the same moment check it in once (the first wins, one audit entry), and several
requests giving an old registration its ticket code agree on one code.

Run with TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test; skipped otherwise.
"""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from core.accounts.models import User
from core.audit.models import AuditEntry
from core.extensions import db
from events.models import Event, Registration
from events.services import checkin, ticket_codes
from events.services.checkin import Outcome
from tests.factories import make_event, make_registration
from tests.threads import run_together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
        reason="needs TEST_DATABASE_URL pointing at PostgreSQL",
    ),
]

N = 6


def test_doors_scanning_one_ticket_at_once_check_it_in_once(app, clock, make_user):
    event = make_event()
    registration = make_registration(event, name="Ada")
    code = ticket_codes.assign_code(registration)
    staff = [make_user(is_staff=True).id for _ in range(N)]
    event_id, at = event.id, clock()  # plain values: the threads have sessions of their own
    db.session.commit()

    def door(user_id: int):
        return checkin.check_in(
            db.session.get(Event, event_id), code, now=at, actor=db.session.get(User, user_id)
        ).outcome

    outcomes, errors = run_together(app, [lambda u=u: door(u) for u in staff])
    assert errors == []
    assert sorted(outcomes) == sorted([Outcome.CHECKED_IN] + [Outcome.ALREADY] * (N - 1))
    audits = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "registration.checked_in")
    )
    assert audits == 1


def test_requests_giving_an_old_registration_its_code_agree_on_one(app, clock):
    registration_id = make_registration(make_event()).id
    db.session.commit()

    def give():
        return ticket_codes.assign_code(db.session.get(Registration, registration_id))

    codes, errors = run_together(app, [give] * N)
    assert errors == []
    stored = db.session.get(Registration, registration_id).ticket_code
    assert codes == [stored] * N
