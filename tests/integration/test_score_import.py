"""Importing scores from CSV: all or nothing, every bad line reported by number, scorecards
created or updated as submitted, one audit entry; and `flask awards import-scores`."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from awards.models import Category, Conflict, Ratification, Score, Scorecard
from awards.services.score_import import ScoreImportError, import_scores
from core.audit.models import AuditEntry
from core.extensions import db

NOW = datetime(2025, 5, 2, 9, 0, tzinfo=UTC)
KEYS = ("impact", "innovation", "scalability", "customer_focus")


@pytest.fixture
def setup(app, clock, make_programme, make_entry, make_juror, make_user):
    clock.set(NOW)
    programme = make_programme()
    one = make_juror(programme, make_user("one@jury.example"))
    two = make_juror(programme, make_user("two@jury.example"))
    entries = {
        ref: make_entry(programme, ref=ref, status=status)
        for ref, status in (("E1", "eligible"), ("E2", "eligible"), ("X1", "withdrawn"))
    }
    return programme, (one, two), entries


def csv_text(*rows, header="entry,juror,criterion,score,comment"):
    return "\n".join([header, *rows]) + "\n"


def card_rows(ref, email, values, comment=""):
    return [f"{ref},{email},{k},{v},{comment}" for k, v in zip(KEYS, values, strict=True)]


def lines(text):
    return text.splitlines(keepends=True)


def cards():
    return db.session.execute(
        sa.select(Scorecard.entry_id, Scorecard.jury_member_id, Scorecard.status)
    ).all()


def test_happy_path_creates_submitted_scorecards_and_audits(setup):
    programme, (one, _two), _e = setup
    text = csv_text(
        *card_rows("E1", "one@jury.example", (8, 7, 6, 5), comment="Sterk"),
        *card_rows("E1", "TWO@jury.example", (9, 9, 9, 9)),
    )
    summary = import_scores(programme, lines(text), now=NOW)
    db.session.commit()
    assert (summary.lines, summary.created, summary.updated) == (8, 2, 0)
    card = db.session.scalar(sa.select(Scorecard).where(Scorecard.jury_member_id == one.id))
    assert card.status == "submitted" and card.submitted_at == NOW
    by_key = {s.criterion.key: s for s in card.scores}
    assert by_key["impact"].value == Decimal(8) and by_key["impact"].comment == "Sterk"
    (audit,) = db.session.scalars(sa.select(AuditEntry)).all()
    assert audit.action == "scores.imported" and (audit.scope_type, audit.scope_id) == (
        "Programme",
        programme.id,
    )
    assert audit.data == {
        "lines": 8,
        "scorecards_created": 2,
        "scorecards_updated": 0,
        "scorecards_unchanged": 0,
    }


def test_reimport_updates_in_place_and_submits_drafts(setup):
    programme, (one, two), e = setup
    draft = Scorecard(jury_member=two, entry=e["E2"], status="draft", updated_at=NOW)
    draft.scores = [Score(criterion=programme.criteria[0], value=Decimal(3))]
    db.session.add(draft)
    db.session.commit()
    import_scores(
        programme, lines(csv_text(*card_rows("E1", "one@jury.example", (8,) * 4))), now=NOW
    )
    text = csv_text(
        *card_rows("E1", "one@jury.example", (8, 8, 8, 7)),
        *card_rows("E2", "two@jury.example", (5,) * 4),
    )
    summary = import_scores(programme, lines(text), now=NOW)
    db.session.commit()
    assert (summary.created, summary.updated, summary.unchanged) == (0, 2, 0)
    assert sorted(cards()) == sorted(
        [(e["E1"].id, one.id, "submitted"), (e["E2"].id, two.id, "submitted")]
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Score)) == 8
    again = import_scores(programme, lines(text), now=NOW)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_every_bad_line_is_reported_and_nothing_is_imported(setup):
    programme, (_one, two), e = setup
    db.session.add(Conflict(jury_member=two, entry=e["E2"], source="declared", created_at=NOW))
    db.session.commit()
    good = card_rows("E1", "one@jury.example", (8,) * 4)
    rows = [
        *good,  # lines 2-5
        "NOPE,one@jury.example,impact,5,",  # 6
        "E1,stranger@x.example,impact,5,",  # 7
        "E1,two@jury.example,charm,5,",  # 8
        "E1,two@jury.example,impact,lots,",  # 9
        "E1,two@jury.example,innovation,11,",  # 10
        "E1,two@jury.example,scalability,7.5,",  # 11
        "E2,two@jury.example,impact,5,",  # 12 barred
        "X1,one@jury.example,impact,5,",  # 13 withdrawn
        "E1,one@jury.example,impact,9,",  # 14 duplicate of line 2
        "E1,,customer_focus,5,",  # 15 missing juror
        "E1,two@jury.example,impact,5,x,extra",  # 16 too many values
    ]
    with pytest.raises(ScoreImportError) as caught:
        import_scores(programme, lines(csv_text(*rows)), now=NOW)
    problems = caught.value.problems
    expected = [
        "line 6: unknown entry NOPE",
        "line 7: unknown juror stranger@x.example",
        "line 8: unknown criterion charm",
        "line 9: score 'lots' is not a number",
        "line 10: score 11 is outside the scale 1–10",
        "line 11: score 7.5 is not on the scale's steps (1, 1 + 1, ... 10)",
        "line 12: juror two@jury.example is barred from entry E2 by a conflict of interest",
        "line 13: entry X1 is not eligible (status withdrawn)",
        "line 14: duplicate of line 2",
        "line 15: missing value for juror",
        "line 16: too many values",
    ]
    for message in expected:
        assert any(p.startswith(message) for p in problems), (message, problems)
    assert not any(p.startswith(("line 2", "line 3", "line 4", "line 5")) for p in problems)
    db.session.rollback()
    assert cards() == [] and db.session.scalars(sa.select(AuditEntry)).all() == []


def test_incomplete_scorecards_are_reported_by_entry_and_juror(setup):
    programme, _jurors, _e = setup
    text = csv_text(*card_rows("E1", "one@jury.example", (8,) * 4)[:2])
    with pytest.raises(ScoreImportError) as caught:
        import_scores(programme, lines(text), now=NOW)
    assert caught.value.problems == [
        "entry E1 / juror one@jury.example: incomplete scorecard, "
        "missing scalability, customer_focus"
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "line 1: the file is empty"),
        ("entry,juror,criterion\nE1,one@jury.example,impact\n", "line 1: missing column score"),
        ("entry,juror,criterion,score,grade\n", "line 1: unknown column 'grade'"),
    ],
)
def test_header_problems(setup, text, problem):
    programme, _jurors, _e = setup
    with pytest.raises(ScoreImportError) as caught:
        import_scores(programme, lines(text), now=NOW)
    assert any(p.startswith(problem) for p in caught.value.problems), caught.value.problems


def test_ratified_categories_refuse_scores(setup, make_user):
    programme, _jurors, e = setup
    category = db.session.get(Category, e["E1"].category_id)
    db.session.add(
        Ratification(
            category_id=category.id,
            winner_entry_id=e["E1"].id,
            method="mean",
            trim=1,
            quorum=1,
            snapshot=[],
            ratified_at=NOW,
            ratified_by_id=make_user().id,
        )
    )
    db.session.commit()
    text = csv_text(*card_rows("E1", "one@jury.example", (8,) * 4))
    with pytest.raises(ScoreImportError) as caught:
        import_scores(programme, lines(text), now=NOW)
    assert "line 2: entry E1: its category is ratified; scores can no longer change" in (
        caught.value.problems
    )


# --- the command ----------------------------------------------------------------------------


def test_cli_imports(setup, tmp_path, app):
    programme, _jurors, _e = setup
    path = tmp_path / "scores.csv"
    path.write_text(csv_text(*card_rows("E1", "one@jury.example", (8,) * 4)), encoding="utf-8")
    result = app.test_cli_runner().invoke(
        args=["awards", "import-scores", programme.slug, str(path)]
    )
    assert result.exit_code == 0, result.output
    assert "Imported 4 scores: 1 scorecards created" in result.output
    assert len(cards()) == 1
    # the progress bar goes to standard error only (not a terminal here: its label once),
    # and --no-progress leaves it out; standard output is the summary alone
    assert result.stdout.startswith("Imported 4 scores") and "Checking scores" in result.stderr
    quiet = app.test_cli_runner().invoke(
        args=["awards", "import-scores", "--no-progress", programme.slug, str(path)]
    )
    assert quiet.exit_code == 0 and "Checking scores" not in quiet.output
    assert quiet.stdout.endswith("1 unchanged.\n")


def test_cli_reports_bad_lines_and_imports_nothing(setup, tmp_path, app):
    programme, _jurors, _e = setup
    path = tmp_path / "scores.csv"
    rows = [*card_rows("E1", "one@jury.example", (8,) * 4), "E9,one@jury.example,impact,0,"]
    path.write_text(csv_text(*rows), encoding="utf-8")
    result = app.test_cli_runner().invoke(
        args=["awards", "import-scores", programme.slug, str(path)]
    )
    assert result.exit_code == 1
    assert "line 6: unknown entry E9" in result.stderr
    assert "nothing was changed" in result.stderr
    assert cards() == []


def test_cli_reads_the_file_line_by_line_never_whole(setup, tmp_path, app, monkeypatch):
    """A file of a million lines is never held whole in memory: the command reads it as a
    stream (once to count and check it, once to import), not with `read_text`; a file that is
    not UTF-8 is still refused before anything is checked."""
    programme, _jurors, _e = setup
    path = tmp_path / "scores.csv"
    path.write_text(csv_text(*card_rows("E1", "one@jury.example", (8,) * 4)), encoding="utf-8")

    def whole(self, *args, **kwargs):
        raise AssertionError("the file was read whole")

    monkeypatch.setattr(type(path), "read_text", whole)
    result = app.test_cli_runner().invoke(
        args=["awards", "import-scores", "--no-progress", programme.slug, str(path)]
    )
    assert result.exit_code == 0, result.output
    assert "Imported 4 scores: 1 scorecards created" in result.output
    bad = tmp_path / "latin1.csv"
    bad.write_bytes("entry,juror,criterion,score\nE1,\xe9,impact,8\n".encode("latin-1"))
    refused = app.test_cli_runner().invoke(
        args=["awards", "import-scores", programme.slug, str(bad)]
    )
    assert refused.exit_code == 1 and "not a UTF-8 text file" in refused.stderr
    assert "Checking scores" not in refused.stderr


def test_cli_unknown_programme(setup, tmp_path, app):
    path = tmp_path / "scores.csv"
    path.write_text(csv_text(), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["awards", "import-scores", "nope", str(path)])
    assert result.exit_code == 1 and "unknown programme 'nope'" in result.stderr


def test_a_field_too_large_for_csv_is_reported_by_line_not_a_crash(setup):
    programme, _jurors, _e = setup
    rows = [
        *card_rows("E1", "one@jury.example", (8,) * 4),
        "E1,two@jury.example,impact,5," + "x" * 200_000,  # line 6: a huge comment
    ]
    with pytest.raises(ScoreImportError) as caught:
        import_scores(programme, lines(csv_text(*rows)), now=NOW)
    assert caught.value.problems == ["line 6: the line is too long (at most 10,000 characters)."]
    assert cards() == []


def test_scores_are_written_in_bulk_statements_not_one_per_line(
    app, clock, make_programme, make_entry, make_juror, make_user, monkeypatch
):
    """The writes take as many statements per chunk of `CHUNK` scorecards (here 10) for 36
    scorecards as for 4, for a first import and for a re-import that changes every score."""
    from sqlalchemy import event

    from awards.services import score_import

    monkeypatch.setattr(score_import, "CHUNK", 10)
    clock.set(NOW)
    programme = make_programme()
    jurors = [make_juror(programme, make_user(f"j{n}@jury.example")) for n in range(4)]
    entries = [make_entry(programme, ref=f"B{n:02d}") for n in range(10)]

    def text(some, value):
        return csv_text(
            *(
                row
                for entry in some
                for juror in jurors
                for row in card_rows(entry.ref, juror.user.email, (value,) * 4)
            )
        )

    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731 (the SQL)
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        counts = []
        for some in (entries[:1], entries[1:]):  # 4 scorecards (one chunk), 36 (four chunks)
            for value in (5, 6):  # created, then every score updated
                statements.clear()
                import_scores(programme, lines(text(some, value)), now=NOW)
                counts.append(
                    sum(
                        1
                        for sql in statements
                        if sql.lstrip().upper().startswith(("INSERT", "UPDATE"))
                    )
                )
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    created_small, updated_small, created_large, updated_large = counts
    # one chunk: the scorecards, their scores (+ the audit row); four chunks: four times that
    assert created_large - 1 <= 4 * (created_small - 1)
    assert updated_large - 1 <= 4 * (updated_small - 1)
    assert created_large < 36 and updated_large < 36  # not one statement per scorecard
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Score)) == 160
    assert set(db.session.scalars(sa.select(Score.value))) == {Decimal(6)}
