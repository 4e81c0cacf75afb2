"""The admin sets up programmes, categories and criteria; bad input is refused and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from awards.models import Category, Criterion, Programme, Scorecard
from core.audit.models import AuditEntry
from core.extensions import db

FORM = {
    "slug": "cda-2026",
    "name": "Customer Data Awards 2026",
    "submissions_open_at": "2026-02-01T10:00",
    "submissions_close_at": "2026-04-01T23:59",
    "scoring_open_at": "2026-04-02T09:00",
    "scoring_close_at": "2026-05-01T17:00",
    "publish_at": "2026-06-11T18:00",
    "quorum": "3",
    "trim": "1",
    "method": "trimmed",
    "jury_terms_nl": "Vertrouwelijk.",
    "jury_terms_en": "Confidential.",
}
CRITERION = {
    "key": "data_ethics",
    "name_nl": "Data-ethiek",
    "name_en": "Data ethics",
    "rubric_nl": "",
    "rubric_en": "Responsible use of data.",
    "weight": "1,5",
    "min_score": "0",
    "max_score": "5",
    "step": "0.5",
    "position": "5",
}


@pytest.fixture
def admin(make_user, login, client):
    login(make_user("admin@ddma.nl", admin=True, locale="en"))
    return client


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_create_a_programme_with_amsterdam_times_and_default_criteria(admin):
    response = admin.post("/admin/programmes/new", data=FORM)
    assert response.status_code == 302
    programme = db.session.scalar(sa.select(Programme))
    assert response.headers["Location"].endswith("/admin/programmes/cda-2026")
    assert programme.submissions_open_at == datetime(2026, 2, 1, 9, 0, tzinfo=UTC)  # CET
    assert programme.publish_at == datetime(2026, 6, 11, 16, 0, tzinfo=UTC)  # CEST
    assert (programme.quorum, programme.trim, programme.method) == (3, 1, "trimmed")
    assert [c.key for c in programme.criteria] == [
        "impact",
        "innovation",
        "scalability",
        "customer_focus",
    ]
    assert db.session.scalar(sa.select(AuditEntry.action)) == "programme.created"
    page = admin.get("/admin/programmes/cda-2026").get_data(as_text=True)
    assert "Customer focus" in page and "Klantgerichtheid" in page


def test_edit_shows_amsterdam_wall_clock_times_and_saves(admin, make_programme):
    make_programme("cda-2025")
    page = admin.get("/admin/programmes/cda-2025/edit").get_data(as_text=True)
    assert 'value="2025-02-01T10:00"' in page  # 09:00 UTC in winter
    assert 'value="2025-06-12T18:00"' in page  # 16:00 UTC in summer
    response = admin.post("/admin/programmes/cda-2025/edit", data={**FORM, "slug": "cda-2025"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Programme.name)) == "Customer Data Awards 2026"
    # moving the embargo is a publication decision of its own in the audit log
    scheduled = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "results.publication_scheduled")
    )
    assert scheduled.data == {
        "publish_at": "2026-06-11T16:00:00+00:00",
        "previous": "2025-06-12T16:00:00+00:00",
    }


def test_saving_without_moving_the_embargo_records_no_publication(admin, make_programme):
    make_programme("cda-2025")
    form = {**FORM, "slug": "cda-2025", "publish_at": "2025-06-12T18:00"}
    form.update(
        submissions_open_at="2025-02-01T10:00",
        submissions_close_at="2025-04-01T23:59",
        scoring_open_at="2025-04-02T10:00",
        scoring_close_at="2025-05-01T23:59",
    )
    assert admin.post("/admin/programmes/cda-2025/edit", data=form).status_code == 302
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert actions == ["programme.updated"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"slug": "CDA 2026"}, "Use lowercase letters, digits and dashes"),
        ({"slug": "mine"}, "Use lowercase letters, digits and dashes"),
        ({"slug": "taken"}, "Another programme already uses this slug."),
        ({"submissions_close_at": "2026-01-01T10:00"}, "Submissions must close after they open."),
        ({"scoring_open_at": "2026-03-01T10:00"}, "Scoring cannot open before submissions close."),
        ({"scoring_close_at": "2026-04-02T08:00"}, "Scoring must close after it opens."),
        ({"publish_at": "2026-04-30T10:00"}, "Results cannot be published before scoring closes."),
        ({"publish_at": "tomorrow"}, "Not a valid datetime value."),
        ({"quorum": "0"}, "Number must be between 1 and 100."),
        ({"trim": "-1"}, "Number must be between 0 and 100."),
        ({"method": "best"}, "Not a valid choice."),
    ],
)
def test_bad_programme_input_is_refused_per_field(admin, make_programme, changes, message):
    make_programme("taken")
    response = admin.post("/admin/programmes/new", data={**FORM, **changes})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(Programme) == 1


def test_categories_create_edit_and_delete(admin, make_programme, make_entry):
    programme = make_programme("cda-2025")
    base = "/admin/programmes/cda-2025/categories"
    data = {
        "slug": "data-driven-marketing",
        "name_nl": "Data Driven Marketing Award",
        "name_en": "Data Driven Marketing Award",
        "shortlist_size": "3",
        "position": "3",
    }
    assert admin.post(f"{base}/new", data=data).status_code == 302
    new = db.session.scalar(sa.select(Category).where(Category.slug == "data-driven-marketing"))

    for bad, message in (
        ({"slug": "data-innovation"}, "already uses this slug"),
        ({"shortlist_size": "0"}, "Number must be between 1 and 100."),
        ({"slug": "Bad slug"}, "Use lowercase letters"),
    ):
        response = admin.post(f"{base}/{new.id}/edit", data={**data, **bad})
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert (
        admin.post(f"{base}/{new.id}/edit", data={**data, "shortlist_size": "5"}).status_code == 302
    )
    db.session.expire_all()
    assert new.shortlist_size == 5

    used = programme.categories[0]
    make_entry(programme, category=used)
    response = admin.post(
        f"{base}/{used.id}/delete", data={"confirmed": "1"}, follow_redirects=True
    )
    assert b"has entries and cannot be deleted" in response.data
    assert admin.post(f"{base}/{new.id}/delete", data={"confirmed": "1"}).status_code == 302
    assert count(Category) == 2


def test_objects_of_another_programme_are_not_found(admin, make_programme):
    make_programme("cda-2025")
    other = make_programme("other")
    category, criterion = other.categories[0], other.criteria[0]
    assert admin.get(f"/admin/programmes/cda-2025/categories/{category.id}/edit").status_code == 404
    assert (
        admin.post(
            f"/admin/programmes/cda-2025/criteria/{criterion.id}/delete", data={"confirmed": "1"}
        ).status_code
        == 404
    )
    assert count(Criterion) == 8


def test_criteria_create_with_a_decimal_comma_and_edit(admin, make_programme):
    make_programme("cda-2025")
    assert admin.post("/admin/programmes/cda-2025/criteria/new", data=CRITERION).status_code == 302
    criterion = db.session.scalar(sa.select(Criterion).where(Criterion.key == "data_ethics"))
    assert (criterion.weight, criterion.min_score, criterion.max_score, criterion.step) == (
        Decimal("1.5"),
        Decimal(0),
        Decimal(5),
        Decimal("0.5"),
    )
    response = admin.post(
        f"/admin/programmes/cda-2025/criteria/{criterion.id}/edit",
        data={**CRITERION, "weight": "2.125"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert criterion.weight == Decimal("2.125")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"weight": "0"}, "The weight must be greater than 0."),
        ({"weight": "1.2345"}, "At most 3 decimals."),
        ({"weight": "abc"}, "Not a valid decimal value."),
        ({"min_score": "5", "max_score": "5"}, "The maximum must be greater than the minimum."),
        ({"step": "0"}, "The step must be greater than 0."),
        ({"step": "2"}, "whole number of steps"),
        ({"key": "Data-Ethics"}, "Use lowercase letters, digits and underscores."),
        ({"key": "impact"}, "Another criterion in this programme already uses this key."),
    ],
)
def test_bad_criteria_are_refused(admin, make_programme, changes, message):
    make_programme("cda-2025")
    response = admin.post("/admin/programmes/cda-2025/criteria/new", data={**CRITERION, **changes})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(Criterion) == 4


def test_criteria_are_locked_once_a_scorecard_exists(
    admin, make_programme, make_entry, make_juror, clock
):
    programme = make_programme("cda-2025")
    impact = programme.criteria[0]
    db.session.add(
        Scorecard(
            jury_member=make_juror(programme), entry=make_entry(programme), updated_at=clock()
        )
    )
    db.session.commit()
    base = "/admin/programmes/cda-2025/criteria"
    same = {
        "key": "impact",
        "name_nl": "Impact",
        "name_en": "Impact on customers",
        "rubric_en": "Measurable.",
        "weight": "1",
        "min_score": "1",
        "max_score": "10",
        "step": "1",
        "position": "0",
    }

    for change in ({"weight": "2"}, {"max_score": "5"}, {"step": "0.5"}):
        response = admin.post(f"{base}/{impact.id}/edit", data={**same, **change})
        assert response.status_code == 400
        assert b"Scoring has started in this programme" in response.data
    assert admin.post(f"{base}/new", data=CRITERION).status_code == 400
    admin.post(f"{base}/{impact.id}/delete", data={"confirmed": "1"})
    db.session.expire_all()
    assert (impact.weight, impact.max_score, impact.step) == (Decimal(1), Decimal(10), Decimal(1))
    assert count(Criterion) == 4

    assert admin.post(f"{base}/{impact.id}/edit", data=same).status_code == 302
    db.session.expire_all()
    assert (impact.name_en, impact.rubric_en) == ("Impact on customers", "Measurable.")


def test_every_admin_route_is_for_admins_only(
    app, client, login, make_user, make_programme, make_entry
):
    programme = make_programme("cda-2025")
    entry = make_entry(programme, status="submitted")
    values = {
        "slug": "cda-2025",
        "category_id": programme.categories[0].id,
        "criterion_id": programme.criteria[0].id,
        "entry_id": entry.id,
    }
    rules = [
        r
        for r in app.url_map.iter_rules()
        if r.endpoint.startswith(("awards_admin.", "awards_setup."))
    ]
    assert len(rules) >= 14
    requests = []
    for rule in rules:
        path = rule.rule
        for name, value in values.items():
            path = path.replace(f"<{name}>", str(value)).replace(f"<int:{name}>", str(value))
        requests += [(method, path) for method in sorted(rule.methods & {"GET", "POST"})]

    for method, path in requests:  # anonymous: to the login page
        response = client.open(path, method=method, data={"slug": "x", "outcome": "eligible"})
        assert response.status_code == 302 and "/login" in response.headers["Location"], path

    login(make_user(locale="en"))
    for method, path in requests:
        response = client.open(path, method=method, data={"slug": "x", "outcome": "eligible"})
        assert response.status_code == 403, (method, path)
    assert count(Programme) == 1
    db.session.expire_all()
    assert entry.status == "submitted"


def test_admin_pages_render(admin, make_programme):
    programme = make_programme("cda-2025")
    category, criterion = programme.categories[0], programme.criteria[0]
    base = "/admin/programmes/cda-2025"
    for path in (
        "/admin",
        "/admin/programmes/new",
        base,
        f"{base}/edit",
        f"{base}/entries",
        f"{base}/categories/new",
        f"{base}/categories/{category.id}/edit",
        f"{base}/criteria/new",
        f"{base}/criteria/{criterion.id}/edit",
    ):
        assert admin.get(path).status_code == 200, path
    page = admin.get(f"{base}/criteria/{criterion.id}/edit").get_data(as_text=True)
    assert 'value="impact"' in page and 'value="10"' in page
