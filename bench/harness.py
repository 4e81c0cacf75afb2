"""The benchmarks' harness: databases, gunicorn servers, a load client, and the results file.

- `Database`: a scratch SQLite file or a PostgreSQL database of the bench's own (created
  afresh, never `test`), migrated with `flask db upgrade`, the demo loaded with
  `flask demo load`, and more events loaded from a JSON file with `flask events load`.
- `Server`: gunicorn with the repository's gunicorn.conf.py (4 workers) on a free 127.0.0.1
  port, for the Podium app (`wsgi:app`) or the bare Flask baseline (`bench.baseline_app:app`),
  with Stripe played by tests/stripe_server.py and mail kept in the outbox.
  `cpu_seconds()` reads the server's processes' CPU time from /proc (utime + stime of the
  master and its live workers, cutime + cstime for workers it has already reaped).
- `load`: N client threads, each with its own cookies and client address, for T seconds or
  M operations (whichever ends first); an operation is one request (a page) or a whole
  journey (many requests). `Load` reports operations/s, p50, p99, errors and requests.
- `interleave`: rounds of several measurements in turn (podium, baseline, podium, ...),
  and `median` of a figure over the rounds.
- `write_results`: bench/results/<name>.json as {"rows": [{what, podium, baseline, ratio,
  unit, target}]}, which bench/report.py turns into the table and the chart.

Every server listens on 127.0.0.1 only, and every load is bounded in count and time.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")
WORKERS = 4
START_TIMEOUT = 90  # seconds for a server to answer
CLK_TCK = os.sysconf("SC_CLK_TCK")
#: the demo's password (README, "Demo log-ins")
DEMO_PASSWORD = "podium-demo-2025"
SECRET_KEY = "bench-" + "s" * 40
STRIPE_SECRET_KEY = "sk_test_bench"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_address() -> str:
    """A client address for X-Forwarded-For (only a header: no traffic goes there), so that
    every simulated person has the rate limits of their own, as behind the reverse proxy."""
    return "127.{}.{}.{}".format(*secrets.token_bytes(3))


# --- databases ---------------------------------------------------------------------------------


class Database:
    """`kind` "sqlite" (a file in a scratch folder) or "postgresql" (database `name` on the
    local server, dropped and created afresh; never `test`)."""

    def __init__(self, kind: str, name: str = "bench_pages") -> None:
        if kind not in ("sqlite", "postgresql"):
            raise ValueError(f"unknown database kind {kind!r}")
        if name in ("test", "postgres", "template0", "template1"):
            raise ValueError(f"the bench never uses the database {name!r}")
        self.kind, self.name = kind, name
        self.folder = Path(tempfile.mkdtemp(prefix=f"podium-{name}-"))
        if kind == "sqlite":
            self.url = f"sqlite:///{self.folder / (name + '.sqlite')}"
        else:
            self.url = f"{PG_SERVER}/{name}"
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self._admin(f'CREATE DATABASE "{name}"')

    @property
    def label(self) -> str:
        return "SQLite" if self.kind == "sqlite" else "PostgreSQL"

    def _admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(statement)

    def env(self) -> dict[str, str]:
        return {"DATABASE_URL": self.url}

    def flask(self, *args: str) -> str:
        """`flask --app wsgi ARGS` on this database; its output (raises on failure)."""
        done = subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", *args],
            cwd=ROOT,
            env=server_env(self),
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def prepare(self, *, phase: str = "scoring", events: dict | None = None) -> None:
        """Migrate, load the demo (Customer Data Awards 2026 in `phase`), then `events` (a
        document for `flask events load`) when given."""
        self.flask("db", "upgrade")
        self.flask("demo", "load", "--phase", phase)
        if events is not None:
            path = self.folder / "bench-events.json"
            path.write_text(json.dumps(events), encoding="utf-8")
            self.flask("events", "load", str(path))

    def engine(self):
        """A SQLAlchemy engine on this database, for reading the outbox and the counts."""
        import sqlalchemy as sa

        if self.kind == "sqlite":
            return sa.create_engine(self.url, connect_args={"timeout": 30})
        url = "postgresql+psycopg://" + self.url.removeprefix("postgresql://")
        return sa.create_engine(url, pool_size=40, max_overflow=10, pool_pre_ping=True)

    def drop(self) -> None:
        if self.kind == "postgresql":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


# --- servers -----------------------------------------------------------------------------------

_stripe = None


def stripe_mock():
    """The one local Stripe (tests/stripe_server.py) of this process, started on first use."""
    global _stripe
    if _stripe is None:
        from tests.stripe_server import StripeMock

        _stripe = StripeMock()
        _stripe.base_url = _stripe.start()
    return _stripe


def server_env(database: Database) -> dict[str, str]:
    """The environment of the app's processes: development mode (in-memory rate limits, as
    `make run`), the client address from X-Forwarded-For (one proxy), Stripe at the local
    mock, mail kept in the outbox (no SMTP, no delivery after each commit)."""
    from tests.stripe_server import WEBHOOK_SECRET

    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PODIUM_", "REDIS_", "STRIPE_", "SMTP_", "CELERY_", "DATABASE_"))
    }
    environ.update(
        database.env(),
        SECRET_KEY=SECRET_KEY,
        PODIUM_PROXIES="1",
        PODIUM_OUTBOX_ON_COMMIT="0",
        PODIUM_LOG_LEVEL="WARNING",
        STRIPE_SECRET_KEY=STRIPE_SECRET_KEY,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=stripe_mock().base_url,
        WEB_CONCURRENCY=str(WORKERS),
    )
    return environ


class Server:
    """gunicorn serving `app` ("wsgi:app" or "bench.baseline_app:app") on `database`."""

    def __init__(self, database: Database, app: str = "wsgi:app", name: str = "podium") -> None:
        self.database, self.app, self.name = database, app, name
        self.port = free_port()
        self.log = database.folder / f"{name}-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        env = {**server_env(self.database), "PODIUM_BIND": f"127.0.0.1:{self.port}"}
        self._out = self.log.open("wb")
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", self.app],
            cwd=ROOT,
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} stopped:\n{self.log.read_text()[-3000:]}")
            if len(self.workers()) >= WORKERS and self._answers():
                return self
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"{self.name} did not start:\n{self.log.read_text()[-3000:]}")

    def _answers(self) -> bool:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            conn.request("GET", "/healthz")
            status = conn.getresponse().status
            conn.close()
            return status < 500
        except OSError:
            return False

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._out.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        assert self.process is not None
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except OSError:
            return []

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the master and all its workers, live or reaped, used."""
        assert self.process is not None
        total = _cpu_ticks(self.process.pid, children=True)
        for pid in self.workers():
            total += _cpu_ticks(pid)
        return total / CLK_TCK

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def _cpu_ticks(pid: int, *, children: bool = False) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = stat.rsplit(")", 1)[1].split()
    # fields after the name: state is 0, utime 11, stime 12, cutime 13, cstime 14
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks


# --- the load client ---------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: str

    @property
    def location(self) -> str:
        """The redirect's target as a path (and query)."""
        parts = urllib.parse.urlsplit(self.headers.get("location", ""))
        return parts.path + (f"?{parts.query}" if parts.query else "")


class Client:
    """One simulated person: cookies, their own client address, no redirects followed.
    `requests` counts the requests sent, `errors` the answers a caller called wrong."""

    def __init__(self, base_url: str, *, timeout: float = 30) -> None:
        parts = urllib.parse.urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        if self.host not in ("127.0.0.1", "localhost"):
            raise ValueError("the load client only talks to 127.0.0.1")
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.address = fresh_address()
        self.requests = 0

    def request(
        self,
        method: str,
        path: str,
        *,
        form: dict[str, str] | None = None,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        sent = {"X-Forwarded-For": self.address, "Connection": "close"}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        sent.update(headers or {})
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            self.requests += 1
            conn.request(method, path, body=body, headers=sent)
            answer = conn.getresponse()
            data = answer.read()
            for cookie in answer.headers.get_all("Set-Cookie") or []:
                name, _, rest = cookie.partition("=")
                value = rest.split(";", 1)[0]
                if "max-age=0" in cookie.lower() or "expires=thu, 01 jan 1970" in cookie.lower():
                    self.cookies.pop(name.strip(), None)
                else:
                    self.cookies[name.strip()] = value
            headers_out = {k.lower(): v for k, v in answer.headers.items()}
            return Response(answer.status, headers_out, data.decode("utf-8", "replace"))
        finally:
            conn.close()

    def get(self, path: str, **kw: Any) -> Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Response:
        return self.request("POST", path, **kw)


def csrf_token(page: str) -> str:
    """The CSRF token of the first form on `page`."""
    import re

    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'type="hidden" name="csrf_token" value="([^"]+)"', page
    )
    if match is None:
        raise BenchError("no CSRF token on the page")
    return match.group(1)


def login(client: Client, email: str, password: str = DEMO_PASSWORD) -> None:
    page = client.get("/login")
    answer = client.post(
        "/login", form={"csrf_token": csrf_token(page.body), "email": email, "password": password}
    )
    if answer.status not in (302, 303):
        raise BenchError(f"log-in as {email} answered {answer.status}")


class BenchError(Exception):
    """An operation went wrong (a wrong status, a missing link): counted as an error."""


@dataclass
class Load:
    """One measurement: `operations` completed in `seconds` by `clients` clients."""

    clients: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    requests: int = 0
    cpu_seconds: float | None = None
    error_samples: list[str] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)

    @property
    def operations(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        """Completed operations a second."""
        return self.operations / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """The p-th percentile latency in seconds (nearest rank)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
        return ordered[rank - 1]

    @property
    def p50(self) -> float:
        return self.percentile(50)

    @property
    def p99(self) -> float:
        return self.percentile(99)

    @property
    def cpu_per_request(self) -> float | None:
        if self.cpu_seconds is None or not self.requests:
            return None
        return self.cpu_seconds / self.requests

    def summary(self) -> str:
        cpu = self.cpu_per_request
        return (
            f"{self.clients:>3} clients {self.seconds:5.1f}s {self.operations:>6} ops "
            f"{self.rate:8.1f}/s p50 {self.p50 * 1000:7.1f} ms p99 {self.p99 * 1000:7.1f} ms "
            f"errors {self.errors} requests {self.requests}"
            + (f" cpu/req {cpu * 1000:.2f} ms" if cpu is not None else "")
        )


def load(
    base_url: str,
    operation: Callable[[Client], str | None],
    *,
    clients: int,
    seconds: float,
    operations: int | None = None,
    setup: Callable[[Client], None] | None = None,
    server: Server | None = None,
    per_operation_client: bool = False,
) -> Load:
    """Run `operation(client)` in `clients` threads until `seconds` have passed or
    `operations` were started; each call is timed. An exception (or an HTTP error it
    raises as BenchError) counts as an error; a returned string is the outcome's name.
    `setup(client)` (a log-in) runs for each client before the clock starts and is not
    counted. With `per_operation_client`, every operation gets a new client (a new
    person). With `server`, the server's CPU time over the run is measured too."""
    if seconds <= 0 or seconds > 600:
        raise ValueError("a load runs for more than 0 and at most 600 seconds")
    result = Load(clients=clients, seconds=0.0)
    lock = threading.Lock()
    started = 0
    ready = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def take() -> bool:
        nonlocal started
        with lock:
            if operations is not None and started >= operations:
                return False
            started += 1
            return True

    def worker() -> None:
        client = Client(base_url)
        failed = None
        if setup is not None:
            try:
                setup(client)
            except Exception as error:
                failed = error
        ready.wait()
        ready.wait()  # the clock has started
        if failed is not None:
            with lock:
                result.errors += 1
                result.error_samples.append(f"setup: {failed!r}")
            return
        sent = 0
        while time.monotonic() < stop_at[0] and take():
            person = Client(base_url) if per_operation_client else client
            before = person.requests
            begin = time.perf_counter()
            try:
                outcome = operation(person)
            except Exception as error:
                with lock:
                    result.errors += 1
                    result.requests += person.requests - before
                    if len(result.error_samples) < 5:
                        result.error_samples.append(repr(error))
                continue
            took = time.perf_counter() - begin
            sent = person.requests - before
            with lock:
                result.latencies.append(took)
                result.requests += sent
                if outcome:
                    result.outcomes[outcome] = result.outcomes.get(outcome, 0) + 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    ready.wait()
    cpu_before = server.cpu_seconds() if server is not None else None
    begin = time.monotonic()
    stop_at[0] = begin + seconds
    ready.wait()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    result.seconds = time.monotonic() - begin
    if server is not None and cpu_before is not None:
        result.cpu_seconds = server.cpu_seconds() - cpu_before
    return result


def interleave(measurements: dict[str, Callable[[], Load]], rounds: int) -> dict[str, list[Load]]:
    """`rounds` rounds of every measurement in turn (a, b, c, a, b, c, ...), so that what the
    shared machine does meanwhile falls on all of them alike."""
    found: dict[str, list[Load]] = {name: [] for name in measurements}
    for n in range(rounds):
        for name, measure in measurements.items():
            run = measure()
            found[name].append(run)
            print(f"  round {n + 1} {name:<28} {run.summary()}", flush=True)
            for sample in run.error_samples[:3]:
                print(f"      error: {sample}", flush=True)
    return found


def median(runs: Sequence[Load], figure: Callable[[Load], float | None]) -> float:
    values = [v for v in (figure(run) for run in runs) if v is not None]
    return statistics.median(values) if values else float("nan")


# --- results -----------------------------------------------------------------------------------


def row(
    what: str,
    podium: float,
    baseline: float | None,
    unit: str,
    target: str,
    *,
    ratio: float | None = None,
) -> dict:
    """One result: `ratio` is podium / baseline unless given."""
    if ratio is None and baseline:
        ratio = podium / baseline
    return {
        "what": what,
        "podium": round(podium, 4),
        "baseline": None if baseline is None else round(baseline, 4),
        "ratio": None if ratio is None else round(ratio, 3),
        "unit": unit,
        "target": target,
    }


def write_results(name: str, rows: list[dict], *, notes: list[str] | None = None) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    document: dict[str, Any] = {"measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    document["rows"] = rows
    if notes:
        document["notes"] = notes
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}")
    return path


@contextmanager
def databases(kinds: Sequence[str], name: str) -> Iterator[Iterator[Database]]:
    """Each database kind in turn (dropped afterwards)."""
    made: list[Database] = []

    def each() -> Iterator[Database]:
        for kind in kinds:
            database = Database(kind, name)
            made.append(database)
            yield database

    try:
        yield each()
    finally:
        for database in made:
            database.drop()
