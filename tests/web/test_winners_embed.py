"""The winners for other sites: an HTML fragment any site may frame (no script, no style,
nothing loaded from elsewhere) and Atom and RSS feeds with one entry per ratified category's
winner. Nothing of a result before `publish_at`: all three answer 404 one second before,
exactly as the winners page shows only the date then. The language is the address's alone."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import g
from flask_babel import refresh

from awards.models import Entry
from awards.views.public import EMBED_CSP
from core.extensions import db
from tests.integration.test_announcements import PUBLISH, build_results

ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE = '<script>alert("x")</script> & <b>Case</b>'


@pytest.fixture
def results(make_programme, make_entry, make_juror, make_user):
    return build_results(make_programme, make_entry, make_juror, make_user)


@pytest.fixture
def get(app):
    """get(path, **query) as a new anonymous visitor (no session, no cached locale)."""

    def _get(path: str, **query):
        g.pop("_login_user", None)  # the tests' app context is shared by every request
        refresh()  # as is the locale Flask-Babel cached
        return app.test_client().get(path, query_string=query)

    return _get


def paths(results) -> list[str]:
    base = f"/awards/{results.programme.slug}/winners"
    return [f"{base}/embed.html", f"{base}.atom", f"{base}.rss"]


def test_nothing_before_the_moment_and_everything_from_it(results, clock, get):
    clock.set(PUBLISH - timedelta(seconds=1))
    for path in paths(results):
        response = get(path)
        assert response.status_code == 404, path
        assert "Univé" not in response.text and "Odido" not in response.text, path
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], path
    clock.set(PUBLISH)
    for path in paths(results):
        response = get(path)
        assert response.status_code == 200, path
        assert "Univé" in response.text and "Odido" in response.text, path


def test_an_unknown_programme_is_404(get, results, clock):
    clock.set(PUBLISH)
    for path in ("/awards/nope/winners/embed.html", "/awards/nope/winners.atom"):
        assert get(path).status_code == 404


def test_the_fragment_holds_winners_and_nominees_and_nothing_active(results, clock, get):
    clock.set(PUBLISH)
    response = get(paths(results)[0])
    html = response.text
    assert response.mimetype == "text/html"
    assert html.lstrip().startswith('<section class="podium-winners" lang="nl">')
    assert "Winnaar" in html and "Genomineerden" in html  # Dutch by default
    assert "Een overtuigende datastrategie." in html
    assert "Odido case" in html and "ANWB" in html  # the other nominees
    assert "Transavia" not in html  # dropped from the shortlist
    assert "Interpolis" not in html  # a category not ratified
    lowered = html.lower()
    for active in ("<script", "<style", "style=", "<link", "<img", "<iframe", "src="):
        assert active not in lowered, active
    assert not re.search(r"\son[a-z]+=", lowered)  # no event handler attributes
    assert 'href="http://localhost/awards/' in html  # absolute: it lives on other sites
    assert "Set-Cookie" not in response.headers


def test_the_fragment_is_english_when_asked(results, clock, get):
    clock.set(PUBLISH)
    html = get(paths(results)[0], lang="en").text
    assert '<section class="podium-winners" lang="en">' in html
    assert "Winner" in html and "A convincing data strategy." in html
    assert "Winnaar" not in html
    assert "lang=en" in html  # its link leads to the English page
    assert get(paths(results)[0], lang="fr").text.count('lang="nl"') == 1


def test_only_the_fragment_may_be_framed(results, clock, get):
    clock.set(PUBLISH)
    slug = results.programme.slug
    embed = get(paths(results)[0])
    assert embed.headers["Content-Security-Policy"] == EMBED_CSP
    assert "frame-ancestors *" in EMBED_CSP and "default-src 'none'" in EMBED_CSP
    for path in (f"/awards/{slug}/winners", f"/awards/{slug}", "/", *paths(results)[1:]):
        csp = get(path).headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp, path
        assert "frame-ancestors *" not in csp, path


def test_a_hostile_title_is_text_everywhere(results, clock, get):
    db.session.execute(
        sa.update(Entry)
        .where(Entry.id == results.winner.id)
        .values(title=HOSTILE, organisation="Univé <i>")
    )
    db.session.commit()
    clock.set(PUBLISH)
    embed, atom, rss = (get(path).text for path in paths(results))
    assert "<script" not in embed and "<b>" not in embed and "<i>" not in embed
    assert "&lt;script&gt;" in embed
    for feed in (atom, rss):
        assert "<script" not in feed and "<b>" not in feed
    entry = ET.fromstring(atom.encode()).find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}summary").text.startswith(HOSTILE)
    assert entry.find(f"{ATOM}title").text.endswith("Univé <i>")
    item = ET.fromstring(rss.encode()).find("channel/item")
    assert item.find("description").text.startswith(HOSTILE)


def test_the_atom_feed_has_one_entry_per_winner(results, clock, get):
    clock.set(PUBLISH + timedelta(days=3))
    response = get(paths(results)[1], lang="en")
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    assert feed.tag == f"{ATOM}feed"
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert feed.find(f"{ATOM}title").text == f"Winners · {results.programme.name}"
    assert feed.find(f"{ATOM}updated").text == "2025-06-12T16:00:00Z"  # publish_at, in UTC
    assert feed.find(f"{ATOM}author/{ATOM}name").text == "DDMA"
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    slug = results.programme.slug
    assert links["self"] == f"http://localhost/awards/{slug}/winners.atom?lang=en"
    assert links["alternate"] == f"http://localhost/awards/{slug}/winners?lang=en"
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 1  # Data Innovation was never ratified
    entry = entries[0]
    assert entry.find(f"{ATOM}title").text == "Winner Data Transformation Award: Univé"
    assert entry.find(f"{ATOM}id").text.endswith("#data-transformation")
    assert entry.find(f"{ATOM}updated").text == "2025-06-12T16:00:00Z"
    assert (
        entry.find(f"{ATOM}link")
        .get("href")
        .endswith(f"/awards/{slug}/winners?lang=en#data-transformation")
    )
    summary = entry.find(f"{ATOM}summary").text
    assert "Univé case" in summary and "A convincing data strategy." in summary
    assert "ANWB and Odido" in summary
    dutch = ET.fromstring(get(paths(results)[1]).data)
    title = dutch.find(f"{ATOM}entry/{ATOM}title").text
    assert title == "Winnaar Data Transformation Award: Univé"


def test_the_rss_feed(results, clock, get):
    clock.set(PUBLISH)
    response = get(paths(results)[2], lang="en")
    assert response.mimetype == "application/rss+xml"
    rss = ET.fromstring(response.data)
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    channel = rss.find("channel")
    assert channel.find("language").text == "en"
    assert channel.find("lastBuildDate").text == "Thu, 12 Jun 2025 16:00:00 GMT"
    items = channel.findall("item")
    assert [i.find("title").text for i in items] == ["Winner Data Transformation Award: Univé"]
    assert items[0].find("guid").get("isPermaLink") == "false"
    assert items[0].find("pubDate").text == "Thu, 12 Jun 2025 16:00:00 GMT"


def test_the_winners_page_links_to_the_fragment_and_the_feeds(results, clock, get):
    clock.set(PUBLISH)
    slug = results.programme.slug
    html = get(f"/awards/{slug}/winners", lang="en").text
    assert (
        f'<link rel="alternate" type="application/atom+xml" title="Winners (Atom feed)" '
        f'href="/awards/{slug}/winners.atom?lang=en">'
    ) in html
    assert (
        f'type="application/rss+xml" title="Winners (RSS feed)" href="/awards/{slug}/winners.rss?lang=en"'
        in html
    )
    assert f'href="/awards/{slug}/winners/embed.html?lang=en"' in html
    assert 'id="data-transformation"' in html  # what the feeds' links point at


def test_published_answers_are_cacheable_for_anonymous_visitors_only(
    results, clock, get, app, login, make_user
):
    clock.set(PUBLISH)
    for path in paths(results):
        assert "no-store" not in get(path).headers.get("Cache-Control", ""), path
    g.pop("_login_user", None)
    client = login(make_user(), app.test_client())
    for path in paths(results):
        g.pop("_login_user", None)
        assert "no-store" in client.get(path).headers["Cache-Control"], path
