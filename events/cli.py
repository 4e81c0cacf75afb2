"""`flask events ...`: scheduled jobs for seats and reminders, and the admin commands
`load FILE.json` (events and member organisations) and `attendees EVENT`.

`expire-holds` and `send-reminders` are meant for a scheduler (cron, a systemd timer) every
few minutes, on several hosts at once if need be: both are idempotent and claim their work
under locks (see `events.services.waitlist` and `events.services.mailings`). Each run is one
transaction, committed at the end.

The e-mails they queue contain absolute links, so the site's address must be known outside
a request: `--base-url`, else the PODIUM_BASE_URL environment variable, else the app's
BASE_URL or SERVER_NAME setting.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from core.clock import now
from core.errors import InvalidInput, NotFound
from core.extensions import db
from events.services import attendees, loader, mailings, waitlist

events_cli = AppGroup("events", help="Events: seat holds, waiting-list offers, reminders.")

_base_url_option = click.option(
    "--base-url",
    envvar="PODIUM_BASE_URL",
    help="The site's address for links in e-mails, e.g. https://events.example.org.",
)


def resolve_base_url(given: str | None) -> str:
    """`given`, else BASE_URL, else PREFERRED_URL_SCHEME://SERVER_NAME from the config.

    Raises click.UsageError when none is set or the value is not an http(s) URL with a host.
    """
    config = current_app.config
    base = given or config.get("BASE_URL") or ""
    if not base and config.get("SERVER_NAME"):
        base = f"{config.get('PREFERRED_URL_SCHEME', 'https')}://{config['SERVER_NAME']}"
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise click.UsageError(
            "Links in e-mails need the site's address: pass --base-url https://... "
            "or set PODIUM_BASE_URL."
        )
    return base.rstrip("/")


@contextmanager
def _links(base_url: str | None) -> Iterator[None]:
    with current_app.test_request_context("/", base_url=resolve_base_url(base_url)):
        yield


@events_cli.command("expire-holds")
@_base_url_option
def expire_holds_command(base_url: str | None) -> None:
    """Expire payment holds and waiting-list offers that ran out; offer every free seat of an
    upcoming event to its waiting list."""
    at = now()
    with _links(base_url):
        try:
            holds = waitlist.expire_holds(at)
            offers = waitlist.expire_offers(at)
            new_offers = waitlist.offer_free_seats(at)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    click.echo(
        f"Expired {holds} payment hold(s) and {offers} offer(s); "
        f"made {new_offers} other offer(s) of free seats."
    )


@events_cli.command("send-reminders")
@_base_url_option
def send_reminders_command(base_url: str | None) -> None:
    """Queue reminders for confirmed attendees of events starting within 24 hours (once each)."""
    at = now()
    with _links(base_url):
        try:
            sent = mailings.send_reminders(at)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
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
        render = attendees.to_csv if fmt == "csv" else attendees.to_table
        click.echo(render(rows, locale=lang), nl=False)
