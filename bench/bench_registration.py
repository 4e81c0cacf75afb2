"""Whole registrations as people make them, over HTTP, against gunicorn (4 workers).

On each database (SQLite, PostgreSQL) with the demo and the bench's own events loaded,
every journey is a new person (their own cookies and client address):

- paid (a non-member, 11 requests): the form, submit it, "check your inbox", the
  verification link read from the outbox, the billing form, submit it, the pay page, start
  the checkout (the local Stripe of tests/stripe_server.py), the customer pays there and
  Stripe's signed `checkout.session.completed` webhook reaches the app, the return page,
  the invoice page;
- member (an address at a member organisation's domain, 5 requests): the form, submit it,
  "check your inbox", the verification link, the registration's page (confirmed, free).

Each journey kind runs at 1, 8 and 32 clients (a bounded number of journeys, and a time
limit), each on an event of its own whose capacity is exactly the number of journeys: at
the end no event has more seats taken than it has. A race (more paid journeys than seats,
at 8 clients) must fill the seats and put the rest on the waiting list, never more. Beside
them, in the same run, the bare Flask one-query page (bench/baseline_app.py) at 8 clients
gives the server CPU time per request that both journeys' cost per request is compared with.

Targets (issue 11): paid journeys/s at 8 clients ≥ 1.8× those at 1 client; 0 errors, 0
"database is locked", 0 oversold; both journeys' CPU per HTTP request ≤ 2× the baseline's.
Writes bench/results/registration.json.

    .venv/bin/python bench/bench_registration.py --quick    # about a minute a database
"""

from __future__ import annotations

import argparse
import re
import secrets
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa

from bench.harness import (
    BenchError,
    Client,
    Load,
    Server,
    csrf_token,
    databases,
    load,
    median,
    row,
    stripe_mock,
    write_results,
)

LEVELS = (1, 8, 32)
#: a member organisation's domain in demo/events.json ("Podium Demo Member")
MEMBER_DOMAIN = "member.example"
PAID_REQUESTS, MEMBER_REQUESTS = 11, 5
TAKEN = ("confirmed", "pending_payment", "offered")


def event(slug: str, capacity: int, starts: datetime) -> dict:
    local = starts.strftime("%Y-%m-%dT%H:%M+00:00")
    ends = (starts + timedelta(minutes=45)).strftime("%Y-%m-%dT%H:%M+00:00")
    return {
        "slug": slug,
        "title": {"nl": f"Bench {slug}", "en": f"Bench {slug}"},
        "kind": "Digital Talk",
        "starts_at": local,
        "ends_at": ends,
        "online": True,
        "join_url": "https://meet.podium.example/bench",
        "capacity": capacity,
        "prices": {"member": 0, "non_member": 5000},
        "vat_rate": "0.21",
    }


class Journeys:
    """The two journeys on one server; the verification links come from the outbox."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.stripe = stripe_mock()

    def verify_path(self, email: str) -> str:
        with self.engine.connect() as conn:
            body = conn.execute(
                sa.text(
                    "SELECT body_text FROM mail_messages WHERE to_addr = :to "
                    "AND kind = 'event_verify' ORDER BY id DESC LIMIT 1"
                ),
                {"to": email},
            ).scalar()
        match = re.search(r"https?://[^/\s]+(/events/r/\S+/verify)", body or "")
        if match is None:
            raise BenchError(f"no verification mail for {email}")
        return match.group(1)

    def register(self, client: Client, slug: str, email: str) -> str:
        """Form, submit, "check your inbox", verify; returns where the link led."""
        form = expect(client.get(f"/events/{slug}/register?lang=en"), 200)
        submitted = client.post(
            f"/events/{slug}/register",
            form={
                "csrf_token": csrf_token(form.body),
                "name": "Bench Person",
                "email": email,
                "privacy_consent": "y",
                "billing_country": "NL",
            },
        )
        expect(submitted, 302)
        expect(client.get(submitted.location), 200)
        verified = expect(client.get(self.verify_path(email)), 302)
        return verified.location

    def member(self, slug: str):
        def journey(client: Client) -> str:
            email = f"m-{secrets.token_hex(6)}@{MEMBER_DOMAIN}"
            where = self.register(client, slug, email)
            page = expect(client.get(where), 200)
            if "/billing" in where or "/pay" in where:
                raise BenchError(f"a member was asked to pay: {where}")
            return "confirmed" if "waiting list" not in page.body else "waitlisted"

        return journey

    def paid(self, slug: str):
        def journey(client: Client) -> str:
            email = f"p-{secrets.token_hex(6)}@example.com"
            where = self.register(client, slug, email)
            if "/billing" not in where:
                expect(client.get(where), 200)
                return "waitlisted"
            billing = expect(client.get(where), 200)
            paying = client.post(
                where,
                form={
                    "csrf_token": csrf_token(billing.body),
                    "billing_company": "Bench B.V.",
                    "billing_address": "Keizersgracht 1",
                    "billing_postcode": "1015 AA",
                    "billing_city": "Amsterdam",
                    "billing_country": "NL",
                },
            )
            pay_path = expect(paying, 302).location
            if not pay_path.endswith("/pay"):  # the seats went while they filled it in
                expect(client.get(pay_path), 200)
                return "waitlisted"
            pay_page = expect(client.get(pay_path), 200)
            started = client.post(pay_path, form={"csrf_token": csrf_token(pay_page.body)})
            checkout = expect(started, 303).headers["location"]
            session_id = checkout.rsplit("/", 1)[-1]
            # the customer pays on Stripe's page; Stripe tells the app through the webhook
            from tests.stripe_server import event_body, sign

            session = self.stripe.mark_paid(session_id)
            body = event_body("checkout.session.completed", session)
            hooked = client.post(
                "/events/stripe/webhook",
                body=body,
                headers={"Content-Type": "application/json", "Stripe-Signature": sign(body)},
            )
            expect(hooked, 200)
            token = pay_path.split("/r/", 1)[1].split("/", 1)[0]
            done = expect(client.get(f"/events/r/{token}/paid?session_id={session_id}"), 200)
            link = re.search(r'href="(/events/r/[^"/]+/invoices/[^"?]+)"', done.body)
            if link is None:
                raise BenchError("no invoice link on the return page")
            expect(client.get(link.group(1)), 200)
            return "confirmed"

        return journey


def expect(answer, status: int):
    if answer.status != status:
        raise BenchError(f"answered {answer.status}, not {status}: {answer.body[:200]!r}")
    return answer


def taken_seats(engine) -> dict[str, tuple[int, int, int]]:
    """slug -> (capacity, seats taken, confirmed) for the bench's events."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT e.slug, e.capacity, "
                "SUM(CASE WHEN r.state IN ('confirmed', 'pending_payment', 'offered') "
                "THEN 1 ELSE 0 END), "
                "SUM(CASE WHEN r.state = 'confirmed' THEN 1 ELSE 0 END) "
                "FROM events e LEFT JOIN registrations r ON r.event_id = e.id "
                "WHERE e.slug LIKE 'bench-%' GROUP BY e.slug, e.capacity"
            )
        ).all()
    return {
        slug: (cap, int(taken or 0), int(confirmed or 0)) for slug, cap, taken, confirmed in rows
    }


def bench(kind: str, *, counts: dict[int, int], seconds: float, rounds: int) -> list[dict]:
    starts = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=20)
    plan = [(journey, level, n) for n in range(rounds) for journey in ("member", "paid")
            for level in LEVELS]  # fmt: skip
    race = (8, 3 * counts[8] // 2, counts[8] // 2)  # clients, journeys, seats
    events = [event(f"bench-{j}-{level}-{n}", counts[level], starts) for j, level, n in plan]
    events.append(event("bench-race", race[2], starts))
    events.append(event("bench-warmup", 100, starts))
    rows: list[dict] = []
    with databases([kind], "bench_registration") as each:
        for database in each:
            print(f"{database.label}: preparing the demo and {len(events)} events ...", flush=True)
            database.prepare(phase="scoring", events={"events": events})
            engine = database.engine()
            journeys = Journeys(engine)
            found: dict[tuple[str, int], list[Load]] = {}
            base: list[Load] = []
            with (
                Server(database, "wsgi:app", "podium") as podium,
                Server(database, "bench.baseline_app:app", "baseline") as baseline,
            ):
                # every worker imports, compiles its templates and connects first
                load(baseline.url, _baseline_page, clients=8, seconds=1)
                for journey in ("member", "paid"):
                    load(podium.url, getattr(journeys, journey)("bench-warmup"), clients=8,
                         seconds=seconds, operations=16, per_operation_client=True)  # fmt: skip
                for n in range(rounds):
                    run = load(baseline.url, _baseline_page, clients=8, seconds=min(seconds, 5),
                               server=baseline)  # fmt: skip
                    base.append(run)
                    print(f"  round {n + 1} baseline page             {run.summary()}", flush=True)
                    for journey in ("member", "paid"):
                        for level in LEVELS:
                            slug = f"bench-{journey}-{level}-{n}"
                            operation = getattr(journeys, journey)(slug)
                            run = load(podium.url, operation, clients=level, seconds=seconds,
                                       operations=counts[level], server=podium,
                                       per_operation_client=True)  # fmt: skip
                            found.setdefault((journey, level), []).append(run)
                            print(f"  round {n + 1} {journey:>6} x{level:<2}  {run.summary()}",
                                  flush=True)  # fmt: skip
                            for sample in run.error_samples[:3]:
                                print(f"      error: {sample}", flush=True)
                clients, many, _seats = race
                raced = load(podium.url, journeys.paid("bench-race"), clients=clients,
                             seconds=seconds, operations=many, server=podium,
                             per_operation_client=True)  # fmt: skip
                print(f"  race: {raced.summary()} {raced.outcomes}", flush=True)
                for sample in raced.error_samples[:3]:
                    print(f"      error: {sample}", flush=True)
                locked = podium.log_text().count("database is locked")
            seats = taken_seats(engine)
            engine.dispose()
            rows += _rows(database.label, found, base, raced, race, seats, locked)
    return rows


def _baseline_page(client: Client) -> None:
    expect(client.get("/"), 200)


def _rows(label, found, base, raced, race, seats, locked) -> list[dict]:
    rows = []
    base_cpu = median(base, lambda r: r.cpu_per_request) * 1000
    for journey, size in (("paid", PAID_REQUESTS), ("member", MEMBER_REQUESTS)):
        for level in LEVELS:
            runs = found[(journey, level)]
            rows.append(row(f"{label}: {journey} journeys/s at {level} client(s)",
                            median(runs, lambda r: r.rate), None, "journeys/s", ""))  # fmt: skip
        one = median(found[(journey, 1)], lambda r: r.rate)
        eight = median(found[(journey, 8)], lambda r: r.rate)
        target = ">= 1.8" if journey == "paid" else ""
        rows.append(row(f"{label}: {journey} journeys/s, 8 clients against 1", eight, one,
                        "journeys/s", target))  # fmt: skip
        cpu = median(found[(journey, 8)], lambda r: r.cpu_per_request) * 1000
        rows.append(row(f"{label}: {journey} journey, server CPU per HTTP request (8 clients)",
                        cpu, base_cpu, "ms", "<= 2"))  # fmt: skip
        p99 = median(found[(journey, 8)], lambda r: r.p99)
        rows.append(row(f"{label}: {journey} journey, p99 at 8 clients ({size} requests)",
                        p99, None, "s", ""))  # fmt: skip
    errors = sum(r.errors for runs in found.values() for r in runs) + raced.errors
    rows.append(row(f"{label}: journey errors", errors, None, "count", "== 0"))
    rows.append(row(f"{label}: 'database is locked' in the log", locked, None, "count", "== 0"))
    oversold = sum(max(0, taken - cap) for cap, taken, _ in seats.values())
    rows.append(row(f"{label}: seats oversold (all events)", oversold, None, "count", "== 0"))
    _clients, many, room = race
    _cap, _taken, confirmed = seats["bench-race"]
    rows.append(row(f"{label}: race, {many} paid journeys for {room} seats: confirmed",
                    confirmed, room, "seats", "== 1"))  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"],
                        choices=["sqlite", "postgresql"])  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="few journeys, one round")
    parser.add_argument("--seconds", type=float, default=None, help="time limit per level")
    parser.add_argument("--rounds", type=int, default=None)
    args = parser.parse_args(argv)
    counts = {1: 20, 8: 60, 32: 96} if args.quick else {1: 40, 8: 160, 32: 320}
    seconds = args.seconds or (10.0 if args.quick else 40.0)
    rounds = args.rounds or (1 if args.quick else 2)
    rows: list[dict] = []
    for kind in args.db:
        rows += bench(kind, counts=counts, seconds=seconds, rounds=rounds)
    notes = [f"journeys per level {counts}, time limit {seconds:g} s, {rounds} round(s), "
             "median of the rounds; every journey a new person"]  # fmt: skip
    write_results("registration", rows, notes=notes)


if __name__ == "__main__":
    main()
