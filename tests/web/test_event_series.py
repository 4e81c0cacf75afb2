"""Event series: staff create, change and delete a series (asked first; its talks stay), put
an event in and take it out, and make a series of recurring talks in one go (preview, then
every copy at the same Amsterdam time, unpublished; refusals change nothing). The public
events list and home page group a series; a series page lists its upcoming and past talks,
in a fixed number of queries; an event's page links to its series."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from core.audit.models import AuditEntry
from core.extensions import db
from events.models import Event, EventSeries, Speaker, TicketType, Voucher
from tests.factories import make_event

# make_event's START: Thursday 20 March 2025, 12:00 in Amsterdam (CET); the clock: 1 March
START = datetime(2025, 3, 20, 11, 0, tzinfo=UTC)


@pytest.fixture
def staff_client(make_user, login):
    client = login(make_user(is_staff=True))
    with client.session_transaction() as session:
        session["lang"] = "en"
    return client


def _series(slug="digital-talks", **kw) -> EventSeries:
    values = {"title_nl": "Digital Talks", "title_en": "Digital Talks (en)",
              "description_nl": "Elke maand een talk.", "description_en": "A talk every month.",
              "created_at": START - timedelta(days=90)}  # fmt: skip
    series = EventSeries(slug=slug, **{**values, **kw})
    db.session.add(series)
    db.session.flush()
    return series


def _snapshot():
    db.session.expire_all()
    counts = {
        model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Event, EventSeries, Speaker, TicketType, AuditEntry)
    }
    counts["in series"] = db.session.scalar(
        sa.select(sa.func.count()).where(Event.series_id.is_not(None))
    )
    return counts


def _events():
    db.session.expire_all()
    return db.session.scalars(sa.select(Event).order_by(Event.starts_at, Event.id)).all()


def _actions():
    return [a.action for a in db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))]


# --- series CRUD -----------------------------------------------------------------------------

SERIES_FORM = {
    "slug": "digital-talks",
    "title_nl": "Digital Talks",
    "title_en": "Digital Talks",
    "description_nl": "Korte talks over actuele onderwerpen.",
    "description_en": "Short talks on current topics.",
}


def test_staff_create_and_change_a_series(staff_client, app):
    response = staff_client.post("/admin/events/series/new", data=SERIES_FORM)
    assert response.status_code == 302
    (series,) = db.session.scalars(sa.select(EventSeries)).all()
    assert (series.slug, series.description_en) == (
        "digital-talks",
        "Short talks on current topics.",
    )
    listing = staff_client.get("/admin/events/series/").get_data(as_text=True)
    assert "Digital Talks" in listing and "digital-talks" in listing
    response = staff_client.post(
        f"/admin/events/series/{series.id}/edit", data={**SERIES_FORM, "title_en": "The Talks"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(EventSeries, series.id).title_en == "The Talks"
    assert _actions() == ["series.created", "series.updated"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"slug": "taken"}, "Another series already uses this slug."),
        ({"slug": "Digital Talks"}, "Use lower-case letters"),
        ({"title_nl": ""}, "This field is required."),
    ],
)
def test_a_bad_series_is_refused_and_nothing_written(staff_client, app, changes, message):
    _series("taken")
    db.session.commit()
    before = _snapshot()
    response = staff_client.post("/admin/events/series/new", data={**SERIES_FORM, **changes})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert _snapshot() == before


def test_deleting_a_series_asks_first_and_keeps_its_talks(staff_client, app):
    series = _series()
    talk = make_event("talk-1", series=series)
    db.session.commit()
    url = f"/admin/events/series/{series.id}/delete"
    before = _snapshot()
    asked = staff_client.post(url)
    assert asked.status_code == 200 and "Delete series" in asked.get_data(as_text=True)
    assert _snapshot() == before
    assert staff_client.post(url, data={"confirmed": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(EventSeries, series.id) is None
    assert db.session.get(Event, talk.id).series_id is None
    assert _actions() == ["series.deleted"]


def test_a_series_with_vouchers_is_not_deleted(staff_client, app):
    series = _series()
    make_event("talk-1", series=series)
    db.session.add(Voucher(code="SPEAKER", kind="free", series_id=series.id, created_at=START))
    db.session.commit()
    before = _snapshot()
    response = staff_client.post(
        f"/admin/events/series/{series.id}/delete", data={"confirmed": "1"}
    )
    assert response.status_code == 302
    assert _snapshot() == before
    assert db.session.get(EventSeries, series.id) is not None


def test_put_an_event_in_a_series_and_take_it_out(staff_client, app):
    series = _series()
    talk = make_event("talk-1")
    db.session.commit()
    page = staff_client.get(f"/admin/events/{talk.id}/edit").get_data(as_text=True)
    assert f"/admin/events/{talk.id}/copy" in page and f"/admin/events/{talk.id}/recurring" in page
    url = f"/admin/events/{talk.id}/series"
    assert staff_client.post(url, data={"series_id": str(series.id)}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Event, talk.id).series_id == series.id
    assert staff_client.post(url, data={"series_id": "0"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Event, talk.id).series_id is None
    assert _actions() == ["series.event_added", "series.event_removed"]
    before = _snapshot()
    assert staff_client.post(url, data={"series_id": "999999"}).status_code == 400
    assert _snapshot() == before


# --- a series of recurring talks in one go ---------------------------------------------------

RECURRING = {
    "series": "0",
    "series_slug": "digital-talks",
    "series_title_nl": "Digital Talks",
    "series_title_en": "Digital Talks",
    "interval": "monthly",
    "count": "3",
    "first_date": "2025-04-17",
    "slug_prefix": "digital-talk",
}


@pytest.fixture
def template(app):
    event = make_event("digital-talk-cookies")
    event.speakers = [Speaker(name="Isa Nieuwstad", role="Legal Counsel", organisation="DDMA")]
    event.ticket_types = [
        TicketType(key="member", name_nl="Lid", name_en="Member", price_cents=0,
                   sale_ends_at=START - timedelta(days=1), created_at=START)
    ]  # fmt: skip
    db.session.commit()
    return event


def test_the_form_suggests_monthly_from_the_next_month(staff_client, template):
    page = staff_client.get(f"/admin/events/{template.id}/recurring").get_data(as_text=True)
    # the third Thursday of March -> the third Thursday of April
    assert 'value="2025-04-17"' in page and 'value="digital-talk-cookies"' in page


def test_the_preview_lists_the_dates_and_writes_nothing(staff_client, template):
    before = _snapshot()
    page = staff_client.post(f"/admin/events/{template.id}/recurring", data=RECURRING)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for slug in ("digital-talk-2025-04-17", "digital-talk-2025-05-15", "digital-talk-2025-06-19"):
        assert slug in text
    assert "17 April 2025, 12:00" in text and 'name="confirmed" value="1"' in text
    assert _snapshot() == before


def test_make_a_monthly_series_in_one_go(staff_client, client, template):
    response = staff_client.post(
        f"/admin/events/{template.id}/recurring", data={**RECURRING, "confirmed": "1"}
    )
    assert response.status_code == 302
    (series,) = db.session.scalars(sa.select(EventSeries)).all()
    assert response.headers["Location"].endswith(f"/admin/events/series/{series.id}/edit")
    original, *copies = _events()
    assert original.id == template.id and original.series_id == series.id
    assert [c.slug for c in copies] == [
        "digital-talk-2025-04-17", "digital-talk-2025-05-15", "digital-talk-2025-06-19"
    ]  # fmt: skip
    # the third Thursday each month, at 12:00 on the Amsterdam clock (summer time: 10:00 UTC)
    assert [c.starts_at for c in copies] == [
        datetime(2025, m, d, 10, 0, tzinfo=UTC) for m, d in ((4, 17), (5, 15), (6, 19))
    ]
    assert copies[0].title_en == "DDMA Digital Talk: the DPA and cookie enforcement (17 April 2025)"
    assert copies[0].title_nl == "DDMA Digital Talk: AP en cookiehandhaving (17 april 2025)"
    assert all(c.series_id == series.id and not c.published for c in copies)
    assert all([s.name for s in c.speakers] == ["Isa Nieuwstad"] for c in copies)
    assert copies[1].ticket_types[0].sale_ends_at == datetime(2025, 5, 14, 10, 0, tzinfo=UTC)
    assert _actions() == ["series.created", "series.event_added", "series.recurring_made"]
    # unpublished: the public list shows only the template, under its series
    text = client.get("/events/").get_data(as_text=True)
    assert "digital-talk-2025-04-17" not in text and "/events/series/digital-talks" in text


def test_weekly_into_an_existing_series(staff_client, template):
    series = _series()
    db.session.commit()
    data = {**RECURRING, "series": str(series.id), "series_slug": "", "series_title_nl": "",
            "series_title_en": "", "interval": "weekly", "count": "2",
            "first_date": "2025-03-27", "slug_prefix": "talk"}  # fmt: skip
    response = staff_client.post(
        f"/admin/events/{template.id}/recurring", data={**data, "confirmed": "1"}
    )
    assert response.status_code == 302
    _original, *copies = _events()
    assert [c.slug for c in copies] == ["talk-2025-03-27", "talk-2025-04-03"]
    # 27 March still winter time (11:00 UTC), 3 April summer time (10:00 UTC): both 12:00
    assert [c.starts_at.hour for c in copies] == [11, 10]
    assert {c.series_id for c in copies} == {series.id}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EventSeries)) == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"count": "0"}, "Number must be between 1 and 52."),
        ({"count": "53"}, ""),
        ({"first_date": "2025-02-20"}, "The first talk would start in the past."),
        ({"slug_prefix": "Bad Prefix"}, "Use lower-case letters"),
        ({"slug_prefix": "taken"}, "The slug taken-2025-05-15 is already taken"),
        ({"series_slug": "occupied"}, "Another series already uses this slug."),
        ({"series_title_en": ""}, "This field is required."),
        ({"interval": "daily"}, ""),
        ({"series": "999999"}, ""),
    ],
)
def test_refusals_change_nothing(staff_client, template, changes, message):
    make_event("taken-2025-05-15", starts_at=START + timedelta(days=90))
    _series("occupied")
    db.session.commit()
    before = _snapshot()
    for confirmed in ("", "1"):
        response = staff_client.post(
            f"/admin/events/{template.id}/recurring",
            data={**RECURRING, **changes, "confirmed": confirmed},
        )
        assert response.status_code == 400, changes
        assert message in response.get_data(as_text=True)
    assert _snapshot() == before


def test_others_may_not_make_a_series(client, make_user, login, template):
    before = _snapshot()
    url = f"/admin/events/{template.id}/recurring"
    login(make_user())
    assert client.post(url, data={**RECURRING, "confirmed": "1"}).status_code == 403
    assert _snapshot() == before


# --- public ----------------------------------------------------------------------------------


@pytest.fixture
def public_series(app):
    """A series with two upcoming published talks, one past, one unpublished; a talk outside."""
    series = _series()
    make_event("talk-past", series=series, starts_at=START - timedelta(days=30),
               title_en="Past talk", title_nl="Voorbije talk")  # fmt: skip
    make_event("talk-april", series=series, starts_at=START + timedelta(days=28),
               title_en="April talk", title_nl="Talk in april")  # fmt: skip
    make_event("talk-may", series=series, starts_at=START + timedelta(days=56),
               title_en="May talk", title_nl="Talk in mei")  # fmt: skip
    make_event("talk-hidden", series=series, starts_at=START + timedelta(days=84),
               title_en="Hidden talk", title_nl="Verborgen talk", published=False)  # fmt: skip
    make_event(
        "afternoon-update",
        starts_at=START + timedelta(days=1),
        title_en="Afternoon Update",
        title_nl="Middagupdate",
        kind="Afternoon Update",
    )
    db.session.commit()
    return series


def test_the_events_list_groups_a_series(client, public_series):
    text = client.get("/events/?lang=en").get_data(as_text=True)
    assert text.index("Afternoon Update") < text.index("Digital Talks (en)")
    group = text[text.index('id="series-') :]
    assert group.index("April talk") < group.index("May talk")
    assert "2 upcoming talks" in group
    assert "Past talk" not in text and "Hidden talk" not in text


def test_the_home_page_groups_a_series(client, public_series):
    text = client.get("/?lang=en").get_data(as_text=True)
    assert '<a href="/events/series/digital-talks">Digital Talks (en)</a>' in text
    assert "April talk" in text and "May talk" in text
    assert "upcoming talks" not in text  # the home page shows the next few only: no count


@pytest.mark.parametrize(
    ("lang", "title", "upcoming", "past", "description"),
    [
        ("en", "Digital Talks (en)", "Upcoming talks", "Past talks", "A talk every month."),
        ("nl", "Digital Talks", "Komende talks", "Eerdere talks", "Elke maand een talk."),
    ],
)
def test_the_series_page(client, public_series, lang, title, upcoming, past, description):
    response = client.get(f"/events/series/digital-talks?lang={lang}")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert f"<h1>{title}</h1>" in text and description in text
    assert text.index(upcoming) < text.index("talk-april") < text.index("talk-may")
    assert text.index(past) < text.index("talk-past")
    assert "talk-hidden" not in text and "afternoon-update" not in text
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_a_talk_links_to_its_series(client, public_series):
    text = client.get("/events/talk-april?lang=en").get_data(as_text=True)
    assert "Part of the series" in text and 'href="/events/series/digital-talks"' in text
    assert "Part of the series" not in client.get("/events/afternoon-update").get_data(as_text=True)


def test_an_unknown_or_unannounced_series_is_404(client, app):
    _series("nothing-yet")
    make_event("hidden", series=db.session.scalar(sa.select(EventSeries)), published=False)
    db.session.commit()
    assert client.get("/events/series/nothing-yet").status_code == 404
    assert client.get("/events/series/unknown").status_code == 404


def _queries(client, url) -> int:
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_list_and_series_page_load_in_a_fixed_number_of_queries(client, public_series):
    before = {
        url: _queries(client, url) for url in ("/events/", "/events/series/digital-talks", "/")
    }
    other = _series("afternoon-updates")
    for n in range(4):
        make_event(f"more-{n}", series=public_series if n % 2 else other,
                   starts_at=START + timedelta(days=100 + n))  # fmt: skip
    db.session.commit()
    after = {url: _queries(client, url) for url in before}
    assert after == before
