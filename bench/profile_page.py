"""Time one page in-process through Flask's test client, and show where its time goes.

    DATABASE_URL=sqlite:////tmp/pages.sqlite .venv/bin/python bench/profile_page.py PATH \
        [--as EMAIL] [--requests N] [--profile N]

On a database with the demo loaded (`flask db upgrade && flask demo load --phase scoring`).
Prints the mean milliseconds per request (after 30 warm-up requests) and, with --profile N,
cProfile's N heaviest functions by cumulative time over another N requests: the in-process
figure `bench_pages.py`'s ratios follow (a bare one-query page takes 1.2-1.5 ms here)."""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.accounts.models import User
from core.extensions import db
from podium import create_app

WARM_UP = 30


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--as", dest="email", help="log in as this user first")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--profile", type=int, default=0, help="show the N heaviest functions")
    args = parser.parse_args(argv)
    if not 0 < args.requests <= 100_000:
        raise SystemExit("--requests: between 1 and 100000")
    app = create_app({"LOG_LEVEL": "WARNING"})
    client = app.test_client()
    if args.email:
        with app.app_context():
            user = db.session.scalar(sa.select(User).where(User.email == args.email))
            if user is None:
                raise SystemExit(f"no user {args.email}")
            user_id = user.get_id()
        with client.session_transaction() as session:
            session["_user_id"] = user_id
            session["_fresh"] = True
    for _ in range(WARM_UP):
        status = client.get(args.path).status_code
        if status != 200:
            raise SystemExit(f"{args.path} answered {status}; nothing measured")
    started = time.perf_counter()
    for _ in range(args.requests):
        client.get(args.path)
    took = (time.perf_counter() - started) / args.requests
    print(f"{args.path}: {took * 1000:.2f} ms a request ({args.requests} requests)")
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.requests):
            client.get(args.path)
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.profile)


if __name__ == "__main__":
    main()
