"""The whole juror path through the test client: invitation → password → terms → entry list →
draft → submit → locked; and the invitation link's edge cases."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import sqlalchemy as sa

from awards.models import Conflict, JuryMember, Scorecard
from core.accounts.models import User
from core.audit.models import AuditEntry
from core.extensions import db

SCORING = datetime(2025, 4, 10, 9, 0, tzinfo=UTC)
PASSWORD = "a long enough password"


def english(c):
    with c.session_transaction() as session:
        session["lang"] = "en"
    return c


def actions():
    return [a for (a,) in db.session.execute(sa.select(AuditEntry.action).order_by(AuditEntry.id))]


def invite_link(mail) -> str:
    return re.search(r"https?://[^/\s]+(/jury/invite/\S+)", mail.body_text).group(1)


def invite(client, login, make_user, programme, **data):
    english(login(make_user(admin=True)))
    form = {"email": "lisette@anwb.nl", "name": "Lisette Gouda", "affiliation": "ANWB"}
    form.update(role="member", **data)
    return client.post(f"/admin/awards/{programme.slug}/jury/invite", data=form)


def test_whole_juror_path(app, client, login, clock, outbox, make_user, make_programme, make_entry):
    programme = make_programme()
    case = make_entry(programme, organisation="Univé", title="Klantprofiel-landschap")
    response = invite(client, login, make_user, programme)
    assert response.status_code == 302

    user = db.session.scalar(sa.select(User).where(User.email == "lisette@anwb.nl"))
    assert (user.name, user.password_hash, user.email_verified_at, user.locale) == (
        "Lisette Gouda",
        None,
        None,
        "nl",
    )
    member = db.session.scalar(sa.select(JuryMember).where(JuryMember.user_id == user.id))
    assert (member.role, member.affiliation, member.invited_at) == ("member", "ANWB", clock())
    (mail,) = outbox(to="lisette@anwb.nl", kind="jury_invite")
    link = invite_link(mail)

    juror = english(app.test_client())
    page = juror.get(link)
    assert page.status_code == 200
    assert "Choose a password" in page.text
    assert juror.post(link, data={"password": "short", "confirm": "short"}).status_code == 400
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash is None

    response = juror.post(link, data={"password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302
    assert response.location.endswith(f"/jury/{programme.slug}/terms")
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.check_password(PASSWORD)
    assert user.email_verified_at == clock()

    entries_url = f"/jury/{programme.slug}/entries"
    entry_url = f"/jury/{programme.slug}/entries/{case.id}"
    assert juror.get(entries_url).location.endswith("/terms")
    assert juror.get(entry_url).location.endswith("/terms")
    terms = juror.get(f"/jury/{programme.slug}/terms")
    assert "Confidentiality and conflicts of interest." in terms.text
    assert juror.post(f"/jury/{programme.slug}/terms", data={}).status_code == 400
    db.session.expire_all()
    assert db.session.get(JuryMember, member.id).terms_accepted_at is None
    response = juror.post(f"/jury/{programme.slug}/terms", data={"accept": "y"})
    assert response.location.endswith(entries_url)
    db.session.expire_all()
    assert db.session.get(JuryMember, member.id).terms_accepted_at == clock()

    clock.set(SCORING)
    listing = juror.get(entries_url)
    assert "Klantprofiel-landschap" in listing.text
    assert "not started" in listing.text
    page = juror.get(entry_url)
    assert "Save draft" in page.text and "Submit" in page.text
    criteria = programme.criteria
    first = {f"score_{criteria[0].id}": "7", "comment": "Good start", "save": "Save draft"}
    assert juror.post(entry_url, data=first).status_code == 302
    card = db.session.scalar(sa.select(Scorecard))
    assert card.status == "draft"
    assert "draft" in juror.get(entries_url).text

    full = {f"score_{c.id}": str(n) for c, n in zip(criteria, (7, 8, 6, 9), strict=True)}
    response = juror.post(entry_url, data={**full, "submit": "Submit"})
    assert response.status_code == 302
    db.session.expire_all()
    card = db.session.get(Scorecard, card.id)
    assert (card.status, card.submitted_at, card.comment) == ("submitted", SCORING, "")
    page = juror.get(entry_url)
    assert "locked" in page.text
    assert "Save draft" not in page.text

    again = {f"score_{c.id}": "1" for c in criteria}
    response = juror.post(entry_url, data={**again, "save": "Save draft"})
    assert response.status_code == 409
    assert "locked" in response.text
    db.session.expire_all()
    assert sorted(s.value for s in db.session.get(Scorecard, card.id).scores) == [6, 7, 8, 9]

    dashboard = juror.get("/jury")
    assert programme.name in dashboard.text
    assert actions() == [
        "jury.invited",
        "jury.invite_accepted",
        "jury.terms_accepted",
        "scorecard.submitted",
    ]


def test_invite_link_for_a_user_with_a_password_needs_log_in(
    app, client, login, outbox, make_user, make_programme
):
    programme = make_programme()
    existing = make_user("coen@rabobank.nl")
    invite(client, login, make_user, programme, email="Coen@Rabobank.nl", name="Coen Wiers")
    member = db.session.scalar(sa.select(JuryMember).where(JuryMember.user_id == existing.id))
    assert member is not None
    link = invite_link(outbox(kind="jury_invite")[0])

    anonymous = app.test_client()
    response = anonymous.get(link)
    assert response.status_code == 302
    assert "/login?next=" in response.location and "jury/invite" in response.location
    assert anonymous.post(link, data={"password": PASSWORD, "confirm": PASSWORD}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, existing.id).check_password("correct horse battery")

    other = login(make_user(), app.test_client())
    assert "/login?next=" in other.get(link).location

    own = login(existing, app.test_client())
    assert own.get(link).location.endswith(f"/jury/{programme.slug}/terms")


def test_expired_forged_or_stale_invite_links_are_refused(
    app, client, login, clock, outbox, make_user, make_programme
):
    programme = make_programme()
    invite(client, login, make_user, programme)
    link = invite_link(outbox(kind="jury_invite")[0])
    juror = english(app.test_client())

    assert juror.get(link + "x").status_code == 400
    clock.advance(days=14, minutes=1)
    response = juror.post(link, data={"password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 400
    assert "expired" in response.text
    user = db.session.scalar(sa.select(User).where(User.email == "lisette@anwb.nl"))
    assert user.password_hash is None

    clock.advance(days=-1)
    assert juror.get(link).status_code == 200
    db.session.delete(db.session.scalar(sa.select(JuryMember)))
    db.session.commit()
    assert juror.get(link).status_code == 400


def test_nav_shows_jury_link_only_for_jurors(client, login, make_user, make_programme, make_juror):
    user = make_user()
    english(login(user))
    assert 'href="/jury"' not in client.get("/").text
    make_juror(make_programme(), user)
    assert 'href="/jury"' in client.get("/").text
    assert "not on any jury" not in client.get("/jury").text


def test_dashboard_for_a_non_juror(client, login, make_user):
    english(login(make_user()))
    assert "You are not on any jury." in client.get("/jury").text


def test_accepting_the_terms_runs_conflict_detection(
    app, login, make_user, make_programme, make_juror, make_entry
):
    programme = make_programme()
    kpn = make_entry(programme, organisation="KPN B.V.", title="KPN case")
    make_entry(programme, organisation="Odido", title="Odido case")
    member = make_juror(programme, make_user("arnold@kpn.com"), accepted=False)
    c = english(login(member.user, app.test_client()))
    assert c.post(f"/jury/{programme.slug}/terms", data={"accept": "y"}).status_code == 302
    (conflict,) = db.session.scalars(sa.select(Conflict)).all()
    assert (conflict.jury_member_id, conflict.entry_id, conflict.source) == (
        member.id,
        kpn.id,
        "detected",
    )
    listing = c.get(f"/jury/{programme.slug}/entries").text
    assert "Odido case" in listing and "KPN case" not in listing
    assert actions() == ["jury.terms_accepted", "conflict.detected"]
    assert c.post(f"/jury/{programme.slug}/terms", data={"accept": "y"}).status_code == 302
    assert actions() == ["jury.terms_accepted", "conflict.detected"]


def test_scorecard_form_shows_criteria_in_order_with_rubric_and_csrf(
    app, login, clock, make_programme, make_juror, make_entry
):
    clock.set(SCORING)
    programme = make_programme()
    programme.criteria[1].rubric_en = "Is the approach new to the sector?"
    db.session.commit()
    entry = make_entry(programme)
    member = make_juror(programme)
    app.config["WTF_CSRF_ENABLED"] = True
    c = english(login(member.user, app.test_client()))
    page = c.get(f"/jury/{programme.slug}/entries/{entry.id}").text
    names = [page.index(name) for name in ("Impact", "Innovation", "Scalability", "Customer focus")]
    assert names == sorted(names)
    assert "Is the approach new to the sector?" in page
    assert page.count('name="csrf_token"') == 3  # scorecard, conflict, log-out
    assert '<option value="10">10</option>' in page
    url = f"/jury/{programme.slug}/entries/{entry.id}"
    response = c.post(url, data={f"score_{programme.criteria[0].id}": "5", "save": "x"})
    assert response.status_code == 400
    assert db.session.scalars(sa.select(Scorecard)).all() == []


def test_invite_token_must_name_the_members_own_user(app, clock, make_programme, make_juror):
    from core.accounts.services import make_token

    member = make_juror(make_programme(), accepted=False)
    good = make_token("jury-invite", {"mid": member.id, "uid": member.user_id}, now=clock())
    other = make_token("jury-invite", {"mid": member.id, "uid": member.user_id + 1}, now=clock())
    wrong_purpose = make_token("verify", {"mid": member.id, "uid": member.user_id}, now=clock())
    c = app.test_client()
    assert "/login" in c.get(f"/jury/invite/{good}").location
    assert c.get(f"/jury/invite/{other}").status_code == 400
    assert c.get(f"/jury/invite/{wrong_purpose}").status_code == 400


def test_the_invitee_keeps_the_language_they_accepted_the_invitation_in(
    app, client, login, outbox, make_user, make_programme
):
    """The admin's invitation makes a Dutch account; an invitee whose browser asks for
    English chooses the password on an English page and must not land on Dutch pages once
    logged in (the account's language would win over the browser's)."""
    programme = make_programme()
    invite(client, login, make_user, programme)
    link = invite_link(outbox(kind="jury_invite")[0])
    juror = app.test_client()
    english_browser = {"Accept-Language": "en-GB,en;q=0.9"}
    assert "Choose a password" in juror.get(link, headers=english_browser).text
    response = juror.post(
        link, data={"password": PASSWORD, "confirm": PASSWORD}, headers=english_browser
    )
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.scalar(sa.select(User).where(User.email == "lisette@anwb.nl"))
    assert user.locale == "en"
    terms = juror.get(f"/jury/{programme.slug}/terms", headers=english_browser)
    assert "Accept the terms" in terms.text
