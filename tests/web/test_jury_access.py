"""What a juror may see and change through the test client: terms first, own jury only,
barred entries invisible, the scoring window, the scale, locking, blind scoring, own order."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from awards.models import Conflict, Score, Scorecard
from core.extensions import db

SCORING = datetime(2025, 4, 10, 9, 0, tzinfo=UTC)
PDF_KEY = "k" * 32


def english(c):
    with c.session_transaction() as session:
        session["lang"] = "en"
    return c


def url(entry, suffix=""):
    return f"/jury/{entry.programme.slug}/entries/{entry.id}{suffix}"


def form(programme, *vals, button="save"):
    data = {f"score_{c.id}": v for c, v in zip(programme.criteria, vals, strict=False)}
    data[button] = "x"
    return data


def snapshot():
    """Everything a refused request must leave untouched."""
    cards = db.session.execute(
        sa.select(Scorecard.id, Scorecard.status, Scorecard.comment).order_by(Scorecard.id)
    ).all()
    scores = db.session.execute(sa.select(Score.id, Score.value).order_by(Score.id)).all()
    conflicts = db.session.execute(sa.select(Conflict.id, Conflict.status)).all()
    return cards, scores, conflicts


@pytest.fixture
def world(app, clock, make_programme, make_entry, make_juror, make_user):
    clock.set(SCORING)
    programme = make_programme()
    entry = make_entry(programme, organisation="Odido", title="Odido case")
    member = make_juror(programme)
    return programme, entry, member


def as_juror(app, login, member):
    return english(login(member.user, app.test_client()))


def test_anonymous_is_sent_to_log_in(client, world):
    _programme, entry, _member = world
    assert "/login" in client.get(url(entry)).location
    assert "/login" in client.get("/jury").location


def test_user_not_on_the_jury_gets_403(app, login, make_user, world):
    programme, entry, _member = world
    outsider = english(login(make_user(), app.test_client()))
    before = snapshot()
    for path in (f"/jury/{programme.slug}/terms", f"/jury/{programme.slug}/entries", url(entry)):
        assert outsider.get(path).status_code == 403
    assert outsider.post(url(entry), data=form(programme, "5")).status_code == 403
    assert outsider.post(url(entry, "/conflict"), data={"reason": "x"}).status_code == 403
    assert snapshot() == before


def test_juror_of_another_programme_gets_403_and_unknown_entry_404(
    app, login, make_programme, make_juror, make_entry, world
):
    programme, entry, member = world
    elsewhere = make_juror(make_programme())
    other = as_juror(app, login, elsewhere)
    assert other.get(url(entry)).status_code == 403
    c = as_juror(app, login, member)
    foreign = make_entry(make_programme())
    assert c.get(f"/jury/{programme.slug}/entries/{foreign.id}").status_code == 404
    assert c.get(f"/jury/{programme.slug}/entries/999999").status_code == 404
    assert c.get("/jury/no-such-programme/entries").status_code == 404


def test_no_entry_before_the_terms(app, login, make_juror, world):
    programme, entry, _member = world
    new = make_juror(programme, accepted=False)
    c = as_juror(app, login, new)
    assert c.get(url(entry)).location.endswith(f"/jury/{programme.slug}/terms")
    assert c.get(url(entry, "/attachment")).location.endswith("/terms")
    listing = c.get(f"/jury/{programme.slug}/entries", follow_redirects=True)
    assert "Odido case" not in listing.text
    assert "Accept the jury terms first." in listing.text
    before = snapshot()
    assert c.post(url(entry), data=form(programme, "5")).status_code == 403
    assert c.post(url(entry, "/conflict"), data={"reason": "x"}).status_code == 403
    assert snapshot() == before


def test_barred_entry_is_invisible_and_refused(app, login, world):
    programme, entry, member = world
    entry.attachment_key, entry.attachment_name = PDF_KEY, "case.pdf"
    db.session.add(
        Conflict(
            jury_member_id=member.id,
            entry_id=entry.id,
            source="detected",
            status="pending",
            reason="Works at Odido",
            created_at=SCORING,
        )
    )
    db.session.commit()
    c = as_juror(app, login, member)
    assert "Odido case" not in c.get(f"/jury/{programme.slug}/entries").text
    assert c.get(url(entry)).status_code == 404
    assert c.get(url(entry, "/attachment")).status_code == 404
    before = snapshot()
    assert (
        c.post(url(entry), data=form(programme, "5", "5", "5", "5", button="submit")).status_code
        == 404
    )
    assert c.post(url(entry, "/conflict"), data={"reason": "again"}).status_code == 404
    assert snapshot() == before


def test_attachment_is_served_to_a_juror_who_may_see_the_entry(app, login, world):
    from pathlib import Path

    _programme, entry, member = world
    Path(app.config["UPLOAD_DIR"]).mkdir(parents=True, exist_ok=True)
    (Path(app.config["UPLOAD_DIR"]) / PDF_KEY).write_bytes(b"%PDF-1.4 test")
    entry.attachment_key, entry.attachment_name = PDF_KEY, "odido.pdf"
    db.session.commit()
    c = as_juror(app, login, member)
    assert "Download the attachment" in c.get(url(entry)).text
    response = c.get(url(entry, "/attachment"))
    assert response.status_code == 200
    assert response.data == b"%PDF-1.4 test"
    assert response.mimetype == "application/pdf"
    response.close()
    entry.attachment_key = None
    db.session.commit()
    assert c.get(url(entry, "/attachment")).status_code == 404


@pytest.mark.parametrize(
    "at",
    [datetime(2025, 4, 2, 7, 59, tzinfo=UTC), datetime(2025, 5, 1, 22, 0, tzinfo=UTC)],
)
def test_outside_the_scoring_window_nothing_changes(app, login, clock, world, at):
    programme, entry, member = world
    c = as_juror(app, login, member)
    clock.set(at)
    assert "You cannot change your scorecard now." in c.get(url(entry)).text
    response = c.post(url(entry), data=form(programme, "5"))
    assert response.status_code == 400
    assert "Scoring is not open" in response.text
    assert snapshot() == ([], [], [])


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("11", "Choose a score from 1 to 10."),
        ("0", "Choose a score from 1 to 10."),
        ("6.5", "Use steps of 1 from 1."),
        ("lots", "Enter a number."),
    ],
)
def test_bad_scores_get_a_message_per_field_and_save_nothing(app, login, world, value, message):
    programme, entry, member = world
    c = as_juror(app, login, member)
    assert c.post(url(entry), data=form(programme, "5")).status_code == 302
    before = snapshot()
    response = c.post(url(entry), data=form(programme, "8", value, "7", "7", button="submit"))
    assert response.status_code == 400
    assert message in response.text
    assert "nothing was saved" in response.text
    assert snapshot() == before


def test_submit_needs_every_criterion(app, login, world):
    programme, entry, member = world
    c = as_juror(app, login, member)
    response = c.post(url(entry), data=form(programme, "5", "6", "7", button="submit"))
    assert response.status_code == 400
    assert "Score this criterion before submitting." in response.text
    assert snapshot() == ([], [], [])
    assert c.post(url(entry), data=form(programme, "5", "6", "7")).status_code == 302
    assert db.session.scalar(sa.select(Scorecard.status)) == "draft"


def test_blind_scoring(app, login, make_juror, world):
    programme, entry, member = world
    a = as_juror(app, login, member)
    secret = "ZEBRA-COMMENT-9431"
    data = form(programme, "3", "3", "3", "3", button="submit")
    data.update({"comment": secret, f"comment_{programme.criteria[0].id}": secret + "-crit"})
    assert a.post(url(entry), data=data).status_code == 302
    assert secret in a.get(url(entry)).text
    for role in ("member", "chair"):
        b = as_juror(app, login, make_juror(programme, role=role))
        for path in (url(entry), f"/jury/{programme.slug}/entries", "/jury"):
            page = b.get(path)
            assert page.status_code == 200
            assert secret not in page.text
        assert 'selected value="3"' not in b.get(url(entry)).text
        assert secret not in b.get(f"/admin/awards/{programme.slug}/jury/progress").text


def test_each_juror_has_their_own_stable_order(app, login, make_entry, make_juror, world):
    programme, _entry, member = world
    for n in range(10):
        make_entry(programme, title=f"Case number {n}")

    def order(c):
        text = c.get(f"/jury/{programme.slug}/entries").text
        return re.findall(rf"/jury/{programme.slug}/entries/(\d+)", text)

    a = as_juror(app, login, member)
    b = as_juror(app, login, make_juror(programme))
    first = order(a)
    assert len(first) == 11
    assert order(a) == first
    assert order(b) != first
    assert sorted(order(b)) == sorted(first)
