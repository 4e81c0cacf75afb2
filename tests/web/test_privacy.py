"""Privacy rights (AVG/GDPR) through the web: the privacy page, a person's data download
(their own, and an admin's on request), and erasure with its confirmation step.

The erasure test builds the person's data in every table that can hold it, erases them
through the admin page, and then scans every row of every table for their address and name:
only the invoice tables may still hold them.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event as sa_event

from awards.models import (
    Conflict,
    Entry,
    EntryAnswer,
    EntryQuestion,
    JuryMember,
    MessageOptOut,
    Scorecard,
)
from core.accounts.models import User
from core.audit.models import AuditEntry
from core.audit.services import record
from core.extensions import db
from core.outbox.models import MailMessage
from events.invoice_pdf import invoice_pdf
from events.models import (
    Booking,
    EventQuestion,
    Invoice,
    Payment,
    Registration,
    RegistrationAnswer,
    RegistrationTransfer,
    WebhookEvent,
)
from events.services.invoices import issue_invoice
from tests.factories import START, make_event, make_registration, make_scorecard

EMAIL = "noor.unal@example.org"
NAME = "Noor Ünal"
KEPT_TABLES = {"invoices", "document_counters"}  # Dutch fiscal retention: 7 years


@pytest.fixture
def admin(make_user):
    return make_user("admin@example.org", name="Ada Admin", admin=True)


@pytest.fixture
def person(app, clock, make_user, make_programme, make_entry, make_juror, admin):
    """Noor, with a row in every table that can hold a person's data."""
    user = make_user(EMAIL, name=NAME)
    programme = make_programme()
    own = make_entry(programme, owner=user, attachment_name="case.pdf", attachment_size=1234)
    question = EntryQuestion(
        programme_id=programme.id, key="team", kind="short_text", label_nl="Team",
        label_en="Team", created_at=clock(),
    )  # fmt: skip
    db.session.add(question)
    db.session.flush()
    db.session.add(
        EntryAnswer(entry_id=own.id, question_id=question.id, value_text="Team Noor",
                    updated_at=clock())
    )  # fmt: skip
    member = make_juror(programme, user, affiliation="Ünal Data Consulting")
    scored = make_entry(programme, title="Loyalty at scale")
    make_scorecard(member, scored, 7, comment=f"Discussed with {NAME} beforehand.")
    conflicted = make_entry(programme)
    db.session.add(
        Conflict(
            jury_member=member,
            entry=conflicted,
            source="declared",
            reason=f"{NAME} advised this organisation in 2024.",
            created_at=clock(),
        )
    )
    event = make_event("digital-talk-ap")
    paid = make_registration(
        event, "confirmed", paying=True, email=EMAIL, name=NAME, user_id=user.id,
        organisation="Ünal Data Consulting", job_title="CDO", vat_id="NL123456789B01",
    )  # fmt: skip
    invoice = issue_invoice(paid, now=clock())
    db.session.add(
        Payment(
            registration_id=paid.id, provider="test", idempotency_key="pay-1",
            session_id="cs_test_1", amount_cents=6050, status="paid", expires_at=clock(),
            created_at=clock(), paid_at=clock(),
        )
    )  # fmt: skip
    # a colleague's ticket, handed on to Noor (pending: Noor has not opened the link)
    db.session.add(
        RegistrationTransfer(
            registration_id=make_registration(event, "confirmed").id, token="to-noor",
            name=NAME, email=EMAIL, organisation="Ünal Data Consulting", created_at=clock(),
            expires_at=clock() + timedelta(hours=48),
        )
    )  # fmt: skip
    # her answer to the event's dietary question (personal data: it may say something about health)
    diet = EventQuestion(
        event_id=event.id, key="diet", kind="text", label_nl="Dieetwensen",
        label_en="Dietary needs", created_at=clock(),
    )  # fmt: skip
    db.session.add(diet)
    db.session.flush()
    db.session.add(
        RegistrationAnswer(registration_id=paid.id, question_id=diet.id,
                           value=f"Glutenvrij, graag apart voor {NAME}")
    )  # fmt: skip
    # a booking Noor made, and one that names her among attendees still to be placed
    db.session.add_all([
        Booking(event_id=event.id, token="bk-noor", booker_name=NAME, booker_email=EMAIL,
                locale="nl", attendees=[{"name": "Piet", "email": "piet@acme.nl"}],
                created_at=clock()),
        Booking(event_id=event.id, token="bk-other", booker_name="Piet", booker_email="p@acme.nl",
                locale="nl", attendees=[{"name": NAME, "email": EMAIL}], created_at=clock()),
    ])  # fmt: skip
    # an earlier registration with the same address, before Noor had an account
    make_registration(make_event("digital-talk-2"), email=EMAIL, name="N. Ünal")
    db.session.add(
        WebhookEvent(
            provider="stripe", event_id="evt_1", type="checkout.session.completed",
            payload={"data": {"object": {"id": "cs_test_1", "customer_email": EMAIL}}},
            received_at=clock(),
        )
    )  # fmt: skip
    for to, status, body in (
        (EMAIL, "sent", f"Dear {NAME}, you are registered."),
        (EMAIL, "queued", f"Dear {NAME}, a reminder."),
        (admin.email, "sent", f"{NAME} ({EMAIL}) declared a conflict."),
    ):
        db.session.add(
            MailMessage(
                to_addr=to, subject="Digital Talk", body_text=body,
                body_html=f"<p>{body.replace(NAME, 'Noor &Uuml;nal')}</p><p>{NAME}</p>",
                kind="test", status=status, next_attempt_at=clock(), created_at=clock(),
            )
        )  # fmt: skip
    db.session.add(MessageOptOut(user_id=user.id, programme_id=programme.id, created_at=clock()))
    db.session.add(
        MailMessage(
            to_addr=EMAIL, subject="News", body_text="b", kind="group_message", status="sent",
            headers={"List-Unsubscribe": "<https://podium.example/messages/unsubscribe/t>"},
            next_attempt_at=clock(), created_at=clock(),
        )
    )  # fmt: skip
    db.session.flush()
    record("account.signed_up", user, now=clock(), actor=user)
    record("jury.invited", member, now=clock(), actor=admin, scope=programme, email=EMAIL,
           note=f"invited {NAME}", role="member")  # fmt: skip
    record("registration.created", paid, now=clock(), actor=user, scope=event, event_id=event.id)
    return {"user": user, "entry": own, "invoice": invoice, "registration": paid}


def _rows_naming(email: str, name: str) -> list[tuple[str, dict]]:
    """Every row of every table (but the invoice tables) that contains `email` or `name`."""
    db.session.expire_all()
    found = []
    for table in db.metadata.sorted_tables:
        if table.name in KEPT_TABLES:
            continue
        for row in db.session.execute(sa.select(table)).mappings():
            text = json.dumps(dict(row), ensure_ascii=False, default=str).lower()
            if email.lower() in text or name.lower() in text:
                found.append((table.name, dict(row)))
    return found


# --- the privacy page ---------------------------------------------------------------------------


def test_privacy_page_is_public_linked_from_the_footer_and_in_both_languages(client):
    home = client.get("/")
    assert b'href="/privacy"' in home.data
    english = client.get("/privacy")
    assert english.status_code == 200
    for words in (b"7 years", b"365 days after the event", b"no tracking", b"session cookie"):
        assert words in english.data
    dutch = client.get("/privacy?lang=nl")
    assert dutch.status_code == 200
    for words in ("7 jaar", "365 dagen na het evenement", "geen tracking", "sessiecookie"):
        assert words in dutch.get_data(as_text=True)


# --- downloads ----------------------------------------------------------------------------------


def test_a_person_downloads_their_own_data_from_their_account_page(client, login, person):
    login(person["user"])
    assert b'href="/account/data.json"' in client.get("/account").data
    response = client.get("/account/data.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    data = response.get_json()
    assert data["account"]["email"] == EMAIL and data["account"]["name"] == NAME
    assert [e["ref"] for e in data["entries"]] == [person["entry"].ref]
    assert data["entries"][0]["attachment"]["name"] == "case.pdf"
    assert "not part of this download" in data["entries"][0]["attachment"]["note"]
    [answer] = data["entries"][0]["answers"]
    assert (answer["question"], answer["value_text"]) == ("Team", "Team Noor")
    assert data["jury_memberships"][0]["affiliation"] == "Ünal Data Consulting"
    assert data["scorecards"][0]["scores"][0]["value"] == "7.00"
    assert data["conflicts"][0]["source"] == "declared"
    assert sorted(r["name"] for r in data["registrations"]) == ["N. Ünal", NAME]
    answers = {r["name"]: r["answers"] for r in data["registrations"]}
    assert answers["N. Ünal"] == []
    assert answers[NAME] == [
        {"question": "Dietary needs", "value": f"Glutenvrij, graag apart voor {NAME}"}
    ]
    assert [p["amount_cents"] for p in data["payments"]] == [6050]
    assert [i["number"] for i in data["invoices"]] == [person["invoice"].number]
    assert [(t["email"], t["state"]) for t in data["transfers"]] == [(EMAIL, "pending")]
    assert len(data["mails"]) == 3 and all(m["to_addr"] == EMAIL for m in data["mails"])
    assert [o["programme_id"] for o in data["message_opt_outs"]] == [person["entry"].programme_id]
    actions = {a["action"] for a in data["audit"]}
    assert {"account.signed_up", "jury.invited", "registration.created"} <= actions
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.action == "privacy.exported"))
        == 1
    )


def test_the_download_takes_one_query_per_table_however_much_data(client, login, person):
    def queries() -> int:
        statements: list[str] = []

        def count(_conn, _cursor, statement, *_args):
            if statement.lstrip().upper().startswith("SELECT"):
                statements.append(statement)

        sa_event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get("/account/data.json").status_code == 200
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    login(person["user"])
    before = queries()
    for n in range(4):
        make_registration(make_event(f"digital-talk-{n + 3}"), email=EMAIL, name=f"Noor {n}")
    assert queries() == before


def test_an_admin_downloads_the_data_of_a_person_without_an_account(client, login, admin):
    make_registration(make_event(), email="visitor@example.com", name="Vera Visitor")
    login(admin)
    page = client.get("/admin/privacy?email=Visitor@Example.com")
    assert page.status_code == 200 and b"No account" in page.data
    response = client.get("/admin/privacy/data.json?email=visitor@example.com")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    data = response.get_json()
    assert data["account"] is None
    assert [r["name"] for r in data["registrations"]] == ["Vera Visitor"]
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "privacy.exported")
    ).one()
    assert entry.actor_id == admin.id and "visitor" not in json.dumps(entry.data)


def test_an_admin_downloads_a_users_data_by_account(client, login, admin, person):
    login(admin)
    data = client.get(f"/admin/privacy/data.json?user={person['user'].id}").get_json()
    assert data["account"]["email"] == EMAIL


def test_an_unknown_address_is_not_found(client, login, admin):
    login(admin)
    assert client.get("/admin/privacy/data.json?email=nobody@example.org").status_code == 404
    page = client.get("/admin/privacy?email=nobody@example.org")
    assert b"holds no data on that person" in page.data


# --- who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/admin/privacy?email=" + EMAIL),
        ("get", "/admin/privacy/data.json?email=" + EMAIL),
        ("get", "/admin/privacy/erase?email=" + EMAIL),
        ("post", "/admin/privacy/erase"),
    ],
)
def test_only_admins_reach_the_privacy_requests(client, login, make_user, person, method, path):
    form = {"email": EMAIL, "confirm": EMAIL} if method == "post" else None
    anonymous = getattr(client, method)(path, data=form)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    login(make_user("someone@example.org"))
    assert getattr(client, method)(path, data=form).status_code == 403
    assert db.session.get(User, person["user"].id).erased_at is None
    assert _rows_naming(EMAIL, NAME)


def test_the_download_needs_a_log_in(client):
    response = client.get("/account/data.json")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- erasure ------------------------------------------------------------------------------------


def test_erasing_asks_for_the_address_typed_again(client, login, admin, person):
    login(admin)
    page = client.get("/admin/privacy/erase?email=" + EMAIL)
    assert page.status_code == 200 and b"7 years" in page.data
    refused = client.post(
        "/admin/privacy/erase", data={"email": EMAIL, "confirm": "noor@example.org"}
    )
    assert refused.status_code == 400
    assert b"exactly to confirm" in refused.data
    assert db.session.get(User, person["user"].id).email == EMAIL
    assert not db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "privacy.erased")
    ).all()


def test_erasure_keeps_the_invoices_and_anonymises_everything_else(
    client, clock, login, admin, person
):
    invoice_id = person["invoice"].id
    invoice_before = dict(db.session.execute(sa.select(Invoice.__table__)).mappings().one())
    pdf_before = invoice_pdf(person["invoice"])
    noor = client.application.test_client()
    login(person["user"], noor)
    assert noor.get("/account").status_code == 200
    assert {table for table, _row in _rows_naming(EMAIL, NAME)} == {
        "users", "registrations", "mail_messages", "webhook_events", "audit_entries",
        "scorecards", "conflicts", "registration_answers",
        "registration_transfers",
        "bookings",
    }  # fmt: skip

    login(admin)
    clock.set(START + timedelta(days=1))  # after the events Noor registered for
    response = client.post(
        "/admin/privacy/erase", data={"email": EMAIL, "confirm": " Noor.Unal@Example.org "}
    )
    assert response.status_code == 302

    assert _rows_naming(EMAIL, NAME) == []
    assert _rows_naming(EMAIL, "N. Ünal") == []
    # the invoice is untouched, and so is its PDF
    db.session.expire_all()
    invoice = db.session.get(Invoice, invoice_id)
    assert dict(db.session.execute(sa.select(Invoice.__table__)).mappings().one()) == invoice_before
    assert invoice.customer["name"] == NAME
    assert invoice_pdf(invoice) == pdf_before
    # the account can no longer be used: its old session opens nothing, nor can it log in
    user = db.session.get(User, person["user"].id)
    assert user.erased_at is not None and user.password_hash is None
    account = noor.get("/account")
    assert account.status_code == 302 and "/login" in account.headers["Location"]
    # the organisation's entry and the juror's scores stay, without the person
    entry = db.session.get(Entry, person["entry"].id)
    assert entry.owner_id is None and entry.title
    card = db.session.scalars(sa.select(Scorecard)).one()
    assert [s.value for s in card.scores] == [7] * 4
    assert card.comment == "Discussed with [erased] beforehand."
    assert db.session.scalars(sa.select(JuryMember)).one().affiliation == ""
    # registrations keep their state and price; the unsent mail is gone
    registration = db.session.get(Registration, person["registration"].id)
    assert registration.state == "confirmed" and registration.gross_cents == 6050
    assert registration.email.endswith("@erased.invalid") and registration.name == "[erased]"
    assert db.session.scalars(sa.select(RegistrationAnswer)).all() == []  # answers deleted
    assert db.session.scalars(sa.select(EventQuestion)).one().key == "diet"  # the question stays
    assert {m.status for m in db.session.scalars(sa.select(MailMessage))} == {"sent"}
    # the unsubscribe header (a token naming the account) goes with the redacted mail
    assert all(
        m.headers is None
        for m in db.session.scalars(
            sa.select(MailMessage).where(MailMessage.kind == "group_message")
        )
    )
    assert db.session.scalars(sa.select(WebhookEvent)).one().payload["redacted"] is True
    # one audit entry, naming nobody
    erased = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "privacy.erased")
    ).one()
    assert erased.actor_id == admin.id and erased.object_id == user.id
    assert erased.data["counts"]["registrations"] == 2
    transfer = db.session.scalars(sa.select(RegistrationTransfer)).one()
    assert transfer.state == "refused" and transfer.name == "[erased]"  # its link opens nothing
    # the admin's page no longer finds the person
    assert client.get("/admin/privacy/data.json?email=" + EMAIL).status_code == 404


def test_an_admin_cannot_erase_their_own_account(client, login, admin):
    login(admin)
    response = client.post(
        "/admin/privacy/erase", data={"email": admin.email, "confirm": admin.email}
    )
    assert response.status_code == 403
    assert db.session.get(User, admin.id).erased_at is None


def test_erasing_without_the_csrf_token_is_refused(app, client, login, admin, person):
    app.config["WTF_CSRF_ENABLED"] = True
    login(admin)
    response = client.post("/admin/privacy/erase", data={"email": EMAIL, "confirm": EMAIL})
    assert response.status_code == 400
    assert db.session.get(User, person["user"].id).erased_at is None


def test_a_person_with_a_seat_at_an_upcoming_event_is_not_erased(client, login, admin, person):
    login(admin)
    response = client.post("/admin/privacy/erase", data={"email": EMAIL, "confirm": EMAIL})
    assert response.status_code == 409
    assert b"cancel that registration first" in response.data
    assert db.session.get(User, person["user"].id).erased_at is None
