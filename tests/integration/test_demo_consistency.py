"""The loaded demo agrees with its own timeline, every demo account can log in with the
password the README gives, and `flask demo load --phase X` puts Customer Data Awards 2026 in
phase X (and the demo stays consistent when it is moved)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g

from awards.models import Entry, JuryMember, Programme, Scorecard
from awards.timeline import Timeline
from core.accounts.auth import load_user
from core.extensions import db
from demo.services import ADMIN, DEMO_PASSWORD, ENTRANT, PHASES, jurors
from events.models import Event

LOADED_AT = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
README = Path(__file__).resolve().parents[2] / "README.md"
ACCOUNTS = [ADMIN[0], ENTRANT[0], *(email for email, _ in jurors())]


@pytest.fixture(scope="module")
def loaded_demo(load_once):
    with load_once(LOADED_AT) as app:
        result = app.test_cli_runner().invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output
        yield result


@pytest.fixture
def demo(app, clock, loaded_demo):
    clock.set(LOADED_AT)
    return loaded_demo


def inconsistencies(now: datetime) -> list[str]:
    """Everything in the loaded demo that contradicts its own timeline at `now`."""
    found = []
    for entry in db.session.scalars(sa.select(Entry).where(Entry.submitted_at.is_not(None))):
        p = entry.programme
        if not (p.submissions_open_at <= entry.submitted_at < p.submissions_close_at):
            found.append(f"{entry.ref} submitted {entry.submitted_at} outside {p.slug}'s window")
        if entry.submitted_at > now:
            found.append(f"{entry.ref} submitted in the future")
    first_card: dict[int, datetime] = {}
    for card in db.session.scalars(sa.select(Scorecard).where(Scorecard.submitted_at.is_not(None))):
        p = card.entry.programme
        if not (p.scoring_open_at <= card.submitted_at < p.scoring_close_at):
            found.append(f"scorecard {card.id} submitted {card.submitted_at} outside scoring")
        member = card.jury_member_id
        first_card[member] = min(first_card.get(member, card.submitted_at), card.submitted_at)
    for member in db.session.scalars(sa.select(JuryMember)):
        if member.id in first_card and not (
            member.terms_accepted_at is not None
            and member.terms_accepted_at <= first_card[member.id]
        ):
            found.append(f"juror {member.id} scored before accepting the terms")
    return found


def test_the_demo_agrees_with_its_timeline(app, demo):
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Scorecard)) > 0
    assert inconsistencies(LOADED_AT) == []


def test_no_event_text_claims_few_places_left(app, demo):
    """The page shows the places left from the capacity; a text saying so goes stale."""
    for event in db.session.scalars(sa.select(Event)):
        for locale in ("nl", "en"):
            text = event.description(locale).lower()
            assert "paar plekken" not in text and "few places" not in text, event.slug


def test_the_readme_lists_every_demo_account_and_the_password(demo):
    section = README.read_text(encoding="utf-8").split("## Demo log-ins", 1)[1]
    section = section.split("\n## ", 1)[0]
    assert DEMO_PASSWORD in section
    for email in ACCOUNTS:
        assert f"`{email}`" in section, email


@pytest.mark.parametrize("email", ACCOUNTS)
def test_every_demo_account_can_log_in(app, demo, email):
    assert len(ACCOUNTS) == 8  # admin, entrant, the chair and five jurors
    client = app.test_client()
    g.pop("_login_user", None)
    response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302, email
    with client.session_transaction() as session:
        user = load_user(session["_user_id"])
    assert user.email == email and user.is_verified


def test_the_phase_option_moves_2026_into_that_phase(app, demo, clock):
    """Last in the module: it moves the 2026 programme (the data is emptied afterwards)."""
    for phase in ("scoring", "deliberation", "published", "submissions"):
        result = app.test_cli_runner().invoke(args=["demo", "load", "--phase", phase])
        assert result.exit_code == 0, result.output
        programme = db.session.scalar(sa.select(Programme).where(Programme.slug == "cda-2026"))
        assert Timeline.of(programme).phase(clock()) == phase
        assert inconsistencies(clock()) == [], phase
        entries = db.session.scalar(
            sa.select(sa.func.count()).where(Entry.programme_id == programme.id)
        )
        assert entries > 0 or phase == "submissions"
    assert set(PHASES) == {"submissions", "scoring", "deliberation", "published"}
