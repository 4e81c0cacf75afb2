"""Benchmark awards.scoring.aggregate_all against a naive per-entry re-scan baseline.

Synthetic programme (fixed seed): N entries × 30 jurors × 4 weighted criteria on a 1–10 scale
in half points; every juror scores every entry, with about 0.2 % of the scores left out.

    .venv/bin/python bench/bench_scoring.py                  # 500 and 2,000 entries
    .venv/bin/python bench/bench_scoring.py --entries 2000 --naive-repeat 0   # skip baseline

aggregate_all is timed best of --repeat (default 3) runs with time.perf_counter; the baseline,
which re-scans the whole scorecard list for every entry (quadratic), best of --naive-repeat
(default 1). Both outputs are checked to agree on every rank and rounded total.
"""

from __future__ import annotations

import argparse
import decimal
import random
import statistics
import sys
import time
from collections.abc import Callable, Hashable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from awards.scoring import (
    METHODS,
    Criterion,
    EntryResult,
    Method,
    Scorecard,
    aggregate_all,
)

JURORS = 30
SEED = 20250301
CRITERIA = (
    Criterion("impact", Decimal(4), Decimal(1), Decimal(10), Decimal("0.5")),
    Criterion("originality", Decimal(3), Decimal(1), Decimal(10), Decimal("0.5")),
    Criterion("execution", Decimal(2), Decimal(1), Decimal(10), Decimal("0.5")),
    Criterion("presentation", Decimal(1), Decimal(1), Decimal(10), Decimal("0.5")),
)
CENT = Decimal("0.01")


def programme(entries: int, seed: int = SEED) -> list[Scorecard]:
    """Every juror scores every entry; each juror has a personal leniency; ~0.2 % missing."""
    rng = random.Random(seed)
    quality = [rng.uniform(3, 8) for _ in range(entries)]
    leniency = [rng.uniform(-1.5, 1.5) for _ in range(JURORS)]
    cards = []
    for e in range(entries):
        for j in range(JURORS):
            scores = {}
            for c in CRITERIA:
                if rng.random() < 0.002:
                    continue
                half_points = round(2 * (quality[e] + leniency[j] + rng.gauss(0, 1)))
                scores[c.key] = Decimal(min(20, max(2, half_points))) / 2
            cards.append(Scorecard(f"E{e:04d}", f"J{j:02d}", scores))
    return cards


# --- naive baseline: same rules, written the obvious way --------------------------------------


def _r2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _trimmed(values: list[Decimal], trim: int) -> Decimal:
    k = trim if len(values) > 2 * trim else (len(values) - 1) // 2
    return statistics.mean(sorted(values)[k : len(values) - k])


def naive_aggregate(
    cards: Sequence[Scorecard], method: Method, trim: int = 1, quorum: int = 1
) -> list[tuple[Hashable, int | None, Decimal | None]]:
    """(entry, rank, rounded total) per entry; re-scans every scorecard for every entry."""
    with decimal.localcontext(prec=50):
        entries = sorted({c.entry for c in cards}, key=str)
        zstats: dict[tuple[Hashable, str], tuple[Decimal, Decimal]] = {}
        if method == "zscore":
            for juror in {c.juror for c in cards}:
                mine = [c for c in cards if c.juror == juror]  # re-scan per juror
                for crit in CRITERIA:
                    xs = [c.scores[crit.key] for c in mine if crit.key in c.scores]
                    sd = statistics.pstdev(xs) if len(xs) >= 2 else Decimal(0)
                    zstats[(juror, crit.key)] = (statistics.mean(xs) if xs else Decimal(0), sd)
        rows = []
        for entry in entries:
            mine = [c for c in cards if c.entry == entry]  # the quadratic re-scan
            aggs: dict[str, Decimal | None] = {}
            for crit in CRITERIA:
                pairs = [(c.juror, c.scores[crit.key]) for c in mine if crit.key in c.scores]
                xs = [x for _, x in pairs]
                if not xs:
                    aggs[crit.key] = None
                elif method == "mean":
                    aggs[crit.key] = statistics.mean(xs)
                elif method == "median":
                    aggs[crit.key] = statistics.median(xs)
                elif method == "trimmed":
                    aggs[crit.key] = _trimmed(xs, trim)
                else:
                    mid, span = (crit.min + crit.max) / 2, crit.max - crit.min
                    vals = []
                    for juror, x in pairs:
                        mean, sd = zstats[(juror, crit.key)]
                        v = mid + ((x - mean) / sd if sd else 0) * span / 6
                        vals.append(min(crit.max, max(crit.min, v)))
                    aggs[crit.key] = statistics.mean(vals)
            present = [c for c in CRITERIA if aggs[c.key] is not None]
            total = None
            if present:
                total = _r2(
                    sum(c.weight * aggs[c.key] for c in present) / sum(c.weight for c in present)
                )
            card_totals = []
            for c in mine:
                ws = [k for k in CRITERIA if k.key in c.scores]
                if ws:
                    num = sum(k.weight * c.scores[k.key] for k in ws)
                    card_totals.append(num / sum(k.weight for k in ws))
            spread = _r2(statistics.pstdev(card_totals)) if len(card_totals) >= 2 else 0
            rows.append((entry, total, aggs, spread, len(mine)))
        order = sorted(CRITERIA, key=lambda c: -c.weight)  # stable: ties keep argument order

        def key(row: tuple) -> tuple:
            entry, total, aggs, spread, n = row
            crit = tuple(
                (0, -_r2(aggs[c.key])) if aggs[c.key] is not None else (1, 0) for c in order
            )
            return (-total, crit, spread, -n, str(entry))

        ok = sorted((r for r in rows if r[1] is not None and r[4] >= quorum), key=key)
        rest = sorted((r for r in rows if r[1] is None or r[4] < quorum), key=lambda r: str(r[0]))
        return [(r[0], i, r[1]) for i, r in enumerate(ok, 1)] + [(r[0], None, r[1]) for r in rest]


def naive_aggregate_all(cards: Sequence[Scorecard]) -> dict[Method, list[tuple]]:
    return {m: naive_aggregate(cards, m) for m in METHODS}


# --- timing ---------------------------------------------------------------------------------------


def best_of(repeat: int, fn: Callable[[], object]) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def _summary(results: dict[Method, list[EntryResult]]) -> dict[Method, list[tuple]]:
    return {m: [(r.entry, r.rank, r.total) for r in rs] for m, rs in results.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, nargs="+", default=[500, 2000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--naive-repeat", type=int, default=1, help="0 skips the baseline")
    args = parser.parse_args(argv)

    print(f"awards.scoring.aggregate_all: {JURORS} jurors × {len(CRITERIA)} criteria, 4 methods")
    print(f"{'entries':>8} {'scores':>9} {'aggregate_all':>14} {'naive':>9} {'ratio':>7}")
    for n in args.entries:
        cards = programme(n)
        scores = sum(len(c.scores) for c in cards)
        fast, results = best_of(args.repeat, lambda cards=cards: aggregate_all(CRITERIA, cards))
        naive_cell = ratio_cell = "-"
        if args.naive_repeat > 0:
            slow, baseline = best_of(
                args.naive_repeat, lambda cards=cards: naive_aggregate_all(cards)
            )
            assert baseline == _summary(results), "naive baseline disagrees with aggregate_all"
            naive_cell, ratio_cell = f"{slow:8.2f}s", f"{slow / fast:6.1f}x"
        print(f"{n:>8} {scores:>9} {fast:>13.2f}s {naive_cell:>9} {ratio_cell:>7}")


if __name__ == "__main__":
    main()
