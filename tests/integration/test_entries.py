"""Entry, screening and programme set-up rules at the service level."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from awards.models import Entry, JuryMember, Scorecard
from awards.services import criteria, entries, programmes, screening
from awards.services.criteria import CriteriaLocked, CriterionData
from awards.services.entries import EntryData, SubmissionsClosed, WrongState
from awards.services.programmes import CategoryData, ProgrammeData
from core.audit.models import AuditEntry
from core.errors import DomainError, InvalidInput, NotAllowed, NotFound
from core.extensions import db
from core.spreadsheets import csv_text, guard


@pytest.fixture(autouse=True)
def _request(app):
    """Services run inside a request (translated messages need its locale)."""
    with app.test_request_context("/?lang=en"):
        yield


def data(programme, **kw) -> EntryData:
    values = {
        "category_id": programme.categories[0].id,
        "organisation": "Univé",
        "title": "Klantprofielen",
        "summary": "Een samenvatting.",
        "case_text": "De case.",
    }
    return EntryData(**{**values, **kw})


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_refs_are_per_programme_and_sequential(make_programme, make_user, clock):
    cda = make_programme("cda-2025")
    other = make_programme("customer-data-awards-2026")
    owner = make_user()
    refs = [entries.create_entry(cda, owner, data(cda), now=clock()).ref for _ in range(3)]
    assert refs == ["CDA-0001", "CDA-0002", "CDA-0003"]
    assert entries.create_entry(other, owner, data(other), now=clock()).ref == "CDA-0001"


def test_next_ref_skips_past_the_highest_existing_number(make_programme, make_entry):
    programme = make_programme("awards")
    make_entry(programme, ref="AWARDS-0041")
    make_entry(programme, ref="imported-7")
    assert entries.next_ref(programme) == "AWARDS-0042"


def test_a_ref_taken_meanwhile_is_retried_with_the_next_one(
    make_programme, make_entry, make_user, clock, monkeypatch
):
    programme = make_programme("cda-2025")
    first = make_entry(programme, ref="CDA-0001")
    refs = iter(["CDA-0001", "CDA-0002"])  # a concurrent request took the first one
    monkeypatch.setattr(entries, "next_ref", lambda p: next(refs))
    entry = entries.create_entry(programme, make_user(), data(programme), now=clock())
    db.session.commit()
    assert entry.ref == "CDA-0002"
    assert sorted(db.session.scalars(sa.select(Entry.ref))) == ["CDA-0001", "CDA-0002"]
    assert db.session.get(Entry, first.id).ref == "CDA-0001"
    created = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "entry.created")
    ).all()
    assert [a.data["ref"] for a in created] == ["CDA-0002"]


def test_a_ref_taken_at_every_attempt_is_refused_and_writes_nothing(
    make_programme, make_entry, make_user, clock, monkeypatch
):
    programme = make_programme("cda-2025")
    make_entry(programme, ref="CDA-0001")
    monkeypatch.setattr(entries, "next_ref", lambda p: "CDA-0001")
    owner = make_user()
    with pytest.raises(DomainError) as refused:
        entries.create_entry(programme, owner, data(programme), now=clock())
    assert refused.value.code == "ref_busy"
    db.session.commit()  # the rest of the transaction is intact
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Entry)) == 1


def test_create_checks_the_category_and_lengths(make_programme, make_user, clock):
    programme = make_programme()
    other = make_programme()
    owner = make_user()
    with pytest.raises(InvalidInput) as refused:
        entries.create_entry(
            programme,
            owner,
            data(programme, category_id=other.categories[0].id, summary="x" * 1001, title=" "),
            now=clock(),
        )
    assert set(refused.value.errors) == {"category", "summary", "title"}
    entries.create_entry(programme, owner, data(programme, summary="x" * 1000), now=clock())


def test_submissions_window_applies_to_create_edit_and_submit(make_programme, make_user, clock):
    programme = make_programme()
    owner = make_user()
    entry = entries.create_entry(programme, owner, data(programme), now=clock())
    clock.set(programme.submissions_close_at)
    with pytest.raises(SubmissionsClosed) as closed:
        entries.submit_entry(entry, owner, now=clock())
    assert closed.value.code == "submissions_closed"
    with pytest.raises(SubmissionsClosed):
        entries.update_entry(entry, owner, data(programme, title="Later"), now=clock())
    clock.set(programme.submissions_open_at - timedelta(minutes=1))
    with pytest.raises(SubmissionsClosed) as early:
        entries.create_entry(programme, owner, data(programme), now=clock())
    assert early.value.code == "submissions_not_open"


def test_submit_needs_summary_and_case_text(make_programme, make_user, clock):
    programme = make_programme()
    owner = make_user()
    entry = entries.create_entry(programme, owner, data(programme, case_text=""), now=clock())
    with pytest.raises(DomainError) as refused:
        entries.submit_entry(entry, owner, now=clock())
    assert refused.value.code == "incomplete"
    assert entry.status == "draft"


def test_only_the_owner_or_an_admin_may_change_an_entry(make_programme, make_user, clock):
    programme = make_programme()
    owner, stranger, admin = make_user(), make_user(), make_user(admin=True)
    entry = entries.create_entry(programme, owner, data(programme), now=clock())
    with pytest.raises(NotFound):
        entries.submit_entry(entry, stranger, now=clock())
    with pytest.raises(NotFound):
        entries.withdraw_entry(entry, stranger, now=clock())
    entries.update_entry(entry, admin, data(programme, title="Fixed by admin"), now=clock())
    assert entry.title == "Fixed by admin"


def test_status_changes_follow_the_transition_table(make_programme, make_user, clock):
    programme = make_programme()
    owner, admin = make_user(), make_user(admin=True)
    entry = entries.create_entry(programme, owner, data(programme), now=clock())
    with pytest.raises(WrongState):
        screening.screen_entry(entry, admin, outcome="eligible", reason="", now=clock())
    entries.submit_entry(entry, owner, now=clock())
    with pytest.raises(WrongState):
        entries.submit_entry(entry, owner, now=clock())
    screening.screen_entry(entry, admin, outcome="eligible", reason="", now=clock())
    with pytest.raises(WrongState):
        entries.update_entry(entry, owner, data(programme), now=clock())
    entries.withdraw_entry(entry, owner, now=clock())
    assert entry.status == "withdrawn"
    with pytest.raises(WrongState):
        entries.withdraw_entry(entry, owner, now=clock())
    with pytest.raises(WrongState):
        screening.screen_entry(entry, admin, outcome="eligible", reason="", now=clock())
    assert actions() == [
        "entry.created",
        "entry.submitted",
        "entry.screened",
        "entry.withdrawn",
    ]


def test_withdraw_is_possible_until_scoring_closes(make_programme, make_entry, clock):
    programme = make_programme()
    entry = make_entry(programme, status="eligible")
    clock.set(programme.scoring_close_at)
    with pytest.raises(DomainError) as refused:
        entries.withdraw_entry(entry, entry.owner, now=clock())
    assert refused.value.code == "scoring_closed"
    clock.set(programme.scoring_close_at - timedelta(seconds=1))
    entries.withdraw_entry(entry, entry.owner, now=clock())
    assert entry.status == "withdrawn"


def test_screening_needs_an_admin_and_a_reason_for_ineligible(
    make_programme, make_entry, make_user, clock
):
    entry = make_entry(status="submitted")
    with pytest.raises(NotAllowed):
        screening.screen_entry(entry, entry.owner, outcome="eligible", reason="", now=clock())
    admin = make_user(admin=True)
    with pytest.raises(InvalidInput) as refused:
        screening.screen_entry(entry, admin, outcome="ineligible", reason="  ", now=clock())
    assert refused.value.code == "reason_required"
    with pytest.raises(InvalidInput):
        screening.screen_entry(entry, admin, outcome="maybe", reason="", now=clock())
    assert entry.status == "submitted"


def test_screening_is_frozen_once_the_category_is_ratified(make_entry, make_user, clock):
    from awards.models import Ratification

    entry = make_entry(status="eligible")
    admin = make_user(admin=True)
    db.session.add(
        Ratification(
            category_id=entry.category_id, winner_entry_id=entry.id, method="mean", trim=1,
            quorum=1, snapshot=[], ratified_at=clock(), ratified_by_id=admin.id,
        )
    )  # fmt: skip
    db.session.commit()
    with pytest.raises(WrongState) as refused:
        screening.screen_entry(entry, admin, outcome="ineligible", reason="Late", now=clock())
    assert refused.value.code == "category_ratified"
    db.session.rollback()
    assert db.session.get(Entry, entry.id).status == "eligible"


def test_screening_eligible_runs_conflict_detection(
    make_programme, make_entry, make_juror, make_user, clock
):
    from awards.models import Conflict

    programme = make_programme()
    member = make_juror(programme, affiliation="Univé")
    admin = make_user(admin=True)
    entry = make_entry(programme, organisation="Univé", status="submitted")

    def found():
        return [
            (c.jury_member_id, c.entry_id, c.source, c.created_at)
            for c in db.session.scalars(sa.select(Conflict))
        ]

    screening.screen_entry(entry, admin, outcome="ineligible", reason="Te laat", now=clock())
    assert found() == []
    screening.screen_entry(entry, admin, outcome="eligible", reason="", now=clock())
    assert found() == [(member.id, entry.id, "detected", clock())]


def test_status_label_shows_the_ineligibility_reason(make_entry):
    entry = make_entry(status="ineligible", screening_reason="Geen klantdata")
    assert str(entries.status_label(entry)) == "Ineligible: Geen klantdata"
    entry.status = "withdrawn"
    assert str(entries.status_label(entry)) == "Withdrawn"


def test_export_csv_neutralises_formulas(make_programme, make_entry):
    programme = make_programme()
    make_entry(programme, ref="CDA-0001", title='=HYPERLINK("http://x")', organisation="+31 Org")
    table = screening.export_table(screening.admin_entries(programme))
    lines = csv_text(table, locale="en").splitlines()
    assert (
        lines[0]
        == "ref,category,organisation,title,status,screening_reason,submitted_at,owner_email"
    )
    assert "'+31 Org" in lines[1]
    assert "'=HYPERLINK" in lines[1]
    assert guard("@SUM(A1)") == "'@SUM(A1)"
    assert guard("-1") == "'-1"
    assert guard("Univé") == "Univé"


# --- programme set-up -------------------------------------------------------------------------


def programme_data(**kw) -> ProgrammeData:
    values = {
        "slug": "cda-2026",
        "name": "Customer Data Awards 2026",
        "submissions_open_at": datetime(2026, 2, 1, 9, tzinfo=UTC),
        "submissions_close_at": datetime(2026, 4, 1, 9, tzinfo=UTC),
        "scoring_open_at": datetime(2026, 4, 2, 9, tzinfo=UTC),
        "scoring_close_at": datetime(2026, 5, 1, 9, tzinfo=UTC),
        "publish_at": datetime(2026, 6, 11, 16, tzinfo=UTC),
        "quorum": 3,
        "trim": 1,
        "method": "trimmed",
    }
    return ProgrammeData(**{**values, **kw})


def test_a_new_programme_gets_the_four_default_criteria(make_user, clock):
    programme = programmes.save_programme(
        programme_data(), actor=make_user(admin=True), now=clock()
    )
    assert [(c.key, c.name_nl, c.name_en) for c in programme.criteria] == [
        ("impact", "Impact", "Impact"),
        ("innovation", "Innovatie", "Innovation"),
        ("scalability", "Schaalbaarheid", "Scalability"),
        ("customer_focus", "Klantgerichtheid", "Customer focus"),
    ]
    assert {(c.weight, c.min_score, c.max_score, c.step) for c in programme.criteria} == {
        (Decimal(1), Decimal(1), Decimal(10), Decimal(1))
    }
    assert actions() == ["programme.created", "results.publication_scheduled"]


def test_programme_rules(make_programme, make_user, clock):
    admin = make_user(admin=True)
    make_programme("taken")
    with pytest.raises(NotAllowed):
        programmes.save_programme(programme_data(), actor=make_user(), now=clock())
    cases = {
        "slug": programme_data(slug="Bad Slug"),
        "name": programme_data(name="  "),
        "quorum": programme_data(quorum=0),
        "trim": programme_data(trim=-1),
        "method": programme_data(method="best"),
        "publish_at": programme_data(publish_at=datetime(2026, 4, 30, tzinfo=UTC)),
    }
    for field, values in cases.items():
        with pytest.raises(InvalidInput) as refused:
            programmes.save_programme(values, actor=admin, now=clock())
        assert field in refused.value.errors, field
    for slug in ("taken", "mine", "new", "-x", "a--b"):
        with pytest.raises(InvalidInput):
            programmes.save_programme(programme_data(slug=slug), actor=admin, now=clock())


def test_category_in_use_cannot_be_deleted(make_programme, make_entry, make_user, clock):
    admin = make_user(admin=True)
    programme = make_programme()
    used, unused = programme.categories
    make_entry(programme, category=used)
    with pytest.raises(DomainError) as refused:
        programmes.delete_category(used, actor=admin, now=clock())
    assert refused.value.code == "category_in_use"
    programmes.delete_category(unused, actor=admin, now=clock())
    with pytest.raises(InvalidInput):
        programmes.save_category(
            programme,
            CategoryData(slug=used.slug, name_nl="x", name_en="x"),
            actor=admin,
            now=clock(),
        )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"weight": Decimal("0")}, "weight"),
        ({"weight": Decimal("1.0005")}, "weight"),
        ({"min_score": Decimal(10), "max_score": Decimal(1)}, "max_score"),
        ({"step": Decimal(0)}, "step"),
        ({"step": Decimal(4)}, "step"),
        ({"min_score": Decimal("0.001")}, "min_score"),
        ({"key": "Bad-Key"}, "key"),
        ({"key": "impact"}, "key"),
        ({"weight": Decimal("NaN")}, "weight"),
    ],
)
def test_criterion_rules(make_programme, make_user, clock, changes, field):
    programme = make_programme()
    values = {"key": "data_ethics", "name_nl": "Data-ethiek", "name_en": "Data ethics", **changes}
    with pytest.raises(InvalidInput) as refused:
        criteria.save_criterion(
            programme, CriterionData(**values), actor=make_user(admin=True), now=clock()
        )
    assert field in refused.value.errors


def test_criteria_lock_once_a_scorecard_exists(
    make_programme, make_entry, make_juror, make_user, clock
):
    admin = make_user(admin=True)
    programme = make_programme()
    criterion = programme.criteria[0]
    assert not criteria.scoring_started(programme)
    member = make_juror(programme)
    entry = make_entry(programme)
    db.session.add(Scorecard(jury_member=member, entry=entry, updated_at=clock()))
    db.session.commit()
    assert criteria.scoring_started(programme)
    same = {
        "key": criterion.key,
        "name_nl": "Impact!",
        "name_en": "Impact!",
        "rubric_en": "New",
        "weight": criterion.weight,
        "min_score": criterion.min_score,
        "max_score": criterion.max_score,
        "step": criterion.step,
    }
    criteria.save_criterion(
        programme, CriterionData(**same), actor=admin, now=clock(), criterion=criterion
    )
    assert criterion.name_en == "Impact!"
    for change in ({"weight": Decimal(2)}, {"max_score": Decimal(5)}, {"key": "impact2"}):
        with pytest.raises(CriteriaLocked):
            criteria.save_criterion(
                programme,
                CriterionData(**{**same, **change}),
                actor=admin,
                now=clock(),
                criterion=criterion,
            )
    with pytest.raises(CriteriaLocked):
        criteria.save_criterion(
            programme, CriterionData(**{**same, "key": "extra"}), actor=admin, now=clock()
        )
    with pytest.raises(CriteriaLocked):
        criteria.delete_criterion(criterion, actor=admin, now=clock())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JuryMember)) == 1
    assert db.session.get(Entry, entry.id) is not None


def test_allowed_actions_follow_the_status_and_the_timeline(make_programme, make_entry):
    programme = make_programme()
    open_at = programme.submissions_open_at
    closed_at = programme.submissions_close_at
    last = programme.scoring_close_at - timedelta(seconds=1)
    actions = entries.allowed_actions
    draft = make_entry(programme, status="draft")
    assert actions(draft, open_at) == {"edit", "submit", "withdraw"}
    assert actions(draft, closed_at) == {"withdraw"}
    assert actions(draft, open_at - timedelta(seconds=1)) == {"withdraw"}
    submitted = make_entry(programme, status="submitted")
    assert actions(submitted, open_at) == {"edit", "withdraw"}
    eligible = make_entry(programme, status="eligible")
    assert actions(eligible, open_at) == {"withdraw"}
    assert actions(eligible, last) == {"withdraw"}
    assert actions(eligible, programme.scoring_close_at) == set()
    assert actions(make_entry(programme, status="ineligible"), open_at) == set()
    withdrawn = make_entry(programme, status="withdrawn")
    assert actions(withdrawn, open_at) == {"reopen"}
    assert actions(withdrawn, closed_at) == set()


def test_the_services_refuse_what_allowed_actions_does_not_offer(make_programme, make_entry, clock):
    programme = make_programme()
    entry = make_entry(programme, status="draft", summary="S", case_text="C")
    owner = entry.owner
    late = programme.submissions_close_at
    assert "submit" not in entries.allowed_actions(entry, late)
    with pytest.raises(SubmissionsClosed):
        entries.submit_entry(entry, owner, now=late)
    with pytest.raises(SubmissionsClosed):
        entries.require_editable(entry, owner, late)
    with pytest.raises(DomainError) as refused:
        entries.withdraw_entry(entry, owner, now=programme.scoring_close_at)
    assert refused.value.code == "scoring_closed"


def test_a_slug_taken_by_a_concurrent_request_is_refused_and_the_rest_kept(
    make_programme, make_user, clock, monkeypatch
):
    programme = make_programme()
    admin = make_user(admin=True)
    monkeypatch.setattr(programmes, "taken", lambda *args: False)  # checked before the other wrote
    taken_slug = programme.categories[0].slug
    with pytest.raises(programmes.ConcurrentChange):
        programmes.save_category(
            programme,
            CategoryData(slug=taken_slug, name_nl="Dubbel", name_en="Double"),
            actor=admin,
            now=clock(),
        )
    db.session.commit()  # the savepoint is undone; the transaction is still usable
    db.session.expire_all()
    assert sorted(c.slug for c in programme.categories) == [
        "data-innovation",
        "data-transformation",
    ]
