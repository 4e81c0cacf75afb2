"""The look and layout: every key page fits a phone (390 px) and a laptop (1280 px) without
the page scrolling sideways, passes axe (contrast included) at both widths, and the check-in
list prints as a clean list (no navigation or buttons, black on white, rows kept whole).

The data is realistic in size: long names and e-mail addresses, a paying non-member with an
invoice, a leaderboard with four criteria and every aggregation method (the widest table)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from awards import storage
from awards.models import EntryAnswer, Round
from awards.services import assignment, panels, questions, ratification
from core.extensions import db
from events.models import FunnelCount, Voucher
from tests.factories import (
    PASSWORD,
    make_event,
    make_invoice,
    make_registration,
    make_scorecard,
    pdf_bytes,
)
from tests.ticket_types import make_ticket_type

SCORING = datetime(2025, 4, 10, 9, 0, tzinfo=UTC)
DELIBERATION = datetime(2025, 5, 10, 9, 0, tzinfo=UTC)
PUBLISH = datetime(2025, 6, 12, 16, 0, tzinfo=UTC)  # make_programme's publish_at
WIDTHS = {"phone": 390, "laptop": 1280}
LOGIN = {
    "nl": ("E-mailadres", "Wachtwoord", "Inloggen"),
    "en": ("E-mail address", "Password", "Log in"),
}
ORGANISATIONS = (
    "Coöperatieve Rabobank U.A. Klantdata & Analytics",
    "Odido Nederland",
    "Transavia Airlines C.V.",
    "New York Pizza Franchise Nederland",
)


@pytest.fixture(params=sorted(WIDTHS))
def device(request) -> str:
    """Once on a phone, once on a laptop."""
    return request.param


@pytest.fixture
def world(clock, make_user, make_programme, make_entry, make_juror):
    """An event with a full attendee list, a programme with a scored category, the people."""
    admin = make_user("beheer@ddma.example", name="Annemiek de Beheerder", admin=True)
    entrant = make_user("marketing@voorbeeld.example", name="Sanne Inzender")
    juror = make_user("jurylid@kpn.example", name="Arnold van het Nederend")
    event = make_event(
        title_nl="DDMA Digital Talk: AP en cookiehandhaving",
        description_nl="## Wat neem je mee?\n\n- De stand van zaken\n- Wat de AP verwacht",
        description_en="## What you take home\n\n- Where things stand\n- What the DPA expects",
    )
    people = [
        ("Maximiliaan van Oldenbarnevelt-Hoogstraten", "maximiliaan.vanoldenbarnevelt"),
        ("Isa Nieuwstad", "isa.nieuwstad"),
        ("Bram de Vries", "bram"),
    ]
    for n, (name, local) in enumerate(people):
        make_registration(
            event,
            name=name,
            email=f"{local}@klantdata-en-analytics-afdeling.example",
            organisation=ORGANISATIONS[n],
            job_title="Head of Customer Data & Marketing Technology",
            audience="member",
            checked_in_at=clock() if n == 1 else None,
        )
    paying = make_registration(
        event,
        "confirmed",
        paying=True,
        name="Pieter Betaalt-Niet-Lid",
        email="pieter.betaalt@een-heel-lange-bedrijfsnaam-zonder-lidmaatschap.example",
        organisation="Een Heel Lange Bedrijfsnaam Zonder Lidmaatschap B.V.",
        vat_id="NL123456789B01",
    )
    make_invoice(paying, "2025-0001")
    make_registration(event, "waitlisted", name="Wim Wachtend", audience="member")
    pending = make_registration(event, paying=True, name="Petra Nog-Betalen")

    programme = make_programme(quorum=2, trim=1)
    category = programme.categories[0]
    chair = make_juror(programme, juror, role="chair", affiliation="KPN")
    members = [chair, make_juror(programme), make_juror(programme)]
    entries = [
        make_entry(
            programme,
            category=category,
            organisation=org,
            title=f"{org}: één klantbeeld over alle kanalen",
            owner=entrant if n == 0 else None,
        )
        for n, org in enumerate(ORGANISATIONS)
    ]
    make_entry(programme, owner=entrant, status="draft", organisation=ORGANISATIONS[0])
    asked = [
        questions.save_question(
            programme,
            questions.QuestionData(
                key=kind, kind=kind, label_nl=f"Vraag: {kind}", label_en=f"Question: {kind}",
                help_nl="Een toelichting.", help_en="Some help.", required=kind == "short_text",
                choices=[{"nl": "Zorg", "en": "Care"}] if kind == "choice" else [],
                category_ids=[category.id] if kind == "url" else [],
            ),
            actor=None,
            now=clock(),
        )
        for kind in ("short_text", "long_text", "choice", "number", "url", "file")
    ]  # fmt: skip
    plan = storage.save_pdf(io.BytesIO(pdf_bytes()), "plan.pdf")
    for question in asked:
        db.session.add(
            EntryAnswer(
                entry_id=entries[0].id, question_id=question.id, updated_at=clock(),
                value_text={"choice": "Zorg", "url": "https://voorbeeld.example/case"}.get(
                    question.kind, "Een antwoord van een flinke lengte over de hele organisatie"
                ),
                value_number=Decimal("12.5") if question.kind == "number" else None,
                file_key=plan.key if question.kind == "file" else None,
                file_name="plan.pdf" if question.kind == "file" else None,
            )
        )  # fmt: skip
    for n, entry in enumerate(entries[1:]):
        for k, member in enumerate(members):
            make_scorecard(member, entry, (9 - n, 8 - k, 7, 6 + n % 2), at=SCORING)
    db.session.commit()
    return {
        "admin": admin,
        "entrant": entrant,
        "juror": juror,
        "event": event,
        "pending": pending,
        "programme": programme,
        "category": category,
        "entries": entries,
    }


def log_in(person, user) -> None:
    """Log `user` in through the log-in form, as a person would."""
    email, password, button = LOGIN[person.lang]
    person.goto("/login")
    person.fill(email, user.email)
    person.fill(password, PASSWORD)
    person.press(button, exact=True)
    assert person.path != "/login", person.text()


def visit(person, path: str) -> None:
    """Open `path` and check that the page does not scroll sideways at this width (axe and the
    other checks run on every page by themselves)."""
    response = person.goto(path)
    assert response is not None and response.status == 200, (path, response and response.status)
    widths = person.page.evaluate(
        "() => ({page: document.documentElement.scrollWidth, window: window.innerWidth,"
        " body: document.body.scrollWidth})"
    )
    assert widths["page"] <= widths["window"], (path, widths)


def test_public_pages_fit_and_pass_axe(new_person, lang, device, world):
    person = new_person(lang, width=WIDTHS[device], height=900)
    event = world["event"]
    visit(person, "/")
    person.screenshot(f"home-{device}")
    visit(person, "/events/")
    visit(person, f"/events/{event.slug}")
    person.screenshot(f"event-{device}")
    visit(person, f"/events/{event.slug}/register")
    visit(person, f"/events/{event.slug}/book")  # bookings: several attendees at once
    visit(person, f"/events/r/{world['pending'].token}/pay")
    visit(person, f"/awards/{world['programme'].slug}")
    visit(person, "/login")
    visit(person, "/signup")


def test_entrant_pages_fit_and_pass_axe(new_person, lang, device, world):
    person = new_person(lang, width=WIDTHS[device], height=900)
    programme, entry = world["programme"], world["entries"][0]
    log_in(person, world["entrant"])
    visit(person, "/awards/mine")
    visit(person, f"/awards/{programme.slug}/entries/new")
    visit(person, f"/awards/{programme.slug}/entries/{entry.id}")
    visit(person, f"/awards/{programme.slug}/entries/{entry.id}/edit")


def test_jury_and_results_pages_fit_and_pass_axe(new_person, lang, device, world, clock):
    programme, entries = world["programme"], world["entries"]
    clock.set(SCORING)
    juror = new_person(lang, width=WIDTHS[device], height=900)
    log_in(juror, world["juror"])
    visit(juror, "/jury")
    visit(juror, f"/jury/{programme.slug}/entries")
    visit(juror, f"/jury/{programme.slug}/entries/{entries[0].id}")  # the form
    visit(juror, f"/jury/{programme.slug}/entries/{entries[1].id}")  # submitted: a table
    clock.set(DELIBERATION)
    admin = new_person(lang, width=WIDTHS[device], height=900)
    log_in(admin, world["admin"])
    visit(admin, f"/admin/awards/{programme.slug}/results")
    visit(admin, f"/admin/awards/{programme.slug}/deliberation")
    visit(admin, f"/admin/awards/{programme.slug}/jury/progress")
    visit(admin, f"/admin/awards/{programme.slug}/jury")
    visit(admin, f"/admin/awards/{programme.slug}/messages")
    visit(admin, f"/admin/awards/{programme.slug}/messages/new")


def test_winners_page_fits_and_passes_axe(new_person, lang, device, world, clock):
    programme, category, entries = world["programme"], world["category"], world["entries"]
    ids = [entry.id for entry in entries[1:]]
    ratification.shortlist(programme, category, ids, actor=world["juror"], now=DELIBERATION)
    ratification.ratify(
        programme, category, ids[0], actor=world["juror"], now=DELIBERATION,
        citation_nl="Een overtuigende case.", citation_en="A convincing case.",
    )  # fmt: skip
    db.session.commit()
    admin = new_person(lang, width=WIDTHS[device], height=900)
    log_in(admin, world["admin"])
    visit(admin, f"/admin/awards/{programme.slug}/results")  # the ratified snapshot
    clock.set(PUBLISH + timedelta(minutes=1))
    visit(admin, f"/awards/{programme.slug}/winners")


def test_admin_pages_fit_and_pass_axe(new_person, lang, device, world):
    person = new_person(lang, width=WIDTHS[device], height=900)
    event, programme = world["event"], world["programme"]
    log_in(person, world["admin"])
    visit(person, f"/admin/events/{event.id}/attendees")
    person.screenshot(f"attendees-{device}")
    visit(person, f"/admin/events/{event.id}/check-in")
    visit(person, f"/admin/events/{event.id}/check-in/scan")  # the door, on a phone too
    visit(person, "/admin/events/")
    visit(person, f"/admin/events/{event.id}/edit")
    visit(person, "/admin")
    visit(person, f"/admin/programmes/{programme.slug}")
    visit(person, f"/admin/programmes/{programme.slug}/edit")
    visit(person, f"/admin/programmes/{programme.slug}/entries")
    visit(person, f"/admin/programmes/{programme.slug}/questions")
    visit(person, f"/admin/programmes/{programme.slug}/questions/new")
    visit(person, f"/admin/programmes/{programme.slug}/next-edition")


def test_users_pages_fit_and_pass_axe(new_person, lang, device, world):
    person = new_person(lang, width=WIDTHS[device], height=900)
    log_in(person, world["admin"])
    visit(person, "/admin/users/")
    person.screenshot(f"users-{device}")
    visit(person, "/admin/users/?q=a&role=none&state=active")
    visit(person, "/admin/users/invite")
    visit(person, f"/admin/users/{world['entrant'].id}")
    person.screenshot(f"user-{device}")


def test_report_and_funnel_pages_fit_and_pass_axe(new_person, lang, device, world):
    event = world["event"]
    start = event.starts_at.date()
    for back in range(30):
        for stage, n in (("see", 140 + back), ("think", 14), ("do", 6), ("care", 0)):
            db.session.add(
                FunnelCount(
                    event_id=event.id, day=start - timedelta(days=back), stage=stage, count=n
                )
            )
    person = new_person(lang, width=WIDTHS[device], height=900)
    log_in(person, world["admin"])
    visit(person, f"/admin/events/{event.id}/report")
    person.screenshot(f"report-{device}")
    visit(person, f"/admin/events/reports/{start.year}")
    visit(person, f"/admin/events/{event.id}/funnel")
    person.screenshot(f"funnel-{device}")
    visit(person, f"/admin/events/funnel/{start.year}")


@pytest.mark.parametrize("lang", ["nl"])
def test_the_check_in_list_prints_as_a_list(new_person, lang, world):
    person = new_person(lang, width=1280, height=900)
    event = world["event"]
    log_in(person, world["admin"])
    visit(person, f"/admin/events/{event.id}/check-in")
    person.page.emulate_media(media="print")
    style = person.page.evaluate(
        """() => {
            const css = (selector, property) => {
                const node = document.querySelector(selector);
                return node ? getComputedStyle(node)[property] : null;
            };
            const visible = selector => [...document.querySelectorAll(selector)]
                .filter(n => n.offsetParent !== null).length;
            return {
                header: css('header.site', 'display'),
                footer: css('footer.site', 'display'),
                adminNav: css('main nav', 'display'),
                buttons: visible('main button, main .button'),
                row: css('table.checkin tbody tr', 'breakInside'),
                head: css('table.checkin thead', 'display'),
                color: css('body', 'color'),
                background: css('body', 'backgroundColor'),
                tickBoxes: visible('table.checkin .tickbox'),
                emptyBoxes: visible('table.checkin .tickbox:not(.checked)'),
                rows: document.querySelectorAll('table.checkin tbody tr').length,
                title: document.querySelector('h1').innerText,
                date: visible('main time'),
            };
        }"""
    )
    assert style["header"] == "none" and style["footer"] == "none" and style["adminNav"] == "none"
    assert style["buttons"] == 0
    assert style["row"] == "avoid"
    assert style["head"] == "table-header-group"  # repeated on every printed page
    assert style["color"] == "rgb(0, 0, 0)"
    assert style["background"] in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)")
    assert style["rows"] == 4  # the confirmed attendees
    assert style["tickBoxes"] == 4  # a tick box on every row,
    assert style["emptyBoxes"] == 3  # empty for each who has not arrived yet
    assert event.title_nl in style["title"] or event.title_en in style["title"]
    assert style["date"] == 1
    person.page.emulate_media(media="screen")
    header = "() => getComputedStyle(document.querySelector('header.site')).display"
    assert person.page.evaluate(header) != "none"


def test_panel_pages_fit_and_pass_axe(new_person, lang, device, world, clock):
    """The panels page (a panel with its members, categories and entries), a round's
    automatic assignment and the progress page with the panels' and jurors' counts."""
    programme, admin = world["programme"], world["admin"]
    round_row = Round(
        programme_id=programme.id,
        position=1,
        name_nl="Longlist",
        name_en="Longlist",
        scoring_open_at=programme.scoring_open_at,
        scoring_close_at=programme.scoring_close_at,
        quorum=2,
        assignment="auto",
        created_at=clock(),
    )
    db.session.add(round_row)
    panel = panels.create_panel(programme, "Transformatiepanel", actor=admin, now=clock())
    for member in programme.jury:
        panels.add_member(panel, member.id, actor=admin, now=clock())
    panels.add_scopes(panel, 1, category_id=world["category"].id, actor=admin, now=clock())
    panels.add_scopes(
        panel, 1, entry_ids=[e.id for e in world["entries"][:2]], actor=admin, now=clock()
    )
    assignment.assign_automatically(programme, 1, 2, actor=admin, now=clock())
    db.session.commit()
    person = new_person(lang, width=WIDTHS[device], height=900)
    log_in(person, admin)
    visit(person, f"/admin/programmes/{programme.slug}/panels")
    person.screenshot(f"panels-{device}")
    visit(person, f"/admin/programmes/{programme.slug}/rounds/1/assignment")
    person.screenshot(f"assignment-{device}")
    clock.set(SCORING)
    visit(person, f"/admin/awards/{programme.slug}/jury/progress")
    person.screenshot(f"progress-panels-{device}")


def test_ticket_type_pages_fit_and_pass_axe(new_person, lang, device, world):
    event = world["event"]
    make_ticket_type(
        event, "student", name_nl="Studententicket voor universiteiten en hogescholen",
        name_en="Student ticket for universities and colleges", price_cents=1500, capacity=20,
        email_domains=["student.uva.nl", "student.vu.nl", "student.eur.nl", "students.uu.nl"],
    )  # fmt: skip
    make_ticket_type(event, "non_member", audience="non_member", price_cents=5000)
    person = new_person(lang, width=WIDTHS[device], height=900)
    visit(person, f"/events/{event.slug}/register")
    log_in(person, world["admin"])
    visit(person, f"/admin/events/{event.id}/tickets/")
    person.screenshot(f"ticket-types-{device}")
    visit(person, f"/admin/events/{event.id}/tickets/new")
    visit(person, f"/admin/events/{event.id}/attendees")


# --- vouchers ---------------------------------------------------------------------------------


def test_voucher_pages_fit_and_pass_axe(new_person, lang, device, world):
    voucher = Voucher(
        code="SPREKERS-DIGITAL-TALK-2025-XK7", kind="percent", percent=Decimal("12.5"),
        event_id=world["event"].id, email_domain="coöperatieve-rabobank.example", max_uses=10,
        used_count=3, batch="Sprekers en partners 2025", created_at=SCORING,
    )  # fmt: skip
    db.session.add(voucher)
    db.session.flush()
    person = new_person(lang, width=WIDTHS[device], height=900)
    log_in(person, world["admin"])
    visit(person, "/admin/events/vouchers/")
    person.screenshot(f"vouchers-{device}")
    visit(person, "/admin/events/vouchers/new")
    visit(person, "/admin/events/vouchers/generate")
    visit(person, f"/admin/events/vouchers/{voucher.id}/edit")


# --- series and copies -----------------------------------------------------------------------


def test_series_pages_fit_and_pass_axe(new_person, lang, device, world, clock):
    """The events list and home page grouping a series, the series page (upcoming and past
    talks) and the staff's series, copy and "make a series" pages."""
    from events.models import EventSeries

    event = world["event"]
    series = EventSeries(
        slug="digital-talks", title_nl="DDMA Digital Talks", title_en="DDMA Digital Talks",
        description_nl="Korte online talks over data-driven marketing.",
        description_en="Short online talks on data-driven marketing.", created_at=clock(),
    )  # fmt: skip
    db.session.add(series)
    event.series = series
    for n, days in enumerate((-28, 28, 56)):
        make_event(f"digital-talk-{n}", series=series, starts_at=event.starts_at + timedelta(days=days),
                   title_nl=f"DDMA Digital Talk: server-side tagging in de praktijk, deel {n + 1}",
                   title_en=f"DDMA Digital Talk: server-side tagging in practice, part {n + 1}")  # fmt: skip
    db.session.commit()
    person = new_person(lang, width=WIDTHS[device], height=900)
    visit(person, "/events/")
    person.screenshot(f"events-series-{device}")
    visit(person, "/")
    visit(person, f"/events/series/{series.slug}")
    person.screenshot(f"series-{device}")
    visit(person, f"/events/{event.slug}")
    admin = new_person(lang, width=WIDTHS[device], height=900)
    log_in(admin, world["admin"])
    visit(admin, "/admin/events/series/")
    visit(admin, "/admin/events/series/new")
    visit(admin, f"/admin/events/series/{series.id}/edit")
    visit(admin, f"/admin/events/{event.id}/series")
    visit(admin, f"/admin/events/{event.id}/copy")
    visit(admin, f"/admin/events/{event.id}/recurring")
