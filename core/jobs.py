"""Scheduled `flask` commands (`events expire-holds`, `events send-reminders`, `awards
announce`): one transaction per run, and absolute links in the e-mails they queue.

Outside any request the links must name the site: `--base-url` (`base_url_option`), else the
PODIUM_BASE_URL environment variable, else the app's BASE_URL or SERVER_NAME setting.
`scheduled_run(base_url)` runs the command's work in a request context for that address (so
`url_for(..., _external=True)` writes it) and commits once at the end, or rolls back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import click
from flask import current_app

from core.extensions import db

base_url_option = click.option(
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
def scheduled_run(base_url: str | None) -> Iterator[None]:
    """Run the block in a request context for the site's address (`resolve_base_url`) and
    commit when it ends; roll back and re-raise when anything escapes it."""
    with current_app.test_request_context("/", base_url=resolve_base_url(base_url)):
        try:
            yield
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
