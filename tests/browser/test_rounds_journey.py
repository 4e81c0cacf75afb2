"""Judging in two rounds in a real browser, in Dutch and in English: the admin adds a final
round to a one-round programme (an overlapping window first: refused with a message), the
jurors score the first round, the chair advances entries from its results, a juror scores the
final round — seeing only the advanced entries — and the chair shortlists and ratifies from
the final round's results."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from awards.models import Advancement, Entry, JuryMember, Ratification, Round, Scorecard
from core.extensions import db
from tests.browser.awards_steps import log_in, say
from tests.factories import make_scorecard

SCORING = datetime(2025, 4, 10, 9, 0, tzinfo=UTC)  # the first round is open
BETWEEN = datetime(2025, 5, 2, 9, 0, tzinfo=UTC)  # the first round closed, the final not open
FINAL = datetime(2025, 5, 10, 9, 0, tzinfo=UTC)  # the final round is open
DELIBERATION = datetime(2025, 5, 25, 9, 0, tzinfo=UTC)  # the final closed, not yet published


def cards(member_id: int) -> list[tuple[int, int, str]]:
    db.session.rollback()
    return list(
        db.session.execute(
            sa.select(Scorecard.entry_id, Scorecard.round_no, Scorecard.status)
            .where(Scorecard.jury_member_id == member_id)
            .order_by(Scorecard.round_no, Scorecard.entry_id)
        ).all()
    )


def score(person, programme, values) -> None:
    for criterion, value in zip(programme.criteria, values, strict=True):
        person.page.get_by_label(criterion.name(person.lang), exact=True).select_option(value)
    person.press(say(person.lang, "Submit"), exact=True)
    person.see(say(person.lang, "Your scorecard is submitted. Thank you!"))


def test_an_admin_adds_a_final_round_the_chair_advances_and_ratifies_from_it(
    new_person, lang, make_programme, make_entry, make_user, make_juror, clock
):
    clock.set(SCORING)
    programme = make_programme("cda-2025", quorum=1, trim=0)
    transformation = programme.categories[0]
    admin = make_user(f"admin.{lang}@ddma.nl", name="Ada Admin", admin=True, locale=lang)
    chair = make_juror(
        programme,
        make_user(f"chair.{lang}@example.org", name="Cees Voorzitter", locale=lang),
        role="chair",
    )
    juror = make_juror(programme, make_user(f"jet.{lang}@example.org", name="Jet", locale=lang))
    unive = make_entry(programme, category=transformation, ref="CDA-0001", organisation="Univé",
                       title="Klantprofielen")  # fmt: skip
    bol = make_entry(programme, category=transformation, ref="CDA-0002", organisation="Bol",
                     title="Bol case")  # fmt: skip

    # The admin adds a final round from the programme's page.
    admin_p = new_person(lang)
    admin_p.goto("/")
    log_in(admin_p, admin.email)
    admin_p.follow(say(lang, "Awards admin"))
    admin_p.follow(programme.name)
    admin_p.follow(say(lang, "Rounds"), exact=True)
    admin_p.see(say(lang, "This programme has one round: its own scoring window and quorum. "
                          "Edit them on the programme, or add a round to judge in several "
                          "rounds."))  # fmt: skip
    admin_p.follow(say(lang, "Add a round"))
    admin_p.fill(say(lang, "Name (Dutch)"), "Finale")
    admin_p.fill(say(lang, "Name (English)"), "Final")
    admin_p.fill(say(lang, "Scoring opens"), "2025-04-20T10:00")
    admin_p.fill(say(lang, "Scoring closes"), "2025-05-20T23:00")
    admin_p.fill(say(lang, "Quorum"), "1")
    admin_p.press(say(lang, "Save"), exact=True)
    admin_p.see(say(lang, "A round cannot open before the round before it closes."))
    assert db.session.scalar(sa.select(sa.func.count(Round.id))) == 0
    admin_p.fill(say(lang, "Scoring opens"), "2025-05-03T10:00")
    admin_p.screenshot("round-form")
    admin_p.press(say(lang, "Save"), exact=True)
    admin_p.see(say(lang, "Round saved."))
    admin_p.see("Finale")
    assert db.session.scalar(sa.select(sa.func.count(Round.id))) == 2

    # The first round: the juror scores both entries; the chair scored them too.
    juror_p = new_person(lang)
    juror_p.goto("/")
    log_in(juror_p, juror.user.email)
    juror_p.goto(f"/jury/{programme.slug}/entries")
    first_name = "Beoordeling" if lang == "nl" else "Scoring"
    juror_p.see(say(lang, "Round %(n)s: %(name)s", n=1, name=first_name))
    juror_p.follow(unive.title)
    score(juror_p, programme, ("9", "8", "8", "9"))
    juror_p.goto(f"/jury/{programme.slug}/entries")
    juror_p.follow(bol.title)
    score(juror_p, programme, ("5", "5", "6", "5"))
    assert cards(juror.id) == [(unive.id, 1, "submitted"), (bol.id, 1, "submitted")]
    db.session.rollback()
    for entry_id in (unive.id, bol.id):
        make_scorecard(db.session.get(JuryMember, chair.id), db.session.get(Entry, entry_id), 6)

    # Between the rounds the chair reads the first round's board and advances Univé.
    clock.set(BETWEEN)
    chair_p = new_person(lang)
    chair_p.goto("/")
    log_in(chair_p, chair.user.email)
    chair_p.goto(f"/admin/awards/{programme.slug}/results?round=1")
    chair_p.see(say(lang, "On to round %(n)s: %(name)s", n=2, name="Finale" if lang == "nl"
                    else "Final"))  # fmt: skip
    chair_p.check("CDA-0001 · Univé")
    chair_p.screenshot("advance")
    chair_p.press(say(lang, "Save the entries that advance"))
    chair_p.see(say(lang, "Saved: %(added)s entries advanced, %(removed)s taken back.",
                    added=1, removed=0))  # fmt: skip
    db.session.rollback()
    assert list(db.session.scalars(sa.select(Advancement.entry_id))) == [unive.id]

    # The final round: the juror sees Univé only, and scores it on a new scorecard.
    clock.set(FINAL)
    juror_p.goto(f"/jury/{programme.slug}/entries")
    juror_p.see(say(lang, "Round %(n)s: %(name)s", n=2, name="Finale" if lang == "nl"
                    else "Final"))  # fmt: skip
    assert "Bol case" not in juror_p.text()
    juror_p.follow(unive.title)
    score(juror_p, programme, ("8", "9", "9", "9"))
    assert cards(juror.id) == [
        (unive.id, 1, "submitted"),
        (bol.id, 1, "submitted"),
        (unive.id, 2, "submitted"),
    ]

    # The final round closed: the chair goes to the results from the jury page — the final
    # round's — and ratifies Univé through the confirmation step.
    clock.set(DELIBERATION)
    chair_p.goto("/")
    chair_p.follow(say(lang, "Jury"), exact=True)
    chair_p.follow(say(lang, "Results"), exact=True)
    assert chair_p.path == f"/admin/awards/{programme.slug}/results"
    assert "Bol" not in chair_p.page.locator("table.leaderboard").inner_text()
    chair_p.check("CDA-0001 · Univé")
    chair_p.press(say(lang, "Save shortlist"))
    chair_p.see(say(lang, "The shortlist has been saved."))
    chair_p.page.locator("form[action$='/ratify']").get_by_label("CDA-0001 · Univé").check()
    chair_p.press(say(lang, "Ratify"), exact=True)
    chair_p.press(say(lang, "Ratify"), exact=True)
    chair_p.see(say(lang, "The winner has been ratified."))
    db.session.rollback()
    [ratified] = db.session.scalars(sa.select(Ratification))
    assert ratified.winner_entry_id == unive.id
    assert [row["ref"] for row in ratified.snapshot] == ["CDA-0001"]
    assert ratified.snapshot[0]["scorecards"] == 1  # the final round's card, not round 1's
