"""The whole-programme results command at Cannes size against a baseline process.

For each method (mean, median, trimmed, zscore) it runs the whole command
``flask --app wsgi awards results cannes --method M --format csv`` as a subprocess beside a
baseline process that starts the same app and runs one plain
``SELECT entry_id, AVG(value) ... GROUP BY`` over the same scores through its engine,
interleaved (baseline, Podium, baseline, Podium ...), each under ``/usr/bin/time -v`` for the
wall time and the peak resident memory. The programme comes from bench/generate_cannes.py
(reused when the SQLite file or the PostgreSQL database, ``bench_results`` or at 10 %
``bench_results_0_1``, already holds it; ``--quick`` uses ``--scale 0.1``).

    .venv/bin/python bench/bench_results.py [--quick] [--db sqlite|postgresql] [--repeat N]
        [--methods mean,median]

Writes bench/results/results.json (`harness.write_results`), which bench/report.py reads.
Targets: the command <= 3x the baseline's wall time; peak memory <= 200 MiB.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from harness import write_results  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python")
FLASK = str(ROOT / ".venv" / "bin" / "flask")
METHODS = ("mean", "median", "trimmed", "zscore")
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_URL = "postgresql://postgres@127.0.0.1:5432/bench_results"

BASELINE = """
import sqlalchemy as sa
from podium import create_app
from core.extensions import db
app = create_app()
with app.app_context():
    rows = db.session.execute(sa.text(
        "SELECT sc.entry_id, AVG(s.value) FROM scores s "
        "JOIN scorecards sc ON sc.id = s.scorecard_id GROUP BY sc.entry_id"
    )).all()
    print(len(rows))
"""


def timed(argv: list[str], url: str) -> tuple[float, float]:
    """(wall seconds, peak RSS in MiB) of one process under /usr/bin/time -v."""
    env = {**os.environ, "DATABASE_URL": url}
    done = subprocess.run(
        ["/usr/bin/time", "-v", *argv], cwd=ROOT, env=env, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", done.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    assert wall and rss, done.stderr
    seconds = 0.0
    for part in wall.group(1).split(":"):
        seconds = seconds * 60 + float(part)
    return seconds, int(rss.group(1)) / 1024


def _holds_programme(url: str) -> bool:
    """Whether the PostgreSQL database at `url` holds a generated Cannes programme (its
    scores written: the generator commits them last)."""
    engine = sa.create_engine("postgresql+psycopg://" + url.removeprefix("postgresql://"))
    try:
        with engine.connect() as conn:
            return bool(conn.scalar(sa.text(
                "SELECT EXISTS (SELECT 1 FROM programmes WHERE slug = 'cannes') "
                "AND EXISTS (SELECT 1 FROM scores)"
            )))  # fmt: skip
    except sa.exc.DBAPIError:  # no schema yet
        return False
    finally:
        engine.dispose()


def prepare(kind: str, scale: float) -> str:
    """The database URL holding the Cannes programme (generated unless already there)."""
    suffix = "" if scale == 1.0 else f"_{scale:g}"
    if kind == "sqlite":
        path = Path(f"/tmp/bench_results{suffix}.sqlite")
        url = f"sqlite:///{path}"
        if path.exists():
            return url
    else:
        url = PG_URL + suffix.replace(".", "_")
        name = url.rsplit("/", 1)[1]
        engine = sa.create_engine(
            "postgresql+psycopg://" + PG_ADMIN.removeprefix("postgresql://"),
            isolation_level="AUTOCOMMIT",
        )
        with engine.connect() as conn:
            exists = conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            )
        if exists and _holds_programme(url):
            engine.dispose()
            return url  # generated already (by an earlier run or bench/generate_cannes.py)
        with engine.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
            conn.execute(sa.text(f"CREATE DATABASE {name}"))
        engine.dispose()
    subprocess.run(
        [PY, "bench/generate_cannes.py", "--url", url, "--scale", str(scale)], cwd=ROOT,
        check=True,
    )  # fmt: skip
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="scale 0.1")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--methods", default=",".join(METHODS))
    args = parser.parse_args()
    scale = 0.1 if args.quick else 1.0
    url = prepare(args.db, scale)
    rows = []
    for method in args.methods.split(","):
        base_t, base_m, pod_t, pod_m = [], [], [], []
        for _ in range(args.repeat):
            t, m = timed([PY, "-c", BASELINE], url)
            base_t.append(t)
            base_m.append(m)
            t, m = timed(
                [FLASK, "--app", "wsgi", "awards", "results", "cannes", "--method", method,
                 "--format", "csv"], url,
            )  # fmt: skip
            pod_t.append(t)
            pod_m.append(m)
        podium, baseline = min(pod_t), min(base_t)
        size = "10%" if args.quick else "full"
        what = f"results command, {method}, Cannes {size}, {args.db}"
        rows.append({"what": f"{what}: wall time", "podium": round(podium, 2),
                     "baseline": round(baseline, 2), "ratio": round(podium / baseline, 2),
                     "unit": "s", "target": "<= 3"})  # fmt: skip
        rows.append({"what": f"{what}: peak memory", "podium": round(max(pod_m), 1),
                     "baseline": None, "ratio": None, "unit": "MiB",
                     "target": "<= 200"})  # fmt: skip
        print(rows[-2], rows[-1], flush=True)
    write_results("results" if args.db == "sqlite" else f"results_{args.db}", rows)


if __name__ == "__main__":
    main()
