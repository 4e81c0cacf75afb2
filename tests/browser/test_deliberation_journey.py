"""Deliberation in a real browser, in Dutch and in English: once scoring has closed the chair
goes from the results page to the deliberation, sees where the jurors are far apart and
where the methods disagree on the rank, and shares two comments; the entrant reads them,
without the jurors' names, only once the results are published."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from awards.models import Scorecard
from core.extensions import db
from tests.browser.awards_steps import log_in, say
from tests.factories import make_scorecard

SCORING = datetime(2025, 4, 10, 9, 0, tzinfo=UTC)
DELIBERATION = datetime(2025, 5, 10, 9, 0, tzinfo=UTC)  # scoring closed, not yet published
PUBLISH = datetime(2025, 6, 12, 16, 0, tzinfo=UTC)


def test_the_chair_deliberates_and_shares_comments_the_entrant_reads_after_publication(
    new_person, lang, make_programme, make_entry, make_user, make_juror, clock
):
    clock.set(SCORING)
    programme = make_programme("cda-2025", quorum=3, trim=1)
    owner = make_user(f"owner.{lang}@unive.nl", name="Olga Eigenaar", locale=lang)
    chair = make_juror(
        programme,
        make_user(f"chair.{lang}@example.org", name="Cees Voorzitter", locale=lang),
        role="chair",
    )
    anna = make_juror(programme, make_user(name="Anna Jurylid"))
    bart = make_juror(programme, make_user(name="Bart Jurylid"))
    unive = make_entry(programme, ref="CDA-0001", organisation="Univé", owner=owner,
                       title="Klantprofielen")  # fmt: skip
    bol = make_entry(programme, ref="CDA-0002", organisation="Bol")
    # Univé 9, 8, 1 (mean 6, median 8) against Bol 7, 7, 7: the methods disagree on both
    make_scorecard(anna, unive, 9, comment="Sterke case, heldere doelen.")
    make_scorecard(bart, unive, 8, comment="Mooie resultaten.")
    make_scorecard(chair, unive, 1, comment="Intern notitie: niet delen.")
    for member in (anna, bart, chair):
        make_scorecard(member, bol, 7)

    # Scoring closes: the chair goes from the jury page to the results, then deliberates.
    clock.set(DELIBERATION)
    chair_p = new_person(lang)
    chair_p.goto("/")
    log_in(chair_p, f"chair.{lang}@example.org")
    chair_p.follow(say(lang, "Jury"), exact=True)
    chair_p.follow(say(lang, "Results"), exact=True)
    chair_p.follow(say(lang, "Deliberation: every juror's scores and comments"))
    assert chair_p.path.startswith(f"/admin/awards/{programme.slug}/deliberation")
    section = chair_p.page.locator("section[data-ref='CDA-0001']")
    assert "Anna Jurylid" in section.inner_text() and "Mooie resultaten." in section.inner_text()
    chair_p.see(say(lang, "large"))
    chair_p.see(say(lang, "the methods disagree on the rank"))
    assert section.locator("[data-large-spread]").count() >= 1
    assert section.locator("[data-rank-disagreement]").count() == 1
    chair_p.screenshot("deliberation")

    # Two of the three comments reach the entrant.
    section.get_by_label("Anna Jurylid: Sterke case").check()
    section.get_by_label("Bart Jurylid: Mooie resultaten.").check()
    chair_p.press(say(lang, "Save the feedback for %(ref)s", ref="CDA-0001"))
    chair_p.see(say(lang, "Comments shared with the entrant of %(ref)s: %(n)s.",
                    ref="CDA-0001", n=2))  # fmt: skip
    db.session.rollback()
    shared = set(db.session.scalars(sa.select(Scorecard.comment).where(Scorecard.feedback_shared)))
    assert shared == {"Sterke case, heldere doelen.", "Mooie resultaten."}

    # Before publication the entrant's page says nothing of feedback.
    entrant = new_person(lang)
    entrant.goto("/")
    log_in(entrant, owner.email)
    entrant.goto(f"/awards/{programme.slug}/entries/{unive.id}")
    assert say(lang, "Feedback from the jury") not in entrant.text()
    assert "Sterke case" not in entrant.text()

    # From the announcement on: the two comments, no juror names, not the third comment.
    clock.set(PUBLISH - timedelta(seconds=1))
    entrant.goto(f"/awards/{programme.slug}/entries/{unive.id}")
    assert "Sterke case" not in entrant.text()
    clock.set(PUBLISH)
    entrant.goto(f"/awards/{programme.slug}/entries/{unive.id}")
    entrant.see(say(lang, "Feedback from the jury"))
    entrant.see("Sterke case, heldere doelen.")
    entrant.see("Mooie resultaten.")
    page = entrant.text()
    for secret in ("Anna", "Bart", "Cees", "Jurylid", "Intern notitie"):
        assert secret not in page, secret
    entrant.screenshot("entry-feedback")
