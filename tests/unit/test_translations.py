"""Every user-facing string is translatable and translated: the Dutch catalogue has no
untranslated or fuzzy entry, every message the sources mark (extracted as `pybabel extract`
does, with babel.cfg) is in it, and no template holds text outside `_()` / `{% trans %}`."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from jinja2 import Environment

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "translations" / "nl" / "LC_MESSAGES" / "messages.po"
TEMPLATES = ROOT / "templates"

#: words a template may show as they are, in either language: names (of the product, the
#: association, the payment provider), the mail header line the outbox reads, and the
#: abbreviations that are the same in Dutch and English
ALLOWED_WORDS = {
    "Podium",  # the product
    "DDMA",  # the association whose site this is
    "Stripe",  # the payment provider, named on the pay page
    "Subject",  # the first line of a mail template: a header the outbox parses, not shown
    "CSV",  # file formats named on buttons, the same in both languages
    "PDF",
    "XLSX",
    "JSON",
    "ics",
    "NL",  # the language switch names each language by its code, the same in both languages
    "EN",
}
#: attributes whose values people read (or hear)
READ_ATTRIBUTES = ("title", "alt", "placeholder", "aria-label")


@pytest.fixture(scope="module")
def catalogue():
    with CATALOGUE.open("rb") as handle:
        return read_po(handle, locale="nl")


def test_the_dutch_catalogue_has_no_untranslated_or_fuzzy_entry(catalogue):
    untranslated = [
        m.id
        for m in catalogue
        if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert {"untranslated": untranslated, "fuzzy": fuzzy} == {"untranslated": [], "fuzzy": []}


def test_every_marked_message_is_in_the_catalogue(catalogue):
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    # as `make i18n` runs `pybabel extract -k _l -k lazy_gettext --ignore-dirs=".venv instance"`
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    extracted = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT),
            method_map,
            options_map,
            keywords=keywords,
            directory_filter=lambda path: (
                Path(path).name not in (".venv", "instance", ".git")
                and not Path(path).name.startswith((".", "_"))
            ),
        )
    }
    assert extracted, "nothing extracted: babel.cfg or the extractors changed"
    missing = sorted(m for m in extracted if m and catalogue.get(m) is None)
    assert missing == []


def _templates() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*") if p.suffix in (".html", ".txt"))


def _bare_text(source: str) -> str:
    """The template's text outside Jinja: its data tokens, with `{% trans %}` blocks and
    every expression, statement and comment replaced by a space."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    parts: list[str] = []
    in_trans = False
    block: list[str] = []
    for _line, kind, value in env.lex(source):
        if kind == "block_begin":
            block = []
        elif kind == "name" and not block:
            block.append(value)
            if value == "trans":
                in_trans = True
            elif value == "endtrans":
                in_trans = False
        elif kind == "data" and not in_trans:
            parts.append(value)
            continue
        parts.append(" ")
    return "".join(parts)


def _words(text: str) -> list[str]:
    """Words people would read in `text` (HTML stripped; the attributes people read kept)."""
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    # scripts and styles are no text; <pre>/<code> show literal samples (a CSV header to copy)
    text = re.sub(r"<(script|style|pre|code)\b.*?</\1>", " ", text, flags=re.S | re.I)
    attributes = re.findall(
        rf'\s(?:{"|".join(READ_ATTRIBUTES)})="([^"]*)"', " ".join(re.findall(r"<[^>]*>", text))
    )
    text = re.sub(r"<[^>]*>", " ", text)
    text = re.sub(r"&[#\w]+;", " ", text)
    return [
        word
        for word in re.findall(r"[^\W\d_]{2,}", " ".join([text, *attributes]))
        if word not in ALLOWED_WORDS
    ]


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_a_template_holds_no_bare_text(path):
    assert _words(_bare_text(path.read_text(encoding="utf-8"))) == []


def test_the_bare_text_check_finds_untranslated_words():
    assert _words(_bare_text("<p>{{ _('Hello') }} Welcome <b>{{ name }}</b></p>")) == ["Welcome"]
    assert _words(_bare_text('<input placeholder="Your name">')) == ["Your", "name"]
    assert _words(_bare_text("{% trans %}Hello {{ name }}{% endtrans %} · DDMA")) == []
    assert _words(_bare_text('<a href="/x" class="button">{{ _("Go") }}</a>')) == []


#: calls whose text reaches people: flashes, form fields, validators and their messages
_SHOWN_CALLS = {"flash", "ValidationError", "InvalidInput", "SelectChoice"}
_VALIDATORS = {"DataRequired", "InputRequired", "Length", "Email", "NumberRange", "Regexp"}
_SHOWN_KEYWORDS = {"label", "message", "description", "render_kw"}
#: each language named in itself in the language choice, whatever the page's language
_AUTONYMS = {"Nederlands", "English"}


def _shown_literals() -> list[str]:
    """Plain string literals (with letters) passed where people read them, in the packages'
    sources: the text of `flash(...)`, a form field's label or description, a validator's
    message, an `InvalidInput`/`ValidationError` message, a select choice's label."""
    found = []
    for package in ("core", "awards", "events", "privacy", "podium", "demo"):
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", "")
                if name == "SelectChoice":
                    candidates = [*node.args[1:2], *node.keywords]
                elif name in _SHOWN_CALLS or name.endswith("Field"):
                    candidates = [*node.args[:1], *node.keywords]
                elif name in _VALIDATORS:
                    candidates = [*node.keywords]
                else:
                    continue
                for candidate in candidates:
                    if isinstance(candidate, ast.keyword):
                        if candidate.arg not in _SHOWN_KEYWORDS:
                            continue
                        candidate = candidate.value
                    if (
                        isinstance(candidate, ast.Constant)
                        and isinstance(candidate.value, str)
                        and re.search(r"[^\W\d_]{2,}", candidate.value)
                        and candidate.value not in _AUTONYMS
                    ):
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {candidate.value!r}")
    return found


def test_flashes_fields_and_messages_go_through_gettext():
    assert _shown_literals() == []
