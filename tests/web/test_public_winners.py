"""The public winners page and the embargo: before `publish_at` nothing about nominees or
winners appears anywhere (winners page, home page, programme page, the entrant's own pages),
for anyone; from `publish_at` on the winners page shows the ratified categories and the jury."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import g
from flask_babel import refresh

from awards.models import JuryMember, Score, Scorecard
from awards.services import ratification
from core.extensions import db

SCORING = datetime(2025, 4, 10, 9, 0, tzinfo=UTC)
DELIBERATION = datetime(2025, 5, 10, 9, 0, tzinfo=UTC)
PUBLISH = datetime(2025, 6, 12, 16, 0, tzinfo=UTC)  # make_programme's publish_at
CITATION_NL = "De case laat zien hoe een datastrategie succesvol kan worden doorgevoerd."
CITATION_EN = "The case shows how a data strategy can be carried through successfully."
# what must not appear anywhere before the embargo lifts
RESULT_MARKERS = (
    "Odido",
    "Transavia",
    "New York Pizza",
    "Coco &amp; Sebas",
    "Interpolis",
    "datastrategie",
    "data strategy",
    "nomin",  # nominee, nominated, genomineerd
    "winnaar",
    "jury chair",
    "shortlist",
    "ratified",
    "Arnold van het Nederend",
)


class Browser:
    """A client as one user, in English. The tests' app context is shared by every request,
    so Flask-Login's user and Flask-Babel's locale cached in it are dropped per request."""

    def __init__(self, client):
        self.client = client

    def get(self, path):
        g.pop("_login_user", None)
        refresh()  # nor the locale Flask-Babel cached
        return self.client.get(path, query_string={"lang": "en"})


@pytest.fixture
def as_user(app, login):
    def _as(user):
        client = app.test_client()
        return Browser(login(user, client) if user is not None else client)

    return _as


@pytest.fixture
def announced(app, clock, make_programme, make_entry, make_juror, make_user):
    """Data Transformation ratified (Univé; Odido and Transavia nominated); Data Innovation
    shortlisted but not ratified. The entrant owns Univé's entry."""
    clock.set(SCORING)
    programme = make_programme()
    transformation, innovation = programme.categories
    chair = make_juror(
        programme, make_user(name="Arnold van het Nederend"), role="chair", affiliation="KPN"
    )
    lisette = make_juror(programme, make_user(name="Lisette Gouda"), affiliation="ANWB")
    entrant = make_user("entrant@univé.example", name="Entrant")
    entries = {}
    for org, cat in (
        ("Univé", transformation),
        ("Odido", transformation),
        ("Transavia", transformation),
        ("New York Pizza", innovation),
        ("Coco & Sebas", innovation),
        ("Interpolis", innovation),
    ):
        owner = entrant if org == "Univé" else None
        entry = make_entry(
            programme, category=cat, organisation=org, title=f"{org} case", owner=owner
        )
        entries[org] = entry
        card = Scorecard(jury_member=chair, entry=entry, status="submitted", updated_at=SCORING)
        card.scores = [Score(criterion=c, value=7) for c in programme.criteria]
        db.session.add(card)
    # Lisette took part (one scorecard, on an entry of the category left unratified)
    card = Scorecard(
        jury_member=lisette, entry=entries["Interpolis"], status="submitted", updated_at=SCORING
    )
    card.scores = [Score(criterion=c, value=7) for c in programme.criteria]
    db.session.add(card)
    db.session.commit()
    user = chair.user
    ids = [entries[o].id for o in ("Univé", "Odido", "Transavia")]
    ratification.shortlist(programme, transformation, ids, actor=user, now=DELIBERATION)
    ratification.ratify(
        programme,
        transformation,
        entries["Univé"].id,
        actor=user,
        now=DELIBERATION,
        citation_nl=CITATION_NL,
        citation_en=CITATION_EN,
    )
    ids = [entries[o].id for o in ("New York Pizza", "Coco & Sebas", "Interpolis")]
    ratification.shortlist(programme, innovation, ids, actor=user, now=DELIBERATION)
    db.session.commit()
    return programme, entries, entrant, chair


def main(response) -> str:
    html = response.get_data(as_text=True)
    return html[html.index("<main>") : html.index("</main>")]


def leaks(text: str, *, names: bool = True) -> list[str]:
    """Result markers in `text`; with names=False only the words of a result (a juror's
    pages list the entries by organisation and mention the jury chair, which is no result)."""
    markers = RESULT_MARKERS if names else [m for m in RESULT_MARKERS[5:] if m != "jury chair"]
    found = [m for m in markers if m.lower() in text.lower()]
    return found + re.findall(r"\bwinner\b", text, re.I)


def test_nothing_leaks_one_second_before_publish(announced, as_user, clock, make_user):
    programme, entries, entrant, chair = announced
    clock.set(PUBLISH - timedelta(seconds=1))
    winners = f"/awards/{programme.slug}/winners"
    pages = {}
    for who, user in (
        ("anonymous", None),
        ("admin", make_user(admin=True)),
        ("chair", chair.user),
        ("entrant", entrant),
    ):
        response = as_user(user).get(winners)
        assert response.status_code == 200
        pages[who] = main(response)
        assert leaks(pages[who]) == [], who
        assert "Univé" not in pages[who]
    assert len(set(pages.values())) == 1  # the same page for everyone
    assert "The winners will be announced on" in pages["anonymous"]
    assert "12 June 2025, 18:00" in pages["anonymous"]  # Amsterdam time

    home = as_user(None).get("/").get_data(as_text=True)
    assert leaks(home) == [] and "Univé" not in home
    browser = as_user(entrant)
    for path in (
        "/awards/mine",
        f"/awards/{programme.slug}",
        f"/awards/{programme.slug}/entries/{entries['Univé'].id}",
    ):
        response = browser.get(path)
        assert response.status_code == 200, path
        assert leaks(main(response)) == [], path
    # a jury member's pages show no nomination or result either
    member = db.session.scalar(
        sa.select(JuryMember).where(
            JuryMember.programme_id == programme.id, JuryMember.role == "member"
        )
    )
    juror = as_user(member.user)
    for path in (
        "/jury",
        f"/jury/{programme.slug}/entries",
        f"/jury/{programme.slug}/entries/{entries['Univé'].id}",
    ):
        response = juror.get(path)
        assert response.status_code == 200, path
        assert leaks(main(response), names=False) == [], path


def test_everything_shows_at_publish(announced, as_user, clock):
    programme, _entries, _entrant, _chair = announced
    clock.set(PUBLISH)
    page = main(as_user(None).get(f"/awards/{programme.slug}/winners"))
    assert "Winner Data Transformation Award: Univé" in page
    assert "Univé case" in page and CITATION_EN in page
    assert "The other nominees in this category were Odido and Transavia." in page
    # the jury, chair first
    assert page.index("jury chair") < page.index("Arnold van het Nederend (KPN)")
    assert page.index("Arnold van het Nederend") < page.index("Lisette Gouda (ANWB)")
    # only ratified categories appear
    assert "Data Innovation Award" not in page and "New York Pizza" not in page


def test_the_citation_follows_the_language(announced, app, clock):
    programme, *_ = announced
    clock.set(PUBLISH + timedelta(days=1))
    page = app.test_client().get(f"/awards/{programme.slug}/winners?lang=nl")
    assert CITATION_NL in page.get_data(as_text=True)


def test_home_page_links_to_the_winners_after_publish(announced, as_user, clock):
    programme, *_ = announced
    clock.set(PUBLISH)
    assert f"/awards/{programme.slug}/winners" in as_user(None).get("/").get_data(as_text=True)


def test_unknown_programme_is_404(app):
    assert app.test_client().get("/awards/nope/winners").status_code == 404


def test_published_without_ratifications_says_so(app, clock, make_programme):
    programme = make_programme()
    clock.set(PUBLISH)
    page = app.test_client().get(f"/awards/{programme.slug}/winners?lang=en")
    assert "No winners have been announced" in page.get_data(as_text=True)


def test_the_home_page_links_each_programme_by_its_phase(client, make_programme, clock):
    make_programme("cda-2025")
    home = "/?lang=en"
    clock.set(datetime(2025, 1, 15, 9, 0, tzinfo=UTC))  # upcoming
    page = client.get(home).get_data(as_text=True)
    assert "About this programme" in page and "Submit a case" not in page
    clock.set(datetime(2025, 3, 1, 9, 0, tzinfo=UTC))  # submissions open
    page = client.get(home).get_data(as_text=True)
    assert 'href="/awards/cda-2025">Submit a case' in page
    clock.set(datetime(2025, 5, 15, 9, 0, tzinfo=UTC))  # deliberation
    page = client.get(home).get_data(as_text=True)
    assert "About this programme" in page and "/awards/cda-2025/winners" not in page
    clock.set(datetime(2025, 6, 12, 16, 0, tzinfo=UTC))  # published
    page = client.get(home).get_data(as_text=True)
    assert 'href="/awards/cda-2025/winners">Winners' in page
