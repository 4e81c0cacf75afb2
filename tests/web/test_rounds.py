"""Judging rounds: the admin adds, changes and deletes rounds; the jurors score each round's
entries (round 2: only the advanced ones) with its criteria in its window; the chair advances
entries between rounds (audited, refused when conflicted, too early or too late); each round
has its own leaderboard and quorum, and the final round feeds the shortlist and ratification.
A programme without rounds keeps working as one round (the other jury/results tests)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from awards.models import (
    Advancement,
    Assignment,
    Conflict,
    Criterion,
    Nomination,
    Programme,
    Ratification,
    Round,
    Scorecard,
)
from awards.services import progress, ratification, rounds
from awards.services.loader import ProgrammeFileError
from awards.services.programme_upsert import load_programme
from awards.services.results import leaderboard, load_board_data
from awards.services.rounds import AdvanceClosed, RoundData, RoundInUse
from awards.services.score_import import ScoreImportError, import_scores
from core.audit.models import AuditEntry
from core.errors import InvalidInput, NotAllowed
from core.extensions import db
from demo.services import programme_2025
from tests.factories import fresh, make_scorecard

IN_ROUND_1 = datetime(2025, 4, 10, 9, 0, tzinfo=UTC)
BETWEEN = datetime(2025, 5, 2, 9, 0, tzinfo=UTC)
IN_ROUND_2 = datetime(2025, 5, 10, 9, 0, tzinfo=UTC)
AFTER = datetime(2025, 5, 25, 9, 0, tzinfo=UTC)
FINAL = RoundData(
    "Finale",
    "Final",
    datetime(2025, 5, 3, 8, 0, tzinfo=UTC),
    datetime(2025, 5, 20, 22, 0, tzinfo=UTC),
    quorum=2,
)


def english(c):
    with c.session_transaction() as session:
        session["lang"] = "en"
    return c


def audits(action):
    return db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    ).all()


@pytest.fixture
def season(app, clock, login, make_programme, make_juror, make_user, make_entry):
    """A programme (quorum 1 in its first round) with a final round (quorum 2), three
    entries in its first category and one in the second, a chair and two jurors."""
    clock.set(IN_ROUND_1)
    programme = make_programme(quorum=1)
    rounds.add_round(programme, FINAL, actor=None, now=clock())
    chair = make_juror(programme, make_user("chair@example.org"), role="chair")
    one = make_juror(programme, make_user("one@example.org"))
    two = make_juror(programme, make_user("two@example.org"))
    first, second = programme.categories
    a = make_entry(programme, category=first, ref="A", organisation="Alpha", title="Alpha case")
    b = make_entry(programme, category=first, ref="B", organisation="Beta", title="Beta case")
    c = make_entry(programme, category=first, ref="C", organisation="Gamma", title="Gamma case")
    d = make_entry(programme, category=second, ref="D", organisation="Delta", title="Delta case")

    def client_for(member):
        return english(login(member.user if hasattr(member, "user") else member, app.test_client()))

    return SimpleNamespace(
        programme=programme,
        chair=chair,
        one=one,
        two=two,
        a=a,
        b=b,
        c=c,
        d=d,
        client_for=client_for,
    )


def score_round_1(season):
    one = season.one
    two = season.two
    a = season.a
    b = season.b
    c = season.c
    d = season.d
    at = datetime(2025, 4, 20, 9, 0, tzinfo=UTC)
    for member, values in ((one, (9, 7, 3, 5)), (two, (8, 6, 4, 5))):
        for entry, value in zip((a, b, c, d), values, strict=True):
            make_scorecard(member, entry, value, at=at)


# --- the read model and the admin's set-up ----------------------------------------------------


def test_a_programme_without_rounds_is_one_round_of_its_own_fields(app, make_programme):
    programme = make_programme(quorum=4)
    (only,) = rounds.rounds_of(programme)
    assert (only.position, only.final, only.row, only.quorum, only.assignment) == (
        1,
        True,
        None,
        4,
        "all",
    )
    assert (only.scoring_open_at, only.scoring_close_at) == (
        programme.scoring_open_at,
        programme.scoring_close_at,
    )
    assert db.session.scalar(sa.select(sa.func.count(Round.id))) == 0


def test_adding_a_second_round_writes_round_one_and_keeps_the_programme_the_final_rounds(
    season,
):
    programme = season.programme
    first, final = rounds.rounds_of(programme)
    assert (first.position, first.quorum, first.final, first.row is not None) == (1, 1, False, True)
    assert first.scoring_close_at == datetime(2025, 5, 1, 22, 0, tzinfo=UTC)
    assert (final.position, final.name_en, final.final, final.quorum) == (2, "Final", True, 2)
    assert programme.scoring_open_at == first.scoring_open_at
    assert programme.scoring_close_at == FINAL.scoring_close_at
    assert programme.quorum == 2
    assert [a.data["position"] for a in audits("round.added")] == [2]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"scoring_open_at": datetime(2025, 4, 30, 8, 0, tzinfo=UTC)}, "scoring_open_at"),
        ({"scoring_close_at": datetime(2025, 6, 13, 8, 0, tzinfo=UTC)}, "scoring_close_at"),
        ({"quorum": 0}, "quorum"),
        ({"name_en": " "}, "name_en"),
        ({"assignment": "auto"}, "jurors_per_entry"),
    ],
)
def test_a_round_that_breaks_a_rule_is_refused_and_nothing_changes(
    app, clock, make_programme, change, field
):
    programme = make_programme()
    before = (programme.scoring_open_at, programme.scoring_close_at, programme.quorum)
    data = RoundData(**{**FINAL.__dict__, **change})
    with pytest.raises(InvalidInput) as refused:
        rounds.add_round(programme, data, actor=None, now=clock())
    assert field in refused.value.errors
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Round.id))) == 0
    assert (programme.scoring_open_at, programme.scoring_close_at, programme.quorum) == before


def test_a_round_with_scorecards_or_advancements_cannot_be_deleted(season, clock):
    programme = season.programme
    chair = season.chair
    a = season.a
    clock.set(BETWEEN)
    rounds.advance(programme, programme.categories[0], 2, [a.id], actor=chair.user, now=clock())
    with pytest.raises(RoundInUse):
        rounds.delete_round(programme, 2, actor=None, now=clock())
    rounds.advance(programme, programme.categories[0], 2, [], actor=chair.user, now=clock())
    rounds.delete_round(programme, 2, actor=None, now=clock())
    (only,) = rounds.rounds_of(programme)
    assert only.final and only.position == 1
    assert programme.scoring_close_at == datetime(2025, 5, 1, 22, 0, tzinfo=UTC)
    assert programme.quorum == 1
    assert [a.data["position"] for a in audits("round.deleted")] == [2]


def test_the_admin_adds_edits_and_deletes_a_round_on_the_programme_pages(
    app, clock, login, make_programme, make_user
):
    clock.set(IN_ROUND_1)
    programme = make_programme()
    admin = english(login(make_user("admin@example.org", admin=True), app.test_client()))
    page = admin.get(f"/admin/programmes/{programme.slug}")
    assert f"/admin/programmes/{programme.slug}/rounds" in page.get_data(as_text=True)
    listed = admin.get(f"/admin/programmes/{programme.slug}/rounds").get_data(as_text=True)
    assert "This programme has one round" in listed
    form = {
        "name_nl": "Finale",
        "name_en": "Final",
        "scoring_open_at": "2025-05-03T10:00",
        "scoring_close_at": "2025-05-20T23:00",
        "quorum": "2",
        "assignment": "all",
    }
    bad = admin.post(
        f"/admin/programmes/{programme.slug}/rounds/new",
        data={**form, "scoring_open_at": "2025-04-20T10:00"},
    )
    assert bad.status_code == 400
    assert "A round cannot open before the round before it closes." in bad.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Round.id))) == 0
    added = admin.post(f"/admin/programmes/{programme.slug}/rounds/new", data=form)
    assert added.status_code == 302
    programme = fresh(Programme, programme.id)
    assert [r.name_en for r in rounds.rounds_of(programme)] == ["Scoring", "Final"]
    assert programme.scoring_close_at == datetime(2025, 5, 20, 21, 0, tzinfo=UTC)
    edited = admin.post(
        f"/admin/programmes/{programme.slug}/rounds/2/edit", data={**form, "quorum": "3"}
    )
    assert edited.status_code == 302
    assert fresh(Programme, programme.id).quorum == 3
    url = f"/admin/programmes/{programme.slug}/rounds/2/delete"
    asked = admin.post(url)
    assert asked.status_code == 200 and "Delete round 2: Final?" in asked.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Round.id))) == 2
    assert admin.post(url, data={"confirmed": "1"}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Round.id))) == 1
    assert admin.post(f"/admin/programmes/{programme.slug}/rounds/1/delete").status_code == 404


def test_a_criterion_asked_only_in_the_final_round(season, clock):
    programme = season.programme
    one = season.one
    a = season.a
    client_for = season.client_for
    criterion = programme.criteria[-1]
    criterion.round_no = 2
    db.session.flush()
    assert rounds.round_criteria(programme, 1) == programme.criteria[:-1]
    assert rounds.round_criteria(programme, 2) == programme.criteria
    page = client_for(one).get(f"/jury/{programme.slug}/entries/{a.id}").get_data(as_text=True)
    assert f'name="score_{criterion.id}"' not in page
    assert f'name="score_{programme.criteria[0].id}"' in page
    assert [c.key for c in load_board_data(programme, 1).criteria] == [
        c.key for c in programme.criteria[:-1]
    ]


# --- judging per round ------------------------------------------------------------------------


def test_a_juror_sees_round_two_entries_only_once_advanced_and_scores_a_new_card(season, clock):
    programme = season.programme
    chair = season.chair
    one = season.one
    a = season.a
    b = season.b
    client_for = season.client_for
    score_round_1(season)
    clock.set(BETWEEN)
    rounds.advance(programme, programme.categories[0], 2, [a.id], actor=chair.user, now=clock())
    clock.set(IN_ROUND_2)
    juror = client_for(one)
    listed = juror.get(f"/jury/{programme.slug}/entries").get_data(as_text=True)
    assert "Round 2: Final" in listed
    assert "Alpha case" in listed and "Beta case" not in listed and "Delta case" not in listed
    assert juror.get(f"/jury/{programme.slug}/entries/{b.id}").status_code == 404
    page = juror.get(f"/jury/{programme.slug}/entries/{a.id}").get_data(as_text=True)
    # a fresh round-2 form, not the locked round-1 card
    assert "Submitted on" not in page and 'name="submit"' in page
    form = {f"score_{c.id}": "8" for c in programme.criteria}
    saved = juror.post(f"/jury/{programme.slug}/entries/{a.id}", data={**form, "submit": "1"})
    assert saved.status_code == 302
    cards = db.session.execute(
        sa.select(Scorecard.round_no, Scorecard.status)
        .where(Scorecard.jury_member_id == one.id, Scorecard.entry_id == a.id)
        .order_by(Scorecard.round_no)
    ).all()
    assert cards == [(1, "submitted"), (2, "submitted")]
    round_1 = db.session.scalar(
        sa.select(Scorecard)
        .where(Scorecard.entry_id == a.id, Scorecard.round_no == 1)
        .where(Scorecard.jury_member_id == one.id)
    )
    assert {s.value for s in round_1.scores} == {Decimal(9)}
    assert [a.data["round"] for a in audits("scorecard.submitted")] == [2]


def test_between_rounds_nothing_can_be_scored(season, clock):
    programme = season.programme
    one = season.one
    a = season.a
    client_for = season.client_for
    clock.set(BETWEEN)
    juror = client_for(one)
    form = {f"score_{c.id}": "8" for c in programme.criteria}
    refused = juror.post(f"/jury/{programme.slug}/entries/{a.id}", data={**form, "submit": "1"})
    assert refused.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Scorecard.id))) == 0


def test_a_round_by_assignment_lists_only_the_jurors_assigned_entries(season, clock):
    programme = season.programme
    one = season.one
    two = season.two
    a = season.a
    b = season.b
    d = season.d
    client_for = season.client_for
    first = rounds.round_rows(programme)[0]
    first.assignment = "panels"
    db.session.add_all(
        [
            Assignment(jury_member_id=one.id, entry_id=a.id, round_no=1, created_at=clock()),
            Assignment(jury_member_id=one.id, entry_id=d.id, round_no=1, created_at=clock()),
        ]
    )
    db.session.flush()
    juror = client_for(one)
    listed = juror.get(f"/jury/{programme.slug}/entries").get_data(as_text=True)
    assert "Alpha case" in listed and "Delta case" in listed and "Beta case" not in listed
    assert juror.get(f"/jury/{programme.slug}/entries/{b.id}").status_code == 404
    other = client_for(two).get(f"/jury/{programme.slug}/entries").get_data(as_text=True)
    assert "There are no entries for you to score yet." in other
    counts = {
        row.member.id: row.assigned
        for row in progress.programme_progress(programme, None, 1).jurors
    }
    assert counts[one.id] == 2 and counts[two.id] == 0


# --- advancing --------------------------------------------------------------------------------


def advance_url(programme, round_no=1, category=None):
    slug = (category or programme.categories[0]).slug
    return f"/admin/awards/{programme.slug}/results/rounds/{round_no}/{slug}/advance"


def test_the_chair_advances_entries_from_round_one_results_audited_and_can_undo(season, clock):
    programme = season.programme
    chair = season.chair
    a = season.a
    b = season.b
    client_for = season.client_for
    score_round_1(season)
    clock.set(BETWEEN)
    chair_c = client_for(chair)
    board = chair_c.get(f"/admin/awards/{programme.slug}/results?round=1").get_data(as_text=True)
    assert "On to round 2: Final" in board and "Save the entries that advance" in board
    assert "2 / 1" in board  # round 1's quorum
    done = chair_c.post(advance_url(programme), data={"entries": [str(a.id), str(b.id)]})
    assert done.status_code == 302
    assert rounds.advanced_ids(programme, 2) == {a.id, b.id}
    (first,) = audits("round.advanced")
    assert (first.data["advanced"], first.data["taken_back"], first.data["round"]) == (
        ["A", "B"],
        [],
        2,
    )
    assert first.actor_id == chair.user_id
    chair_c.post(advance_url(programme), data={"entries": [str(a.id)]})
    assert rounds.advanced_ids(programme, 2) == {a.id}
    assert audits("round.advanced")[-1].data["taken_back"] == ["B"]
    # the final round's board holds the advanced entries only, with its own quorum
    clock.set(AFTER)
    final = chair_c.get(f"/admin/awards/{programme.slug}/results").get_data(as_text=True)
    assert 'data-ref="A"' in final and 'data-ref="B"' not in final and "0 / 2" in final


def test_advancing_is_refused_before_round_one_closes_and_after_round_two_opens(season, clock):
    programme = season.programme
    chair = season.chair
    a = season.a
    client_for = season.client_for
    category = programme.categories[0]
    for moment, code in ((IN_ROUND_1, "round_not_closed"), (IN_ROUND_2, "next_round_open")):
        clock.set(moment)
        with pytest.raises(AdvanceClosed) as refused:
            rounds.advance(programme, category, 2, [a.id], actor=chair.user, now=clock())
        assert refused.value.code == code
    clock.set(IN_ROUND_2)
    admin_refused = client_for(chair).post(advance_url(programme), data={"entries": [str(a.id)]})
    assert admin_refused.status_code == 409
    assert db.session.scalar(sa.select(sa.func.count(Advancement.id))) == 0
    assert audits("round.advanced") == []


def test_the_chair_cannot_see_results_of_a_round_still_open(season, clock):
    programme, chair, client_for = season.programme, season.chair, season.client_for
    assert (
        client_for(chair).get(f"/admin/awards/{programme.slug}/results?round=1").status_code == 403
    )
    clock.set(BETWEEN)
    assert (
        client_for(chair).get(f"/admin/awards/{programme.slug}/results?round=1").status_code == 200
    )
    assert (
        client_for(chair).get(f"/admin/awards/{programme.slug}/results?round=3").status_code == 404
    )


def test_a_conflicted_chair_neither_sees_nor_advances_the_entry(
    app, season, clock, make_user, login
):
    programme = season.programme
    chair = season.chair
    a = season.a
    b = season.b
    client_for = season.client_for
    score_round_1(season)
    db.session.add(
        Conflict(
            jury_member_id=chair.id,
            entry_id=a.id,
            source="declared",
            reason="r",
            created_at=clock(),
        )
    )
    db.session.flush()
    clock.set(BETWEEN)
    chair_c = client_for(chair)
    board = chair_c.get(f"/admin/awards/{programme.slug}/results?round=1").get_data(as_text=True)
    assert "Alpha" not in board and "Beta" in board
    refused = chair_c.post(advance_url(programme), data={"entries": [str(a.id), str(b.id)]})
    assert refused.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Advancement.id))) == 0
    with pytest.raises(NotAllowed):
        rounds.advance(programme, programme.categories[0], 2, [a.id], actor=chair.user, now=clock())
    # an admin advances it; the chair's own choice leaves it where it is
    admin = english(login(make_user("admin@example.org", admin=True), app.test_client()))
    assert admin.post(advance_url(programme), data={"entries": [str(a.id)]}).status_code == 302
    assert chair_c.post(advance_url(programme), data={"entries": [str(b.id)]}).status_code == 302
    assert rounds.advanced_ids(programme, 2) == {a.id, b.id}


def test_an_entry_of_another_category_or_not_in_the_round_cannot_advance(season, clock):
    programme = season.programme
    chair = season.chair
    d = season.d
    client_for = season.client_for
    clock.set(BETWEEN)
    with pytest.raises(InvalidInput):
        rounds.advance(programme, programme.categories[0], 2, [d.id], actor=chair.user, now=clock())
    refused = client_for(chair).post(advance_url(programme), data={"entries": [str(d.id)]})
    assert refused.status_code == 400
    # the final round's board is not the chair's before it closes; nothing advances from it
    assert client_for(chair).post(advance_url(programme, round_no=2)).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Advancement.id))) == 0


# --- the final round feeds ratification -------------------------------------------------------


def test_the_final_rounds_results_are_shortlisted_and_ratified(season, clock):
    programme = season.programme
    chair = season.chair
    one = season.one
    two = season.two
    a = season.a
    b = season.b
    c = season.c
    score_round_1(season)
    clock.set(BETWEEN)
    first = programme.categories[0]
    rounds.advance(programme, first, 2, [a.id, b.id], actor=chair.user, now=clock())
    at = datetime(2025, 5, 15, 9, 0, tzinfo=UTC)
    for member, values in ((one, (6, 9)), (two, (5, 8))):
        for entry, value in zip((a, b), values, strict=True):
            make_scorecard(member, entry, value, at=at, round_no=2)
    clock.set(AFTER)
    final = leaderboard(programme, first)
    assert [(r.entry.ref, r.rank, r.scorecards) for r in final] == [("B", 1, 2), ("A", 2, 2)]
    # round 1 ranked A first; the final round's scores decide
    assert leaderboard(programme, first, data=load_board_data(programme, 1))[0].entry.ref == "A"
    with pytest.raises(ratification.ShortlistError):  # C did not reach the final
        ratification.shortlist(programme, first, [c.id], actor=chair.user, now=clock())
    ratification.shortlist(programme, first, [a.id, b.id], actor=chair.user, now=clock())
    done = ratification.ratify(programme, first, b.id, actor=chair.user, now=clock())
    assert [row["ref"] for row in done.snapshot] == ["B", "A"]
    assert done.quorum == 2
    assert db.session.scalar(sa.select(sa.func.count(Nomination.id))) == 2
    assert db.session.scalar(sa.select(sa.func.count(Ratification.id))) == 1


def test_progress_per_round(season, clock):
    programme = season.programme
    chair = season.chair
    one = season.one
    a = season.a
    client_for = season.client_for
    score_round_1(season)
    clock.set(BETWEEN)
    rounds.advance(programme, programme.categories[0], 2, [a.id], actor=chair.user, now=clock())
    first = progress.programme_progress(programme, None, 1)
    assert [(e.entry.ref, e.submitted, e.quorum) for e in first.entries] == [
        ("A", 2, 1),
        ("B", 2, 1),
        ("C", 2, 1),
        ("D", 2, 1),
    ]
    final = progress.programme_progress(programme, None, 2)
    assert [(e.entry.ref, e.submitted, e.quorum) for e in final.entries] == [("A", 0, 2)]
    assert {row.member.id: row.assigned for row in final.jurors}[one.id] == 1
    page = client_for(chair).get(f"/admin/awards/{programme.slug}/jury/progress?round=2")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Quorum: 2" in text and "Beta case" not in text


# --- files --------------------------------------------------------------------------------------


def test_score_import_takes_a_round_column(season, clock):
    programme = season.programme
    chair = season.chair
    a = season.a
    b = season.b
    keys = [c.key for c in programme.criteria]
    lines = ["round,entry,juror,criterion,score\n"]
    lines += [f"1,A,one@example.org,{k},7\n" for k in keys]
    lines += [f"2,B,one@example.org,{k},7\n" for k in keys]
    lines += [f"3,A,one@example.org,{keys[0]},7\n"]
    with pytest.raises(ScoreImportError) as refused:
        import_scores(programme, lines, now=clock())
    assert any("entry B was not advanced into round 2" in p for p in refused.value.problems)
    assert any("unknown round '3'" in p for p in refused.value.problems)
    assert db.session.scalar(sa.select(sa.func.count(Scorecard.id))) == 0
    clock.set(BETWEEN)
    rounds.advance(programme, programme.categories[0], 2, [b.id], actor=chair.user, now=clock())
    summary = import_scores(programme, lines[:-1], now=clock())
    assert summary.created == 2
    assert set(db.session.execute(sa.select(Scorecard.entry_id, Scorecard.round_no)).all()) == {
        (a.id, 1),
        (b.id, 2),
    }


def test_a_criterion_of_another_round_is_refused_by_the_import(season, clock):
    programme = season.programme
    last = programme.criteria[-1]
    last.round_no = 2
    db.session.flush()
    lines = ["entry,juror,criterion,score\n", f"A,one@example.org,{last.key},7\n"]
    lines += [f"A,one@example.org,{c.key},7\n" for c in programme.criteria[:-1]]
    with pytest.raises(ScoreImportError) as refused:
        import_scores(programme, lines, now=clock())
    assert refused.value.problems == [f"line 2: criterion {last.key} is not asked in round 1"]


def test_the_programme_file_takes_rounds_panels_and_a_criterions_round(app, clock):
    doc = programme_2025()
    doc["criteria"][-1]["round"] = 2
    summary = load_programme(doc, now=clock())
    programme = summary.programme
    assert [r.name_en for r in rounds.rounds_of(programme)] == ["Longlist", "Final"]
    assert (
        db.session.scalar(
            sa.select(Criterion.round_no).where(Criterion.key == doc["criteria"][-1]["key"])
        )
        == 2
    )
    assigned = db.session.scalar(sa.select(sa.func.count(Assignment.id)))
    assert assigned == 2 * 3 * 4  # two panels of three, four entries per category
    assert load_programme(doc, now=clock()).changed is False
    wrong = programme_2025()
    wrong["slug"] = "other"
    wrong["timeline"]["scoring_close"] = "2025-05-17T17:00:00"
    wrong["panels"][0]["members"].append("nobody@example.org")
    wrong["rounds"][1]["scoring_open"] = "2025-04-20T09:00:00"
    with pytest.raises(ProgrammeFileError) as refused:
        load_programme(wrong, now=clock())
    assert refused.value.problems[:2] == [
        "timeline.scoring_close: must be the final round's scoring_close",
        "panels[0].members[3]: nobody@example.org is not on the jury",
    ]
    overlapping = programme_2025()
    overlapping["slug"] = "overlapping"
    overlapping["rounds"][1]["scoring_open"] = "2025-04-20T09:00:00"
    with pytest.raises(ProgrammeFileError) as refused:
        load_programme(overlapping, now=clock())
    assert refused.value.problems == [
        "rounds[0].scoring_close: A round must close before the next round opens.",
        "rounds[1].scoring_open: A round cannot open before the round before it closes.",
    ]
    assert db.session.scalar(sa.select(sa.func.count(Programme.id))) == 1


def test_the_jurors_dashboard_counts_the_round_the_jury_is_in(season, clock):
    programme, chair, one, a = season.programme, season.chair, season.one, season.a
    score_round_1(season)
    (row,) = progress.juror_dashboard(one.user, now=clock())
    assert (row.assigned, row.submitted, row.to_do) == (4, 4, 0)
    clock.set(BETWEEN)
    rounds.advance(programme, programme.categories[0], 2, [a.id], actor=chair.user, now=clock())
    clock.set(IN_ROUND_2)
    (row,) = progress.juror_dashboard(one.user, now=clock())
    assert (row.assigned, row.submitted, row.to_do) == (1, 0, 1)
    rounds.round_rows(programme)[1].assignment = "panels"
    db.session.flush()
    (row,) = progress.juror_dashboard(one.user, now=clock())
    assert row.assigned == 0  # nothing assigned to them in the final round


def test_the_round_open_now(season, clock):
    programme = season.programme
    assert rounds.current_round(programme, clock()).position == 1
    assert rounds.current_round(programme, BETWEEN) is None
    assert rounds.jury_round(programme, BETWEEN).position == 1  # read back
    assert rounds.current_round(programme, IN_ROUND_2).position == 2
    assert rounds.jury_round(programme, AFTER).position == 2


def test_the_programme_form_moves_the_first_and_final_rounds_or_says_why_not(
    season, app, login, make_user
):
    programme = season.programme
    admin = english(login(make_user("admin@example.org", admin=True), app.test_client()))
    url = f"/admin/programmes/{programme.slug}/edit"
    form = {
        "slug": programme.slug,
        "name": programme.name,
        "submissions_open_at": "2025-02-01T10:00",
        "submissions_close_at": "2025-04-01T23:59",
        "scoring_open_at": "2025-04-03T09:00",
        "scoring_close_at": "2025-05-25T23:00",
        "publish_at": "2025-06-12T18:00",
        "quorum": "3",
        "trim": "1",
        "method": "mean",
    }
    assert admin.post(url, data=form).status_code == 302
    first, final = rounds.rounds_of(fresh(Programme, programme.id))
    assert first.scoring_open_at == datetime(2025, 4, 3, 7, 0, tzinfo=UTC)
    assert (final.scoring_close_at, final.quorum) == (datetime(2025, 5, 25, 21, 0, tzinfo=UTC), 3)
    refused = admin.post(url, data={**form, "scoring_close_at": "2025-05-02T23:00"})
    assert refused.status_code == 400
    assert "The rounds no longer fit" in refused.get_data(as_text=True)
    assert fresh(Programme, programme.id).scoring_close_at == datetime(
        2025, 5, 25, 21, 0, tzinfo=UTC
    )


def test_the_criterion_form_chooses_the_round_it_is_asked_in(season, app, login, make_user):
    programme = season.programme
    criterion = programme.criteria[0]
    admin = english(login(make_user("admin@example.org", admin=True), app.test_client()))
    url = f"/admin/programmes/{programme.slug}/criteria/{criterion.id}/edit"
    page = admin.get(url).get_data(as_text=True)
    assert "Every round" in page and "Round 2 only" in page
    form = {
        "key": criterion.key,
        "name_nl": criterion.name_nl,
        "name_en": criterion.name_en,
        "weight": "1",
        "min_score": "1",
        "max_score": "10",
        "step": "1",
        "position": "0",
    }
    assert admin.post(url, data={**form, "round_no": "2"}).status_code == 302
    assert fresh(Criterion, criterion.id).round_no == 2
    assert admin.post(url, data={**form, "round_no": "3"}).status_code == 400
    assert admin.post(url, data={**form, "round_no": ""}).status_code == 302
    assert fresh(Criterion, criterion.id).round_no is None
