"""`flask events ...`: scheduled jobs for seats and reminders, and the admin commands
`load FILE.json` (events and member organisations) and `attendees EVENT`.

`expire-holds` and `send-reminders` are meant for a scheduler (cron, a systemd timer) every
few minutes, on several hosts at once if need be: both are idempotent and claim their work
under locks (see `events.services.waitlist` and `events.services.mailings`). Each run is one
transaction, committed at the end.

The e-mails they queue contain absolute links, so the site's address must be known outside
a request: `--base-url`, else the PODIUM_BASE_URL environment variable, else the app's
BASE_URL or SERVER_NAME setting (`core.jobs`).
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from core.clock import now
from core.errors import InvalidInput, NotFound
from core.extensions import db
from core.jobs import base_url_option, scheduled_run
from events.services import attendees, loader, mailings, waitlist
from events.services.event_questions import event_questions

events_cli = AppGroup("events", help="Events: seat holds, waiting-list offers, reminders.")


@events_cli.command("expire-holds")
@base_url_option
def expire_holds_command(base_url: str | None) -> None:
    """Expire payment holds and waiting-list offers that ran out; offer every free seat of an
    upcoming event to its waiting list."""
    at = now()
    with scheduled_run(base_url):
        holds = waitlist.expire_holds(at)
        offers = waitlist.expire_offers(at)
        new_offers = waitlist.offer_free_seats(at)
    click.echo(
        f"Expired {holds} payment hold(s) and {offers} offer(s); "
        f"made {new_offers} other offer(s) of free seats."
    )


@events_cli.command("send-reminders")
@base_url_option
def send_reminders_command(base_url: str | None) -> None:
    """Queue reminders for confirmed attendees of events starting within 24 hours (once each)."""
    at = now()
    with scheduled_run(base_url):
        sent = mailings.send_reminders(at)
    click.echo(f"Queued {sent} reminder(s).")


@events_cli.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load_command(file: Path) -> None:
    """Create or update events (by slug) and member organisations (by name) from FILE.json.

    Every problem is printed with its JSON path and nothing is changed (exit status 1);
    otherwise everything is written in one transaction and a summary is printed.
    """
    try:
        with force_locale("en"):  # messages in English; there is no request to choose from
            doc = loader.read_json(file.read_text(encoding="utf-8"))
            summary = loader.load_document(doc, now=now())
    except UnicodeDecodeError:
        raise click.ClickException(f"{file}: not UTF-8 text; nothing was changed.") from None
    except InvalidInput as e:
        db.session.rollback()
        for line in e.messages():
            click.echo(line, err=True)
        raise click.ClickException(
            f"{file}: {len(e.messages())} problem(s); nothing was changed."
        ) from None
    db.session.commit()
    click.echo(f"Loaded {file.name}: {summary}.")


@events_cli.command("attendees")
@click.argument("event")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv"]),
    default="table",
    show_default=True,
    help="A text table or CSV (with a header line).",
)
@click.option(
    "--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True,
    help="How amounts are written.",
)  # fmt: skip
def attendees_command(event: str, fmt: str, lang: str) -> None:
    """List the registrations of EVENT (its slug or id): name, e-mail, organisation, state,
    audience, amount paid and invoice numbers. An unknown event exits with status 1."""
    with force_locale(lang):  # there is no request to choose a language from
        try:
            found = attendees.find_event(event)
        except NotFound:
            raise click.ClickException(f"no event with slug or id {event!r}.") from None
        rows = attendees.attendee_rows(found)
        if fmt == "csv":  # with a q_<key> column per registration question
            questions = event_questions(found)
            click.echo(attendees.to_csv(rows, locale=lang, questions=questions), nl=False)
            return
        click.echo(attendees.to_table(rows, locale=lang), nl=False)
