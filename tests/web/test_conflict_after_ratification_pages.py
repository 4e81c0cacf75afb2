"""The leaderboard of a ratified category shows the frozen result and says when a conflict
recorded after ratification changed the live ranking (issue 7, hole 9); the admin's programme
page flags it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import g
from flask_babel import refresh

from awards.services import conflicts, ratification
from core.extensions import db
from tests.factories import make_scorecard

SCORING = datetime(2025, 4, 10, 9, 0, tzinfo=UTC)
DELIBERATION = datetime(2025, 5, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def ratified(app, clock, make_programme, make_entry, make_juror, make_user):
    """Mean, quorum 2: A 8, 5, 10 -> 7.67 (ratified winner); B 7, 7, 7 -> 7.00."""
    clock.set(SCORING)
    programme = make_programme(quorum=2, trim=0, method="mean")
    category = programme.categories[0]
    chair = make_juror(programme, make_user(name="Chair"), role="chair")
    jurors = [make_juror(programme, make_user(name=f"Juror {n}")) for n in (1, 2, 3)]
    a = make_entry(programme, category=category, ref="A", organisation="Org A")
    b = make_entry(programme, category=category, ref="B", organisation="Org B")
    for member, value in zip(jurors, (8, 5, 10), strict=True):
        make_scorecard(member, a, value)
    for member in jurors:
        make_scorecard(member, b, 7)
    clock.set(DELIBERATION)
    ratification.shortlist(programme, category, [a.id, b.id], actor=chair.user, now=DELIBERATION)
    ratification.ratify(programme, category, a.id, actor=chair.user, now=DELIBERATION)
    db.session.commit()
    return programme, chair, jurors, a


def page(app, login, user, path):
    g.pop("_login_user", None)
    refresh()
    return login(user, app.test_client()).get(f"{path}?lang=en")


def row(html: str, attribute: str, ref: str) -> list[str]:
    found = re.search(rf'<tr {attribute}="{ref}">(.*?)</tr>', html, re.S)
    assert found, f"no {attribute} row for {ref}"
    return [c.strip() for c in re.findall(r'<td class="num">([^<]*)</td>', found.group(1))]


def test_the_leaderboard_keeps_the_ratified_result_and_says_how_the_live_one_differs(
    ratified, app, login, clock, make_user
):
    programme, chair, jurors, a = ratified
    results = f"/admin/awards/{programme.slug}/results"
    calm = page(app, login, chair.user, results).text
    assert "data-ratified-differs" not in calm and "data-flagged-category" not in calm
    clock.advance(days=1)
    conflicts.declare_conflict(
        jurors[2], a, "I advised Org A.", now=DELIBERATION + timedelta(days=1)
    )
    db.session.commit()
    for viewer in (chair.user, make_user(admin=True)):
        html = page(app, login, viewer, results).text
        assert "The live ranking differs from the ratified result" in html
        assert f'data-flagged-category="{a.category.slug}"' in html  # also seen from elsewhere
        assert 'data-late-conflict="A"' in html
        assert "Juror 3 declared a conflict of interest with A" in html
        assert row(html, "data-changed-ref", "A") == ["1", "7.67", "2", "6.50"]
        assert row(html, "data-changed-ref", "B") == ["2", "7.00", "1", "7.00"]
        # the ratified snapshot is still the result: A first, with its frozen total
        snapshot = html.split('class="ratified-snapshot"', 1)[1].split("</table>", 1)[0]
        assert snapshot.index('data-snapshot-ref="A"') < snapshot.index('data-snapshot-ref="B"')
        assert row(html, "data-snapshot-ref", "A")[:2] == ["1", "7.67"]


def test_the_admins_programme_page_flags_a_conflict_after_ratification(
    ratified, app, login, make_user
):
    programme, _chair, jurors, a = ratified
    admin = make_user(admin=True)
    overview = f"/admin/programmes/{programme.slug}"
    assert "data-late-conflicts" not in page(app, login, admin, overview).text
    conflicts.declare_conflict(jurors[2], a, "I advised Org A.", now=DELIBERATION)
    db.session.commit()
    assert 'data-late-conflicts="1"' in page(app, login, admin, overview).text
