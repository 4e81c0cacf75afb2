"""No page's number of SQL statements grows with the data: every GET route of the access
matrix (`TABLE` in tests/web/test_access_matrix.py, so a new route is counted as soon as it
has its row there) is asked once in the matrix's world — a programme of 5 entries, an event
of 5 attendees — and once after the programme has grown by 495 scored entries and the event
by 495 attendees, as the first role the matrix lets see it (an admin where allowed). Each
page makes exactly as many statements both times (N+1 queries grow; aggregates and joins
don't)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import event as sa_event

from awards.models import Category, Entry, JuryMember
from core.accounts.models import User
from core.extensions import db
from events.models import Event
from tests.factories import make_registration, make_scorecard
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
    World,
    build_world,
)
from tests.web.test_access_matrix import TABLE

GROWTH = 495
#: which role's view of a page is counted: the first the matrix lets see it (200)
PREFERENCE = (ADMIN, CCHAIR, CHAIR, JUROR, CJUROR, ENTRANT, ENTRANT2, ANON)


def grow(world: World) -> None:
    """495 more eligible entries in P's category, each scored by juror J, and 495 more
    confirmed attendees of event E (its capacity raised so it stays open)."""
    category = db.session.get(Category, world.p_category_id)
    juror = db.session.get(JuryMember, world.members["J"])
    at = AT - timedelta(days=20)
    for n in range(GROWTH):
        owner = User(
            email=f"grown-{n}@grown.example",
            name=f"Grown Entrant {n}",
            created_at=at,
            email_verified_at=at,
            locale="en",
        )
        entry = Entry(
            programme=category.programme,
            category=category,
            owner=owner,
            ref=f"G{n:03d}",
            organisation=f"Grown Organisation {n}",
            title=f"Grown case {n}",
            summary="A summary.",
            case_text="The case.",
            status="eligible",
            created_at=at,
            updated_at=at,
            submitted_at=at,
        )
        db.session.add(entry)
        make_scorecard(juror, entry, 1 + n % 10, at=AT - timedelta(days=1))
    event = db.session.get(Event, world.event_id)
    event.capacity += GROWTH
    for n in range(GROWTH):
        make_registration(event, email=f"grown-attendee-{n}@grown.example", name=f"Grown {n}")
    db.session.commit()


def counted_pages(app, login, world: World) -> dict[str, tuple[str, int, int]]:
    """endpoint -> (the URL and role asked, status, statements), asked as `PREFERENCE` says."""
    statements = 0

    def count(*_args) -> None:
        nonlocal statements
        statements += 1

    clients = {}
    adapter = app.url_map.bind("localhost")
    found = {}
    sa_event.listen(db.engine, "before_cursor_execute", count)
    try:
        for endpoint, cases in sorted(TABLE.items()):
            case = next((c for c in cases if c.get is not None), None)
            if case is None:
                continue
            role = next((r for r in PREFERENCE if case.get[r] == 200), None)
            if role is None:
                continue
            if role not in clients:
                client = app.test_client()
                client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
                if role != ANON:
                    login(db.session.get(User, world.users[role]), client)
                clients[role] = client
            url = adapter.build(endpoint, case.params(world, role))
            db.session.close()  # each request starts from an empty session, as it would live
            clients[role].get(url).close()  # the first request fills per-process caches
            db.session.close()
            statements = 0
            response = clients[role].get(url)
            found[endpoint] = (f"{url} as {role}", response.status_code, statements)
            response.close()
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", count)
    return found


def test_no_page_makes_more_statements_for_more_rows(app, clock, login, tmp_path):
    clock.set(AT)
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    world = build_world(at=AT, upload_dir=app.config["UPLOAD_DIR"])
    small = counted_pages(app, login, world)
    grow(world)
    large = counted_pages(app, login, world)
    assert len(small) > 70  # (the matrix's GET pages, each asked)
    problems = [
        f"{endpoint}: {small[endpoint][0]}: {small[endpoint][2]} statements with 5 rows, "
        f"{large[endpoint][2]} with 500 (status {small[endpoint][1]} / {large[endpoint][1]})"
        for endpoint in sorted(small)
        if small[endpoint][1:] != large[endpoint][1:]
    ]
    assert not problems, "\n".join(problems)


#: the paged pages of the matrix's world (`core.paging`) and the role that sees them
PAGED = {
    "results.leaderboard": ADMIN,
    "awards_admin.entries": ADMIN,
    "events_attendees.attendee_list": ADMIN,
    "jury.entries": JUROR,
}


def test_a_later_page_makes_as_many_statements_as_the_first(app, clock, login, tmp_path):
    """At 500 rows each paged page has a second page, asked with as many statements as the
    first (a page is read with LIMIT/OFFSET or sliced, never row by row)."""
    clock.set(AT)
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    world = build_world(at=AT, upload_dir=app.config["UPLOAD_DIR"])
    grow(world)
    adapter = app.url_map.bind("localhost")
    statements = 0

    def count(*_args) -> None:
        nonlocal statements
        statements += 1

    problems = []
    for endpoint, role in PAGED.items():
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        login(db.session.get(User, world.users[role]), client)
        case = next(c for c in TABLE[endpoint] if c.get is not None)
        url = adapter.build(endpoint, case.params(world, role))
        found = []
        for page in (1, 2):
            query = {"page": page} if page > 1 else {}
            db.session.close()
            client.get(url, query_string=query).close()
            db.session.close()
            sa_event.listen(db.engine, "before_cursor_execute", count)
            statements = 0
            try:
                response = client.get(url, query_string=query)
            finally:
                sa_event.remove(db.engine, "before_cursor_execute", count)
            found.append((response.status_code, statements))
        if found[0] != found[1] or found[0][0] != 200:
            problems.append(f"{endpoint}: page 1 {found[0]}, page 2 {found[1]}")
    assert not problems, "\n".join(problems)


#: the chair's leaderboard of Q in the matrix's world: 14 queries (the page asked a
#: programme's rounds, the chair's membership and their barred entries six times each
#: before `awards.services.session_memo`; now once each, and the nav's "on any jury?"
#: follows from the membership found)
LEADERBOARD_STATEMENTS = 14  # (not counting SQLite's BEGIN)


def test_the_leaderboard_asks_each_question_once(app, clock, login, tmp_path):
    clock.set(AT)
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    world = build_world(at=AT, upload_dir=app.config["UPLOAD_DIR"])
    case = next(
        c for c in TABLE["results.leaderboard"] if c.get is not None and c.get[CHAIR] == 200
    )
    url = app.url_map.bind("localhost").build("results.leaderboard", case.params(world, CHAIR))
    client = app.test_client()
    login(db.session.get(User, world.users[CHAIR]), client)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if statement.strip() != "BEGIN":
            statements.append(statement)

    db.session.close()
    client.get(url).close()  # the first request fills per-process caches
    db.session.close()
    sa_event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    repeated = [
        statement
        for statement, times in Counter(statements).items()
        if times > 1
        and any(f"\nFROM {t} " in statement for t in ("rounds", "jury_members", "conflicts"))
    ]
    assert not repeated, repeated
    assert len(statements) == LEADERBOARD_STATEMENTS, "\n".join(statements)
