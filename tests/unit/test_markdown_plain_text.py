"""`core.markdown.to_plain_text`: an event description's Markdown as the plain text a calendar
entry or a plain-text e-mail shows: headings as lines, list items as "• " / "1. " lines,
links as "text (url)", and no Markdown syntax left. (The .ics file: `test_calendar.py`.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import core.markdown
from core.markdown import to_plain_text

ROOT = Path(__file__).resolve().parents[2]
#: what Markdown syntax looks like when it is left in the text
SYNTAX = re.compile(r"^\s*#|\*\*|__|^\s*[-*+] |\]\(|^\s*>|`", re.M)


def test_headings_become_lines_and_paragraphs_are_kept_apart():
    text = "## Wat neem je mee?\n\nEen korte *inleiding*\nop twee regels.\n\n### Daarna\nMeer."
    assert to_plain_text(text) == (
        "Wat neem je mee?\n\nEen korte inleiding op twee regels.\n\nDaarna\n\nMeer."
    )


def test_list_items_become_bullet_lines_nested_ones_indented():
    text = "- **Waarom dit urgent is**: de AP handhaaft.\n- Tweede\n  - dieper\n- Derde"
    assert to_plain_text(text) == (
        "• Waarom dit urgent is: de AP handhaaft.\n• Tweede\n  • dieper\n• Derde"
    )


def test_ordered_lists_keep_their_numbers():
    assert to_plain_text("3. drie\n4. vier") == "3. drie\n4. vier"


def test_links_show_their_text_and_address():
    text = (
        "Lees [de brief](https://ap.example/brief), mail [ons](mailto:info@ddma.example) "
        "of <https://ddma.example> en <info@ddma.example>."
    )
    assert to_plain_text(text) == (
        "Lees de brief (https://ap.example/brief), mail ons (info@ddma.example) "
        "of https://ddma.example en info@ddma.example."
    )


def test_breaks_quotes_code_rules_and_images():
    text = (
        "Eerste regel  \ntweede regel\n\n> Een citaat\n\n```\nflask run\n```\n\n---\n\n"
        "![Het logo van *DDMA*](logo.png) \\*geen nadruk\\*"
    )
    assert to_plain_text(text) == (
        "Eerste regel\ntweede regel\n\n    Een citaat\n\n    flask run\n\n———\n\n"
        "Het logo van DDMA *geen nadruk*"
    )


def test_raw_html_stays_text_and_entities_are_decoded():
    assert to_plain_text("<b>vet</b> &amp; &euro;50") == "<b>vet</b> & €50"


@pytest.mark.parametrize("text", [None, "", "  \n "])
def test_nothing_gives_nothing(text):
    assert to_plain_text(text) == ""


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_seed_description_reads_as_plain_text(lang):
    """The demo Digital Talk (from the seed): its headings and bullets survive, without any
    `##`, `**` or `- `."""
    doc = json.loads((ROOT / "demo" / "events.json").read_text(encoding="utf-8"))
    source = doc["events"][0]["description"][lang]
    assert "## " in source and "- **" in source
    plain = to_plain_text(source)
    assert SYNTAX.search(plain) is None, SYNTAX.search(plain)
    heading = "Wat neem je mee?" if lang == "nl" else "What will you take away?"
    assert f"\n\n{heading}\n\n• " in plain
    assert plain.count("\n• ") == source.count("\n- ")


def test_an_empty_list_item_keeps_its_marker():
    assert to_plain_text("-\n- b\n\n1.\n2. c") == "•\n• b\n\n1.\n2. c"


def test_a_text_is_parsed_once_for_many_confirmations(monkeypatch):
    """Every confirmation's calendar file and e-mail carry the description: the same text is
    parsed once and gives the same plain text each time."""
    parsed = []
    real = core.markdown._parser.parse
    monkeypatch.setattr(core.markdown._parser, "parse", lambda t: parsed.append(t) or real(t))
    text = "## Eenmalig\n\n- een *keer* gelezen " + str(id(parsed))
    first = to_plain_text(text)
    assert [to_plain_text(text) for _ in range(3)] == [first] * 3
    assert parsed == [text]
