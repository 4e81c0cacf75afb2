"""The world the access matrix (tests/web/test_access_matrix.py) walks: every kind of object a
route can name, owned by the eight roles of the matrix, each carrying marker strings that the
roles which must not see it are searched for.

At `AT` (2025-04-10) programme P (`matrix-p`) is scoring and programme Q (`matrix-q`) has
closed scoring (results not yet published):

- entrant A owns a draft (A0) and an eligible entry (A1) in P; entrant B owns a draft (B0) and
  the eligible entry X in P. Every entry has a PDF attachment. Q has one eligible entry (QE)
  of a third owner.
- P's jury: juror J (scored X and A1), the conflicted juror JX (declared a conflict on X, upheld
  by an admin; scored A1) and the chair CC (a conflict on X detected from their affiliation,
  upheld by an admin; a draft on A1). Q's jury: the chair C and a juror QJ, both scored QE.
- event E (open for registration) with one confirmed registration per role (anonymous: a
  person without an account), A's and B's paid with an invoice each; event E2 with one
  registration; a member organisation, an outbox message and an audit entry.
- a panel in P (J on it, judging P's category in round 1) and one in Q (QJ, Q's category).

`build_world(at=..., upload_dir=...)` runs in an app context, commits, and returns a `World`
of ids, tokens and markers (plain values: nothing that expires with a session).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import current_app

from awards import storage
from awards.models import (
    Conflict,
    Entry,
    EntryAnswer,
    EntryQuestion,
    JuryMember,
    Panel,
    PanelMember,
    PanelScope,
    Programme,
)
from core.accounts.models import User
from core.audit.services import record
from core.extensions import db
from core.outbox.models import MailMessage
from events.models import EventQuestion, EventSeries, RegistrationAnswer, Voucher
from events.services.invoices import issue_invoice
from tests.factories import (
    TIMELINE,
    make_event,
    make_member_org,
    make_registration,
    make_scorecard,
    pdf_bytes,
    seed_categories,
    seed_criteria,
)

AT = datetime(2025, 4, 10, 9, 0, tzinfo=UTC)  # P scores, Q's scoring has closed

ANON, ENTRANT, ENTRANT2, JUROR, CJUROR, CHAIR, CCHAIR, ADMIN = ROLES = (
    "anonymous",
    "entrant",
    "entrant2",
    "juror",
    "conflicted_juror",
    "chair",
    "conflicted_chair",
    "admin",
)
Q_TIMELINE = {
    "submissions_open_at": datetime(2025, 1, 6, 9, 0, tzinfo=UTC),
    "submissions_close_at": datetime(2025, 2, 1, 22, 0, tzinfo=UTC),
    "scoring_open_at": datetime(2025, 2, 3, 8, 0, tzinfo=UTC),
    "scoring_close_at": datetime(2025, 3, 31, 21, 0, tzinfo=UTC),
    "publish_at": datetime(2025, 6, 12, 16, 0, tzinfo=UTC),
}
ENTRY_FIELDS = ("ref", "title", "organisation", "case_text")


def entry_markers(key: str) -> dict[str, str]:
    """The distinctive values of entry `key` (A0, A1, B0, X, QE), by field."""
    return {
        "ref": f"MXREF-{key}",
        "title": f"MARKER-{key}-TITLE",
        "organisation": f"MARKER-{key}-ORG",
        "case_text": f"MARKER-{key}-CASETEXT",
    }


def attendee_name(role: str) -> str:
    return f"MARKER-ATTENDEE-{role.upper()}-NAME"


def attendee_email(role: str) -> str:
    return f"attendee-{role.replace('_', '-')}@marker.example"


@dataclass(frozen=True)
class World:
    p_slug: str
    q_slug: str
    p_category_slug: str
    q_category_slug: str
    p_category_id: int
    q_category_id: int
    p_criterion_id: int
    q_criterion_id: int
    users: dict[str, int]  # role -> user id (not anonymous)
    entries: dict[str, int]  # A0, A1, B0, X, QE -> id
    members: dict[str, int]  # J, JX, CC, C, QJ -> jury member id
    cards: dict[str, int]  # "J-X", "J-A1", "JX-A1", "CC-A1", "C-QE", "QJ-QE" -> scorecard id
    card_comments: dict[str, str]  # same keys -> the scorecard's comment (a marker)
    conflicts: dict[str, int]  # "JX-X", "CC-X", "QJ-QE" -> conflict id
    event_slug: str
    event_id: int
    other_event_id: int
    registrations: dict[str, int]  # role -> registration id on E
    tokens: dict[str, str]  # role -> registration token on E
    other_registration_id: int  # the registration on E2
    invoices: dict[str, str]  # entrant / entrant2 -> their invoice number
    member_org_id: int
    message_id: int
    panels: dict[str, int]  # "P", "Q" -> a panel of P (J on it, judging P's category), of Q
    panel_members: dict[str, int]  # "P", "Q" -> its member row
    panel_scopes: dict[str, int]  # "P", "Q" -> its scope row
    questions: dict[str, int]  # P, Q -> the id of the programme's file question
    upload_dir: str
    mail_subject: str = "MARKER-MAIL-SUBJECT"
    audit_note: str = "MARKER-AUDIT-NOTE"
    voucher_id: int = 0  # vouchers: a voucher for E (unused)
    # "E", "E2" -> a registration question of event E (answered by A), of E2
    event_questions: dict[str, int] = field(default_factory=dict)
    # series and copies: a series holding E2 (tests/web/test_event_series.py)
    series_id: int = 0
    series_slug: str = ""


def _user(role: str, at: datetime, *, admin: bool = False) -> User:
    user = User(
        email=f"{role.replace('_', '-')}@matrix.example",
        name=f"Matrix {role.replace('_', ' ').title()}",
        is_admin=admin,
        email_verified_at=at,
        created_at=at,
        locale="en",
        password_hash="!matrix-no-password-login",  # the matrix logs in with the session
    )
    db.session.add(user)
    return user


def _programme(slug: str, at: datetime, timeline: dict) -> Programme:
    programme = Programme(
        slug=slug,
        name=f"Matrix Awards {slug[-1].upper()}",
        quorum=1,
        trim=0,
        method="mean",
        created_at=at,
        jury_terms_nl="Vertrouwelijkheid.",
        jury_terms_en="Confidentiality.",
        **timeline,
    )
    programme.categories = seed_categories(1)
    programme.criteria = seed_criteria()
    db.session.add(programme)
    return programme


def _entry(programme: Programme, owner: User, key: str, status: str, at: datetime) -> Entry:
    stored = storage.save_pdf(io.BytesIO(pdf_bytes()), f"{key.lower()}.pdf")
    entry = Entry(
        programme=programme,
        category=programme.categories[0],
        owner=owner,
        summary="A summary.",
        status=status,
        attachment_key=stored.key,
        attachment_name=stored.name,
        created_at=at,
        updated_at=at,
        submitted_at=None if status == "draft" else at,
        **entry_markers(key),
    )
    db.session.add(entry)
    return entry


def _file_question(programme: Programme, entries: list[Entry], at: datetime) -> EntryQuestion:
    """A PDF question of `programme`, answered by each of `entries` with a stored PDF."""
    question = EntryQuestion(
        programme_id=programme.id, key="plan", kind="file", label_nl="Plan", label_en="Plan",
        created_at=at,
    )  # fmt: skip
    db.session.add(question)
    db.session.flush()
    for entry in entries:
        stored = storage.save_pdf(io.BytesIO(pdf_bytes()), "plan.pdf")
        db.session.add(
            EntryAnswer(
                entry_id=entry.id, question_id=question.id, value_text="",
                file_key=stored.key, file_name=stored.name, file_size=stored.size, updated_at=at,
            )
        )  # fmt: skip
    return question


def _member(programme, user, role, at, affiliation="") -> JuryMember:
    member = JuryMember(
        programme=programme,
        user=user,
        role=role,
        affiliation=affiliation,
        invited_at=at,
        terms_accepted_at=at,
    )
    db.session.add(member)
    return member


def _conflict(member, entry, source, status, ruled_by, at) -> Conflict:
    conflict = Conflict(
        jury_member_id=member.id,
        entry_id=entry.id,
        source=source,
        reason="Same employer",
        status=status,
        ruling_note="Upheld" if status == "upheld" else "",
        ruled_by_id=ruled_by.id if status != "pending" else None,
        ruled_at=at if status != "pending" else None,
        created_at=at,
    )
    db.session.add(conflict)
    return conflict


def build_world(*, at: datetime = AT, upload_dir: str) -> World:
    """Build and commit the world (see the module docstring)."""
    users = {role: _user(role, at, admin=role == ADMIN) for role in ROLES if role != ANON}
    q_owner = _user("q_owner", at)
    qj_user = _user("q_juror", at)
    p = _programme("matrix-p", at, TIMELINE)
    q = _programme("matrix-q", at, Q_TIMELINE)
    db.session.flush()

    entries = {
        "A0": _entry(p, users[ENTRANT], "A0", "draft", at),
        "A1": _entry(p, users[ENTRANT], "A1", "eligible", at),
        "B0": _entry(p, users[ENTRANT2], "B0", "draft", at),
        "X": _entry(p, users[ENTRANT2], "X", "eligible", at),
        "QE": _entry(q, q_owner, "QE", "eligible", at),
    }
    members = {
        "J": _member(p, users[JUROR], "member", at),
        "JX": _member(p, users[CJUROR], "member", at),
        "CC": _member(p, users[CCHAIR], "chair", at, affiliation="X Holding"),
        "C": _member(q, users[CHAIR], "chair", at),
        "QJ": _member(q, qj_user, "member", at),
    }
    db.session.flush()
    questions = {
        "P": _file_question(p, [e for k, e in entries.items() if k != "QE"], at).id,
        "Q": _file_question(q, [entries["QE"]], at).id,
    }
    admin = users[ADMIN]
    conflicts = {
        "JX-X": _conflict(members["JX"], entries["X"], "declared", "upheld", admin, at),
        "CC-X": _conflict(members["CC"], entries["X"], "detected", "upheld", admin, at),
        "QJ-QE": _conflict(members["QJ"], entries["QE"], "declared", "pending", admin, at),
    }
    card_comments = {key: f"MARKER-CARD-{key}-COMMENT" for key in
                     ("J-X", "J-A1", "JX-A1", "CC-A1", "C-QE", "QJ-QE")}  # fmt: skip
    drafts = {"CC-A1"}
    cards = {}
    for key, comment in card_comments.items():
        who, what = key.split("-")
        cards[key] = make_scorecard(
            members[who],
            entries[what],
            (7, 6, 8, 5),
            status="draft" if key in drafts else "submitted",
            at=at - timedelta(days=1),
            comment=comment,
        ).id

    event = make_event(
        "matrix-talk",
        title_en="Matrix Talk",
        title_nl="Matrix Talk",
        starts_at=datetime(2025, 5, 20, 11, 0, tzinfo=UTC),
        registration_opens_at=datetime(2025, 4, 1, 8, 0, tzinfo=UTC),
    )
    other_event = make_event(
        "matrix-other-talk",
        title_en="Other Matrix Talk",
        title_nl="Andere Matrix Talk",
        starts_at=datetime(2025, 5, 27, 11, 0, tzinfo=UTC),
    )
    registrations = {}
    for role in ROLES:
        paying = role in (ENTRANT, ENTRANT2)
        registrations[role] = make_registration(
            event,
            "confirmed",
            paying=paying,
            name=attendee_name(role),
            email=attendee_email(role),
            user_id=users[role].id if role != ANON else None,
        )
    # issued as the app issues them, numbered MXINV-2025-0001 and -0002 (the prefix is the
    # app's setting; the caller's config is restored after its test or module)
    current_app.config["INVOICE_PREFIX"] = "MXINV-"
    invoices = {role: issue_invoice(registrations[role], now=at).number
                for role in (ENTRANT, ENTRANT2)}  # fmt: skip
    other_registration = make_registration(
        other_event, name="Other Event Attendee", email="other-attendee@marker.example"
    )
    event_questions = _event_questions(event, other_event, registrations[ENTRANT])
    organisation = make_member_org("Matrix Member Org", "matrix-member.example")
    message = MailMessage(
        to_addr="someone@matrix.example",
        subject="MARKER-MAIL-SUBJECT",
        body_text="MARKER-MAIL-BODY",
        kind="matrix",
        status="sent",
        attempts=1,
        next_attempt_at=at,
        created_at=at,
        sent_at=at,
    )
    db.session.add(message)
    db.session.flush()
    record("matrix.checked", p, now=at, actor=admin, scope=p, note="MARKER-AUDIT-NOTE")
    panels = {}
    for key, programme, member in (("P", p, members["J"]), ("Q", q, members["QJ"])):
        panel = Panel(programme_id=programme.id, name=f"Matrix panel {key}", created_at=at)
        panel.members = [PanelMember(jury_member_id=member.id)]
        panel.scopes = [PanelScope(round_no=1, category_id=programme.categories[0].id)]
        db.session.add(panel)
        panels[key] = panel
    db.session.flush()
    # vouchers
    voucher = Voucher(code="MATRIX-1", kind="free", event_id=event.id, used_count=0, created_at=at)
    db.session.add(voucher)
    series = EventSeries(slug="matrix-series", title_nl="Matrix Reeks", title_en="Matrix Series",
                         created_at=at)  # fmt: skip
    db.session.add(series)
    other_event.series = series
    db.session.flush()
    world = World(
        p_slug=p.slug,
        q_slug=q.slug,
        p_category_slug=p.categories[0].slug,
        q_category_slug=q.categories[0].slug,
        p_category_id=p.categories[0].id,
        q_category_id=q.categories[0].id,
        p_criterion_id=p.criteria[0].id,
        q_criterion_id=q.criteria[0].id,
        users={role: user.id for role, user in users.items()},
        entries={key: entry.id for key, entry in entries.items()},
        members={key: member.id for key, member in members.items()},
        cards=cards,
        card_comments=card_comments,
        conflicts={key: conflict.id for key, conflict in conflicts.items()},
        event_slug=event.slug,
        event_id=event.id,
        other_event_id=other_event.id,
        registrations={role: r.id for role, r in registrations.items()},
        tokens={role: r.token for role, r in registrations.items()},
        other_registration_id=other_registration.id,
        invoices=invoices,
        member_org_id=organisation.id,
        message_id=message.id,
        panels={key: panel.id for key, panel in panels.items()},
        panel_members={key: panel.members[0].id for key, panel in panels.items()},
        panel_scopes={key: panel.scopes[0].id for key, panel in panels.items()},
        questions=questions,
        upload_dir=upload_dir,
        voucher_id=voucher.id,
        event_questions=event_questions,
        series_id=series.id,
        series_slug=series.slug,
    )
    db.session.commit()  # after reading the ids: no reload opens a transaction that lingers
    return world


def _event_questions(event, other_event, answered_by) -> dict[str, int]:
    """A dietary question on E (answered by `answered_by`) and one on E2."""
    found = {}
    for key, on in (("E", event), ("E2", other_event)):
        question = EventQuestion(
            event_id=on.id, key="diet", kind="choice", label_nl="Dieet", label_en="Diet",
            choices=[{"nl": "Geen", "en": "None"}, {"nl": "Vegan", "en": "Vegan"}],
            position=1, created_at=on.created_at,
        )  # fmt: skip
        db.session.add(question)
        db.session.flush()
        found[key] = question.id
    db.session.add(
        RegistrationAnswer(registration_id=answered_by.id, question_id=found["E"], value="Vegan")
    )
    db.session.flush()
    return found
