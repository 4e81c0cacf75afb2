"""No copy of a page with personal data stays in a cache: `Cache-Control: no-store` on every
dynamic response except a public page asked for anonymously; `nosniff` on every response.

That every other route, as every role, answers `no-store` is checked by the access matrix
(tests/web/test_access_matrix.py) on each of its requests; here: the public pages stay
cacheable for anonymous visitors, and only for them, and static files keep their caching.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from core.http_headers import PUBLIC_PAGES
from events.services.invoices import issue_invoice
from tests.factories import make_event, make_registration, pdf_bytes

PUBLIC = "public"


@dataclass
class World:
    programme: object
    entry: object
    juror: object
    admin: object
    event: object
    registration: object
    invoice: object
    offered: object


@pytest.fixture
def world(make_programme, make_entry, make_juror, make_user, app, clock):
    import io

    from awards import storage

    programme = make_programme("cda-2025")
    entry = make_entry(programme, status="eligible")
    stored = storage.save_pdf(io.BytesIO(pdf_bytes()), "case.pdf")
    entry.attachment_key, entry.attachment_name, entry.attachment_size = (
        stored.key,
        stored.name,
        stored.size,
    )
    event = make_event()
    registration = make_registration(event, "confirmed", paying=True)
    return World(
        programme=programme,
        entry=entry,
        juror=make_juror(programme),
        admin=make_user(admin=True),
        event=event,
        registration=registration,
        invoice=issue_invoice(registration, now=clock()),
        offered=make_registration(event, "offered", paying=True),
    )


ANONYMOUS_PUBLIC = [
    ("site.home", "/", 200),
    ("site.healthz", "/healthz", 200),
    ("events.index", "/events/", 200),
    ("events.show", "/events/{ev}", 200),
    ("events.ics", "/events/{ev}/calendar.ics", 200),
    ("entrant.programme", "/awards/{p}", 200),
    ("awards_public.winners", "/awards/{p}/winners", 200),
    # before the announcement they answer 404 (after it, cacheable with their content:
    # tests/web/test_winners_embed.py)
    ("awards_public.winners_embed", "/awards/{p}/winners/embed.html", 404),
    ("awards_public.winners_atom", "/awards/{p}/winners.atom", 404),
    ("awards_public.winners_rss", "/awards/{p}/winners.rss", 404),
    ("privacy.page", "/privacy", 200),
    # a series without a published talk answers 404 (with one, cacheable with its content:
    # tests/web/test_event_series.py)
    ("events_series_public.show", "/events/series/no-such-series", 404),
]


def path_in(world: World, template: str) -> str:
    return template.format(
        p=world.programme.slug,
        e=world.entry.id,
        c=world.programme.categories[0].id,
        k=world.programme.criteria[0].id,
        t=world.registration.token,
        o=world.offered.token,
        ev=world.event.slug,
        evid=world.event.id,
    )


def ask(client, login, world: World, who: str | None, template: str):
    if who is not None:
        user = {"entrant": world.entry.owner, "juror": world.juror.user, "admin": world.admin}
        login(user[who])
    response = client.get(path_in(world, template))
    response.get_data()
    response.close()
    return response


@pytest.mark.parametrize(
    ("endpoint", "template", "status"), ANONYMOUS_PUBLIC, ids=[row[0] for row in ANONYMOUS_PUBLIC]
)
def test_public_pages_asked_anonymously_may_be_cached(
    client, login, world, endpoint, template, status
):
    response = ask(client, login, world, None, template)
    assert response.status_code == status
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_static_files_keep_their_caching_and_are_not_sniffed(client):
    response = client.get("/static/podium.css")
    response.get_data()
    response.close()
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_public_pages_are_the_ones_listed_here():
    assert {row[0] for row in ANONYMOUS_PUBLIC} == PUBLIC_PAGES


def test_a_public_page_asked_by_someone_logged_in_is_private(client, login, world):
    """It may greet them by name: not for a shared cache."""
    response = ask(client, login, world, "entrant", "/events/{ev}")
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
