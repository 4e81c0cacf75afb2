"""The entrant's own pages after the announcement: an entry the winners page names reads
"Winnaar"/"Winner" or "Genomineerd"/"Nominee" on the dashboard, the programme page and the
entry page from `publish_at` on, and still its screening status one second before."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import g
from flask_babel import refresh

from tests.integration.test_announcements import PUBLISH, build_results

STATUS = re.compile(r'<span class="badge[^"]*" data-status="([a-z_]+)">([^<]+)</span>')


@pytest.fixture
def results(make_programme, make_entry, make_juror, make_user):
    return build_results(make_programme, make_entry, make_juror, make_user)


@pytest.fixture
def statuses(app, login):
    """statuses(user, path, lang) -> the (code, text) of every status badge on the page."""

    def _statuses(user, path: str, lang: str) -> list[tuple[str, str]]:
        g.pop("_login_user", None)  # the tests' app context is shared by every request
        refresh()  # as is the locale Flask-Babel cached
        client = login(user, app.test_client())
        response = client.get(path, query_string={"lang": lang})
        assert response.status_code == 200, path
        return STATUS.findall(response.get_data(as_text=True))

    return _statuses


def pages(results, entry) -> list[str]:
    slug = results.programme.slug
    return ["/awards/mine", f"/awards/{slug}", f"/awards/{slug}/entries/{entry.id}"]


@pytest.mark.parametrize(
    ("lang", "eligible", "winner", "nominee"),
    [("nl", "Toegelaten", "Winnaar", "Genomineerd"), ("en", "Eligible", "Winner", "Nominee")],
)
def test_the_status_changes_at_the_moment_not_a_second_before(
    results, statuses, clock, lang, eligible, winner, nominee
):
    told = ((results.winner, "winner", winner), (results.nominee, "nominee", nominee))
    clock.set(PUBLISH - timedelta(seconds=1))
    for entry, _code, _text in told:
        for path in pages(results, entry):
            assert statuses(entry.owner, path, lang) == [("eligible", eligible)], path
    clock.set(PUBLISH)
    for entry, code, text in told:
        for path in pages(results, entry):
            assert statuses(entry.owner, path, lang) == [(code, text)], path


def test_entries_the_winners_page_does_not_name_keep_their_status(results, statuses, clock):
    """Dropped from the shortlist before ratification, or nominated in a category that was
    never ratified: not a nominee of the published results."""
    clock.set(PUBLISH + timedelta(days=1))
    for entry in (results.dropped, results.unratified):
        for path in pages(results, entry):
            assert statuses(entry.owner, path, "en") == [("eligible", "Eligible")], path
