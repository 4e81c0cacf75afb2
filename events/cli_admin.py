"""Admin commands of the `flask events` group: `load FILE.json` and `attendees EVENT`.

`register(group)` adds them to the group (the events CLI module calls it).
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import force_locale

from core.clock import now
from core.errors import InvalidInput, NotFound
from core.extensions import db
from events.services import attendees, loader


@click.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
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


@click.command("attendees")
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
@with_appcontext
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


def register(group: click.Group) -> None:
    """Add `load` and `attendees` to `group` (the `flask events` AppGroup)."""
    group.add_command(load_command)
    group.add_command(attendees_command)
