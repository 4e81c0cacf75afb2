"""The awards journeys of issue 8 in a real browser, in Dutch and in English: an entrant from
sign-up to the deadline; an admin, a juror and the chair from screening to ratification; and
the public winners page around the embargo. Each journey also walks its failure paths: every
one answers with a clear message in the person's language (never a 5xx, which the harness
fails on anyway)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from awards.models import Conflict, Entry, JuryMember, Ratification, Scorecard
from awards.services import ratification as decisions
from core.accounts.models import User
from core.extensions import db
from tests.browser.awards_steps import choose_file, error_text, log_in, mail_link, say
from tests.factories import fresh, make_scorecard, pdf_bytes, png_bytes

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


# --- 2. the admin, a juror and the chair ----------------------------------------------------

SCREENING = datetime(2025, 4, 2, 6, 0, tzinfo=UTC)  # submissions closed, scoring not open
SCORING = datetime(2025, 4, 10, 9, 0, tzinfo=UTC)
DELIBERATION = datetime(2025, 5, 10, 9, 0, tzinfo=UTC)  # scoring closed, not yet published


def scorecards_of(member_id: int) -> list[Scorecard]:
    db.session.rollback()
    return list(
        db.session.scalars(sa.select(Scorecard).where(Scorecard.jury_member_id == member_id))
    )


def test_an_admin_screens_and_invites_a_juror_scores_and_the_chair_ratifies(
    new_person, lang, make_programme, make_entry, make_user, make_juror, outbox, clock
):
    clock.set(SCREENING)
    programme = make_programme("cda-2025", quorum=1, trim=0)
    transformation, innovation = programme.categories
    admin = make_user(f"admin.{lang}@ddma.nl", name="Ada Admin", admin=True, locale=lang)
    chair = make_juror(
        programme,
        make_user(f"chair.{lang}@example.org", name="Cees Voorzitter", locale=lang),
        role="chair",
    )
    unive = make_entry(programme, category=transformation, ref="CDA-0001", organisation="Univé",
                       status="submitted")  # fmt: skip
    bol = make_entry(programme, category=transformation, ref="CDA-0002", organisation="Bol",
                     title="Bol case")  # fmt: skip
    spam = make_entry(programme, category=transformation, ref="CDA-0003", organisation="Spam BV",
                      status="submitted")  # fmt: skip
    kpn = make_entry(programme, category=innovation, ref="CDA-0004", organisation="KPN")

    # The admin screens: Univé eligible; Spam BV ineligible, which needs a reason.
    admin_p = new_person(lang)
    admin_p.goto("/")
    log_in(admin_p, admin.email)
    admin_p.follow(say(lang, "Awards admin"))
    admin_p.follow(programme.name)
    admin_p.follow(say(lang, "Entries and screening"))
    admin_p.follow("CDA-0001", exact=True)
    admin_p.check(say(lang, "Eligible"), exact=True)
    admin_p.press(say(lang, "Save screening"))
    assert fresh(Entry, unive.id).status == "eligible"
    admin_p.follow("CDA-0003", exact=True)
    admin_p.check(say(lang, "Ineligible"), exact=True)
    admin_p.press(say(lang, "Save screening"))
    admin_p.see(say(lang, "Give the reason why the entry is ineligible."))
    assert fresh(Entry, spam.id).status == "submitted"
    admin_p.fill(say(lang, "Reason"), "Geen klantdata in deze case.")
    admin_p.press(say(lang, "Save screening"))
    assert fresh(Entry, spam.id).status == "ineligible"

    # The admin invites a juror; a mistyped address first.
    admin_p.follow(programme.name)
    admin_p.follow(say(lang, "Jury"), exact=True)
    juror_email = f"jet.{lang}@example.org"
    admin_p.fill(say(lang, "E-mail address"), "jet@")
    admin_p.fill(say(lang, "Name"), "Jet Jurylid")
    admin_p.press(say(lang, "Send invitation"))
    admin_p.see(say(lang, "Enter a valid e-mail address."))
    admin_p.fill(say(lang, "E-mail address"), juror_email)
    admin_p.press(say(lang, "Send invitation"))
    admin_p.see(say(lang, "Invitation sent to %(email)s.", email=juror_email))

    # The juror follows the link, chooses a password and accepts the terms (after a try
    # without ticking the box).
    juror_p = new_person(lang)
    [invite] = outbox(to=juror_email, kind="jury_invite")
    juror_p.goto(mail_link(invite, r"/jury/invite/\S+"))
    juror_p.fill(say(lang, "Choose a password"), "jurywachtwoord 2025")
    juror_p.fill(say(lang, "Repeat the password"), "jurywachtwoord 2025")
    juror_p.press(say(lang, "Set password and continue"))
    juror_p.press(say(lang, "Accept the terms"))
    juror_p.see(say(lang, "Tick the box to accept the jury terms."))
    juror_p.check(say(lang, "I have read the jury terms and accept them."))
    juror_p.press(say(lang, "Accept the terms"))
    juror_p.see(say(lang, "Thank you. You can now see the entries."))
    [member_id] = db.session.scalars(
        sa.select(JuryMember.id).join(JuryMember.user).where(User.email == juror_email)
    )

    # Scoring opens. A conflict with Bol: declared (a reason is needed), and Bol is gone.
    clock.set(SCORING)
    juror_p.goto(f"/jury/{programme.slug}/entries")
    juror_p.follow("Bol case")
    juror_p.press(say(lang, "Declare a conflict of interest"))
    juror_p.see(say(lang, "Say why you have a conflict of interest."))
    juror_p.fill(say(lang, "Why do you have a conflict of interest?"), "Ik werkte bij Bol.")
    juror_p.press(say(lang, "Declare a conflict of interest"))
    juror_p.see(
        say(lang, "Your conflict of interest is recorded; the entry is no longer on your list.")
    )
    assert "Bol case" not in juror_p.text()

    # The scorecard for Univé: a criterion left out, then a score off the scale (a form
    # changed by hand): clear messages, nothing saved.
    juror_p.follow(unive.title)
    names = [criterion.name(lang) for criterion in programme.criteria]
    scores = dict(zip(names, ("8", "7", "6", "9"), strict=True))
    for name, value in list(scores.items())[:3]:
        juror_p.page.get_by_label(name, exact=True).select_option(value)
    juror_p.press(say(lang, "Submit"), exact=True)
    juror_p.see(say(lang, "Score this criterion before submitting."))
    assert scorecards_of(member_id) == []
    impact = juror_p.page.get_by_label(names[0], exact=True)
    impact.evaluate("s => s.add(new Option('11', '11'))")
    impact.select_option("11")
    for name, value in list(scores.items())[1:]:
        juror_p.page.get_by_label(name, exact=True).select_option(value)
    juror_p.press(say(lang, "Submit"), exact=True)
    juror_p.see(say(lang, "Choose a score from %(min)s to %(max)s.", min="1", max="10"))
    assert scorecards_of(member_id) == []
    juror_p.goto(juror_p.path)  # a fresh form: nothing was kept
    for name, value in scores.items():
        juror_p.page.get_by_label(name, exact=True).select_option(value)
    juror_p.fill(say(lang, "Overall comment"), "Sterke case.")
    juror_p.screenshot("scorecard")
    juror_p.press(say(lang, "Submit"), exact=True)
    juror_p.see(say(lang, "Your scorecard is submitted. Thank you!"))
    [card] = scorecards_of(member_id)
    assert card.status == "submitted" and card.entry_id == unive.id

    # The chair scored too; scoring closes. The chair finds the results from the jury page.
    db.session.rollback()  # (the test's own read transaction; the browser wrote since)
    for entry_id in (unive.id, bol.id, kpn.id):
        make_scorecard(db.session.get(JuryMember, chair.id), db.session.get(Entry, entry_id), 6)
    clock.set(DELIBERATION)
    chair_p = new_person(lang)
    chair_p.goto("/")
    log_in(chair_p, f"chair.{lang}@example.org")
    chair_p.follow(say(lang, "Jury"), exact=True)
    chair_p.follow(say(lang, "Results"), exact=True)
    assert chair_p.path == f"/admin/awards/{programme.slug}/results"
    chair_p.see("Univé")
    chair_p.screenshot("leaderboard")

    # Nominees, then the winner, through the confirmation step.
    chair_p.check("CDA-0001 · Univé")
    chair_p.check("CDA-0002 · Bol")
    chair_p.press(say(lang, "Save shortlist"))
    chair_p.see(say(lang, "The shortlist has been saved."))
    ratify_form = chair_p.page.locator("form[action$='/ratify']")
    ratify_form.get_by_label("CDA-0001 · Univé").check()
    chair_p.press(say(lang, "Ratify"), exact=True)
    chair_p.see(
        say(lang, "Ratify %(organisation)s as the winner of %(category)s?",
            organisation="Univé", category=transformation.name(lang))
    )  # fmt: skip
    assert db.session.scalar(sa.select(sa.func.count(Ratification.id))) == 0
    chair_p.press(say(lang, "Ratify"), exact=True)
    chair_p.see(say(lang, "The winner has been ratified."))
    [ratified] = db.session.scalars(sa.select(Ratification))
    assert ratified.winner_entry_id == unive.id

    # The other category: while the chair has the form open, a conflict of the chair's with
    # KPN is upheld. Ratifying is refused with a 403 page that says why.
    chair_p.follow(innovation.name(lang))
    chair_p.check("CDA-0004 · KPN")
    chair_p.press(say(lang, "Save shortlist"))
    chair_p.page.locator("form[action$='/ratify']").get_by_label("CDA-0004 · KPN").check()
    db.session.add(Conflict(jury_member_id=chair.id, entry_id=kpn.id, source="declared",
                            status="upheld", reason="Oud-collega", created_at=DELIBERATION))  # fmt: skip
    response_status = []
    chair_p.page.once("response", lambda r: response_status.append(r.status))
    chair_p.press(say(lang, "Ratify"), exact=True)
    assert response_status == [403]
    chair_p.see(
        say(lang, "You have a conflict of interest in this category; an admin takes this decision.")
    )
    assert db.session.scalar(sa.select(sa.func.count(Ratification.id))) == 1


# --- 3. the embargo -------------------------------------------------------------------------


def test_the_winners_page_keeps_the_embargo_to_the_second_and_names_only_jurors_who_scored(
    person, make_programme, make_entry, make_user, make_juror, clock
):
    lang = person.lang
    clock.set(DELIBERATION)
    programme = make_programme("cda-2025", quorum=1, trim=0)
    transformation = programme.categories[0]
    chair = make_juror(programme, make_user(name="Cees Voorzitter"), role="chair",
                       affiliation="DDMA")  # fmt: skip
    scorer = make_juror(programme, make_user(name="Sara Scorer"), affiliation="ANWB")
    idle = make_juror(programme, make_user(name="Ivo Nooitgescoord"), affiliation="KLM")
    unive = make_entry(programme, category=transformation, organisation="Univé",
                       title="Klantprofielen")  # fmt: skip
    bol = make_entry(programme, category=transformation, organisation="Bol")
    for member in (chair, scorer):
        make_scorecard(member, unive, 9, at=SCORING)
        make_scorecard(member, bol, 7, at=SCORING)
    make_scorecard(idle, bol, 5, status="draft", at=SCORING)  # never submitted
    decisions.shortlist(programme, transformation, [unive.id, bol.id], actor=chair.user,
                        now=DELIBERATION)  # fmt: skip
    decisions.ratify(programme, transformation, unive.id, actor=chair.user, now=DELIBERATION,
                     citation_nl="Een overtuigende case.", citation_en="A convincing case.")  # fmt: skip

    # One second before the announcement: only when it will be.
    clock.set(programme.publish_at - timedelta(seconds=1))
    person.goto("/")
    assert person.page.get_by_role("link", name=say(lang, "Winners"), exact=True).count() == 0
    person.goto(f"/awards/{programme.slug}/winners")
    person.see(say(lang, "The winners will be announced on %(when)s.",
                   when="12 juni 2025, 18:00" if lang == "nl" else "12 June 2025, 18:00"))  # fmt: skip
    page = person.text()
    for secret in ("Univé", "Bol", "Klantprofielen", "overtuigende", "convincing", "Sara"):
        assert secret not in page, secret

    # At the moment itself: the winner, the other nominee and the jury that scored.
    clock.set(programme.publish_at)
    person.goto("/")
    person.follow(say(lang, "Winners"), exact=True)
    assert person.path == f"/awards/{programme.slug}/winners"
    person.see(
        say(lang, "Winner %(award)s: %(organisation)s", award=transformation.name(lang),
            organisation="Univé")
    )  # fmt: skip
    person.see("Een overtuigende case." if lang == "nl" else "A convincing case.")
    person.see(say(lang, "The other nominees in this category were %(names)s.", names="Bol"))
    jury = person.page.locator("ul.jury").inner_text()
    assert "Cees Voorzitter" in jury and "Sara Scorer (ANWB)" in jury
    assert "Ivo" not in person.text()
    person.screenshot("winners-page")
