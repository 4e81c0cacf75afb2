"""Small journeys from issue 8, item 10: a waiting-list person is told their place; a chair
who is no admin finds the results page by a link; sign-up from the log-in page keeps `next`;
required fields are marked as required."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from flask import g

from core.extensions import db
from events.services.seats import waitlist_position
from tests.factories import NOW, PASSWORD, make_event, register


def test_the_waiting_list_tells_each_person_their_place(client, outbox):
    event = make_event(capacity=1, price_non_member_cents=0)
    db.session.commit()
    register(event, "first@example.org", now=NOW)  # takes the one seat
    second = register(event, "second@example.org", now=NOW + timedelta(minutes=1))
    third = register(event, "third@example.org", now=NOW + timedelta(minutes=2))
    assert (second.state, third.state) == ("waitlisted", "waitlisted")
    assert waitlist_position(second) == 1 and waitlist_position(third) == 2

    (mail,) = outbox(to="third@example.org", kind="event_waitlisted")
    assert "Je plek op de wachtlijst: 2." in mail.body_text  # in the registrant's Dutch
    page = client.get(f"/events/r/{third.token}?lang=en").get_data(as_text=True)
    assert "Your place on the waiting list: 2." in page

    # the one ahead leaves the list: the third moves up
    second.state = "cancelled"
    db.session.commit()
    assert waitlist_position(third) == 1
    assert waitlist_position(second) is None


def test_a_chair_who_is_no_admin_gets_a_link_to_the_results(
    app, clock, login, make_programme, make_juror, make_user
):
    programme = make_programme()
    chair = make_juror(programme, make_user(), role="chair")
    member = make_juror(programme, make_user())
    db.session.commit()
    results = f'href="/admin/awards/{programme.slug}/results"'

    def dashboard(user) -> str:
        g.pop("_login_user", None)
        return login(user, app.test_client()).get("/jury?lang=en").get_data(as_text=True)

    clock.set(datetime(2025, 4, 20, 9, 0, tzinfo=UTC))  # scoring open: not yet for the chair
    assert results not in dashboard(chair.user)
    clock.set(datetime(2025, 5, 2, 9, 0, tzinfo=UTC))  # scoring closed
    assert results in dashboard(chair.user)
    assert results not in dashboard(member.user)  # a juror never
    page = login(chair.user, app.test_client()).get(f"/admin/awards/{programme.slug}/results")
    assert page.status_code == 200  # and the link leads somewhere the chair may go


def test_sign_up_from_the_log_in_page_keeps_next(app, outbox):
    client = app.test_client()
    login_page = client.get("/login?next=/jury&lang=en").get_data(as_text=True)
    assert 'href="/signup?next=/jury"' in login_page

    signup_page = client.get("/signup?next=/jury").get_data(as_text=True)
    assert 'action="/signup?next=/jury"' in signup_page
    data = {
        "name": "Ada Lovelace",
        "email": "ada@example.org",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "language": "en",
    }
    sent = client.post("/signup?next=/jury", data=data)
    assert sent.status_code == 200 and 'href="/login?next=/jury"' in sent.get_data(as_text=True)

    (mail,) = outbox(to="ada@example.org", kind="account_verify")
    link = re.search(r"http://localhost(/verify/\S+)", mail.body_text).group(1)
    verified = client.get(link)
    assert verified.status_code == 302 and verified.headers["Location"] == "/login?next=/jury"
    g.pop("_login_user", None)
    logged_in = client.post(
        "/login?next=/jury", data={"email": "ada@example.org", "password": PASSWORD}
    )
    assert logged_in.status_code == 302 and logged_in.headers["Location"] == "/jury"


def test_a_foreign_next_is_not_carried_into_sign_up(app):
    client = app.test_client()
    page = client.get("/login?next=//evil.example/").get_data(as_text=True)
    assert "No account yet? Sign up" in page or "Nog geen account" in page
    assert "/signup?next" not in page
    page = client.get("/signup?next=https://evil.example/").get_data(as_text=True)
    assert 'action="/signup"' in page and 'href="/login"' in page


def test_required_fields_say_so(app):
    page = app.test_client().get("/signup?lang=nl").get_data(as_text=True)
    label = '<label for="email">E-mailadres <span class="hint required">(verplicht)</span></label>'
    assert label in page
    email = re.search(r'<input [^>]*id="email"[^>]*>', page).group(0)
    assert " required" in email and 'aria-required="true"' in email
    # a field without a required validator has no marker
    assert '<label for="language">Taal</label>' in page
