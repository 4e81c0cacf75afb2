"""`flask awards announce`: at the announcement moment (`publish_at`) the entrant of each winning
entry and of each other nominee of a ratified category gets one e-mail in their own language;
nothing before the moment, nothing twice, nothing for a category left unratified or an entry
dropped from the shortlist before ratification."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from awards.models import Entry, Programme, Ratification
from awards.services import announcements, programmes, ratification
from core.audit.models import AuditEntry
from core.extensions import db
from core.outbox.delivery import deliver_due
from podium import create_app
from tests.factories import make_scorecard
from tests.threads import run_together

DELIBERATION = datetime(2025, 5, 10, 9, 0, tzinfo=UTC)
PUBLISH = datetime(2025, 6, 12, 16, 0, tzinfo=UTC)  # make_programme's publish_at
BASE = "https://awards.example.org"
ANNOUNCE = ["awards", "announce", "--base-url", BASE]
KINDS = ("entry_won", "entry_nominated")


@dataclass
class Results:
    programme: Programme
    winner: Entry  # owned by a Dutch entrant
    nominee: Entry  # owned by an English entrant
    unowned: Entry  # a nominee without an entrant account
    dropped: Entry  # on the first shortlist, not on the final one
    unratified: Entry  # nominated in a category that was never ratified
    chair: object


def build_results(make_programme, make_entry, make_juror, make_user) -> Results:
    """Data Transformation: shortlist Univé, Odido, Transavia, then Univé, Odido and an
    entry without an entrant; Univé ratified as winner (citation in both languages). Data
    Innovation: shortlisted, never ratified. Committed, as the scheduler would find it."""
    programme = make_programme()
    transformation, innovation = programme.categories
    chair = make_juror(programme, role="chair")

    def entry(org, category, owner):
        made = make_entry(
            programme, category=category, organisation=org, title=f"{org} case", owner=owner
        )
        make_scorecard(chair, made, 7, at=DELIBERATION - timedelta(days=20))
        return made

    winner = entry("Univé", transformation, make_user("winner@unive.example", locale="nl"))
    nominee = entry("Odido", transformation, make_user("nominee@odido.example", locale="en"))
    dropped = entry("Transavia", transformation, make_user("dropped@transavia.example"))
    unowned = entry("ANWB", transformation, None)
    db.session.execute(sa.update(Entry).where(Entry.id == unowned.id).values(owner_id=None))
    unratified = entry("Interpolis", innovation, make_user("open@interpolis.example"))
    db.session.commit()
    db.session.refresh(unowned)
    user = chair.user
    first = [winner.id, nominee.id, dropped.id]
    ratification.shortlist(programme, transformation, first, actor=user, now=DELIBERATION)
    final = [winner.id, nominee.id, unowned.id]
    ratification.shortlist(programme, transformation, final, actor=user, now=DELIBERATION)
    ratification.ratify(
        programme,
        transformation,
        winner.id,
        actor=user,
        now=DELIBERATION,
        citation_nl="Een overtuigende datastrategie.",
        citation_en="A convincing data strategy.",
    )
    ratification.shortlist(programme, innovation, [unratified.id], actor=user, now=DELIBERATION)
    db.session.commit()
    return Results(programme, winner, nominee, unowned, dropped, unratified, chair)


def told(outbox) -> list:
    return [m for m in outbox() if m.kind in KINDS]


def test_nothing_is_queued_one_second_before_the_moment(
    app, clock, outbox, make_programme, make_entry, make_juror, make_user
):
    build_results(make_programme, make_entry, make_juror, make_user)
    clock.set(PUBLISH - timedelta(seconds=1))
    result = app.test_cli_runner().invoke(args=ANNOUNCE)
    assert result.exit_code == 0, result.output
    assert "Queued 0 announcement(s)" in result.output
    db.session.rollback()
    assert told(outbox) == []
    assert db.session.scalar(sa.select(Ratification.announced_at)) is None


def test_at_the_moment_the_winner_and_the_nominees_are_told_once_each_in_their_language(
    app, clock, outbox, make_programme, make_entry, make_juror, make_user
):
    results = build_results(make_programme, make_entry, make_juror, make_user)
    clock.set(PUBLISH)
    runner = app.test_cli_runner()
    first = runner.invoke(args=ANNOUNCE)
    assert first.exit_code == 0, first.output
    assert "Queued 2 announcement(s)" in first.output
    db.session.rollback()
    mails = {m.to_addr: m for m in told(outbox)}
    # the dropped nominee, the unratified category and the entry without an entrant: nothing
    assert set(mails) == {"winner@unive.example", "nominee@odido.example"}

    won = mails["winner@unive.example"]  # a Dutch entrant
    assert won.kind == "entry_won"
    assert (
        won.subject
        == f"Je inzending {results.winner.ref} heeft de Data Transformation Award gewonnen"
    )
    assert "Gefeliciteerd!" in won.body_text and "gekozen als winnaar" in won.body_text
    assert "Een overtuigende datastrategie." in won.body_text
    assert f"{BASE}/awards/{results.programme.slug}/winners" in won.body_text
    assert f"{BASE}/awards/{results.programme.slug}/entries/{results.winner.id}" in won.body_text
    assert won.next_attempt_at == PUBLISH  # deliverable from the moment on, not before

    nominated = mails["nominee@odido.example"]  # an English entrant
    assert nominated.kind == "entry_nominated"
    assert nominated.subject == (
        f"Your entry {results.nominee.ref} was nominated for the Data Transformation Award"
    )
    assert 'The award went to Univé with "Univé case".' in nominated.body_text
    assert "Transavia" not in nominated.body_text

    (entry,) = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "results.announced")
    ).all()
    assert entry.data["winner"] == results.winner.ref
    # the other nominees as the winners page lists them: by organisation (ANWB, Odido)
    assert entry.data["nominees"] == [results.unowned.ref, results.nominee.ref]
    assert entry.data["mails"] == 2

    # running again, now or later, queues nothing more
    assert "Queued 0 announcement(s)" in runner.invoke(args=ANNOUNCE).output
    clock.advance(days=1)
    assert "Queued 0 announcement(s)" in runner.invoke(args=ANNOUNCE).output
    db.session.rollback()
    assert len(told(outbox)) == 2


def test_a_moment_moved_after_ratification_is_the_one_that_counts(
    app, clock, outbox, make_programme, make_entry, make_juror, make_user
):
    """The admin moves the announcement a week later after the chair ratified: at the old
    moment nothing goes out, at the new one the mails do."""
    results = build_results(make_programme, make_entry, make_juror, make_user)
    later = PUBLISH + timedelta(days=7)
    admin = make_user(admin=True)
    clock.set(DELIBERATION + timedelta(days=1))
    data = programmes.ProgrammeData(
        **{
            name: getattr(results.programme, name)
            for name in programmes.ProgrammeData.__dataclass_fields__
        }
        | {"publish_at": later}
    )
    programmes.save_programme(data, actor=admin, now=clock(), programme=results.programme)
    db.session.commit()
    clock.set(PUBLISH)
    assert announcements.announce(clock()) == 0
    clock.set(later - timedelta(seconds=1))
    assert announcements.announce(clock()) == 0
    clock.set(later)
    with app.test_request_context(base_url=BASE):
        assert announcements.announce(clock()) == 2
    db.session.commit()
    assert len(told(outbox)) == 2


def test_the_outbox_delivers_them_from_the_moment(
    app, clock, outbox, make_programme, make_entry, make_juror, make_user
):
    build_results(make_programme, make_entry, make_juror, make_user)
    clock.set(PUBLISH)
    assert app.test_cli_runner().invoke(args=ANNOUNCE).exit_code == 0
    report = deliver_due(now=clock())
    assert report.logged == 2  # no SMTP_HOST in tests: logged and kept
    db.session.rollback()
    assert {m.status for m in told(outbox)} == {"logged"}


def test_the_command_needs_the_sites_address(app, monkeypatch):
    monkeypatch.delenv("PODIUM_BASE_URL", raising=False)
    result = app.test_cli_runner().invoke(args=["awards", "announce"])
    assert result.exit_code != 0 and "--base-url" in result.output


def test_two_hosts_announcing_at_once_tell_each_person_once(
    app, clock, outbox, make_programme, make_entry, make_juror, make_user
):
    build_results(make_programme, make_entry, make_juror, make_user)
    clock.set(PUBLISH)
    counts, errors = run_together(app, [lambda: announcements.announce(clock())] * 2, base_url=BASE)
    assert errors == []
    assert sorted(counts) == [0, 2]
    assert len(told(outbox)) == 2


def test_the_migration_marks_results_published_before_it_as_announced(tmp_path):
    """Upgrading must not e-mail the winners of earlier years: a ratification whose programme
    was published before the upgrade counts as announced at its `publish_at`; one still under
    embargo is left for `flask awards announce`."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.sqlite'}"})
    with app.app_context():
        upgrade(revision="5e1f0a7c3b92")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO users (id, email, name, is_admin, locale, created_at,"
                    " session_token) VALUES (1, 'chair@example.org', 'C', 0, 'nl',"
                    " '2025-01-01 09:00:00', 'token')"
                )
            )
            for pid, publish in ((1, "2025-06-12 16:00:00"), (2, "2999-06-12 16:00:00")):
                conn.execute(
                    sa.text(
                        "INSERT INTO programmes (id, slug, name, timezone,"
                        " submissions_open_at, submissions_close_at, scoring_open_at,"
                        " scoring_close_at, publish_at, quorum, trim, method, jury_terms_nl,"
                        " jury_terms_en, created_at) VALUES (:id, :slug, 'P',"
                        " 'Europe/Amsterdam', '2025-01-01', '2025-02-01', '2025-02-02',"
                        " '2025-03-01', :publish, 1, 0, 'mean', '', '', '2025-01-01')"
                    ),
                    {"id": pid, "slug": f"p{pid}", "publish": publish},
                )
                conn.execute(
                    sa.text(
                        "INSERT INTO categories (id, programme_id, slug, name_nl, name_en,"
                        " description_nl, description_en, shortlist_size, position)"
                        " VALUES (:id, :id, 'c', 'C', 'C', '', '', 3, 1)"
                    ),
                    {"id": pid},
                )
                conn.execute(
                    sa.text(
                        "INSERT INTO entries (id, programme_id, category_id, ref, organisation,"
                        " title, summary, case_text, status, screening_reason, created_at,"
                        " updated_at) VALUES (:id, :id, :id, 'E', 'O', 'T', '', '',"
                        " 'eligible', '', '2025-01-01', '2025-01-01')"
                    ),
                    {"id": pid},
                )
                conn.execute(
                    sa.text(
                        "INSERT INTO ratifications (id, category_id, winner_entry_id, method,"
                        " trim, quorum, tie_break, citation_nl, citation_en, snapshot,"
                        " ratified_at, ratified_by_id) VALUES (:id, :id, :id, 'mean', 0, 1,"
                        " '', '', '', '[]', '2025-03-02', 1)"
                    ),
                    {"id": pid},
                )
        upgrade()
        with db.engine.connect() as conn:
            rows = dict(conn.execute(sa.text("SELECT id, announced_at FROM ratifications")).all())
        assert str(rows[1]).startswith("2025-06-12 16:00:00") and rows[2] is None
        downgrade(revision="5e1f0a7c3b92")
        with db.engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("ratifications")}
        assert "announced_at" not in columns
        db.engine.dispose()
