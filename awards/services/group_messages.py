"""Messages from staff to a group of a programme's people, through the outbox.

The groups are a registry (`GROUPS`: key -> `Group`), each with one recipients query:
jurors who have not finished scoring (`unfinished_jurors`), all jurors of a panel, the
entrants of the programme or of one category, the nominees and the winners. Every person is
in a group once (by user id), with their name, address and language; an erased account never
receives. Nominees and winners are secret until the programme's `publish_at`: those groups
are refused before that moment (`ratification.published_results`, the winners page's own
rule, so a message never names anyone the page does not).

A message has a subject and a body (Markdown, sent as plain text) in Dutch and in English,
both required; each recipient gets their own language. Sending (`send`) queues one outbox
row per recipient in the request's transaction, records `messages.sent` and refuses:
a programme that sent `GROUP_MESSAGES_PER_HOUR` messages in the last hour (`Throttled`,
429), and a second send with the same idempotency key (the compose form's, so a double
submit sends once: `AlreadySent`, 409). The outbox's own delivery pace is unchanged.

Messages to entrants, nominees and winners are not part of anyone's role's work, so they
carry an unsubscribe link (a signed token: `unsubscribe_token`) and a List-Unsubscribe
header; whoever follows it is recorded in `MessageOptOut` for that programme and left out
of every later message to those groups (`Recipients.left_out` counts them). Jury messages
are the jurors' work and carry none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from awards.models import (
    ENTRY_STATES,
    Assignment,
    Category,
    Conflict,
    Entry,
    GroupMessage,
    JuryMember,
    MessageOptOut,
    Panel,
    PanelMember,
    Programme,
    Scorecard,
)
from awards.services import rounds
from awards.services.ratification import published_results
from core.accounts.models import User
from core.audit.services import record
from core.errors import DomainError, InvalidInput, NotFound
from core.extensions import db
from core.locking import lock_row
from core.markdown import to_plain_text
from core.outbox.models import MailMessage
from core.outbox.services import queue_mail, render_mail
from core.tokens import make_token, read_token

TEMPLATE = "group_message"
UNSUBSCRIBE_PURPOSE = "unsubscribe"
UNSUBSCRIBE_MAX_AGE = 2 * 365 * 24 * 3600  # a link in an old mail still works for two years
SUBMITTED_STATES = tuple(s for s in ENTRY_STATES if s not in ("draft", "withdrawn"))
PREVIEW_NAMES = 10


class Throttled(DomainError):
    status = 429
    code = "messages_throttled"


class AlreadySent(DomainError):
    status = 409
    code = "message_already_sent"


class NotYetPublished(DomainError):
    status = 409
    code = "results_not_published"


@dataclass(frozen=True)
class Recipient:
    user_id: int
    name: str
    email: str
    locale: str


@dataclass(frozen=True)
class Target:
    """A group with the category or panel it needs (None when it needs none)."""

    group: str
    category: Category | None = None
    panel: Panel | None = None


@dataclass(frozen=True)
class Recipients:
    people: list[Recipient]
    left_out: int = 0  # opted out of the programme's messages

    @property
    def first_names(self) -> list[str]:
        return [p.name for p in self.people[:PREVIEW_NAMES]]


@dataclass(frozen=True)
class Draft:
    subject_nl: str
    subject_en: str
    body_nl: str
    body_en: str

    def subject(self, locale: str) -> str:
        return self.subject_en if locale == "en" else self.subject_nl

    def body(self, locale: str) -> str:
        return self.body_en if locale == "en" else self.body_nl


@dataclass(frozen=True)
class Group:
    key: str
    label: object  # a lazy string
    needs: str | None  # "category", "panel" or None
    unsubscribe: bool  # not the recipients' role's work: opt-outs apply, a link is added
    query: Callable[[Programme, Target, datetime], list[Recipient]] = field(repr=False)


# --- the recipients queries -----------------------------------------------------------------


def _people(query: sa.Select) -> list[Recipient]:
    """Recipients from a select of users (distinct, erased accounts left out), by name."""
    users = db.session.scalars(
        query.where(User.erased_at.is_(None)).distinct().order_by(None)
    ).all()
    return sorted(
        (Recipient(u.id, u.name, u.email, u.locale or "nl") for u in users),
        key=lambda r: (r.name.lower(), r.user_id),
    )


def unfinished_jurors(programme: Programme, *, now: datetime) -> list[Recipient]:
    """The jurors of `programme` who accepted the terms and still have an entry to score in
    the round the jury is in at `now` (`rounds.jury_round`): an entry of that round
    (`rounds.round_entries_query`) they are not barred from (no conflict other than
    dismissed), assigned to them when the round is scored by assignment, without a
    submitted scorecard of theirs in that round. The one "has not finished" query."""
    info = rounds.jury_round(programme, now)
    in_round = rounds.round_entries_query(programme, info.position).subquery()
    conditions = [
        ~sa.select(Conflict.id)
        .where(
            Conflict.jury_member_id == JuryMember.id,
            Conflict.entry_id == in_round.c.id,
            Conflict.status != "dismissed",
        )
        .correlate(JuryMember, in_round)
        .exists(),
        ~sa.select(Scorecard.id)
        .where(
            Scorecard.jury_member_id == JuryMember.id,
            Scorecard.entry_id == in_round.c.id,
            Scorecard.round_no == info.position,
            Scorecard.status == "submitted",
        )
        .correlate(JuryMember, in_round)
        .exists(),
    ]
    if info.assigned:
        conditions.append(
            sa.select(Assignment.id)
            .where(
                Assignment.jury_member_id == JuryMember.id,
                Assignment.entry_id == in_round.c.id,
                Assignment.round_no == info.position,
            )
            .correlate(JuryMember, in_round)
            .exists()
        )
    open_entry = sa.select(in_round.c.id).where(*conditions).correlate(JuryMember).exists()
    return _people(
        sa.select(User)
        .join(JuryMember, JuryMember.user_id == User.id)
        .where(
            JuryMember.programme_id == programme.id,
            JuryMember.terms_accepted_at.is_not(None),
            open_entry,
        )
    )


def _unfinished(programme: Programme, target: Target, now: datetime) -> list[Recipient]:
    return unfinished_jurors(programme, now=now)


def _panel(programme: Programme, target: Target, now: datetime) -> list[Recipient]:
    assert target.panel is not None
    return _people(
        sa.select(User)
        .join(JuryMember, JuryMember.user_id == User.id)
        .join(PanelMember, PanelMember.jury_member_id == JuryMember.id)
        .where(PanelMember.panel_id == target.panel.id, JuryMember.programme_id == programme.id)
    )


def _entrants(programme: Programme, target: Target, now: datetime) -> list[Recipient]:
    query = (
        sa.select(User)
        .join(Entry, Entry.owner_id == User.id)
        .where(Entry.programme_id == programme.id, Entry.status.in_(SUBMITTED_STATES))
    )
    if target.category is not None:
        query = query.where(Entry.category_id == target.category.id)
    return _people(query)


def _published(programme: Programme, now: datetime):
    published = published_results(programme, now)
    if published is None:
        raise NotYetPublished(
            _l("Nominees and winners are secret until the results are published.")
        )
    return published


def _owners(entries: list[Entry]) -> list[Recipient]:
    ids = {e.owner_id for e in entries if e.owner_id is not None}
    if not ids:
        return []
    return _people(sa.select(User).where(User.id.in_(ids)))


def _nominees(programme: Programme, target: Target, now: datetime) -> list[Recipient]:
    published = _published(programme, now)
    return _owners([e for p in published for e in (p.winner, *p.nominees)])


def _winners(programme: Programme, target: Target, now: datetime) -> list[Recipient]:
    return _owners([p.winner for p in _published(programme, now)])


GROUPS: dict[str, Group] = {
    g.key: g
    for g in (
        Group("unfinished", _l("Jurors who have not finished scoring"), None, False, _unfinished),
        Group("panel", _l("All jurors of a panel"), "panel", False, _panel),
        Group("entrants", _l("Entrants of the programme"), None, True, _entrants),
        Group("category", _l("Entrants of a category"), "category", True, _entrants),
        Group("nominees", _l("Nominees (after publication)"), None, True, _nominees),
        Group("winners", _l("Winners (after publication)"), None, True, _winners),
    )
}


# --- choosing and counting ------------------------------------------------------------------


def panels(programme: Programme) -> list[Panel]:
    return list(
        db.session.scalars(
            sa.select(Panel).where(Panel.programme_id == programme.id).order_by(Panel.name)
        )
    )


def target(
    programme: Programme, group: str, *, category_id: int | None, panel_id: int | None
) -> Target:
    """The group with its category or panel, both of `programme`. Raises InvalidInput naming
    the field for an unknown group, or a missing or foreign category or panel."""
    spec = GROUPS.get(group)
    if spec is None:
        raise InvalidInput(errors={"group": _l("Choose a group.")})
    if spec.needs == "category":
        category = db.session.get(Category, category_id) if category_id else None
        if category is None or category.programme_id != programme.id:
            raise InvalidInput(errors={"category_id": _l("Choose a category of this programme.")})
        return Target(group, category=category)
    if spec.needs == "panel":
        panel = db.session.get(Panel, panel_id) if panel_id else None
        if panel is None or panel.programme_id != programme.id:
            raise InvalidInput(errors={"panel_id": _l("Choose a panel of this programme.")})
        return Target(group, panel=panel)
    return Target(group)


def recipients(programme: Programme, chosen: Target, *, now: datetime) -> Recipients:
    """Who gets a message to `chosen` at `now`, and how many opted out and are left out.
    Raises NotYetPublished for nominees and winners before `publish_at`."""
    spec = GROUPS[chosen.group]
    people = spec.query(programme, chosen, now)
    if not spec.unsubscribe or not people:
        return Recipients(people)
    opted = set(
        db.session.scalars(
            sa.select(MessageOptOut.user_id).where(MessageOptOut.programme_id == programme.id)
        )
    )
    kept = [p for p in people if p.user_id not in opted]
    return Recipients(kept, left_out=len(people) - len(kept))


# --- rendering and sending ------------------------------------------------------------------


def unsubscribe_token(programme: Programme, user_id: int, *, now: datetime) -> str:
    return make_token(UNSUBSCRIBE_PURPOSE, {"u": user_id, "p": programme.id}, now=now)


def _context(
    programme: Programme, draft: Draft, locale: str, *, unsubscribe_url: str | None, test: bool
) -> dict:
    return {
        "programme": programme,
        "subject": draft.subject(locale),
        "body": to_plain_text(draft.body(locale)),
        "unsubscribe_url": unsubscribe_url,
        "test": test,
    }


def preview(
    programme: Programme, chosen: Target, draft: Draft, *, now: datetime
) -> dict[str, tuple[str, str]]:
    """{locale: (subject, text)} of the mail as a recipient in that language reads it (the
    unsubscribe link shown with a sample address for the groups that carry one)."""
    sample = "https://…" if GROUPS[chosen.group].unsubscribe else None
    out = {}
    for locale in ("nl", "en"):
        subject, text, _html = render_mail(
            TEMPLATE,
            locale=locale,
            **_context(programme, draft, locale, unsubscribe_url=sample, test=False),
        )
        out[locale] = (subject, text)
    return out


def send_test(
    programme: Programme, chosen: Target, draft: Draft, *, actor: User, now: datetime
) -> MailMessage:
    """One mail, marked as a test, to the staff member's own address in their language."""
    locale = actor.locale or "nl"
    link = (
        url_for("messages.unsubscribe", token="test", _external=True)
        if GROUPS[chosen.group].unsubscribe
        else None
    )
    message = queue_mail(
        actor.email,
        TEMPLATE,
        now=now,
        locale=locale,
        **_context(programme, draft, locale, unsubscribe_url=link, test=True),
    )
    record(
        "messages.test_sent",
        message,
        now=now,
        actor=actor,
        scope=programme,
        group=chosen.group,
        subject=draft.subject_nl,
    )
    return message


def sent_in_last_hour(programme: Programme, *, now: datetime) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count(GroupMessage.id)).where(
                GroupMessage.programme_id == programme.id,
                GroupMessage.sent_at > now - timedelta(hours=1),
            )
        )
        or 0
    )


def send(
    programme: Programme,
    chosen: Target,
    draft: Draft,
    *,
    key: str,
    actor: User,
    now: datetime,
) -> GroupMessage:
    """Queue the message for every recipient of `chosen` and record it. Raises AlreadySent
    when a message with `key` exists, Throttled past the hourly limit, NotYetPublished for
    nominees and winners before `publish_at`. Flushes; the request commits. The programme's
    row is locked first (`core.locking.lock_row`), so two sends at once queue: the second sees
    the first's key and its count for the hourly limit."""
    if not key or len(key) > 64:
        raise InvalidInput(message=_l("The form has expired. Compose the message again."))
    lock_row(Programme, programme.id)
    existing = db.session.scalar(
        sa.select(GroupMessage.id).where(GroupMessage.idempotency_key == key)
    )
    if existing is not None:
        raise AlreadySent(_l("This message has already been sent."))
    limit = int(current_app.config["GROUP_MESSAGES_PER_HOUR"])
    if sent_in_last_hour(programme, now=now) >= limit:
        raise Throttled(
            _l(
                "This programme sent %(n)s messages in the last hour, the most allowed. "
                "Try again later.",
                n=limit,
            )
        )
    people = recipients(programme, chosen, now=now)
    if not people.people:
        raise InvalidInput(message=_l("This group has no one to send to."))
    message = GroupMessage(
        programme_id=programme.id,
        group=chosen.group,
        category_id=chosen.category.id if chosen.category else None,
        panel_id=chosen.panel.id if chosen.panel else None,
        subject_nl=draft.subject_nl,
        subject_en=draft.subject_en,
        body_nl=draft.body_nl,
        body_en=draft.body_en,
        idempotency_key=key,
        recipients=len(people.people),
        left_out=people.left_out,
        sent_by_id=actor.id,
        sent_at=now,
    )
    db.session.add(message)
    db.session.flush()
    with_link = GROUPS[chosen.group].unsubscribe
    for person in people.people:
        link = (
            url_for(
                "messages.unsubscribe",
                token=unsubscribe_token(programme, person.user_id, now=now),
                _external=True,
            )
            if with_link
            else None
        )
        queue_mail(
            person.email,
            TEMPLATE,
            now=now,
            locale=person.locale,
            headers={"List-Unsubscribe": f"<{link}>"} if link else None,
            **_context(programme, draft, person.locale, unsubscribe_url=link, test=False),
        )
    record(
        "messages.sent",
        message,
        now=now,
        actor=actor,
        scope=programme,
        group=chosen.group,
        category=chosen.category.slug if chosen.category else None,
        panel=chosen.panel.name if chosen.panel else None,
        subject=draft.subject_nl,
        recipients=len(people.people),
        left_out=people.left_out,
    )
    return message


def sent_messages(programme: Programme) -> list[GroupMessage]:
    return list(
        db.session.scalars(
            sa.select(GroupMessage)
            .where(GroupMessage.programme_id == programme.id)
            .order_by(GroupMessage.sent_at.desc(), GroupMessage.id.desc())
        )
    )


# --- unsubscribing --------------------------------------------------------------------------


def read_unsubscribe(token: str, *, now: datetime) -> tuple[User, Programme]:
    """The account and programme of an unsubscribe link. Raises BadToken for a tampered or
    expired token, NotFound when the account was erased or the programme is gone."""
    payload = read_token(UNSUBSCRIBE_PURPOSE, token, max_age_seconds=UNSUBSCRIBE_MAX_AGE, now=now)
    if not isinstance(payload, dict):
        raise NotFound()
    user = db.session.get(User, payload.get("u")) if isinstance(payload.get("u"), int) else None
    programme = (
        db.session.get(Programme, payload.get("p")) if isinstance(payload.get("p"), int) else None
    )
    if user is None or user.erased_at is not None or programme is None:
        raise NotFound()
    return user, programme


def is_opted_out(user: User, programme: Programme) -> bool:
    return (
        db.session.scalar(
            sa.select(MessageOptOut.id).where(
                MessageOptOut.user_id == user.id, MessageOptOut.programme_id == programme.id
            )
        )
        is not None
    )


def opt_out(user: User, programme: Programme, *, now: datetime) -> bool:
    """Record that `user` wants no more group messages of `programme`; False when they had
    already said so (nothing changes then). Flushes."""
    if is_opted_out(user, programme):
        return False
    with db.session.begin_nested():
        db.session.add(MessageOptOut(user_id=user.id, programme_id=programme.id, created_at=now))
    record("messages.unsubscribed", programme, now=now, actor=user, scope=programme)
    return True
