"""The bulk imports at Cannes size, as whole commands, each beside a baseline process.

On a fresh database (SQLite file or a PostgreSQL database of its own, migrated first), with
the files bench/generate_cannes.py writes (27,000 entries in 30 categories, 300 jurors;
972,000 score lines; ``--quick``: 10%):

- ``flask awards load-programme cannes.json`` (the programme, its jury and entries, with
  conflict detection), beside a baseline process that starts the same app, reads the same
  JSON and inserts its entries' plain values into a scratch table in one executemany;
- ``flask awards import-scores cannes cannes.csv --no-progress`` (every line checked, all or
  nothing, bulk statements), beside a baseline process that starts the same app, reads the
  same CSV with the csv module and inserts its lines into a scratch table in one executemany.

Interleaved (baseline, Podium), each under ``/usr/bin/time -v`` for the wall time and the peak
resident memory. Targets (issue 11): load-programme well under a minute (<= 30 s here); the
import's peak memory <= 500 MiB.

    .venv/bin/python bench/bench_import.py [--quick] [--db sqlite postgresql]

Writes bench/results/import.json (`harness.write_results`), which bench/report.py reads.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa  # noqa: E402
from bench_results import FLASK, PG_ADMIN, PY, timed  # noqa: E402
from harness import write_results  # noqa: E402

FILES = Path("/tmp/bench_import")
SLUG = "cannes"

BASELINE_PROGRAMME = """
import json, sys
import sqlalchemy as sa
from podium import create_app
from core.extensions import db
app = create_app()
with app.app_context():
    document = json.load(open(sys.argv[1], encoding="utf-8"))
    rows = [{"ref": e["ref"], "category": e["category"], "organisation": e["organisation"],
             "title": e["title"]} for e in document["entries"]]
    db.session.execute(sa.text("DROP TABLE IF EXISTS bench_scratch"))
    db.session.execute(sa.text(
        "CREATE TABLE bench_scratch (ref varchar(40), category varchar(40), "
        "organisation varchar(200), title varchar(200))"))
    db.session.execute(sa.text(
        "INSERT INTO bench_scratch VALUES (:ref, :category, :organisation, :title)"), rows)
    db.session.execute(sa.text("DROP TABLE bench_scratch"))
    db.session.commit()
    print(len(rows))
"""

BASELINE_SCORES = """
import csv, sys
import sqlalchemy as sa
from podium import create_app
from core.extensions import db
app = create_app()
with app.app_context():
    with open(sys.argv[1], encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        rows = [{"e": e, "j": j, "c": c, "s": s} for e, j, c, s in reader]
    db.session.execute(sa.text("DROP TABLE IF EXISTS bench_scratch"))
    db.session.execute(sa.text(
        "CREATE TABLE bench_scratch (e varchar(40), j varchar(254), c varchar(40), "
        "s varchar(20))"))
    db.session.execute(sa.text("INSERT INTO bench_scratch VALUES (:e, :j, :c, :s)"), rows)
    db.session.execute(sa.text("DROP TABLE bench_scratch"))
    db.session.commit()
    print(len(rows))
"""


def files(scale: float) -> tuple[Path, Path]:
    """The programme JSON and scores CSV at `scale` (written unless already there)."""
    folder = FILES / f"{scale:g}"
    programme, scores = folder / "cannes.json", folder / "cannes.csv"
    if not (programme.exists() and scores.exists()):
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [PY, "bench/generate_cannes.py", "--scale", str(scale), "--csv", str(scores),
             "--programme-json", str(programme)], cwd=ROOT, check=True,
        )  # fmt: skip
    return programme, scores


def fresh_database(kind: str) -> str:
    """An empty database migrated to head; its URL."""
    if kind == "sqlite":
        path = Path("/tmp/bench_import.sqlite")
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        engine = sa.create_engine(
            "postgresql+psycopg://" + PG_ADMIN.removeprefix("postgresql://"),
            isolation_level="AUTOCOMMIT",
        )
        with engine.connect() as conn:
            conn.execute(sa.text("DROP DATABASE IF EXISTS bench_import"))
            conn.execute(sa.text("CREATE DATABASE bench_import"))
        engine.dispose()
        url = "postgresql://postgres@127.0.0.1:5432/bench_import"
    subprocess.run(
        [FLASK, "--app", "wsgi", "db", "upgrade"], cwd=ROOT, check=True,
        env={**os.environ, "DATABASE_URL": url}, capture_output=True,
    )  # fmt: skip
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="scale 0.1")
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"],
                        choices=("sqlite", "postgresql"))  # fmt: skip
    args = parser.parse_args()
    scale = 0.1 if args.quick else 1.0
    size = "10%" if args.quick else "full"
    programme, scores = files(scale)
    rows = []
    for kind in args.db:
        name = "SQLite" if kind == "sqlite" else "PostgreSQL"
        url = fresh_database(kind)
        steps = (
            ("load-programme", BASELINE_PROGRAMME, programme,
             ["awards", "load-programme", str(programme)], "<= 30"),
            ("import-scores", BASELINE_SCORES, scores,
             ["awards", "import-scores", SLUG, str(scores), "--no-progress"], None),
        )  # fmt: skip
        for what, baseline, source, command, time_target in steps:
            base_t, base_m = timed([PY, "-c", baseline, str(source)], url)
            pod_t, pod_m = timed([FLASK, "--app", "wsgi", *command], url)
            label = f"{name}: {what}, Cannes {size}"
            rows.append({"what": f"{label}: wall time", "podium": round(pod_t, 2),
                         "baseline": round(base_t, 2), "ratio": round(pod_t / base_t, 2),
                         "unit": "s", "target": ""})  # fmt: skip
            if time_target:  # a target on the time itself, not on the ratio
                rows.append({"what": f"{label}: wall time (target on the time)",
                             "podium": round(pod_t, 2), "baseline": None, "ratio": None,
                             "unit": "s", "target": time_target})  # fmt: skip
            rows.append({"what": f"{label}: peak memory (baseline {base_m:.0f} MiB)",
                         "podium": round(pod_m, 1), "baseline": None, "ratio": None,
                         "unit": "MiB",
                         "target": "<= 500" if what == "import-scores" else ""})  # fmt: skip
            print(rows[-2], rows[-1], flush=True)
    write_results("import", rows)


if __name__ == "__main__":
    main()
