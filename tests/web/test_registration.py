"""Registering through the test client: verification, membership, billing, refusals, the
registrant's own pages (status, cancel, offer)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from core.extensions import db
from events.models import Registration
from events.services import waitlist
from tests.factories import (
    NOW,
    START,
    make_event,
    make_member_org,
    make_registration,
    register,
    verify_link,
)

EN = {"Accept-Language": "en"}
BILLING = {
    "billing_company": "Acme BV",
    "billing_address": "Dam 1",
    "billing_postcode": "1012 JS",
    "billing_city": "Amsterdam",
    "billing_country": "NL",
}


def _form(email="isa@ddma.nl", **overrides):
    data = {
        "name": "Isa Nieuwstad",
        "email": email,
        "organisation": "DDMA",
        "job_title": "Legal counsel",
        "privacy_consent": "y",
        "billing_country": "NL",
        **overrides,
    }
    return {k: v for k, v in data.items() if v is not None}


def _post(client, event, **form):
    return client.post(f"/events/{event.slug}/register", data=_form(**form), headers=EN)


def _registrations() -> list[Registration]:
    db.session.rollback()
    return db.session.scalars(sa.select(Registration).order_by(Registration.id)).all()


def _verify(client, outbox, email):
    (mail,) = outbox(to=email, kind="event_verify")
    return client.get(verify_link(mail), headers=EN)


def test_member_registers_verifies_and_is_confirmed_free(client, outbox):
    make_member_org("DDMA", "ddma.nl")
    event = make_event()
    response = _post(client, event)
    assert response.status_code == 302
    assert response.location.endswith(f"/events/{event.slug}/registered")
    (registration,) = _registrations()
    assert registration.state == "pending_verification"
    assert not outbox(kind="event_confirmed")  # unverified: nothing confirmed

    response = _verify(client, outbox, "isa@ddma.nl")
    assert response.status_code == 302
    (registration,) = _registrations()
    assert response.location.endswith(f"/events/r/{registration.token}")
    assert registration.state == "confirmed" and registration.audience == "member"
    assert registration.gross_cents == 0 and registration.verified_at == NOW
    (mail,) = outbox(kind="event_confirmed")
    assert mail.attachments[0]["filename"] == "event.ics"

    page = client.get(response.location, headers=EN)
    assert b"Confirmed" in page.data and b"Free" in page.data


def test_non_member_verifies_and_holds_a_seat_for_payment(client, outbox):
    event = make_event()
    _post(client, event, email="jan@example.org", **BILLING)
    response = _verify(client, outbox, "jan@example.org")
    (registration,) = _registrations()
    assert registration.state == "pending_payment" and registration.audience == "non_member"
    assert registration.hold_expires_at >= NOW + timedelta(minutes=30)
    assert (registration.net_cents, registration.vat_cents, registration.gross_cents) == (
        5000,
        1050,
        6050,
    )
    assert response.status_code == 302 and registration.token in response.location


def test_non_member_without_billing_details_gets_the_billing_step(client, outbox):
    event = make_event()
    _post(client, event, email="jan@example.org")
    response = _verify(client, outbox, "jan@example.org")
    (registration,) = _registrations()
    assert response.location.endswith(f"/events/r/{registration.token}/billing")
    assert registration.state == "pending_verification" and registration.verified_at
    billing_url = f"/events/r/{registration.token}/billing"
    refused = client.post(billing_url, data={"billing_country": "NL"}, headers=EN)
    assert refused.status_code == 400 and b"Enter the company name." in refused.data
    assert _registrations()[0].state == "pending_verification"
    client.post(billing_url, data=BILLING, headers=EN)
    (registration,) = _registrations()
    assert registration.state == "pending_payment" and registration.billing_city == "Amsterdam"


def test_a_member_checkbox_is_ignored(client, outbox):
    event = make_event()
    _post(client, event, email="jan@example.org", member="y", audience="member", **BILLING)
    _verify(client, outbox, "jan@example.org")
    (registration,) = _registrations()
    assert registration.audience == "non_member" and registration.gross_cents == 6050


def test_logged_in_verified_member_skips_the_email_step(client, login, make_user, outbox):
    make_member_org("DDMA", "ddma.nl")
    login(make_user("lot@ddma.nl", name="Lot"))
    event = make_event()
    page = client.get(f"/events/{event.slug}/register", headers=EN)
    assert b'value="lot@ddma.nl"' in page.data and b"readonly" in page.data
    response = _post(client, event, email="someone@example.org")  # the typed address is ignored
    (registration,) = _registrations()
    assert registration.email == "lot@ddma.nl" and registration.state == "confirmed"
    assert registration.user_id is not None and registration.audience == "member"
    assert not outbox(kind="event_verify")
    assert response.location.endswith(f"/events/r/{registration.token}")


def test_logged_in_unverified_user_still_verifies_by_email(client, login, make_user, outbox):
    make_member_org("DDMA", "ddma.nl")
    login(make_user("kim@ddma.nl", verified=False))
    _post(client, make_event(), email="kim@ddma.nl")
    (registration,) = _registrations()
    assert registration.state == "pending_verification" and registration.audience is None
    assert outbox(kind="event_verify")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": "not-an-address"}, b"That is not a valid e-mail address."),
        ({"privacy_consent": None}, b"Please agree to the processing of your details"),
        ({"name": ""}, b"Enter your name."),
        ({**BILLING, "vat_id": "NL123"}, b"That is not a valid EU VAT id"),
        (
            {**BILLING, "vat_id": "BE0123456789"},
            b"This VAT id does not belong to the chosen country.",
        ),
        ({"billing_company": "Acme BV"}, b"Fill in all billing details"),
        ({**BILLING, "billing_country": "XX"}, b"Not a valid choice"),
    ],
)
def test_bad_input_gets_a_clear_message_and_changes_nothing(client, outbox, overrides, message):
    event = make_event()
    response = _post(client, event, **overrides)
    assert response.status_code == 400
    assert message in response.data
    assert _registrations() == [] and outbox() == []


def test_registration_outside_the_window_is_refused(client, clock, outbox):
    event = make_event(registration_opens_at=NOW + timedelta(days=1))
    page = client.get(f"/events/{event.slug}/register", headers=EN)
    assert b"Registration opens on" in page.data
    assert _post(client, event).status_code == 400
    clock.set(START - timedelta(minutes=1))
    event = make_event(slug="closed", registration_closes_at=START - timedelta(hours=1))
    response = _post(client, event)
    assert (
        response.status_code == 400 and b"Registration for this event is closed." in response.data
    )
    assert _registrations() == [] and outbox() == []


def test_duplicate_registration_answers_the_same_and_mails_the_link(client, clock, outbox):
    event = make_event()
    first = _post(client, event)
    again = _post(client, event, email="ISA@ddma.nl", name="Someone Else")
    assert again.status_code == first.status_code == 302
    assert again.location == first.location
    assert b"already registered" not in client.get(again.location, headers=EN).data
    (registration,) = _registrations()
    assert registration.name == "Isa Nieuwstad"  # the repeat changed nothing
    # the verification link went out less than a minute ago: no second mail yet
    assert len(outbox(to="isa@ddma.nl")) == 1
    clock.advance(minutes=2)
    _post(client, event)
    assert len(outbox(kind="event_verify")) == 2  # unverified: a fresh verification link
    too_soon = client.post(
        f"/events/{event.slug}/resend", data={"email": "isa@ddma.nl"}, headers=EN
    )
    assert too_soon.status_code == 302 and len(outbox(kind="event_verify")) == 2
    clock.advance(minutes=2)
    client.post(f"/events/{event.slug}/resend", data={"email": "isa@ddma.nl"}, headers=EN)
    assert len(outbox(kind="event_verify")) == 3
    client.post(f"/events/{event.slug}/resend", data={"email": "nobody@ddma.nl"}, headers=EN)
    assert outbox(to="nobody@ddma.nl") == []


def test_duplicate_of_a_confirmed_registration_mails_its_manage_link(client, clock, outbox):
    make_member_org("DDMA", "ddma.nl")
    event = make_event()
    _post(client, event)
    _verify(client, outbox, "isa@ddma.nl")
    (registration,) = _registrations()
    assert registration.state == "confirmed"
    clock.advance(minutes=2)
    response = _post(client, event)
    assert response.status_code == 302
    assert response.location.endswith(f"/events/{event.slug}/registered")
    (mail,) = outbox(kind="event_manage_link")
    assert mail.to_addr == "isa@ddma.nl"
    assert f"/events/r/{registration.token}" in mail.body_text
    assert len(_registrations()) == 1


def test_a_logged_in_user_is_told_about_their_own_registration(client, login, make_user, outbox):
    user = make_user("isa@ddma.nl")
    event = make_event()
    login(user)
    assert _post(client, event).status_code == 302
    response = _post(client, event)
    assert response.status_code == 409
    assert b"already registered for this event" in response.data
    assert b"Send the link again" in response.data
    assert len(_registrations()) == 1


def test_unpublished_event_is_not_found(client):
    event = make_event(published=False)
    for path in ("", "/register", "/calendar.ics"):
        assert client.get(f"/events/{event.slug}{path}", headers=EN).status_code == 404
    assert (
        client.post(f"/events/{event.slug}/register", data=_form(), headers=EN).status_code == 404
    )


def test_unknown_tampered_and_expired_links(client, clock, outbox):
    for path in ("", "/cancel", "/offer", "/billing", "/calendar.ics"):
        assert client.get(f"/events/r/unknown-token{path}", headers=EN).status_code == 404
    event = make_event()
    _post(client, event)
    (mail,) = outbox(kind="event_verify")
    link = verify_link(mail)
    tampered = client.get(link.replace("/verify", "x/verify"), headers=EN)
    assert tampered.status_code == 400 and b"This link is not valid." in tampered.data
    clock.advance(hours=48, seconds=1)
    expired = client.get(link, headers=EN)
    assert expired.status_code == 400 and b"This link has expired." in expired.data
    assert b"Send a new link" in expired.data
    assert _registrations()[0].state == "pending_verification"


def test_verify_link_twice_changes_nothing_more(client, outbox):
    make_member_org("DDMA", "ddma.nl")
    event = make_event()
    _post(client, event)
    _verify(client, outbox, "isa@ddma.nl")
    again = _verify(client, outbox, "isa@ddma.nl")
    assert again.status_code == 302
    assert len(outbox(kind="event_confirmed")) == 1


def test_status_page_shows_the_join_link_only_when_confirmed(client):
    event = make_event(join_url="https://meet.example.org/talk")
    confirmed = make_registration(event, "confirmed")
    waiting = make_registration(event, "waitlisted")
    assert (
        b"https://meet.example.org/talk"
        in client.get(f"/events/r/{confirmed.token}", headers=EN).data
    )
    assert (
        b"https://meet.example.org/talk"
        not in client.get(f"/events/r/{waiting.token}", headers=EN).data
    )


def test_cancel_through_the_link_and_the_deadline(client, clock, outbox):
    event = make_event(price_non_member_cents=0, capacity=1)
    attendee = register(event, "a@example.org")
    waiting = register(event, "w@example.org")
    page = client.get(f"/events/r/{attendee.token}/cancel", headers=EN)
    assert b"Yes, cancel my registration" in page.data
    clock.set(START - timedelta(hours=23))  # the deadline (24 h before) has passed
    late = client.post(f"/events/r/{attendee.token}/cancel", headers=EN)
    assert late.status_code == 400 and b"the deadline has passed" in late.data
    assert _registrations()[0].state == "confirmed"
    clock.set(START - timedelta(hours=25))
    done = client.post(f"/events/r/{attendee.token}/cancel", headers=EN)
    assert done.status_code == 302
    states = {r.email: r.state for r in _registrations()}
    assert states == {"a@example.org": "cancelled", "w@example.org": "offered"}
    assert outbox(to="a@example.org", kind="event_cancelled")
    assert outbox(to=waiting.email, kind="event_offer")


def test_accept_an_offer_once_through_the_link(client, outbox):
    event = make_event(price_non_member_cents=0, capacity=1)
    attendee = register(event, "a@example.org")
    waiting = register(event, "w@example.org")
    client.post(f"/events/r/{attendee.token}/cancel", headers=EN)
    page = client.get(f"/events/r/{waiting.token}/offer", headers=EN)
    assert b"Accept the seat" in page.data
    accepted = client.post(f"/events/r/{waiting.token}/offer", headers=EN)
    assert accepted.status_code == 302
    assert {r.email: r.state for r in _registrations()}["w@example.org"] == "confirmed"
    twice = client.post(f"/events/r/{waiting.token}/offer", headers=EN)
    assert twice.status_code == 409 and b"already been used" in twice.data
    assert len(outbox(to="w@example.org", kind="event_confirmed")) == 1


def test_an_offer_lapsed_by_the_scheduler_says_it_expired(app, client, clock):
    event = make_event(price_non_member_cents=0, capacity=1, offer_hours=12)
    attendee = register(event, "a@example.org")
    waiting = register(event, "w@example.org")
    client.post(f"/events/r/{attendee.token}/cancel", headers=EN)
    clock.advance(hours=13)
    with app.test_request_context():
        assert waitlist.expire_offers(clock()) == 1
        db.session.commit()
    page = client.get(f"/events/r/{waiting.token}/offer", headers=EN)
    assert b"This offer has expired" in page.data and b"already been used" not in page.data
    late = client.post(f"/events/r/{waiting.token}/offer", headers=EN)
    assert late.status_code == 409 and b"This offer has expired" in late.data


def test_after_a_hold_ran_out_the_person_can_register_again_before_the_scheduler_runs(
    client, clock, outbox
):
    event = make_event(capacity=1)
    waiting = make_registration(event, "waitlisted", waitlisted_at=clock())
    make_registration(event, paying=True, email="tim@laat.example")
    clock.advance(minutes=31)  # the hold ran out; `flask events expire-holds` has not run
    assert _post(client, event, email="tim@laat.example", **BILLING).status_code == 302
    states = {r.id: r.state for r in _registrations()}
    assert states[waiting.id] == "offered"  # the freed seat goes to the first in line
    mine = [r.state for r in _registrations() if r.email == "tim@laat.example"]
    assert mine == ["expired", "pending_verification"]
    assert outbox(to="tim@laat.example", kind="event_verify")
    assert not outbox(to="tim@laat.example", kind="event_manage_link")


def test_form_has_an_unticked_newsletter_opt_in_and_no_member_field(client):
    event = make_event()
    page = client.get(f"/events/{event.slug}/register", headers=EN).get_data(as_text=True)
    newsletter = re.search(r"<input[^>]*name=\"newsletter_opt_in\"[^>]*>", page).group(0)
    assert "checked" not in newsletter
    assert 'name="privacy_consent"' in page
    assert "member" not in " ".join(re.findall(r'name="([^"]+)"', page))
    assert "Only needed if you are not a member" in page


def test_the_form_details_and_opt_in_are_stored_as_given(client):
    event = make_event()
    _post(client, event, organisation="DDMA", job_title="Legal Counsel", newsletter_opt_in="y")
    _post(client, event, email="other@example.org")  # the opt-in left unticked
    first, second = _registrations()
    assert (first.organisation, first.job_title) == ("DDMA", "Legal Counsel")
    assert first.newsletter_opt_in is True
    assert second.newsletter_opt_in is False
    assert first.privacy_consent_at == NOW
