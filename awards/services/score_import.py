"""Importing jury scores from CSV (`flask awards import-scores`, `flask demo load`).

Columns: ``entry`` (entry ref), ``juror`` (the juror's e-mail address), ``criterion`` (key),
``score`` and optionally ``comment`` (stored with that score) and ``round`` (the round's
position, `awards.services.rounds`; 1 when the column is left out or empty). Line 1 is the
header.

All or nothing: every line is checked first and every problem is reported as
``line N: reason`` (unknown entry / juror / criterion, a score that is not a number, outside
the criterion's scale or off its step grid, a juror barred from the entry by a conflict the
chair has not dismissed, an entry that is not eligible or whose category is ratified, a
duplicate line, a missing value or column, a line over 10,000 characters or with a control
character such as NUL). A scorecard must cover every criterion, so each
entry/juror pair missing criteria is reported too. With any problem `ScoreImportError` is
raised and nothing is written. Otherwise each entry/juror/round becomes a *submitted*
scorecard of that round (created, or updated in place), and one `scores.imported` audit entry records the
counts. Flushes, never commits.

Size: the checked lines are kept as plain values (the same `Decimal` for the same score
text, interned keys) and written in bulk INSERT / UPDATE statements of `CHUNK` rows, never as
one ORM object per line; existing scorecards are compared `CHUNK` at a time. A 972,000-line
file of a 27,000-entry programme fits in a few hundred MiB.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import force_locale

from awards import scoring
from awards.models import (
    Advancement,
    Assignment,
    Category,
    Conflict,
    Criterion,
    Entry,
    JuryMember,
    Programme,
    Ratification,
    Score,
    Scorecard,
)
from awards.services.rounds import RoundInfo, rounds_of
from awards.services.scales import show_value
from core.accounts.models import User
from core.audit.services import record
from core.extensions import db
from core.text import csv_lines_problems

REQUIRED = ("entry", "juror", "criterion", "score")
#: rows per bulk statement (and existing scorecards compared at a time)
CHUNK = 5000
OPTIONAL = ("comment", "round")


class ScoreImportError(ValueError):
    """The file has problems; `problems` lists them all ("line N: reason")."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class ImportSummary:
    lines: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "lines": self.lines,
            "scorecards_created": self.created,
            "scorecards_updated": self.updated,
            "scorecards_unchanged": self.unchanged,
        }


@dataclass
class _Lookups:
    entries: dict[str, Entry]
    jurors: dict[str, JuryMember]
    criteria: dict[str, Criterion]
    barred: set[tuple[int, int]]
    ratified: set[int]
    rounds: dict[int, RoundInfo]
    advanced: set[tuple[int, int]]  # (entry id, round)
    assigned: set[tuple[int, int, int]]  # (member id, entry id, round)
    values: dict[Decimal, Decimal] = field(default_factory=dict)  # each distinct score once
    # (criterion key, score text) -> why it is no score for the criterion, or None
    scale_problems: dict[tuple[str, str], str | None] = field(default_factory=dict)

    def round_criteria(self, round_no: int) -> dict[str, Criterion]:
        return {k: c for k, c in self.criteria.items() if c.round_no in (None, round_no)}


def _lookups(programme: Programme) -> _Lookups:
    """Everything the checks need, in eight queries."""
    entries = db.session.scalars(sa.select(Entry).where(Entry.programme_id == programme.id))
    jurors = db.session.execute(
        sa.select(User.email, JuryMember)
        .join(JuryMember, JuryMember.user_id == User.id)
        .where(JuryMember.programme_id == programme.id)
    )
    criteria = db.session.scalars(
        sa.select(Criterion)
        .where(Criterion.programme_id == programme.id)
        .order_by(Criterion.position, Criterion.id)
    )
    barred = db.session.execute(
        sa.select(Conflict.jury_member_id, Conflict.entry_id)
        .join(Entry, Entry.id == Conflict.entry_id)
        .where(Entry.programme_id == programme.id, Conflict.status != "dismissed")
    )
    ratified = db.session.scalars(
        sa.select(Ratification.category_id)
        .join(Category, Category.id == Ratification.category_id)
        .where(Category.programme_id == programme.id)
    )
    advanced = db.session.execute(
        sa.select(Advancement.entry_id, Advancement.round_no)
        .join(Entry, Entry.id == Advancement.entry_id)
        .where(Entry.programme_id == programme.id)
    )
    assigned = db.session.execute(
        sa.select(Assignment.jury_member_id, Assignment.entry_id, Assignment.round_no)
        .join(Entry, Entry.id == Assignment.entry_id)
        .where(Entry.programme_id == programme.id)
    )
    return _Lookups(
        {e.ref: e for e in entries},
        {email.lower(): member for email, member in jurors},
        {c.key: c for c in criteria},
        {(m, e) for m, e in barred},
        set(ratified),
        {r.position: r for r in rounds_of(programme)},
        {(e, r) for e, r in advanced},
        {(m, e, r) for m, e, r in assigned},
    )


def _round_of(row: dict, known: _Lookups, reasons: list[str]) -> int | None:
    """The line's round (1 when not given), or None with the reason added."""
    raw = (row.get("round") or "").strip()
    if not raw:
        return 1
    if not raw.isdigit() or int(raw) not in known.rounds:
        reasons.append(f"unknown round {raw!r} (the programme has {len(known.rounds)})")
        return None
    return int(raw)


def _check_line(row: dict, known: _Lookups) -> tuple[list[str], Decimal | None, int]:
    """Reasons the line is bad (empty if fine), its score and its round."""
    reasons: list[str] = []
    if row.get(None):
        reasons.append("too many values")
    missing = [c for c in REQUIRED if not (row.get(c) or "").strip()]
    if missing:
        reasons.append("missing value for " + ", ".join(missing))
    ref, email = (row.get("entry") or "").strip(), (row.get("juror") or "").strip().lower()
    key, raw = (row.get("criterion") or "").strip(), (row.get("score") or "").strip()
    entry, member, criterion = (
        known.entries.get(ref),
        known.jurors.get(email),
        known.criteria.get(key),
    )
    if ref and entry is None:
        reasons.append(f"unknown entry {ref}")
    if email and member is None:
        reasons.append(f"unknown juror {email} (not on this programme's jury)")
    if key and criterion is None:
        reasons.append(f"unknown criterion {key}")
    round_no = _round_of(row, known, reasons)
    if round_no is not None:
        if criterion is not None and criterion.round_no not in (None, round_no):
            reasons.append(f"criterion {key} is not asked in round {round_no}")
        if entry is not None and round_no >= 2 and (entry.id, round_no) not in known.advanced:
            reasons.append(f"entry {ref} was not advanced into round {round_no}")
        if (
            entry is not None
            and member is not None
            and known.rounds[round_no].assigned
            and (member.id, entry.id, round_no) not in known.assigned
        ):
            reasons.append(f"juror {email} is not assigned entry {ref} in round {round_no}")
    value = None
    if raw:
        try:
            value = Decimal(raw)
        except InvalidOperation:
            reasons.append(f"score {raw!r} is not a number")
    if value is not None and criterion is not None:
        memo = (criterion.key, raw)
        if memo not in known.scale_problems:  # (a file holds few distinct scores)
            known.scale_problems[memo] = _scale_problem(criterion, value, raw)
        reason = known.scale_problems[memo]
        if reason:
            reasons.append(reason)
    if entry is not None:
        if entry.status != "eligible":
            reasons.append(f"entry {ref} is not eligible (status {entry.status})")
        elif entry.category_id in known.ratified:
            reasons.append(f"entry {ref}: its category is ratified; scores can no longer change")
        if member is not None and (member.id, entry.id) in known.barred:
            reasons.append(f"juror {email} is barred from entry {ref} by a conflict of interest")
    return reasons, value, round_no or 1


def _scale_problem(criterion: Criterion, value: Decimal, raw: str) -> str | None:
    """Why `value` is not a valid score for `criterion`, or None."""
    scale = scoring.Criterion(
        criterion.key, criterion.weight, criterion.min_score, criterion.max_score, criterion.step
    )
    try:
        scoring.validate_score(scale, value)
    except scoring.ScoringError as error:
        low, high, step = (show_value(v) for v in (scale.min, scale.max, scale.step))
        if error.code == "not_a_number":
            return f"score {raw!r} is not a number"
        if not scale.min <= value <= scale.max:
            return f"score {raw} is outside the scale {low}–{high}"
        return f"score {raw} is not on the scale's steps ({low}, {low} + {step}, ... {high})"
    return None


def _read(lines: Iterable[str], known: _Lookups):
    """Check every line; return (problems, groups {(entry, member, round): {criterion: (value,
    comment)}}).

    A line over 10,000 characters or holding a control character (NUL...) is refused before
    the CSV is parsed at all: `lines` is read twice, so a one-pass iterator is kept as a list
    first; a collection, or an iterable that reads its source afresh on each pass (the
    command's `awards.cli.CsvFile`), is never held whole."""
    if isinstance(lines, Iterator):
        lines = list(lines)
    with force_locale("en"):  # like every message of this module
        bad_lines = csv_lines_problems(lines)
    if bad_lines:
        return [f"line {n}: {message}" for n, message in bad_lines], {}
    reader = csv.DictReader(lines)
    try:
        fieldnames = reader.fieldnames
    except csv.Error as error:  # e.g. a quoted header field spanning many lines
        return [f"line {reader.line_num}: {error}"], {}
    header = [h.strip().lower() for h in fieldnames or []]
    problems: list[str] = []
    if not header:
        return ["line 1: the file is empty (expected the columns entry,juror,criterion,score)"], {}
    reader.fieldnames = header
    for column in REQUIRED:
        if column not in header:
            problems.append(f"line 1: missing column {column}")
    for column in header:
        if column not in REQUIRED + OPTIONAL:
            problems.append(f"line 1: unknown column {column!r}")
    if problems:
        return problems, {}
    groups: dict[tuple, dict[str, tuple]] = {}
    seen: dict[tuple, dict[str, int]] = {}
    try:
        _read_rows(reader, known, problems, groups, seen)
    except csv.Error as error:  # e.g. a field over the csv module's size limit
        # the reader failed while reading the line after the last one it counted
        problems.append(f"line {reader.line_num + 1}: {error}")
    return problems, groups


def _read_rows(reader, known: _Lookups, problems: list[str], groups: dict, seen: dict) -> None:
    for row in reader:
        line = reader.line_num
        if not any((v or "").strip() for k, v in row.items() if k is not None):
            continue  # a blank line
        reasons, value, round_no = _check_line(row, known)
        # the lines seen so far per scorecard (entry, juror, round), then per criterion: a
        # small dict per scorecard holds less than a 4-tuple key per line
        card = (
            *(sys.intern((row.get(c) or "").strip().lower()) for c in ("entry", "juror")),
            round_no,
        )
        criterion = sys.intern((row.get("criterion") or "").strip().lower())
        lines_of = seen.get(card)
        if lines_of is None:
            lines_of = seen[card] = {}
        if criterion in lines_of:
            reasons.append(f"duplicate of line {lines_of[criterion]}")
        else:
            lines_of[criterion] = line
        problems.extend(f"line {line}: {reason}" for reason in reasons)
        if not reasons:
            entry = known.entries[row["entry"].strip()]
            member = known.jurors[row["juror"].strip().lower()]
            comment = (row.get("comment") or "").strip()
            key = known.criteria[row["criterion"].strip()].key  # (one string per criterion)
            groups.setdefault((entry, member, round_no), {})[key] = (
                known.values.setdefault(value, value) if value is not None else None,
                comment,
            )


def import_scores(
    programme: Programme, lines: Iterable[str], *, now: datetime, actor=None
) -> ImportSummary:
    """Import the CSV text `lines`; raises ScoreImportError (nothing written) on any problem."""
    known = _lookups(programme)
    problems, groups = _read(lines, known)
    for (entry, member, round_no), scores in groups.items():
        missing = [k for k in known.round_criteria(round_no) if k not in scores]
        if missing:
            where = f" / round {round_no}" if len(known.rounds) > 1 else ""
            problems.append(
                f"entry {entry.ref} / juror {member.user.email}{where}: incomplete scorecard, "
                f"missing {', '.join(missing)}"
            )
    if problems:
        raise ScoreImportError(problems)
    summary = ImportSummary(lines=sum(len(s) for s in groups.values()))
    db.session.flush()  # (the bulk statements below bypass the session)
    existing = {
        (member_id, entry_id, round_no): card_id
        for card_id, member_id, entry_id, round_no in db.session.execute(
            sa.select(
                Scorecard.id, Scorecard.jury_member_id, Scorecard.entry_id, Scorecard.round_no
            )
            .join(Entry, Entry.id == Scorecard.entry_id)
            .where(Entry.programme_id == programme.id)
        )
    }
    new, old = [], []
    for (entry, member, round_no), scores in groups.items():
        card_id = existing.get((member.id, entry.id, round_no))
        if card_id is None:
            new.append(((member.id, entry.id, round_no), scores))
        else:
            old.append((card_id, scores))
    del existing
    _create_cards(new, known, now=now)
    summary.created = len(new)
    summary.updated = _update_cards(old, known, now=now)
    summary.unchanged = len(old) - summary.updated
    db.session.expire_all()  # objects loaded before see the imported rows
    record(
        "scores.imported",
        programme,
        now=now,
        actor=actor,
        scope=programme,
        **summary.as_dict(),
    )
    return summary


def _create_cards(new: list[tuple[tuple[int, int, int], dict]], known: _Lookups, *, now) -> None:
    """Insert the submitted scorecards `new` ((member id, entry id, round), scores) and their
    scores in bulk, `CHUNK` scorecards at a time."""
    for start in range(0, len(new), CHUNK):
        chunk = new[start : start + CHUNK]
        db.session.execute(
            sa.insert(Scorecard),
            [
                {
                    "jury_member_id": member_id,
                    "entry_id": entry_id,
                    "round_no": round_no,
                    "status": "submitted",
                    "comment": "",
                    "updated_at": now,
                    "submitted_at": now,
                }
                for (member_id, entry_id, round_no), _ in chunk
            ],
        )
        # their ids, by the unique (juror, entry, round) (SQLite's RETURNING keeps no order)
        made = {
            (member_id, entry_id, round_no): card_id
            for card_id, member_id, entry_id, round_no in db.session.execute(
                sa.select(
                    Scorecard.id, Scorecard.jury_member_id, Scorecard.entry_id, Scorecard.round_no
                ).where(Scorecard.entry_id.in_({entry_id for (_, entry_id, _), _ in chunk}))
            )
        }
        ids = [made[ident] for ident, _ in chunk]
        db.session.execute(
            sa.insert(Score),
            [
                {
                    "scorecard_id": card_id,
                    "criterion_id": known.criteria[key].id,
                    "value": value,
                    "comment": comment,
                }
                for card_id, (_, scores) in zip(ids, chunk, strict=True)
                for key, (value, comment) in scores.items()
            ],
        )


def _update_cards(old: list[tuple[int, dict]], known: _Lookups, *, now) -> int:
    """Bring the existing scorecards `old` (id, scores) to their imported scores, submitted:
    changed values and comments updated, missing scores inserted, in bulk, `CHUNK` scorecards
    at a time. Returns how many scorecards changed (a draft made submitted changes too)."""
    changed = 0
    for start in range(0, len(old), CHUNK):
        chunk = dict(old[start : start + CHUNK])
        status = dict(
            db.session.execute(
                sa.select(Scorecard.id, Scorecard.status).where(Scorecard.id.in_(list(chunk)))
            ).all()
        )
        current = {
            (card_id, criterion_id): (score_id, value, comment)
            for score_id, card_id, criterion_id, value, comment in db.session.execute(
                sa.select(
                    Score.id, Score.scorecard_id, Score.criterion_id, Score.value, Score.comment
                ).where(Score.scorecard_id.in_(list(chunk)))
            )
        }
        updates, inserts, cards = [], [], []
        for card_id, scores in chunk.items():
            differs = status[card_id] != "submitted"
            for key, (value, comment) in scores.items():
                criterion_id = known.criteria[key].id
                found = current.get((card_id, criterion_id))
                if found is None:
                    inserts.append(
                        {
                            "scorecard_id": card_id,
                            "criterion_id": criterion_id,
                            "value": value,
                            "comment": comment,
                        }
                    )
                    differs = True
                elif found[1:] != (value, comment):
                    updates.append({"id": found[0], "value": value, "comment": comment})
                    differs = True
            if differs:
                cards.append(
                    {"id": card_id, "status": "submitted", "updated_at": now, "submitted_at": now}
                )
        for statement, rows in (
            (sa.update(Score), updates),
            (sa.insert(Score), inserts),
            (sa.update(Scorecard), cards),
        ):
            if rows:
                db.session.execute(statement, rows)
        changed += len(cards)
    return changed
