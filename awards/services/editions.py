"""The next edition of a programme: a copy with a new slug and name and its timeline shifted.

`copy_programme` copies, in one transaction (it flushes; the request commits), one part per
function: the programme's own fields (`_copy_programme`: every column, the five timeline
moments shifted), its categories (`_copy_categories`, every field), criteria
(`_copy_criteria`, every field including `round_no`), rounds (`_copy_rounds`, windows
shifted), the jurors the admin chose to invite again (`_copy_jury`) and the panels
(`_copy_panels`: their members among those jurors, their scopes by category) and the entry
form's questions (`_copy_questions`, asked of the copied categories). It does not copy
entries, scorecards, conflicts, nominations, ratifications, advancements or assignments, nor
a scope that names an entry: a new edition starts with no cases and no decisions.

The shift is a whole number of days, applied to the wall-clock time in the programme's zone
(Europe/Amsterdam): a deadline at 23:59 stays at 23:59 across a change of summer time. The
default is 364 days (52 weeks), so every moment falls on the same weekday a year on: a
ceremony on a Thursday evening stays on a Thursday (`DEFAULT_SHIFT_DAYS`).

Jurors are invited again, never carried over: each one chosen gets a new jury membership
through `jury.invite_member` (the same invitation e-mail, link and audit as the jury page's
invitation), and must accept the jury terms of the new edition before seeing an entry.
Jurors whose account was erased are not offered.

Refusals (InvalidInput, nothing written): a bad or taken slug, an empty name, a shift that
puts any moment of the new timeline (a round's window included) at or before `now` — a new
edition would otherwise open, or even publish, the moment it is made — and a juror that is
not on the programme's jury. Audits `programme.copied` on the new programme.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from awards.models import (
    Category,
    Criterion,
    EntryQuestion,
    JuryMember,
    Panel,
    PanelMember,
    PanelScope,
    Programme,
    Round,
)
from awards.services import jury
from awards.services.programmes import (
    RESERVED_SLUGS,
    SLUG,
    TIMELINE_FIELDS,
    record_publication,
    require_admin,
    taken,
    unique_writes,
)
from awards.timeline import Timeline
from core.accounts.models import User
from core.audit.services import record
from core.errors import InvalidInput
from core.extensions import db

DEFAULT_SHIFT_DAYS = 364  # 52 weeks: the same weekday a year on
MAX_SHIFT_DAYS = 3660  # ten years
ROUND_FIELDS = ("scoring_open_at", "scoring_close_at")
MOMENT_LABELS = {
    "submissions_open_at": _l("Submissions open"),
    "submissions_close_at": _l("Submissions close"),
    "scoring_open_at": _l("Scoring opens"),
    "scoring_close_at": _l("Scoring closes"),
    "publish_at": _l("Results published"),
}
_YEAR = re.compile(r"(?<!\d)(19|20)\d\d(?!\d)")


@dataclass(frozen=True)
class Moment:
    """One moment of the timeline before and after the shift (`label` says which)."""

    label: str
    before: datetime
    after: datetime


def shift(moment: datetime, days: int, tz: str = "Europe/Amsterdam") -> datetime:
    """`moment` (aware) `days` later on the wall clock of `tz`, as aware UTC."""
    return (moment.astimezone(ZoneInfo(tz)) + timedelta(days=days)).astimezone(UTC)


def suggest(text: str, years: int = 1, *, sep: str = " ") -> str:
    """`text` with its last year (19xx/20xx) `years` later: "cda-2025" -> "cda-2026"; without
    a year, the next year is not guessed: `text` with "2" appended ("cda" -> "cda-2")."""
    found = list(_YEAR.finditer(text))
    if not found:
        return f"{text}{sep}2"
    last = found[-1]
    return f"{text[: last.start()]}{int(last.group()) + years}{text[last.end() :]}"


def suggested_years(days: int) -> int:
    """How many years a shift of `days` moves the edition on (at least 1)."""
    return max(1, round(days / 365.25))


def shifted_timeline(programme: Programme, days: int, locale: str = "nl") -> list[Moment]:
    """Every moment of the programme's timeline and each round's window (rounds named in
    `locale`), before and after a shift of `days` (what the copy page previews), in the
    original's time order."""
    tz = programme.timezone
    moments = [
        Moment(
            str(MOMENT_LABELS[name]),
            getattr(programme, name),
            shift(getattr(programme, name), days, tz),
        )
        for name in TIMELINE_FIELDS
    ]
    for round_ in _rounds(programme):
        name = round_.name(locale)
        labels = (
            _l("%(round)s: scoring opens", round=name),
            _l("%(round)s: scoring closes", round=name),
        )
        for field, label in zip(ROUND_FIELDS, labels, strict=True):
            before = getattr(round_, field)
            moments.append(Moment(str(label), before, shift(before, days, tz)))
    return sorted(moments, key=lambda m: m.before)


def reinvitable_jury(programme: Programme) -> list[JuryMember]:
    """The programme's jurors who can be invited to a next edition (accounts not erased),
    chair first, then by name: one query."""
    return list(
        db.session.scalars(
            sa.select(JuryMember)
            .join(JuryMember.user)
            .where(JuryMember.programme_id == programme.id, User.erased_at.is_(None))
            .order_by(JuryMember.role != "chair", User.name, JuryMember.id)
        )
    )


def copy_problems(
    programme: Programme,
    *,
    slug: str,
    name: str,
    days: int | None,
    reinvite: Collection[int],
    now: datetime,
) -> dict[str, object]:
    """Field -> message for everything that stops the copy (empty: it may go ahead). Used by
    the preview and by `copy_programme`, so the preview never promises what the copy
    refuses."""
    errors: dict[str, object] = {}
    slug = (slug or "").strip()
    if not SLUG.match(slug) or len(slug) > 80 or slug in RESERVED_SLUGS:
        errors["slug"] = _l("Use lowercase letters, digits and dashes (for example cda-2025).")
    elif taken(Programme, Programme.slug == slug, None):
        errors["slug"] = _l("Another programme already uses this slug.")
    if not (name or "").strip() or len(name.strip()) > 200:
        errors["name"] = _l("Enter a name (at most 200 characters).")
    if days is None or not 1 <= days <= MAX_SHIFT_DAYS:
        errors["shift_days"] = _l(
            "Choose a shift between %(low)s and %(high)s days.", low=1, high=MAX_SHIFT_DAYS
        )
    else:
        past = [m for m in shifted_timeline(programme, days) if m.after <= now]
        if past:
            errors["shift_days"] = _l(
                "With this shift “%(moment)s” would already be past. Choose a larger shift.",
                moment=past[-1].label,
            )
        else:
            moved = Timeline(
                *(shift(getattr(programme, f), days, programme.timezone) for f in TIMELINE_FIELDS)
            )
            if moved.problems():
                errors["shift_days"] = _l(
                    "With this shift the timeline would no longer be in order (summer time). "
                    "Choose another shift."
                )
    offered = {m.id for m in reinvitable_jury(programme)}
    if set(reinvite) - offered:
        errors["jurors"] = _l("Choose jurors of this programme's jury.")
    return errors


def copy_programme(
    programme: Programme,
    *,
    slug: str,
    name: str,
    days: int,
    reinvite: Collection[int],
    actor,
    now: datetime,
) -> Programme:
    """The next edition of `programme` (see the module's docstring), with the jurors whose
    membership ids are in `reinvite` invited to it. Flushes; audits `programme.copied` (and,
    through the invitations, `jury.invited` per juror).

    Raises NotAllowed for a non-admin, InvalidInput (`copy_problems`), ConcurrentChange when
    the slug was taken by a concurrent request meanwhile."""
    require_admin(actor)
    errors = copy_problems(programme, slug=slug, name=name, days=days, reinvite=reinvite, now=now)
    if errors:
        raise InvalidInput(errors, code="invalid_copy")
    copy = _copy_programme(programme, slug=slug.strip(), name=name.strip(), days=days, now=now)
    categories = _copy_categories(programme, copy)
    criteria = _copy_criteria(programme, copy)
    rounds = _copy_rounds(programme, copy, days=days, now=now)
    members = _copy_jury(programme, copy, reinvite, actor=actor, now=now)
    panels = _copy_panels(programme, copy, categories, members, now=now)
    questions = _copy_questions(programme, copy, categories, now=now)
    record(
        "programme.copied",
        copy,
        now=now,
        actor=actor,
        scope=copy,
        slug=copy.slug,
        source=programme.slug,
        shift_days=days,
        categories=len(categories),
        criteria=criteria,
        rounds_copied=rounds,
        panels_copied=panels,
        questions_copied=questions,
        jury=len(members),
    )
    record_publication(copy, None, actor=actor, now=now)
    return copy


def _columns(row, *, skip: Collection[str] = ()) -> dict[str, object]:
    """Every column of `row` but its primary key, its programme and the `skip` ones: so a
    column added to a model later is copied too."""
    table = sa.inspect(type(row)).columns
    return {
        column.key: getattr(row, column.key)
        for column in table
        if not column.primary_key and column.key not in {"programme_id", *skip}
    }


def _copy_programme(
    programme: Programme, *, slug: str, name: str, days: int, now: datetime
) -> Programme:
    """The new programme row: every field of `programme`, the timeline shifted."""
    values = _columns(programme, skip=("slug", "name", "created_at", *TIMELINE_FIELDS))
    moments = {f: shift(getattr(programme, f), days, programme.timezone) for f in TIMELINE_FIELDS}
    with unique_writes():
        copy = Programme(slug=slug, name=name, created_at=now, **values, **moments)
        db.session.add(copy)
        db.session.flush()
    return copy


def _copy_categories(programme: Programme, copy: Programme) -> dict[int, Category]:
    """Every category with every field; returns old category id -> new category."""
    made = {}
    for category in programme.categories:
        made[category.id] = Category(programme_id=copy.id, **_columns(category))
        db.session.add(made[category.id])
    db.session.flush()
    return made


def _copy_criteria(programme: Programme, copy: Programme) -> int:
    """Every criterion with every field (key, names, rubrics, weight, scale, position, the
    round it belongs to); returns how many."""
    for criterion in programme.criteria:
        db.session.add(Criterion(programme_id=copy.id, **_columns(criterion)))
    db.session.flush()
    return len(programme.criteria)


def _copy_questions(
    programme: Programme, copy: Programme, categories: dict[int, Category], *, now: datetime
) -> int:
    """Every question of the entry form with every field, asked of the new edition's copies
    of its categories; returns how many (answers belong to entries: not copied)."""
    questions = db.session.scalars(
        sa.select(EntryQuestion).where(EntryQuestion.programme_id == programme.id)
    ).all()
    for question in questions:
        values = _columns(question, skip=("created_at", "category_ids"))
        scope = [categories[i].id for i in question.category_ids if i in categories]
        db.session.add(
            EntryQuestion(programme_id=copy.id, category_ids=scope, created_at=now, **values)
        )
    db.session.flush()
    return len(questions)


def _rounds(programme: Programme) -> list[Round]:
    return list(
        db.session.scalars(
            sa.select(Round).where(Round.programme_id == programme.id).order_by(Round.position)
        )
    )


def _copy_rounds(programme: Programme, copy: Programme, *, days: int, now: datetime) -> int:
    """Every round (names, quorum, how entries are assigned) with its window shifted;
    returns how many."""
    rounds = _rounds(programme)
    for round_ in rounds:
        values = _columns(round_, skip=("created_at", *ROUND_FIELDS))
        moved = {f: shift(getattr(round_, f), days, programme.timezone) for f in ROUND_FIELDS}
        db.session.add(Round(programme_id=copy.id, created_at=now, **values, **moved))
    db.session.flush()
    return len(rounds)


def _copy_jury(
    programme: Programme, copy: Programme, reinvite: Collection[int], *, actor, now: datetime
) -> dict[int, JuryMember]:
    """Invite the chosen jurors (same role and affiliation) to `copy`, each by the jury's own
    invitation (`jury.invite_member`: e-mail, audit, terms to accept again); returns old
    membership id -> new membership."""
    chosen = set(reinvite)
    made = {}
    for member in reinvitable_jury(programme):
        if member.id not in chosen:
            continue
        made[member.id] = jury.invite_member(
            copy,
            email=member.user.email,
            name=member.user.name,
            affiliation=member.affiliation,
            role=member.role,
            actor=actor,
            now=now,
        )
    return made


def _copy_panels(
    programme: Programme,
    copy: Programme,
    categories: dict[int, Category],
    members: dict[int, JuryMember],
    *,
    now: datetime,
) -> int:
    """Every panel by name, with its members among the re-invited jurors and its scopes that
    name a category (scopes naming an entry are not copied: no entry is); returns how many
    panels (three queries)."""
    panels = list(
        db.session.scalars(
            sa.select(Panel).where(Panel.programme_id == programme.id).order_by(Panel.id)
        )
    )
    ids = [p.id for p in panels]
    seats = db.session.scalars(sa.select(PanelMember).where(PanelMember.panel_id.in_(ids))).all()
    scopes = db.session.scalars(
        sa.select(PanelScope).where(
            PanelScope.panel_id.in_(ids), PanelScope.category_id.is_not(None)
        )
    ).all()
    made = {}
    for panel in panels:
        made[panel.id] = Panel(programme_id=copy.id, name=panel.name, created_at=now)
        db.session.add(made[panel.id])
    db.session.flush()
    for seat in seats:
        if seat.jury_member_id in members:
            db.session.add(
                PanelMember(
                    panel_id=made[seat.panel_id].id,
                    jury_member_id=members[seat.jury_member_id].id,
                )
            )
    for scope in scopes:
        category = categories[scope.category_id] if scope.category_id is not None else None
        if category is not None:
            db.session.add(
                PanelScope(
                    panel_id=made[scope.panel_id].id,
                    round_no=scope.round_no,
                    category_id=category.id,
                )
            )
    db.session.flush()
    return len(panels)
