"""Consent-free funnel figures: See (the public event page viewed by a visitor who is not
staff, no HEAD, prefetch or robot), Think (a registration started), Do (confirmed, free or
paid; not a complimentary seat), Care (checked in; an undone check-in is taken back),
counted per event and Amsterdam day in one row each that holds nothing else; no cookie is
set for it. The staff pages: an event's funnel over a day range, and a year's comparison
with CSV / XLSX."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import weakref
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from core.extensions import db
from events.models import FunnelCount
from events.payments import RegEvent
from events.services import funnel, page_views, seats
from tests.factories import make_event, make_member_org, make_registration, verify_link

EN = {"Accept-Language": "en"}
BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0", **EN}


def counts(event) -> dict[tuple[date, str], int]:
    db.session.commit()  # a new transaction: it sees what other sessions committed
    rows = db.session.execute(
        sa.select(FunnelCount.day, FunnelCount.stage, FunnelCount.count)
        .where(FunnelCount.event_id == event.id)
        .order_by(FunnelCount.day, FunnelCount.stage)
    )
    return {(day, stage): n for day, stage, n in rows}


@pytest.fixture
def event(app):
    made = make_event()
    db.session.commit()
    return made


@pytest.fixture
def staff_client(make_user, login):
    client = login(make_user(is_staff=True))
    with client.session_transaction() as session:
        session["lang"] = "en"
    return client


TODAY = date(2025, 3, 1)  # the suite's clock: 2025-03-01 09:00 UTC


def test_a_visitor_viewing_the_event_page_counts_once_per_view_and_gets_no_cookie(client, event):
    for _ in range(3):
        response = client.get(f"/events/{event.slug}", headers=BROWSER)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
    assert counts(event) == {(TODAY, "see"): 3}
    assert not client.get_cookie("session")


@pytest.fixture
def tallied(app, monkeypatch):
    """The app tallies views for a minute before writing them (production's interval is
    `FUNNEL_FLUSH_SECONDS`, 2 s by default)."""
    views = page_views.PageViews(timedelta(minutes=1))
    monkeypatch.setitem(app.extensions, "podium_page_views", views)
    return views


def test_views_are_tallied_in_the_worker_and_written_together_when_due(
    client, event, clock, tallied
):
    other = make_event("other")
    db.session.commit()
    for slug in (event.slug, event.slug, other.slug):
        assert client.get(f"/events/{slug}", headers=BROWSER).status_code == 200
    assert counts(event) == {} and len(tallied) == 3  # no write transaction per view
    clock.advance(seconds=59)
    client.get(f"/events/{event.slug}", headers=BROWSER)
    assert counts(event) == {}
    clock.advance(seconds=1)  # the tally is a minute old: this view writes it all
    client.get(f"/events/{event.slug}", headers=BROWSER)
    assert counts(event) == {(TODAY, "see"): 4} and counts(other) == {(TODAY, "see"): 1}
    assert len(tallied) == 0
    client.get(f"/events/{event.slug}", headers=BROWSER)  # a new tally starts
    assert counts(event) == {(TODAY, "see"): 4} and len(tallied) == 1


def test_a_tally_keeps_the_amsterdam_day_of_each_view(client, event, clock, tallied):
    clock.set(datetime(2025, 3, 1, 22, 59, 30, tzinfo=UTC))  # 23:59:30 in Amsterdam
    client.get(f"/events/{event.slug}", headers=BROWSER)
    clock.advance(minutes=1)  # past midnight there: the second view is of 2 March
    client.get(f"/events/{event.slug}", headers=BROWSER)
    assert counts(event) == {(TODAY, "see"): 1, (date(2025, 3, 2), "see"): 1}


def test_views_left_in_the_tally_are_written_when_the_process_exits(app, client, event, tallied):
    for _ in range(2):
        client.get(f"/events/{event.slug}", headers=BROWSER)
    client.get(f"/events/{event.slug}", headers={**BROWSER, "Purpose": "prefetch"})
    assert counts(event) == {}
    page_views._write_at_exit(weakref.ref(app))  # what atexit calls
    assert counts(event) == {(TODAY, "see"): 2} and len(tallied) == 0
    page_views._write_at_exit(weakref.ref(app))  # nothing left: nothing written twice
    assert counts(event) == {(TODAY, "see"): 2}


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Purpose": "prefetch"},
        {"Sec-Purpose": "prefetch;prerender"},
        {"Purpose": "prefetch"},
        {"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"},
        {"User-Agent": "Screaming Frog SEO Spider/19.0"},
        {"User-Agent": "ExampleCrawler/1.0"},
    ],
)
def test_prefetches_and_robots_do_not_count(client, event, headers):
    assert client.get(f"/events/{event.slug}", headers={**BROWSER, **headers}).status_code == 200
    assert counts(event) == {}


def test_a_head_request_does_not_count(client, event):
    assert client.head(f"/events/{event.slug}", headers=BROWSER).status_code == 200
    assert counts(event) == {}


def test_staff_viewing_the_event_page_do_not_count(staff_client, make_user, login, event):
    assert staff_client.get(f"/events/{event.slug}", headers=BROWSER).status_code == 200
    assert counts(event) == {}
    someone = login(make_user())  # logged in, not staff: a visitor like any other
    assert someone.get(f"/events/{event.slug}", headers=BROWSER).status_code == 200
    assert counts(event) == {(TODAY, "see"): 1}


def test_the_day_is_amsterdams(client, clock, event):
    clock.set(datetime(2025, 3, 1, 23, 30, tzinfo=UTC))  # 00:30 on 2 March in Amsterdam
    client.get(f"/events/{event.slug}", headers=BROWSER)
    assert counts(event) == {(date(2025, 3, 2), "see"): 1}


def test_the_row_holds_only_the_event_the_day_the_stage_and_the_count(client, event):
    client.get(f"/events/{event.slug}", headers=BROWSER)
    assert set(FunnelCount.__table__.columns.keys()) == {"event_id", "day", "stage", "count"}
    row = db.session.execute(sa.select(FunnelCount.__table__)).one()
    assert row._asdict() == {"event_id": event.id, "day": TODAY, "stage": "see", "count": 1}


def _register(client, event, email):
    data = {"name": "Isa", "email": email, "organisation": "DDMA", "job_title": "Counsel",
            "privacy_consent": "y", "billing_country": "NL"}  # fmt: skip
    return client.post(f"/events/{event.slug}/register", data=data, headers=EN)


def test_think_when_a_registration_starts_and_do_when_it_is_confirmed(client, event, outbox):
    make_member_org("DDMA", "ddma.nl")
    db.session.commit()
    assert _register(client, event, "isa@ddma.nl").status_code == 302
    assert counts(event) == {(TODAY, "think"): 1}
    assert _register(client, event, "isa@ddma.nl").status_code == 302  # the same person again
    assert counts(event) == {(TODAY, "think"): 1}
    (mail,) = outbox(to="isa@ddma.nl", kind="event_verify")
    client.get(verify_link(mail), headers=EN)  # a member: free, confirmed at once
    assert counts(event) == {(TODAY, "think"): 1, (TODAY, "do"): 1}


def test_do_when_a_payment_confirms_but_not_for_a_complimentary_seat(app, event, clock):
    paying = make_registration(event, "pending_payment", paying=True)
    seats.transition(paying, RegEvent.PAID, now=clock())
    comp = make_registration(event, "pending_verification", comp=True)
    seats.transition(comp, RegEvent.COMP, now=clock())
    assert counts(event) == {(TODAY, "do"): 1}


def test_care_when_checked_in_and_taken_back_when_undone(staff_client, event, clock):
    registration = make_registration(event)
    db.session.commit()
    url = f"/admin/events/{event.id}/registrations/{registration.id}/check-in"
    assert staff_client.post(url, data={"checked_in": "1"}).status_code == 302
    assert counts(event) == {(TODAY, "care"): 1}
    clock.advance(days=1)  # undone the next day: taken back from the day it counted on
    assert staff_client.post(url, data={"checked_in": "0"}).status_code == 302
    assert counts(event) == {(TODAY, "care"): 0}
    assert staff_client.post(url, data={"checked_in": "1"}).status_code == 302
    assert counts(event) == {(TODAY, "care"): 0, (TODAY + timedelta(days=1), "care"): 1}


def test_a_count_never_drops_below_zero(app, event, clock):
    funnel.count_step(event.id, funnel.CARE, now=clock(), by=-1)
    assert counts(event) == {(TODAY, "care"): 0}
    with pytest.raises(ValueError):
        funnel.count_step(event.id, "look", now=clock())


def _seed(event, day, see, think, do, care):
    for stage, n in zip(funnel.STAGES, (see, think, do, care), strict=True):
        db.session.add(FunnelCount(event_id=event.id, day=day, stage=stage, count=n))
    db.session.commit()


def test_the_event_funnel_page_shows_the_steps_with_conversions(staff_client, event):
    start = event.starts_at.date()  # 20 March 2025
    _seed(event, start - timedelta(days=5), 100, 10, 5, 0)
    _seed(event, start - timedelta(days=2), 100, 30, 15, 0)
    _seed(event, start, 0, 0, 0, 16)
    _seed(event, start - timedelta(days=60), 999, 0, 0, 0)  # outside the default range
    html = staff_client.get(f"/admin/events/{event.id}/funnel", headers=EN).get_data(as_text=True)
    assert '<svg class="chart"' in html and 'role="img"' in html and "style=" not in html
    assert "1199" in html  # the range widens to the data: all four days
    narrow = staff_client.get(
        f"/admin/events/{event.id}/funnel",
        query_string={"from": "2025-03-10", "to": "2025-03-20"},
        headers=EN,
    ).get_data(as_text=True)
    assert "From 10 Mar 2025 to 20 Mar 2025" in narrow
    for text in ("200", "40 (20.0%)", "20 (50.0%)", "16 (80.0%)", "10.0%"):
        assert text in narrow, text
    assert "999" not in narrow


def test_a_bad_or_reversed_range_is_read_sensibly(staff_client, event):
    url = f"/admin/events/{event.id}/funnel"
    bad = staff_client.get(url, query_string={"from": "tomorrow", "to": "2025-13-45"})
    assert bad.status_code == 200 and "From 18 Feb 2025 to 20 Mar 2025" in bad.get_data(
        as_text=True
    )
    reversed_ = staff_client.get(url, query_string={"from": "2025-03-20", "to": "2025-03-01"})
    assert "From 1 Mar 2025 to 20 Mar 2025" in reversed_.get_data(as_text=True)


def test_the_comparison_shows_each_events_funnel_and_downloads(staff_client, event):
    other = make_event("other", title_en="Another talk", title_nl="Een andere talk")
    _seed(event, TODAY, 200, 20, 10, 8)
    _seed(other, TODAY, 50, 10, 1, 0)
    response = staff_client.get("/admin/events/funnel/2025", headers=EN)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and '<svg class="chart"' in html
    assert event.title_en in html and "Another talk" in html
    for text in ("10.0%", "50.0%", "80.0%", "5.0%", "20.0%", "2.0%"):
        assert text in html, text
    csv_response = staff_client.get("/admin/events/funnel/2025.csv", headers=EN)
    rows = list(csv.reader(io.StringIO(csv_response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "Event" and len(rows) == 3
    assert rows[1][2:] == ["200", "20", "10", "8", "10.0", "50.0", "80.0", "5.0"]
    xlsx = staff_client.get("/admin/events/funnel/2025.xlsx", headers=EN)
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[2][0] == "Another talk" and values[2][2:6] == (50, 10, 1, 0)
    assert "Funnel 2025" in staff_client.get("/admin/events/funnel/", headers=EN).get_data(
        as_text=True
    )


def test_the_funnel_pages_are_for_staff(client, make_user, login, event):
    assert client.get(f"/admin/events/{event.id}/funnel").status_code == 302
    member = login(make_user())
    assert member.get(f"/admin/events/{event.id}/funnel").status_code == 403
    assert member.get("/admin/events/funnel/2025.csv").status_code == 403


@pytest.mark.parametrize(
    ("lang", "texts"),
    [
        ("en", ("Visitor figures", "no cookie is set for them", "no third-party script",
                "no consent (cookie banner) is needed")),
        ("nl", ("Bezoekcijfers", "er wordt geen cookie voor gezet", "geen scripts van derden",
                "geen toestemming (cookiebanner)")),
    ],
)  # fmt: skip
def test_the_privacy_page_says_what_is_counted_and_that_nothing_identifies_a_visitor(
    client, lang, texts
):
    html = client.get("/privacy", headers={"Accept-Language": lang}).get_data(as_text=True)
    for text in texts:
        assert text in html, text


def test_the_event_page_loads_no_script_from_elsewhere(client, event):
    html = client.get(f"/events/{event.slug}", headers=BROWSER).get_data(as_text=True)
    assert "<script" not in html or all(
        'src="/static/' in tag for tag in html.split("<script")[1:]
    ), "a script that is not the site's own"


def test_views_at_the_same_moment_all_count(app, event, clock):
    """Event page views from many workers at once, each as the page's request does it (read
    the event, then count): none fails with "database is locked" on SQLite, every one counts."""
    from events.models import Event
    from tests.threads import run_together

    event_id = event.id

    def view():
        seen = db.session.get(Event, event_id)  # the page's reads open its transaction
        assert seen is not None
        page_views.count_visit(seen.id, "GET", BROWSER, None, now=clock())

    _results, errors = run_together(app, [view] * 12)
    assert errors == []
    assert counts(event) == {(TODAY, "see"): 12}


EXITING_WORKER = """
import sys
from podium import create_app

app = create_app({
    "TESTING": True, "LOG_LEVEL": "WARNING", "SECRET_KEY": "test-secret",
    "SQLALCHEMY_DATABASE_URI": sys.argv[1], "CELERY_BROKER_URL": "",
    "FUNNEL_FLUSH_SECONDS": 3600,  # nothing is due while it runs: only the exit writes
})
client = app.test_client()
for _ in range(3):
    assert client.get("/events/" + sys.argv[2], headers={"User-Agent": sys.argv[3]}).status_code == 200
"""


def test_a_worker_process_that_exits_writes_the_views_still_in_its_tally(app, event, database_url):
    """`init_app` registers the write at exit: a process that served three views, none of
    them due, and then leaves normally (as a gunicorn worker does on a restart) has stored
    all three."""
    db.session.commit()
    done = subprocess.run(
        [sys.executable, "-c", EXITING_WORKER, database_url, event.slug, BROWSER["User-Agent"]],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert sum(counts(event).values()) == 3
    assert set(stage for _, stage in counts(event)) == {"see"}
