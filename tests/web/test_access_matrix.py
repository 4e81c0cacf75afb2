"""The access matrix: every route of `app.url_map`, as each of eight roles, with its own and
other people's objects, answers the status the rules allow, changes nothing when it refuses,
and never shows a role the marked objects it must not see.

The roles (tests/web/access_world.py builds the world once for the module): anonymous, the
entrant A, another entrant B, the juror J, the conflicted juror JX (barred from entry X), the
chair C of another programme, the conflicted chair CC of X's programme and an admin.

`TABLE` lists, for every endpoint, one or more cases: the URL's parameters (taken from the
world, sometimes per role: a registrant's own token) and the expected outcome per role for
GET and, where the route takes it, POST. An endpoint or method that `TABLE` does not list
fails `test_every_route_is_in_the_table` with its name: a new route needs its row here.

Outcomes: a status code; `LOGIN` (a redirect to the log-in page); `REDIRECT` (any other
redirect); `REFUSED` (403 or 404); `NOT_DONE` (400, 403 or 404: an empty form from a role
that may not act, refused for its input or for its author; the same case with valid data is
`REFUSED`); `NO_5XX` for an allowed POST (sent with the case's data, which the view must
refuse as input or which changes nothing); `Skip(reason)` for an allowed POST that would
change the world (the reason names where that action is tested). After every POST sent the
database must be exactly as before (if not, the world is rebuilt and the case fails). A
method the route does not take answers 405. Every response (pages, error pages, CSV) is
searched for the markers the role must not see (entry refs, titles, organisations and case
texts; scorecard comments, sealed; attendees' names and e-mail addresses; invoice numbers;
outbox and audit rows), except those in the URL it asked for; the conflicted chair must also
not be offered a form or link acting on entry X. Every response carries `nosniff`, and
`Cache-Control: no-store` unless an anonymous visitor asked for a public page
(`core.http_headers.PUBLIC_PAGES`; tests/web/test_cache_control.py shows those stay cacheable).

CSRF is off in the suite; each role's client has its own address, so the rate limits (reset
for each test) see eight people.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from core.accounts.models import User
from core.extensions import db
from core.http_headers import PUBLIC_PAGES
from core.spreadsheets import MIMETYPES
from tests.web.access_world import (
    ADMIN,
    ANON,
    AT,
    CCHAIR,
    CHAIR,
    CJUROR,
    ENTRANT,
    ENTRANT2,
    JUROR,
    ROLES,
    World,
    attendee_email,
    attendee_name,
    build_world,
    entry_markers,
)

LOGIN = "302 to the log-in page"
REDIRECT = "a redirect (not to log in)"
REFUSED = "403 or 404"
NOT_DONE = "400, 403 or 404"  # an empty form from someone who may not act: either refusal
NO_5XX = "anything below 500"


@dataclass(frozen=True)
class Skip:
    """An allowed POST not sent: it would change the world. `reason` names its own test."""

    reason: str


def expect(default, **roles) -> dict[str, object]:
    """Outcome per role: `default` for every role not named (role names as keywords)."""
    unknown = set(roles) - set(ROLES)
    assert not unknown, unknown
    return {role: roles.get(role, default) for role in ROLES}


def admin_only(ok=200) -> dict[str, object]:
    return expect(403, anonymous=LOGIN, admin=ok)


def logged_in(ok=200) -> dict[str, object]:
    return expect(ok, anonymous=LOGIN)


def public(ok=200) -> dict[str, object]:
    return expect(ok)


Params = Callable[[World, str], dict]


@dataclass(frozen=True)
class Case:
    """One URL of an endpoint (its parameters from the world and the role) and the outcome
    per role of GET and POST (None: that method is not sent in this case)."""

    name: str
    params: Params
    get: dict[str, object] | None = None
    post: dict[str, object] | None = None
    data: dict = field(default_factory=dict)


def fixed(**build: Callable[[World], object]) -> Params:
    """Parameters that are the same for every role."""
    return lambda w, _role: {key: fn(w) for key, fn in build.items()}


NONE: Params = lambda w, role: {}  # noqa: E731
P = fixed(slug=lambda w: w.p_slug)
Q = fixed(slug=lambda w: w.q_slug)
BOGUS_TOKEN = "not-a-real-token-0123456789"


def p_entry(key: str) -> Params:
    return fixed(slug=lambda w: w.p_slug, entry_id=lambda w: w.entries[key])


def p_answer(key: str, question: str = "P") -> Params:
    """Entry `key` under P with the file question of programme `question`."""
    return fixed(
        slug=lambda w: w.p_slug,
        entry_id=lambda w: w.entries[key],
        question_id=lambda w: w.questions[question],
    )


def p_question(question: str) -> Params:
    return fixed(slug=lambda w: w.p_slug, question_id=lambda w: w.questions[question])


def q_entry(key: str = "QE") -> Params:
    return fixed(slug=lambda w: w.q_slug, entry_id=lambda w: w.entries[key])


def p_panel(key: str) -> Params:
    return fixed(slug=lambda w: w.p_slug, panel_id=lambda w: w.panels[key])


def p_panel_row(panel: str, row: str) -> Params:
    return fixed(
        slug=lambda w: w.p_slug,
        panel_id=lambda w: w.panels[panel],
        row_id=lambda w: w.panel_members[row],
    )


def p_panel_scope(panel: str, scope: str) -> Params:
    return fixed(
        slug=lambda w: w.p_slug,
        panel_id=lambda w: w.panels[panel],
        scope_id=lambda w: w.panel_scopes[scope],
    )


def p_round(round_no: int) -> Params:
    return fixed(slug=lambda w: w.p_slug, round_no=lambda w: round_no)


def own_token(w: World, role: str) -> dict:
    """The registrant's link token: each role holds the one of its own registration."""
    return {"token": w.tokens[role]}


def bogus_token(_w: World, _role: str) -> dict:
    return {"token": BOGUS_TOKEN}


EVENT = fixed(slug=lambda w: w.event_slug)
A_EMAIL = fixed(email=lambda w: "entrant@matrix.example")
UNKNOWN_EMAIL = fixed(email=lambda w: "nobody@matrix.example")
EVENT_ID = fixed(event_id=lambda w: w.event_id)
TICKET_TYPE_UNKNOWN = fixed(event_id=lambda w: w.event_id, type_id=lambda w: 999999)


def e_question(key: str) -> Params:
    """Event E with the registration question of event `key` ("E" or "E2")."""
    return fixed(event_id=lambda w: w.event_id, question_id=lambda w: w.event_questions[key])


SERIES_ID = fixed(series_id=lambda w: w.series_id)
A_USER = fixed(user_id=lambda w: w.users[ENTRANT])
NO_USER = fixed(user_id=lambda w: 999999)

# who may see an entry's page and PDF: its owner and admins; jurors of its programme see it
# on their pages when it is eligible and they are not barred from it.
OWNER_A = expect(404, anonymous=LOGIN, entrant=200, admin=200)
OWNER_B = expect(404, anonymous=LOGIN, entrant2=200, admin=200)
P_JURY = {JUROR: 200, CJUROR: 200, CCHAIR: 200}  # on P's jury, terms accepted
NOT_ON_JURY = expect(403, anonymous=LOGIN)  # jury pages for everyone else
P_JURY_PAGE = {**NOT_ON_JURY, **P_JURY}

TABLE: dict[str, list[Case]] = {
    # --- site and accounts -------------------------------------------------------------------
    "site.home": [Case("home", NONE, get=public())],
    "site.healthz": [Case("health", NONE, get=public())],
    "accounts.login": [
        Case(
            "log-in form, empty post",
            NONE,
            get=expect(REDIRECT, anonymous=200),
            post=expect(REDIRECT, anonymous=400),
        )
    ],
    "accounts.logout": [
        Case(
            "log out",
            NONE,
            post=expect(
                Skip("ends the session: tests/web/test_accounts_login.py"), anonymous=REDIRECT
            ),
        )
    ],
    "accounts.signup": [
        Case(
            "sign-up form, empty post",
            NONE,
            get=expect(REDIRECT, anonymous=200),
            post=expect(REDIRECT, anonymous=400),
        )
    ],
    "accounts.verify": [
        Case("a bad verification link", fixed(token=lambda w: BOGUS_TOKEN), get=public(400))
    ],
    "accounts.resend_verification": [
        Case("already verified", NONE, post=logged_in(REDIRECT)),
    ],
    "accounts.forgot_password": [
        Case("forgot form, empty post", NONE, get=public(), post=public(400)),
    ],
    "accounts.reset_password": [
        Case(
            "a bad reset link",
            fixed(token=lambda w: BOGUS_TOKEN),
            get=public(400),
            post=public(400),
        )
    ],
    "accounts.profile": [
        Case("own account, unchanged", NONE, get=logged_in(), post=logged_in(REDIRECT)),
    ],
    "accounts.change_password": [
        Case("password change, empty post", NONE, post=logged_in(400)),
    ],
    "accounts.accept_invitation": [
        Case(
            "a bad invitation link",
            fixed(token=lambda w: BOGUS_TOKEN),
            get=public(400),
            post=public(400),
        )
    ],
    # --- admin: users (admins only; staff get 403: tests/web/test_users_admin.py) ------------
    "users_admin.index": [
        Case("every account", NONE, get=admin_only()),
        Case(
            "search and filters",
            fixed(q=lambda w: "entrant", role=lambda w: "none", state=lambda w: "active"),
            get=admin_only(),
        ),
        Case("an unknown role", fixed(role=lambda w: "king"), get=admin_only(400)),
    ],
    "users_admin.invite": [
        Case("invitation form, empty post", NONE, get=admin_only(), post=admin_only(400)),
    ],
    "users_admin.show": [
        Case("entrant A", A_USER, get=admin_only()),
        Case("unknown account", NO_USER, get=admin_only(404)),
    ],
    "users_admin.change_role": [
        Case("entrant A, empty post", A_USER, post=admin_only(400)),
        Case("unknown account", NO_USER, post=admin_only(404)),
    ],
    "users_admin.deactivate": [
        Case("entrant A, not confirmed", A_USER, post=admin_only()),
        Case("unknown account", NO_USER, post=admin_only(404)),
    ],
    "users_admin.reactivate": [
        Case("entrant A, not confirmed", A_USER, post=admin_only()),
        Case("unknown account", NO_USER, post=admin_only(404)),
    ],
    # --- privacy -------------------------------------------------------------------------------
    "privacy.page": [Case("privacy page", NONE, get=public())],
    "privacy.my_data": [Case("own data as JSON", NONE, get=logged_in())],
    "privacy.requests": [
        Case("find no one", NONE, get=admin_only()),
        Case("find entrant A", A_EMAIL, get=admin_only()),
    ],
    "privacy.person_data": [
        Case("entrant A's data", A_EMAIL, get=admin_only()),
        Case("an unknown address", UNKNOWN_EMAIL, get=admin_only(404)),
    ],
    "privacy.erase": [
        Case(
            "erase entrant A, no confirmation",
            A_EMAIL,
            get=admin_only(),
            post=admin_only(400),
        ),
    ],
    # --- admin: audit, outbox ------------------------------------------------------------------
    "audit.index": [Case("audit log", NONE, get=admin_only())],
    "outbox.index": [Case("outbox", NONE, get=admin_only())],
    "outbox.show": [
        Case("a message", fixed(message_id=lambda w: w.message_id), get=admin_only()),
        Case("unknown message", fixed(message_id=lambda w: 999999), get=admin_only(404)),
    ],
    "outbox.retry": [
        Case(
            "a sent message",
            fixed(message_id=lambda w: w.message_id),
            post=admin_only(NO_5XX),
        ),
        Case("unknown message", fixed(message_id=lambda w: 999999), post=admin_only(404)),
    ],
    # --- awards admin ------------------------------------------------------------------------
    "awards_admin.dashboard": [Case("dashboard", NONE, get=admin_only())],
    "awards_admin.programme": [Case("P", P, get=admin_only())],
    "awards_admin.entries": [Case("P", P, get=admin_only())],
    "awards_admin.entry": [
        Case("X", p_entry("X"), get=admin_only()),
        Case("a draft", p_entry("A0"), get=admin_only()),
        Case("Q's entry under P", p_entry("QE"), get=admin_only(404)),
    ],
    "awards_admin.export_entries": [Case("P", P, get=admin_only())],
    "awards_admin.export_entries_xlsx": [Case("P", P, get=admin_only())],
    "awards_admin.screen_entry": [
        Case("X, no decision", p_entry("X"), post=admin_only(400)),
        Case("Q's entry under P", p_entry("QE"), post=admin_only(404)),
    ],
    "awards_setup.new_programme": [
        Case("new programme, empty post", NONE, get=admin_only(), post=admin_only(400)),
    ],
    "awards_setup.edit_programme": [
        Case("P, empty post", P, get=admin_only(), post=admin_only(400)),
    ],
    # the copy itself (a valid, confirmed post): tests/web/test_next_edition.py
    "awards_editions.next_edition": [
        Case("P, empty post", P, get=admin_only(), post=admin_only(400)),
        Case("an unknown programme", fixed(slug=lambda w: "no-such"), get=admin_only(404)),
    ],
    "awards_setup.new_category": [
        Case("P, empty post", P, get=admin_only(), post=admin_only(400)),
    ],
    "awards_setup.edit_category": [
        Case(
            "P's category, empty post",
            fixed(slug=lambda w: w.p_slug, category_id=lambda w: w.p_category_id),
            get=admin_only(),
            post=admin_only(400),
        ),
        Case(
            "Q's category under P",
            fixed(slug=lambda w: w.p_slug, category_id=lambda w: w.q_category_id),
            get=admin_only(404),
            post=admin_only(404),
        ),
    ],
    "awards_setup.delete_category": [
        Case(
            "P's category",
            fixed(slug=lambda w: w.p_slug, category_id=lambda w: w.p_category_id),
            post=admin_only(NO_5XX),  # it has entries: refused
        ),
        Case(
            "Q's category under P",
            fixed(slug=lambda w: w.p_slug, category_id=lambda w: w.q_category_id),
            post=admin_only(404),
        ),
    ],
    "awards_setup.new_criterion": [
        Case("P, empty post", P, get=admin_only(), post=admin_only(400)),
    ],
    "awards_setup.edit_criterion": [
        Case(
            "P's criterion, empty post",
            fixed(slug=lambda w: w.p_slug, criterion_id=lambda w: w.p_criterion_id),
            get=admin_only(),
            post=admin_only(400),
        ),
        Case(
            "Q's criterion under P",
            fixed(slug=lambda w: w.p_slug, criterion_id=lambda w: w.q_criterion_id),
            get=admin_only(404),
            post=admin_only(404),
        ),
    ],
    "awards_setup.delete_criterion": [
        Case(
            "P's criterion",
            fixed(slug=lambda w: w.p_slug, criterion_id=lambda w: w.p_criterion_id),
            post=admin_only(NO_5XX),  # scored: refused
        ),
        Case(
            "Q's criterion under P",
            fixed(slug=lambda w: w.p_slug, criterion_id=lambda w: w.q_criterion_id),
            post=admin_only(404),
        ),
    ],
    "awards_questions.list_questions": [Case("P", P, get=admin_only())],
    "awards_questions.new_question": [
        Case("P, empty post", P, get=admin_only(), post=admin_only(400)),
    ],
    "awards_questions.edit_question": [
        Case("P's question, empty post", p_question("P"), get=admin_only(), post=admin_only(400)),
        Case("Q's question under P", p_question("Q"), get=admin_only(404), post=admin_only(404)),
    ],
    "awards_questions.move_question": [
        Case("P's only question", p_question("P"), post=admin_only(Skip("test_entry_questions"))),
        Case("Q's question under P", p_question("Q"), post=admin_only(404)),
    ],
    "awards_questions.delete_question": [
        # scoring has started and it has answers: the confirmation, then a refusal
        Case("P's question", p_question("P"), post=admin_only(200)),
        Case(
            "P's question, confirmed",
            p_question("P"),
            post=admin_only(NO_5XX),
            data={"confirmed": "1"},
        ),
        Case("Q's question under P", p_question("Q"), post=admin_only(404)),
    ],
    "awards_rounds.rounds_list": [Case("P", P, get=admin_only())],
    "awards_rounds.new_round": [
        Case("P, empty post", P, get=admin_only(), post=admin_only(400)),
    ],
    "awards_rounds.edit_round": [
        # P is one round of its own fields: no stored round to edit (edit the programme)
        Case(
            "P's round 1, empty post",
            fixed(slug=lambda w: w.p_slug, round_no=lambda w: 1),
            get=admin_only(404),
            post=admin_only(404),
        ),
        Case(
            "P has no round 2",
            fixed(slug=lambda w: w.p_slug, round_no=lambda w: 2),
            get=admin_only(404),
            post=admin_only(404),
        ),
    ],
    "awards_rounds.delete_round": [
        Case(
            "P's round 1 (never deleted)",
            fixed(slug=lambda w: w.p_slug, round_no=lambda w: 1),
            post=admin_only(404),
            data={"confirmed": "1"},
        ),
    ],
    # --- panels and assignments (admin only; the chair sees their progress) -----------------
    "awards_panels.panels_page": [Case("P", P, get=admin_only()), Case("Q", Q, get=admin_only())],
    "awards_panels.create_panel": [Case("P, empty post", P, post=admin_only(400))],
    "awards_panels.rename_panel": [
        Case("P's panel, empty post", p_panel("P"), post=admin_only(400)),
        Case("Q's panel under P", p_panel("Q"), post=admin_only(404), data={"name": "x"}),
    ],
    "awards_panels.delete_panel": [
        Case("P's panel, not confirmed", p_panel("P"), post=admin_only(200)),
        Case("Q's panel under P", p_panel("Q"), post=admin_only(404), data={"confirmed": "1"}),
    ],
    "awards_panels.add_member": [
        Case("P's panel, empty post", p_panel("P"), post=admin_only(400)),
        Case("Q's panel under P", p_panel("Q"), post=admin_only(404)),
    ],
    "awards_panels.remove_member": [
        Case("J on P's panel, not confirmed", p_panel_row("P", "P"), post=admin_only(200)),
        Case(
            "Q's panel member under P's panel",
            p_panel_row("P", "Q"),
            post=admin_only(404),
            data={"confirmed": "1"},
        ),
    ],
    "awards_panels.add_scope": [
        Case("P's panel, empty post", p_panel("P"), post=admin_only(400)),
        Case("Q's panel under P", p_panel("Q"), post=admin_only(404)),
    ],
    "awards_panels.remove_scope": [
        Case("P's panel's category, not confirmed", p_panel_scope("P", "P"), post=admin_only(200)),
        Case(
            "Q's scope under P's panel",
            p_panel_scope("P", "Q"),
            post=admin_only(404),
            data={"confirmed": "1"},
        ),
    ],
    "awards_panels.assignment_page": [
        Case("P, round 1", p_round(1), get=admin_only()),
        Case("P, no round 9", p_round(9), get=admin_only(404)),
    ],
    "awards_panels.assign": [
        Case("P, round 1 of the whole jury", p_round(1), post=admin_only(409)),
        Case("P, no round 9", p_round(9), post=admin_only(404)),
    ],
    "awards_public.winners": [
        Case("P, scoring", P, get=public()),  # "announced on ...", nothing of P's entries
        Case("Q, before the announcement", Q, get=public()),
    ],
    # before the announcement: nothing of a result, not even that there is one
    "awards_public.winners_embed": [
        Case("P, scoring", P, get=public(404)),
        Case("Q, before the announcement", Q, get=public(404)),
    ],
    "awards_public.winners_atom": [
        Case("P, scoring", P, get=public(404)),
        Case("Q, before the announcement", Q, get=public(404)),
    ],
    "awards_public.winners_rss": [
        Case("P, scoring", P, get=public(404)),
        Case("Q, before the announcement", Q, get=public(404)),
    ],
    # --- entrants ----------------------------------------------------------------------------
    "entrant.dashboard": [Case("own entries", NONE, get=logged_in())],
    "entrant.programme": [Case("P", P, get=public()), Case("Q", Q, get=public())],
    "entrant.new_entry": [
        Case(
            "P, submissions closed",
            P,
            get=logged_in(REDIRECT),
            post=logged_in(400),
        )
    ],
    "entrant.show_entry": [
        Case("A's draft", p_entry("A0"), get=OWNER_A),
        Case("A's eligible entry", p_entry("A1"), get=OWNER_A),
        Case("B's draft", p_entry("B0"), get=OWNER_B),
        Case("X (B's)", p_entry("X"), get=OWNER_B),
        Case("Q's entry under P", p_entry("QE"), get=expect(404, anonymous=LOGIN)),
    ],
    "entrant.edit_entry": [
        Case(
            "A's draft, after the close",
            p_entry("A0"),
            get=expect(404, anonymous=LOGIN, entrant=REDIRECT, admin=REDIRECT),
            post=expect(404, anonymous=LOGIN, entrant=400, admin=400),
        ),
        Case(
            "X, after the close",
            p_entry("X"),
            get=expect(404, anonymous=LOGIN, entrant2=REDIRECT, admin=REDIRECT),
            post=expect(404, anonymous=LOGIN, entrant2=400, admin=400),
        ),
    ],
    "entrant.submit_entry": [
        Case(
            "A's draft, after the close",
            p_entry("A0"),
            post=expect(404, anonymous=LOGIN, entrant=REDIRECT, admin=REDIRECT),
        ),
        Case(
            "B's draft, after the close",
            p_entry("B0"),
            post=expect(404, anonymous=LOGIN, entrant2=REDIRECT, admin=REDIRECT),
        ),
    ],
    # unconfirmed, a withdrawal only asks (200, nothing changes: core.confirmation)
    "entrant.withdraw_entry": [
        Case("A's eligible entry", p_entry("A1"), post=OWNER_A),
        Case("X (B's)", p_entry("X"), post=OWNER_B),
    ],
    # the entries are not withdrawn: the owner's reopen is refused (flash and back)
    "entrant.reopen_entry": [
        Case(
            "A's eligible entry",
            p_entry("A1"),
            post=expect(404, anonymous=LOGIN, entrant=REDIRECT, admin=REDIRECT),
        ),
        Case(
            "X (B's)",
            p_entry("X"),
            post=expect(404, anonymous=LOGIN, entrant2=REDIRECT, admin=REDIRECT),
        ),
    ],
    "entrant.attachment": [
        Case("A's draft", p_entry("A0"), get=OWNER_A),
        Case("A's eligible entry", p_entry("A1"), get={**OWNER_A, **P_JURY}),
        Case("B's draft", p_entry("B0"), get=OWNER_B),
        Case("X (B's)", p_entry("X"), get={**OWNER_B, JUROR: 200}),
        Case("Q's entry under P", p_entry("QE"), get=expect(404, anonymous=LOGIN)),
        Case("Q's entry", q_entry(), get=expect(404, anonymous=LOGIN, chair=200, admin=200)),
    ],
    "entrant.answer_file": [
        Case("A's draft", p_answer("A0"), get=OWNER_A),
        Case("A's eligible entry", p_answer("A1"), get={**OWNER_A, **P_JURY}),
        Case("B's draft", p_answer("B0"), get=OWNER_B),
        Case("X (B's)", p_answer("X"), get={**OWNER_B, JUROR: 200}),
        Case("Q's question on A1", p_answer("A1", "Q"), get=expect(404, anonymous=LOGIN)),
        Case("Q's entry under P", p_answer("QE", "Q"), get=expect(404, anonymous=LOGIN)),
        Case(
            "Q's entry",
            fixed(
                slug=lambda w: w.q_slug,
                entry_id=lambda w: w.entries["QE"],
                question_id=lambda w: w.questions["Q"],
            ),
            get=expect(404, anonymous=LOGIN, chair=200, admin=200),
        ),
    ],
    # --- jurors ------------------------------------------------------------------------------
    "jury.dashboard": [Case("own programmes", NONE, get=logged_in())],
    "jury.accept_invite": [
        Case(
            "a bad invitation link",
            fixed(token=lambda w: BOGUS_TOKEN),
            get=public(400),
            post=public(400),
        )
    ],
    "jury.terms": [
        Case(
            "P, already accepted",
            P,
            get=P_JURY_PAGE,
            post={**P_JURY_PAGE, **dict.fromkeys(P_JURY, NO_5XX)},
        ),
        Case(
            "Q, already accepted",
            Q,
            get={**NOT_ON_JURY, CHAIR: 200},
            post={**NOT_ON_JURY, CHAIR: NO_5XX},
        ),
    ],
    "jury.entries": [
        Case("P", P, get=P_JURY_PAGE),
        Case("Q", Q, get={**NOT_ON_JURY, CHAIR: 200}),
    ],
    "jury.entry": [
        Case(
            "A1: everyone on P's jury; the chair's draft would be saved",
            p_entry("A1"),
            get=P_JURY_PAGE,
            post={
                **P_JURY_PAGE,
                JUROR: NO_5XX,
                CJUROR: NO_5XX,
                CCHAIR: Skip("saves the chair's draft: tests/web/test_jury_flow.py"),
            },
        ),
        Case(
            "X: barred for the conflicted juror and chair",
            p_entry("X"),
            get={**P_JURY_PAGE, CJUROR: 404, CCHAIR: 404},
            post={**P_JURY_PAGE, JUROR: NO_5XX, CJUROR: 404, CCHAIR: 404},
            data={"submit": "x"},
        ),
        Case(
            "a draft",
            p_entry("A0"),
            get={**P_JURY_PAGE, **dict.fromkeys(P_JURY, 404)},
            post={**P_JURY_PAGE, **dict.fromkeys(P_JURY, 404)},
        ),
        Case(
            "Q's entry under P",
            p_entry("QE"),
            get={**P_JURY_PAGE, **dict.fromkeys(P_JURY, 404)},
            post={**P_JURY_PAGE, **dict.fromkeys(P_JURY, 404)},
        ),
        Case("Q's entry", q_entry(), get={**NOT_ON_JURY, CHAIR: 200}),
    ],
    "jury.attachment": [
        Case("A1", p_entry("A1"), get=P_JURY_PAGE),
        Case("X", p_entry("X"), get={**P_JURY_PAGE, CJUROR: 404, CCHAIR: 404}),
        Case("a draft", p_entry("A0"), get={**P_JURY_PAGE, **dict.fromkeys(P_JURY, 404)}),
        Case("Q's entry under P", p_entry("QE"), get={**P_JURY_PAGE, **dict.fromkeys(P_JURY, 404)}),
    ],
    "jury.declare_conflict": [
        Case(
            "A1, no reason",
            p_entry("A1"),
            post={**P_JURY_PAGE, **dict.fromkeys(P_JURY, 400)},
        ),
        Case(
            "X, with a reason",
            p_entry("X"),
            post={
                **P_JURY_PAGE,
                CJUROR: 404,
                CCHAIR: 404,
                JUROR: Skip("bars the juror: tests/web/test_jury_flow.py"),
            },
            data={"reason": "matrix"},
        ),
    ],
    # --- group messages (admin) and the unsubscribe link (anyone holding it) -------------------
    "messages.index": [Case("P", P, get=admin_only())],
    "messages.compose": [Case("P", P, get=admin_only())],
    "messages.preview": [Case("P, empty post", P, get=admin_only(REDIRECT), post=admin_only(400))],
    "messages.test_send": [
        Case("P, empty post", P, get=admin_only(REDIRECT), post=admin_only(400))
    ],
    "messages.send": [Case("P, empty post", P, get=admin_only(REDIRECT), post=admin_only(400))],
    "messages.unsubscribe": [Case("unknown token", bogus_token, get=public(400), post=public(400))],
    # --- the chair's and admins' jury pages --------------------------------------------------
    "jury_admin.members": [Case("P", P, get=admin_only())],
    "jury_admin.invite": [Case("P, empty post", P, post=admin_only(400))],
    "jury_admin.resend_invite": [
        Case(
            "J, terms accepted",
            fixed(slug=lambda w: w.p_slug, member_id=lambda w: w.members["J"]),
            post=admin_only(NO_5XX),
        ),
        Case(
            "Q's juror under P",
            fixed(slug=lambda w: w.p_slug, member_id=lambda w: w.members["QJ"]),
            post=admin_only(404),
        ),
    ],
    "jury_admin.remove_member": [
        Case(
            "J, who has submitted scorecards",
            fixed(slug=lambda w: w.p_slug, member_id=lambda w: w.members["J"]),
            post=admin_only(NO_5XX),
        ),
        Case(
            "Q's juror under P",
            fixed(slug=lambda w: w.p_slug, member_id=lambda w: w.members["QJ"]),
            post=admin_only(404),
        ),
    ],
    "jury_admin.conflicts": [
        Case("P", P, get=expect(403, anonymous=LOGIN, conflicted_chair=200, admin=200)),
        Case("Q", Q, get=expect(403, anonymous=LOGIN, chair=200, admin=200)),
    ],
    "jury_admin.detect": [
        Case(
            "P",
            P,
            post=expect(
                403,
                anonymous=LOGIN,
                conflicted_chair=Skip("runs detection: tests/web/test_jury_admin.py"),
                admin=Skip("runs detection: tests/web/test_jury_admin.py"),
            ),
        ),
        Case(
            "Q",
            Q,
            post=expect(
                403,
                anonymous=LOGIN,
                chair=Skip("runs detection: tests/web/test_jury_admin.py"),
                admin=Skip("runs detection: tests/web/test_jury_admin.py"),
            ),
        ),
    ],
    "jury_admin.rule_conflict": [
        Case(
            "JX's conflict on X, dismissed: not by the chair conflicted on X",
            fixed(slug=lambda w: w.p_slug, conflict_id=lambda w: w.conflicts["JX-X"]),
            post=expect(
                403,
                anonymous=LOGIN,
                conflicted_chair=REFUSED,
                admin=Skip("dismisses it: tests/web/test_jury_chair.py"),
            ),
            data={"decision": "dismiss", "note": "matrix"},
        ),
        Case(
            "the chair's own conflict on X, dismissed",
            fixed(slug=lambda w: w.p_slug, conflict_id=lambda w: w.conflicts["CC-X"]),
            post=expect(
                403, anonymous=LOGIN, admin=Skip("dismisses it: tests/web/test_jury_chair.py")
            ),
            data={"decision": "dismiss", "note": "matrix"},
        ),
        Case(
            "JX's conflict on X, no decision",
            fixed(slug=lambda w: w.p_slug, conflict_id=lambda w: w.conflicts["JX-X"]),
            post=expect(403, anonymous=LOGIN, conflicted_chair=NOT_DONE, admin=400),
        ),
        Case(
            "Q's conflict under P",
            fixed(slug=lambda w: w.p_slug, conflict_id=lambda w: w.conflicts["QJ-QE"]),
            post=expect(403, anonymous=LOGIN, conflicted_chair=404, admin=404),
            data={"decision": "dismiss", "note": "matrix"},
        ),
        Case(
            "Q's conflict, no decision",
            fixed(slug=lambda w: w.q_slug, conflict_id=lambda w: w.conflicts["QJ-QE"]),
            post=expect(403, anonymous=LOGIN, chair=400, admin=400),
        ),
    ],
    "jury_admin.progress": [
        Case("P", P, get=expect(403, anonymous=LOGIN, conflicted_chair=200, admin=200)),
        Case("Q", Q, get=expect(403, anonymous=LOGIN, chair=200, admin=200)),
    ],
    "jury_admin.reopen_scorecard": [
        Case(
            "J's scorecard on X: not by the chair conflicted on X",
            fixed(slug=lambda w: w.p_slug, scorecard_id=lambda w: w.cards["J-X"]),
            post=expect(
                403,
                anonymous=LOGIN,
                conflicted_chair=REFUSED,
                admin=Skip("reopens it: tests/web/test_jury_chair.py"),
            ),
            data={"reason": "matrix"},
        ),
        Case(
            "J's scorecard on X, no reason",
            fixed(slug=lambda w: w.p_slug, scorecard_id=lambda w: w.cards["J-X"]),
            post=expect(403, anonymous=LOGIN, conflicted_chair=NOT_DONE, admin=400),
        ),
        Case(
            "J's scorecard on A1, no reason",
            fixed(slug=lambda w: w.p_slug, scorecard_id=lambda w: w.cards["J-A1"]),
            post=expect(403, anonymous=LOGIN, conflicted_chair=400, admin=400),
        ),
        Case(
            "Q's scorecard under P",
            fixed(slug=lambda w: w.p_slug, scorecard_id=lambda w: w.cards["C-QE"]),
            post=expect(403, anonymous=LOGIN, conflicted_chair=404, admin=404),
            data={"reason": "matrix"},
        ),
    ],
    # --- results -----------------------------------------------------------------------------
    "results.leaderboard": [
        Case("P, scoring", P, get=admin_only()),
        Case("Q, scoring closed", Q, get=expect(403, anonymous=LOGIN, chair=200, admin=200)),
    ],
    "results.export": [
        Case("P, scoring", P, get=admin_only()),
        Case("Q, scoring closed", Q, get=expect(403, anonymous=LOGIN, chair=200, admin=200)),
    ],
    "results.export_xlsx": [
        Case("P, scoring", P, get=admin_only()),
        Case("Q, scoring closed", Q, get=expect(403, anonymous=LOGIN, chair=200, admin=200)),
    ],
    "results.shortlist": [
        Case(
            "P, scoring, empty post",
            fixed(slug=lambda w: w.p_slug, category_slug=lambda w: w.p_category_slug),
            post=admin_only(NO_5XX),
        ),
        Case(
            "Q, scoring closed, empty post",
            fixed(slug=lambda w: w.q_slug, category_slug=lambda w: w.q_category_slug),
            post=expect(403, anonymous=LOGIN, chair=NO_5XX, admin=NO_5XX),
        ),
    ],
    "results.ratify": [
        Case(
            "P, scoring, empty post",
            fixed(slug=lambda w: w.p_slug, category_slug=lambda w: w.p_category_slug),
            post=admin_only(400),
        ),
        Case(
            "Q, scoring closed, empty post",
            fixed(slug=lambda w: w.q_slug, category_slug=lambda w: w.q_category_slug),
            post=expect(403, anonymous=LOGIN, chair=400, admin=400),
        ),
    ],
    # --- deliberation: chair and admins once scoring has closed (Q), nobody before (P) -------
    "deliberation.page": [
        Case("P, scoring", P, get=expect(403, anonymous=LOGIN)),
        Case("Q, scoring closed", Q, get=expect(403, anonymous=LOGIN, chair=200, admin=200)),
    ],
    "deliberation.share_feedback": [
        Case("X, P scoring", p_entry("X"), post=expect(403, anonymous=LOGIN)),
        Case(
            "QE, scoring closed, empty post",
            q_entry(),
            post=expect(403, anonymous=LOGIN, chair=400, admin=400),
        ),
        Case(
            "QE, fields without the form's prefix",
            q_entry(),
            post=expect(403, anonymous=LOGIN, chair=400, admin=400),
            data={"cards": "1", "round_no": "1"},
        ),
        Case(
            "P's entry under Q",
            fixed(slug=lambda w: w.q_slug, entry_id=lambda w: w.entries["A1"]),
            post=expect(404, anonymous=LOGIN),
        ),
    ],
    "results.advance": [
        # a one-round programme's round is its final one: nothing advances from it
        Case(
            "P, scoring, round 1 (final)",
            fixed(
                slug=lambda w: w.p_slug,
                round_no=lambda w: 1,
                category_slug=lambda w: w.p_category_slug,
            ),
            post=expect(403, anonymous=LOGIN, admin=404),
        ),
        Case(
            "Q, scoring closed, round 1 (final)",
            fixed(
                slug=lambda w: w.q_slug,
                round_no=lambda w: 1,
                category_slug=lambda w: w.q_category_slug,
            ),
            post=expect(403, anonymous=LOGIN, chair=404, admin=404),
        ),
    ],
    # --- events: public pages and a registrant's own links -----------------------------------
    "events.index": [Case("upcoming", NONE, get=public())],
    "events.show": [Case("E", EVENT, get=public())],
    "events.ics": [Case("E", EVENT, get=public())],
    "events.register": [Case("E, empty post", EVENT, get=public(), post=public(400))],
    "events.registered": [Case("E", EVENT, get=public())],
    "events.resend": [Case("E, no address", EVENT, post=public(REDIRECT))],
    "events.verify": [
        Case("a bad verification link", fixed(token=lambda w: BOGUS_TOKEN), get=public(400))
    ],
    "events.manage": [
        Case("own registration", own_token, get=public()),
        Case("unknown token", bogus_token, get=public(404)),
    ],
    "events.attendee_ics": [
        Case("own registration", own_token, get=public()),
        Case("unknown token", bogus_token, get=public(404)),
    ],
    "events.billing": [
        Case("own, confirmed", own_token, get=public(REDIRECT), post=public(REDIRECT)),
        Case("unknown token", bogus_token, get=public(404), post=public(404)),
    ],
    "events.cancel": [
        Case(
            "own registration",
            own_token,
            get=public(),
            post=public(Skip("cancels it: tests/web/test_registration.py")),
        ),
        Case("unknown token", bogus_token, get=public(404), post=public(404)),
    ],
    "events.offer": [
        Case("own, no offer", own_token, get=public(), post=public(NO_5XX)),
        Case("unknown token", bogus_token, get=public(404), post=public(404)),
    ],
    "payments.pay": [
        Case("own, confirmed", own_token, get=public(), post=public(NO_5XX)),
        Case("unknown token", bogus_token, get=public(404), post=public(404)),
    ],
    "payments.success": [
        Case("own, no session", own_token, get=public(404)),
        Case("unknown token", bogus_token, get=public(404)),
    ],
    "payments.registration_invoice": [
        Case("own", own_token, get=expect(404, entrant=REDIRECT, entrant2=REDIRECT)),
        Case("unknown token", bogus_token, get=public(404)),
    ],
    "payments.invoice": [
        Case(
            "A's invoice with one's own token",
            lambda w, role: {**own_token(w, role), "number": w.invoices[ENTRANT]},
            get=expect(404, entrant=200, admin=200),
        ),
        Case(
            "B's invoice with one's own token",
            lambda w, role: {**own_token(w, role), "number": w.invoices[ENTRANT2]},
            get=expect(404, entrant2=200, admin=200),
        ),
        Case(
            "an unknown number",
            lambda w, role: {**own_token(w, role), "number": "MXINV-2025-9999"},
            get=public(404),
        ),
    ],
    "payments.test_checkout": [
        Case(
            "unknown session",
            fixed(session_id=lambda w: "cs_test_unknown"),
            get=public(404),
            post=public(404),
        )
    ],
    "payments.webhook": [Case("unsigned", NONE, post=public(400))],
    # --- bookings (several attendees in one booking; own bookings: tests/web/test_bookings.py)
    "bookings.book": [Case("E, empty post", EVENT, get=public(), post=public(400))],
    "bookings.verify": [
        Case("a bad verification link", fixed(token=lambda w: BOGUS_TOKEN), get=public(400))
    ],
    "bookings.show": [Case("unknown token", bogus_token, get=public(404))],
    "bookings.billing": [Case("unknown token", bogus_token, get=public(404), post=public(404))],
    "bookings.pay": [Case("unknown token", bogus_token, post=public(404))],
    "bookings.paid": [Case("unknown token", bogus_token, get=public(404))],
    "bookings.cancel": [Case("unknown token", bogus_token, get=public(404), post=public(404))],
    # --- events admin ------------------------------------------------------------------------
    "events_admin.index": [Case("events", NONE, get=admin_only())],
    "events_admin.create_event": [
        Case("new, empty post", NONE, get=admin_only(), post=admin_only(400)),
    ],
    "events_admin.edit_event": [
        Case("E, empty post", EVENT_ID, get=admin_only(), post=admin_only(400)),
        Case("unknown event", fixed(event_id=lambda w: 999999), get=admin_only(404)),
    ],
    "events_admin.delete_event": [
        Case(
            "E, with registrations",
            EVENT_ID,
            post=admin_only(NO_5XX),
        ),
        Case("unknown event", fixed(event_id=lambda w: 999999), post=admin_only(404)),
    ],
    "events_attendees.attendee_list": [Case("E", EVENT_ID, get=admin_only())],
    "events_attendees.attendee_csv": [Case("E", EVENT_ID, get=admin_only())],
    "events_attendees.attendee_xlsx": [Case("E", EVENT_ID, get=admin_only())],
    "events_attendees.checkin_list": [Case("E", EVENT_ID, get=admin_only())],
    "events_attendees.check_in": [
        Case(
            "A's registration",
            fixed(
                event_id=lambda w: w.event_id, registration_id=lambda w: w.registrations[ENTRANT]
            ),
            post=admin_only(Skip("checks in: tests/web/test_events_admin_attendees.py")),
        ),
        Case(
            "E2's registration under E",
            fixed(event_id=lambda w: w.event_id, registration_id=lambda w: w.other_registration_id),
            post=admin_only(404),
        ),
    ],
    "events_attendees.cancel": [
        Case(
            "A's registration",
            fixed(
                event_id=lambda w: w.event_id, registration_id=lambda w: w.registrations[ENTRANT]
            ),
            post=admin_only(),  # unconfirmed: the confirmation page, nothing changes
        ),
        Case(
            "E2's registration under E",
            fixed(event_id=lambda w: w.event_id, registration_id=lambda w: w.other_registration_id),
            post=admin_only(404),
        ),
    ],
    "events_bookings_admin.cancel": [
        Case(
            "no such booking of E",
            fixed(event_id=lambda w: w.event_id, booking_id=lambda w: 999999),
            post=admin_only(404),
        ),
    ],
    "events_attendees.comp": [
        Case("E, empty post", EVENT_ID, get=admin_only(), post=admin_only(400)),
    ],
    "events_members.organisation_list": [Case("organisations", NONE, get=admin_only())],
    "events_members.create_organisation": [
        Case("new, empty post", NONE, get=admin_only(), post=admin_only(400)),
    ],
    "events_members.edit_organisation": [
        Case(
            "an organisation, empty post",
            fixed(org_id=lambda w: w.member_org_id),
            get=admin_only(),
            post=admin_only(400),
        ),
        Case("unknown organisation", fixed(org_id=lambda w: 999999), get=admin_only(404)),
    ],
    "events_members.delete_organisation": [
        Case(
            "an organisation",
            fixed(org_id=lambda w: w.member_org_id),
            post=admin_only(),  # unconfirmed: the confirmation page, nothing changes
        ),
        Case("unknown organisation", fixed(org_id=lambda w: 999999), post=admin_only(404)),
    ],
    "events_members.import_organisations": [
        Case("no file", NONE, get=admin_only(), post=admin_only(400)),
    ],
    # --- the door: ticket PDF and check-in (tests/web/test_checkin.py, test_tickets_pdf.py) --
    "events_ticket.ticket": [
        Case("own registration", own_token, get=public()),
        Case("unknown token", bogus_token, get=public(404)),
    ],
    "events_checkin.scan": [
        Case("E, empty post", EVENT_ID, get=admin_only(), post=admin_only(400)),
        Case(
            "E, an unknown code",
            EVENT_ID,
            post=admin_only(404),
            data={"code": "ZZZZ-ZZZZ-ZZZZ"},
        ),
        Case("unknown event", fixed(event_id=lambda w: 999999), get=admin_only(404)),
    ],
    "events_checkin.tickets": [
        Case("E", EVENT_ID, get=admin_only()),
        Case("unknown event", fixed(event_id=lambda w: 999999), get=admin_only(404)),
    ],
    "events_checkin.batch": [
        Case("E, no codes", EVENT_ID, post=admin_only(400)),
        Case("unknown event", fixed(event_id=lambda w: 999999), post=admin_only(404)),
    ],
    # --- events reports and funnel figures -------------------------------------------------------
    "events_reports.event_report": [
        Case("E", EVENT_ID, get=admin_only()),
        Case("unknown event", fixed(event_id=lambda w: 999999), get=admin_only(404)),
    ],
    "events_reports.event_report_csv": [Case("E", EVENT_ID, get=admin_only())],
    "events_reports.event_report_xlsx": [Case("E", EVENT_ID, get=admin_only())],
    "events_reports.reports_index": [Case("this year", NONE, get=admin_only())],
    "events_reports.year_report": [
        Case("2025", fixed(year=lambda w: 2025), get=admin_only()),
        Case("out of range", fixed(year=lambda w: 1999), get=admin_only(404)),
    ],
    "events_reports.year_report_csv": [Case("2025", fixed(year=lambda w: 2025), get=admin_only())],
    "events_reports.year_report_xlsx": [Case("2025", fixed(year=lambda w: 2025), get=admin_only())],
    "events_reports.event_funnel": [
        Case("E", EVENT_ID, get=admin_only()),
        Case("unknown event", fixed(event_id=lambda w: 999999), get=admin_only(404)),
    ],
    "events_reports.funnel_index": [Case("this year", NONE, get=admin_only())],
    "events_reports.funnel_comparison": [
        Case("2025", fixed(year=lambda w: 2025), get=admin_only()),
    ],
    "events_reports.funnel_comparison_csv": [
        Case("2025", fixed(year=lambda w: 2025), get=admin_only())
    ],
    "events_reports.funnel_comparison_xlsx": [
        Case("2025", fixed(year=lambda w: 2025), get=admin_only())
    ],
    # --- events: changes after booking (transfer, invoice address) ----------------------------
    "events_changes.transfer": [
        Case("own, empty post", own_token, get=public(), post=public(400)),
        Case("unknown token", bogus_token, get=public(404), post=public(404)),
    ],
    "events_changes.accept_transfer": [
        Case("unknown transfer link", bogus_token, get=public(404), post=public(404)),
    ],
    "events_changes.invoice_address": [
        Case("own, empty post", own_token, get=public(), post=public(400)),
        Case("unknown token", bogus_token, get=public(404), post=public(404)),
    ],
    "events_changes_admin.transfer": [
        Case(
            "A's registration, empty post",
            fixed(
                event_id=lambda w: w.event_id, registration_id=lambda w: w.registrations[ENTRANT]
            ),
            get=admin_only(),
            post=admin_only(400),
        ),
        Case(
            "E2's registration under E",
            fixed(event_id=lambda w: w.event_id, registration_id=lambda w: w.other_registration_id),
            get=admin_only(404),
            post=admin_only(404),
        ),
    ],
    "events_changes_admin.invoice_address": [
        Case(
            "A's registration, empty post",
            fixed(
                event_id=lambda w: w.event_id, registration_id=lambda w: w.registrations[ENTRANT]
            ),
            get=admin_only(),
            post=admin_only(400),
        ),
        Case(
            "E2's registration under E",
            fixed(event_id=lambda w: w.event_id, registration_id=lambda w: w.other_registration_id),
            get=admin_only(404),
            post=admin_only(404),
        ),
    ],
    # --- ticket types ------------------------------------------------------------------------
    "events_tickets.type_list": [Case("E", EVENT_ID, get=admin_only())],
    "events_tickets.create_type": [
        Case("E, empty post", EVENT_ID, get=admin_only(), post=admin_only(400)),
    ],
    "events_tickets.edit_type": [
        Case("unknown type", TICKET_TYPE_UNKNOWN, get=admin_only(404), post=admin_only(404)),
    ],
    "events_tickets.deactivate_type": [
        Case("unknown type", TICKET_TYPE_UNKNOWN, post=admin_only(404)),
    ],
    "events_tickets.activate_type": [
        Case("unknown type", TICKET_TYPE_UNKNOWN, post=admin_only(404)),
    ],
    "events_tickets.delete_type": [
        Case("unknown type", TICKET_TYPE_UNKNOWN, post=admin_only(404)),
    ],
    "events_ticket_choice.choose": [
        Case("own, confirmed", own_token, get=public(REDIRECT), post=public(REDIRECT)),
        Case("unknown token", bogus_token, get=public(404), post=public(404)),
    ],
    # vouchers
    "events_vouchers.voucher_list": [
        Case("vouchers", NONE, get=admin_only()),
        Case("filtered by E", EVENT_ID, get=admin_only()),
    ],
    "events_vouchers.voucher_csv": [Case("vouchers", NONE, get=admin_only())],
    "events_vouchers.voucher_xlsx": [Case("vouchers", NONE, get=admin_only())],
    "events_vouchers.create_voucher": [
        Case("new, empty post", NONE, get=admin_only(), post=admin_only(400)),
    ],
    "events_vouchers.generate_vouchers": [
        Case("batch, empty post", NONE, get=admin_only(), post=admin_only(400)),
    ],
    "events_vouchers.edit_voucher": [
        Case(
            "a voucher, empty post",
            fixed(voucher_id=lambda w: w.voucher_id),
            get=admin_only(),
            post=admin_only(400),
        ),
        Case("unknown voucher", fixed(voucher_id=lambda w: 999999), get=admin_only(404)),
    ],
    "events_vouchers.end_voucher": [
        Case(
            "a voucher",
            fixed(voucher_id=lambda w: w.voucher_id),
            post=admin_only(),  # unconfirmed: the confirmation page, nothing changes
        ),
        Case("unknown voucher", fixed(voucher_id=lambda w: 999999), post=admin_only(404)),
    ],
    "events_vouchers.delete_voucher": [
        Case(
            "a voucher",
            fixed(voucher_id=lambda w: w.voucher_id),
            post=admin_only(),  # unconfirmed: the confirmation page, nothing changes
        ),
        Case("unknown voucher", fixed(voucher_id=lambda w: 999999), post=admin_only(404)),
    ],
    "events_voucher_step.choose": [
        Case("own, confirmed", own_token, get=public(REDIRECT), post=public(REDIRECT)),
        Case("unknown token", bogus_token, get=public(404), post=public(404)),
    ],
    # --- registration questions (tests/web/test_event_questions.py) ---
    "events_questions.list_questions": [Case("E", EVENT_ID, get=admin_only())],
    "events_questions.new_question": [
        Case("E, empty post", EVENT_ID, get=admin_only(), post=admin_only(400)),
    ],
    "events_questions.edit_question": [
        Case("E's question, empty post", e_question("E"), get=admin_only(), post=admin_only(400)),
        Case("E2's question under E", e_question("E2"), get=admin_only(404), post=admin_only(404)),
    ],
    "events_questions.move_question": [
        Case("E's question", e_question("E"), post=admin_only(Skip("test_event_questions"))),
        Case("E2's question under E", e_question("E2"), post=admin_only(404)),
    ],
    "events_questions.delete_question": [
        Case("E's question", e_question("E"), post=admin_only()),  # unconfirmed: asks first
        Case("E2's question under E", e_question("E2"), post=admin_only(404)),
    ],
    # --- series and copies (events/views/admin_series.py, public_series.py) -------------------
    "events_series.series_list": [Case("series", NONE, get=admin_only())],
    "events_series.create_series": [
        Case("new, empty post", NONE, get=admin_only(), post=admin_only(400)),
    ],
    "events_series.edit_series": [
        Case("S, empty post", SERIES_ID, get=admin_only(), post=admin_only(400)),
        Case("unknown series", fixed(series_id=lambda w: 999999), get=admin_only(404)),
    ],
    "events_series.delete_series": [
        Case("S", SERIES_ID, post=admin_only()),  # unconfirmed: the question, nothing changes
        Case("unknown series", fixed(series_id=lambda w: 999999), post=admin_only(404)),
    ],
    "events_series.event_series": [
        Case("E, empty post", EVENT_ID, get=admin_only(), post=admin_only(400)),
        Case("unknown event", fixed(event_id=lambda w: 999999), get=admin_only(404)),
    ],
    "events_series.copy_event": [
        Case("E, empty post", EVENT_ID, get=admin_only(), post=admin_only(400)),
        Case("unknown event", fixed(event_id=lambda w: 999999), get=admin_only(404)),
    ],
    "events_series.make_recurring": [
        Case("E, empty post", EVENT_ID, get=admin_only(), post=admin_only(400)),
        Case("unknown event", fixed(event_id=lambda w: 999999), get=admin_only(404)),
    ],
    "events_series_public.show": [
        Case("S (holds E2)", fixed(slug=lambda w: w.series_slug), get=public()),
        Case("unknown series", fixed(slug=lambda w: "no-such-series"), get=public(404)),
    ],
    # --- events: ticket type changes after booking --------------------------------------------
    # (E has no ticket types: the page says so, a post is refused)
    "events_type_changes.change_ticket_type": [
        Case("own, empty post", own_token, get=public(), post=public(409)),
        Case("unknown token", bogus_token, get=public(404), post=public(404)),
    ],
    # the return from the checkout of a dearer type's difference: only a session of one's own
    # type-change payment (tests/web/test_type_changes.py); without one, 404
    "events_type_changes.difference_paid": [
        Case("own, no session", own_token, get=public(404)),
        Case("unknown token", bogus_token, get=public(404)),
    ],
    "events_type_changes_admin.change_ticket_type": [
        Case(
            "A's registration, empty post",
            fixed(
                event_id=lambda w: w.event_id, registration_id=lambda w: w.registrations[ENTRANT]
            ),
            get=admin_only(),
            post=admin_only(409),
        ),
        Case(
            "E2's registration under E",
            fixed(event_id=lambda w: w.event_id, registration_id=lambda w: w.other_registration_id),
            get=admin_only(404),
            post=admin_only(404),
        ),
    ],
}


# --- what each role must not see -------------------------------------------------------------

VISIBLE_ENTRIES = {
    ANON: set(),
    ENTRANT: {"A0", "A1"},
    ENTRANT2: {"B0", "X"},
    JUROR: {"A1", "X"},
    CJUROR: {"A1"},
    CHAIR: {"QE"},
    CCHAIR: {"A1"},
    ADMIN: {"A0", "A1", "B0", "X", "QE"},
}
OWN_CARDS = {JUROR: {"J-X", "J-A1"}, CJUROR: {"JX-A1"}, CCHAIR: {"CC-A1"}, CHAIR: {"C-QE"}}
OWN_INVOICE = {ENTRANT: ENTRANT, ENTRANT2: ENTRANT2}


#: once P's scoring has closed its chair deliberates: the counted scorecards of the entries
#: they are not barred from (not X's; not the draft) are no longer sealed for them
DELIBERATION_CARDS = {CCHAIR: {"J-A1", "JX-A1"}}


def forbidden_markers(w: World, role: str, *, p_closed: bool = False) -> dict[str, str]:
    """marker -> what it stands for, for every marker `role` must not see anywhere (with
    `p_closed`: once P's scoring has closed). A juror sees only their own scores until
    deliberation; Q's chair deliberates, but QJ's card on QE does not count (a pending
    conflict), so it stays sealed."""
    if role == ADMIN:
        return {}
    markers: dict[str, str] = {}
    for key in w.entries.keys() - VISIBLE_ENTRIES[role]:
        for name, value in entry_markers(key).items():
            markers[value] = f"the {name} of entry {key}"
    readable = OWN_CARDS.get(role, set()) | (
        DELIBERATION_CARDS.get(role, set()) if p_closed else set()
    )
    for key, comment in w.card_comments.items():
        if key not in readable:
            markers[comment] = f"scorecard {key} (sealed)"
    for other in ROLES:
        if other != role:
            markers[attendee_name(other)] = f"the name of the {other}'s registration"
            markers[attendee_email(other)] = f"the e-mail address of the {other}'s registration"
    markers["other-attendee@marker.example"] = "the e-mail address of E2's attendee"
    for owner, number in w.invoices.items():
        if OWN_INVOICE.get(role) != owner:
            markers[number] = f"the {owner}'s invoice number"
    markers[w.mail_subject] = "an outbox message (admins only)"
    markers["MARKER-MAIL-BODY"] = "an outbox message (admins only)"
    markers[w.audit_note] = "the audit log (admins only)"
    if role in (CJUROR, CCHAIR):
        markers[f'/jury/{w.p_slug}/entries/{w.entries["X"]}"'] = "a link to entry X"
    if role == CCHAIR:
        base = f"/admin/awards/{w.p_slug}/jury"
        markers[f'{base}/scorecards/{w.cards["J-X"]}/reopen"'] = "a reopen form for X's scorecard"
        for key in ("JX-X", "CC-X"):
            markers[f'{base}/conflicts/{w.conflicts[key]}/rule"'] = f"a ruling form for {key}"
        feedback = f'/admin/awards/{w.p_slug}/deliberation/entries/{w.entries["X"]}/feedback"'
        markers[feedback] = "a feedback form for X"
    return markers


def response_text(response) -> str:
    """The body as text; an XLSX workbook (a zip) as the text of its XML parts unpacked."""
    if response.mimetype != MIMETYPES["xlsx"]:
        return response.get_data(as_text=True)
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as book:
        return "".join(book.read(name).decode("utf-8") for name in book.namelist())


# --- running the table -----------------------------------------------------------------------


class Holder:
    """The module's world; rebuilt when a request changed it (the test has failed then)."""

    def __init__(self, world: World):
        self.world = world

    def rebuild(self, tables) -> None:
        db.session.rollback()  # let go of the snapshot's read before another connection writes
        tables.empty()
        self.world = build_world(at=AT, upload_dir=self.world.upload_dir)


@pytest.fixture(scope="module")
def holder(load_once):
    with load_once(AT) as app:
        yield Holder(build_world(at=AT, upload_dir=app.config["UPLOAD_DIR"]))


@pytest.fixture
def world(app, clock, holder) -> Holder:
    clock.set(AT)
    app.config["UPLOAD_DIR"] = holder.world.upload_dir
    return holder


def snapshot() -> dict[str, list[str]]:
    """Every row of every table as the driver returns it, to compare before and after."""
    connection = db.session.connection()
    return {
        table.name: sorted(
            repr(tuple(row)) for row in connection.exec_driver_sql(f'SELECT * FROM "{table.name}"')
        )
        for table in db.metadata.sorted_tables
    }


def matches(expected, response) -> bool:
    status = response.status_code
    location = response.location or ""
    if expected == LOGIN:
        return status == 302 and "/login" in location
    if expected == REDIRECT:
        return status in (301, 302, 303) and "/login" not in location
    if expected == REFUSED:
        return status in (403, 404)
    if expected == NOT_DONE:
        return status in (400, 403, 404)
    if expected == NO_5XX:
        return status < 500
    return status == expected


class Walk:
    """Requests as each role, collecting every mismatch as one line."""

    def __init__(self, app, login, holder: Holder, tables):
        self.app, self.login, self.holder, self.tables = app, login, holder, tables
        self.failures: list[str] = []
        self.requests = 0
        self._clients: dict[str, object] = {}
        self._baseline: dict[str, list[str]] | None = None  # the world before any POST
        self.p_closed = False  # P's scoring has closed (see `forbidden_markers`)

    def client(self, role: str):
        if role not in self._clients:
            c = self.app.test_client()
            c.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
            c.environ_base["REMOTE_ADDR"] = f"127.0.0.{ROLES.index(role) + 10}"
            if role != ANON:
                self.login(db.session.get(User, self.holder.world.users[role]), c)
            self._clients[role] = c
        return self._clients[role]

    def url(self, endpoint: str, case: Case, role: str) -> str:
        adapter = self.app.url_map.bind("localhost")
        return adapter.build(endpoint, case.params(self.holder.world, role))

    def request(
        self, endpoint: str, case: Case, role: str, method: str, expected, *, query: str = ""
    ) -> None:
        url = self.url(endpoint, case, role) + query
        label = f"{method} {url} ({case.name}) as {role}"
        if method == "POST" and self._baseline is None:
            self._baseline = snapshot()
        c = self.client(role)
        response = c.post(url, data=case.data) if method == "POST" else c.get(url)
        self.requests += 1
        try:
            if not matches(expected, response):
                where = f" -> {response.location}" if response.location else ""
                self.failures.append(
                    f"{label}: expected {expected}, got {response.status_code}{where}"
                )
            public = role == ANON and endpoint in PUBLIC_PAGES
            if not public and not response.cache_control.no_store:
                self.failures.append(f"{label}: may be stored (no Cache-Control: no-store)")
            if response.headers.get("X-Content-Type-Options") != "nosniff":
                self.failures.append(f"{label}: no X-Content-Type-Options: nosniff")
            if response.mimetype != "application/pdf":
                text = response_text(response)
                markers = forbidden_markers(self.holder.world, role, p_closed=self.p_closed)
                for marker, what in markers.items():
                    if marker in text and marker not in url:  # (pages link to themselves)
                        self.failures.append(f"{label}: shows {what} ({marker})")
        finally:
            response.close()
        if method == "POST" and snapshot() != self._baseline:
            self.failures.append(f"{label}: changed the database")
            self.holder.rebuild(self.tables)
            self._clients.clear()
            self._baseline = None


def allowed_methods(rule) -> set[str]:
    return set(rule.methods) - {"HEAD", "OPTIONS"}


def test_every_route_is_in_the_table(app):
    """Every endpoint and method of the app has its row; the table names no route that is gone."""
    problems = []
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    for endpoint, rule in sorted(rules.items()):
        if endpoint not in TABLE:
            problems.append(f"{endpoint} ({rule.rule}) is not in TABLE")
            continue
        listed = {
            m for case in TABLE[endpoint] for m, e in (("GET", case.get), ("POST", case.post)) if e
        }
        for method in sorted(allowed_methods(rule) - listed):
            problems.append(f"{method} {endpoint} ({rule.rule}) has no case in TABLE")
        for method in sorted(listed - allowed_methods(rule)):
            problems.append(f"{method} {endpoint} is in TABLE but the route does not take it")
    for endpoint in sorted(TABLE.keys() - rules.keys()):
        problems.append(f"{endpoint} is in TABLE but not a route of the app")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("endpoint", sorted(TABLE))
def test_route(app, world, login, tables, endpoint):
    """Each case of the endpoint, as every role: the expected status, nothing changed by a
    POST, no forbidden marker; a method the route does not take answers 405."""
    rules = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]
    assert rules, f"{endpoint} is not a route (see test_every_route_is_in_the_table)"
    methods = allowed_methods(rules[0])
    walk = Walk(app, login, world, tables)
    for case in TABLE[endpoint]:
        for method, expectations in (("GET", case.get), ("POST", case.post)):
            if expectations is None or method not in methods:
                continue
            for role in ROLES:
                expected = expectations[role]
                if isinstance(expected, Skip):
                    continue
                walk.request(endpoint, case, role, method, expected)
    other = "GET" if "GET" not in methods else ("POST" if "POST" not in methods else None)
    if other:
        for role in (ANON, ADMIN):  # routing answers before any view: the role is moot
            walk.request(
                endpoint, Case("other method", TABLE[endpoint][0].params), role, other, 405
            )
    assert not walk.failures, f"{len(walk.failures)} of {walk.requests} requests:\n" + "\n".join(
        walk.failures
    )


AFTER_SCORING = datetime(2025, 5, 5, 9, 0, tzinfo=UTC)  # P's scoring has closed, not published


def test_the_conflicted_chair_reads_results_without_entry_x(app, world, login, tables, clock):
    """Once P's scoring has closed its chair sees the results, every method, the CSV and the
    deliberation, still without entry X (the same markers as above, the comments of the
    other entries' counted scorecards now readable) and may not choose X's feedback; the
    other roles keep their answers."""
    clock.set(AFTER_SCORING)
    walk = Walk(app, login, world, tables)
    walk.p_closed = True
    chair_reads = expect(403, anonymous=LOGIN, conflicted_chair=200, admin=200)
    for endpoint, query in (
        ("results.leaderboard", ""),
        ("results.leaderboard", "?method=median"),
        ("results.leaderboard", "?method=trimmed&trim=1"),
        ("results.leaderboard", "?method=zscore"),
        ("results.export", ""),
        ("results.export_xlsx", ""),
        ("deliberation.page", ""),
    ):
        case = Case(f"P after scoring{query}", P)
        for role in ROLES:
            walk.request(endpoint, case, role, "GET", chair_reads[role], query=query)
    x_feedback = Case("X after scoring, empty post", p_entry("X"))
    for role, expected in expect(403, anonymous=LOGIN, admin=400).items():
        walk.request("deliberation.share_feedback", x_feedback, role, "POST", expected)
    assert not walk.failures, "\n".join(walk.failures)
