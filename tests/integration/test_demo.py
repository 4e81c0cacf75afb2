"""`flask demo load`: loads through the real services, twice without duplicates; Univé and
New York Pizza are the ratified winners under every method; the demo log-ins work."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g

from awards.models import (
    Advancement,
    Assignment,
    Category,
    Entry,
    EntryQuestion,
    JuryMember,
    Nomination,
    Panel,
    Programme,
    Ratification,
    Round,
    Score,
    Scorecard,
)
from awards.services.results import leaderboard, leaderboard_all_methods, load_board_data
from awards.services.rounds import rounds_of
from awards.timeline import Timeline
from core.accounts.auth import load_user
from core.accounts.models import User
from core.extensions import db
from demo.events_demo import SPEAKER_CODE, SPEAKER_EVENT, SPEAKER_USES
from demo.services import ADMIN, CHAIR, DEMO_PASSWORD, ENTRANT, JUROR
from events.models import Event, FunnelCount, Registration, Voucher

LOADED_AT = datetime(2025, 11, 20, 10, 0, tzinfo=UTC)
MODELS = (
    Programme,
    Category,
    Entry,
    JuryMember,
    User,
    Scorecard,
    Score,
    Nomination,
    Ratification,
    EntryQuestion,
    Round,
    Panel,
    Assignment,
    Advancement,
)


def counts():
    return {
        m.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(m))
        for m in MODELS
    }


def event_counts():
    """The demo events are loaded by the same command (see demo/events_demo.py)."""
    return [
        db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (Event, Registration)
    ]


@pytest.fixture(scope="module")
def loaded_demo(load_once):
    """`flask demo load`, once for the module: its tests read the demo and change nothing
    that another one asserts on (the tables are emptied after the module's last test)."""
    with load_once(LOADED_AT) as app:
        first = app.test_cli_runner().invoke(args=["demo", "load"])
        assert first.exit_code == 0, first.output
        yield first


@pytest.fixture
def demo(app, clock, loaded_demo):
    clock.set(LOADED_AT)
    return loaded_demo


def test_loading_twice_changes_nothing(app, demo):
    before = counts()
    assert before == {
        "programmes": 2,
        "categories": 4,
        "entries": 9,
        "jury_members": 12,
        "users": 8,
        # the longlist: 2 panels of 3 score their category's 4 entries; the final: all 6
        # jurors score the 3 advanced entries per category
        "scorecards": 2 * 3 * 4 + 6 * 6,
        "scores": (2 * 3 * 4 + 6 * 6) * 4,
        "nominations": 6,
        "ratifications": 2,
        "entry_questions": 2,
        "rounds": 2,
        "panels": 2,
        "assignments": 2 * 3 * 4,
        "advancements": 6,
    }
    events_before = event_counts()
    second = app.test_cli_runner().invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output
    assert "already ratified" in second.output
    assert counts() == before and event_counts() == events_before
    assert f"password: {DEMO_PASSWORD}" in demo.output and ADMIN[0] in demo.output


def test_univé_and_new_york_pizza_win_under_every_method(app, demo):
    programme = db.session.scalar(sa.select(Programme).where(Programme.slug == "cda-2025"))
    winners = {
        r.category.slug: (r.winner.organisation, r.ratified_by.email, r.method)
        for r in db.session.scalars(sa.select(Ratification))
    }
    assert winners == {
        "data-transformation": ("Univé", CHAIR, "mean"),
        "data-innovation": ("New York Pizza", CHAIR, "mean"),
    }
    expected = {"data-transformation": "Univé", "data-innovation": "New York Pizza"}
    for category in programme.categories:
        for method, results in leaderboard_all_methods(programme, category).items():
            assert results[0].entry.organisation == expected[category.slug], method
            assert results[0].rank == 1
    # the ratifications happened between the close of scoring and the announcement
    for ratification in db.session.scalars(sa.select(Ratification)):
        assert programme.scoring_close_at <= ratification.ratified_at < programme.publish_at


def test_2025_has_a_longlist_by_panels_and_a_final_by_the_whole_jury(app, demo):
    """The longlist is scored by the panels (each juror only the entries assigned to their
    panel), the chair advanced each category's best three, and the nominees and winners come
    out of the final round, scored by the whole jury."""
    programme = db.session.scalar(sa.select(Programme).where(Programme.slug == "cda-2025"))
    longlist, final = rounds_of(programme)
    assert (longlist.name_en, longlist.assignment, final.name_en, final.assignment) == (
        "Longlist",
        "panels",
        "Final",
        "all",
    )
    assert longlist.scoring_close_at <= final.scoring_open_at
    assert (programme.scoring_open_at, programme.scoring_close_at, programme.quorum) == (
        longlist.scoring_open_at,
        final.scoring_close_at,
        final.quorum,
    )
    cards = db.session.scalars(sa.select(Scorecard)).all()
    assigned = {(a.jury_member_id, a.entry_id) for a in db.session.scalars(sa.select(Assignment))}
    for card in cards:
        assert card.round_no in (1, 2)
        if card.round_no == 1:
            assert (card.jury_member_id, card.entry_id) in assigned
            window = longlist
        else:
            window = final
        assert window.scoring_open_at <= card.submitted_at < window.scoring_close_at
    nominated = {n.entry.ref for n in db.session.scalars(sa.select(Nomination))}
    advanced = {a.entry.ref for a in db.session.scalars(sa.select(Advancement))}
    assert nominated == advanced
    for advancement in db.session.scalars(sa.select(Advancement)):
        assert advancement.round_no == 2
        assert longlist.scoring_close_at <= advancement.created_at < final.scoring_open_at
    first = load_board_data(programme, 1)
    last = load_board_data(programme)
    for category in programme.categories:
        longlisted = leaderboard(programme, category, data=first)
        assert len(longlisted) == 4 and all(r.scorecards == 3 for r in longlisted)
        finalists = leaderboard(programme, category, data=last)
        assert {r.entry.ref for r in finalists} <= advanced
        assert len(finalists) == 3 and all(r.scorecards == 6 for r in finalists)
        assert {r.entry.ref for r in longlisted if r.rank and r.rank <= 3} == {
            r.entry.ref for r in finalists
        }
    ratified = {r.winner.ref for r in db.session.scalars(sa.select(Ratification))}
    assert ratified == {"CDA25-DT-01", "CDA25-DI-01"}
    for r in db.session.scalars(sa.select(Ratification)):
        assert {row["ref"] for row in r.snapshot} <= advanced


def test_the_public_winners_page_shows_them(app, demo):
    page = app.test_client().get("/awards/cda-2025/winners?lang=en").get_data(as_text=True)
    assert "Winner Data Transformation Award: Univé" in page
    assert "Winner Data Innovation Award: New York Pizza" in page
    assert "The other nominees in this category were Odido and Transavia." in page
    assert "The other nominees in this category were Coco &amp; Sebas and Interpolis." in page
    assert "Arnold van het Nederend (KPN)" in page and "Bas Karsemeijer (DataOps House)" in page
    assert "Bol" not in page and "Eneco" not in page  # not nominated


def test_the_dutch_citation_comes_from_the_announcement(app, demo):
    page = app.test_client().get("/awards/cda-2025/winners?lang=nl").get_data(as_text=True)
    assert "De case laat zien hoe een datastrategie succesvol kan worden doorgevoerd" in page
    assert "De case van New York Pizza viel op door de innovatieve aanpak" in page


def test_2026_is_open_for_submissions(app, demo, clock):
    programme = db.session.scalar(sa.select(Programme).where(Programme.slug == "cda-2026"))
    assert Timeline.of(programme).phase(clock()) == "submissions"
    assert [c.slug for c in programme.categories] == ["data-transformation", "data-innovation"]
    asked = db.session.scalars(
        sa.select(EntryQuestion).where(EntryQuestion.programme_id == programme.id)
    )
    assert sorted((q.key, q.kind) for q in asked) == [("case_url", "url"), ("team_size", "number")]


@pytest.mark.parametrize("email", [ADMIN[0], CHAIR, JUROR, ENTRANT[0]])
def test_demo_log_ins_work(app, demo, email):
    client = app.test_client()
    g.pop("_login_user", None)
    response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    with client.session_transaction() as session:
        user = load_user(session["_user_id"])
    assert user.email == email and user.is_verified


def test_the_chair_and_juror_have_accepted_the_terms(app, demo):
    members = db.session.scalars(
        sa.select(JuryMember).join(User).where(User.email.in_([CHAIR, JUROR]))
    ).all()
    assert len(members) == 4 and all(m.terms_accepted_at is not None for m in members)
    g.pop("_login_user", None)
    client = app.test_client()
    client.post("/login", data={"email": CHAIR, "password": DEMO_PASSWORD})
    g.pop("_login_user", None)
    assert client.get("/admin/awards/cda-2025/results").status_code == 200


def test_a_month_of_funnel_figures_that_loading_again_leaves_as_they_are(app, demo):
    def figures():
        return db.session.execute(
            sa.select(
                FunnelCount.event_id, FunnelCount.day, FunnelCount.stage, FunnelCount.count
            ).order_by(FunnelCount.event_id, FunnelCount.day, FunnelCount.stage)
        ).all()

    before = figures()
    # the events of events.json (the series' copies are unpublished, without figures)
    events = db.session.scalar(
        sa.select(sa.func.count()).select_from(Event).where(Event.published.is_(True))
    )
    assert len(before) == events * 30 * 3  # 30 days of see, think and do per event
    days = {day for _e, day, _s, _n in before}
    assert len(days) == 30 and max(days) == LOADED_AT.date()
    totals: dict[tuple[int, str], int] = {}
    for event_id, _day, stage, n in before:
        totals[event_id, stage] = totals.get((event_id, stage), 0) + n
    for event_id in {e for e, _s in totals}:
        see, think, do = (totals[event_id, s] for s in ("see", "think", "do"))
        assert see > 5 * think and think > do > 0
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    assert figures() == before


# --- vouchers ---------------------------------------------------------------------------------


def test_the_digital_talk_has_a_free_speaker_voucher_until_it_starts(app, demo):
    [voucher] = db.session.scalars(sa.select(Voucher)).all()
    talk = db.session.scalar(sa.select(Event).where(Event.slug == SPEAKER_EVENT))
    assert (voucher.code, voucher.kind, voucher.event_id) == (SPEAKER_CODE, "free", talk.id)
    assert (voucher.max_uses, voucher.used_count) == (SPEAKER_USES, 0)
    assert voucher.valid_until == talk.starts_at
    assert f"speaker voucher {SPEAKER_CODE}" in demo.output
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert f"`{SPEAKER_CODE}` ({SPEAKER_USES} uses" in readme
