"""Destructive actions ask first (core.confirmation): a POST without `confirmed=1` changes
nothing and answers a page naming what will happen, with a Confirm button that posts again;
only the confirmed POST acts. A withdrawn entry can be reopened while submissions are open."""

from __future__ import annotations

from datetime import timedelta

import pytest

from awards.models import Entry
from core.audit.models import AuditEntry
from core.extensions import db
from tests.factories import make_event, make_member_org, make_registration
from tests.property.hostile import changed, snapshot


@pytest.fixture
def admin(make_user, login, client):
    login(make_user(admin=True))
    return client


def _category(w):
    programme = w["make_programme"]()
    category = programme.categories[-1]
    url = f"/admin/programmes/{programme.slug}/categories/{category.id}/delete"
    return url, category.name_en


def _criterion(w):
    programme = w["make_programme"]()
    criterion = programme.criteria[-1]
    url = f"/admin/programmes/{programme.slug}/criteria/{criterion.id}/delete"
    return url, criterion.name_en


def _event(w):
    event = make_event()
    return f"/admin/events/{event.id}/delete", event.title_en


def _cancel(w):
    event = make_event()
    registration = make_registration(event, name="Carla Cancel")
    return f"/admin/events/{event.id}/registrations/{registration.id}/cancel", "Carla Cancel"


def _organisation(w):
    org = make_member_org("Acme Members", "acme.example")
    return f"/admin/events/members/{org.id}/delete", "acme.example"


def _juror(w):
    programme = w["make_programme"]()
    member = w["make_juror"](programme, w["make_user"](email="juror@confirm.example"))
    return f"/admin/awards/{programme.slug}/jury/{member.id}/remove", "juror@confirm.example"


ACTIONS = {
    "delete category": _category,
    "delete criterion": _criterion,
    "delete event": _event,
    "cancel registration": _cancel,
    "delete organisation": _organisation,
    "remove juror": _juror,
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_a_destructive_admin_post_asks_first_and_acts_only_when_confirmed(
    action, admin, make_programme, make_juror, make_user
):
    w = {"make_programme": make_programme, "make_juror": make_juror, "make_user": make_user}
    url, name = ACTIONS[action](w)
    db.session.commit()
    before = snapshot()
    asked = admin.post(url, headers={"Accept-Language": "en"})
    body = asked.get_data(as_text=True)
    assert asked.status_code == 200 and name in body
    assert 'name="confirmed" value="1"' in body and f'action="{url}"' in body
    assert changed(before, snapshot()) == []
    done = admin.post(url, data={"confirmed": "1"})
    assert done.status_code == 302 and changed(before, snapshot()) != []


def test_the_question_is_in_dutch_and_names_the_refund(make_user, login, client):
    login(make_user(admin=True, locale="nl"))
    event = make_event(price_non_member_cents=5000)
    registration = make_registration(event, name="Pim Paid", paying=True, state="confirmed")
    url = f"/admin/events/{event.id}/registrations/{registration.id}/cancel"
    body = client.post(url).get_data(as_text=True)
    assert "De inschrijving van Pim Paid annuleren?" in body
    assert "€60,50 wordt terugbetaald met een creditnota" in body and "Terug" in body


def test_withdraw_asks_then_withdraws_and_reopen_undoes_it_until_the_deadline(
    make_programme, make_entry, make_user, login, client, clock
):
    programme = make_programme()
    user = make_user()
    login(user)
    entry = make_entry(programme, owner=user, status="submitted")
    base = f"/awards/{programme.slug}/entries/{entry.id}"
    clock.set(programme.submissions_open_at + timedelta(days=1))
    asked = client.post(f"{base}/withdraw", headers={"Accept-Language": "en"})
    assert asked.status_code == 200 and entry.ref in asked.get_data(as_text=True)
    assert db.session.get(Entry, entry.id).status == "submitted"
    client.post(f"{base}/withdraw", data={"confirmed": "1"})
    assert db.session.get(Entry, entry.id).status == "withdrawn"
    assert client.post(f"{base}/reopen").status_code == 302
    assert db.session.get(Entry, entry.id).status == "draft"
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "entry.reopened"))
    client.post(f"{base}/withdraw", data={"confirmed": "1"})
    clock.set(programme.submissions_close_at)
    client.post(f"{base}/reopen")
    assert db.session.get(Entry, entry.id).status == "withdrawn"
