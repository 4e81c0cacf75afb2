"""The deliberation page (chair and admins, once scoring has closed): every counted juror's
scores and comments per entry, the spread marked where it is large, the entries whose rank
the methods disagree on; the chair's choice of comments for the entrant (audited, refused
when not theirs); what the entrant reads after publication; comments in the results export."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import g
from flask_babel import refresh

from awards.models import Advancement, Conflict, Round, Score, Scorecard
from core.audit.models import AuditEntry
from core.extensions import db
from tests.factories import make_scorecard

SCORING = datetime(2025, 4, 10, 9, 0, tzinfo=UTC)
DELIBERATION = datetime(2025, 5, 10, 9, 0, tzinfo=UTC)  # scoring closed, not yet published
PUBLISH = datetime(2025, 6, 12, 16, 0, tzinfo=UTC)


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
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        return Browser(login(user, client) if user is not None else client)

    return _as


@pytest.fixture
def panel(app, clock, make_programme, make_entry, make_juror, make_user):
    """Quorum 3, trim 1; jurors Anna, Bart and the chair Cees score A, B and C:

    A: 9, 8, 1 on every criterion -> mean 6, median 8: the methods disagree (B 7, 7, 7 is
       first by the mean, second by the median); spread 8 (large), SD 3.56.
    B: 7, 7, 7 -> spread 0.
    C: impact 5, 5, 8 (spread 3: large, 30% of 9 is 2.7), innovation 5, 5, 7 (spread 2: not
       large), the rest 5 -> third under every method.
    Comments on A: Anna's overall and on impact, Bart's overall; Cees's on B.
    """
    clock.set(SCORING)
    programme = make_programme(quorum=3, trim=1)
    category = programme.categories[0]
    owner = make_user("owner@example.org", name="Olga Owner")
    anna = make_juror(programme, make_user("anna@example.org", name="Anna Jurylid"))
    bart = make_juror(programme, make_user("bart@example.org", name="Bart Jurylid"))
    cees = make_juror(
        programme, make_user("cees@example.org", name="Cees Voorzitter"), role="chair"
    )
    a = make_entry(programme, category=category, ref="A", organisation="Org A", owner=owner)
    b = make_entry(programme, category=category, ref="B", organisation="Org B")
    c = make_entry(programme, category=category, ref="C", organisation="Org C")
    cards = {
        ("anna", "A"): make_scorecard(anna, a, 9, comment="ANNA-ON-A: strong but thin."),
        ("bart", "A"): make_scorecard(bart, a, 8, comment="BART-ON-A: fine results."),
        ("cees", "A"): make_scorecard(cees, a, 1),
        ("cees", "B"): make_scorecard(cees, b, 7, comment="CEES-ON-B: solid."),
    }
    make_scorecard(anna, b, 7)
    make_scorecard(bart, b, 7)
    make_scorecard(anna, c, (5, 5, 5, 5))
    make_scorecard(bart, c, (5, 5, 5, 5))
    make_scorecard(cees, c, (8, 7, 5, 5))
    impact = next(s for s in cards[("anna", "A")].scores if s.criterion.key == "impact")
    impact.comment = "ANNA-IMPACT-ON-A: convincing impact."
    admin = make_user("admin@example.org", name="Ada Admin", admin=True)
    db.session.commit()
    clock.set(DELIBERATION)
    return {
        "programme": programme,
        "category": category,
        "entries": {"A": a, "B": b, "C": c},
        "jurors": {"anna": anna, "bart": bart, "cees": cees},
        "cards": cards,
        "impact": impact,
        "admin": admin,
        "owner": owner,
    }


def page_url(programme, **args):
    query = "&".join(f"{k}={v}" for k, v in {"lang": "en", **args}.items())
    return f"/admin/awards/{programme.slug}/deliberation?{query}"


def feedback_url(programme, entry):
    return f"/admin/awards/{programme.slug}/deliberation/entries/{entry.id}/feedback?lang=en"


def section(html: str, ref: str) -> str:
    found = re.search(
        rf'<section class="card" id="entry-\d+" data-ref="{ref}".*?</section>', html, re.S
    )
    assert found, f"no section for {ref}"
    return found.group(0)


def row(html: str, marker: str) -> str:
    found = re.search(rf"<tr {marker}>.*?</tr>", html, re.S)
    assert found, marker
    return found.group(0)


def cell(row_html: str, kind: str) -> str:
    found = re.search(rf'<td class="num" data-kind="{kind}">(.*?)</td>', row_html, re.S)
    assert found, kind
    return found.group(1)


def test_the_chair_reads_every_jurors_scores_comments_spread_and_disagreement(panel, as_user):
    programme = panel["programme"]
    response = as_user(panel["jurors"]["cees"].user).get(page_url(programme))
    assert response.status_code == 200
    html = response.get_data(as_text=True)

    a = section(html, "A")
    for name in ("Anna Jurylid", "Bart Jurylid", "Cees Voorzitter"):
        assert f'data-juror="{name}"' in a
    assert cell(row(a, 'data-juror="Anna Jurylid"'), "impact") == "9"
    assert cell(row(a, 'data-juror="Cees Voorzitter"'), "total") == "1.00"
    for comment in ("ANNA-ON-A", "BART-ON-A", "ANNA-IMPACT-ON-A"):
        assert comment in a
    spread = row(a, 'data-row="spread"')
    assert "data-large-spread" in cell(spread, "impact") and "8" in cell(spread, "impact")
    assert "data-large-spread" in cell(spread, "total")
    assert cell(row(a, 'data-row="sd"'), "impact") == "3.56"
    assert "data-rank-disagreement" in a
    assert '<strong data-method="mean">2</strong>' in a
    assert '<strong data-method="median">1</strong>' in a

    b = section(html, "B")
    assert "data-rank-disagreement" in b  # first by the mean, second by the median
    assert "data-large-spread" not in b
    assert "CEES-ON-B" in b and "CEES-ON-B" not in a

    c = section(html, "C")
    assert "data-rank-disagreement" not in c
    c_spread = row(c, 'data-row="spread"')
    assert "data-large-spread" in cell(c_spread, "impact")  # 3 apart: 30% of 9 is 2.7
    assert "data-large-spread" not in cell(c_spread, "innovation")  # 2 apart
    assert cell(c_spread, "innovation") == "2"
    assert "data-large-spread" not in cell(c_spread, "total")
    assert "The jurors left no comments." in c


def test_an_admin_reads_it_too_and_the_leaderboard_links_to_it(panel, as_user):
    programme = panel["programme"]
    admin = as_user(panel["admin"])
    response = admin.get(page_url(programme))
    assert response.status_code == 200
    assert "ANNA-ON-A" in response.get_data(as_text=True)
    board = admin.get(f"/admin/awards/{programme.slug}/results?lang=en").get_data(as_text=True)
    assert f'href="/admin/awards/{programme.slug}/deliberation?category=' in board


def test_nobody_deliberates_before_scoring_has_closed(panel, as_user, clock):
    programme = panel["programme"]
    clock.set(SCORING)
    for user in (panel["admin"], panel["jurors"]["cees"].user):
        response = as_user(user).get(page_url(programme))
        assert response.status_code == 403
        assert "ANNA-ON-A" not in response.get_data(as_text=True)
    board = as_user(panel["admin"]).get(f"/admin/awards/{programme.slug}/results?lang=en")
    assert "/deliberation" not in board.get_data(as_text=True)  # no link to a refused page


def test_jurors_entrants_and_strangers_never_see_it(panel, as_user):
    programme = panel["programme"]
    for user in (panel["jurors"]["anna"].user, panel["owner"]):
        response = as_user(user).get(page_url(programme))
        assert response.status_code == 403
        assert "BART-ON-A" not in response.get_data(as_text=True)
    anonymous = as_user(None).get(page_url(programme))
    assert anonymous.status_code == 302 and "/login" in anonymous.location


def test_unknown_category_and_round_below_one_are_not_found(panel, as_user):
    chair = as_user(panel["jurors"]["cees"].user)
    programme = panel["programme"]
    assert chair.get(page_url(programme, category="nope")).status_code == 404
    assert chair.get(page_url(programme, round="0")).status_code == 404


def test_a_conflicted_chair_does_not_see_the_barred_entry(panel, as_user, make_entry, make_user):
    programme, jurors = panel["programme"], panel["jurors"]
    barred = make_entry(programme, category=panel["category"], ref="XBARRED",
                        organisation="BARRED-ORG", title="BARRED-TITLE")  # fmt: skip
    make_scorecard(jurors["anna"], barred, 6, comment="ANNA-ON-BARRED")
    make_scorecard(jurors["bart"], barred, 4, comment="BART-ON-BARRED")
    db.session.add(Conflict(jury_member_id=jurors["cees"].id, entry_id=barred.id,
                            source="declared", status="upheld", reason="Former employer",
                            created_at=SCORING))  # fmt: skip
    db.session.commit()
    chair = as_user(jurors["cees"].user)
    html = chair.get(page_url(programme)).get_data(as_text=True)
    for secret in ("XBARRED", "BARRED-ORG", "BARRED-TITLE", "ANNA-ON-BARRED", "BART-ON-BARRED",
                   f"/entries/{barred.id}/feedback"):  # fmt: skip
        assert secret not in html, secret
    assert "not shown (1)" in html
    assert "ANNA-ON-A" in html  # the rest as before

    # nor in the export, nor may they choose its feedback
    export = chair.get(f"/admin/awards/{programme.slug}/results.csv?lang=en")
    assert "ANNA-ON-BARRED" not in export.get_data(as_text=True)
    card = db.session.scalar(sa.select(Scorecard).where(Scorecard.comment == "ANNA-ON-BARRED"))
    response = chair.post(feedback_url(programme, barred),
                          data={f"entry-{barred.id}-cards": str(card.id),
                                f"entry-{barred.id}-round_no": "1"})  # fmt: skip
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Scorecard, card.id).feedback_shared is False

    admin_html = as_user(panel["admin"]).get(page_url(programme)).get_data(as_text=True)
    assert "ANNA-ON-BARRED" in admin_html


def test_scorecards_of_another_round_stay_on_their_own_round(panel, as_user):
    programme, jurors = panel["programme"], panel["jurors"]
    middle = (
        programme.scoring_open_at + (programme.scoring_close_at - programme.scoring_open_at) / 2
    )
    for position, (start, end) in enumerate(
        [(programme.scoring_open_at, middle), (middle, programme.scoring_close_at)], start=1
    ):
        db.session.add(Round(programme_id=programme.id, position=position, name_nl=f"Ronde {position}",
                             name_en=f"Round {position}", scoring_open_at=start,
                             scoring_close_at=end, quorum=programme.quorum,
                             created_at=SCORING))  # fmt: skip
    card = Scorecard(jury_member=jurors["anna"], entry=panel["entries"]["C"], round_no=2,
                     status="submitted", comment="ROUND-TWO-NOTE", updated_at=SCORING,
                     submitted_at=SCORING)  # fmt: skip
    card.scores = [Score(criterion=c, value=2) for c in programme.criteria]
    db.session.add(card)
    db.session.commit()
    chair = as_user(jurors["cees"].user)
    html = chair.get(page_url(programme)).get_data(as_text=True)
    assert "ROUND-TWO-NOTE" not in html
    # round 2 holds the entries advanced into it, with the round's scorecards only
    db.session.add(Advancement(entry_id=panel["entries"]["C"].id, round_no=2,
                               advanced_by_id=jurors["cees"].user.id, created_at=SCORING))  # fmt: skip
    db.session.commit()
    second = chair.get(page_url(programme, round="2")).get_data(as_text=True)
    assert "ROUND-TWO-NOTE" in section(second, "C")
    assert 'data-ref="A"' not in second and "ANNA-ON-A" not in second
    assert 'data-juror="Bart Jurylid"' not in section(second, "C")


def share(browser, panel, entry_key, *, cards=(), scores=(), round_no="1"):
    entry = panel["entries"][entry_key]
    prefix = f"entry-{entry.id}"
    data = {f"{prefix}-round_no": round_no}
    data[f"{prefix}-cards"] = [str(i) for i in cards]
    data[f"{prefix}-scores"] = [str(i) for i in scores]
    return browser.post(feedback_url(panel["programme"], entry), data=data)


def flags():
    db.session.expire_all()
    return (
        {
            c.comment
            for c in db.session.scalars(sa.select(Scorecard).where(Scorecard.feedback_shared))
        },
        {s.comment for s in db.session.scalars(sa.select(Score).where(Score.feedback_shared))},
    )


def test_the_chair_shares_chosen_comments_audited(panel, as_user):
    chair = as_user(panel["jurors"]["cees"].user)
    cards = panel["cards"]
    response = share(chair, panel, "A", cards=[cards[("anna", "A")].id],
                     scores=[panel["impact"].id])  # fmt: skip
    assert response.status_code == 302
    assert flags() == ({"ANNA-ON-A: strong but thin."}, {"ANNA-IMPACT-ON-A: convincing impact."})
    [entry] = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "scorecard.feedback_shared")
    )
    assert entry.data["entry_id"] == panel["entries"]["A"].id and entry.data["count"] == 2
    assert entry.actor_id == panel["jurors"]["cees"].user.id
    page = chair.get(page_url(panel["programme"])).get_data(as_text=True)
    a = section(page, "A")
    assert re.search(
        rf'value="{cards[("anna", "A")].id}" checked|checked[^>]*value="{cards[("anna", "A")].id}"',
        a,
    )

    # the next choice replaces it: Bart's instead of Anna's
    share(chair, panel, "A", cards=[cards[("bart", "A")].id])
    assert flags() == ({"BART-ON-A: fine results."}, set())


def test_sharing_is_refused_for_other_comments_before_the_close_and_for_jurors(
    panel, as_user, clock
):
    chair = as_user(panel["jurors"]["cees"].user)
    cards = panel["cards"]
    # a comment of another entry, a scorecard without a comment: 400, nothing changes
    for chosen in ([cards[("cees", "B")].id], [cards[("cees", "A")].id], [999999]):
        response = share(chair, panel, "A", cards=chosen)
        assert response.status_code == 400, chosen
        assert "Choose among the comments of this entry." in response.get_data(as_text=True)
    assert share(chair, panel, "A", cards=["x"]).status_code == 400
    assert share(chair, panel, "A", round_no="99999999999999").status_code == 400
    assert flags() == (set(), set())
    juror = as_user(panel["jurors"]["anna"].user)
    assert share(juror, panel, "A", cards=[cards[("anna", "A")].id]).status_code == 403
    clock.set(SCORING)
    assert share(chair, panel, "A", cards=[cards[("anna", "A")].id]).status_code == 403
    assert (
        share(as_user(panel["admin"]), panel, "A", cards=[cards[("anna", "A")].id]).status_code
        == 403
    )
    assert flags() == (set(), set())
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.action == "scorecard.feedback_shared")) == 0  # fmt: skip


def test_the_entrant_reads_the_shared_comments_only_from_publication_without_names(
    panel, as_user, clock
):
    chair = as_user(panel["jurors"]["cees"].user)
    cards = panel["cards"]
    share(chair, panel, "A", cards=[cards[("anna", "A")].id, cards[("bart", "A")].id],
          scores=[panel["impact"].id])  # fmt: skip
    programme, entry = panel["programme"], panel["entries"]["A"]
    entrant = as_user(panel["owner"])
    path = f"/awards/{programme.slug}/entries/{entry.id}?lang=en"

    clock.set(PUBLISH - timedelta(seconds=1))
    before = entrant.get(path).get_data(as_text=True)
    for text in ("Feedback from the jury", "strong but thin", "fine results", "convincing impact"):
        assert text not in before, text

    clock.set(PUBLISH)
    after = entrant.get(path).get_data(as_text=True)
    assert "Feedback from the jury" in after
    assert "ANNA-ON-A: strong but thin." in after and "BART-ON-A: fine results." in after
    assert "Impact:</strong>" in after and "convincing impact" in after
    for name in ("Anna", "Bart", "Cees", "Jurylid", "Voorzitter"):
        assert name not in after.split("Feedback from the jury", 1)[1], name
    assert "CEES-ON-B" not in after
    # another entry's entrant has none
    other = as_user(panel["entries"]["B"].owner).get(
        f"/awards/{programme.slug}/entries/{panel['entries']['B'].id}?lang=en"
    )
    assert "Feedback from the jury" not in other.get_data(as_text=True)


def test_the_export_holds_the_comments_with_names_once_scoring_has_closed(panel, as_user, clock):
    programme = panel["programme"]
    admin = as_user(panel["admin"])
    text = admin.get(f"/admin/awards/{programme.slug}/results.csv?lang=en").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    by_ref = {r["entry"]: r for r in rows}
    assert list(rows[0])[-1] == "comments"
    assert by_ref["A"]["comments"].splitlines() == [
        "Anna Jurylid: ANNA-ON-A: strong but thin.",
        "Anna Jurylid · impact: ANNA-IMPACT-ON-A: convincing impact.",
        "Bart Jurylid: BART-ON-A: fine results.",
    ]
    assert by_ref["B"]["comments"] == "Cees Voorzitter: CEES-ON-B: solid."
    assert by_ref["C"]["comments"] == ""
    xlsx = admin.get(f"/admin/awards/{programme.slug}/results.xlsx?lang=en")
    assert xlsx.status_code == 200

    clock.set(SCORING)  # an admin reads the live results, but the comments stay sealed
    text = admin.get(f"/admin/awards/{programme.slug}/results.csv?lang=en").get_data(as_text=True)
    assert "comments" not in text.splitlines()[0] and "ANNA-ON-A" not in text


def test_the_page_loads_in_a_fixed_number_of_queries(panel, as_user, make_entry, make_juror):
    """No query per entry, scorecard or juror: three more entries scored by three more jurors
    cost no more queries."""
    programme, jurors = panel["programme"], panel["jurors"]
    chair = as_user(jurors["cees"].user)

    def queries() -> int:
        statements: list[str] = []

        def count(_conn, _cursor, statement, *_args):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert chair.get(page_url(programme)).status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    before = queries()
    more = [make_juror(programme) for _ in range(3)]
    for n in range(3):
        entry = make_entry(programme, category=panel["category"], ref=f"M{n}")
        for member in (*more, jurors["anna"]):
            make_scorecard(member, entry, 6, comment=f"More {n}")
    db.session.commit()
    assert queries() == before


def test_the_command_line_adds_the_comments_when_asked(panel, app, clock):
    programme = panel["programme"]
    runner = app.test_cli_runner()
    plain = runner.invoke(args=["awards", "results", programme.slug, "--format", "json"])
    assert plain.exit_code == 0 and "ANNA-ON-A" not in plain.stdout
    asked = runner.invoke(
        args=["awards", "results", programme.slug, "--format", "json", "--comments"]
    )
    assert asked.exit_code == 0, asked.output
    [a] = [row for row in json.loads(asked.stdout) if row["entry"] == "A"]
    assert a["comments"].startswith("Anna Jurylid: ANNA-ON-A")
    clock.set(SCORING)
    early = runner.invoke(
        args=["awards", "results", programme.slug, "--format", "json", "--comments"]
    )
    assert "comments" not in json.loads(early.stdout)[0]
