"""A programme whose criteria were all deleted (allowed before scoring starts) has nothing to
rank: its results pages and exports say so in the reader's language (409), not "unknown
aggregation method", and not a server error."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.extensions import db

DELIBERATION = datetime(2025, 5, 10, 9, 0, tzinfo=UTC)
MESSAGES = {
    "en": "This programme has no criteria, so nothing can be ranked.",
    "nl": "Deze editie heeft geen criteria, dus er valt niets te rangschikken.",
}


@pytest.fixture
def bare(app, clock, make_programme, make_entry, make_user):
    """An admin and a programme with an eligible entry and no criteria left."""
    clock.set(DELIBERATION)
    programme = make_programme()
    make_entry(programme)
    for criterion in list(programme.criteria):
        db.session.delete(criterion)
    admin = make_user("admin@example.org", admin=True)
    db.session.commit()
    return programme, admin


@pytest.mark.parametrize("lang", ["en", "nl"])
@pytest.mark.parametrize("suffix", ["", ".csv", ".xlsx"])
def test_results_of_a_programme_without_criteria_say_why(app, login, bare, lang, suffix):
    programme, admin = bare
    client = login(admin, app.test_client())
    answer = client.get(f"/admin/awards/{programme.slug}/results{suffix}?lang={lang}")
    text = answer.get_data(as_text=True)
    assert answer.status_code == 409, text[:500]
    assert MESSAGES[lang] in text
    assert "aggregation" not in text and "rekenmethode" not in text


def test_a_bad_method_still_says_unknown_method(app, login, bare, make_programme):
    """The dedicated message is for the missing criteria only."""
    _, admin = bare
    programme = make_programme()
    db.session.commit()
    client = login(admin, app.test_client())
    answer = client.get(f"/admin/awards/{programme.slug}/results?method=mode&lang=en")
    assert answer.status_code == 400
    assert "Unknown aggregation method or trim." in answer.get_data(as_text=True)
