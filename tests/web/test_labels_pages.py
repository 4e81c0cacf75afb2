"""The Dutch admin shows people words, not codes: the attendee list, the outbox and the audit
log (whose data is a key/value list, not JSON); the Dutch log-in asks in Dutch; the billing
country list holds countries only."""

from __future__ import annotations

import re

import pytest

from awards.models import Conflict
from core.audit.services import record
from core.extensions import db
from core.labels import LABELS
from core.outbox.models import MailMessage
from events.forms.registration import NOT_COUNTRIES
from tests.factories import make_event, make_registration


def _text(html: str) -> str:
    """The page's visible text: the <main> element without tags (attributes, URLs and form
    values may hold codes)."""
    main = html[html.index("<main") : html.index("</main>")]
    return re.sub(r"<[^>]+>", " ", main)


def _codes_in(text: str, codes) -> list[str]:
    return sorted(c for c in codes if re.search(rf"(?<![\w.]){re.escape(c)}(?![\w.])", text))


@pytest.fixture
def admin_nl(make_user, login):
    return login(make_user(admin=True, locale="nl"))


def test_the_dutch_attendee_list_names_states_and_audiences(admin_nl):
    event = make_event()
    make_registration(event, "confirmed", audience="member")
    make_registration(event, paying=True, audience="non_member")
    make_registration(event, "waitlisted")

    text = _text(admin_nl.get(f"/admin/events/{event.id}/attendees").get_data(as_text=True))

    assert _codes_in(text, ["confirmed", "pending_payment", "waitlisted", "non_member"]) == []
    assert "Bevestigd" in text and "Wacht op betaling" in text and "Niet-lid" in text
    index = _text(admin_nl.get("/admin/events/").get_data(as_text=True))
    assert _codes_in(index, ["confirmed", "pending_payment", "waitlisted"]) == []


def test_the_dutch_outbox_names_kinds_and_statuses(admin_nl, clock):
    message = MailMessage(
        to_addr="ann@example.org",
        subject="Hallo",
        body_text="Tekst.",
        kind="event_confirmed",
        status="logged",
        next_attempt_at=clock(),
        created_at=clock(),
    )
    db.session.add(message)
    db.session.commit()

    for page in ("/admin/outbox/", f"/admin/outbox/{message.id}"):
        text = _text(admin_nl.get(page).get_data(as_text=True))
        assert _codes_in(text, ["event_confirmed", "logged"]) == [], page
        assert "Aanmelding bevestigd" in text and "Gelogd (niet verstuurd)" in text


def test_the_dutch_audit_log_reads_as_sentences_and_a_key_value_list(admin_nl, make_user, clock):
    registration = make_registration(paying=True, audience="non_member")
    record(
        "registration.paid",
        registration,
        now=clock(),
        actor=make_user(),
        scope=registration.event,
        from_state="pending_payment",
        to_state="confirmed",
        audience="non_member",
    )
    db.session.commit()

    html = admin_nl.get("/admin/audit/").get_data(as_text=True)
    # the table, not the filter form, whose hint names action prefixes to type
    text = re.sub(r"<[^>]+>", " ", html[html.index("<table") : html.index("</table>")])

    codes = [*LABELS["audit"], *LABELS["audit_key"], "pending_payment", "non_member"]
    assert _codes_in(text, codes) == []
    assert "{" not in text and '"' not in text
    assert "Aanmelding betaald" in text
    assert re.search(r"<dt>Status ervoor</dt><dd>Wacht op betaling</dd>", html)
    assert re.search(r"<dt>Tariefgroep</dt><dd>Niet-lid</dd>", html)


def test_the_dutch_log_in_asks_in_dutch(client):
    nl = {"Accept-Language": "nl"}
    response = client.get("/admin/audit/", headers=nl)
    assert response.status_code == 302
    page = client.get(response.headers["Location"], headers=nl).get_data(as_text=True)
    assert '<html lang="nl">' in page
    assert "Log in om deze pagina te zien." in page
    assert "Please log in" not in page


def test_the_billing_country_list_holds_countries_only(client):
    event = make_event()
    db.session.commit()
    for lang in ("nl", "en"):
        html = client.get(f"/events/{event.slug}/register?lang={lang}").get_data(as_text=True)
        codes = re.findall(r'<option[^>]* value="([A-Z]{2})"', html)
        assert len(codes) > 200 and codes[0] == "NL"
        assert {"BE", "DE", "XK"} <= set(codes)
        assert set(codes) & NOT_COUNTRIES == set()
        assert "Pseudo" not in html


def test_the_dutch_conflicts_page_names_sources_and_rulings(
    admin_nl, clock, make_programme, make_entry, make_juror
):
    programme = make_programme()
    juror = make_juror(programme)
    for source, status in (("detected", "pending"), ("declared", "upheld")):
        db.session.add(
            Conflict(
                jury_member_id=juror.id,
                entry_id=make_entry(programme).id,
                source=source,
                status=status,
                created_at=clock(),
            )
        )
    db.session.commit()

    page = admin_nl.get(f"/admin/awards/{programme.slug}/jury/conflicts").get_data(as_text=True)
    text = _text(page)

    assert _codes_in(text, ["detected", "declared", "pending", "upheld"]) == []
    assert all(word in text for word in ("Gevonden", "Gemeld", "In behandeling", "Gehandhaafd"))
