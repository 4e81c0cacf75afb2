"""Hostile input at every form: no 5xx, a clear message, and nothing changed when refused.

The POST routes are read from the app's url_map; `ROUTES` says for each who sends it, at
what time, and on which page its form is shown (a route missing from the table fails
`test_every_post_route_is_covered`). Each test builds one small world with the factories
(a programme with entries, jurors, a scorecard and a conflict; an event with registrations,
a member organisation, a queued e-mail), logs in as the route's role, reads the form's fields
from the page (what a browser would send) and then sends, one field at a time, NUL, a
400-digit number and a blank, plus a few values hypothesis draws (control characters, 200 KB
strings, numbers beyond any column, odd Unicode) in a random field or an unexpected one.
Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL (where NUL fails on write).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from awards.models import Conflict, EntryQuestion, Panel, PanelMember, PanelScope, Round
from awards.services import group_messages
from awards.services.jury import INVITE_PURPOSE
from core.accounts import services as accounts
from core.extensions import db
from core.outbox.models import MailMessage
from core.tokens import make_token
from events.models import (
    Booking,
    EventQuestion,
    EventSeries,
    RegistrationAnswer,
    RegistrationTransfer,
    Voucher,
)
from events.services.invoices import issue_invoice
from podium import create_app
from tests.factories import (
    NOW,
    make_event,
    make_member_org,
    make_registration,
    make_scorecard,
)
from tests.property.hostile import (
    FIXED,
    SETTINGS,
    changed,
    hostile_text,
    judge,
    no_rate_limits,
    page_forms,
    snapshot,
)
from tests.ticket_types import typed_world

SCORING = datetime(2025, 4, 10, 9, 0, tzinfo=UTC)
RESULTS = datetime(2025, 5, 10, 9, 0, tzinfo=UTC)
# after the world's programme's (only, stored) round closed: nothing advances from a final round
ADVANCING = datetime(2025, 5, 2, 9, 0, tzinfo=UTC)
EN = {"Accept-Language": "en"}


@dataclass
class Route:
    """Who posts (`role`), when (`at`), the page showing the form ("" = the route itself, GET),
    and the URL arguments, each a key of `World.ids`."""

    role: str
    page: str = ""
    at: datetime = NOW
    args: dict[str, str] = field(default_factory=dict)
    # valid values the page leaves empty (confirmed=1: past a destructive action's question)
    base: dict[str, str] = field(default_factory=dict)


P = {"slug": "programme"}
PANEL = {**P, "panel_id": "panel"}
PANELS = "/admin/programmes/{programme}/panels"
TIMES = {
    "submissions_open_at": "2026-02-01T10:00",
    "submissions_close_at": "2026-04-01T23:59",
    "scoring_open_at": "2026-04-02T09:00",
    "scoring_close_at": "2026-05-01T17:00",
    "publish_at": "2026-06-11T18:00",
}
MESSAGE = {
    "group": "entrants",
    "subject_nl": "Nieuws",
    "body_nl": "Beste inzender,",
    "subject_en": "News",
    "body_en": "Dear entrant,",
    "key": "hostile-forms-key-0123456789",
}
EVENT = {
    "slug": "new-talk",
    "title_nl": "Talk",
    "title_en": "Talk",
    "starts_at": "2025-04-01T12:00",
    "ends_at": "2025-04-01T13:00",
    "capacity": "50",
}
ROUTES: dict[str, Route] = {
    "accounts.change_password": Route(
        "entrant",
        page="/account",
        base={"current_password": "not-it", "password": "p" * 12, "confirm": "p" * 12},
    ),
    "accounts.forgot_password": Route("anonymous", base={"email": "someone@example.org"}),
    "accounts.login": Route("anonymous", base={"email": "entrant@example.org", "password": "x"}),
    "accounts.logout": Route("entrant", page="/account"),
    "accounts.profile": Route("entrant"),
    "accounts.resend_verification": Route("unverified", page="/account"),
    "accounts.reset_password": Route("anonymous", args={"token": "reset"}),
    "accounts.signup": Route(
        "anonymous",
        base={"name": "N", "email": "new@example.org", "password": "p" * 12, "confirm": "p" * 12},
    ),
    "accounts.accept_invitation": Route("anonymous", args={"token": "account_invite"}),
    "users_admin.change_role": Route(
        "admin", args={"user_id": "entrant_id"}, page="/admin/users/{entrant_id}"
    ),
    "users_admin.deactivate": Route(
        "admin",
        page="/admin/users/{entrant_id}",
        args={"user_id": "entrant_id"},
        base={"confirmed": "1"},
    ),
    "users_admin.invite": Route(
        "admin", base={"name": "N", "email": "invited@example.org", "role": "staff"}
    ),
    "users_admin.reactivate": Route(
        "admin",
        page="/admin/users/{entrant_id}",
        args={"user_id": "entrant_id"},
        base={"confirmed": "1"},
    ),
    "awards_admin.screen_entry": Route(
        "admin",
        page="/admin/programmes/{programme}/entries/{submitted}",
        args={**P, "entry_id": "submitted"},
    ),
    "awards_panels.add_member": Route("admin", page=PANELS, args=PANEL),
    "awards_panels.add_scope": Route("admin", page=PANELS, args=PANEL, base={"round_no": "1"}),
    "awards_panels.assign": Route(
        "admin",
        page="/admin/programmes/{programme}/rounds/1/assignment",
        args={**P, "round_no": "round_no"},
        base={"k": "1", "confirmed": "1"},
    ),
    "awards_panels.create_panel": Route("admin", page=PANELS, args=P, base={"name": "New"}),
    "awards_panels.delete_panel": Route("admin", page=PANELS, args=PANEL, base={"confirmed": "1"}),
    "awards_panels.remove_member": Route(
        "admin",
        page=PANELS,
        args={**PANEL, "row_id": "panel_member"},
        base={"confirmed": "1"},
    ),
    "awards_panels.remove_scope": Route(
        "admin",
        page=PANELS,
        args={**PANEL, "scope_id": "panel_scope"},
        base={"confirmed": "1"},
    ),
    "awards_panels.rename_panel": Route("admin", page=PANELS, args=PANEL),
    # confirmed: an accepted value copies (the first time; then the slug is taken)
    "awards_editions.next_edition": Route("admin", args=P, base={"confirmed": "1"}),
    "awards_setup.delete_category": Route(
        "admin",
        page="/admin/programmes/{programme}",
        args={**P, "category_id": "category"},
        base={"confirmed": "1"},
    ),
    "awards_setup.delete_criterion": Route(
        "admin",
        page="/admin/programmes/{programme}",
        args={**P, "criterion_id": "criterion"},
        base={"confirmed": "1"},
    ),
    "awards_setup.edit_category": Route("admin", args={**P, "category_id": "category"}),
    "awards_setup.edit_criterion": Route("admin", args={**P, "criterion_id": "criterion"}),
    "awards_setup.edit_programme": Route("admin", args=P),
    "awards_setup.new_category": Route(
        "admin", args=P, base={"slug": "new", "name_nl": "N", "name_en": "N"}
    ),
    "awards_setup.new_criterion": Route(
        "admin", args=P, base={"key": "new_one", "name_nl": "N", "name_en": "N"}
    ),
    "awards_setup.new_programme": Route("admin", base={"slug": "cda-2026", "name": "N", **TIMES}),
    "awards_questions.delete_question": Route(
        "admin",
        page="/admin/programmes/{programme}/questions",
        args={**P, "question_id": "question"},
        base={"confirmed": "1"},
    ),
    "awards_questions.edit_question": Route("admin", args={**P, "question_id": "question"}),
    "awards_questions.move_question": Route(
        "admin",
        page="/admin/programmes/{programme}/questions",
        args={**P, "question_id": "question"},
    ),
    "awards_questions.new_question": Route(
        "admin",
        args=P,
        base={"key": "new_q", "kind": "short_text", "label_nl": "N", "label_en": "N"},
    ),
    "awards_rounds.new_round": Route(
        "admin",
        args=P,
        base={
            "name_nl": "Finale",
            "name_en": "Final",
            "scoring_open_at": "2025-05-03T10:00",
            "scoring_close_at": "2025-05-20T23:00",
        },
    ),
    "awards_rounds.edit_round": Route("admin", args={**P, "round_no": "round"}),
    "awards_rounds.delete_round": Route(
        "admin",
        page="/admin/programmes/{programme}/rounds",
        args={**P, "round_no": "round"},
        base={"confirmed": "1"},
    ),
    "entrant.edit_entry": Route("entrant", args={**P, "entry_id": "draft"}),
    "entrant.new_entry": Route("entrant", args=P, base={"organisation": "O", "title": "T"}),
    "entrant.submit_entry": Route(
        "entrant", page="/awards/{programme}/entries/{draft}", args={**P, "entry_id": "draft"}
    ),
    "entrant.withdraw_entry": Route(
        "entrant",
        page="/awards/{programme}/entries/{submitted}",
        args={**P, "entry_id": "submitted"},
        base={"confirmed": "1"},
    ),
    "entrant.reopen_entry": Route(
        "entrant",
        page="/awards/{programme}/entries/{withdrawn}",
        args={**P, "entry_id": "withdrawn"},
    ),
    "deliberation.share_feedback": Route(
        "chair",
        page="/admin/awards/{programme}/deliberation",
        at=RESULTS,
        args={**P, "entry_id": "other"},
    ),
    "events.billing": Route("anonymous", args={"token": "unbilled"}),
    "events.cancel": Route("anonymous", args={"token": "confirmed"}),
    "events.offer": Route("anonymous", args={"token": "offered"}),
    "events.register": Route(
        "anonymous",
        args={"slug": "event"},
        # the event asks a required choice, a text and a yes/no (`world`)
        base={
            "name": "N",
            "email": "new@example.org",
            "privacy_consent": "y",
            "q_diet": "Vegan",
            "q_other": "Geen noten",
            "q_car": "no",
        },
    ),
    "events.resend": Route("anonymous", page="/events/{event}/registered", args={"slug": "event"}),
    "events_admin.create_event": Route("admin", base=EVENT),
    "events_admin.delete_event": Route(
        "admin",
        page="/admin/events/{event_id}/edit",
        args={"event_id": "event_id"},
        base={"confirmed": "1"},
    ),
    "events_admin.edit_event": Route("admin", args={"event_id": "event_id"}),
    "events_attendees.cancel": Route(
        "admin",
        page="/admin/events/{event_id}/attendees",
        args={"event_id": "event_id", "registration_id": "confirmed_id"},
        base={"confirmed": "1"},
    ),
    "events_attendees.check_in": Route(
        "admin",
        page="/admin/events/{event_id}/check-in",
        args={"event_id": "event_id", "registration_id": "confirmed_id"},
    ),
    "events_attendees.comp": Route(
        "admin", args={"event_id": "event_id"}, base={"name": "N", "email": "comp@example.org"}
    ),
    "events_members.create_organisation": Route(
        "admin", base={"name": "New org", "domains": "new.example"}
    ),
    "events_members.delete_organisation": Route(
        "admin",
        page="/admin/events/members/{org}/edit",
        args={"org_id": "org"},
        base={"confirmed": "1"},
    ),
    "events_members.edit_organisation": Route("admin", args={"org_id": "org"}),
    "events_members.import_organisations": Route(
        "admin", base={"file": "name,domains\nAcme,acme.example\n"}
    ),
    # --- registration questions ---
    "events_questions.new_question": Route(
        "admin",
        args={"event_id": "event_id"},
        base={
            "key": "new_q",
            "kind": "choice",
            "label_nl": "N",
            "label_en": "N",
            "choices": "Ja | Yes\nNee | No",
        },
    ),
    "events_questions.edit_question": Route(
        "admin", args={"event_id": "event_id", "question_id": "event_question"}
    ),
    "events_questions.move_question": Route(
        "admin",
        page="/admin/events/{event_id}/questions",
        args={"event_id": "event_id", "question_id": "event_question"},
    ),
    "events_questions.delete_question": Route(
        "admin",
        page="/admin/events/{event_id}/questions",
        args={"event_id": "event_id", "question_id": "event_question"},
        base={"confirmed": "1"},
    ),
    "jury.accept_invite": Route("anonymous", args={"token": "invite"}),
    # --- ticket types
    "events_tickets.create_type": Route(
        "admin",
        args={"event_id": "typed_event_id"},
        base={"key": "partner", "name_nl": "Partner", "name_en": "Partner", "price": "10"},
    ),
    "events_tickets.edit_type": Route(
        "admin", args={"event_id": "typed_event_id", "type_id": "ticket_type"}
    ),
    "events_tickets.deactivate_type": Route(
        "admin",
        page="/admin/events/{typed_event_id}/tickets/",
        args={"event_id": "typed_event_id", "type_id": "ticket_type"},
    ),
    "events_tickets.activate_type": Route(
        "admin", page="", args={"event_id": "typed_event_id", "type_id": "ticket_type"}
    ),
    "events_tickets.delete_type": Route(
        "admin",
        page="/admin/events/{typed_event_id}/tickets/",
        args={"event_id": "typed_event_id", "type_id": "ticket_type"},
        base={"confirmed": "1"},
    ),
    "events_ticket_choice.choose": Route("anonymous", args={"token": "choosing"}),
    "jury.declare_conflict": Route(
        "juror",
        page="/jury/{programme}/entries/{submitted}",
        at=SCORING,
        args={**P, "entry_id": "submitted"},
        base={"reason": "I advised them."},
    ),
    "jury.entry": Route("juror", at=SCORING, args={**P, "entry_id": "submitted"}),
    "jury.terms": Route("new_juror", at=SCORING, args=P, base={"accept": "y"}),
    "messages.preview": Route("admin", page="/admin/awards/{programme}/messages/new", args=P),
    "messages.test_send": Route("admin", args=P, base=MESSAGE),
    "messages.send": Route("admin", args=P, base={**MESSAGE, "confirmed": "1"}),
    "messages.unsubscribe": Route("anonymous", args={"token": "unsubscribe"}),
    "jury_admin.detect": Route("admin", page="/admin/awards/{programme}/jury/conflicts", args=P),
    "jury_admin.invite": Route(
        "admin",
        page="/admin/awards/{programme}/jury",
        args=P,
        base={"email": "j@example.org", "name": "J"},
    ),
    "jury_admin.remove_member": Route(
        "admin",
        page="/admin/awards/{programme}/jury",
        args={**P, "member_id": "new_member"},
        base={"confirmed": "1"},
    ),
    "jury_admin.reopen_scorecard": Route(
        "chair",
        page="/admin/awards/{programme}/jury/progress",
        at=SCORING,
        args={**P, "scorecard_id": "scorecard"},
        base={"reason": "Look again."},
    ),
    "jury_admin.resend_invite": Route(
        "admin", page="/admin/awards/{programme}/jury", args={**P, "member_id": "new_member"}
    ),
    "jury_admin.rule_conflict": Route(
        "chair",
        page="/admin/awards/{programme}/jury/conflicts",
        at=SCORING,
        args={**P, "conflict_id": "conflict"},
        base={"decision": "uphold", "note": "Upheld."},
    ),
    "outbox.retry": Route("admin", page="/admin/outbox/{message}", args={"message_id": "message"}),
    "payments.pay": Route("anonymous", args={"token": "unpaid"}),
    "payments.test_checkout": Route("anonymous", args={"session_id": "checkout"}),
    "privacy.erase": Route("admin", page="/admin/privacy/erase?email={entrant_email}"),
    "results.advance": Route(
        "admin",
        page="/admin/awards/{programme}/results?round=1",
        at=ADVANCING,
        args={**P, "round_no": "round", "category_slug": "category_slug"},
    ),
    "results.ratify": Route(
        "admin",
        page="/admin/awards/{programme}/results",
        at=RESULTS,
        args={**P, "category_slug": "category_slug"},
        base={"confirmed": "1"},
    ),
    "results.shortlist": Route(
        "admin",
        page="/admin/awards/{programme}/results",
        at=RESULTS,
        args={**P, "category_slug": "category_slug"},
    ),
    # the door (tests/web/test_checkin.py)
    "events_checkin.scan": Route("admin", args={"event_id": "event_id"}),
    "events_checkin.batch": Route(
        "admin",
        page="/admin/events/{event_id}/check-in/scan",
        args={"event_id": "event_id"},
    ),
    # changes after booking
    "events_changes.transfer": Route(
        "anonymous", args={"token": "confirmed"}, base={"name": "N", "email": "new@example.org"}
    ),
    "events_changes.accept_transfer": Route(
        "anonymous", args={"token": "transfer"}, base={"privacy_consent": "y"}
    ),
    "events_changes.invoice_address": Route(
        "anonymous", args={"token": "invoiced"}, base={"confirmed": "1"}
    ),
    "events_changes_admin.transfer": Route(
        "admin",
        args={"event_id": "event_id", "registration_id": "confirmed_id"},
        base={"name": "N", "email": "new@example.org"},
    ),
    "events_changes_admin.invoice_address": Route(
        "admin",
        args={"event_id": "event_id", "registration_id": "invoiced_id"},
        base={"confirmed": "1"},
    ),
    # vouchers
    "events_vouchers.create_voucher": Route("admin", base={"kind": "free"}),
    "events_vouchers.generate_vouchers": Route("admin", base={"kind": "free", "count": "2"}),
    "events_vouchers.edit_voucher": Route("admin", args={"voucher_id": "voucher"}),
    "events_vouchers.end_voucher": Route(
        "admin",
        page="/admin/events/vouchers/",
        args={"voucher_id": "voucher"},
        base={"confirmed": "1"},
    ),
    "events_vouchers.delete_voucher": Route(
        "admin",
        page="/admin/events/vouchers/",
        args={"voucher_id": "voucher"},
        base={"confirmed": "1"},
    ),
    "events_voucher_step.choose": Route("anonymous", args={"token": "voucher_step"}),
    # --- series and copies (events/views/admin_series.py) ---
    "events_series.create_series": Route(
        "admin", base={"slug": "new-series", "title_nl": "Reeks", "title_en": "Series"}
    ),
    "events_series.edit_series": Route("admin", args={"series_id": "series"}),
    "events_series.delete_series": Route(
        "admin",
        page="/admin/events/series/{series}/edit",
        args={"series_id": "series"},
        base={"confirmed": "1"},
    ),
    "events_series.event_series": Route("admin", args={"event_id": "event_id"}),
    "events_series.copy_event": Route("admin", args={"event_id": "event_id"}),
    "events_series.make_recurring": Route(
        "admin",
        args={"event_id": "event_id"},
        base={"series_slug": "talks", "series_title_nl": "Talks", "series_title_en": "Talks"},
    ),
    # bookings (several attendees in one booking)
    "bookings.book": Route(
        "anonymous",
        args={"slug": "event"},
        base={
            "name": "N",
            "email": "new@acme.nl",
            "privacy_consent": "y",
            "attendee_consent": "y",
            "rows": "1",
            "attendee_1_name": "P",
            "attendee_1_email": "p@acme.nl",
        },
    ),
    "bookings.billing": Route("anonymous", args={"token": "unbilled_booking"}),
    "bookings.pay": Route(
        "anonymous", page="/events/b/{unbilled_booking}", args={"token": "unbilled_booking"}
    ),
    "events_bookings_admin.cancel": Route(
        "admin",
        page="/admin/events/{event_id}/attendees",
        args={"event_id": "event_id", "booking_id": "booking_id"},
    ),
    "bookings.cancel": Route(
        "anonymous", page="/events/b/{unbilled_booking}", args={"token": "unbilled_booking"}
    ),
    # ticket type changes after booking
    "events_type_changes.change_ticket_type": Route(
        "anonymous", args={"token": "confirmed"}, base={"confirmed": "1"}
    ),
    "events_type_changes_admin.change_ticket_type": Route(
        "admin",
        args={"event_id": "event_id", "registration_id": "confirmed_id"},
        base={"confirmed": "1"},
    ),
}
#: tested from outside with its own signatures (tests/property/test_hostile_webhook.py)
ELSEWHERE = {"payments.webhook"}


def _post_rules() -> dict[str, str]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})
    return {r.endpoint: r.rule for r in app.url_map.iter_rules() if "POST" in r.methods}


RULES = _post_rules()


def test_every_post_route_is_covered():
    assert sorted(set(RULES) - ELSEWHERE) == sorted(ROUTES)


@dataclass
class World:
    ids: dict[str, str]
    users: dict[str, object]


@pytest.fixture
def world(app, client, clock, make_user, make_programme, make_entry, make_juror) -> World:
    admin = make_user("admin@example.org", admin=True)
    entrant = make_user("entrant@example.org")
    users = {
        "admin": admin,
        "entrant": entrant,
        "unverified": make_user("unverified@example.org", verified=False),
        "juror": make_user("juror@example.org"),
        "new_juror": make_user("newjuror@example.org"),
        "chair": make_user("chair@example.org"),
    }
    invited = make_user("invited-before@example.org", verified=False)
    invited.password_hash = None  # invited by an admin, no password chosen yet
    programme = make_programme("cda-2025")
    category, criterion = programme.categories[0], programme.criteria[0]
    draft = make_entry(programme, owner=entrant, status="draft")
    submitted = make_entry(programme, owner=entrant, status="eligible")
    other = make_entry(programme, status="eligible")
    withdrawn = make_entry(programme, owner=entrant, status="withdrawn")
    juror = make_juror(programme, users["juror"])
    chair = make_juror(programme, users["chair"], role="chair")
    new_member = make_juror(programme, users["new_juror"], accepted=False)
    card = make_scorecard(chair, other, 5, comment="A clear case.")  # shared on deliberation
    conflict = Conflict(
        jury_member_id=juror.id, entry_id=other.id, source="declared", reason="r", created_at=NOW
    )
    db.session.add(conflict)
    questions = [
        EntryQuestion(
            programme_id=programme.id, key=kind, kind=kind, label_nl=kind, label_en=kind,
            position=n, created_at=NOW, required=kind == "number",
            choices=[{"nl": "Ja", "en": "Yes"}] if kind == "choice" else [],
        )
        for n, kind in enumerate(("short_text", "long_text", "choice", "number", "url", "file"))
    ]  # fmt: skip
    db.session.add_all(questions)
    # its one round as a stored row (as a programme keeps it after a second round is deleted)
    db.session.add(
        Round(
            programme_id=programme.id,
            position=1,
            name_nl="Beoordeling",
            name_en="Scoring",
            scoring_open_at=programme.scoring_open_at,
            scoring_close_at=programme.scoring_close_at,
            quorum=programme.quorum,
            created_at=NOW,
        )
    )
    event = make_event("digital-talk")
    confirmed = make_registration(event)
    offered = make_registration(event, "offered", offer_expires_at=datetime(2025, 3, 2, tzinfo=UTC))
    unpaid = make_registration(event, paying=True)
    unbilled = make_registration(event, "pending_payment", verified_at=NOW, audience="non_member")
    org = make_member_org("DDMA", "ddma.nl")
    event_questions = _event_questions(event, confirmed)
    booking = Booking(
        event_id=event.id, token="unbilled-booking", booker_name="B", booker_email="b@acme.nl",
        locale="nl", attendees=[{"name": "P", "email": "p@acme.nl"}], created_at=NOW,
    )  # fmt: skip
    db.session.add(booking)
    db.session.flush()
    make_registration(
        event, "pending_verification", verified_at=NOW, audience="non_member",
        booking_id=booking.id, email="b@acme.nl",
    )  # fmt: skip
    message = MailMessage(
        to_addr="x@example.org", subject="s", body_text="b", kind="k", status="failed",
        next_attempt_at=NOW, created_at=NOW,
    )  # fmt: skip
    db.session.add(message)
    panel = Panel(programme_id=programme.id, name="Panel", created_at=NOW)
    panel.members = [PanelMember(jury_member_id=juror.id)]
    panel.scopes = [PanelScope(round_no=1, category_id=category.id)]
    db.session.add(panel)
    # vouchers: one for the event, and a verified registration whose voucher is not for its
    # address (it waits on the voucher step)
    voucher = Voucher(code="HOSTILE-1", kind="free", email_domain="press.example", created_at=NOW)
    db.session.add(voucher)
    db.session.flush()
    voucher_step = make_registration(
        event, "pending_verification", verified_at=NOW, audience="non_member", voucher_id=voucher.id
    )
    series = EventSeries(slug="digital-talks", title_nl="Digital Talks", title_en="Digital Talks",
                         created_at=NOW)  # fmt: skip
    db.session.add(series)
    db.session.flush()
    ids = {
        "programme": programme.slug,
        "entrant_email": entrant.email,
        "entrant_id": str(entrant.id),
        "category": str(category.id),
        "category_slug": category.slug,
        "criterion": str(criterion.id),
        "question": str(questions[0].id),
        "draft": str(draft.id),
        "submitted": str(submitted.id),
        "other": str(other.id),
        "withdrawn": str(withdrawn.id),
        "scorecard": str(card.id),
        "conflict": str(conflict.id),
        "new_member": str(new_member.id),
        "panel": str(panel.id),
        "panel_member": str(panel.members[0].id),
        "panel_scope": str(panel.scopes[0].id),
        "round_no": "1",
        "event": event.slug,
        "event_id": str(event.id),
        "confirmed": confirmed.token,
        "confirmed_id": str(confirmed.id),
        "offered": offered.token,
        "unpaid": unpaid.token,
        "unbilled": unbilled.token,
        "unbilled_booking": booking.token,
        "booking_id": str(booking.id),
        "org": str(org.id),
        "event_question": str(event_questions[0].id),
        "message": str(message.id),
        "round": "1",
        "reset": make_token(
            "reset", {"uid": entrant.id, "fp": accounts._fingerprint(entrant)}, now=NOW
        ),
        "account_invite": make_token(
            "invite", {"uid": invited.id, "fp": accounts._fingerprint(invited)}, now=NOW
        ),
        "invite": make_token(
            INVITE_PURPOSE, {"mid": new_member.id, "uid": new_member.user_id}, now=NOW
        ),
        "unsubscribe": group_messages.unsubscribe_token(programme, entrant.id, now=NOW),
        "voucher": str(voucher.id),
        "voucher_step": voucher_step.token,
        "series": str(series.id),
    }
    # changes after booking: a paid registration with its invoice, a pending transfer
    invoiced = make_registration(event, "confirmed", paying=True)
    issue_invoice(invoiced, now=NOW)
    transfer = RegistrationTransfer(
        registration_id=confirmed.id, token="transfer-link-token", name="Sam",
        email="sam@example.org", created_at=NOW, expires_at=datetime(2025, 3, 3, tzinfo=UTC),
    )  # fmt: skip
    db.session.add(transfer)
    ids.update(invoiced=invoiced.token, invoiced_id=str(invoiced.id), transfer=transfer.token)
    ids.update(typed_world())  # ticket types
    db.session.commit()
    response = client.post(f"/events/r/{unpaid.token}/pay", headers=EN)  # opens a test checkout
    location = urlsplit(response.headers.get("Location", "")).path
    ids["checkout"] = location.rsplit("/", 1)[-1] if "/test-checkout/" in location else "none"
    return World(ids=ids, users=users)


def _event_questions(event, answered_by) -> list[EventQuestion]:
    """The registration questions of the world's event (a required choice answered by
    `answered_by`, a text, a yes/no)."""
    questions = [
        EventQuestion(
            event_id=event.id, key=key, kind=kind, label_nl=key, label_en=key, position=n,
            required=kind == "choice", created_at=NOW,
            choices=[{"nl": "Geen", "en": "None"}, {"nl": "Vegan", "en": "Vegan"}]
            if kind == "choice" else [],
        )
        for n, (key, kind) in enumerate((("diet", "choice"), ("other", "text"), ("car", "yes_no")))
    ]  # fmt: skip
    db.session.add_all(questions)
    db.session.flush()
    db.session.add(
        RegistrationAnswer(
            registration_id=answered_by.id, question_id=questions[0].id, value="Geen"
        )
    )
    return questions


def _url(rule: str, route: Route, ids: dict[str, str]) -> str:
    return re.sub(r"<(?:[a-z]+:)?(\w+)>", lambda m: ids[route.args[m.group(1)]], rule)


def _baseline(client, url: str, route: Route, ids: dict[str, str]):
    """The form's fields as the page fills them in (plus `route.base`), and its file fields."""
    page = route.page.format(**ids) if route.page else url
    html = client.get(page, headers=EN).get_data(as_text=True)
    for form in page_forms(html):
        action = urlsplit(form.action).path or urlsplit(page).path
        if action == url and form.method == "post":
            return {**form.fields, **route.base}, form.names, form.files
    return dict(route.base), list(route.base), set()


def _send(client, url: str, data: dict, files: set[str]):
    body = {k: v for k, v in data.items() if k not in files}
    for name in files:  # a file field's value is its content (none chosen: empty)
        content = data.get(name, "")
        body[name] = (io.BytesIO(content.encode()), "upload.csv" if content else "")
    no_rate_limits()
    return client.post(url, data=body, headers=EN, content_type="multipart/form-data")


class Checker:
    """Posts to one URL and checks each answer; the database is fingerprinted once per request
    (the state after one request is the state before the next)."""

    def __init__(self, client, url: str, files: set[str]):
        self.client, self.url, self.files = client, url, files
        self.state = snapshot()

    def __call__(self, data: dict, where: str) -> None:
        response = _send(self.client, self.url, data, self.files)
        assert response.status_code < 500, where
        rejected, says_why = judge(self.client, response)
        before, self.state = self.state, snapshot()
        if rejected:
            assert says_why, f"{where}: refused without a message ({response.status_code})"
            assert changed(before, self.state) == [], f"{where}: a refused request changed data"


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_hostile_values_in_every_field_never_reach_a_500(
    endpoint, app, client, clock, login, world
):
    route = ROUTES[endpoint]
    clock.set(route.at)
    if route.role != "anonymous":
        login(world.users[route.role])
    url = _url(RULES[endpoint], route, world.ids)
    base, names, files = _baseline(client, url, route, world.ids)
    targets = [n for n in names if n != "csrf_token"] or ["unexpected"]
    check = Checker(client, url, files)
    for name in targets:  # every field gets the values that broke Podium once
        for value in FIXED:
            check({**base, name: value}, f"{endpoint} {name}={value[:20]!r}")

    @SETTINGS
    @given(
        name=st.sampled_from([*targets, "unexpected"]),
        value=hostile_text,
    )
    def throw(name, value):
        check({**base, name: value}, f"{endpoint} {name}={value[:30]!r}")

    throw()


def test_the_booking_forms_voucher_code_is_among_the_fields_thrown_at(app, client, world):
    """The booking form's voucher code is one of the fields the hostile values go into, and
    a hostile code (a control character, 200 KB) is refused with nothing changed."""
    route = ROUTES["bookings.book"]
    url = _url(RULES["bookings.book"], route, world.ids)
    base, names, files = _baseline(client, url, route, world.ids)
    assert "voucher_code" in names
    check = Checker(client, url, files)
    for value in ("HOSTILE-1\x00", "x" * 200_000, "hostile-1"):  # the last: not for p@acme.nl
        before = check.state
        check({**base, "voucher_code": value}, f"voucher_code={value[:20]!r}")
        assert changed(before, check.state) == []
