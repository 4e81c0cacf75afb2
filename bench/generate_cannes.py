"""Generate a Cannes-size awards programme straight into a database (bulk inserts, seeded).

Full size (the default, ``--scale 1``): 27,000 eligible entries in 30 categories, 300 jurors
(10 per category, each category's panel), 4 weighted criteria (1-10 in half points) and
972,000 submitted scores: every entry is scored by 9 of its category's 10 jurors (the tenth
recused), each juror with a personal leniency so z-scoring has something to correct. About
0.5 % of the entries also carry an upheld conflict with one of their scorers (that
scorecard must not count) and 0.1 % of the scores are left empty (NULL).

``--scale`` shrinks entries (per category) and categories together; ``--entries``,
``--categories``, ``--jurors-per-category`` and ``--scorers`` set them exactly (the tests
use a tiny programme). The schema is built by the real migrations (``flask db upgrade``)
unless ``--no-schema``. Rows are written with plain INSERT executemany (SQLite) or COPY
(PostgreSQL) with explicit ids, never through ORM objects.

    .venv/bin/python bench/generate_cannes.py --url sqlite:////tmp/cannes.sqlite
    .venv/bin/python bench/generate_cannes.py --url postgresql://postgres@127.0.0.1:5432/bench_results --scale 0.1

It also writes, with ``--csv PATH``, the same scores as a CSV for ``flask awards
import-scores`` (entry, juror, criterion, score) and, with ``--programme-json PATH``, the
programme as a ``flask awards load-programme`` document (then nothing is written to the
database unless ``--url`` is given too).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEED = 20261203
SLUG = "cannes"
CRITERIA = (  # key, weight, English name
    ("idea", 4, "Idea"),
    ("craft", 3, "Craft"),
    ("impact", 2, "Impact"),
    ("fit", 1, "Fit"),
)
OPEN = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
CLOSE = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)
SCORING_OPEN = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
SCORING_CLOSE = datetime(2026, 5, 20, 17, 0, tzinfo=UTC)
PUBLISH = datetime(2026, 6, 20, 19, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Size:
    categories: int = 30
    entries_per_category: int = 900
    jurors_per_category: int = 10
    scorers: int = 9  # jurors scoring each entry (the others recuse)
    conflict_rate: float = 0.005
    empty_rate: float = 0.001
    seed: int = SEED

    @classmethod
    def scaled(cls, scale: float, **exact) -> Size:
        """Full size shrunk by `scale` (entries per category and categories alike, at least
        one of each); keyword arguments override a field exactly."""
        size = cls(
            categories=max(1, round(30 * min(1.0, scale**0.5))),
            entries_per_category=max(1, round(900 * min(1.0, scale**0.5))),
        )
        return cls(**{**size.__dict__, **{k: v for k, v in exact.items() if v is not None}})

    @property
    def entries(self) -> int:
        return self.categories * self.entries_per_category

    @property
    def jurors(self) -> int:
        return self.categories * self.jurors_per_category


def juror_email(j: int) -> str:
    return f"juror{j:04d}@jury.example"


def entry_ref(e: int) -> str:
    return f"E{e:06d}"


def score_rows(size: Size) -> Iterator[tuple[int, int, int, list[int | None]]]:
    """(entry number, juror number, conflicted?, [value in cents per criterion]) for every
    scorecard, in entry order; seeded, so the same size gives the same scores."""
    rng = random.Random(size.seed)
    leniency = [rng.uniform(-1.5, 1.5) for _ in range(size.jurors)]
    scorers = min(size.scorers, size.jurors_per_category)
    for e in range(size.entries):
        category = e // size.entries_per_category
        panel = range(
            category * size.jurors_per_category, (category + 1) * size.jurors_per_category
        )
        quality = rng.uniform(3, 8)
        chosen = sorted(rng.sample(panel, scorers))
        conflicted = chosen[rng.randrange(len(chosen))] if rng.random() < size.conflict_rate else -1
        for j in chosen:
            values: list[int | None] = []
            for _ in CRITERIA:
                if rng.random() < size.empty_rate:
                    values.append(None)
                    continue
                half_points = round(2 * (quality + leniency[j] + rng.gauss(0, 1)))
                values.append(min(20, max(2, half_points)) * 50)  # 1..10 in half points, cents
            yield e, j, int(j == conflicted), values


def _chunks(rows: Iterable[tuple], n: int = 20_000) -> Iterator[list[tuple]]:
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= n:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def sqlalchemy_url(url: str) -> str:
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def build_schema(url: str) -> None:
    """The real migrations on `url` (as `flask db upgrade` runs them)."""
    os.environ["DATABASE_URL"] = url
    from flask_migrate import upgrade

    from podium import create_app

    app = create_app()
    with app.app_context():
        upgrade()


def _insert(conn: sa.Connection, table: str, columns: list[str], rows: Iterable[tuple]) -> int:
    """Rows into `table` (raw stored values, no type processing): COPY on PostgreSQL,
    executemany INSERT otherwise. Returns the count."""
    count = 0
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        assert raw is not None
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    clause = sa.table(table, *(sa.column(c) for c in columns)).insert()
    for chunk in _chunks(rows):
        conn.execute(clause, [dict(zip(columns, row, strict=True)) for row in chunk])
        count += len(chunk)
    return count


def _naive(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(tzinfo=None)


def generate(url: str, size: Size, *, schema: bool = True, slug: str = SLUG) -> dict[str, int]:
    """Write the programme into the database at `url`; returns the row counts. The database
    must not hold a programme `slug` yet (ids are taken above the existing ones)."""
    url = sqlalchemy_url(url)
    if schema:
        build_schema(url)
    engine = sa.create_engine(url)
    counts: dict[str, int] = {}
    with engine.begin() as conn:

        def next_id(table: str) -> int:
            return (
                int(conn.execute(sa.text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar_one())
                + 1
            )

        now = _naive(SCORING_CLOSE)
        programme_id = next_id("programmes")
        counts["programmes"] = _insert(
            conn,
            "programmes",
            ["id", "slug", "name", "timezone", "submissions_open_at", "submissions_close_at",
             "scoring_open_at", "scoring_close_at", "publish_at", "quorum", "trim", "method",
             "jury_terms_nl", "jury_terms_en", "created_at"],
            [(programme_id, slug, "Cannes-size awards", "Europe/Paris", _naive(OPEN), _naive(CLOSE),
              _naive(SCORING_OPEN), now, _naive(PUBLISH), 3, 1, "mean", "", "", _naive(OPEN))],
        )  # fmt: skip
        category0 = next_id("categories")
        counts["categories"] = _insert(
            conn,
            "categories",
            ["id", "programme_id", "slug", "name_nl", "name_en", "description_nl",
             "description_en", "shortlist_size", "position"],
            [(category0 + c, programme_id, f"lion-{c + 1:02d}", f"Leeuw {c + 1}", f"Lion {c + 1}",
              "", "", 5, c) for c in range(size.categories)],
        )  # fmt: skip
        criterion0 = next_id("criteria")
        counts["criteria"] = _insert(
            conn,
            "criteria",
            ["id", "programme_id", "key", "name_nl", "name_en", "rubric_nl", "rubric_en",
             "weight", "min_score", "max_score", "step", "position", "round_no"],
            [(criterion0 + i, programme_id, key, name, name, "", "", weight * 1000, 100, 1000,
              50, i, None) for i, (key, weight, name) in enumerate(CRITERIA)],
        )  # fmt: skip
        user0, member0 = next_id("users"), next_id("jury_members")
        counts["users"] = _insert(
            conn,
            "users",
            ["id", "email", "name", "password_hash", "email_verified_at", "is_admin", "locale",
             "created_at", "session_token", "is_staff"],
            [(user0 + j, juror_email(j), f"Juror {j}", None, None, False, "en", _naive(OPEN),
              f"bench{j:059d}", False) for j in range(size.jurors)],
        )  # fmt: skip
        counts["jury_members"] = _insert(
            conn,
            "jury_members",
            ["id", "programme_id", "user_id", "role", "affiliation", "invited_at",
             "terms_accepted_at"],
            [(member0 + j, programme_id, user0 + j, "chair" if j == 0 else "member",
              affiliation(j), _naive(OPEN), _naive(OPEN)) for j in range(size.jurors)],
        )  # fmt: skip
        entry0 = next_id("entries")
        counts["entries"] = _insert(
            conn,
            "entries",
            ["id", "programme_id", "category_id", "owner_id", "ref", "organisation", "title",
             "summary", "case_text", "status", "screening_reason", "created_at", "updated_at",
             "submitted_at"],
            ((entry0 + e, programme_id, category0 + e // size.entries_per_category, None,
              entry_ref(e), organisation(e), f"Campaign {e}", "", "", "eligible", "",
              _naive(OPEN), _naive(CLOSE), _naive(CLOSE)) for e in range(size.entries)),
        )  # fmt: skip
        card0, score0, conflict0 = next_id("scorecards"), next_id("scores"), next_id("conflicts")
        cards: list[tuple] = []
        scores: list[tuple] = []
        conflicts: list[tuple] = []
        for e, j, conflicted, values in score_rows(size):
            card_id = card0 + len(cards)
            cards.append((card_id, member0 + j, entry0 + e, 1, "submitted", "", False, now, now))
            for i, value in enumerate(values):
                scores.append((score0 + len(scores), card_id, criterion0 + i, value, "", False))
            if conflicted:
                conflicts.append((conflict0 + len(conflicts), member0 + j, entry0 + e,
                                  "declared", "", "upheld", "", None, None, now))  # fmt: skip
        counts["scorecards"] = _insert(
            conn,
            "scorecards",
            ["id", "jury_member_id", "entry_id", "round_no", "status", "comment",
             "feedback_shared", "updated_at", "submitted_at"],
            cards,
        )  # fmt: skip
        del cards
        counts["scores"] = _insert(
            conn,
            "scores",
            ["id", "scorecard_id", "criterion_id", "value", "comment", "feedback_shared"],
            scores,
        )
        del scores
        counts["conflicts"] = _insert(
            conn,
            "conflicts",
            ["id", "jury_member_id", "entry_id", "source", "reason", "status", "ruling_note",
             "ruled_by_id", "ruled_at", "created_at"],
            conflicts,
        )  # fmt: skip
        if conn.dialect.name == "postgresql":
            for table in ("scores", "scorecards", "entries", "conflicts"):
                conn.execute(sa.text(f"ANALYZE {table}"))
            for table in ("programmes", "categories", "criteria", "users", "jury_members",
                          "entries", "scorecards", "scores", "conflicts"):  # fmt: skip
                conn.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                    )
                )
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.execute(sa.text("ANALYZE"))
    engine.dispose()
    return counts


def organisation(e: int) -> str:
    return f"Agency {e % 1013}"


def affiliation(j: int) -> str:
    """A juror's affiliation in the programme JSON: some entries' organisation, so that
    load-programme detects conflicts (about one pair in 1,013)."""
    return f"Agency {j % 97}"


def write_csv(path: Path, size: Size) -> int:
    """The scores as an import-scores CSV (entry, juror, criterion, score); returns lines.
    A juror's scores of an entry of their own organisation (`affiliation`) are left out:
    the programme JSON's conflicts bar them."""
    lines = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["entry", "juror", "criterion", "score"])
        for e, j, _conflicted, values in score_rows(size):
            if affiliation(j) == organisation(e):
                continue
            for (key, _w, _n), value in zip(CRITERIA, values, strict=True):
                if value is None:
                    value = 500  # the import needs every value: the empty ones are a 5
                writer.writerow([entry_ref(e), juror_email(j), key, f"{value / 100:g}"])
                lines += 1
    return lines


def programme_document(size: Size, slug: str = SLUG) -> dict:
    """The programme (criteria, categories, jury, entries; no scores) as load-programme JSON."""

    def both(text: str) -> dict[str, str]:
        return {"nl": text, "en": text}

    return {
        "slug": slug,
        "name": "Cannes-size awards",
        "timezone": "Europe/Paris",
        "timeline": {
            "submissions_open": OPEN.isoformat(),
            "submissions_close": CLOSE.isoformat(),
            "scoring_open": SCORING_OPEN.isoformat(),
            "scoring_close": SCORING_CLOSE.isoformat(),
            "publish_at": PUBLISH.isoformat(),
        },
        "quorum": 3,
        "criteria": [
            {"key": key, "name": both(name), "weight": weight, "min": 1, "max": 10, "step": 0.5}
            for key, weight, name in CRITERIA
        ],
        "categories": [
            {"slug": f"lion-{c + 1:02d}", "name": both(f"Lion {c + 1}"), "shortlist_size": 5}
            for c in range(size.categories)
        ],
        "jury": [
            {"email": juror_email(j), "name": f"Juror {j}", "affiliation": affiliation(j)}
            for j in range(size.jurors)
        ],
        "entries": [
            {
                "ref": entry_ref(e),
                "category": f"lion-{e // size.entries_per_category + 1:02d}",
                "organisation": organisation(e),
                "title": f"Campaign {e}",
                "status": "eligible",
            }
            for e in range(size.entries)
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="database URL (sqlite:///... or postgresql://...)")
    parser.add_argument("--scale", type=float, default=1.0, help="1 = Cannes size (default)")
    parser.add_argument("--categories", type=int)
    parser.add_argument("--entries", type=int, dest="entries_per_category",
                        help="entries per category")  # fmt: skip
    parser.add_argument("--jurors-per-category", type=int)
    parser.add_argument("--scorers", type=int, help="jurors scoring each entry")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--slug", default=SLUG)
    parser.add_argument("--no-schema", action="store_true", help="the schema exists already")
    parser.add_argument("--csv", type=Path, help="also write the scores as an import CSV")
    parser.add_argument("--programme-json", type=Path, help="also write load-programme JSON")
    args = parser.parse_args(argv)
    size = Size.scaled(
        args.scale,
        categories=args.categories,
        entries_per_category=args.entries_per_category,
        jurors_per_category=args.jurors_per_category,
        scorers=args.scorers,
        seed=args.seed,
    )
    started = time.perf_counter()
    if args.url:
        counts = generate(args.url, size, schema=not args.no_schema, slug=args.slug)
        print(json.dumps(counts), file=sys.stderr)
    if args.csv:
        print(f"{write_csv(args.csv, size)} CSV lines in {args.csv}", file=sys.stderr)
    if args.programme_json:
        args.programme_json.write_text(json.dumps(programme_document(size, args.slug)))
    print(f"generated in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
