"""The pages users wait for, against the bare Flask one-query page (bench/baseline_app.py).

On each database (SQLite, PostgreSQL) with the demo loaded (`flask demo load --phase
scoring`), gunicorn (gunicorn.conf.py, 4 workers) serves Podium and the baseline side by
side; at 16 clients, in interleaved rounds (baseline, event page, leaderboard, winners,
juror's entries, baseline, ...), each page is loaded for a few seconds and the median of the
rounds is kept:

- event page: `/events/digital-talk-ap-cookiehandhaving`, anonymous;
- chair's leaderboard: `/admin/awards/cda-2025/results`, the jury chair logged in;
- public winners page: `/awards/cda-2025/winners`, anonymous;
- juror's entry list: `/jury/cda-2026/entries`, a juror logged in (2026 is in scoring).

Targets (issue 11): each page's throughput ≥ 0.5× the baseline's, its p99 ≤ 2× the
baseline's. Writes bench/results/pages.json.

    .venv/bin/python bench/bench_pages.py --quick          # ~1 minute a database
    .venv/bin/python bench/bench_pages.py --db sqlite      # one database, full rounds
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import (
    BenchError,
    Client,
    Server,
    databases,
    interleave,
    load,
    login,
    median,
    row,
    write_results,
)

CHAIR = "arnold.vanhetnederend@kpn.example"
JUROR = "lisette.gouda@anwb.example"
#: name -> (path, who logs in or None)
PAGES = {
    "event page": ("/events/digital-talk-ap-cookiehandhaving", None),
    "chair's leaderboard": ("/admin/awards/cda-2025/results", CHAIR),
    "public winners page": ("/awards/cda-2025/winners", None),
    "juror's entry list": ("/jury/cda-2026/entries", JUROR),
}


def fetch(path: str):
    def operation(client: Client) -> None:
        answer = client.get(path)
        if answer.status != 200:
            raise BenchError(f"GET {path} answered {answer.status}")

    return operation


def log_in_as(email: str | None):
    if email is None:
        return None
    return lambda client: login(client, email)


def check_pages(podium: Server) -> None:
    """Every page answers 200 to its user before any load (else the figures mean nothing)."""
    for name, (path, email) in PAGES.items():
        client = Client(podium.url)
        if email:
            login(client, email)
        answer = client.get(path)
        if answer.status != 200:
            raise SystemExit(f"{name} ({path}) answered {answer.status}; nothing measured")


def bench(kind: str, *, clients: int, seconds: float, rounds: int) -> list[dict]:
    rows: list[dict] = []
    with databases([kind], "bench_pages") as each:
        for database in each:
            print(f"{database.label}: preparing the demo ...", flush=True)
            database.prepare(phase="scoring")
            with (
                Server(database, "wsgi:app", "podium") as podium,
                Server(database, "bench.baseline_app:app", "baseline") as baseline,
            ):
                check_pages(podium)
                # every worker imports, compiles its templates and connects first
                load(baseline.url, fetch("/"), clients=clients, seconds=1)
                for path, email in PAGES.values():
                    load(podium.url, fetch(path), clients=clients, seconds=1,
                         setup=log_in_as(email))  # fmt: skip
                measurements = {
                    "baseline": lambda: load(
                        baseline.url, fetch("/"), clients=clients, seconds=seconds
                    )
                }
                for name, (path, email) in PAGES.items():
                    measurements[name] = lambda path=path, email=email: load(
                        podium.url,
                        fetch(path),
                        clients=clients,
                        seconds=seconds,
                        setup=log_in_as(email),
                    )
                runs = interleave(measurements, rounds)
                locked = podium.log_text().count("database is locked")
            base = runs.pop("baseline")
            base_rate = median(base, lambda r: r.rate)
            base_p99 = median(base, lambda r: r.p99) * 1000
            label = database.label
            for name, found in runs.items():
                rows.append(
                    row(
                        f"{label}: {name}, throughput at {clients} clients",
                        median(found, lambda r: r.rate),
                        base_rate,
                        "req/s",
                        ">= 0.5",
                    )
                )
                rows.append(
                    row(
                        f"{label}: {name}, p99 at {clients} clients",
                        median(found, lambda r: r.p99) * 1000,
                        base_p99,
                        "ms",
                        "<= 2",
                    )
                )
            errors = sum(r.errors for found in runs.values() for r in found)
            errors += sum(r.errors for r in base)
            rows.append(row(f"{label}: page errors (all rounds)", errors, None, "count", "== 0"))
            rows.append(
                row(f"{label}: 'database is locked' in the log", locked, None, "count", "== 0")
            )
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"],
                        choices=["sqlite", "postgresql"])  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="2 rounds of 3 s (about a minute)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=None, help="per page per round")
    parser.add_argument("--rounds", type=int, default=None)
    args = parser.parse_args(argv)
    seconds = args.seconds or (3.0 if args.quick else 8.0)
    rounds = args.rounds or (2 if args.quick else 5)
    rows: list[dict] = []
    for kind in args.db:
        rows += bench(kind, clients=args.clients, seconds=seconds, rounds=rounds)
    notes = [f"{rounds} interleaved rounds of {seconds:g} s per page, median of the rounds"]
    write_results("pages", rows, notes=notes)


if __name__ == "__main__":
    main()
