"""Steps of the events journeys (tests/browser/test_events_journeys.py): what a person does
on the event pages, in the words of their language, and what the test reads around them
(the outbox, calendar files, the scheduler's run).

`say(person, en, nl)` is the visible text in the person's language: written out here, not
looked up in the catalogue, so an untranslated text fails the Dutch run.
"""

from __future__ import annotations

import re
from pathlib import Path

from icalendar import Calendar

from core.extensions import db
from tests.browser.conftest import Person


def say(person: Person, en: str, nl: str) -> str:
    """The text a person reads: `nl` in the Dutch run, `en` in the English one."""
    return nl if person.lang == "nl" else en


def mails(outbox, **kw) -> list:
    """The outbox as the server committed it (the test's read transaction ends first)."""
    db.session.commit()
    return list(outbox(**kw))


def mail_link(person: Person, message, path_part: str) -> str:
    """The path of the first link in `message` to the live server whose path holds
    `path_part` (a mail's links are absolute, made in the person's request)."""
    base = re.escape(person.base_url)
    match = re.search(base + r"(/\S*" + re.escape(path_part) + r"\S*)", message.body_text)
    assert match, message.body_text
    return match.group(1)


def follow_mail(person: Person, outbox, *, to: str, kind: str, path_part: str):
    """Open the newest `kind` mail to `to` and follow its link (the one holding `path_part`)
    in the person's browser; returns the mail."""
    found = mails(outbox, to=to, kind=kind)
    assert found, f"no {kind} mail to {to}: {[m.kind for m in mails(outbox)]}"
    message = found[-1]
    person.goto(mail_link(person, message, path_part))
    return message


def fill_registration(person: Person, *, name: str, email: str, billing: bool = False) -> None:
    """The registration form, as a person fills it in (billing details when asked)."""
    person.fill(say(person, "Name", "Naam"), name)
    person.fill(say(person, "E-mail address", "E-mailadres"), email)
    person.fill(say(person, "Organisation", "Organisatie"), "Nieuwstad Data")
    if billing:
        fill_billing(person)
    person.check(say(person, "I agree that my details", "Ik ga ermee akkoord"))


def fill_billing(person: Person) -> None:
    person.fill(say(person, "Company", "Bedrijf"), "Nieuwstad Data B.V.")
    person.fill(say(person, "Address", "Adres"), "Keizersgracht 1", exact=True)
    person.fill("Postcode", "1015 AA", exact=True)
    person.fill(say(person, "City", "Plaats"), "Amsterdam", exact=True)


def register(person: Person, slug: str, *, name: str, email: str, billing: bool = False):
    """From the event page: Register, fill in the form, send it; lands on "check your inbox"."""
    person.goto(f"/events/{slug}")
    person.follow(say(person, "Register", "Aanmelden"), exact=True)
    fill_registration(person, name=name, email=email, billing=billing)
    person.press(say(person, "Register", "Aanmelden"), exact=True)
    person.see(say(person, "Check your inbox", "Kijk in je inbox"))


def verify(person: Person, outbox, email: str) -> None:
    """Follow the verification link in the latest `event_verify` mail."""
    follow_mail(person, outbox, to=email, kind="event_verify", path_part="/verify")


def download(person: Person, link_name: str, *, exact: bool = False) -> bytes:
    """Click a link that downloads a file; returns the file's bytes."""
    db.session.commit()
    with person.page.expect_download() as info:
        person.page.get_by_role("link", name=link_name, exact=exact).first.click()
    return Path(info.value.path()).read_bytes()


def fetch(person: Person, link_name: str, *, exact: bool = False) -> tuple[str, bytes]:
    """What a link points to, fetched with the person's cookies without leaving the page
    (a PDF shown inline would open Chromium's viewer): (content type, bytes)."""
    db.session.commit()
    href = person.page.get_by_role("link", name=link_name, exact=exact).first.get_attribute("href")
    assert href, link_name
    response = person.page.request.get(person.url(href))
    assert response.ok, (href, response.status)
    return response.headers["content-type"], response.body()


def calendar(body: bytes) -> Calendar:
    assert body.startswith(b"BEGIN:VCALENDAR"), body[:80]
    return Calendar.from_ical(body)


def pay_on_test_checkout(person: Person, action: str) -> None:
    """On the pay page: Pay, then on the local test checkout "pay" or "fail"."""
    person.press(say(person, "Pay €", "Betaal €"))
    person.see(say(person, "TEST CHECKOUT", "TESTBETAALPAGINA"))
    if action == "pay":
        person.press(say(person, "(test)", "(test)"))
    else:
        person.press(say(person, "Fail the payment", "Betaling laten mislukken"))


def run_scheduler(app, base_url: str) -> str:
    """`flask events expire-holds`, as the scheduler runs it, with links to the live server."""
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["events", "expire-holds", "--base-url", base_url])
    assert result.exit_code == 0, result.output
    return result.output
