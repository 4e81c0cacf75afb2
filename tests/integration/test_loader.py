"""Loading a programme from JSON: the service (create, update, idempotent, every problem with
its path and nothing changed) and `flask awards load-programme` (exit codes, output)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from awards.models import Category, Criterion, Entry, JuryMember, Programme, Score, Scorecard
from awards.services.loader import ProgrammeFileError, parse_programme
from awards.services.programme_upsert import load_programme
from core.accounts.models import User
from core.audit.models import AuditEntry
from core.extensions import db

NOW = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)

DOC = {
    "slug": "cda-2025",
    "name": "Customer Data Awards 2025",
    "timezone": "Europe/Amsterdam",
    "timeline": {
        "submissions_open": "2025-02-03T09:00:00",  # naive: Amsterdam time (UTC+1 in winter)
        "submissions_close": "2025-04-04T17:00:00+02:00",
        "scoring_open": "2025-04-14T09:00:00Z",
        "scoring_close": "2025-05-16T17:00:00",
        "publish_at": "2025-06-12T18:00:00+02:00",
    },
    "criteria": [
        {
            "key": "impact",
            "name": {"nl": "Impact", "en": "Impact"},
            "weight": "2",
            "min": 1,
            "max": 10,
            "step": 1,
            "rubric": {"nl": "Meetbaar.", "en": "Measurable."},
        },
        {
            "key": "innovation",
            "name": {"nl": "Innovatie", "en": "Innovation"},
            "weight": 1.5,
            "min": "0",
            "max": "5",
            "step": "0.5",
        },
    ],
    "categories": [
        {
            "slug": "data-transformation",
            "name": {"nl": "Data Transformation Award", "en": "Data Transformation Award"},
            "shortlist_size": 3,
        },
    ],
    "jury": [
        {
            "email": "Arnold@KPN.example",
            "name": "Arnold van het Nederend",
            "affiliation": "KPN",
            "role": "chair",
        },
        {"email": "lisette@anwb.example", "name": "Lisette Gouda", "affiliation": "ANWB"},
    ],
    "entries": [
        {
            "ref": "DT-01",
            "category": "data-transformation",
            "organisation": "Univé",
            "title": "Klantprofielen",
            "status": "eligible",
            "summary": "Een case.",
        },
        {
            "ref": "DT-02",
            "category": "data-transformation",
            "organisation": "Odido",
            "title": "Eén klantbeeld",
            "status": "submitted",
        },
    ],
    "jury_terms": {"nl": "Vertrouwelijk.", "en": "Confidential."},
}


def doc(**changes) -> dict:
    data = copy.deepcopy(DOC)
    data.update(changes)
    return data


def counts() -> dict[str, int]:
    """Rows per table that loading may touch."""
    return {
        model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Programme, Criterion, Category, JuryMember, User, Entry, AuditEntry)
    }


def state() -> list:
    """Everything loading could change, for 'nothing changed' checks."""
    db.session.expire_all()
    rows = []
    for model in (Programme, Criterion, Category, JuryMember, User, Entry):
        table = model.__table__
        rows.append(db.session.execute(sa.select(table).order_by(table.c.id)).all())
    return rows


def test_creates_a_programme(app):
    summary = load_programme(doc(), now=NOW)
    db.session.commit()
    assert summary.created
    programme = db.session.scalar(sa.select(Programme))
    assert programme.slug == "cda-2025" and programme.jury_terms_en == "Confidential."
    assert programme.submissions_open_at == datetime(2025, 2, 3, 8, 0, tzinfo=UTC)
    assert programme.submissions_close_at == datetime(2025, 4, 4, 15, 0, tzinfo=UTC)
    assert programme.scoring_open_at == datetime(2025, 4, 14, 9, 0, tzinfo=UTC)
    assert programme.scoring_close_at == datetime(2025, 5, 16, 15, 0, tzinfo=UTC)  # CEST
    impact, innovation = programme.criteria
    assert (impact.weight, impact.rubric_en) == (Decimal(2), "Measurable.")
    assert (innovation.weight, innovation.step, innovation.max_score) == (
        Decimal("1.5"),
        Decimal("0.5"),
        Decimal(5),
    )
    (category,) = programme.categories
    assert category.shortlist_size == 3
    chair = db.session.scalar(sa.select(User).where(User.email == "arnold@kpn.example"))
    assert chair.password_hash is None and chair.email_verified_at is None
    roles = {m.user.email: (m.role, m.affiliation) for m in programme.jury}
    assert roles == {
        "arnold@kpn.example": ("chair", "KPN"),
        "lisette@anwb.example": ("member", "ANWB"),
    }
    entries = {e.ref: e for e in db.session.scalars(sa.select(Entry))}
    assert entries["DT-01"].owner_id is None and entries["DT-01"].status == "eligible"
    assert entries["DT-02"].summary == "" and entries["DT-02"].submitted_at == NOW
    (audit,) = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "programme.loaded")
    ).all()
    assert audit.data["created"] is True


def test_loading_again_updates_without_duplicates(app, make_user):
    existing = make_user("lisette@anwb.example", name="Lisette G.")
    load_programme(doc(), now=NOW)
    db.session.commit()
    before = counts()
    again = load_programme(doc(), now=NOW)
    db.session.commit()
    assert not again.changed and counts() == before  # not even an audit entry
    changed = doc(name="CDA 2025")
    changed["criteria"][0]["weight"] = "3"
    changed["entries"][1]["status"] = "eligible"
    changed["entries"].append(
        {
            "ref": "DT-03",
            "category": "data-transformation",
            "organisation": "Transavia",
            "title": "Reizen",
            "status": "eligible",
        }
    )
    summary = load_programme(changed, now=NOW)
    db.session.commit()
    assert summary.counts["criteria"]["updated"] == 1
    assert summary.counts["entries"]["created"] == 1 and summary.counts["entries"]["updated"] == 1
    after = counts()
    assert after["entries"] == before["entries"] + 1
    assert after["audit_entries"] == before["audit_entries"] + 1
    assert {k: v for k, v in after.items() if k not in ("entries", "audit_entries")} == {
        k: v for k, v in before.items() if k not in ("entries", "audit_entries")
    }
    programme = db.session.scalar(sa.select(Programme))
    assert programme.name == "CDA 2025" and programme.criteria[0].weight == Decimal(3)
    db.session.refresh(existing)
    assert existing.name == "Lisette G."  # an existing account keeps its own name


def problems_of(data) -> list[str]:
    with pytest.raises(ProgrammeFileError) as caught:
        parse_programme(data)
    return caught.value.problems


def test_every_problem_is_reported_with_its_path():
    bad = doc(timezone="Mars/Olympus", extra=1)
    del bad["name"]
    bad["criteria"].append(
        {
            "key": "impact",
            "name": {"nl": "X", "en": "X"},
            "weight": "-1",
            "min": 5,
            "max": 5,
            "step": 1,
        }
    )
    bad["criteria"].append(
        {"key": "Total Score", "name": {"nl": "X"}, "weight": "abc", "min": 0, "max": 10, "step": 3}
    )
    bad["categories"].append(
        {"slug": "data-transformation", "name": {"nl": "A", "en": "A"}, "shortlist_size": 0}
    )
    bad["jury"].append({"email": "arnold@kpn.example", "name": "Dup", "role": "chair"})
    bad["jury"].append({"email": "not-an-address", "name": "X", "role": "boss"})
    bad["entries"].append(
        {"ref": "DT-01", "category": "nope", "organisation": "X", "title": "Y", "status": "won"}
    )
    found = problems_of(bad)
    expected = [
        "name: is required",
        "extra: unknown key",
        "timezone: unknown time zone",
        "criteria[2].weight: must be a positive decimal",
        "criteria[2].max: must be greater than min",
        "criteria[2].key: duplicate key impact (also at criteria[0].key)",
        "criteria[3].key: must match",
        "criteria[3].name.en: is required",
        "criteria[3].weight: must be a positive decimal",
        "criteria[3].step: must divide max - min exactly",
        "categories[1].shortlist_size: must be a whole number from 1 to 50",
        "categories[1].slug: duplicate slug data-transformation",
        "jury[2].email: duplicate e-mail arnold@kpn.example (also at jury[0].email)",
        "jury[2].role: only one chair is allowed (also jury[0])",
        "jury[3].email: not a valid e-mail address",
        "jury[3].role: must be one of chair, member",
        "entries[2].category: unknown category nope",
        "entries[2].status: must be one of draft, submitted, eligible, ineligible, withdrawn",
        "entries[2].ref: duplicate ref DT-01 (also at entries[0].ref)",
    ]
    for message in expected:
        assert any(p.startswith(message) for p in found), (message, found)
    # a naive time with an unknown zone is not reported twice
    assert not any(p.startswith("timeline.submissions_open") for p in found)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "(document): must be an object"),
        (doc(criteria=[]), "criteria: at least one criterion is required"),
        (doc(criteria="x"), "criteria: must be a list"),
        (doc(entries=[1]), "entries[0]: must be an object"),
        (doc(timeline={"submissions_open": "soon"}), "timeline.submissions_open: must be an ISO"),
        (doc(timeline={"submissions_open": "soon"}), "timeline.publish_at: is required"),
        (doc(slug="CDA 2025"), "slug: must match"),
        (doc(trim=1.5), "trim: must be a whole number"),
        (doc(quorum=True), "quorum: must be a whole number"),
        (doc(method="mode"), "method: must be one of mean, median, trimmed, zscore"),
        (doc(jury_terms={"nl": 3, "en": ""}), "jury_terms.nl: must be a string"),
    ],
)
def test_single_problems(data, message):
    assert any(p.startswith(message) for p in problems_of(data)), problems_of(data)


def test_timeline_order():
    data = doc()
    data["timeline"].update(
        submissions_open="2025-04-05T00:00:00+02:00",  # after submissions close
        scoring_open="2025-04-04T16:00:00+02:00",  # before submissions close
        scoring_close="2025-04-01T00:00:00",  # before scoring opens
        publish_at="2025-03-01T00:00:00",  # before scoring closes
    )
    assert problems_of(data) == [
        "timeline.submissions_close: must be after timeline.submissions_open",
        "timeline.scoring_open: must not be before timeline.submissions_close",
        "timeline.scoring_close: must be after timeline.scoring_open",
        "timeline.publish_at: must not be before timeline.scoring_close",
    ]


def test_decimal_places_and_magnitude():
    data = doc()
    data["criteria"][0].update(weight="1.0005", min="0.001", max="1e9")
    found = problems_of(data)
    assert "criteria[0].weight: must have at most 3 decimal places" in found
    assert "criteria[0].min: must have at most 2 decimal places" in found
    assert any(p.startswith("criteria[0].max: must be a decimal no larger than") for p in found)


def test_problems_change_nothing(app):
    load_programme(doc(), now=NOW)
    db.session.commit()
    before = state()
    bad = doc(name="Renamed")
    bad["entries"].append(
        {
            "ref": "DT-09",
            "category": "nope",
            "organisation": "X",
            "title": "Y",
            "status": "eligible",
        }
    )
    bad["jury"].append({"email": "new@juror.example", "name": "New"})
    with pytest.raises(ProgrammeFileError):
        load_programme(bad, now=NOW)
    db.session.rollback()
    assert state() == before


def test_the_admin_screens_rules_hold_for_the_loaded_programme(app):
    # "new" is a valid slug for the document but reserved by save_programme (/admin/programmes/new)
    with pytest.raises(ProgrammeFileError) as caught:
        load_programme(doc(slug="new"), now=NOW)
    assert caught.value.problems == [
        "slug: Use lowercase letters, digits and dashes (for example cda-2025)."
    ]
    db.session.rollback()
    assert counts()["programmes"] == 0


def test_a_refusal_by_a_save_function_writes_nothing_at_all(app):
    load_programme(doc(), now=NOW)
    db.session.commit()
    before = state()
    bad = doc(name="Renamed")  # written first, by save_programme
    bad["criteria"][1].update(min=0, max=1_000_000, step="0.5")  # save_criterion: too large
    with pytest.raises(ProgrammeFileError) as caught:
        load_programme(bad, now=NOW)
    assert caught.value.problems == ["criteria[1].max: Enter a number."]
    db.session.commit()  # the load's savepoint is undone; committing writes nothing
    assert state() == before


def test_stored_data_problems(app, make_juror, make_user):
    load_programme(doc(), now=NOW)
    db.session.commit()
    programme = db.session.scalar(sa.select(Programme))
    # a stored score of 4.5 on innovation (0..5 by 0.5) does not fit a new 1..5 by 1 scale
    member = programme.jury[0]
    entry = db.session.scalar(sa.select(Entry).where(Entry.ref == "DT-01"))
    card = Scorecard(jury_member=member, entry=entry, status="submitted", updated_at=NOW)
    card.scores = [Score(criterion=programme.criteria[1], value=Decimal("4.5"))]
    db.session.add(card)
    db.session.commit()
    before = state()
    bad = doc()
    bad["criteria"][1].update(min=1, max=5, step=1)
    bad["jury"][0]["role"] = "member"
    bad["jury"].append({"email": "new@chair.example", "name": "New chair", "role": "chair"})
    bad["jury"] = [j for j in bad["jury"] if j["email"] != "Arnold@KPN.example"]
    with pytest.raises(ProgrammeFileError) as caught:
        load_programme(bad, now=NOW)
    db.session.rollback()
    assert caught.value.problems == [
        "jury: arnold@kpn.example is already the chair of this programme; "
        "list them in the file (as member) to change the chair",
        "criteria[1]: a stored score (4.50) does not fit this scale",
    ]
    assert state() == before


def test_the_chair_can_be_changed_by_listing_the_old_one_as_member(app):
    load_programme(doc(), now=NOW)
    changed = doc()
    changed["jury"][0]["role"] = "member"
    changed["jury"][1]["role"] = "chair"
    load_programme(changed, now=NOW)
    db.session.commit()
    chairs = db.session.scalars(
        sa.select(User.email).join(JuryMember).where(JuryMember.role == "chair")
    ).all()
    assert chairs == ["lisette@anwb.example"]


# --- the command ----------------------------------------------------------------------------


def write(tmp_path, data, name="programme.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def test_cli_loads_and_prints_a_summary(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["awards", "load-programme", write(tmp_path, doc())])
    assert result.exit_code == 0, result.output
    assert "Programme cda-2025 (Customer Data Awards 2025): created" in result.output
    assert "entries: 2 created" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Entry)) == 2
    again = app.test_cli_runner().invoke(args=["awards", "load-programme", write(tmp_path, doc())])
    assert again.exit_code == 0 and "unchanged" in again.output


def test_cli_reports_problems_and_changes_nothing(app, tmp_path):
    bad = doc()
    bad["criteria"][0]["weight"] = 0
    bad["entries"][0]["category"] = "nope"
    before = counts()
    result = app.test_cli_runner().invoke(args=["awards", "load-programme", write(tmp_path, bad)])
    assert result.exit_code == 1
    assert "criteria[0].weight: must be a positive decimal" in result.stderr
    assert "entries[0].category: unknown category nope" in result.stderr
    assert "2 problem(s) found; nothing was changed." in result.stderr
    assert counts() == before


def test_cli_refuses_invalid_json_and_missing_files(app, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["awards", "load-programme", write(tmp_path, "{nope")])
    assert result.exit_code == 1 and "not a valid UTF-8 JSON file" in result.stderr
    result = runner.invoke(args=["awards", "load-programme", str(tmp_path / "missing.json")])
    assert result.exit_code == 2
    assert counts()["programmes"] == 0


def test_loading_detects_conflicts_between_jurors_and_entries_it_brings(app):
    from awards.models import Conflict

    data = doc()
    data["entries"].append(
        {
            "ref": "DT-03",
            "category": "data-transformation",
            "organisation": "KPN B.V.",
            "title": "Netwerkdata",
            "status": "eligible",
        }
    )
    summary = load_programme(data, now=NOW)
    db.session.commit()
    conflict = db.session.scalar(sa.select(Conflict))
    assert conflict.entry.ref == "DT-03" and conflict.jury_member.affiliation == "KPN"
    assert conflict.source == "detected" and summary.conflicts_detected == 1


def test_setting_and_moving_the_embargo_is_audited_as_a_publication_decision(app):
    from core.audit.models import AuditEntry

    def scheduled():
        return db.session.scalars(
            sa.select(AuditEntry.data)
            .where(AuditEntry.action == "results.publication_scheduled")
            .order_by(AuditEntry.id)
        ).all()

    load_programme(doc(), now=NOW)
    db.session.commit()
    load_programme(doc(), now=NOW)  # unchanged: no new decision
    db.session.commit()
    moved = doc()
    moved["timeline"] = {**moved["timeline"], "publish_at": "2025-06-19T18:00:00+02:00"}
    load_programme(moved, now=NOW)
    db.session.commit()
    assert scheduled() == [
        {"publish_at": "2025-06-12T16:00:00+00:00", "previous": None},
        {"publish_at": "2025-06-19T16:00:00+00:00", "previous": "2025-06-12T16:00:00+00:00"},
    ]


@pytest.mark.parametrize(
    "text",
    ['{"slug": 1' + "0" * 5000 + "}", "[" * 100000 + "]" * 100000],
    ids=["huge-number", "deep-nesting"],
)
def test_cli_refuses_json_python_cannot_decode(app, tmp_path, text):
    result = app.test_cli_runner().invoke(args=["awards", "load-programme", write(tmp_path, text)])
    assert result.exit_code == 1 and "not a valid UTF-8 JSON file" in result.stderr
    assert counts()["programmes"] == 0


def test_a_time_outside_the_storable_range_is_a_problem_not_a_crash(app):
    bad = doc()
    bad["timeline"] = {**bad["timeline"], "submissions_open": "0001-01-01T00:00:00+14:00"}
    with pytest.raises(ProgrammeFileError) as refused:
        load_programme(bad, now=NOW)
    assert any("outside the range of dates" in p for p in refused.value.problems)
