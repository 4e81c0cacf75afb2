"""The admin's panels: groups of jurors of a programme, each given per round whole
categories or single entries to score (`PanelScope`). A round scored by panels turns them
into `Assignment` rows with `awards.services.assignment.assign_from_panels`; changing a
panel changes no assignment until then (that run says what it changed).

Every change takes the acting admin and `now`, checks the rules, flushes and writes an audit
row; it raises NotAllowed for a non-admin, NotFound for an object of another programme and
InvalidInput (field -> message) for refused values. A panel whose jurors have started
scorecards on its entries in a round it judges is not deleted (`PanelInUse`): the scorecards
would lose the panel that explains them; take its scopes of later rounds away instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from awards.models import (
    Category,
    Entry,
    JuryMember,
    Panel,
    PanelMember,
    PanelScope,
    Programme,
    Round,
    Scorecard,
)
from awards.services.programmes import require_admin, taken, unique_writes
from core.audit.services import record
from core.errors import DomainError, InvalidInput, NotFound
from core.extensions import db

MAX_NAME = 120
# entries a panel can be given one by one: those that are or may become eligible
SCOPABLE_STATES = ("submitted", "eligible")


class PanelInUse(DomainError):
    code = "panel_in_use"
    status = 409
    message = _l(
        "This panel's jurors have started scoring its entries, so it stays. Take away its "
        "categories and entries of later rounds instead."
    )


@dataclass(frozen=True)
class ScopeView:
    scope: PanelScope
    category: Category | None
    entry: Entry | None


@dataclass(frozen=True)
class PanelView:
    """A panel with its members (juror, user loaded) and scopes (category or entry)."""

    panel: Panel
    members: list[PanelMember]
    scopes: list[ScopeView]


# --- reading --------------------------------------------------------------------------------


def round_numbers(programme: Programme) -> list[int]:
    """The programme's round numbers: 1 (its only round without stored rounds), then every
    stored round's position."""
    stored = db.session.scalars(
        sa.select(Round.position).where(Round.programme_id == programme.id)
    ).all()
    return sorted({1, *stored})


def get_panel(programme: Programme, panel_id: int) -> Panel:
    """The panel of `programme`; NotFound otherwise."""
    panel = db.session.get(Panel, panel_id)
    if panel is None or panel.programme_id != programme.id:
        raise NotFound()
    return panel


def get_panel_member(panel: Panel, panel_member_id: int) -> PanelMember:
    found = db.session.get(PanelMember, panel_member_id)
    if found is None or found.panel_id != panel.id:
        raise NotFound()
    return found


def get_scope(panel: Panel, scope_id: int) -> PanelScope:
    found = db.session.get(PanelScope, scope_id)
    if found is None or found.panel_id != panel.id:
        raise NotFound()
    return found


def programme_panels(programme: Programme) -> list[PanelView]:
    """Every panel of the programme by name, members by name, scopes by round then category
    or entry reference: three queries, however many panels."""
    panels = db.session.scalars(
        sa.select(Panel)
        .where(Panel.programme_id == programme.id)
        .options(
            selectinload(Panel.members).selectinload(PanelMember.jury_member),
            selectinload(Panel.scopes),
        )
        .order_by(Panel.name, Panel.id)
    ).all()
    categories = {c.id: c for c in programme.categories}
    entry_ids = {s.entry_id for p in panels for s in p.scopes if s.entry_id is not None}
    entries = (
        {e.id: e for e in db.session.scalars(sa.select(Entry).where(Entry.id.in_(entry_ids)))}
        if entry_ids
        else {}
    )

    def scope_key(view: ScopeView):
        if view.category is not None:
            return (view.scope.round_no, 0, view.category.position, view.category.id, "")
        return (view.scope.round_no, 1, 0, 0, view.entry.ref if view.entry else "")

    return [
        PanelView(
            panel=panel,
            members=sorted(
                panel.members,
                key=lambda m: (m.jury_member.user.name.casefold(), m.jury_member_id),
            ),
            scopes=sorted(
                (
                    ScopeView(s, categories.get(s.category_id or 0), entries.get(s.entry_id or 0))
                    for s in panel.scopes
                ),
                key=scope_key,
            ),
        )
        for panel in panels
    ]


def scopable_entries(programme: Programme) -> list[Entry]:
    """The entries a panel can be given one by one (submitted or eligible), by reference."""
    return list(
        db.session.scalars(
            sa.select(Entry)
            .where(Entry.programme_id == programme.id, Entry.status.in_(SCOPABLE_STATES))
            .order_by(Entry.ref)
        )
    )


# --- panels ---------------------------------------------------------------------------------


def _name(programme: Programme, name: str, panel: Panel | None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput({"name": [_l("Give the panel a name.")]}, code="invalid_panel")
    if len(name) > MAX_NAME:
        raise InvalidInput(
            {"name": [_l("At most %(n)s characters.", n=MAX_NAME)]}, code="invalid_panel"
        )
    if taken(Panel, (Panel.programme_id == programme.id) & (Panel.name == name), panel):
        raise InvalidInput(
            {"name": [_l("Another panel of this programme has this name.")]},
            code="panel_name_taken",
        )
    return name


def create_panel(programme: Programme, name: str, *, actor, now: datetime) -> Panel:
    """A new panel of `programme`, without members or scopes. Audits `panel.created`.

    Raises NotAllowed, InvalidInput (no name, too long, taken in the programme),
    ConcurrentChange (taken meanwhile)."""
    require_admin(actor)
    name = _name(programme, name, None)
    with unique_writes():
        panel = Panel(programme_id=programme.id, name=name, created_at=now)
        db.session.add(panel)
        db.session.flush()
    record("panel.created", panel, now=now, actor=actor, scope=programme, name=name)
    return panel


def rename_panel(panel: Panel, name: str, *, actor, now: datetime) -> Panel:
    """Give the panel another name. Audits `panel.renamed` (with the name before). Raises as
    `create_panel`."""
    require_admin(actor)
    programme = db.session.get(Programme, panel.programme_id)
    assert programme is not None
    name = _name(programme, name, panel)
    before = panel.name
    if name == before:
        return panel
    with unique_writes():
        panel.name = name
        db.session.flush()
    record("panel.renamed", panel, now=now, actor=actor, scope=programme, name=name, before=before)
    return panel


def started_cards(panel: Panel) -> int:
    """How many scorecards (draft or submitted) its members have on the entries of its scopes,
    each in the round of the scope: one query."""
    members = sa.select(PanelMember.jury_member_id).where(PanelMember.panel_id == panel.id)
    in_scope = (
        sa.select(PanelScope.id)
        .where(
            PanelScope.panel_id == panel.id,
            PanelScope.round_no == Scorecard.round_no,
            sa.or_(PanelScope.entry_id == Entry.id, PanelScope.category_id == Entry.category_id),
        )
        .exists()
    )
    return (
        db.session.scalar(
            sa.select(sa.func.count(Scorecard.id))
            .join(Entry, Entry.id == Scorecard.entry_id)
            .where(Scorecard.jury_member_id.in_(members), in_scope)
        )
        or 0
    )


def delete_panel(panel: Panel, *, actor, now: datetime) -> None:
    """Delete the panel with its members and scopes; the assignments it led to stay until the
    round is assigned again. Audits `panel.deleted`.

    Raises NotAllowed, PanelInUse once its jurors have started scorecards on its entries
    (`started_cards`)."""
    require_admin(actor)
    if started_cards(panel):
        raise PanelInUse()
    programme = db.session.get(Programme, panel.programme_id)
    record("panel.deleted", panel, now=now, actor=actor, scope=programme, name=panel.name)
    db.session.delete(panel)
    db.session.flush()


# --- members --------------------------------------------------------------------------------


def add_member(panel: Panel, member_id: int | None, *, actor, now: datetime) -> PanelMember:
    """Put a juror of the panel's programme on the panel. Audits `panel.member_added`.

    Raises NotAllowed, InvalidInput(member_id) for no juror, a juror of another programme
    (or none at all) and one already on the panel."""
    require_admin(actor)
    member = db.session.get(JuryMember, member_id) if member_id is not None else None
    if member is None or member.programme_id != panel.programme_id:
        raise InvalidInput(
            {"member_id": [_l("Choose a juror of this programme's jury.")]}, code="not_on_jury"
        )
    if any(m.jury_member_id == member.id for m in panel.members):
        raise InvalidInput(
            {"member_id": [_l("This juror is on the panel already.")]}, code="already_on_panel"
        )
    with unique_writes():
        row = PanelMember(panel=panel, jury_member_id=member.id)
        db.session.add(row)
        db.session.flush()
    record(
        "panel.member_added",
        panel,
        now=now,
        actor=actor,
        scope=member.programme,
        name=panel.name,
        member_id=member.id,
        juror=member.user.name,
    )
    return row


def remove_member(panel: Panel, row: PanelMember, *, actor, now: datetime) -> None:
    """Take a juror off the panel; their assignments stay until the round is assigned again
    (which keeps those with a scorecard). Audits `panel.member_removed`."""
    require_admin(actor)
    member = row.jury_member
    record(
        "panel.member_removed",
        panel,
        now=now,
        actor=actor,
        scope=member.programme,
        name=panel.name,
        member_id=member.id,
        juror=member.user.name,
    )
    db.session.delete(row)
    db.session.flush()


# --- scopes ---------------------------------------------------------------------------------


def _round_no(programme: Programme, round_no: int | None) -> int:
    if round_no is None or round_no not in round_numbers(programme):
        raise InvalidInput({"round_no": [_l("Choose a round of this programme.")]}, code="no_round")
    return round_no


def add_scopes(
    panel: Panel,
    round_no: int | None,
    *,
    category_id: int | None = None,
    entry_ids: Sequence[int] = (),
    actor,
    now: datetime,
) -> list[PanelScope]:
    """Give the panel, in round `round_no`, a whole category or a set of entries (exactly
    one of the two). Those it has already in that round are left as they are. Audits
    `panel.scope_added` once, naming what was added. Returns the new scopes.

    Raises NotAllowed, InvalidInput for an unknown round, neither or both given, a category
    or an entry of another programme (or a draft, withdrawn or ineligible entry), or
    nothing new."""
    require_admin(actor)
    programme = db.session.get(Programme, panel.programme_id)
    assert programme is not None
    round_no = _round_no(programme, round_no)
    entry_ids = sorted(set(entry_ids))
    if (category_id is None) == (not entry_ids):
        raise InvalidInput(
            {"category_id": [_l("Choose a category or some entries, not both.")]},
            code="scope_target",
        )
    have = {(s.round_no, s.category_id, s.entry_id) for s in panel.scopes}
    new: list[PanelScope] = []
    if category_id is not None:
        category = db.session.get(Category, category_id)
        if category is None or category.programme_id != programme.id:
            raise InvalidInput(
                {"category_id": [_l("Choose a category of this programme.")]}, code="no_category"
            )
        if (round_no, category.id, None) not in have:
            new.append(PanelScope(round_no=round_no, category_id=category.id))
        described: dict = {"category": category.slug}
    else:
        found = db.session.scalars(
            sa.select(Entry).where(
                Entry.id.in_(entry_ids),
                Entry.programme_id == programme.id,
                Entry.status.in_(SCOPABLE_STATES),
            )
        ).all()
        if len(found) != len(entry_ids):
            raise InvalidInput(
                {"entry_ids": [_l("Choose submitted or eligible entries of this programme.")]},
                code="no_entry",
            )
        new = [
            PanelScope(round_no=round_no, entry_id=e.id)
            for e in sorted(found, key=lambda e: e.ref)
            if (round_no, None, e.id) not in have
        ]
        described = {"entries": [e.ref for e in sorted(found, key=lambda e: e.ref)]}
    if not new:
        raise InvalidInput(
            {"category_id": [_l("The panel judges this in that round already.")]},
            code="scope_exists",
        )
    with unique_writes():
        for scope in new:
            panel.scopes.append(scope)
        db.session.flush()
    record(
        "panel.scope_added",
        panel,
        now=now,
        actor=actor,
        scope=programme,
        name=panel.name,
        round_no=round_no,
        **described,
    )
    return new


def remove_scope(panel: Panel, scope: PanelScope, *, actor, now: datetime) -> None:
    """Take a category or an entry away from the panel in its round; the assignments stay
    until the round is assigned again. Audits `panel.scope_removed`."""
    require_admin(actor)
    programme = db.session.get(Programme, panel.programme_id)
    if scope.category_id is not None:
        category = db.session.get(Category, scope.category_id)
        described: dict = {"category": category.slug if category else None}
    else:
        entry = db.session.get(Entry, scope.entry_id)
        described = {"entries": [entry.ref] if entry else []}
    record(
        "panel.scope_removed",
        panel,
        now=now,
        actor=actor,
        scope=programme,
        name=panel.name,
        round_no=scope.round_no,
        **described,
    )
    panel.scopes.remove(scope)
    db.session.flush()
