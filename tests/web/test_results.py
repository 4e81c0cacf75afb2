"""The leaderboard, shortlist and ratification pages: who may see them, what they show, and
the rules for shortlisting and ratifying (timing, size, quorum, nominee, frozen after)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
import sqlalchemy as sa
from flask import g
from flask_babel import refresh

from awards import scoring
from awards.models import Conflict, JuryMember, Nomination, Ratification, Scorecard
from awards.scoring import METHODS
from awards.services.results import leaderboard, load_board_data
from core.audit.models import AuditEntry
from core.extensions import db
from tests.factories import make_scorecard

SCORING = datetime(2025, 4, 10, 9, 0, tzinfo=UTC)
DELIBERATION = datetime(2025, 5, 10, 9, 0, tzinfo=UTC)  # scoring closed, not yet published
PUBLISH = datetime(2025, 6, 12, 16, 0, tzinfo=UTC)


def add_card(member, entry, values, *, status="submitted", clock_at=SCORING):
    """A scorecard with `values` for the programme's criteria, in order."""
    card = make_scorecard(member, entry, tuple(values), status=status, at=clock_at)
    db.session.commit()
    return card


@pytest.fixture
def board(app, clock, make_programme, make_entry, make_juror, make_user):
    """Quorum 2, trim 1. Hand-checkable totals (all four criteria get the same value):

    A: 9, 8, 1 -> mean 6.00, median 8.00, trimmed 8.00
    B: 7, 7, 7 -> 7.00 for every method
    C: one scorecard (plus a draft one) -> insufficient, unranked
    F: one counted scorecard; a second by a juror with a pending conflict does not count
    W (withdrawn) and I (ineligible) have scorecards but never appear.
    """
    clock.set(SCORING)
    programme = make_programme(quorum=2, trim=1)
    cat = programme.categories[0]
    chair = make_juror(programme, role="chair", affiliation="KPN")
    j = [chair, make_juror(programme), make_juror(programme)]
    entries = {
        ref: make_entry(programme, category=cat, ref=ref, organisation=f"Org {ref}", status=s)
        for ref, s in (
            ("A", "eligible"),
            ("B", "eligible"),
            ("C", "eligible"),
            ("F", "eligible"),
            ("W", "withdrawn"),
            ("I", "ineligible"),
        )
    }
    for member, value in zip(j, (9, 8, 1), strict=True):
        add_card(member, entries["A"], [value] * 4)
    for member in j:
        add_card(member, entries["B"], [7] * 4)
    add_card(j[0], entries["C"], [5] * 4)
    add_card(j[1], entries["C"], [10] * 4, status="draft")
    add_card(j[0], entries["F"], [6] * 4)
    add_card(j[1], entries["F"], [10] * 4)
    db.session.add(
        Conflict(jury_member=j[1], entry=entries["F"], source="declared", created_at=SCORING)
    )
    db.session.commit()
    for ref in ("W", "I"):
        add_card(j[0], entries[ref], [10] * 4)
        add_card(j[1], entries[ref], [10] * 4)
    clock.set(DELIBERATION)  # the chair sees results once scoring has closed
    return programme, cat, j, entries


class Browser:
    """A test client as one user. The tests' app context is shared by every request, so
    Flask-Login's cached user in `g` is dropped before each request (else the first
    request's user would stick)."""

    def __init__(self, client):
        self.client = client

    def get(self, *args, **kwargs):
        g.pop("_login_user", None)
        refresh()  # nor the locale Flask-Babel cached
        return self.client.get(*args, **kwargs)

    def post(self, *args, **kwargs):
        g.pop("_login_user", None)
        refresh()  # nor the locale Flask-Babel cached
        return self.client.post(*args, **kwargs)


@pytest.fixture
def as_user(app, login):
    """as_user(user) -> a Browser signed in as `user`; as_user(None) -> anonymous."""

    def _as(user):
        client = app.test_client()
        return Browser(login(user, client) if user is not None else client)

    return _as


def url(programme, suffix="", **args):
    query = "&".join(f"{k}={v}" for k, v in {"lang": "en", **args}.items())
    return f"/admin/awards/{programme.slug}/results{suffix}?{query}"


def post_url(programme, category, action):
    return f"/admin/awards/{programme.slug}/results/{category.slug}/{action}?lang=en"


def cells(html: str, ref: str) -> dict[tuple[str, str], str]:
    row = re.search(rf'<tr data-ref="{ref}".*?</tr>', html, re.S)
    assert row, f"no row for {ref}"
    found = re.findall(r'data-method="(\w+)" data-kind="(\w+)">\s*([^<]*?)\s*<', row.group(0))
    return {(m, k): v for m, k, v in found}


# --- access -------------------------------------------------------------------------------


def test_admin_and_chair_see_the_leaderboard(board, as_user, make_user):
    programme, *_ = board
    chair = board[2][0]
    assert as_user(chair.user).get(url(programme)).status_code == 200
    admin = make_user(admin=True)
    assert as_user(admin).get(url(programme)).status_code == 200


def test_member_gets_403_and_anonymous_goes_to_log_in(board, as_user, app):
    programme, _cat, jurors, _ = board
    assert "/login" in as_user(None).get(url(programme)).location
    member = as_user(jurors[1].user)
    assert member.get(url(programme)).status_code == 403
    assert member.get(url(programme, ".csv")).status_code == 403


def test_chair_without_accepted_terms_or_of_another_programme_gets_403(
    board, as_user, make_programme, make_juror
):
    programme, *_ = board
    other = make_programme()
    other_chair = make_juror(other, role="chair")
    assert as_user(other_chair.user).get(url(programme)).status_code == 403
    assert as_user(other_chair.user).get(url(other)).status_code == 200
    lazy_chair = make_juror(make_programme(), role="chair", accepted=False)
    client = as_user(lazy_chair.user)
    assert client.get(url(lazy_chair.programme)).status_code == 403


def test_unknown_programme_category_method_or_trim(board, as_user):
    programme, _cat, jurors, _ = board
    client = as_user(jurors[0].user)
    assert client.get("/admin/awards/nope/results").status_code == 404
    assert client.get(url(programme, category="nope")).status_code == 404
    assert client.get(url(programme, method="vibes")).status_code == 400
    assert client.get(url(programme, trim="-1")).status_code == 400
    assert client.get(url(programme, trim="x")).status_code == 400


# --- what the leaderboard shows -----------------------------------------------------------


def test_methods_side_by_side_on_hand_checkable_data(board, as_user):
    programme, _cat, jurors, _ = board
    html = as_user(jurors[0].user).get(url(programme)).get_data(as_text=True)
    a, b = cells(html, "A"), cells(html, "B")
    assert (a["mean", "total"], a["median", "total"], a["trimmed", "total"]) == (
        "6.00",
        "8.00",
        "8.00",
    )
    assert (b["mean", "total"], b["median", "total"], b["trimmed", "total"]) == ("7.00",) * 3
    assert (a["mean", "rank"], b["mean", "rank"]) == ("2", "1")
    assert (a["median", "rank"], b["median", "rank"]) == ("1", "2")
    # z-score over the programme (juror 1 scored A 9, B 7, C 5, F 6; juror 2 A 8, B 7;
    # juror 3 A 1, B 7): A beats B for jurors 1 and 2, so A ranks first.
    assert (a["zscore", "rank"], b["zscore", "rank"]) == ("1", "2")
    # disagreement: population sd of 9, 8, 1 (mean 6) = sqrt((9 + 4 + 25) / 3) = 3.56; B: 0.00
    assert (a["all", "disagreement"], b["all", "disagreement"]) == ("3.56", "0.00")
    # the chosen (default: mean) method's per-criterion aggregates
    assert a["mean", "impact"] == "6.00"


def test_chosen_method_drives_order_and_criteria(board, as_user):
    programme, _cat, jurors, _ = board
    html = as_user(jurors[0].user).get(url(programme, method="median")).get_data(as_text=True)
    assert html.index('data-ref="A"') < html.index('data-ref="B"')
    assert cells(html, "A")["median", "impact"] == "8.00"


def test_insufficient_entries_are_marked_and_unranked(board, as_user):
    programme, _cat, jurors, _ = board
    html = as_user(jurors[0].user).get(url(programme)).get_data(as_text=True)
    c = cells(html, "C")
    assert c["mean", "rank"] == "–" and c["all", "scorecards"].startswith("1 / 2")
    assert "insufficient: not ranked" in html
    # ranked entries come first
    assert html.index('data-ref="B"') < html.index('data-ref="C"')


def test_draft_scorecards_and_barred_jurors_do_not_count(board):
    programme, cat, _jurors, _entries = board
    results = {r.entry.ref: r for r in leaderboard(programme, cat)}
    assert results["C"].scorecards == 1  # the draft is ignored
    assert results["F"].scorecards == 1 and results["F"].total == 6  # barred juror ignored
    conflict = db.session.scalar(sa.select(Conflict))
    conflict.status = "dismissed"
    db.session.commit()
    results = {r.entry.ref: r for r in leaderboard(programme, cat)}
    assert results["F"].scorecards == 2 and results["F"].total == 8


def test_zscore_standardises_each_juror_over_the_whole_programme(
    app, clock, make_programme, make_entry, make_juror
):
    clock.set(SCORING)
    programme = make_programme()
    transformation, innovation = programme.categories
    juror = make_juror(programme)
    a = make_entry(programme, category=transformation, ref="A")
    n = make_entry(programme, category=innovation, ref="N")
    add_card(juror, a, [5] * 4)
    add_card(juror, n, [9] * 4)
    # over the programme the juror gave 5 and 9: mean 7, sd 2, so A's 5 is z = -1 and maps
    # to mid 5.5 + (-1) * (10 - 1) / 6 = 4.00 (with only the category's card it would be 5.50)
    (result,) = leaderboard(programme, transformation, method="zscore")
    assert result.total == Decimal("4.00")


def test_withdrawn_and_ineligible_entries_never_appear(board, as_user):
    programme, cat, jurors, _ = board
    assert {r.entry.ref for r in leaderboard(programme, cat)} == {"A", "B", "C", "F"}
    html = as_user(jurors[0].user).get(url(programme)).get_data(as_text=True)
    assert 'data-ref="W"' not in html and 'data-ref="I"' not in html


def test_tie_break_rule_is_shown_where_it_applied(
    app, clock, make_programme, make_entry, make_juror, as_user
):
    clock.set(SCORING)
    programme = make_programme()
    chair = make_juror(programme, role="chair")
    g = make_entry(programme, ref="G")
    h = make_entry(programme, ref="H")
    add_card(chair, g, [8, 6, 7, 7])  # total 7.00, impact 8
    add_card(chair, h, [7, 7, 7, 7])  # total 7.00, impact 7
    clock.set(DELIBERATION)
    html = as_user(chair.user).get(url(programme)).get_data(as_text=True)
    assert cells(html, "G")["mean", "tie_break"] == ""
    assert cells(html, "H")["mean", "tie_break"] == "higher score on Impact"


def test_the_page_needs_a_fixed_number_of_queries(board, as_user, make_entry, make_juror):
    programme, cat, jurors, _e = board
    browser = as_user(jurors[0].user)

    def queries() -> int:
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        sa.event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert browser.get(url(programme)).status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    before = queries()
    extra = [make_juror(programme) for _ in range(3)]
    for n in range(4):
        entry = make_entry(programme, category=cat, ref=f"X{n}")
        for member in extra:
            add_card(member, entry, [n + 3] * 4)
    assert queries() == before


def _pure_totals(programme, category) -> dict[str, dict[str, str]]:
    """ref -> method -> total as `awards.scoring` computes it from a fresh load of the whole
    programme (the z-scores over every counted scorecard): no cache of the page involved."""
    whole = load_board_data(programme)
    refs = [e.ref for e in whole.entries.get(category.id, [])]
    out: dict[str, dict[str, str]] = {ref: {} for ref in refs}
    for method in METHODS:
        for r in scoring.aggregate(
            whole.scoring_criteria,
            whole.cards.get(category.id, []),
            refs,
            method=method,
            trim=programme.trim,
            quorum=programme.quorum,
            zscore_population=whole.population,
        ):
            out[str(r.entry)][method] = "–" if r.total is None else str(r.total)
    return out


def test_every_write_that_counts_shows_on_the_page_asked_again(board, as_user, make_user):
    """The page remembers its boards per process keyed on their whole input
    (`results._aggregate_all`) and asks the rounds, memberships and conflicts once per
    request (`session_memo`): a late conflict ruling, a reopened scorecard, a score edited,
    a juror removed and an entry withdrawn each show on the next request, under every
    method, as the pure reference computes them."""
    programme, cat, jurors, entries = board
    browser = as_user(make_user(admin=True))

    def shown() -> dict[str, dict[str, str]]:
        html = browser.get(url(programme)).get_data(as_text=True)
        refs = re.findall(r'<tr data-ref="(\w+)"', html)
        figures = {ref: {m: cells(html, ref)[m, "total"] for m in METHODS} for ref in refs}
        assert figures == _pure_totals(programme, cat)
        return figures

    seen = [shown()]
    assert seen[0]["F"]["mean"] == "6.00"
    conflict = db.session.scalar(sa.select(Conflict))
    conflict.status = "dismissed"  # a conflict ruled on late: the barred card counts again
    db.session.commit()
    seen.append(shown())
    assert seen[-1]["F"]["mean"] == "8.00"
    card = db.session.scalar(
        sa.select(Scorecard).where(
            Scorecard.jury_member_id == jurors[1].id, Scorecard.entry_id == entries["A"].id
        )
    )
    card.status = "draft"  # reopened
    db.session.commit()
    seen.append(shown())
    assert seen[-1]["A"]["mean"] == "5.00"
    edited = db.session.scalar(
        sa.select(Scorecard).where(
            Scorecard.jury_member_id == jurors[2].id, Scorecard.entry_id == entries["B"].id
        )
    )
    for score in edited.scores:  # an admin's correction of a submitted card
        score.value = Decimal(1)
    db.session.commit()
    seen.append(shown())
    assert seen[-1]["B"]["mean"] == "5.00"
    db.session.execute(sa.delete(Scorecard).where(Scorecard.jury_member_id == jurors[2].id))
    db.session.execute(sa.delete(JuryMember).where(JuryMember.id == jurors[2].id))
    db.session.commit()  # a juror removed, with their scorecards
    seen.append(shown())
    assert (seen[-1]["A"]["mean"], seen[-1]["B"]["mean"]) == ("9.00", "7.00")
    entries["F"].status = "withdrawn"
    db.session.commit()
    seen.append(shown())
    assert "F" not in seen[-1]
    assert all(before != after for before, after in pairwise(seen))


def test_csv_export_has_every_category(board, as_user):
    programme, _cat, jurors, _ = board
    response = as_user(jurors[0].user).get(url(programme, ".csv", method="median"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = response.get_data().decode("utf-8-sig").splitlines()  # English: "," (test_exports)
    assert lines[0].startswith("category,rank,entry,organisation,title,total,scorecards")
    assert "data-transformation,1,A,Org A" in lines[1]


# --- shortlist ----------------------------------------------------------------------------


def nominated(category):
    return set(
        db.session.scalars(
            sa.select(Nomination.entry_id).where(Nomination.category_id == category.id)
        )
    )


def audits(action):
    return db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    ).all()


def test_shortlist_replaces_nominations_and_is_audited(board, as_user, clock):
    programme, cat, jurors, e = board
    clock.set(DELIBERATION)
    chair = as_user(jurors[0].user)
    response = chair.post(
        post_url(programme, cat, "shortlist"), data={"entries": [e["A"].id, e["B"].id]}
    )
    assert response.status_code == 302
    assert nominated(cat) == {e["A"].id, e["B"].id}
    response = chair.post(post_url(programme, cat, "shortlist"), data={"entries": [e["B"].id]})
    assert response.status_code == 302
    assert nominated(cat) == {e["B"].id}
    logged = audits("results.shortlisted")
    assert [a.data["entries"] for a in logged] == [["A", "B"], ["B"]]
    assert logged[0].actor_id == jurors[0].user_id and logged[0].scope_id == programme.id


def test_admin_may_shortlist_and_member_may_not(board, as_user, clock, make_user):
    programme, cat, jurors, e = board
    clock.set(DELIBERATION)
    member = as_user(jurors[1].user)
    assert (
        member.post(
            post_url(programme, cat, "shortlist"), data={"entries": [e["A"].id]}
        ).status_code
        == 403
    )
    assert nominated(cat) == set()
    admin = as_user(make_user(admin=True))
    assert (
        admin.post(post_url(programme, cat, "shortlist"), data={"entries": [e["A"].id]}).status_code
        == 302
    )
    assert nominated(cat) == {e["A"].id}


@pytest.mark.parametrize(
    ("refs", "message"),
    [
        (["A", "B"], "at most 1 nominees"),  # shortlist_size is set to 1 below
        (["C"], "C is not ranked: it has too few scorecards"),
        (["W"], "Only eligible entries"),
        ([], "at least one nominee"),
    ],
)
def test_shortlist_rules(board, as_user, clock, refs, message):
    programme, cat, jurors, e = board
    cat.shortlist_size = 1
    db.session.commit()
    clock.set(DELIBERATION)
    response = as_user(jurors[0].user).post(
        post_url(programme, cat, "shortlist"), data={"entries": [e[r].id for r in refs]}
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert nominated(cat) == set() and audits("results.shortlisted") == []


@pytest.mark.parametrize(
    ("moment", "code"),
    [
        (datetime(2025, 5, 1, 21, 59, 59, tzinfo=UTC), "scoring closes"),  # scoring still open
        (PUBLISH, "published"),
        (PUBLISH + timedelta(days=30), "published"),
    ],
)
def test_shortlist_only_between_scoring_close_and_publish(
    board, as_user, clock, make_user, moment, code
):
    programme, cat, _jurors, e = board
    clock.set(moment)
    response = as_user(make_user(admin=True)).post(  # an admin may look at any time
        post_url(programme, cat, "shortlist"), data={"entries": [e["A"].id]}
    )
    assert response.status_code == 409
    assert code in response.get_data(as_text=True)
    assert nominated(cat) == set()


def test_leaderboard_hides_the_forms_outside_the_window(board, as_user, clock, make_user):
    programme, _cat, jurors, _e = board
    clock.set(SCORING)
    html = as_user(make_user(admin=True)).get(url(programme)).get_data(as_text=True)
    assert "Save shortlist" not in html and "Scoring closes on" in html
    clock.set(DELIBERATION)
    assert "Save shortlist" in as_user(jurors[0].user).get(url(programme)).get_data(as_text=True)


def test_the_chair_sees_no_results_while_scoring_is_open(board, as_user, clock):
    """During scoring a leaderboard would show single jurors' scores to the chair."""
    programme, cat, jurors, e = board
    clock.set(SCORING)
    chair = as_user(jurors[0].user)
    assert chair.get(url(programme)).status_code == 403
    assert chair.get(url(programme, ".csv")).status_code == 403
    response = chair.post(post_url(programme, cat, "shortlist"), data={"entries": [e["A"].id]})
    assert response.status_code == 403
    assert nominated(cat) == set()
    clock.set(DELIBERATION)
    assert chair.get(url(programme)).status_code == 200


def test_a_conflicted_chair_sees_no_result_of_that_entry_and_leaves_decisions_to_an_admin(
    board, as_user, make_user
):
    programme, cat, jurors, e = board
    chair = jurors[0]
    _uphold_conflict(chair, e["B"])
    browser = as_user(chair.user)
    html = browser.get(url(programme)).get_data(as_text=True)
    assert 'data-ref="B"' not in html and 'data-ref="A"' in html
    assert "Org B" not in browser.get(url(programme, ".csv")).get_data(as_text=True)
    refused = browser.post(post_url(programme, cat, "shortlist"), data={"entries": [e["A"].id]})
    assert refused.status_code == 403
    assert "an admin takes this decision" in refused.get_data(as_text=True)
    assert nominated(cat) == set()
    admin = as_user(make_user(admin=True))
    assert 'data-ref="B"' in admin.get(url(programme)).get_data(as_text=True)
    admin.post(post_url(programme, cat, "shortlist"), data={"entries": [e["A"].id]})
    assert nominated(cat) == {e["A"].id}


# --- ratify -------------------------------------------------------------------------------


def shortlisted(board, clock, *refs):
    programme, cat, jurors, e = board
    clock.set(DELIBERATION)
    for ref in refs:
        db.session.add(Nomination(category_id=cat.id, entry_id=e[ref].id, created_at=DELIBERATION))
    db.session.commit()
    return programme, cat, jurors, e


def test_ratify_records_the_frozen_result(board, as_user, clock):
    programme, cat, jurors, e = shortlisted(board, clock, "A", "B")
    chair = as_user(jurors[0].user)
    response = chair.post(
        post_url(programme, cat, "ratify"),
        data={
            "confirmed": "1",
            "winner": e["A"].id,
            "method": "median",
            "trim": "1",
            "citation_nl": "  Een overtuigende case. ",
            "citation_en": "A convincing case.",
        },
    )
    assert response.status_code == 302
    ratification = db.session.scalar(sa.select(Ratification))
    assert (ratification.winner_entry_id, ratification.method, ratification.trim) == (
        e["A"].id,
        "median",
        1,
    )
    assert ratification.quorum == 2 and ratification.tie_break == ""
    assert ratification.ratified_by_id == jurors[0].user_id
    assert ratification.ratified_at == DELIBERATION
    assert ratification.citation_nl == "Een overtuigende case."
    first = ratification.snapshot[0]
    assert first["entry_id"] == e["A"].id and first["ref"] == "A" and first["rank"] == 1
    assert first["total"] == "8.00" and first["criteria"]["impact"] == "8.00"
    assert first["organisation"] == "Org A" and first["scorecards"] == 3 and first["sufficient"]
    assert [row["ref"] for row in ratification.snapshot] == ["A", "B", "C", "F"]
    assert ratification.snapshot[-1]["rank"] is None
    (audit,) = audits("results.ratified")
    assert audit.data["winner"] == "A" and audit.data["method"] == "median"
    page = chair.get(url(programme)).get_data(as_text=True)
    assert "Ratified" in page and "Save shortlist" not in page


def test_ratifying_asks_first_and_a_conflicted_chair_is_refused_before_the_question(
    board, as_user, clock
):
    """Ratification freezes the category for good: the first POST only asks (naming the
    winner, carrying the citations on), the confirmed one ratifies. A chair with a conflict
    in the category is refused (403) before any question."""
    programme, cat, jurors, e = shortlisted(board, clock, "A", "B")
    chair = as_user(jurors[0].user)
    data = {"winner": e["A"].id, "method": "median", "citation_en": "A convincing case."}
    asked = chair.post(post_url(programme, cat, "ratify"), data=data)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "Ratify Org A as the winner of Data Transformation Award?" in page
    assert 'name="citation_en" value="A convincing case."' in page
    assert 'name="confirmed" value="1"' in page
    assert db.session.scalar(sa.select(Ratification)) is None
    assert audits("results.ratified") == []

    db.session.add(
        Conflict(jury_member=jurors[0], entry=e["B"], source="declared", created_at=SCORING)
    )
    db.session.commit()
    refused = chair.post(post_url(programme, cat, "ratify"), data=data)
    assert refused.status_code == 403
    assert "conflict of interest" in refused.get_data(as_text=True)
    assert "Ratify Org A as the winner" not in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(Ratification)) is None


def test_winner_must_be_a_nominee(board, as_user, clock):
    programme, cat, jurors, e = shortlisted(board, clock, "B")
    response = as_user(jurors[0].user).post(
        post_url(programme, cat, "ratify"), data={"confirmed": "1", "winner": e["A"].id}
    )
    assert response.status_code == 400
    assert "must be on the shortlist" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(Ratification)) is None


def test_member_may_not_ratify(board, as_user, clock):
    programme, cat, jurors, e = shortlisted(board, clock, "A")
    response = as_user(jurors[1].user).post(
        post_url(programme, cat, "ratify"), data={"confirmed": "1", "winner": e["A"].id}
    )
    assert response.status_code == 403
    assert db.session.scalar(sa.select(Ratification)) is None


def test_ratified_category_is_frozen(board, as_user, clock):
    programme, cat, jurors, e = shortlisted(board, clock, "A", "B")
    chair = as_user(jurors[0].user)
    assert (
        chair.post(
            post_url(programme, cat, "ratify"), data={"confirmed": "1", "winner": e["A"].id}
        ).status_code
        == 302
    )
    again = chair.post(
        post_url(programme, cat, "ratify"), data={"confirmed": "1", "winner": e["B"].id}
    )
    assert again.status_code == 409
    shortlist = chair.post(post_url(programme, cat, "shortlist"), data={"entries": [e["F"].id]})
    assert shortlist.status_code == 409
    db.session.expire_all()
    (ratification,) = db.session.scalars(sa.select(Ratification)).all()
    assert ratification.winner_entry_id == e["A"].id
    assert nominated(cat) == {e["A"].id, e["B"].id}
    assert len(audits("results.ratified")) == 1 and audits("results.shortlisted") == []


@pytest.mark.parametrize(
    ("moment", "status"),
    [
        (datetime(2025, 4, 20, tzinfo=UTC), 409),  # during scoring
        (PUBLISH, 409),
        (PUBLISH - timedelta(seconds=1), 302),
    ],
)
def test_ratify_only_between_scoring_close_and_publish(
    board, as_user, clock, make_user, moment, status
):
    programme, cat, _jurors, e = shortlisted(board, clock, "A")
    clock.set(moment)
    response = as_user(make_user(admin=True)).post(
        post_url(programme, cat, "ratify"), data={"confirmed": "1", "winner": e["A"].id}
    )
    assert response.status_code == status
    assert (db.session.scalar(sa.select(Ratification)) is not None) == (status == 302)


def test_ratification_records_the_tie_break_that_decided(
    app, clock, make_programme, make_entry, make_juror, as_user
):
    clock.set(SCORING)
    programme = make_programme()
    chair = make_juror(programme, role="chair")
    g_entry, h_entry = make_entry(programme, ref="G"), make_entry(programme, ref="H")
    add_card(chair, g_entry, [8, 6, 7, 7])
    add_card(chair, h_entry, [7, 7, 7, 7])
    cat = programme.categories[0]
    clock.set(DELIBERATION)
    browser = as_user(chair.user)
    data = {"entries": [g_entry.id, h_entry.id]}
    assert browser.post(post_url(programme, cat, "shortlist"), data=data).status_code == 302
    assert (
        browser.post(
            post_url(programme, cat, "ratify"), data={"confirmed": "1", "winner": g_entry.id}
        ).status_code
        == 302
    )
    assert db.session.scalar(sa.select(Ratification)).tie_break == "criterion:impact"


def test_a_nominee_below_quorum_cannot_be_ratified(board, as_user, clock):
    programme, cat, jurors, e = shortlisted(board, clock, "A")
    query = sa.select(Scorecard).where(Scorecard.entry_id == e["A"].id)
    for card in db.session.scalars(query).all()[:2]:
        card.status = "draft"  # reopened by the chair
    db.session.commit()
    response = as_user(jurors[0].user).post(
        post_url(programme, cat, "ratify"), data={"confirmed": "1", "winner": e["A"].id}
    )
    assert response.status_code == 400
    assert "A is not ranked" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(Ratification)) is None


def test_tampered_forms_are_refused_with_a_message(board, as_user, clock):
    programme, cat, jurors, _e = shortlisted(board, clock, "A")
    chair = as_user(jurors[0].user)
    response = chair.post(post_url(programme, cat, "shortlist"), data={"entries": ["abc"]})
    assert response.status_code == 400
    assert "The shortlist could not be read" in response.get_data(as_text=True)
    response = chair.post(
        post_url(programme, cat, "ratify"), data={"confirmed": "1", "winner": "x"}
    )
    assert response.status_code == 400
    assert "Choose the winner among the nominees" in response.get_data(as_text=True)
    response = chair.post(
        post_url(programme, cat, "ratify"), data={"confirmed": "1", "winner": 1, "method": "vibes"}
    )
    assert response.status_code == 400
    assert db.session.scalar(sa.select(Ratification)) is None
    assert chair.post(post_url(programme, cat, "nope"), data={}).status_code == 404


def test_a_programme_without_categories(app, make_programme, make_user, as_user):
    programme = make_programme()
    for category in programme.categories:
        db.session.delete(category)
    db.session.commit()
    response = as_user(make_user(admin=True)).get(url(programme))
    assert response.status_code == 200
    assert "This programme has no categories yet." in response.get_data(as_text=True)


def test_the_results_service_leaves_a_chairs_conflicted_entries_out(board, make_user):
    from awards.services.results import visible_board

    programme, cat, jurors, e = board
    chair = jurors[0]
    _uphold_conflict(chair, e["B"])
    rows, hidden = visible_board(programme, cat, chair.user, now=DELIBERATION)
    refs = [row.entry.ref for row in rows]
    assert "B" not in refs and "A" in refs and hidden == 1
    rows, hidden = visible_board(programme, cat, make_user(admin=True), now=DELIBERATION)
    assert "B" in [row.entry.ref for row in rows] and hidden == 0


def test_a_concurrent_ratification_of_the_category_is_refused_as_ratified(
    board, as_user, clock, monkeypatch, make_user
):
    from awards.services import ratification as decisions

    programme, cat, jurors, e = shortlisted(board, clock, "A", "B")
    other = make_user(admin=True)
    db.session.add(
        Ratification(
            category_id=cat.id, winner_entry_id=e["B"].id, method="mean", trim=1, quorum=2,
            snapshot=[], ratified_at=DELIBERATION, ratified_by_id=other.id,
        )
    )  # fmt: skip
    db.session.commit()
    # the race: the other ratification committed after this request's check
    monkeypatch.setattr(decisions, "ratification_of", lambda category: None)
    chair = as_user(jurors[0].user)
    response = chair.post(
        post_url(programme, cat, "ratify"), data={"confirmed": "1", "winner": e["A"].id}
    )
    assert response.status_code == 409
    db.session.expire_all()
    assert [r.winner_entry_id for r in db.session.scalars(sa.select(Ratification))] == [e["B"].id]


def _uphold_conflict(member, entry) -> None:
    """`member` declared a conflict with `entry` and it was upheld."""
    db.session.add(
        Conflict(
            jury_member=member, entry=entry, source="declared", status="upheld",
            created_at=DELIBERATION,
        )
    )  # fmt: skip
    db.session.commit()
