"""The awards journeys of issue 8 in a real browser, in Dutch and in English: an entrant from
sign-up to the deadline; an admin, a juror and the chair from screening to ratification; and
the public winners page around the embargo. Each journey also walks its failure paths: every
one answers with a clear message in the person's language (never a 5xx, which the harness
fails on anyway)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from awards.models import Entry
from core.extensions import db
from tests.browser.awards_steps import choose_file, error_text, log_in, mail_link, say
from tests.factories import fresh, pdf_bytes, png_bytes

# --- 1. the entrant -------------------------------------------------------------------------


def test_an_entrant_signs_up_enters_withdraws_reopens_and_meets_the_deadline(
    person, make_programme, outbox, clock, tmp_path
):
    lang = person.lang
    programme = make_programme("cda-2025")
    email = f"anna.{lang}@unive.nl"

    # From the programme's public page to its entry form, which needs an account.
    person.goto(f"/awards/{programme.slug}")
    person.follow(say(lang, "Enter this category"))
    assert person.path.startswith("/login")
    person.see(say(lang, "Log in to see this page."))
    wanted = f"/awards/{programme.slug}/entries/new?category={programme.categories[0].id}"

    # No account yet: sign up from the log-in page; two different passwords first.
    person.follow(say(lang, "No account yet? Sign up"))
    person.fill(say(lang, "Name"), "Anna de Vries")
    person.fill(say(lang, "E-mail address"), email)
    person.fill(say(lang, "Password"), "een lang wachtwoord")
    person.fill(say(lang, "Repeat the password"), "een ander wachtwoord")
    person.press(say(lang, "Sign up"), exact=True)
    person.see(say(lang, "The two passwords are not the same."))
    assert outbox(to=email) == []
    person.fill(say(lang, "Password"), "een lang wachtwoord")
    person.fill(say(lang, "Repeat the password"), "een lang wachtwoord")
    person.press(say(lang, "Sign up"), exact=True)
    person.see(say(lang, "Check your e-mail"))

    # The link in the e-mail confirms the address and leads on to log in, then to the form.
    [mail] = outbox(to=email, kind="account_verify")
    person.goto(mail_link(mail, r"/verify/\S+"))
    person.see(say(lang, "Thank you, your e-mail address is confirmed."))
    log_in(person, email, "een lang wachtwoord")
    assert person.path == wanted
    assert person.page.get_by_label(say(lang, "Category")).input_value() == str(
        programme.categories[0].id
    )

    # The case, with a file that is not a PDF: a clear message, nothing saved.
    person.fill(say(lang, "Organisation"), "Univé")
    person.fill(say(lang, "Title of the case"), "Klantprofielen in een complexe organisatie")
    person.fill(say(lang, "Summary"), "Een datastrategie met meetbare impact.")
    person.fill(say(lang, "The case"), "Eerste alinea.\n\nTweede alinea.", exact=True)
    fake = tmp_path / "plan.pdf"
    fake.write_bytes(png_bytes())
    choose_file(person, say(lang, "PDF attachment (optional)"), fake)
    person.press(say(lang, "Save"), exact=True)
    person.see(say(lang, "Only PDF files can be attached; this file is not a PDF."))
    assert db.session.scalar(sa.select(sa.func.count(Entry.id))) == 0

    # The real PDF: the draft is saved with it.
    real = tmp_path / "Ons plan.pdf"
    real.write_bytes(pdf_bytes())
    choose_file(person, say(lang, "PDF attachment (optional)"), real)
    person.screenshot("entry-form")
    person.press(say(lang, "Save"), exact=True)
    person.see(say(lang, "Your draft %(ref)s has been saved.", ref="CDA-0001"))
    person.see("Ons_plan.pdf")

    # Submitted, with a receipt.
    person.press(say(lang, "Submit entry"))
    person.see(
        say(lang, "Your entry has been submitted. We sent a receipt to %(email)s.", email=email)
    )
    assert len(outbox(to=email, kind="entry_submitted")) == 1

    # Withdrawing asks first; "Back" changes nothing.
    [entry_id] = db.session.scalars(sa.select(Entry.id))
    person.press(say(lang, "Withdraw entry"))
    person.see(say(lang, "Withdraw entry %(ref)s?", ref="CDA-0001"))
    person.follow(say(lang, "Back"), exact=True)
    assert fresh(Entry, entry_id).status == "submitted"
    person.press(say(lang, "Withdraw entry"))
    person.press(say(lang, "Withdraw entry"))
    person.see(say(lang, "Your entry has been withdrawn. The jury will not see it."))
    assert fresh(Entry, entry_id).status == "withdrawn"

    # Before the deadline the withdrawal can be undone, and the entry submitted again.
    person.press(say(lang, "Reopen as draft"))
    person.see(say(lang, "Your entry is a draft again. Submit it before the deadline."))
    person.press(say(lang, "Submit entry"))
    assert fresh(Entry, entry_id).status == "submitted"

    # The deadline passes while the edit form is open: saving is refused, nothing changes.
    person.follow(say(lang, "Edit"), exact=True)
    person.fill(say(lang, "Title of the case"), "Te laat")
    clock.set(programme.submissions_close_at + timedelta(minutes=1))
    person.press(say(lang, "Save"), exact=True)
    closed = say(lang, "Submissions for this programme closed on %(date)s.", date="|")
    assert closed.split("|")[0] in error_text(person)
    assert fresh(Entry, entry_id).title == "Klantprofielen in een complexe organisatie"

    # The entry page offers no edit any more; the old edit link explains why.
    person.goto(f"/awards/{programme.slug}/entries/{entry_id}")
    assert person.page.get_by_role("link", name=say(lang, "Edit"), exact=True).count() == 0
    person.goto(f"/awards/{programme.slug}/entries/{entry_id}/edit")
    assert person.path == f"/awards/{programme.slug}/entries/{entry_id}"
    assert closed.split("|")[0] in error_text(person)
