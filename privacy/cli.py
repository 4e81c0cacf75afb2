"""`flask privacy purge`: anonymise event registrations a while after their event.

Meant for a scheduler (daily is plenty); idempotent, one transaction per run.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from core.clock import now
from core.extensions import db
from privacy.purge import purge_registrations

privacy_cli = AppGroup("privacy", help="Privacy: anonymise personal data past its retention.")


@privacy_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Only count what would be anonymised.")
@click.option(
    "--days",
    type=click.IntRange(min=0),
    default=None,
    help="Days after an event (default: PRIVACY_REGISTRATION_RETENTION_DAYS, 365).",
)
def purge_command(dry_run: bool, days: int | None) -> None:
    """Anonymise the registrations of events that ended more than the retention period ago
    (their invoices keep what they were issued with)."""
    retention = (
        days if days is not None else current_app.config["PRIVACY_REGISTRATION_RETENTION_DAYS"]
    )
    try:
        run = purge_registrations(now=now(), retention_days=retention, dry_run=dry_run)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    verb = "Would anonymise" if dry_run else "Anonymised"
    click.echo(
        f"{verb} {run.registrations} registration(s) of {run.events} event(s) "
        f"that ended before {run.cutoff:%Y-%m-%d %H:%M} UTC."
    )
