"""The admin's panels and assignment pages through the client: set-up, refusals that change
nothing, the confirmation steps, assigning a round (from panels, automatically), the table of
who scores what, and the panels' progress on the chair's progress page."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from awards.models import Assignment, Conflict, Panel, PanelMember, PanelScope, Round
from core.audit.models import AuditEntry
from core.extensions import db
from tests.factories import NOW, make_scorecard


def english(c):
    with c.session_transaction() as session:
        session["lang"] = "en"
    return c


def _round(programme, mode, k=None, position=1):
    row = Round(
        programme_id=programme.id,
        position=position,
        name_nl="Ronde",
        name_en="Round",
        scoring_open_at=programme.scoring_open_at,
        scoring_close_at=programme.scoring_close_at,
        quorum=1,
        assignment=mode,
        jurors_per_entry=k,
        created_at=NOW,
    )
    db.session.add(row)
    db.session.flush()
    return row


def state():
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Panel, PanelMember, PanelScope, Assignment, AuditEntry)
    )


@pytest.fixture
def admin(client, login, make_user):
    user = make_user(admin=True)
    english(login(user))
    return user


@pytest.fixture
def season(make_programme, make_entry, make_juror, make_user):
    programme = make_programme()
    entries = [make_entry(programme, organisation=f"Org {i}") for i in range(5)]
    members = [make_juror(programme, make_user(name=f"Juror {i}")) for i in range(3)]
    return programme, entries, members


def base(programme):
    return f"/admin/programmes/{programme.slug}"


def test_panel_crud_through_the_pages(client, admin, season):
    programme, entries, members = season
    response = client.post(f"{base(programme)}/panels/new", data={"name": "Panel A"})
    assert response.status_code == 302
    panel = db.session.scalar(sa.select(Panel))
    url = f"{base(programme)}/panels/{panel.id}"
    assert client.post(f"{url}/rename", data={"name": "Panel B"}).status_code == 302
    assert client.post(f"{url}/members", data={"member_id": members[0].id}).status_code == 302
    data = {"round_no": "1", "category_id": str(programme.categories[0].id)}
    assert client.post(f"{url}/scopes", data=data).status_code == 302
    data = {"round_no": "1", "category_id": "", "entry_ids": [entries[0].id, entries[1].id]}
    assert client.post(f"{url}/scopes", data=data).status_code == 302
    page = client.get(f"{base(programme)}/panels")
    assert page.status_code == 200
    assert "Panel B" in page.text and "Juror 0" in page.text
    # the juror on the panel is no longer offered for it; the others are
    assert f'<option value="{members[0].id}">Juror 0</option>' not in page.text
    assert f'<option value="{members[1].id}">Juror 1</option>' in page.text
    assert entries[0].ref in page.text
    db.session.expire_all()
    assert panel.name == "Panel B"
    assert len(panel.members) == 1 and len(panel.scopes) == 3


def test_refused_input_changes_nothing(client, admin, season, make_programme, make_juror):
    programme, _entries, _members = season
    other = make_programme()
    stranger = make_juror(other)
    client.post(f"{base(programme)}/panels/new", data={"name": "Panel A"})
    panel = db.session.scalar(sa.select(Panel))
    url = f"{base(programme)}/panels/{panel.id}"
    before = state()
    cases = [
        (f"{base(programme)}/panels/new", {"name": "Panel A"}),  # taken
        (f"{base(programme)}/panels/new", {"name": ""}),
        (f"{url}/members", {"member_id": stranger.id}),  # a juror of another programme
        (f"{url}/members", {"member_id": "abc"}),
        (f"{url}/members", {"member_id": "9" * 40}),
        (f"{url}/scopes", {"round_no": "2", "category_id": programme.categories[0].id}),
        (f"{url}/scopes", {"round_no": "1", "category_id": other.categories[0].id}),
        (f"{url}/scopes", {"round_no": "1"}),
    ]
    for action, data in cases:
        response = client.post(action, data=data)
        assert response.status_code == 400, (action, data)
    assert state() == before
    page = client.post(f"{url}/members", data={"member_id": stranger.id})
    assert "Choose a juror of this programme" in page.text


def test_deleting_asks_first_and_is_refused_once_started(client, admin, season):
    programme, entries, members = season
    client.post(f"{base(programme)}/panels/new", data={"name": "Panel A"})
    panel = db.session.scalar(sa.select(Panel))
    url = f"{base(programme)}/panels/{panel.id}"
    client.post(f"{url}/members", data={"member_id": members[0].id})
    client.post(f"{url}/scopes", data={"round_no": "1", "entry_ids": [entries[0].id]})
    before = state()
    question = client.post(f"{url}/delete")
    assert question.status_code == 200 and "Delete panel Panel A?" in question.text
    assert state() == before
    make_scorecard(members[0], entries[0], status="draft")
    refused = client.post(f"{url}/delete", data={"confirmed": "1"})
    assert refused.status_code == 409
    assert state() == before
    row = db.session.scalar(sa.select(PanelMember))
    assert client.post(f"{url}/members/{row.id}/remove").status_code == 200  # the question
    assert client.post(f"{url}/members/{row.id}/remove", data={"confirmed": "1"}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PanelMember)) == 0


def test_assign_from_panels_and_read_the_table(client, admin, season):
    programme, entries, members = season
    _round(programme, "panels")
    client.post(f"{base(programme)}/panels/new", data={"name": "Panel A"})
    panel = db.session.scalar(sa.select(Panel))
    url = f"{base(programme)}/panels/{panel.id}"
    for m in members[:2]:
        client.post(f"{url}/members", data={"member_id": m.id})
    client.post(f"{url}/scopes", data={"round_no": "1", "entry_ids": [entries[0].id]})
    response = client.post(f"{base(programme)}/rounds/1/assign", follow_redirects=True)
    assert response.status_code == 200
    assert "2 added, 0 removed" in response.text
    assert "No juror scores these entries" in response.text  # the four outside the panel
    assert "Juror 0, Juror 1" in response.text
    # a second run asks first and changes nothing until confirmed
    before = state()
    question = client.post(f"{base(programme)}/rounds/1/assign")
    assert question.status_code == 200 and "Assign round 1 again?" in question.text
    assert state() == before


def test_automatic_assignment_through_the_page(client, admin, season):
    programme, entries, members = season
    row = _round(programme, "auto", k=2)
    db.session.add(Conflict(jury_member_id=members[0].id, entry_id=entries[0].id,
                            source="declared", reason="r", created_at=NOW))  # fmt: skip
    db.session.flush()
    page = client.get(f"{base(programme)}/rounds/1/assignment")
    assert page.status_code == 200 and 'value="2"' in page.text
    before = state()
    for k in ("0", "4", "x", "9" * 30):
        response = client.post(f"{base(programme)}/rounds/1/assign", data={"k": k})
        assert response.status_code == 400, k
    assert state() == before
    response = client.post(
        f"{base(programme)}/rounds/1/assign", data={"k": "2"}, follow_redirects=True
    )
    assert "10 added" in response.text
    assert 'data-spread="1"' in response.text or 'data-spread="0"' in response.text
    pairs = set(db.session.execute(sa.select(Assignment.jury_member_id, Assignment.entry_id)))
    assert (members[0].id, entries[0].id) not in pairs
    assert "short" not in response.text
    assert len(pairs) == 10
    assert row.jurors_per_entry == 2


def test_a_round_of_the_whole_jury_has_nothing_to_assign(client, admin, season):
    programme, _entries, _members = season
    page = client.get(f"{base(programme)}/rounds/1/assignment")
    assert page.status_code == 200 and "nothing to assign" in page.text
    response = client.post(f"{base(programme)}/rounds/1/assign", data={"k": "1"})
    assert response.status_code == 409
    assert client.get(f"{base(programme)}/rounds/2/assignment").status_code == 404


def test_the_progress_page_shows_panels_and_assigned_jurors(
    client, login, make_user, make_juror, season, clock
):
    programme, entries, members = season
    _round(programme, "panels")
    panel = Panel(programme_id=programme.id, name="Panel A", created_at=NOW)
    panel.members = [PanelMember(jury_member_id=m.id) for m in members[:2]]
    panel.scopes = [PanelScope(round_no=1, entry_id=e.id) for e in entries[:2]]
    db.session.add(panel)
    for m in members[:2]:
        for e in entries[:2]:
            db.session.add(Assignment(jury_member_id=m.id, entry_id=e.id, round_no=1,
                                      created_at=NOW))  # fmt: skip
    db.session.flush()
    make_scorecard(members[0], entries[0], status="submitted")
    chair = make_juror(programme, make_user(name="The Chair"), role="chair")
    english(login(chair.user))
    clock.set(programme.scoring_open_at)
    page = client.get(f"/admin/awards/{programme.slug}/jury/progress")
    assert page.status_code == 200
    assert 'data-assignment-progress="1"' in page.text
    section = page.text.split(f'data-panel="{panel.id}"')[1].split("</tr>")[0]
    assert [c.split("<")[0] for c in section.split('class="num">')[1:]] == ["2", "4", "1", "3"]
    # the chair does not set panels up
    assert client.get(f"{base(programme)}/panels").status_code == 403


def test_an_entry_short_of_jurors_is_named(client, admin, season):
    programme, entries, members = season
    _round(programme, "auto", k=3)
    db.session.add(Conflict(jury_member_id=members[0].id, entry_id=entries[0].id,
                            source="declared", reason="r", created_at=NOW))  # fmt: skip
    db.session.flush()
    response = client.post(
        f"{base(programme)}/rounds/1/assign", data={"k": "3"}, follow_redirects=True
    )
    assert f"Too few jurors without a conflict for: {entries[0].ref} (1 short)." in response.text
    row = response.text.split(f"<td>{entries[0].ref} ·")[1].split("</tr>")[0]
    assert "2 / 3" in row and "1 short" in row


def test_a_confirmed_rerun_keeps_the_number_and_changes_nothing(client, admin, season):
    programme, _entries, _members = season
    _round(programme, "auto", k=2)
    url = f"{base(programme)}/rounds/1/assign"
    client.post(url, data={"k": "2"})
    question = client.post(url, data={"k": "2"})
    assert question.status_code == 200 and 'name="k" value="2"' in question.text
    before = state()
    response = client.post(url, data={"k": "2", "confirmed": "1"}, follow_redirects=True)
    assert "0 added, 0 removed" in response.text
    assert state()[:4] == before[:4]  # one more audit row, the same assignments
