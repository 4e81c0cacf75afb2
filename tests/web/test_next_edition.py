"""Copy to next edition: the admin's form suggests next year's name and slug, 52 weeks and
the whole jury; the preview shows the moved timeline and changes nothing; the confirmed post
copies the programme, its categories, criteria, rounds and panels (timeline moved on the
Amsterdam clock) but no entry, scorecard, conflict or shortlist, and invites the chosen
jurors again by e-mail, terms to accept anew. A refused copy changes nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from awards.models import (
    Category,
    Conflict,
    Criterion,
    Entry,
    EntryQuestion,
    JuryMember,
    Nomination,
    Panel,
    PanelMember,
    PanelScope,
    Programme,
    Round,
    Scorecard,
)
from awards.services.editions import shift, suggest
from core.accounts.models import User
from core.audit.models import AuditEntry
from core.extensions import db
from core.outbox.models import MailMessage
from tests.factories import NOW, make_scorecard

URL = "/admin/programmes/cda-2025/next-edition"
TIMELINE = (
    "submissions_open_at",
    "submissions_close_at",
    "scoring_open_at",
    "scoring_close_at",
    "publish_at",
)


def columns(row, *skip: str) -> dict:
    """Every column of `row` but its id, its programme and `skip`."""
    return {
        c.key: getattr(row, c.key)
        for c in sa.inspect(type(row)).columns
        if c.key not in {"id", "programme_id", *skip}
    }


def counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (
            Programme,
            Category,
            Criterion,
            Round,
            Panel,
            PanelMember,
            PanelScope,
            JuryMember,
            User,
            MailMessage,
            AuditEntry,
        )
    )


@pytest.fixture
def source(make_programme, make_entry, make_juror, make_user):
    """cda-2025 with a description and rubric, a criterion of round 2, two rounds, a chair,
    a juror, an erased juror, a panel (chair and juror; a category and an entry in scope),
    entries, a scorecard, a conflict and a nomination."""
    programme = make_programme("cda-2025", quorum=2, trim=0, method="median")
    programme.name = "Customer Data Awards 2025"
    first, second = programme.categories
    first.description_nl, first.description_en = "Transformatie.", "Transformation."
    first.shortlist_size = 4
    programme.criteria[0].rubric_nl = "Meetbaar effect."
    programme.criteria[0].weight = Decimal("1.5")
    programme.criteria[3].round_no = 2
    db.session.add_all(
        [
            Round(
                programme=programme,
                position=1,
                name_nl="Longlist",
                name_en="Longlist",
                scoring_open_at=programme.scoring_open_at,
                scoring_close_at=datetime(2025, 4, 15, 16, 0, tzinfo=UTC),
                quorum=1,
                assignment="panels",
                created_at=NOW,
            ),
            Round(
                programme=programme,
                position=2,
                name_nl="Finale",
                name_en="Final",
                scoring_open_at=datetime(2025, 4, 16, 8, 0, tzinfo=UTC),
                scoring_close_at=programme.scoring_close_at,
                quorum=2,
                assignment="auto",
                jurors_per_entry=3,
                created_at=NOW,
            ),
        ]
    )
    chair = make_juror(
        programme, make_user("chair@kpn.example", name="Arnold"), role="chair", affiliation="KPN"
    )
    member = make_juror(
        programme, make_user("juror@rituals.example", name="Mattanja"), affiliation="Rituals"
    )
    make_juror(programme, make_user("gone@example.org", name="[erased]", erased_at=NOW))
    entry = make_entry(programme, category=first)
    make_entry(programme, category=second, status="draft")
    make_scorecard(member, entry, 7)
    db.session.add(
        Conflict(jury_member_id=chair.id, entry_id=entry.id, source="declared", created_at=NOW)
    )
    db.session.add(Nomination(category_id=first.id, entry_id=entry.id, created_at=NOW))
    panel = Panel(programme_id=programme.id, name="Panel A", created_at=NOW)
    panel.members = [PanelMember(jury_member=chair), PanelMember(jury_member=member)]
    panel.scopes = [
        PanelScope(round_no=1, category_id=first.id),
        PanelScope(round_no=2, entry_id=entry.id),
    ]
    db.session.add(panel)
    db.session.add(
        EntryQuestion(programme=programme, position=1, key="team_size", kind="number",
                      label_nl="Teamgrootte", label_en="Team size", required=True,
                      category_ids=[second.id], created_at=NOW)
    )  # fmt: skip
    db.session.flush()
    return programme


@pytest.fixture
def admin(client, login, make_user):
    user = make_user(admin=True)
    login(user)
    with client.session_transaction() as session:
        session["lang"] = "en"
    return user


def jury_of(programme) -> dict[str, JuryMember]:
    rows = db.session.scalars(sa.select(JuryMember).where(JuryMember.programme_id == programme.id))
    return {m.user.email: m for m in rows}


def form(source, **over) -> dict:
    jury = jury_of(source)
    data = {
        "name": "Customer Data Awards 2026",
        "slug": "cda-2026",
        "shift_days": "364",
        "jurors": [jury["chair@kpn.example"].id, jury["juror@rituals.example"].id],
    }
    data.update(over)
    return data


def copied() -> Programme | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Programme).where(Programme.slug == "cda-2026"))


def test_the_shift_is_on_the_amsterdam_clock_and_suggestions_move_the_year():
    # 29 March 2025 12:00 CET; a year on, summer time has begun: still 12:00 in Amsterdam
    assert shift(datetime(2025, 3, 29, 11, 0, tzinfo=UTC), 365) == datetime(
        2026, 3, 29, 10, 0, tzinfo=UTC
    )
    assert shift(datetime(2025, 6, 12, 16, 0, tzinfo=UTC), 364) == datetime(
        2026, 6, 11, 16, 0, tzinfo=UTC
    )  # a Thursday stays a Thursday
    assert suggest("Customer Data Awards 2025") == "Customer Data Awards 2026"
    assert suggest("cda-2025", sep="-") == "cda-2026"
    assert suggest("cda", sep="-") == "cda-2"


def test_the_programme_page_offers_the_copy(client, admin, source):
    page = client.get("/admin/programmes/cda-2025")
    assert f'href="{URL}"' in page.text
    assert "Copy to next edition" in page.text


def test_the_form_suggests_next_year_and_ticks_the_jury(client, admin, source):
    page = client.get(URL)
    assert page.status_code == 200
    assert 'value="Customer Data Awards 2026"' in page.text
    assert 'value="cda-2026"' in page.text
    assert 'value="364"' in page.text
    jury = jury_of(source)
    ticked = re.findall(
        r'<input checked id="jurors-\d+" name="jurors" type="checkbox" value="(\d+)">', page.text
    )
    assert ticked == [str(jury["chair@kpn.example"].id), str(jury["juror@rituals.example"].id)]
    assert page.text.count('type="checkbox"') == 2  # the erased juror is not offered
    assert "Arnold (Chair)" in page.text and "Mattanja (Member)" in page.text


def test_the_preview_shows_the_moved_timeline_and_changes_nothing(client, admin, source):
    before = counts()
    page = client.post(URL, data=form(source))
    assert page.status_code == 200
    assert "Preview: Customer Data Awards 2026" in page.text
    # publish_at 12 June 2025 18:00 Amsterdam, 52 weeks on: Thursday 11 June 2026 18:00
    assert "12 June 2025, 18:00" in page.text and "11 June 2026, 18:00" in page.text
    assert "Final: scoring opens" in page.text  # the rounds' windows too
    assert 'name="confirmed" value="1"' in page.text
    assert "2 jurors are invited again by e-mail" in page.text
    assert counts() == before


def test_the_confirmed_copy_copies_every_part_and_invites_the_jury(
    client, admin, source, clock, outbox
):
    old = {c.slug: c for c in source.categories}
    old_criteria = {c.key: columns(c) for c in source.criteria}
    old_jury = jury_of(source)
    old_entries = db.session.scalar(sa.select(sa.func.count()).select_from(Entry))
    clock.advance(days=1)
    response = client.post(URL, data={**form(source), "confirmed": "1"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/programmes/cda-2026")

    new = copied()
    assert new is not None and new.name == "Customer Data Awards 2026"
    assert columns(new, "slug", "name", "created_at", *TIMELINE) == columns(
        source, "slug", "name", "created_at", *TIMELINE
    )  # quorum, trim, method, time zone, jury terms
    assert (new.quorum, new.method, new.jury_terms_nl) == (2, "median", source.jury_terms_nl)
    for name in TIMELINE:
        assert getattr(new, name) == shift(getattr(source, name), 364), name
    assert new.submissions_close_at == datetime(2026, 3, 31, 22, 0, tzinfo=UTC)
    assert new.created_at == clock()

    assert {c.slug: columns(c) for c in new.categories} == {
        slug: columns(c) for slug, c in old.items()
    }
    assert {c.key: columns(c) for c in new.criteria} == old_criteria
    assert old_criteria["customer_focus"]["round_no"] == 2

    rounds = db.session.scalars(
        sa.select(Round).where(Round.programme_id == new.id).order_by(Round.position)
    ).all()
    assert [(r.name_en, r.quorum, r.assignment, r.jurors_per_entry) for r in rounds] == [
        ("Longlist", 1, "panels", None),
        ("Final", 2, "auto", 3),
    ]
    assert rounds[1].scoring_open_at == datetime(2026, 4, 15, 8, 0, tzinfo=UTC)
    assert rounds[0].scoring_close_at == shift(datetime(2025, 4, 15, 16, 0, tzinfo=UTC), 364)

    jury = jury_of(new)
    assert set(jury) == {"chair@kpn.example", "juror@rituals.example"}
    chair, member = jury["chair@kpn.example"], jury["juror@rituals.example"]
    assert (chair.role, chair.affiliation, member.role, member.affiliation) == (
        "chair",
        "KPN",
        "member",
        "Rituals",
    )
    assert chair.user_id == old_jury["chair@kpn.example"].user_id  # the same account
    assert chair.terms_accepted_at is None and member.terms_accepted_at is None
    assert chair.invited_at == clock()
    invites = outbox(kind="jury_invite")
    assert sorted(m.to_addr for m in invites) == ["chair@kpn.example", "juror@rituals.example"]
    assert all("Customer Data Awards 2026" in m.subject for m in invites)

    panel = db.session.scalar(sa.select(Panel).where(Panel.programme_id == new.id))
    assert panel.name == "Panel A"
    assert {m.jury_member_id for m in panel.members} == {chair.id, member.id}
    new_first = next(c for c in new.categories if c.slug == "data-transformation")
    assert [(s.round_no, s.category_id, s.entry_id) for s in panel.scopes] == [
        (1, new_first.id, None)
    ]  # the scope naming an entry is not copied
    [question] = db.session.scalars(
        sa.select(EntryQuestion).where(EntryQuestion.programme_id == new.id)
    ).all()
    new_second = next(c for c in new.categories if c.slug != "data-transformation")
    assert (question.key, question.kind, question.label_en, question.required) == (
        "team_size",
        "number",
        "Team size",
        True,
    )
    assert question.category_ids == [new_second.id]  # the copy of its category

    assert db.session.scalar(sa.select(sa.func.count()).select_from(Entry)) == old_entries
    for model, column in (
        (Entry, Entry.programme_id),
        (Scorecard, JuryMember.programme_id),
        (Conflict, JuryMember.programme_id),
    ):
        query = sa.select(sa.func.count()).select_from(model)
        if model is not Entry:
            query = query.join(JuryMember, JuryMember.id == model.jury_member_id)
        assert db.session.scalar(query.where(column == new.id)) == 0, model
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Nomination)
            .join(Category, Category.id == Nomination.category_id)
            .where(Category.programme_id == new.id)
        )
        == 0
    )

    audit = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "programme.copied"))
    assert audit.actor_id == admin.id and audit.scope_id == new.id
    assert audit.data == {
        "slug": "cda-2026",
        "source": "cda-2025",
        "shift_days": 364,
        "categories": 2,
        "criteria": 4,
        "rounds_copied": 2,
        "panels_copied": 1,
        "questions_copied": 1,
        "jury": 2,
    }
    scheduled = db.session.scalar(
        sa.select(AuditEntry).where(
            AuditEntry.action == "results.publication_scheduled", AuditEntry.scope_id == new.id
        )
    )
    assert scheduled.data == {"publish_at": new.publish_at.isoformat(), "previous": None}
    invited = db.session.scalars(
        sa.select(AuditEntry).where(
            AuditEntry.action == "jury.invited", AuditEntry.scope_id == new.id
        )
    ).all()
    assert len(invited) == 2


def test_only_the_ticked_jurors_are_invited(client, admin, source, outbox):
    jury = jury_of(source)
    data = {**form(source, jurors=[jury["chair@kpn.example"].id]), "confirmed": "1"}
    assert client.post(URL, data=data).status_code == 302
    new = copied()
    assert set(jury_of(new)) == {"chair@kpn.example"}
    assert [m.to_addr for m in outbox(kind="jury_invite")] == ["chair@kpn.example"]
    panel = db.session.scalar(sa.select(Panel).where(Panel.programme_id == new.id))
    assert [m.jury_member.user.email for m in panel.members] == ["chair@kpn.example"]


def test_nobody_ticked_invites_nobody(client, admin, source, outbox):
    data = {**form(source), "confirmed": "1"}
    del data["jurors"]
    assert client.post(URL, data=data).status_code == 302
    assert jury_of(copied()) == {}
    assert outbox(kind="jury_invite") == []


@pytest.mark.parametrize(
    ("over", "field_message"),
    [
        ({"slug": "cda-2025"}, "Another programme already uses this slug."),
        ({"slug": "mine"}, "Use lowercase letters, digits and dashes"),
        ({"slug": "CDA 2026"}, "Use lowercase letters, digits and dashes"),
        ({"name": "   "}, "Enter a name (at most 200 characters)."),
        ({"shift_days": "0"}, ""),
        ({"shift_days": "-364"}, ""),
        ({"shift_days": "20"}, "would already be past"),  # submissions open 21 Feb 2025
        ({"jurors": ["999999"]}, ""),
    ],
)
@pytest.mark.parametrize("confirmed", [False, True])
def test_a_refused_copy_changes_nothing(client, admin, source, over, field_message, confirmed):
    before = counts()
    data = form(source, **over)
    if confirmed:
        data["confirmed"] = "1"
    page = client.post(URL, data=data)
    assert page.status_code == 400
    assert 'class="error"' in page.text
    assert field_message in page.text
    assert "Create the new edition" not in page.text  # no preview offered
    assert counts() == before


def test_a_shift_that_leaves_a_moment_in_the_past_is_refused(
    client, admin, source, clock, make_programme
):
    clock.set(datetime(2026, 2, 15, 9, 0, tzinfo=UTC))  # 52 weeks on, submissions opened
    before = counts()
    page = client.post(URL, data={**form(source), "confirmed": "1"})
    assert page.status_code == 400
    assert "“Submissions open” would already be past" in page.text
    assert counts() == before
    ok = client.post(URL, data={**form(source, shift_days="728"), "confirmed": "1"})
    assert ok.status_code == 302
    assert copied().publish_at == shift(source.publish_at, 728)


def test_another_programmes_juror_cannot_be_invited(
    client, admin, source, make_programme, make_juror
):
    other = make_juror(make_programme("other"))
    before = counts()
    page = client.post(URL, data={**form(source, jurors=[other.id]), "confirmed": "1"})
    assert page.status_code == 400
    assert counts() == before


def test_the_copy_is_refused_when_the_slug_is_taken_between_preview_and_confirmation(
    client, admin, source, make_programme
):
    assert client.post(URL, data=form(source)).status_code == 200  # the preview
    make_programme("cda-2026")
    before = counts()
    page = client.post(URL, data={**form(source), "confirmed": "1"})
    assert page.status_code == 400
    assert "Another programme already uses this slug." in page.text
    assert counts() == before


def test_the_dutch_page(client, login, make_user, source):
    login(make_user(admin=True, locale="nl"))
    page = client.get(URL, query_string={"lang": "nl"})
    assert "Kopiëren naar volgende editie" in page.text
    assert "Deze juryleden opnieuw uitnodigen" in page.text
    refused = client.post(URL, data=form(source, shift_days="20"))
    assert "Met deze verschuiving ligt “Inzendingen open” al in het verleden" in refused.text
    preview = client.post(URL, data=form(source))
    assert "2 juryleden worden opnieuw uitgenodigd per e-mail" in preview.text
    assert "11 juni 2026, 18:00" in preview.text
