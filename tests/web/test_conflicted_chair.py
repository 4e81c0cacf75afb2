"""Conflicts bind everyone, the chair included (issue 7, hole 2): a chair with a conflict on
an entry neither acts on it (reopening a scorecard, ruling on a conflict — an admin does) nor
sees its reference, title, organisation or who scored it on the jury and results pages. An
admin who is also on the jury with a conflict is bound the same way; another admin acts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import g
from flask_babel import refresh

from awards.models import Conflict, Nomination, Scorecard
from core.audit.models import AuditEntry
from core.extensions import db
from core.outbox.models import MailMessage
from tests.factories import make_scorecard

SCORING = datetime(2025, 4, 10, 9, 0, tzinfo=UTC)
DELIBERATION = datetime(2025, 5, 10, 9, 0, tzinfo=UTC)
MARKERS = ("KPN-7", "Confidential KPN case", "KPN Secret Org")


class Browser:
    """A test client as one user; Flask-Login's and Flask-Babel's per-request caches in the
    shared app context are dropped before each request."""

    def __init__(self, client):
        self.client = client

    def get(self, *args, **kwargs):
        g.pop("_login_user", None)
        refresh()
        return self.client.get(*args, **kwargs)

    def post(self, *args, **kwargs):
        g.pop("_login_user", None)
        refresh()
        return self.client.post(*args, **kwargs)


@pytest.fixture
def as_user(app, login):
    def _as(user):
        return Browser(login(user, app.test_client()))

    return _as


@pytest.fixture
def jury(app, clock, make_programme, make_juror, make_user, make_entry):
    """The chair has an upheld conflict with KPN-7, which `coen` scored and on which `dana`
    declared a conflict (pending); OTHER-1 is an entry the chair may see."""
    clock.set(SCORING)
    programme = make_programme(quorum=1, trim=0)
    chair = make_juror(programme, make_user("arnold@kpn.com", name="Arnold"), role="chair")
    coen = make_juror(programme, make_user("coen@example.org", name="Coen Scorer"))
    dana = make_juror(programme, make_user("dana@example.org", name="Dana"))
    kpn = make_entry(
        programme, ref="KPN-7", organisation="KPN Secret Org", title="Confidential KPN case"
    )
    other = make_entry(programme, ref="OTHER-1", organisation="Visible Org", title="Open case")
    db.session.add_all(
        [
            Conflict(
                jury_member=chair,
                entry=kpn,
                source="detected",
                status="upheld",
                reason="KPN",
                created_at=SCORING,
            ),
            Conflict(
                jury_member=dana,
                entry=kpn,
                source="declared",
                status="pending",
                reason="Former employer",
                created_at=SCORING,
            ),
        ]
    )
    kpn_card = make_scorecard(coen, kpn, 8)
    other_card = make_scorecard(coen, other, 6)
    db.session.commit()
    return programme, chair, coen, dana, kpn, other, kpn_card, other_card


def jury_url(programme, suffix):
    return f"/admin/awards/{programme.slug}/jury{suffix}?lang=en"


def state():
    return (
        db.session.execute(sa.select(Conflict.id, Conflict.status).order_by(Conflict.id)).all(),
        db.session.execute(sa.select(Scorecard.id, Scorecard.status).order_by(Scorecard.id)).all(),
        db.session.scalar(sa.select(sa.func.count(AuditEntry.id))),
        db.session.scalar(sa.select(sa.func.count(MailMessage.id))),
    )


def dana_conflict(dana):
    return db.session.scalar(sa.select(Conflict).where(Conflict.jury_member_id == dana.id))


def test_a_conflicted_chair_may_not_reopen_a_scorecard_of_that_entry_an_admin_may(
    jury, as_user, make_user
):
    programme, chair, _coen, _dana, _kpn, _other, kpn_card, other_card = jury
    browser = as_user(chair.user)
    before = state()
    refused = browser.post(
        jury_url(programme, f"/scorecards/{kpn_card.id}/reopen"), data={"reason": "Recheck"}
    )
    assert refused.status_code == 403
    assert "an admin must do this" in refused.text
    assert state() == before
    # an unconflicted entry: the chair may
    reopen_other = jury_url(programme, f"/scorecards/{other_card.id}/reopen")
    assert browser.post(reopen_other, data={"reason": "Recheck"}).status_code == 302
    admin = as_user(make_user(admin=True))
    reopen_kpn = jury_url(programme, f"/scorecards/{kpn_card.id}/reopen")
    assert admin.post(reopen_kpn, data={"reason": "Recheck"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Scorecard, kpn_card.id).status == "draft"


def test_a_conflicted_chair_may_not_rule_on_a_conflict_about_that_entry_an_admin_may(
    jury, as_user, make_user
):
    programme, chair, _coen, dana, kpn, _other, *_ = jury
    conflict = dana_conflict(dana)
    rule = jury_url(programme, f"/conflicts/{conflict.id}/rule")
    before = state()
    refused = as_user(chair.user).post(rule, data={"decision": "dismiss", "note": "Fine."})
    assert refused.status_code == 403
    assert "an admin must do this" in refused.text
    assert state() == before
    # still barred: the juror cannot open the entry (nor its PDF, which needs the same entry)
    dana_browser = as_user(dana.user)
    assert dana_browser.get(f"/jury/{programme.slug}/entries/{kpn.id}").status_code == 404
    assert (
        dana_browser.get(f"/jury/{programme.slug}/entries/{kpn.id}/attachment").status_code == 404
    )
    admin = as_user(make_user(admin=True))
    assert admin.post(rule, data={"decision": "dismiss", "note": "Fine."}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Conflict, conflict.id).status == "dismissed"


def test_the_progress_page_shows_a_conflicted_chair_nothing_of_that_entry(jury, as_user, make_user):
    programme, chair, _coen, _dana, _kpn, _other, kpn_card, other_card = jury
    page = as_user(chair.user).get(jury_url(programme, "/progress"))
    assert page.status_code == 200
    for marker in MARKERS:
        assert marker not in page.text
    assert f"/scorecards/{kpn_card.id}/reopen" not in page.text
    assert f"/scorecards/{other_card.id}/reopen" in page.text and "OTHER-1" in page.text
    assert 'data-hidden-entries="1"' in page.text
    # Coen scored both entries; the chair's page counts only the one they may see
    coen_row = page.text.split("Coen Scorer", 1)[1].split("</tr>", 1)[0]
    assert [cell.split("<")[0] for cell in coen_row.split('<td class="num">')[1:]] == [
        "1",
        "0",
        "1",
        "0",
        "0",
    ]
    admin_page = as_user(make_user(admin=True)).get(jury_url(programme, "/progress"))
    for marker in MARKERS:
        assert marker in admin_page.text
    assert f"/scorecards/{kpn_card.id}/reopen" in admin_page.text


def test_the_conflicts_page_shows_a_conflicted_chair_nothing_of_that_entry(
    jury, as_user, make_user
):
    programme, chair, _coen, dana, *_ = jury
    page = as_user(chair.user).get(jury_url(programme, "/conflicts"))
    assert page.status_code == 200
    for marker in (*MARKERS, "Former employer"):
        assert marker not in page.text
    assert f"/conflicts/{dana_conflict(dana).id}/rule" not in page.text
    assert 'data-hidden-conflicts="2"' in page.text  # Dana's and the chair's own
    admin_page = as_user(make_user(admin=True)).get(jury_url(programme, "/conflicts"))
    for marker in (*MARKERS, "Former employer"):
        assert marker in admin_page.text
    assert admin_page.text.count("Record ruling") == 2


def test_a_ratified_category_shows_a_conflicted_chair_nothing_of_that_entry(
    jury, as_user, make_user, clock
):
    """An admin ratified KPN-7 (the chair may not decide there): neither the frozen snapshot,
    the winner nor the decision forms show it to the chair."""
    programme, chair, _coen, _dana, kpn, _other, *_ = jury
    clock.set(DELIBERATION)
    category = kpn.category
    admin = as_user(make_user(admin=True))
    results = f"/admin/awards/{programme.slug}/results/{category.slug}"
    assert admin.post(f"{results}/shortlist", data={"entries": [kpn.id]}).status_code == 302
    assert db.session.scalar(sa.select(Nomination.entry_id)) == kpn.id
    assert (
        admin.post(f"{results}/ratify", data={"confirmed": "1", "winner": kpn.id}).status_code
        == 302
    )
    page = as_user(chair.user).get(f"/admin/awards/{programme.slug}/results?lang=en")
    assert page.status_code == 200
    for marker in MARKERS:
        assert marker not in page.text
    assert 'data-snapshot-ref="OTHER-1"' in page.text
    admin_page = admin.get(f"/admin/awards/{programme.slug}/results?lang=en")
    assert 'data-snapshot-ref="KPN-7"' in admin_page.text


def test_the_decision_forms_are_not_offered_to_a_conflicted_chair(jury, as_user, clock):
    programme, chair, _coen, _dana, kpn, *_ = jury
    clock.set(DELIBERATION)
    db.session.add(Nomination(category_id=kpn.category_id, entry_id=kpn.id, created_at=SCORING))
    db.session.commit()
    page = as_user(chair.user).get(f"/admin/awards/{programme.slug}/results?lang=en")
    assert "data-conflicted-category" in page.text
    assert "Save shortlist" not in page.text and "KPN-7" not in page.text


def test_an_admin_on_the_jury_is_bound_by_their_conflict_too(jury, as_user, make_user, make_juror):
    """The admin who is a juror with a conflict on KPN-7 leaves it to another admin: they
    may not reopen its scorecard, rule on its conflicts (their own neither), nor see it."""
    programme, _chair, _coen, dana, kpn, _other, kpn_card, _ = jury
    admin_juror = make_juror(programme, make_user(admin=True, name="Admin Juror"))
    db.session.add(
        Conflict(
            jury_member=admin_juror,
            entry=kpn,
            source="declared",
            status="pending",
            reason="My sister's company",
            created_at=SCORING,
        )
    )
    db.session.commit()
    own = db.session.scalar(sa.select(Conflict).where(Conflict.jury_member_id == admin_juror.id))
    browser = as_user(admin_juror.user)
    before = state()
    reopen = jury_url(programme, f"/scorecards/{kpn_card.id}/reopen")
    refused = browser.post(reopen, data={"reason": "Recheck"})
    assert refused.status_code == 403 and "another admin must do this" in refused.text
    rule = {"decision": "dismiss", "note": "Fine."}
    refused = browser.post(
        jury_url(programme, f"/conflicts/{dana_conflict(dana).id}/rule"), data=rule
    )
    assert refused.status_code == 403 and "another admin must do this" in refused.text
    refused = browser.post(jury_url(programme, f"/conflicts/{own.id}/rule"), data=rule)
    assert refused.status_code == 403 and "own conflict" in refused.text
    assert state() == before
    for path in ("/progress", "/conflicts"):
        page = browser.get(jury_url(programme, path))
        assert page.status_code == 200
        for marker in MARKERS:
            assert marker not in page.text
    other_admin = as_user(make_user(admin=True))
    assert other_admin.post(reopen, data={"reason": "Recheck"}).status_code == 302


def test_an_admin_on_the_jury_leaves_the_results_of_that_category_to_another_admin(
    jury, as_user, make_user, make_juror, clock
):
    programme, _chair, _coen, _dana, kpn, other, *_ = jury
    admin_juror = make_juror(programme, make_user(admin=True))
    db.session.add(
        Conflict(
            jury_member=admin_juror, entry=kpn, source="declared", status="upheld",
            created_at=SCORING,
        )
    )  # fmt: skip
    db.session.commit()
    clock.set(DELIBERATION)
    browser = as_user(admin_juror.user)
    results = f"/admin/awards/{programme.slug}/results"
    page = browser.get(f"{results}?lang=en")
    for marker in MARKERS:
        assert marker not in page.text
    assert "KPN-7" not in browser.get(f"{results}.csv").text
    shortlist = f"{results}/{kpn.category.slug}/shortlist?lang=en"
    refused = browser.post(shortlist, data={"entries": [other.id]})
    assert refused.status_code == 403 and "another admin takes this decision" in refused.text
    assert db.session.scalar(sa.select(sa.func.count(Nomination.id))) == 0
    other_admin = as_user(make_user(admin=True))
    assert other_admin.post(shortlist, data={"entries": [other.id]}).status_code == 302
