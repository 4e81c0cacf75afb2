"""`flask demo load`: the demo data (see the `demo` package docstring)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from awards.services.loader import ProgrammeFileError
from awards.services.score_import import ScoreImportError
from core.clock import now
from core.errors import DomainError
from core.extensions import db
from demo.events_demo import load_demo_events
from demo.services import PHASES, load_demo, login_lines

demo_cli = AppGroup("demo", help="Demo data for trying Podium locally.")


@demo_cli.command("load")
@click.option(
    "--phase",
    type=click.Choice(list(PHASES)),
    default="submissions",
    show_default=True,
    help="The phase Customer Data Awards 2026 is in: its timeline is placed around today.",
)
def load_command(phase: str) -> None:
    """Load the demo: Customer Data Awards 2025 (scored, ratified and published) and 2026
    (in PHASE: open for submissions by default), the demo events (`demo/events_demo.py`),
    and demo log-ins, which are printed at the end.

    Safe to run again: nothing is duplicated and ratified results are left alone; run it
    again with another --phase to move the 2026 programme to that phase.
    """
    moment = now()
    try:
        lines = load_demo(now=moment, phase=phase)
        lines += load_demo_events(moment)
    except (ProgrammeFileError, ScoreImportError) as error:
        db.session.rollback()
        for problem in error.problems:
            click.echo(problem, err=True)
        raise click.ClickException("the demo data has problems; nothing was changed.") from None
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(f"{error.code}: {error.message}") from None
    db.session.commit()
    for line in lines + login_lines():
        click.echo(line)
