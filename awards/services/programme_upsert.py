"""Writing a checked `ProgrammeSpec` (see `awards.services.loader`) to the database.

Upserts by natural key: the programme by slug, criteria by key, categories by slug, jury by
e-mail address, entries by ref. Nothing is deleted: rows that exist but are not in the document
are kept (and counted as `kept`). Jurors without an account get one: unverified, no password,
so they sign in through the normal invitation / password-reset flow. New entries have no owner.
Only values that differ are written, so loading the same document twice changes nothing and
the audit entry `programme.loaded` is written only when something changed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from awards import scoring
from awards.models import Category, Criterion, Entry, JuryMember, Programme, Score
from awards.services.conflicts import detect_conflicts_for_programme
from awards.services.loader import ProgrammeFileError, ProgrammeSpec, parse_programme
from core.accounts.models import User
from core.audit.services import record
from core.extensions import db

KINDS = ("criteria", "categories", "jury", "entries")


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
    upsert it. Raises ProgrammeFileError listing every problem before anything is written."""
    spec = parse_programme(data)
    problems = database_problems(spec)
    if problems:
        raise ProgrammeFileError(problems)
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
            if key != c["key"]:
                continue
            try:
                scoring.validate_score(scale, value)
            except scoring.ScoringError:
                problems.append(f"criteria[{i}]: a stored score ({value}) does not fit this scale")
                break
    return problems


def apply_programme(spec: ProgrammeSpec, *, now: datetime, actor=None) -> LoadSummary:
    """Upsert everything in `spec`; flushes. Audits `programme.loaded` when anything changed
    and `results.publication_scheduled` when the embargo moment is set or moved; runs conflict
    detection over the programme's jurors and entries."""
    programme = db.session.scalar(sa.select(Programme).where(Programme.slug == spec.slug))
    created = programme is None
    if programme is None:
        programme = Programme(slug=spec.slug, created_at=now)
        db.session.add(programme)
    summary = LoadSummary(programme, created)
    previous_publish_at = None if created else programme.publish_at
    values: dict = {"name": spec.name, "timezone": spec.timezone, **spec.timeline, **spec.settings}
    if spec.jury_terms is not None:
        values["jury_terms_nl"], values["jury_terms_en"] = spec.jury_terms
    summary.programme_changed = _assign(programme, **values)
    _criteria(programme, spec, summary)
    categories = _categories(programme, spec, summary)
    db.session.flush()
    _jury(programme, spec, summary, now)
    _entries(programme, spec, summary, categories, now)
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
    if programme.publish_at != previous_publish_at:
        record(
            "results.publication_scheduled",
            programme,
            now=now,
            actor=actor,
            scope=programme,
            publish_at=programme.publish_at.isoformat(),
            previous=previous_publish_at.isoformat() if previous_publish_at else None,
        )
    # jurors and entries may have arrived together: look for conflicts of interest now
    summary.conflicts_detected = detect_conflicts_for_programme(programme, now=now, actor=actor)
    return summary


def _criteria(programme: Programme, spec: ProgrammeSpec, summary: LoadSummary) -> None:
    existing = {c.key: c for c in programme.criteria}
    for position, c in enumerate(spec.criteria):
        criterion = existing.get(c["key"])
        new = criterion is None
        if new:
            criterion = Criterion(key=c["key"])
            programme.criteria.append(criterion)
        changed = _assign(
            criterion,
            name_nl=c["name"][0],
            name_en=c["name"][1],
            rubric_nl=c["rubric"][0],
            rubric_en=c["rubric"][1],
            weight=c["weight"],
            min_score=c["min_score"],
            max_score=c["max_score"],
            step=c["step"],
            position=position,
        )
        _count(summary.counts["criteria"], new, changed)
    summary.counts["criteria"]["kept"] = len(set(existing) - {c["key"] for c in spec.criteria})


def _categories(programme: Programme, spec: ProgrammeSpec, summary: LoadSummary) -> dict:
    existing = {c.slug: c for c in programme.categories}
    by_slug = dict(existing)
    for position, c in enumerate(spec.categories, start=1):
        category = existing.get(c["slug"])
        new = category is None
        if new:
            category = Category(slug=c["slug"])
            programme.categories.append(category)
            by_slug[c["slug"]] = category
        changed = _assign(
            category,
            name_nl=c["name"][0],
            name_en=c["name"][1],
            description_nl=c["description"][0],
            description_en=c["description"][1],
            shortlist_size=c["shortlist_size"],
            position=position,
        )
        _count(summary.counts["categories"], new, changed)
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
        if new:
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
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(Entry).where(Entry.programme_id == programme.id)
    )
    summary.counts["entries"]["kept"] = total - len(spec.entries)
