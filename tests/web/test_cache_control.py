"""No copy of a page with personal data stays in a cache: `Cache-Control: no-store` on every
dynamic response except a public page asked for anonymously; `nosniff` on every response.

The table lists every GET route of the app (a new one that it does not list fails
`test_every_get_route_is_in_the_table`), whom it is asked as and the status that shows the
page was really served (the header on an error page proves less).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from core.http_headers import PUBLIC_PAGES
from events.services.invoices import issue_invoice
from tests.factories import make_event, make_registration, pdf_bytes

PUBLIC = "public"


@dataclass
class World:
    programme: object
    entry: object
    juror: object
    admin: object
    event: object
    registration: object
    invoice: object
    offered: object


@pytest.fixture
def world(make_programme, make_entry, make_juror, make_user, app, clock):
    import io

    from awards import storage

    programme = make_programme("cda-2025")
    entry = make_entry(programme, status="eligible")
    stored = storage.save_pdf(io.BytesIO(pdf_bytes()), "case.pdf")
    entry.attachment_key, entry.attachment_name, entry.attachment_size = (
        stored.key,
        stored.name,
        stored.size,
    )
    event = make_event()
    registration = make_registration(event, "confirmed", paying=True)
    return World(
        programme=programme,
        entry=entry,
        juror=make_juror(programme),
        admin=make_user(admin=True),
        event=event,
        registration=registration,
        invoice=issue_invoice(registration, now=clock()),
        offered=make_registration(event, "offered", paying=True),
    )


# (endpoint, who asks: None | "entrant" | "juror" | "admin", path, the status of a served page)
PRIVATE = [
    ("accounts.forgot_password", None, "/password/forgot", 200),
    ("accounts.login", None, "/login", 200),
    ("accounts.signup", None, "/signup", 200),
    ("accounts.reset_password", None, "/reset/not-a-token", 400),
    ("accounts.verify", None, "/verify/not-a-token", 400),
    ("accounts.profile", "entrant", "/account", 200),
    ("audit.index", "admin", "/admin/audit/", 200),
    ("awards_admin.dashboard", "admin", "/admin", 200),
    ("awards_admin.entries", "admin", "/admin/programmes/{p}/entries", 200),
    ("awards_admin.entry", "admin", "/admin/programmes/{p}/entries/{e}", 200),
    ("awards_admin.export_entries", "admin", "/admin/programmes/{p}/entries.csv", 200),
    ("awards_admin.programme", "admin", "/admin/programmes/{p}", 200),
    ("awards_setup.edit_category", "admin", "/admin/programmes/{p}/categories/{c}/edit", 200),
    ("awards_setup.edit_criterion", "admin", "/admin/programmes/{p}/criteria/{k}/edit", 200),
    ("awards_setup.edit_programme", "admin", "/admin/programmes/{p}/edit", 200),
    ("awards_setup.new_category", "admin", "/admin/programmes/{p}/categories/new", 200),
    ("awards_setup.new_criterion", "admin", "/admin/programmes/{p}/criteria/new", 200),
    ("awards_setup.new_programme", "admin", "/admin/programmes/new", 200),
    ("entrant.attachment", "entrant", "/awards/{p}/entries/{e}/attachment", 200),
    ("entrant.dashboard", "entrant", "/awards/mine", 200),
    ("entrant.edit_entry", "entrant", "/awards/{p}/entries/{e}/edit", 302),
    ("entrant.new_entry", "entrant", "/awards/{p}/entries/new", 200),
    ("entrant.show_entry", "entrant", "/awards/{p}/entries/{e}", 200),
    ("events.attendee_ics", None, "/events/r/{t}/calendar.ics", 200),
    ("events.billing", None, "/events/r/{t}/billing", 302),
    ("events.cancel", None, "/events/r/{t}/cancel", 200),
    ("events.manage", None, "/events/r/{t}", 200),
    ("events.offer", None, "/events/r/{o}/offer", 200),
    ("events.register", None, "/events/{ev}/register", 200),
    ("events.registered", None, "/events/{ev}/registered", 200),
    ("events.verify", None, "/events/r/{t}/verify", 400),
    ("events_admin.create_event", "admin", "/admin/events/new", 200),
    ("events_admin.edit_event", "admin", "/admin/events/{evid}/edit", 200),
    ("events_admin.index", "admin", "/admin/events/", 200),
    ("events_attendees.attendee_csv", "admin", "/admin/events/{evid}/attendees.csv", 200),
    ("events_attendees.attendee_list", "admin", "/admin/events/{evid}/attendees", 200),
    ("events_attendees.checkin_list", "admin", "/admin/events/{evid}/check-in", 200),
    ("events_attendees.comp", "admin", "/admin/events/{evid}/comp", 200),
    ("events_members.create_organisation", "admin", "/admin/events/members/new", 200),
    ("events_members.edit_organisation", "admin", "/admin/events/members/0/edit", 404),
    ("events_members.import_organisations", "admin", "/admin/events/members/import", 200),
    ("events_members.organisation_list", "admin", "/admin/events/members/", 200),
    ("jury.accept_invite", None, "/jury/invite/not-a-token", 400),
    ("jury.attachment", "juror", "/jury/{p}/entries/{e}/attachment", 200),
    ("jury.dashboard", "juror", "/jury", 200),
    ("jury.entries", "juror", "/jury/{p}/entries", 200),
    ("jury.entry", "juror", "/jury/{p}/entries/{e}", 200),
    ("jury.terms", "juror", "/jury/{p}/terms", 200),
    ("jury_admin.conflicts", "admin", "/admin/awards/{p}/jury/conflicts", 200),
    ("jury_admin.members", "admin", "/admin/awards/{p}/jury", 200),
    ("jury_admin.progress", "admin", "/admin/awards/{p}/jury/progress", 200),
    ("outbox.index", "admin", "/admin/outbox/", 200),
    ("outbox.show", "admin", "/admin/outbox/0", 404),
    ("payments.invoice", None, "/events/r/{t}/invoices/2025-0001", 200),
    ("payments.invoice", None, "/events/r/{t}/invoices/2025-0001?format=pdf", 200),
    ("payments.pay", None, "/events/r/{t}/pay", 200),
    ("payments.registration_invoice", None, "/events/r/{t}/invoice", 302),
    ("payments.success", None, "/events/r/{t}/paid", 404),
    ("payments.test_checkout", None, "/events/test-checkout/cs_unknown", 404),
    ("results.export", "admin", "/admin/awards/{p}/results.csv", 200),
    ("results.leaderboard", "admin", "/admin/awards/{p}/results", 200),
    # a public page, asked by someone logged in, may greet them: private too
    ("site.home", "entrant", "/", 200),
    ("events.show", "entrant", "/events/{ev}", 200),
    ("entrant.programme", "entrant", "/awards/{p}", 200),
    ("awards_public.winners", "juror", "/awards/{p}/winners", 200),
    # an error page for a logged-in user names them in the menu
    (None, "admin", "/no-such-page", 404),
]

ANONYMOUS_PUBLIC = [
    ("site.home", "/", 200),
    ("site.healthz", "/healthz", 200),
    ("events.index", "/events/", 200),
    ("events.show", "/events/{ev}", 200),
    ("events.ics", "/events/{ev}/calendar.ics", 200),
    ("entrant.programme", "/awards/{p}", 200),
    ("awards_public.winners", "/awards/{p}/winners", 200),
]


def path_in(world: World, template: str) -> str:
    return template.format(
        p=world.programme.slug,
        e=world.entry.id,
        c=world.programme.categories[0].id,
        k=world.programme.criteria[0].id,
        t=world.registration.token,
        o=world.offered.token,
        ev=world.event.slug,
        evid=world.event.id,
    )


def ask(client, login, world: World, who: str | None, template: str):
    if who is not None:
        user = {"entrant": world.entry.owner, "juror": world.juror.user, "admin": world.admin}
        login(user[who])
    response = client.get(path_in(world, template))
    response.get_data()
    response.close()
    return response


@pytest.mark.parametrize(
    ("endpoint", "who", "template", "status"),
    PRIVATE,
    ids=[f"{row[0]}:{row[2]}" for row in PRIVATE],
)
def test_personal_and_private_pages_are_never_stored(
    client, login, world, endpoint, who, template, status
):
    response = ask(client, login, world, who, template)
    assert response.status_code == status
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("endpoint", "template", "status"), ANONYMOUS_PUBLIC, ids=[row[0] for row in ANONYMOUS_PUBLIC]
)
def test_public_pages_asked_anonymously_may_be_cached(
    client, login, world, endpoint, template, status
):
    response = ask(client, login, world, None, template)
    assert response.status_code == status
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_static_files_keep_their_caching_and_are_not_sniffed(client):
    response = client.get("/static/podium.css")
    response.get_data()
    response.close()
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_every_get_route_is_in_the_table(app):
    listed = {row[0] for row in PRIVATE} | {row[0] for row in ANONYMOUS_PUBLIC} | {"static"}
    gets = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    assert gets - listed == set(), "add the new route to PRIVATE or ANONYMOUS_PUBLIC"
    assert {row[0] for row in ANONYMOUS_PUBLIC} == PUBLIC_PAGES
