"""Writing a checked `ProgrammeSpec` (see `awards.services.loader`) to the database.

Upserts by natural key: the programme by slug, criteria by key, categories by slug, jury by
e-mail address, entries by ref. The programme, its criteria and its categories are written
through the admin screens' own functions (`programmes.save_programme`,
`programmes.save_category`, `criteria.save_criterion`), so their rules hold here too; a value
they refuse is reported with its JSON path, and nothing is written then. Nothing is deleted: rows that exist but are not in the document
are kept (and counted as `kept`). Jurors without an account get one: unverified, no password,
so they sign in through the normal invitation / password-reset flow. New entries have no owner.
Only values that differ are written, so loading the same document twice changes nothing and
the audit entry `programme.loaded` is written only when something changed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import force_locale

from awards import scoring
from awards.models import (
    Assignment,
    Category,
    Criterion,
    Entry,
    JuryMember,
    Panel,
    PanelMember,
    PanelScope,
    Programme,
    Round,
    Score,
)
from awards.services.conflicts import detect_conflicts_for_programme
from awards.services.criteria import CriterionData, save_criterion
from awards.services.loader import ProgrammeFileError, ProgrammeSpec, parse_programme
from awards.services.programmes import (
    TIMELINE_FIELDS,
    CategoryData,
    ProgrammeData,
    save_category,
    save_programme,
)
from awards.services.rounds import (
    RoundData,
    follow_programme,
    round_entries_query,
    round_rows,
    save_rounds,
)
from core.accounts.models import User
from core.audit.services import record
from core.errors import DomainError, InvalidInput
from core.extensions import db

KINDS = ("rounds", "criteria", "categories", "jury", "entries", "panels")
BILINGUAL = {"name_nl": "name.nl", "name_en": "name.en"}
# a save function's field -> its place in the document
PROGRAMME_PATHS = {
    **{name: f"timeline.{name.removesuffix('_at')}" for name in TIMELINE_FIELDS},
    "publish_at": "timeline.publish_at",
    "jury_terms_nl": "jury_terms.nl",
    "jury_terms_en": "jury_terms.en",
}
CRITERION_PATHS = {
    **BILINGUAL,
    "rubric_nl": "rubric.nl",
    "rubric_en": "rubric.en",
    "min_score": "min",
    "max_score": "max",
}
CATEGORY_PATHS = {
    **BILINGUAL,
    "description_nl": "description.nl",
    "description_en": "description.en",
}


@dataclass
class LoadSummary:
    programme: Programme
    created: bool
    counts: dict[str, Counter] = field(default_factory=lambda: {k: Counter() for k in KINDS})
    users_created: int = 0
    programme_changed: bool = False
    conflicts_detected: int = 0

    @property
    def changed(self) -> bool:
        return (
            self.created
            or self.programme_changed
            or self.users_created > 0
            or any(c["created"] or c["updated"] for c in self.counts.values())
        )

    def lines(self) -> list[str]:
        """A human summary, one line per kind."""
        head = "created" if self.created else ("updated" if self.changed else "unchanged")
        out = [f"Programme {self.programme.slug} ({self.programme.name}): {head}"]
        for kind in KINDS:
            c = self.counts[kind]
            out.append(
                f"  {kind}: {c['created']} created, {c['updated']} updated, "
                f"{c['unchanged']} unchanged, {c['kept']} kept (not in the file)"
            )
        out.append(f"  user accounts created: {self.users_created}")
        if self.conflicts_detected:
            out.append(f"  conflicts of interest detected: {self.conflicts_detected}")
        return out


def _differs(obj, values: dict) -> bool:
    """True when any of `values` differs from the attribute of `obj`."""
    return any(getattr(obj, name) != value for name, value in values.items())


def _refused(error: DomainError, path: str, paths: dict[str, str]) -> ProgrammeFileError:
    """A save function's refusal as document problems, each at its JSON path (in English,
    like the document's other problems)."""
    prefix = f"{path}." if path else ""
    with force_locale("en"):
        if isinstance(error, InvalidInput) and error.errors:
            return ProgrammeFileError(
                [
                    f"{prefix}{paths.get(name, name)}: {message}"
                    for name, messages in error.errors.items()
                    for message in messages
                ]
            )
        return ProgrammeFileError([f"{path or '(document)'}: {error.message}"])


def _assign(obj, **values) -> bool:
    """Set the attributes that differ; True if any did."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _count(counter: Counter, created: bool, changed: bool) -> None:
    counter["created" if created else "updated" if changed else "unchanged"] += 1


def load_programme(data, *, now: datetime, actor=None) -> LoadSummary:
    """Parse `data` (the decoded JSON document), check it against the stored programme and
    upsert it. Raises ProgrammeFileError listing every problem; nothing is written then."""
    spec = parse_programme(data)
    problems = database_problems(spec)
    if problems:
        raise ProgrammeFileError(problems)
    with db.session.begin_nested():  # a refusal by a save function undoes the whole load
        return apply_programme(spec, now=now, actor=actor)


def database_problems(spec: ProgrammeSpec) -> list[str]:
    """Problems the document has with data already stored for the programme (same format)."""
    programme = db.session.scalar(sa.select(Programme).where(Programme.slug == spec.slug))
    if programme is None:
        return []
    problems = []
    named = {j["email"] for j in spec.jury}
    if any(j["role"] == "chair" for j in spec.jury):
        chairs = db.session.scalars(
            sa.select(User.email)
            .join(JuryMember, JuryMember.user_id == User.id)
            .where(JuryMember.programme_id == programme.id, JuryMember.role == "chair")
        )
        for email in chairs:
            if email not in named:
                problems.append(
                    f"jury: {email} is already the chair of this programme; "
                    "list them in the file (as member) to change the chair"
                )
    stored = db.session.execute(
        sa.select(Criterion.key, Score.value)
        .join(Score, Score.criterion_id == Criterion.id)
        .where(Criterion.programme_id == programme.id, Score.value.is_not(None))
        .distinct()
    ).all()
    for i, c in enumerate(spec.criteria):
        scale = scoring.Criterion(c["key"], c["weight"], c["min_score"], c["max_score"], c["step"])
        for key, value in stored:
            if key != c["key"] or value is None:
                continue
            try:
                scoring.validate_score(scale, value)
            except scoring.ScoringError:
                problems.append(f"criteria[{i}]: a stored score ({value}) does not fit this scale")
                break
    return problems


def apply_programme(spec: ProgrammeSpec, *, now: datetime, actor=None) -> LoadSummary:
    """Upsert everything in `spec`; flushes. Audits `programme.loaded` when anything changed
    (`save_programme` audits setting or moving the embargo); runs conflict detection over the
    programme's jurors and entries. Raises ProgrammeFileError when a save function refuses a
    value (the caller's savepoint undoes what was written)."""
    programme = db.session.scalar(sa.select(Programme).where(Programme.slug == spec.slug))
    created = programme is None
    data = _programme_data(spec, programme)
    changed = created or _differs(programme, asdict(data))
    if changed:
        try:
            programme = save_programme(
                data,
                actor=actor,
                now=now,
                programme=programme,
                default_criteria=False,
                audit=False,
            )
        except DomainError as error:
            raise _refused(error, "", PROGRAMME_PATHS) from error
    assert programme is not None
    summary = LoadSummary(programme, created, programme_changed=not created and changed)
    _rounds(programme, spec, summary, now, actor)
    _criteria(programme, spec, summary, now, actor)
    categories = _categories(programme, spec, summary, now, actor)
    _jury(programme, spec, summary, now)
    _entries(programme, spec, summary, categories, now)
    _panels(programme, spec, summary, categories, now)
    db.session.flush()
    if summary.changed:
        counts = {k: dict(v) for k, v in summary.counts.items()}
        record(
            "programme.loaded",
            programme,
            now=now,
            actor=actor,
            scope=programme,
            created=created,
            users_created=summary.users_created,
            **counts,
        )
    # jurors and entries may have arrived together: look for conflicts of interest now
    summary.conflicts_detected = detect_conflicts_for_programme(programme, now=now, actor=actor)
    return summary


def _programme_data(spec: ProgrammeSpec, programme: Programme | None) -> ProgrammeData:
    """The document's programme; a setting it leaves out keeps the stored (or default) value."""

    def kept(name: str):
        if programme is not None:
            return getattr(programme, name)
        return Programme.__table__.c[name].default.arg

    terms = spec.jury_terms or (kept("jury_terms_nl"), kept("jury_terms_en"))
    return ProgrammeData(
        slug=spec.slug,
        name=spec.name,
        **{name: spec.timeline.get(name) for name in TIMELINE_FIELDS},
        quorum=spec.settings.get("quorum", kept("quorum")),
        trim=spec.settings.get("trim", kept("trim")),
        method=spec.settings.get("method", kept("method")),
        jury_terms_nl=terms[0],
        jury_terms_en=terms[1],
        timezone=spec.timezone,
    )


def _criteria(programme: Programme, spec: ProgrammeSpec, summary: LoadSummary, now, actor) -> None:
    existing = {c.key: c for c in programme.criteria}
    for position, c in enumerate(spec.criteria):
        criterion = existing.get(c["key"])
        data = CriterionData(
            key=c["key"],
            name_nl=c["name"][0],
            name_en=c["name"][1],
            rubric_nl=c["rubric"][0],
            rubric_en=c["rubric"][1],
            weight=c["weight"],
            min_score=c["min_score"],
            max_score=c["max_score"],
            step=c["step"],
            position=position,
            round_no=c["round_no"],
        )
        changed = criterion is not None and _differs(criterion, asdict(data))
        if criterion is None or changed:
            try:
                save_criterion(
                    programme,
                    data,
                    actor=actor,
                    now=now,
                    criterion=criterion,
                    audit=False,
                    rescale=True,  # database_problems checked the stored scores fit
                )
            except DomainError as error:
                raise _refused(error, f"criteria[{position}]", CRITERION_PATHS) from error
        _count(summary.counts["criteria"], criterion is None, changed)
    summary.counts["criteria"]["kept"] = len(set(existing) - {c["key"] for c in spec.criteria})


def _rounds(programme: Programme, spec: ProgrammeSpec, summary: LoadSummary, now, actor) -> None:
    """The document's rounds through `rounds.save_rounds` (which keeps the programme's window
    and quorum the rounds'); none in the document: the stored ones are kept, their first
    opening and final closing and quorum following the timeline (`rounds.follow_programme`)."""
    stored = len(round_rows(programme))
    if not spec.rounds and stored:
        try:
            follow_programme(programme)
        except InvalidInput as error:
            with force_locale("en"):
                raise ProgrammeFileError([f"timeline: {error.message}"]) from error
    if spec.rounds:
        sequence = [
            RoundData(
                name_nl=r["name"][0],
                name_en=r["name"][1],
                scoring_open_at=r["scoring_open_at"],
                scoring_close_at=r["scoring_close_at"],
                quorum=r["quorum"],
                assignment=r["assignment"],
                jurors_per_entry=r["jurors_per_entry"],
            )
            for r in spec.rounds
        ]
        try:
            created, updated, unchanged = save_rounds(programme, sequence, actor=actor, now=now)
        except InvalidInput as error:
            with force_locale("en"):
                raise ProgrammeFileError(
                    [
                        f"rounds[{key.split('.')[0]}].{ROUND_PATHS.get(key.split('.')[1], key)}: "
                        f"{message}"
                        for key, messages in error.errors.items()
                        for message in messages
                    ]
                ) from error
        counter = summary.counts["rounds"]
        counter.update(created=created, updated=updated, unchanged=unchanged)
    summary.counts["rounds"]["kept"] = max(stored - len(spec.rounds), 0)


ROUND_PATHS = {
    "name_nl": "name.nl",
    "name_en": "name.en",
    "scoring_open_at": "scoring_open",
    "scoring_close_at": "scoring_close",
}


def _panels(
    programme: Programme, spec: ProgrammeSpec, summary: LoadSummary, categories, now
) -> None:
    """Panels by name, with their members and category scopes added (nothing removed); then
    the assignments they imply (`expand_panel_assignments`) for each round they judge."""
    if not spec.panels:
        return
    existing = {
        p.name: p
        for p in db.session.scalars(sa.select(Panel).where(Panel.programme_id == programme.id))
    }
    members = {
        email: member
        for email, member in db.session.execute(
            sa.select(User.email, JuryMember)
            .join(JuryMember, JuryMember.user_id == User.id)
            .where(JuryMember.programme_id == programme.id)
        )
    }
    for p in spec.panels:
        panel = existing.get(p["name"])
        new = panel is None
        if panel is None:
            panel = Panel(programme_id=programme.id, name=p["name"], created_at=now)
            db.session.add(panel)
        have = {m.jury_member_id for m in panel.members}
        scoped = {(s.round_no, s.category_id) for s in panel.scopes}
        changed = False
        for email in p["members"]:
            member = members[email]
            if member.id not in have:
                panel.members.append(PanelMember(jury_member_id=member.id))
                have.add(member.id)
                changed = True
        for slug in p["categories"]:
            key = (p["round"], categories[slug].id)
            if key not in scoped:
                panel.scopes.append(PanelScope(round_no=p["round"], category_id=key[1]))
                scoped.add(key)
                changed = True
        _count(summary.counts["panels"], new, changed and not new)
    db.session.flush()
    for round_no in sorted({p["round"] for p in spec.panels}):
        expand_panel_assignments(programme, round_no, now=now)


def expand_panel_assignments(programme: Programme, round_no: int, *, now: datetime) -> int:
    """The `Assignment` rows the panels imply in round `round_no`: every member of a panel
    gets every entry of the round in the panel's scope (its categories, its single entries).
    Adds the missing rows only (nothing is removed) and returns how many; only in a stored
    round scored by panels. The entries are those in the round now: run it again after
    advancing into a round judged by panels.

    (A stand-in for the panel service, which will own this expansion.)"""
    stored = db.session.scalar(
        sa.select(Round).where(Round.programme_id == programme.id, Round.position == round_no)
    )
    if stored is None or stored.assignment != "panels":
        return 0
    entries = db.session.scalars(round_entries_query(programme, round_no)).all()
    scopes = db.session.execute(
        sa.select(PanelMember.jury_member_id, PanelScope.category_id, PanelScope.entry_id)
        .join(PanelScope, PanelScope.panel_id == PanelMember.panel_id)
        .join(Panel, Panel.id == PanelMember.panel_id)
        .where(Panel.programme_id == programme.id, PanelScope.round_no == round_no)
    ).all()
    wanted = {
        (member_id, entry.id)
        for member_id, category_id, entry_id in scopes
        for entry in entries
        if entry.id == entry_id or (category_id is not None and entry.category_id == category_id)
    }
    have = set(
        db.session.execute(
            sa.select(Assignment.jury_member_id, Assignment.entry_id)
            .join(Entry, Entry.id == Assignment.entry_id)
            .where(Entry.programme_id == programme.id, Assignment.round_no == round_no)
        ).all()
    )
    missing = sorted(wanted - have)
    db.session.add_all(
        Assignment(jury_member_id=m, entry_id=e, round_no=round_no, created_at=now)
        for m, e in missing
    )
    db.session.flush()
    return len(missing)


def _categories(
    programme: Programme, spec: ProgrammeSpec, summary: LoadSummary, now, actor
) -> dict[str, Category]:
    existing = {c.slug: c for c in programme.categories}
    by_slug = dict(existing)
    for index, c in enumerate(spec.categories):
        category = existing.get(c["slug"])
        data = CategoryData(
            slug=c["slug"],
            name_nl=c["name"][0],
            name_en=c["name"][1],
            description_nl=c["description"][0],
            description_en=c["description"][1],
            shortlist_size=c["shortlist_size"],
            position=index + 1,
        )
        changed = category is not None and _differs(category, asdict(data))
        if category is None or changed:
            try:
                by_slug[c["slug"]] = save_category(
                    programme, data, actor=actor, now=now, category=category, audit=False
                )
            except DomainError as error:
                raise _refused(error, f"categories[{index}]", CATEGORY_PATHS) from error
        _count(summary.counts["categories"], category is None, changed)
    summary.counts["categories"]["kept"] = len(set(existing) - {c["slug"] for c in spec.categories})
    return by_slug


def _jury(programme: Programme, spec: ProgrammeSpec, summary: LoadSummary, now) -> None:
    emails = [j["email"] for j in spec.jury]
    users = {u.email: u for u in db.session.scalars(sa.select(User).where(User.email.in_(emails)))}
    members = {
        m.user_id: m
        for m in db.session.scalars(
            sa.select(JuryMember).where(JuryMember.programme_id == programme.id)
        )
    }
    seen = set()
    for j in spec.jury:
        user = users.get(j["email"])
        if user is None:
            user = User(email=j["email"], name=j["name"], password_hash=None, created_at=now)
            db.session.add(user)
            db.session.flush()
            summary.users_created += 1
        seen.add(user.id)
        member = members.get(user.id)
        new = member is None
        if new:
            member = JuryMember(programme_id=programme.id, user_id=user.id)
            db.session.add(member)
        changed = _assign(member, role=j["role"], affiliation=j["affiliation"])
        _count(summary.counts["jury"], new, changed)
    summary.counts["jury"]["kept"] = len(set(members) - seen)


def _entries(programme, spec: ProgrammeSpec, summary: LoadSummary, categories, now) -> None:
    refs = [e["ref"] for e in spec.entries]
    existing = {
        e.ref: e
        for e in db.session.scalars(
            sa.select(Entry).where(Entry.programme_id == programme.id, Entry.ref.in_(refs))
        )
    }
    for e in spec.entries:
        entry = existing.get(e["ref"])
        new = entry is None
        if entry is None:
            entry = Entry(programme=programme, ref=e["ref"], owner_id=None, created_at=now)
            db.session.add(entry)
        changed = _assign(
            entry,
            category_id=categories[e["category"]].id,
            organisation=e["organisation"],
            title=e["title"],
            summary=e["summary"],
            status=e["status"],
        )
        if changed or new:
            entry.updated_at = now
        if e["status"] != "draft" and entry.submitted_at is None:
            entry.submitted_at = now
        _count(summary.counts["entries"], new, changed)
    total = (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Entry).where(Entry.programme_id == programme.id)
        )
        or 0
    )
    summary.counts["entries"]["kept"] = total - len(spec.entries)
