"""The public winners page names only the jurors who took part in the programme: at least
one scorecard submitted (in the app or imported by an admin). An invited juror who never
scored, one who never accepted the terms, and one whose only scorecard is a draft (reopened
and not resubmitted) are left off (issue 8, item 4)."""

from __future__ import annotations

from datetime import UTC, datetime

from awards.services.ratification import jury_for_display
from core.extensions import db

AFTER_PUBLISH = datetime(2025, 6, 13, 9, 0, tzinfo=UTC)  # make_programme publishes 12 June


def test_only_jurors_who_scored_are_named(
    app, clock, make_programme, make_entry, make_juror, make_user, make_scorecard
):
    programme = make_programme()
    entry = make_entry(programme)
    chair = make_juror(programme, make_user(name="Arnold Chair"), role="chair")
    scorer = make_juror(programme, make_user(name="Lisette Scorer"), affiliation="ANWB")
    make_juror(programme, make_user(name="Nadia Neverscored"))
    make_juror(programme, make_user(name="Otto Noterms"), accepted=False)
    drafter = make_juror(programme, make_user(name="Piet Draftonly"))
    make_scorecard(chair, entry)
    make_scorecard(scorer, entry)
    make_scorecard(drafter, entry, status="draft")
    db.session.commit()

    assert [m.user.name for m in jury_for_display(programme)] == [
        "Arnold Chair",
        "Lisette Scorer",
    ]

    clock.set(AFTER_PUBLISH)
    page = app.test_client().get(f"/awards/{programme.slug}/winners?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Arnold Chair" in html and "Lisette Scorer (ANWB)" in html
    for absent in ("Nadia Neverscored", "Otto Noterms", "Piet Draftonly"):
        assert absent not in html
