"""The files bench/bench_import.py feeds the bulk imports (bench/generate_cannes.py) are
accepted whole: the programme loads with the conflicts its names imply, and the scores CSV,
which leaves out a juror's scores of their own organisation's entries, imports every line."""

from __future__ import annotations

import json

import sqlalchemy as sa

from awards.models import Conflict, Scorecard
from bench.generate_cannes import Size, affiliation, organisation, programme_document, write_csv
from core.extensions import db

SIZE = Size(categories=2, entries_per_category=50, jurors_per_category=60, scorers=20)


def test_the_generated_programme_and_scores_import_whole(app, tmp_path):
    programme, scores = tmp_path / "cannes.json", tmp_path / "cannes.csv"
    programme.write_text(json.dumps(programme_document(SIZE)))
    lines = write_csv(scores, SIZE)
    runner = app.test_cli_runner()
    loaded = runner.invoke(args=["awards", "load-programme", str(programme)])
    assert loaded.exit_code == 0, loaded.output
    conflicts = db.session.scalar(sa.select(sa.func.count()).select_from(Conflict))
    expected = sum(
        affiliation(j) == organisation(e) for e in range(SIZE.entries) for j in range(SIZE.jurors)
    )
    assert conflicts == expected > 0  # every juror of an entry's own organisation
    imported = runner.invoke(
        args=["awards", "import-scores", "cannes", str(scores), "--no-progress"]
    )
    assert imported.exit_code == 0, imported.output
    assert f"Imported {lines} scores" in imported.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Scorecard)) == lines // 4
