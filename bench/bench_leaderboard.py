"""The chair's leaderboard of one category at Cannes size, in-process, against a baseline.

The page ``/admin/awards/cannes/results?category=lion-01`` (900 entries, 8,100 scorecards,
32,400 scores of a programme of 27,000 entries and 972,000 scores, bench/generate_cannes.py)
is asked through Flask's test client with the chair (juror0000@jury.example) logged in: the
first request of a fresh process (nothing cached yet) and the second one. Beside it, in the
same process and through the same engine, the baseline: one plain
``SELECT entry_id, AVG(value) ... GROUP BY`` over that category's scores. Each repetition
runs in a process of its own (so "first" is really first); the best of the repetitions
counts.

    .venv/bin/python bench/bench_leaderboard.py [--db sqlite|postgresql] [--repeat N]
        [--category lion-01] [--quick]

SQLite reads /tmp/bench_results.sqlite, PostgreSQL the database ``bench_results`` (both as
bench/bench_results.py makes them; generated when missing). ``--quick``: the programme at
``--scale 0.1`` (/tmp/bench_results_0.1.sqlite; on PostgreSQL the full one is used).
Writes bench/results/leaderboard.json (leaderboard_postgresql.json), which bench/report.py
reads. Target: the second request under 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from harness import write_results  # noqa: E402

from awards.models import Category, Programme  # noqa: E402
from core.accounts.models import User  # noqa: E402
from core.extensions import db  # noqa: E402
from podium import create_app  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python")
PG_URL = "postgresql://postgres@127.0.0.1:5432/bench_results"
CHAIR = "juror0000@jury.example"
BASELINE = (
    "SELECT sc.entry_id, AVG(s.value) FROM scores s "
    "JOIN scorecards sc ON sc.id = s.scorecard_id "
    "JOIN entries e ON e.id = sc.entry_id WHERE e.category_id = :category "
    "GROUP BY sc.entry_id"
)


def measure(url: str, category: str) -> dict:
    """In this process: the baseline (best of 3), the page's first and second request."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == CHAIR))
        assert user is not None, f"no {CHAIR}: generate the programme first"
        user_id = user.get_id()
        category_id = db.session.scalar(
            sa.select(Category.id)
            .join(Programme, Programme.id == Category.programme_id)
            .where(Programme.slug == "cannes", Category.slug == category)
        )
        baseline = []
        for _ in range(3):
            started = time.perf_counter()
            rows = db.session.execute(sa.text(BASELINE), {"category": category_id}).all()
            baseline.append(time.perf_counter() - started)
            assert rows
        db.session.remove()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
    times = []
    for _ in range(2):
        started = time.perf_counter()
        response = client.get(f"/admin/awards/cannes/results?category={category}")
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return {"baseline": min(baseline), "first": times[0], "second": times[1]}


def prepare(kind: str, quick: bool) -> str:
    """The database URL holding the Cannes programme (generated when missing)."""
    if kind == "postgresql":
        return PG_URL  # bench/bench_results.py --db postgresql makes it
    path = Path("/tmp/bench_results_0.1.sqlite" if quick else "/tmp/bench_results.sqlite")
    url = f"sqlite:///{path}"
    if not path.exists():
        scale = "0.1" if quick else "1"
        subprocess.run(
            [PY, "bench/generate_cannes.py", "--url", url, "--scale", scale], cwd=ROOT,
            check=True,
        )  # fmt: skip
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--category", default="lion-01")
    parser.add_argument("--quick", action="store_true", help="scale 0.1 (SQLite)")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # the URL: measure in this process
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.category)))
        return
    url = prepare(args.db, args.quick)
    runs = []
    for _ in range(args.repeat):
        done = subprocess.run(
            [PY, __file__, "--child", url, "--category", args.category], cwd=ROOT,
            env={**os.environ, "PODIUM_ENV": "development"}, capture_output=True, text=True,
            check=True,
        )  # fmt: skip
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(runs[-1], flush=True)
    baseline = min(r["baseline"] for r in runs)
    size = "10%" if args.quick and args.db == "sqlite" else "full"
    what = f"leaderboard of one category, Cannes {size}, {args.db}"
    rows = []
    for which in ("first", "second"):
        best = min(r[which] for r in runs)
        rows.append({"what": f"{what}: {which} request", "podium": round(best, 3),
                     "baseline": round(baseline, 4), "ratio": round(best / baseline, 1),
                     "unit": "s", "target": ""})  # fmt: skip
        print(f"{which} request: {best:.3f} s, baseline {baseline:.4f} s, "
              f"ratio {best / baseline:.1f}", flush=True)  # fmt: skip
    second = min(r["second"] for r in runs)
    rows.append({"what": f"{what}: second request, absolute", "podium": round(second, 3),
                 "baseline": None, "ratio": None, "unit": "s", "target": "<= 1"})  # fmt: skip
    write_results("leaderboard" if args.db == "sqlite" else f"leaderboard_{args.db}", rows)


if __name__ == "__main__":
    main()
