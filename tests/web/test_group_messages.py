"""Group messages: who is in each group (once, in their language, erased accounts never),
nominees and winners refused before publication, the preview, the test send, the send
(outbox rows per recipient, audited), the hourly limit, a double submit sending once, the
unsubscribe link (works, refuses a tampered token, leaves the opted-out out) and refused
input changing nothing."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from awards.models import (
    Advancement,
    Assignment,
    GroupMessage,
    MessageOptOut,
    Nomination,
    Panel,
    PanelMember,
    Programme,
    Ratification,
    Round,
)
from awards.services import group_messages
from core.accounts.models import User
from core.audit.models import AuditEntry
from core.extensions import db
from core.outbox.models import MailMessage
from core.outbox.transport import build_message
from tests.factories import make_scorecard
from tests.threads import run_together

SCORING = datetime(2025, 4, 10, 9, 0, tzinfo=UTC)
PUBLISHED = datetime(2025, 6, 13, 9, 0, tzinfo=UTC)  # after make_programme's publish_at
KEY = "k" * 24


def counts():
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (MailMessage, GroupMessage, MessageOptOut, AuditEntry)
    )


@pytest.fixture
def admin(client, login, make_user):
    user = make_user("staff@example.org", name="Staff", admin=True, locale="en")
    login(user)
    with client.session_transaction() as session:
        session["lang"] = "en"
    return user


def form(group="entrants", key=KEY, **over):
    data = {
        "group": group,
        "category_id": "",
        "panel_id": "",
        "subject_nl": "Nieuws over de awards",
        "body_nl": "Beste deelnemer,\n\nDe **uitreiking** is op 12 juni.",
        "subject_en": "News about the awards",
        "body_en": "Dear entrant,\n\nThe **ceremony** is on 12 June.",
        "key": key,
    }
    data.update(over)
    return data


def url(programme, suffix):
    return f"/admin/awards/{programme.slug}/messages{suffix}"


def names(programme, group, *, now, **kw):
    chosen = group_messages.target(
        programme, group, category_id=kw.get("category_id"), panel_id=kw.get("panel_id")
    )
    return [p.name for p in group_messages.recipients(programme, chosen, now=now).people]


# --- the groups -----------------------------------------------------------------------------


def test_unfinished_jurors_are_those_with_an_entry_left(
    app, clock, make_programme, make_entry, make_juror, make_user
):
    clock.set(SCORING)
    programme = make_programme()
    one, two = make_entry(programme), make_entry(programme)
    make_entry(programme, status="ineligible")
    done = make_juror(programme, make_user(name="Done"))
    make_scorecard(done, one)
    make_scorecard(done, two)
    half = make_juror(programme, make_user(name="Half"))
    make_scorecard(half, one)
    make_scorecard(half, two, status="draft")
    barred = make_juror(programme, make_user(name="Barred"))
    make_scorecard(barred, one)
    from awards.models import Conflict

    db.session.add(
        Conflict(
            jury_member_id=barred.id,
            entry_id=two.id,
            source="declared",
            status="upheld",
            created_at=SCORING,
        )
    )
    make_juror(programme, make_user(name="Not accepted"), accepted=False)
    make_juror(programme, make_user(name="Erased", erased_at=SCORING))
    other = make_programme()
    make_juror(other, make_user(name="Other programme"))
    make_entry(other)
    db.session.flush()
    assert names(programme, "unfinished", now=SCORING) == ["Half"]


def test_unfinished_jurors_are_those_of_the_open_round_and_their_assignment(
    app, clock, make_programme, make_entry, make_juror, make_user
):
    """In round 2 (scored by assignment) what counts is the round's entries (those advanced
    into it), the juror's own assignments and round-2 scorecards: round 1's are done."""
    programme = make_programme()
    start, end = programme.scoring_open_at, programme.scoring_close_at
    middle = start + (end - start) / 2
    for position, window, mode in ((1, (start, middle), "all"), (2, (middle, end), "auto")):
        db.session.add(Round(programme_id=programme.id, position=position, name_nl=f"R{position}",
                             name_en=f"R{position}", scoring_open_at=window[0],
                             scoring_close_at=window[1], quorum=1, assignment=mode,
                             created_at=start))  # fmt: skip
    final, out = make_entry(programme), make_entry(programme)
    chair = make_user(name="Chair")
    db.session.add(Advancement(entry_id=final.id, round_no=2, advanced_by_id=chair.id,
                               created_at=middle))  # fmt: skip
    given = make_juror(programme, make_user(name="Given"))  # assigned the finalist, not scored
    idle = make_juror(programme, make_user(name="Idle"))  # nothing assigned in round 2
    scored = make_juror(programme, make_user(name="Scored"))  # scored its round-2 card
    for member in (given, idle, scored):
        make_scorecard(member, final)
        make_scorecard(member, out)  # round 1: everyone finished
    for member in (given, scored):
        db.session.add(Assignment(jury_member_id=member.id, entry_id=final.id, round_no=2,
                                  created_at=middle))  # fmt: skip
    make_scorecard(scored, final, round_no=2)
    db.session.flush()
    now = middle + timedelta(hours=1)
    assert names(programme, "unfinished", now=now) == ["Given"]
    # in round 1 every juror had finished
    assert names(programme, "unfinished", now=start + timedelta(hours=1)) == []


def test_panel_group_is_the_panels_jurors(app, clock, make_programme, make_juror, make_user):
    programme = make_programme()
    panel = Panel(programme_id=programme.id, name="Panel A", created_at=clock())
    other = Panel(programme_id=programme.id, name="Panel B", created_at=clock())
    db.session.add_all([panel, other])
    db.session.flush()
    a, b, c = (make_juror(programme, make_user(name=n)) for n in ("Anna", "Bram", "Cees"))
    db.session.add_all(
        [
            PanelMember(panel_id=panel.id, jury_member_id=a.id),
            PanelMember(panel_id=panel.id, jury_member_id=b.id),
            PanelMember(panel_id=other.id, jury_member_id=c.id),
        ]
    )
    db.session.flush()
    assert names(programme, "panel", now=SCORING, panel_id=panel.id) == ["Anna", "Bram"]


def test_entrants_once_each_submitted_only_erased_never(app, make_programme, make_entry, make_user):
    programme = make_programme()
    twice = make_user(name="Twice")
    make_entry(programme, owner=twice)
    make_entry(programme, owner=twice, category=programme.categories[1], status="submitted")
    make_entry(programme, owner=make_user(name="Drafting"), status="draft")
    make_entry(programme, owner=make_user(name="Withdrawn"), status="withdrawn")
    make_entry(programme, owner=make_user(name="Ineligible"), status="ineligible")
    make_entry(programme, owner=make_user(name="Gone", erased_at=SCORING))
    make_entry(make_programme(), owner=make_user(name="Elsewhere"))
    assert names(programme, "entrants", now=SCORING) == ["Ineligible", "Twice"]
    second = programme.categories[1]
    assert names(programme, "category", now=SCORING, category_id=second.id) == ["Twice"]


def _published_world(programme, make_entry, make_user, clock):
    category = programme.categories[0]
    winner = make_entry(programme, owner=make_user(name="Wilma Wins"))
    nominee = make_entry(programme, owner=make_user(name="Nora Picked"))
    make_entry(programme, owner=make_user(name="Not nominated"))
    staff = make_user()
    db.session.add_all(
        [
            Nomination(category_id=category.id, entry_id=winner.id, created_at=clock()),
            Nomination(category_id=category.id, entry_id=nominee.id, created_at=clock()),
            Ratification(
                category_id=category.id,
                winner_entry_id=winner.id,
                method="mean",
                trim=1,
                quorum=1,
                snapshot=[],
                ratified_at=clock(),
                ratified_by_id=staff.id,
            ),
        ]
    )
    db.session.flush()


def test_nominees_and_winners_only_after_publication(
    app, clock, make_programme, make_entry, make_user
):
    programme = make_programme()
    _published_world(programme, make_entry, make_user, clock)
    for group in ("nominees", "winners"):
        with pytest.raises(group_messages.NotYetPublished):
            names(programme, group, now=programme.publish_at - timedelta(seconds=1))
    assert names(programme, "nominees", now=PUBLISHED) == ["Nora Picked", "Wilma Wins"]
    assert names(programme, "winners", now=PUBLISHED) == ["Wilma Wins"]


def test_preview_refuses_nominees_before_publication(
    client, clock, admin, make_programme, make_entry, make_user
):
    programme = make_programme()
    _published_world(programme, make_entry, make_user, clock)
    clock.set(SCORING)
    before = counts()
    page = client.post(url(programme, "/preview"), data=form("nominees"))
    assert page.status_code == 409
    assert "secret until the results are published" in page.text
    assert "Nora Picked" not in page.text and "Wilma Wins" not in page.text
    assert counts() == before
    clock.set(PUBLISHED)
    page = client.post(url(programme, "/preview"), data=form("winners"))
    assert page.status_code == 200 and 'data-recipients="1"' in page.text


# --- preview, test, send --------------------------------------------------------------------


def test_compose_page_has_a_fresh_key_and_the_groups(client, admin, make_programme):
    programme = make_programme()
    page = client.get(url(programme, "/new"))
    assert page.status_code == 200
    assert 'name="key"' in page.text and "Jurors who have not finished scoring" in page.text
    assert "part of their jury work" in page.text


def test_preview_shows_both_languages_count_and_names(
    client, admin, make_programme, make_entry, make_user
):
    programme = make_programme()
    make_entry(programme, owner=make_user(name="Anna Entrant", locale="nl"))
    make_entry(programme, owner=make_user(name="Ben Entrant", locale="en"))
    before = counts()
    page = client.post(url(programme, "/preview"), data=form())
    assert page.status_code == 200
    assert "Nieuws over de awards" in page.text and "News about the awards" in page.text
    assert "De uitreiking is op 12 juni." in page.text  # Markdown made plain
    assert 'data-recipients="2"' in page.text
    assert "Anna Entrant, Ben Entrant" in page.text
    assert 'data-left-out="0"' in page.text
    assert counts() == before


def test_test_send_is_one_mail_to_self_marked(
    client, admin, outbox, make_programme, make_entry, make_user
):
    programme = make_programme()
    make_entry(programme, owner=make_user("anna@example.org"))
    page = client.post(url(programme, "/test"), data=form())
    assert page.status_code == 200
    mails = outbox()
    assert [m.to_addr for m in mails] == ["staff@example.org"]
    assert mails[0].subject == "[Test] News about the awards"
    assert "only you received it" in mails[0].body_text
    assert db.session.scalar(sa.select(sa.func.count(GroupMessage.id))) == 0


def test_send_asks_first_then_queues_one_row_per_recipient_in_their_language(
    client, admin, outbox, make_programme, make_entry, make_user
):
    programme = make_programme()
    make_entry(programme, owner=make_user("anna@example.org", locale="nl"))
    make_entry(programme, owner=make_user("ben@example.org", locale="en"))
    before = counts()
    page = client.post(url(programme, "/send"), data=form())
    assert page.status_code == 200 and "Send this message to 2 people?" in page.text
    assert counts() == before
    response = client.post(url(programme, "/send"), data={**form(), "confirmed": "1"})
    assert response.status_code == 302
    mails = {m.to_addr: m for m in outbox()}
    assert set(mails) == {"anna@example.org", "ben@example.org"}
    assert mails["anna@example.org"].subject == "Nieuws over de awards"
    assert "De uitreiking is op 12 juni." in mails["anna@example.org"].body_text
    assert mails["ben@example.org"].subject == "News about the awards"
    link = mails["ben@example.org"].headers["List-Unsubscribe"]
    assert link.startswith("<http") and "/messages/unsubscribe/" in link
    assert link.strip("<>") in mails["ben@example.org"].body_text
    mime = build_message(mails["ben@example.org"], mail_from="x@example.org", now=SCORING)
    assert mime["List-Unsubscribe"] == link
    sent = db.session.scalar(sa.select(GroupMessage))
    assert sent.recipients == 2 and sent.group == "entrants"
    audit = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "messages.sent"))
    assert audit.actor_id == admin.id and audit.data["recipients"] == 2
    assert audit.data["group"] == "entrants"
    listing = client.get(url(programme, ""))
    assert "News about the awards" in listing.text


def test_jury_messages_carry_no_unsubscribe(
    client, clock, admin, outbox, make_programme, make_entry, make_juror, make_user
):
    clock.set(SCORING)
    programme = make_programme()
    make_entry(programme)
    make_juror(programme, make_user("juror@example.org"))
    response = client.post(url(programme, "/send"), data={**form("unfinished"), "confirmed": "1"})
    assert response.status_code == 302
    (mail,) = outbox(to="juror@example.org")
    assert mail.headers is None and "/messages/unsubscribe/" not in mail.body_text


def test_double_submit_sends_once(client, admin, outbox, make_programme, make_entry):
    programme = make_programme()
    make_entry(programme)
    data = {**form(), "confirmed": "1"}
    assert client.post(url(programme, "/send"), data=data).status_code == 302
    before = counts()
    again = client.post(url(programme, "/send"), data=data)
    assert again.status_code == 409 and "already been sent" in again.text
    assert counts() == before


def test_throttle_refuses_past_the_hourly_limit(
    app, client, clock, admin, make_programme, make_entry
):
    app.config["GROUP_MESSAGES_PER_HOUR"] = 2
    programme = make_programme()
    make_entry(programme)
    for n in range(2):
        data = {**form(key=f"{n}" * 20), "confirmed": "1"}
        assert client.post(url(programme, "/send"), data=data).status_code == 302
    before = counts()
    refused = client.post(url(programme, "/send"), data={**form(key="z" * 20), "confirmed": "1"})
    assert refused.status_code == 429 and "the most allowed" in refused.text
    assert counts() == before
    clock.advance(hours=1, seconds=1)
    ok = client.post(url(programme, "/send"), data={**form(key="y" * 20), "confirmed": "1"})
    assert ok.status_code == 302


@pytest.mark.parametrize(
    "over",
    [
        {"group": "everyone"},
        {"subject_en": ""},
        {"body_nl": ""},
        {"key": ""},
        {"group": "category", "category_id": ""},
        {"group": "panel", "panel_id": "999999"},
        {"subject_nl": "two\nlines"},
    ],
)
def test_bad_input_changes_nothing(client, admin, make_programme, make_entry, over):
    programme = make_programme()
    make_entry(programme)
    before = counts()
    for path in ("/preview", "/test", "/send"):
        response = client.post(url(programme, path), data={**form(**over), "confirmed": "1"})
        assert response.status_code == 400, (path, over)
    assert counts() == before


def test_a_foreign_category_is_refused(client, admin, make_programme, make_entry):
    programme, other = make_programme(), make_programme()
    make_entry(other, category=other.categories[0])
    before = counts()
    data = {**form("category", category_id=str(other.categories[0].id)), "confirmed": "1"}
    assert client.post(url(programme, "/send"), data=data).status_code == 400
    assert counts() == before


def test_an_empty_group_sends_nothing(client, admin, make_programme):
    programme = make_programme()
    before = counts()
    response = client.post(url(programme, "/send"), data={**form(), "confirmed": "1"})
    assert response.status_code == 400 and "no one to send to" in response.text
    assert counts() == before


# --- unsubscribe ----------------------------------------------------------------------------


def test_unsubscribe_link_records_and_leaves_out(
    app, client, admin, outbox, make_programme, make_entry, make_user
):
    programme = make_programme()
    anna = make_user("anna@example.org", name="Anna")
    make_entry(programme, owner=anna)
    make_entry(programme, owner=make_user("ben@example.org", name="Ben"))
    client.post(url(programme, "/send"), data={**form(), "confirmed": "1"})
    link = outbox(to="anna@example.org")[0].headers["List-Unsubscribe"].strip("<>")
    path = urlsplit(link).path
    anonymous = app.test_client()
    page = anonymous.get(path, headers={"Accept-Language": "en"})
    assert page.status_code == 200 and programme.name in page.text
    assert db.session.scalar(sa.select(sa.func.count(MessageOptOut.id))) == 0
    done = anonymous.post(path, headers={"Accept-Language": "en"})
    assert done.status_code == 200 and "no more messages" in done.text
    assert db.session.scalar(sa.select(MessageOptOut.user_id)) == anna.id
    before = counts()
    anonymous.post(path)  # once is enough
    assert counts() == before
    preview = client.post(url(programme, "/preview"), data=form(key="p" * 20))
    assert 'data-recipients="1"' in preview.text and 'data-left-out="1"' in preview.text
    client.post(url(programme, "/send"), data={**form(key="q" * 20), "confirmed": "1"})
    assert len(outbox(to="anna@example.org")) == 1 and len(outbox(to="ben@example.org")) == 2
    # jury messages are work: an opted-out entrant who is also a juror still gets them
    assert group_messages.GROUPS["unfinished"].unsubscribe is False


def test_tampered_unsubscribe_token_is_refused(app, clock, make_programme, make_user):
    programme = make_programme()
    user = make_user()
    token = group_messages.unsubscribe_token(programme, user.id, now=clock())
    db.session.commit()
    anonymous = app.test_client()
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    for method in (anonymous.get, anonymous.post):
        assert method(f"/messages/unsubscribe/{tampered}").status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(MessageOptOut.id))) == 0
    # a token of another purpose does not work either
    from core.tokens import make_token

    other = make_token("reset", {"u": user.id, "p": programme.id}, now=clock())
    assert anonymous.post(f"/messages/unsubscribe/{other}").status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(MessageOptOut.id))) == 0


def test_non_admins_cannot_reach_messages(app, login, make_programme, make_juror, make_user):
    programme = make_programme()
    chair = make_juror(programme, role="chair")
    c = login(chair.user, app.test_client())
    before = counts()
    assert c.get(url(programme, "")).status_code == 403
    assert c.post(url(programme, "/send"), data={**form(), "confirmed": "1"}).status_code == 403
    assert counts() == before


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="needs TEST_DATABASE_URL pointing at PostgreSQL",
)
def test_two_sends_of_one_form_at_once_send_once(app, make_programme, make_entry, make_user):
    """The same compose form sent twice at the same moment: the programme's row lock makes
    the second wait and see the first's key (a refusal, never a unique-key error)."""
    programme = make_programme()
    make_entry(programme)
    staff = make_user(admin=True)
    db.session.commit()
    programme_id, staff_id = programme.id, staff.id
    draft = group_messages.Draft("Onderwerp", "Subject", "Tekst", "Text")

    def send():
        return group_messages.send(
            db.session.get(Programme, programme_id), group_messages.Target("entrants"), draft,
            key="k" * 20, actor=db.session.get(User, staff_id), now=SCORING,
        ).id  # fmt: skip

    results, errors = run_together(app, [send, send], base_url="http://podium.test")
    assert len(results) == 1
    assert [type(e) for e in errors] == [group_messages.AlreadySent]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GroupMessage)) == 1
