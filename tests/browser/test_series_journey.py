"""Staff make a series of recurring talks from a Digital Talk in a browser (preview, then the
talks), publish one, and a visitor finds the series on the events list and its page, in
Dutch and in English. Every page passes the harness's checks (conftest.py)."""

from __future__ import annotations

import sqlalchemy as sa

from core.extensions import db
from events.models import Event, EventSeries
from tests.browser.awards_steps import log_in, say
from tests.factories import make_event


def test_staff_make_a_series_and_the_public_list_shows_it(new_person, lang, make_user):
    admin = make_user(f"staff.{lang}@example.org", name="Sam Staff", admin=True, locale=lang)
    talk = make_event(
        "digital-talk-cookies",
        title_nl="DDMA Digital Talk: cookies",
        title_en="DDMA Digital Talk: cookies",
    )
    staff = new_person(lang)
    staff.goto("/login")
    log_in(staff, admin.email)
    staff.goto(f"/admin/events/{talk.id}/edit")
    staff.follow(say(lang, "Make a series"), exact=True)
    staff.select(say(lang, "Series"), say(lang, "A new series (below)"), exact=True)
    staff.fill(say(lang, "Slug of the new series"), "digital-talks")
    staff.fill(say(lang, "Title of the new series (Dutch)"), "Digital Talks")
    staff.fill(say(lang, "Title of the new series (English)"), "Digital Talks")
    staff.select(say(lang, "How often"), say(lang, "Every two weeks"))
    staff.fill(say(lang, "Number of new talks"), "2")
    staff.fill(say(lang, "Date of the first new talk"), "2025-04-03")
    staff.press(say(lang, "Preview"), exact=True)
    staff.see("digital-talk-cookies-2025-04-03")
    staff.see("digital-talk-cookies-2025-04-17")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 1
    staff.press("2 talks maken" if lang == "nl" else "Make 2 talks", exact=True)
    assert "/admin/events/series/" in staff.path
    staff.see(say(lang, "Not published"))
    db.session.rollback()
    series = db.session.scalar(sa.select(EventSeries))
    assert [e.slug for e in sorted(series.events, key=lambda e: e.starts_at)] == [
        "digital-talk-cookies",
        "digital-talk-cookies-2025-04-03",
        "digital-talk-cookies-2025-04-17",
    ]
    # publish the first new talk on its own page
    first = "DDMA Digital Talk: cookies (3 april 2025)" if lang == "nl" else (
        "DDMA Digital Talk: cookies (3 April 2025)")  # fmt: skip
    staff.follow(first, exact=True)
    staff.check(say(lang, "Published"), exact=True)
    staff.press(say(lang, "Save"), exact=True)
    staff.see(say(lang, "Event saved."))

    visitor = new_person(lang)
    visitor.goto("/events/")
    visitor.see(say(lang, "A series of talks"))
    visitor.follow("Digital Talks", exact=True)
    assert visitor.path == "/events/series/digital-talks"
    visitor.see(say(lang, "Upcoming talks"))
    visitor.see(first)
    assert "17 April 2025" not in visitor.text() and "17 april 2025" not in visitor.text()
    visitor.follow(first, exact=True)
    visitor.see(say(lang, "Part of the series"))
