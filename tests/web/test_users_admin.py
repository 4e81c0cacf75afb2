"""Users and roles in the UI (`core.accounts.admin_views`, `core.accounts.management`): admins
list, search and filter accounts, invite someone (the link, in the invitee's language, sets
the password and logs in), change roles, deactivate (sessions end, log-in refused) and
reactivate. Nobody changes their own role or deactivates themselves, the last active admin
stays, and a refusal changes nothing. Staff reach every page of the staff blueprints and none
of users, privacy requests, the audit log and the outbox."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from awards.models import Conflict, Entry
from awards.services import access
from core.accounts import management
from core.accounts.models import User
from core.audit.models import AuditEntry
from core.extensions import db
from tests.factories import PASSWORD
from tests.threads import run_together

EN = {"Accept-Language": "en"}
NEW_PASSWORD = "a brand new secret"
#: the blueprints of the programme and event management pages: every view `staff_required`,
#: except the chair-or-staff jury pages (`access.require_chair_or_admin`) named below
STAFF_BLUEPRINTS = (
    "awards_admin",
    "awards_setup",
    "jury_admin",
    "events_admin",
    "events_attendees",
    "events_members",
    "awards_editions",
    "awards_rounds",
    "awards_panels",
    "awards_questions",
    "events_checkin",
    "events_reports",
    # changes after booking
    "events_changes_admin",
    "events_tickets",
    # vouchers
    "events_vouchers",
    "events_questions",
    "events_series",
    "events_bookings_admin",
    # ticket type changes after booking
    "events_type_changes_admin",
)
CHAIR_OR_STAFF = {
    "jury_admin.conflicts",
    "jury_admin.detect",
    "jury_admin.rule_conflict",
    "jury_admin.progress",
    "jury_admin.reopen_scorecard",
}
ADMIN_BLUEPRINTS = ("users_admin", "audit", "outbox")
ADMIN_PRIVACY = {"privacy.requests", "privacy.person_data", "privacy.erase"}


@pytest.fixture
def admin(make_user):
    return make_user("root@example.org", name="Ada Admin", admin=True)


def _audits(action: str) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


def _fingerprint() -> list[tuple]:
    """Every account's role, state and session token, and the audit log's size."""
    rows = db.session.execute(
        sa.select(
            User.id,
            User.is_admin,
            User.is_staff,
            User.deactivated_at,
            User.session_token,
            User.password_hash,
        ).order_by(User.id)
    ).all()
    return [tuple(r) for r in rows] + [(db.session.scalar(sa.func.count(AuditEntry.id)),)]


def _browser(app, email: str, password: str = PASSWORD):
    """A browser that logged in through the log-in form."""
    browser = app.test_client()
    response = browser.post("/login", data={"email": email, "password": password}, headers=EN)
    assert response.status_code == 302, response.get_data(as_text=True)
    return browser


# --- the list -------------------------------------------------------------------------------


def test_list_search_and_filters(client, login, admin, make_user):
    make_user("mia@acme.example", name="Mia Jansen")
    make_user("sam@other.example", name="Sam de Vries", is_staff=True)
    gone = make_user("old@acme.example", name="Oud Account")
    gone.deactivated_at = gone.created_at
    db.session.commit()
    login(admin)

    page = client.get("/admin/users/", headers=EN).get_data(as_text=True)
    assert _listed(page) == {"Ada Admin", "Mia Jansen", "Sam de Vries", "Oud Account"}
    assert "4 accounts found" in page

    def found(query: str) -> set[str]:
        response = client.get(f"/admin/users/?{query}", headers=EN)
        assert response.status_code == 200
        return _listed(response.get_data(as_text=True))

    assert found("q=ACME") == {"Mia Jansen", "Oud Account"}
    assert found("q=jansen") == {"Mia Jansen"}
    assert found("q=%25") == set()  # taken literally, not a wildcard
    assert found("role=staff") == {"Sam de Vries"}
    assert found("role=admin") == {"Ada Admin"}
    assert found("role=none") == {"Mia Jansen", "Oud Account"}
    assert found("state=deactivated") == {"Oud Account"}
    assert found("state=active&q=acme") == {"Mia Jansen"}
    assert client.get("/admin/users/?state=gone", headers=EN).status_code == 400
    assert client.get("/admin/users/?page=0", headers=EN).status_code == 400


def _listed(html: str) -> set[str]:
    """The names the users list shows (each a link to the account's page)."""
    return set(re.findall(r'<a href="/admin/users/\d+">([^<]+)</a>', html))


def _count_selects(app, fn) -> int:
    count = 0

    def before(conn, cursor, statement, *args):
        nonlocal count
        count += statement.lstrip().upper().startswith("SELECT")

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return count


def test_list_pages_in_a_fixed_number_of_queries(app, client, login, admin, make_user):
    login(admin)
    make_user(name="Aaa first")
    db.session.commit()
    few = _count_selects(app, lambda: client.get("/admin/users/", headers=EN))
    for n in range(60):
        make_user(name=f"Person {n:02d}")
    db.session.commit()
    many = _count_selects(app, lambda: client.get("/admin/users/", headers=EN))
    assert many == few
    first = client.get("/admin/users/", headers=EN).get_data(as_text=True)
    assert "Page 1 of 2" in first and len(_listed(first)) == management.PER_PAGE
    second = _listed(client.get("/admin/users/?page=2", headers=EN).get_data(as_text=True))
    assert len(second) == 62 - management.PER_PAGE and not second & _listed(first)
    assert "Page 2 of 2" in client.get("/admin/users/?page=9", headers=EN).get_data(as_text=True)


# --- invitations ----------------------------------------------------------------------------


def _link(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/welcome/\S+)", body)
    assert match, body
    return match.group(1)


def test_invite_mails_a_link_in_the_invitees_language_that_sets_the_password(
    app, client, login, admin, outbox
):
    login(admin)
    response = client.post(
        "/admin/users/invite",
        data={
            "name": "Noor Bakker",
            "email": " Noor@Example.org ",
            "role": "staff",
            "language": "nl",
        },
        headers=EN,
    )
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "noor@example.org"))
    assert user is not None and user.role == "staff" and user.locale == "nl"
    assert user.password_hash is None and not user.is_verified
    [mail] = outbox(to="noor@example.org")
    assert mail.kind == "account_invite"
    assert "Je account voor Podium" in mail.subject  # the invitee's language, not the admin's
    assert "Ada Admin" in mail.body_text
    [audit] = _audits("account.invited")
    assert audit.actor_id == admin.id and audit.data["user_role"] == "staff"

    link = _link(mail.body_text)
    browser = app.test_client()
    assert browser.get(link, headers=EN).status_code == 200
    short = browser.post(link, data={"password": "short", "confirm": "short"}, headers=EN)
    assert short.status_code == 400
    done = browser.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, headers=EN)
    assert done.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.check_password(NEW_PASSWORD) and user.is_verified
    assert browser.get("/account", headers=EN).status_code == 200  # logged in
    assert browser.get("/admin", headers=EN).status_code == 200  # as staff
    assert _audits("account.invite_accepted")
    again = app.test_client().get(link, headers=EN)  # once only
    assert again.status_code == 400


def test_inviting_an_address_with_an_account_is_refused_and_changes_nothing(
    client, login, admin, make_user, outbox
):
    make_user("mia@example.org", name="Mia")
    db.session.commit()
    login(admin)
    before = _fingerprint()
    response = client.post(
        "/admin/users/invite",
        data={"name": "Mia", "email": "MIA@example.org", "role": "admin", "language": "en"},
        headers=EN,
    )
    assert response.status_code == 400
    assert "already has an account" in response.get_data(as_text=True)
    assert _fingerprint() == before and outbox() == []


def test_inviting_again_before_a_password_is_chosen_sends_a_new_link(client, login, admin, outbox):
    login(admin)
    data = {"name": "Noor", "email": "noor@example.org", "role": "none", "language": "en"}
    assert client.post("/admin/users/invite", data=data, headers=EN).status_code == 302
    data["role"] = "admin"
    response = client.post("/admin/users/invite", data=data, headers=EN, follow_redirects=True)
    assert "a new invitation was sent" in response.get_data(as_text=True)
    assert len(outbox(to="noor@example.org", kind="account_invite")) == 2
    user = db.session.scalar(sa.select(User).where(User.email == "noor@example.org"))
    assert user.role == "none"  # unchanged: the role is changed on the account's page
    assert len(_audits("account.reinvited")) == 1


@pytest.mark.parametrize(
    "data",
    [
        {"name": "N", "email": "not-an-address", "role": "staff", "language": "en"},
        {"name": "N", "email": "n@example.org", "role": "king", "language": "en"},
        {"name": "N", "email": "n@example.org", "role": "staff", "language": "de"},
        {"name": "", "email": "n@example.org", "role": "staff", "language": "en"},
    ],
)
def test_bad_invitations_change_nothing(client, login, admin, outbox, data):
    login(admin)
    before = _fingerprint()
    assert client.post("/admin/users/invite", data=data, headers=EN).status_code == 400
    assert _fingerprint() == before and outbox() == []


# --- roles ----------------------------------------------------------------------------------


def test_change_role(app, client, login, admin, make_user):
    mia = make_user("mia@example.org", name="Mia")
    db.session.commit()
    browser = _browser(app, "mia@example.org")
    assert browser.get("/admin", headers=EN).status_code == 403
    login(admin)
    response = client.post(f"/admin/users/{mia.id}/role", data={"role": "staff"}, headers=EN)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, mia.id).role == "staff"
    [audit] = _audits("account.role_changed")
    assert audit.data == {"user_role": "staff", "previous_role": "none"}
    assert browser.get("/admin", headers=EN).status_code == 200  # the same session, now staff
    assert browser.get("/admin/users/", headers=EN).status_code == 403
    client.post(f"/admin/users/{mia.id}/role", data={"role": "admin"}, headers=EN)
    assert browser.get("/admin/users/", headers=EN).status_code == 200
    client.post(f"/admin/users/{mia.id}/role", data={"role": "none"}, headers=EN)
    assert browser.get("/admin", headers=EN).status_code == 403


def test_bad_role_changes_nothing(client, login, admin, make_user):
    mia = make_user("mia@example.org")
    db.session.commit()
    login(admin)
    before = _fingerprint()
    for role in ("king", "", "ADMIN"):
        response = client.post(f"/admin/users/{mia.id}/role", data={"role": role}, headers=EN)
        assert response.status_code == 400
    assert _fingerprint() == before


def test_nobody_changes_their_own_role(client, login, admin, make_user):
    make_user("other-admin@example.org", admin=True)
    db.session.commit()
    login(admin)
    before = _fingerprint()
    response = client.post(f"/admin/users/{admin.id}/role", data={"role": "staff"}, headers=EN)
    assert response.status_code == 409
    assert "your own role" in response.get_data(as_text=True)
    assert _fingerprint() == before


def test_the_last_active_admin_stays_an_admin(admin, make_user, clock):
    """A request from an admin who has just been demoted in another request (the second of
    two admins demoting each other at once) cannot take the other's role or account away."""
    other = make_user("other@example.org", is_staff=True)
    db.session.commit()
    before = _fingerprint()
    with pytest.raises(management.UserAdminError) as refused:
        management.set_role(admin, "staff", actor=other, now=clock())
    assert refused.value.code == "last_admin"
    with pytest.raises(management.UserAdminError) as refused:
        management.deactivate(admin, actor=other, now=clock())
    assert refused.value.code == "last_admin"
    db.session.rollback()
    assert _fingerprint() == before
    # a deactivated admin does not count as one
    second = make_user("second@example.org", admin=True)
    second.deactivated_at = clock()
    db.session.commit()
    with pytest.raises(management.UserAdminError):
        management.set_role(admin, "none", actor=other, now=clock())
    db.session.rollback()
    # with another active admin it is allowed
    management.reactivate(second, actor=admin, now=clock())
    assert management.set_role(admin, "staff", actor=second, now=clock())


def test_two_admins_demoting_each_other_at_once_leave_one_admin(app, admin, make_user, clock):
    """Each request locks the active admins first (a row lock on PostgreSQL, the write lock
    on SQLite): the second sees the first's change and is refused."""
    other = make_user("other@example.org", admin=True)
    db.session.commit()
    a, b = admin.id, other.id

    def demote(target_id: int, actor_id: int):
        target, actor = db.session.get(User, target_id), db.session.get(User, actor_id)
        return management.set_role(target, "none", actor=actor, now=clock())

    results, errors = run_together(app, [lambda: demote(b, a), lambda: demote(a, b)])
    assert results == [True]
    assert [getattr(e, "code", repr(e)) for e in errors] == ["last_admin"]
    admins = db.session.scalars(sa.select(User.id).where(User.is_admin.is_(True))).all()
    assert len(admins) == 1


# --- deactivation ---------------------------------------------------------------------------


def test_deactivate_asks_first_then_ends_sessions_and_refuses_log_in(
    app, client, login, admin, make_user
):
    make_user("mia@example.org", name="Mia", is_staff=True)
    db.session.commit()
    mia = db.session.scalar(sa.select(User).where(User.email == "mia@example.org"))
    browser = _browser(app, "mia@example.org")
    assert browser.get("/admin", headers=EN).status_code == 200
    login(admin)
    before = _fingerprint()
    asked = client.post(f"/admin/users/{mia.id}/deactivate", headers=EN)
    assert asked.status_code == 200 and "Deactivate mia@example.org?" in asked.get_data(
        as_text=True
    )
    assert _fingerprint() == before
    done = client.post(f"/admin/users/{mia.id}/deactivate", data={"confirmed": "1"}, headers=EN)
    assert done.status_code == 302
    db.session.expire_all()
    mia = db.session.get(User, mia.id)
    assert mia.deactivated_at is not None
    assert mia.role == "staff"  # kept for a reactivation
    [audit] = _audits("account.deactivated")
    assert audit.actor_id == admin.id

    # the session she had is over, and she cannot log in again
    assert browser.get("/account", headers=EN).status_code == 302
    refused = app.test_client().post(
        "/login", data={"email": "mia@example.org", "password": PASSWORD}, headers=EN
    )
    assert refused.status_code == 403
    assert "deactivated" in refused.get_data(as_text=True)
    wrong = app.test_client().post(
        "/login", data={"email": "mia@example.org", "password": "wrong password"}, headers=EN
    )
    assert wrong.status_code == 401  # a wrong password tells nothing more
    listed = client.get("/admin/users/?state=deactivated", headers=EN).get_data(as_text=True)
    assert _listed(listed) == {"Mia"}

    again = client.post(f"/admin/users/{mia.id}/deactivate", data={"confirmed": "1"}, headers=EN)
    assert again.status_code == 409  # already deactivated


def test_reactivate_lets_the_account_log_in_again(app, client, login, admin, make_user, clock):
    mia = make_user("mia@example.org", is_staff=True)
    management.deactivate(mia, actor=admin, now=clock())
    db.session.commit()
    login(admin)
    asked = client.post(f"/admin/users/{mia.id}/reactivate", headers=EN)
    assert asked.status_code == 200
    db.session.expire_all()
    assert db.session.get(User, mia.id).deactivated_at is not None
    done = client.post(f"/admin/users/{mia.id}/reactivate", data={"confirmed": "1"}, headers=EN)
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, mia.id).deactivated_at is None
    assert _audits("account.reactivated")
    browser = _browser(app, "mia@example.org")
    assert browser.get("/admin", headers=EN).status_code == 200  # with the role it had
    again = client.post(f"/admin/users/{mia.id}/reactivate", data={"confirmed": "1"}, headers=EN)
    assert again.status_code == 409


def test_nobody_deactivates_themselves(client, login, admin, make_user):
    make_user("other-admin@example.org", admin=True)
    db.session.commit()
    login(admin)
    before = _fingerprint()
    response = client.post(
        f"/admin/users/{admin.id}/deactivate", data={"confirmed": "1"}, headers=EN
    )
    assert response.status_code == 409
    assert "your own account" in response.get_data(as_text=True)
    assert _fingerprint() == before
    assert client.get("/admin/users/", headers=EN).status_code == 200  # still logged in


def test_an_erased_account_is_not_managed(client, login, admin, make_user, clock):
    gone = make_user("gone@example.org", name="Gone Person")
    gone.erased_at = clock()
    db.session.commit()
    login(admin)
    assert _listed(client.get("/admin/users/", headers=EN).get_data(as_text=True)) == {"Ada Admin"}
    assert client.get(f"/admin/users/{gone.id}", headers=EN).status_code == 404


# --- who reaches which pages ----------------------------------------------------------------


def _rules(app, blueprints):
    return [
        rule for rule in app.url_map.iter_rules() if rule.endpoint.partition(".")[0] in blueprints
    ]


def test_every_staff_page_is_staff_required(app):
    rules = _rules(app, STAFF_BLUEPRINTS)
    assert len({r.endpoint.partition(".")[0] for r in rules}) == len(STAFF_BLUEPRINTS)
    for rule in rules:
        view = app.view_functions[rule.endpoint]
        guard = getattr(view, "required_role", None)
        if rule.endpoint in CHAIR_OR_STAFF:
            assert guard is None, rule.endpoint  # log-in, then require_chair_or_admin
        else:
            assert guard == "staff", f"{rule.endpoint} is not staff_required"
    for rule in _rules(app, ADMIN_BLUEPRINTS) + [
        r for r in app.url_map.iter_rules() if r.endpoint in ADMIN_PRIVACY
    ]:
        view = app.view_functions[rule.endpoint]
        assert getattr(view, "required_role", None) == "admin", rule.endpoint
    # and nothing else is admin-only: a new management page is staff's too
    admin_only = {r.endpoint for r in _rules(app, ADMIN_BLUEPRINTS)} | ADMIN_PRIVACY
    for endpoint, view in app.view_functions.items():
        if getattr(view, "required_role", None) == "admin":
            assert endpoint in admin_only, f"{endpoint} is admin_required, not staff_required"


def test_staff_get_through_to_the_staff_pages_and_not_to_the_admin_pages(
    app, client, login, make_user, make_programme, make_event
):
    staff = make_user("staff@example.org", name="Stef Staff", is_staff=True)
    plain = make_user("plain@example.org")
    programme = make_programme("cda-staff")
    make_event("staff-talk")
    db.session.commit()
    args = {"slug": programme.slug}
    checked = []
    plain_client = app.test_client()
    login(plain, plain_client)
    login(staff)
    for rule in _rules(app, (*STAFF_BLUEPRINTS, "results")):
        if "GET" not in rule.methods or set(rule.arguments) - set(args):
            continue
        url = rule.build(args)[1] if rule.arguments else rule.rule
        response = client.get(url, headers=EN)
        assert response.status_code == 200, (rule.endpoint, response.status_code)
        assert plain_client.get(url, headers=EN).status_code == 403, rule.endpoint
        checked.append(rule.endpoint)
    assert {"awards_admin.dashboard", "events_admin.index", "jury_admin.members"} <= set(checked)
    assert {"jury_admin.progress", "jury_admin.conflicts", "results.leaderboard"} <= set(checked)

    for rule in _rules(app, ADMIN_BLUEPRINTS) + [
        r for r in app.url_map.iter_rules() if r.endpoint in ADMIN_PRIVACY
    ]:
        if rule.arguments:
            continue
        method = "get" if "GET" in rule.methods else "post"
        response = getattr(client, method)(rule.rule, headers=EN)
        assert response.status_code == 403, rule.endpoint

    page = client.get("/admin", headers=EN).get_data(as_text=True)
    assert "/admin/events" in page and "/admin/users/" not in page  # the staff links only
    assert "/admin/outbox" not in page and "/admin/audit" not in page


def test_staff_screen_entries_and_are_bound_by_their_conflicts(
    client, login, make_user, make_programme, make_entry, make_juror
):
    """Staff act as admins on entries (screening), and a staff member on the jury is barred
    from an entry they have a conflict with, like an admin-juror."""
    staff = make_user("staff@example.org", is_staff=True)
    programme = make_programme("cda-staff")
    entry = make_entry(programme, status="submitted")
    member = make_juror(programme, staff)
    db.session.add(
        Conflict(
            jury_member_id=member.id,
            entry_id=entry.id,
            source="declared",
            reason="r",
            created_at=entry.created_at,
        )
    )
    db.session.commit()
    assert access.conflicted_entry_ids(programme, staff) == {entry.id}
    login(staff)
    response = client.post(
        f"/admin/programmes/{programme.slug}/entries/{entry.id}/screen",
        data={"outcome": "eligible"},
        headers=EN,
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).status == "eligible"
