"""Group messages in a real browser, in Dutch and in English: an admin writes to the jurors
who have not finished scoring (preview, a test to themselves, then the send after its
confirmation), then to the entrants; an entrant follows the unsubscribe link in that mail
and is left out of the next message."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from awards.models import GroupMessage, MessageOptOut
from awards.services import group_messages
from core.extensions import db
from tests.browser.awards_steps import log_in, mail_link, say
from tests.factories import make_scorecard

SCORING = datetime(2025, 4, 10, 9, 0, tzinfo=UTC)


def compose(person, group: str, subject: str) -> None:
    lang = person.lang
    person.follow(say(lang, "New message"))
    person.select(say(lang, "Send to"), say(lang, group))
    person.fill(say(lang, "Subject (Dutch)"), f"{subject} (nl)")
    person.fill(say(lang, "Message (Dutch)"), "Beste lezer,\n\nDe **deadline** nadert.")
    person.fill(say(lang, "Subject (English)"), f"{subject} (en)")
    person.fill(say(lang, "Message (English)"), "Dear reader,\n\nThe **deadline** is near.")
    person.press(say(lang, "Preview"), exact=True)


def test_an_admin_messages_unfinished_jurors_and_entrants_who_may_unsubscribe(
    person, clock, outbox, make_programme, make_entry, make_juror, make_user
):
    lang = person.lang
    clock.set(SCORING)
    programme = make_programme("cda-2025")
    anna = make_user(f"anna.{lang}@unive.nl", name="Anna de Vries", locale=lang)
    first = make_entry(programme, owner=anna)
    second = make_entry(programme, owner=make_user("ben@odido.nl", name="Ben Bakker"))
    busy = make_juror(programme, make_user("jan@kpn.com", name="Jan Jansen", locale="en"))
    make_scorecard(busy, first)
    done = make_juror(programme, make_user("done@kpn.com", name="Dora Klaar"))
    make_scorecard(done, first)
    make_scorecard(done, second)
    admin = make_user(f"admin.{lang}@ddma.nl", name="Ada Admin", admin=True, locale=lang)

    person.goto("/login")
    log_in(person, admin.email)
    person.goto(f"/admin/programmes/{programme.slug}")
    person.follow(say(lang, "Messages"), exact=True)
    person.see(say(lang, "No messages have been sent yet."))

    # To the jurors who have not finished: the preview names Jan, not Dora.
    compose(person, "Jurors who have not finished scoring", "Scores")
    person.see("Scores (nl)")
    person.see("Scores (en)")
    person.see("Jan Jansen")
    assert "Dora Klaar" not in person.text()
    person.see(
        say(lang, "A message to jurors is part of their jury work: it carries no unsubscribe link.")
    )
    person.screenshot("messages-preview")

    # A test to the admin only, in the admin's language.
    person.press(say(lang, "Send a test to me"), exact=True)
    person.see(say(lang, "A test was sent to %(email)s.", email=admin.email))
    [test] = outbox(to=admin.email)
    assert test.subject == f"[{say(lang, 'Test')}] Scores ({lang})"
    assert outbox(to="jan@kpn.com") == []

    # The send asks first, then queues Jan's mail (in English, his language).
    person.press(say(lang, "Send…"), exact=True)
    person.see(say(lang, "Send this message to %(num)s people?", num=1))
    person.press(say(lang, "Send the message"), exact=True)
    person.see(say(lang, "The message was queued for %(num)s people.", num=1))
    [jan] = outbox(to="jan@kpn.com")
    assert jan.subject == "Scores (en)" and jan.headers is None
    assert outbox(to="done@kpn.com") == []

    # To the entrants: both, each with an unsubscribe link.
    compose(person, "Entrants of the programme", "Ceremony")
    person.see("Anna de Vries")
    person.see("Ben Bakker")
    person.press(say(lang, "Send…"), exact=True)
    person.press(say(lang, "Send the message"), exact=True)
    person.see(say(lang, "The message was queued for %(num)s people.", num=2))
    [mail] = outbox(to=anna.email)
    assert mail.subject == f"Ceremony ({lang})"
    assert db.session.scalar(sa.select(sa.func.count(GroupMessage.id))) == 2

    # Anna follows the link in her mail (no log-in needed) and unsubscribes.
    link = mail_link(mail, r"/messages/unsubscribe/\S+")
    person.press(say(lang, "Log out"), exact=True)
    person.goto(link)
    person.see(programme.name)
    person.press(say(lang, "Unsubscribe"), exact=True)
    person.see(
        say(
            lang,
            "You will receive no more messages to entrants of %(programme)s. Mail about your "
            "own entry still reaches you.",
            programme=programme.name,
        )
    )
    assert db.session.scalar(sa.select(MessageOptOut.user_id)) == anna.id
    chosen = group_messages.target(programme, "entrants", category_id=None, panel_id=None)
    left = group_messages.recipients(programme, chosen, now=SCORING)
    assert [p.name for p in left.people] == ["Ben Bakker"] and left.left_out == 1
