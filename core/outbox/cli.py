"""`flask outbox send`: the worker that delivers queued e-mail (run it from cron or a loop)."""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import AppGroup

from core.clock import now
from core.outbox.delivery import deliver_due, log

outbox_cli = AppGroup("outbox", help="Deliver queued e-mail.")


@outbox_cli.command("send")
@click.option(
    "--limit",
    type=click.IntRange(min=1, max=10_000),
    default=100,
    show_default=True,
    help="Deliver at most this many messages in this run.",
)
def send(limit: int) -> None:
    """Deliver due messages over SMTP (or log them when SMTP_HOST is unset); print a summary.

    Safe to run on several hosts at once: each message is claimed by one run.
    """
    current_app.logger  # noqa: B018  (installs Flask's log handler, which "podium.mail" uses)
    if log.level == logging.NOTSET:
        log.setLevel(logging.INFO)
    report = deliver_due(now=now(), limit=limit)
    click.echo(report.summary())
