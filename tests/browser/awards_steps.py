"""Steps the awards journeys share: the words a person reads (in their language), logging in
through the form, following a link from an e-mail, choosing a file to upload.

A person finds things by the words on the screen, so a journey names them through `say`:
the English msgid, or its Dutch translation from the catalogue for a Dutch person. A Dutch
text missing from the catalogue fails the journey (that is a bug a Dutch person would see).
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.support import Translations

from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
_DUTCH = Translations.load(str(ROOT / "translations"), ["nl"])


def say(lang: str, msgid: str, **values) -> str:
    """`msgid` as a person reading `lang` sees it, with `values` filled in."""
    text = msgid
    if lang == "nl":
        text = _DUTCH._catalog.get(msgid, "")  # (gettext would fall back to the msgid)
        assert text, f"no Dutch for {msgid!r}"
    return text % values if values else text


def log_in(person, email: str, password: str = PASSWORD) -> None:
    """Log in through the log-in form from the page header (the person lands where the form
    sends them: home, or the `next` page)."""
    lang = person.lang
    if "/login" not in person.path:
        person.follow(say(lang, "Log in"), exact=True)
    person.fill(say(lang, "E-mail address"), email)
    person.fill(say(lang, "Password"), password)
    person.press(say(lang, "Log in"), exact=True)


def log_out(person) -> None:
    person.press(say(person.lang, "Log out"), exact=True)


def mail_link(message, path_pattern: str) -> str:
    """The path of the first link in `message` whose path matches `path_pattern`."""
    match = re.search(rf"https?://[^/\s]+({path_pattern})", message.body_text)
    assert match, message.body_text
    return match.group(1)


def choose_file(person, label: str, path: Path) -> None:
    """Choose `path` in the file field labelled `label` (as the file dialog would)."""
    person.page.get_by_label(label).first.set_input_files(str(path))


def error_text(person) -> str:
    """Every error and flash message on the page, joined."""
    return " ".join(
        person.page.locator(".error, .flash, [role=alert], [role=status]").all_inner_texts()
    )
