"""Event descriptions are Markdown rendered to sanitised HTML (lists and headings survive, raw
HTML and script never pass), and the event page names its time zone (issue 8, item 5)."""

from __future__ import annotations

import json
import secrets
from html.parser import HTMLParser
from pathlib import Path

from core import markdown
from core.extensions import db
from core.markdown import render_markdown
from tests.factories import make_event

EN = {"Accept-Language": "en"}

DESCRIPTION = """Een korte inleiding.

### Wat neem je mee?

- **Waarom dit urgent is**: de AP handhaaft actief.
- De juridische basis in begrijpelijke taal

Meer op [de DDMA-site](https://ddma.nl/)."""


def _attributes(html: str) -> list[str]:
    """The attribute names of every tag in `html`, as a browser's parser reads them."""
    names: list[str] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            names.extend(name for name, _value in attrs)

    Collect().feed(html)
    return names


def _main(response) -> str:
    html = response.get_data(as_text=True)
    return html[html.index("<main>") : html.index("</main>")]


def test_a_list_and_a_heading_come_out_as_html(client):
    event = make_event(description_nl=DESCRIPTION)
    db.session.commit()
    page = _main(client.get(f"/events/{event.slug}?lang=nl"))
    assert "<h3>Wat neem je mee?</h3>" in page
    assert "<ul>\n<li><strong>Waarom dit urgent is</strong>: de AP handhaaft actief.</li>" in page
    assert "<li>De juridische basis in begrijpelijke taal</li>\n</ul>" in page
    assert '<a href="https://ddma.nl/" rel="noopener nofollow">de DDMA-site</a>' in page


def test_script_and_event_handlers_never_pass(client):
    hostile = (
        "<script>alert(1)</script>\n\n"
        '<a href="https://e.example" onclick="steal()">klik</a>\n\n'
        '<img src="x" onerror="steal()">\n\n'
        "[link](javascript:alert(1))"
    )
    event = make_event(description_nl=hostile)
    db.session.commit()
    page = _main(client.get(f"/events/{event.slug}?lang=nl"))
    assert "<script" not in page and "<img" not in page
    assert [a for a in _attributes(page) if a.startswith("on")] == []  # no tag carries a handler
    assert 'href="javascript:' not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown as the text it is


def test_the_cleaner_drops_what_the_parser_lets_through():
    # markdown-it turns an autolink into <a>; a title with a quote stays an attribute value
    html = str(render_markdown('<https://e.example>\n\n[x](https://e.example "t\\" onclick=y")'))
    assert 'rel="noopener nofollow"' in html
    assert [a for a in _attributes(html) if a.startswith("on")] == []
    # headings stay between h2 and h4: a description never adds a second h1
    assert str(render_markdown("# Titel")) == "<h2>Titel</h2>\n"
    assert str(render_markdown("###### Klein")) == "<h4>Klein</h4>\n"
    assert str(render_markdown(None)) == "" and str(render_markdown("  ")) == ""


def test_an_event_page_parses_its_description_once_for_many_views(client, monkeypatch):
    parsed: list[str] = []
    parse = markdown._parser.parse
    monkeypatch.setattr(markdown._parser, "parse", lambda text: parsed.append(text) or parse(text))
    event = make_event(description_en=DESCRIPTION + f"\n\nOnly event {secrets.token_hex(4)}.")
    db.session.commit()
    pages = [_main(client.get(f"/events/{event.slug}", headers=EN)) for _ in range(3)]
    assert "<h3>Wat neem je mee?</h3>" in pages[0] and pages[0] == pages[2]
    assert parsed.count(event.description_en) == 1  # the same text's HTML is kept


def test_the_event_page_states_the_time_zone_in_dutch(client):
    event = make_event()
    db.session.commit()
    page = _main(client.get(f"/events/{event.slug}?lang=nl"))
    assert "Tijden in Nederlandse tijd (Europe/Amsterdam)" in page


def test_the_event_page_states_the_time_zone_in_english(client):
    event = make_event()
    db.session.commit()
    page = _main(client.get(f"/events/{event.slug}", headers=EN))
    assert "Times in Dutch time (Europe/Amsterdam)" in page


def test_the_demo_description_has_its_headings_and_lists():
    events = json.loads(Path("demo/events.json").read_text(encoding="utf-8"))["events"]
    html = str(render_markdown(events[0]["description"]["nl"]))
    assert "<h2>Wat neem je mee?</h2>\n<ul>\n<li><strong>Waarom dit urgent is</strong>:" in html
    assert html.count("<h2>") == 3 and html.count("<ul>") == 3
