"""The juror's entry list keeps its content in the page cache (awards.views.jury.entries):
a second view renders nothing again, and whatever the list shows — an entry's text, the
juror's own scorecard status, a conflict, the scoring window, the language — shows at once,
as the key holds all of it; one juror's list is never another's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from awards.models import Conflict
from awards.views import jury
from core.extensions import db
from tests.factories import make_scorecard

SCORING = datetime(2025, 4, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def renders(monkeypatch):
    """The list contents rendered (the list's template, not the layout)."""
    seen = []
    real = jury.render_template

    def counting(name, **context):
        if name == "awards/jury/_entries_list.html":
            seen.append([row.entry_id for row in context["rows"]])
        return real(name, **context)

    monkeypatch.setattr(jury, "render_template", counting)
    return seen


@pytest.fixture
def listing(app, login, clock, make_programme, make_entry, make_juror):
    clock.set(SCORING)
    programme = make_programme()
    entries = [
        make_entry(programme, organisation="Univé", title="Klantprofiel-landschap"),
        make_entry(programme, organisation="Odido", title="Odido case"),
    ]
    member = make_juror(programme)
    browser = login(member.user, app.test_client())

    def get(lang="en", c=browser) -> str:
        response = c.get(f"/jury/{programme.slug}/entries?lang={lang}")
        assert response.status_code == 200
        return response.get_data(as_text=True)

    return programme, entries, member, get


def test_a_second_view_renders_the_list_no_more(listing, renders):
    _programme, _entries, _member, get = listing
    first = get()
    assert "Klantprofiel-landschap" in first and "not started" in first
    assert get() == first
    assert len(renders) == 1


def test_every_change_the_list_shows_shows_at_once(listing, renders, clock):
    _programme, (univé, odido), member, get = listing
    get()
    univé.title = "Klantprofiel 2.0"
    db.session.flush()
    assert "Klantprofiel 2.0" in get()
    make_scorecard(member, odido, status="draft")
    assert "draft" in get()
    db.session.add(Conflict(jury_member_id=member.id, entry_id=odido.id, source="declared",
                            status="pending", created_at=SCORING))  # fmt: skip
    db.session.flush()
    page = get()
    assert "Odido case" not in page and "Klantprofiel 2.0" in page
    assert "Inzendingen" in get("nl")
    clock.set(datetime(2025, 6, 1, tzinfo=UTC))  # scoring has closed
    assert "Scoring period" in get()
    assert len(renders) == 6


def test_each_juror_sees_their_own_statuses(listing, renders, app, login, make_juror):
    programme, (univé, _odido), member, get = listing
    make_scorecard(member, univé, status="submitted")
    assert "submitted" in get()
    other = make_juror(programme)
    theirs = get(c=login(other.user, app.test_client()))
    assert "submitted" not in theirs and theirs.count("not started") == 2
    assert len(renders) == 2
