"""`flask events ...`: scheduled jobs for seats and reminders (plus the admin commands).

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
from urllib.parse import urlsplit

import click
from flask import current_app
from flask.cli import AppGroup

from core.clock import now
from core.extensions import db
from events.cli_admin import register as register_admin_commands
from events.services import mailings, waitlist

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


register_admin_commands(events_cli)
