"""`flask awards ...`: load a programme from JSON, import scores from CSV, print results, and
the scheduled `announce` (winners and nominees told at the announcement time).

The commands are thin: the work happens in `awards.services.programme_upsert` /
`awards.services.loader`, `awards.services.score_import`, `awards.services.results_export`
and `awards.services.announcements`.
Each command commits once on success; on any problem it prints every problem, changes
nothing and exits with status 1 (2 for a bad option, as click does).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import click
import sqlalchemy as sa
from flask.cli import AppGroup
from flask_babel import force_locale

from awards.models import Programme
from awards.scoring import METHODS
from awards.services import announcements
from awards.services.loader import ProgrammeFileError
from awards.services.programme_upsert import load_programme
from awards.services.results import BadResultsOption
from awards.services.results_export import FORMATS, export_stream, render, stream_csv
from awards.services.score_import import ScoreImportError, import_scores
from core.clock import now
from core.extensions import db
from core.jobs import base_url_option, scheduled_run
from core.text import load_json

awards_cli = AppGroup("awards", help="Awards: load programmes, import scores, results.")


def find_programme(slug: str) -> Programme:
    """The programme with `slug`; a click error naming the known slugs otherwise."""
    programme = db.session.scalar(sa.select(Programme).where(Programme.slug == slug))
    if programme is None:
        known = ", ".join(db.session.scalars(sa.select(Programme.slug).order_by(Programme.slug)))
        raise click.ClickException(f"unknown programme {slug!r} (known: {known or 'none'})")
    return programme


def read_json(path: Path):
    """The decoded JSON document (numbers with a fraction as Decimal); a click error (exit
    status 1, one line) if it is not UTF-8, malformed, nested deeper than 20 levels or holds
    a number too long to convert."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise click.ClickException(f"{path}: not a valid UTF-8 JSON file ({error})") from None
    try:
        with force_locale("en"):  # there is no request to choose a language from
            return load_json(text)
    except ValueError as error:
        raise click.ClickException(f"{path}: not a valid UTF-8 JSON file ({error})") from None


class CsvFile:
    """A UTF-8 CSV file's lines with their line endings, as the csv module wants them, read
    afresh on each pass (the import checks every line, then parses them) and never held
    whole: a file of a million lines costs its scorecards' memory, not its text's. Each line
    read moves `progress` on (`passes` lines in all, `length` per pass)."""

    passes = 2  # what import_scores reads

    def __init__(self, path: Path) -> None:
        self.path = path
        self.progress: Any = None  # a click progress bar
        self.length = 0
        try:  # one pass first: it checks the file is UTF-8 and counts its lines
            with path.open(encoding="utf-8-sig", newline="") as handle:
                self.length = sum(1 for _line in handle)
        except UnicodeDecodeError as error:
            raise click.ClickException(f"{path}: not a UTF-8 text file ({error})") from None

    def __iter__(self) -> Iterator[str]:
        with self.path.open(encoding="utf-8-sig", newline="") as handle:
            for line in handle:
                if self.progress is not None:
                    self.progress.update(1)
                yield line


def fail(problems: list[str]) -> NoReturn:
    """Print every problem to stderr and stop with status 1; the session is rolled back."""
    db.session.rollback()
    for problem in problems:
        click.echo(problem, err=True)
    raise click.ClickException(f"{len(problems)} problem(s) found; nothing was changed.")


FILE = click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)


@awards_cli.command("load-programme")
@click.argument("file", type=FILE)
def load_programme_command(file: Path) -> None:
    """Create or update (by slug) a programme from FILE, a JSON document.

    \b
    Keys ("?" = optional):
      slug, name, timezone (e.g. Europe/Amsterdam)
      timeline: {submissions_open, submissions_close, scoring_open,
                 scoring_close, publish_at}  ISO 8601; without an offset
                 a time is wall-clock time in `timezone`
      method?, trim?, quorum?   aggregation defaults
      criteria: [{key, name: {nl, en}, weight, min, max, step, rubric?: {nl, en},
                  round?}]   round: asked only in that round
      categories: [{slug, name: {nl, en}, shortlist_size, description?: {nl, en}}]
      jury: [{email, name, affiliation?, role?: chair|member}]
      entries: [{ref, category, organisation, title, status, summary?}]
      jury_terms?: {nl, en}
      rounds?: [{name: {nl, en}, scoring_open, scoring_close, quorum,
                 assignment?: all|panels|auto, jurors_per_entry?}]  the first
                 opens at timeline.scoring_open, the last closes at
                 timeline.scoring_close with the programme's quorum
      panels?: [{name, round, members: [e-mail], categories: [slug]}]

    Everything is checked first; every problem is printed with its JSON path and
    nothing changes (exit status 1). Otherwise criteria, categories, jurors and
    entries are upserted by key / slug / e-mail / ref in one transaction (nothing is
    deleted) and a summary is printed. Jurors without an account get an unverified
    one without a password.
    """
    data = read_json(file)
    try:
        summary = load_programme(data, now=now())
    except ProgrammeFileError as error:
        fail(error.problems)
    db.session.commit()
    for line in summary.lines():
        click.echo(line)


@awards_cli.command("import-scores")
@click.argument("programme_slug", metavar="PROGRAMME")
@click.argument("file", type=FILE)
@click.option(
    "--progress/--no-progress",
    default=True,
    show_default=True,
    help="A progress bar on standard error while checking, when that is a terminal.",
)
def import_scores_command(programme_slug: str, file: Path, progress: bool) -> None:
    """Import submitted scorecards for PROGRAMME (slug) from FILE, a UTF-8 CSV file.

    \b
    Columns: entry (entry ref), juror (e-mail), criterion (key), score,
    and optionally comment and round (the round's number; 1 when left out).
    One line per entry, juror, criterion and round; every entry/juror pair of a
    round needs a line for every criterion asked in that round.

    All or nothing: every bad line is reported with its line number and reason
    (unknown entry, juror or criterion; score not a number, outside the scale or
    off the step grid; juror barred by a conflict; entry not eligible or its
    category already ratified; duplicate line; missing value or column) and
    nothing is imported (exit status 1). Otherwise each entry/juror pair becomes
    a submitted scorecard, created or updated, and the import is audited.
    """
    programme = find_programme(programme_slug)
    lines = CsvFile(file)
    # click draws the bar only on a terminal (elsewhere it writes the label once)
    bar = click.progressbar(length=lines.length * lines.passes, label="Checking scores",
                            file=sys.stderr if progress else io.StringIO())  # fmt: skip
    lines.progress = bar
    with bar, force_locale("en"):
        try:
            summary = import_scores(programme, lines, now=now())
        except ScoreImportError as error:
            fail(error.problems)
        except UnicodeDecodeError as error:  # the file changed after it was counted
            fail([f"{file}: not a UTF-8 text file ({error})"])
    db.session.commit()
    click.echo(
        f"Imported {summary.lines} scores: {summary.created} scorecards created, "
        f"{summary.updated} updated, {summary.unchanged} unchanged."
    )


@awards_cli.command("results")
@click.argument("programme_slug", metavar="PROGRAMME")
@click.option(
    "--method",
    type=click.Choice(METHODS),
    default=None,
    help="Aggregation method (default: the programme's).",
)
@click.option(
    "--trim",
    type=click.IntRange(min=0),
    default=None,
    help="Values dropped at each end for 'trimmed' (default: the programme's).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="table: aligned text; csv; json: a list of objects.",
)
@click.option(
    "--comments",
    is_flag=True,
    help="Add the jurors' comments (with their names) once scoring has closed.",
)
@click.option(
    "--reference",
    is_flag=True,
    help="Compute through the reference path (every board through the leaderboard) instead "
    "of the columnar one (the same rows, proven equal by the tests).",
)
def results_command(
    programme_slug: str,
    method: str | None,
    trim: int | None,
    fmt: str,
    comments: bool,
    reference: bool,
) -> None:
    """Print the leaderboard of every category of PROGRAMME (slug).

    \b
    Columns: category, rank, entry, organisation, title, total, scorecards,
    sufficient, disagreement, then one column per criterion key (and, with
    --comments once scoring has closed, the jurors' comments).
    Totals and aggregates are rounded to two decimals (half up). Only submitted
    scorecards of eligible entries count, not those of jurors barred by a
    conflict; entries below quorum have no rank.
    """
    programme = find_programme(programme_slug)
    try:
        fields, rows = export_stream(
            programme,
            method=method,
            trim=trim,
            now=now() if comments else None,
            comments=comments,
            fast=not reference,
        )
    except BadResultsOption as error:  # e.g. a final round whose criteria were all deleted
        raise click.ClickException(f"{programme.slug}: {error.message} ({error.code})") from None
    if fmt == "csv":  # written as the categories come: one category's rows held at a time
        stream_csv(fields, rows, sys.stdout)
    else:
        click.echo(render(fields, list(rows), fmt), nl=False)


@awards_cli.command("announce")
@base_url_option
def announce_command(base_url: str | None) -> None:
    """Tell the winners and nominees of every programme whose announcement time has passed.

    Queues one e-mail to the entrant of each winning entry and of each other nominee of a
    ratified category, in the entrant's language, once per category: running it again (or on
    several hosts at once) queues nothing more. Before a programme's announcement time it
    queues nothing for it. Meant for the scheduler, every few minutes (see the README).
    """
    at = now()
    with scheduled_run(base_url):
        queued = announcements.announce(at)
    click.echo(f"Queued {queued} announcement(s) to winners and nominees.")
