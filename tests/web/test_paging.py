"""Long lists are paged: at 500 rows a paged page shows at most its page size; the pager is a
`<nav>` with its own label, rel="prev"/"next" links and the current page marked, in Dutch and
English; bad page numbers give page 1 (text, 0, negative) or 404 (past the last page), never
a 500. The frozen parts of the winners page and of a ratified leaderboard come from the page
cache, and never outlive what they show: a new ratification, another publication moment or an
edited entry is seen at once, and nothing is shown before `publish_at`."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import g
from flask_babel import refresh
from sqlalchemy import event as sa_event

from awards.models import Entry, Programme, Ratification
from awards.services import ratification
from awards.views.jury import JUROR_ENTRIES_PER_PAGE
from awards.views.results import LEADERBOARD_PAGE_SIZE
from core.accounts.models import User
from core.extensions import db
from events.views.admin_attendees import ATTENDEES_PER_PAGE
from events.views.public import EVENTS_PER_PAGE
from tests.integration.test_announcements import DELIBERATION, PUBLISH, build_results
from tests.web.access_world import ADMIN, AT, JUROR, build_world
from tests.web.test_access_matrix import TABLE
from tests.web.test_query_counts import grow

#: the paged pages of the access matrix's world, the role asked, and their page size
PAGED = {
    "results.leaderboard": (ADMIN, LEADERBOARD_PAGE_SIZE),
    "awards_admin.entries": (ADMIN, 100),
    "events_attendees.attendee_list": (ADMIN, ATTENDEES_PER_PAGE),
    "jury.entries": (JUROR, JUROR_ENTRIES_PER_PAGE),
}


def body_rows(html: str) -> int:
    """How many rows the page's table bodies hold."""
    return sum(body.count("<tr") for body in re.findall(r"<tbody>(.*?)</tbody>", html, re.S))


def pager_links(html: str) -> dict[str, str]:
    """rel -> href of the pager's links, and "current" -> the page marked current."""
    nav = re.search(r'<nav class="pager[^"]*" aria-label="[^"]+">(.*?)</nav>', html, re.S)
    assert nav, "no pager"
    found = {rel: href for href, rel in re.findall(r'href="([^"]+)" rel="(prev|next)"', nav[1])}
    current = re.search(
        r'aria-current="page"><span class="visually-hidden">[^<]*</span>(\d+)', nav[1]
    )
    assert current
    found["current"] = current[1]
    return found


@pytest.fixture
def grown(app, clock, login, tmp_path):
    """The access matrix's world grown to 500 entries and attendees; url(endpoint, role)."""
    clock.set(AT)
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    world = build_world(at=AT, upload_dir=app.config["UPLOAD_DIR"])
    grow(world)
    adapter = app.url_map.bind("localhost")

    def client_for(role):
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        login(db.session.get(User, world.users[role]), client)
        return client

    def url(endpoint: str, role: str) -> str:
        case = next(c for c in TABLE[endpoint] if c.get is not None)
        return adapter.build(endpoint, case.params(world, role))

    return client_for, url


@pytest.mark.parametrize("endpoint", sorted(PAGED))
def test_a_paged_page_shows_at_most_its_page_size_at_500_rows(grown, endpoint):
    client_for, url = grown
    role, size = PAGED[endpoint]
    client = client_for(role)
    first = client.get(url(endpoint, role))
    assert first.status_code == 200
    assert 0 < body_rows(first.text) <= size
    links = pager_links(first.text)
    assert links["current"] == "1" and "prev" not in links and "page=2" in links["next"]
    second = client.get(links["next"].replace("&amp;", "&"))
    assert second.status_code == 200
    assert 0 < body_rows(second.text) <= size
    assert pager_links(second.text)["current"] == "2"
    assert "page=" not in pager_links(second.text)["prev"]  # page 1 is the plain address


@pytest.mark.parametrize("endpoint", sorted(PAGED))
def test_bad_page_numbers_give_page_one_or_404(grown, endpoint):
    client_for, url = grown
    role, _size = PAGED[endpoint]
    client = client_for(role)
    base = url(endpoint, role)
    join = "&" if "?" in base else "?"
    for bad in ("0", "-1", "abc", "", "1.5", "%00"):
        response = client.get(f"{base}{join}page={bad}")
        assert response.status_code in (200, 400), bad  # a control character is refused (400)
        if response.status_code == 200:
            assert pager_links(response.text)["current"] == "1", bad
    assert client.get(f"{base}{join}page=99999").status_code == 404
    assert client.get(f"{base}{join}page=2147483647").status_code == 404
    assert client.get(f"{base}{join}page=99999999999999999999").status_code == 400


def test_the_events_list_is_paged_in_both_languages(app, client, clock, make_event):
    for n in range(EVENTS_PER_PAGE + 3):
        make_event(slug=f"talk-{n}", starts_at=AT + timedelta(days=10 + n), published=True)
    db.session.commit()
    clock.set(AT)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    first = client.get("/events/")
    assert first.status_code == 200
    assert first.text.count('<article class="card">') == EVENTS_PER_PAGE
    assert 'aria-label="Pages of the events"' in first.text
    assert pager_links(first.text)["next"].endswith("page=2")
    last = client.get("/events/?page=2")
    assert last.status_code == 200 and "next" not in pager_links(last.text)
    assert client.get("/events/?page=3").status_code == 404
    assert client.get("/events/?page=0").status_code == 200
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"
    refresh()
    dutch = client.get("/events/")
    assert 'aria-label="Pagina\'s van de evenementen"' in dutch.text or (
        'aria-label="Pagina&#39;s van de evenementen"' in dutch.text
    )
    assert "Volgende pagina" in dutch.text


# --- the page cache ---------------------------------------------------------------------------


@pytest.fixture
def results(make_programme, make_entry, make_juror, make_user):
    return build_results(make_programme, make_entry, make_juror, make_user)


@pytest.fixture
def get(app):
    """get(path) as a new anonymous visitor -> (response, statements it made)."""

    def _get(path: str):
        g.pop("_login_user", None)
        refresh()
        db.session.close()
        statements = 0

        def count(*_args) -> None:
            nonlocal statements
            statements += 1

        sa_event.listen(db.engine, "before_cursor_execute", count)
        try:
            response = app.test_client().get(path)
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", count)
        return response, statements

    return _get


def test_the_winners_page_is_cached_once_published_and_never_before(results, clock, get):
    path = f"/awards/{results.programme.slug}/winners"
    clock.set(PUBLISH - timedelta(seconds=1))
    before, _n = get(path)
    assert "Univé" not in before.text and "Odido" not in before.text
    clock.set(PUBLISH)
    cold, cold_statements = get(path)
    warm, warm_statements = get(path)
    assert "Univé" in cold.text and warm.text == cold.text
    assert warm_statements < cold_statements
    # the publication moved later: the copy is not served
    db.session.get(Programme, results.programme.id).publish_at = PUBLISH + timedelta(days=1)
    db.session.commit()
    later, _n = get(path)
    assert "Univé" not in later.text and "Odido" not in later.text


def test_a_new_ratification_or_an_edited_entry_is_seen_at_once(results, clock, get):
    path = f"/awards/{results.programme.slug}/winners"
    programme_id, winner_id = results.programme.id, results.winner.id
    unratified_id, chair_id = results.unratified.id, results.chair.user.id
    clock.set(PUBLISH)
    assert "Interpolis" not in get(path)[0].text
    programme = db.session.get(Programme, programme_id)
    innovation = programme.categories[1]
    ratification.ratify(
        programme, innovation, unratified_id, actor=db.session.get(User, chair_id), now=DELIBERATION
    )
    db.session.commit()
    assert "Interpolis" in get(path)[0].text
    db.session.execute(
        sa.update(Entry)
        .where(Entry.id == winner_id)
        .values(organisation="Univé Renamed", updated_at=PUBLISH)
    )
    db.session.commit()
    assert "Univé Renamed" in get(path)[0].text


def test_a_ratified_leaderboard_shows_the_ratification_of_now(
    results, clock, login, client, make_user
):
    admin = make_user("admin@podium.example", admin=True)
    db.session.commit()
    login(admin)
    clock.set(PUBLISH)
    programme = db.session.get(Programme, results.programme.id)
    category = programme.categories[0]
    path = f"/admin/awards/{programme.slug}/results?category={category.slug}"

    def snapshot_winner(html: str) -> str:
        section = re.search(r'id="ratified-result".*?</section>', html, re.S)
        assert section
        row = re.search(r'data-snapshot-ref="([^"]+)"(?:(?!</tr>).)*badge ok', section[0], re.S)
        assert row
        return row[1]

    first = client.get(path)
    assert first.status_code == 200
    assert snapshot_winner(first.text) == results.winner.ref
    assert snapshot_winner(client.get(path).text) == results.winner.ref
    # ratified again (the old one gone, another winner): the frozen copy of the old one is
    # not shown, though the new ratification may reuse its id
    db.session.execute(sa.delete(Ratification))
    db.session.commit()
    ratification.ratify(
        programme, category, results.nominee.id, actor=results.chair.user, now=DELIBERATION
    )
    db.session.commit()
    assert snapshot_winner(client.get(path).text) == results.nominee.ref
