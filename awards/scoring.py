"""Aggregation of jury scores into per-entry totals and a ranking.

Pure functions over plain values: standard library only, ``Decimal`` throughout (never float).
All arithmetic runs in a local decimal context of ``PRECISION`` (50) digits, so sums of scores
are exact and only divisions and square roots round (at the 50th digit).

Rules (this is the specification):

* Input. ``criteria`` is a non-empty sequence of ``Criterion`` with distinct keys. Each
  ``Scorecard`` is one juror's *submitted* scores for one entry; recusals simply have no
  scorecard. ``entries`` lists every entry to report (entries without scorecards still appear);
  if ``None``, the entries seen in ``scorecards`` are reported. ``aggregate`` does not check
  values against a criterion's scale (use ``validate_score`` when scores are entered), but every
  value must be a finite ``Decimal`` (an ``int`` is accepted and converted exactly).
  ``scorecards`` in a result counts every submitted scorecard, even one with no values.
* Missing scores. A key that is absent (or maps to ``None``) is skipped for that criterion only.
  A criterion nobody scored for an entry has aggregate ``None``.
* Per criterion per entry, the jurors' values are combined with ``method``:

  - ``mean``: arithmetic mean.
  - ``median``: middle value; mean of the two middle values for an even count.
  - ``trimmed``: drop the ``trim`` highest and ``trim`` lowest values and take the mean of the
    rest; when ``n <= 2 * trim`` the trim is reduced to ``(n - 1) // 2`` (so one or two values
    give the plain mean).
  - ``zscore``: each juror's value is standardised against all the values that juror gave on
    that criterion in ``zscore_population`` (default: the scorecards passed in):
    ``z = (x - mean_j) / sd_j`` (population sd); ``z = 0`` if the juror scored fewer than two
    entries on the criterion or ``sd_j == 0``. It is rescaled onto the criterion's scale as
    ``mid + z * (max - min) / 6`` with ``mid = (min + max) / 2``, clamped into ``[min, max]``,
    and the mean over jurors is taken. Replacing one juror's raw values ``x`` by ``a*x + b``
    (``a > 0``) leaves every zscore result unchanged.

* Weighted total: ``sum(w_c * a_c) / sum(w_c)`` over the criteria that have an aggregate, using
  the unrounded aggregates; ``None`` if no criterion has one. It stays on the criteria's scale.
* Rounding: totals, per-criterion aggregates and disagreement are reported rounded to two
  decimals with ``ROUND_HALF_UP`` (ties away from zero: 7.125 -> 7.13).
* Disagreement: population standard deviation of the per-scorecard raw weighted totals (each
  scorecard's weighted mean over the criteria it scored, before any z-scoring), identical for
  every method; ``None`` with fewer than two such scorecards.
* Quorum: an entry is ``sufficient`` when it has at least ``quorum`` scorecards. Only sufficient
  entries with a total are ranked; the others get rank ``None`` and are listed after the ranked
  ones, ordered by ``str(entry)``.
* Ranking: rounded total descending; equal rounded totals are separated, in this order, by
  (1) the rounded per-criterion aggregates, criterion by criterion in descending weight order
  (equal weights: order of ``criteria``), higher first, an aggregate beating ``None``;
  (2) lower rounded disagreement (``None`` counts as 0); (3) more scorecards; (4) ``str(entry)``
  ascending (``repr(entry)`` if two keys print alike). Ranks are 1..n, never shared.
  ``tie_break`` names the rule that placed an entry below the one ranked directly above it
  when their rounded totals are equal (``"criterion:<key>"``, ``"disagreement"``,
  ``"scorecards"``, ``"entry"``), else ``None``.
* The result does not depend on the order of ``scorecards`` or ``entries``.

Errors are ``ScoringError`` (a ``ValueError``) whose ``code`` says why:

* ``no_criteria`` empty ``criteria``; ``duplicate_criterion`` two criteria share a key;
  ``bad_criterion`` (from ``Criterion(...)``) empty key, non-Decimal or non-finite field,
  ``weight <= 0``, ``step <= 0`` or ``min > max``;
* ``unknown_criterion`` a scorecard key not among the criteria; ``duplicate_scorecard`` two
  scorecards for the same (entry, juror); ``unknown_entry`` a scorecard for an entry missing
  from an explicit ``entries`` (``zscore_population`` is checked the same way, except entries);
* ``not_a_number`` a NaN or infinite value; ``not_a_decimal`` a float or other non-Decimal;
* ``out_of_scale`` (``validate_score`` only) outside ``[min, max]`` or off the step grid;
* ``bad_method``, ``bad_trim`` (``trim < 0``), ``bad_quorum`` (``quorum < 1``).
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from .ranking import EntryResult, build_result, rank_results

__all__ = [
    "METHODS",
    "Criterion",
    "EntryResult",
    "JurorStats",
    "Method",
    "Scorecard",
    "ScoringError",
    "aggregate",
    "aggregate_all",
    "juror_stats",
    "validate_score",
]

Method = Literal["mean", "median", "trimmed", "zscore"]
METHODS: tuple[Method, ...] = ("mean", "median", "trimmed", "zscore")

PRECISION = 50
_EXACT = decimal.Context(prec=decimal.MAX_PREC)  # remainders on the step grid are exact
Stats = dict[tuple[Hashable, int], list[Decimal]]  # (juror, criterion index) -> [n, sum, sum sq]
Factors = dict[tuple[Hashable, int], tuple[Decimal, Decimal, Decimal]]
#: a z-score population summed up: (juror, criterion key) -> (count, sum, sum of squares) of
#: the values that juror gave on that criterion, exact (`juror_stats`, or a database's SUMs)
JurorStats = Mapping[tuple[Hashable, str], tuple[Decimal, Decimal, Decimal]]


class ScoringError(ValueError):
    """A domain error; ``code`` is a stable machine-readable identifier (see module doc)."""

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(message or code)
        self.code = code


def _decimal(value: object, code: str, what: str) -> Decimal:
    """``value`` as a finite Decimal (ints convert exactly); ScoringError(code) otherwise."""
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if not isinstance(value, Decimal):
        raise ScoringError(code, f"{what} must be a Decimal, not {type(value).__name__}")
    if not value.is_finite():
        raise ScoringError("not_a_number" if code == "not_a_decimal" else code, f"{what}: {value}")
    return value


@dataclass(frozen=True)
class Criterion:
    """A scored criterion. Raises ScoringError("bad_criterion") unless ``key`` is a non-empty
    string, ``weight > 0``, ``step > 0`` and ``min <= max``, all finite (ints are converted)."""

    key: str
    weight: Decimal
    min: Decimal
    max: Decimal
    step: Decimal

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not self.key:
            raise ScoringError("bad_criterion", f"bad criterion key {self.key!r}")
        for name in ("weight", "min", "max", "step"):
            value = _decimal(getattr(self, name), "bad_criterion", f"{self.key}.{name}")
            object.__setattr__(self, name, value)
        if self.weight <= 0 or self.step <= 0 or self.min > self.max:
            raise ScoringError("bad_criterion", f"{self.key}: need weight>0, step>0, min<=max")


@dataclass(frozen=True)
class Scorecard:
    """One juror's submitted scores for one entry: criterion key -> value (keys may be absent)."""

    entry: Hashable
    juror: Hashable
    scores: Mapping[str, Decimal | None]


def validate_score(criterion: Criterion, value: Decimal) -> None:
    """Check one score. Raises ScoringError: ``not_a_number`` for NaN/infinity,
    ``not_a_decimal`` for a float or other non-Decimal (ints are fine), ``out_of_scale``
    when outside ``[min, max]`` or not on the grid ``min + n * step``."""
    value = _decimal(value, "not_a_decimal", criterion.key)
    if not criterion.min <= value <= criterion.max:
        raise ScoringError("out_of_scale", f"{criterion.key}: {value} outside the scale")
    if _EXACT.remainder(value - criterion.min, criterion.step) != 0:
        raise ScoringError("out_of_scale", f"{criterion.key}: {value} is not on the step grid")


@dataclass
class _Prepared:
    """Validated scores grouped once: entry -> per criterion index -> values and their jurors."""

    criteria: tuple[Criterion, ...]
    values: dict[Hashable, list[list[Decimal]]] = field(default_factory=dict)
    jurors: dict[Hashable, list[list[Hashable]]] = field(default_factory=dict)
    counts: dict[Hashable, int] = field(default_factory=dict)
    card_totals: dict[Hashable, list[Decimal]] = field(default_factory=dict)

    def add_entry(self, entry: Hashable) -> None:
        if entry not in self.values:
            self.values[entry] = [[] for _ in self.criteria]
            self.jurors[entry] = [[] for _ in self.criteria]
            self.counts[entry] = 0
            self.card_totals[entry] = []


def _check_criteria(criteria: Sequence[Criterion]) -> tuple[Criterion, ...]:
    crits = tuple(criteria)
    if not crits:
        raise ScoringError("no_criteria", "at least one criterion is required")
    if len({c.key for c in crits}) != len(crits):
        raise ScoringError("duplicate_criterion", "criterion keys must be distinct")
    return crits


def _prepare(
    crits: tuple[Criterion, ...],
    scorecards: Iterable[Scorecard],
    entries: Iterable[Hashable] | None,
) -> _Prepared:
    """Validate and group all scorecards in a single pass."""
    data = _Prepared(crits)
    index = {c.key: i for i, c in enumerate(crits)}
    weights = [c.weight for c in crits]
    for entry in entries or ():
        data.add_entry(entry)
    seen: set[tuple[Hashable, Hashable]] = set()
    for card in scorecards:
        entry, juror = card.entry, card.juror
        if (entry, juror) in seen:
            raise ScoringError("duplicate_scorecard", f"two scorecards by {juror!r} for {entry!r}")
        seen.add((entry, juror))
        if entry not in data.values:
            if entries is not None:
                raise ScoringError("unknown_entry", f"scorecard for unlisted entry {entry!r}")
            data.add_entry(entry)
        row, jrow = data.values[entry], data.jurors[entry]
        data.counts[entry] += 1
        num = den = Decimal(0)
        for key, raw in card.scores.items():
            i = index.get(key)
            if i is None:
                raise ScoringError("unknown_criterion", f"unknown criterion {key!r}")
            if raw is None:
                continue
            if type(raw) is not Decimal or not raw.is_finite():  # fast path for plain Decimals
                raw = _decimal(raw, "not_a_decimal", key)
            row[i].append(raw)
            jrow[i].append(juror)
            num += weights[i] * raw
            den += weights[i]
        if den:
            data.card_totals[entry].append(num / den)
    return data


def _juror_stats(data: _Prepared) -> Stats:
    """Per (juror, criterion index): [count, sum, sum of squares] — exact sums."""
    stats: Stats = {}
    for entry, row in data.values.items():
        for i, (values, jurors) in enumerate(zip(row, data.jurors[entry], strict=True)):
            for juror, x in zip(jurors, values, strict=True):
                acc = stats.get((juror, i))
                if acc is None:
                    stats[(juror, i)] = [Decimal(1), x, x * x]
                else:
                    acc[0] += 1
                    acc[1] += x
                    acc[2] += x * x
    return stats


def _zscore_factors(crits: tuple[Criterion, ...], stats: Stats) -> Factors:
    """(juror, i) -> (n, S, F) so that a value x maps to mid + (n*x - S) * F (F=0 gives z=0).

    z = (x - S/n) / sqrt(Q/n - (S/n)^2) = (n*x - S) / sqrt(n*Q - S^2): numerator and radicand
    are exact, so sd == 0 is detected exactly and an affine rescaling of x cancels out."""
    factors: Factors = {}
    for (juror, i), (n, s, q) in stats.items():
        radicand = n * q - s * s
        c = crits[i]
        scale = (c.max - c.min) / 6 / radicand.sqrt() if n >= 2 and radicand > 0 else Decimal(0)
        factors[(juror, i)] = (n, s, scale)
    return factors


def _mean(values: list[Decimal]) -> Decimal:
    return sum(values, Decimal(0)) / len(values)


def _median(values: list[Decimal]) -> Decimal:
    ordered, half = sorted(values), len(values) // 2
    return ordered[half] if len(values) % 2 else (ordered[half - 1] + ordered[half]) / 2


def _trimmed(values: list[Decimal], trim: int) -> Decimal:
    n = len(values)
    k = trim if n > 2 * trim else (n - 1) // 2
    return _mean(sorted(values)[k : n - k])


def _raw(
    data: _Prepared, method: Method, trim: int, stats: Stats | None
) -> dict[Hashable, list[Decimal | None]]:
    """Unrounded per-criterion aggregates for every entry (one pass over the grouped data)."""
    crits = data.criteria
    out: dict[Hashable, list[Decimal | None]] = {}
    if method == "zscore":
        factors = _zscore_factors(crits, stats if stats is not None else _juror_stats(data))
        none = (Decimal(1), Decimal(0), Decimal(0))
        bounds = [(c.min, c.max, (c.min + c.max) / 2) for c in crits]
        for entry, row in data.values.items():
            aggs: list[Decimal | None] = []
            for i, (values, jurors) in enumerate(zip(row, data.jurors[entry], strict=True)):
                lo, hi, mid = bounds[i]
                mapped = []
                for juror, x in zip(jurors, values, strict=True):
                    n, s, f = factors.get((juror, i), none)
                    v = mid + (n * x - s) * f if f else mid
                    mapped.append(lo if v < lo else hi if v > hi else v)
                aggs.append(_mean(sorted(mapped)) if mapped else None)
            out[entry] = aggs
        return out
    fn: Callable[[list[Decimal]], Decimal] = {
        "mean": _mean,
        "median": _median,
        "trimmed": lambda values: _trimmed(values, trim),
    }[method]
    for entry, row in data.values.items():
        out[entry] = [fn(values) if values else None for values in row]
    return out


def _check_options(method: str, trim: int, quorum: int) -> None:
    if method not in METHODS:
        raise ScoringError("bad_method", f"unknown method {method!r}; one of {METHODS}")
    if isinstance(trim, bool) or not isinstance(trim, int) or trim < 0:
        raise ScoringError("bad_trim", "trim must be an int >= 0")
    if isinstance(quorum, bool) or not isinstance(quorum, int) or quorum < 1:
        raise ScoringError("bad_quorum", "quorum must be an int >= 1")


def _results(
    data: _Prepared, raw: dict[Hashable, list[Decimal | None]], quorum: int
) -> list[EntryResult[Hashable]]:
    """Round, total and rank (see ``awards.ranking``)."""
    crits, counts, totals = data.criteria, data.counts, data.card_totals
    return rank_results(
        [build_result(e, crits, a, counts[e], totals[e], quorum) for e, a in raw.items()], crits
    )


def _compute(
    criteria: Sequence[Criterion],
    scorecards: Iterable[Scorecard],
    entries: Iterable[Hashable] | None,
    method: Method,
    trim: int,
    population: Iterable[Scorecard] | None,
    summed: JurorStats | None = None,
) -> tuple[_Prepared, dict[Hashable, list[Decimal | None]]]:
    """Validate, group and aggregate; must run inside the PRECISION context."""
    crits = _check_criteria(criteria)
    data = _prepare(crits, scorecards, entries)
    stats = None
    if method == "zscore" and summed is not None:
        stats = _indexed_stats(crits, summed)
    elif method == "zscore" and population is not None:
        stats = _juror_stats(_prepare(crits, population, None))
    return data, _raw(data, method, trim, stats)


def _indexed_stats(crits: tuple[Criterion, ...], summed: JurorStats) -> Stats:
    """`summed` (by criterion key) as `_juror_stats` keeps it (by criterion index)."""
    index = {c.key: i for i, c in enumerate(crits)}
    return {
        (juror, index[key]): [n, s, q] for (juror, key), (n, s, q) in summed.items() if key in index
    }


def juror_stats(criteria: Sequence[Criterion], population: Iterable[Scorecard]) -> JurorStats:
    """`population` summed up as ``zscore_stats`` takes it: per (juror, criterion key) the
    count, sum and sum of squares of the values, exact. ``aggregate(..., zscore_stats=
    juror_stats(criteria, population))`` equals ``aggregate(..., zscore_population=
    population)``. Validates `population` like ``aggregate`` does (ScoringError)."""
    with decimal.localcontext(prec=PRECISION):
        crits = _check_criteria(criteria)
        stats = _juror_stats(_prepare(crits, population, None))
    return {(juror, crits[i].key): (n, s, q) for (juror, i), (n, s, q) in stats.items()}


def _aggregate_raw(
    criteria: Sequence[Criterion],
    scorecards: Iterable[Scorecard],
    entries: Iterable[Hashable] | None = None,
    *,
    method: Method = "mean",
    trim: int = 1,
    zscore_population: Iterable[Scorecard] | None = None,
    zscore_stats: JurorStats | None = None,
) -> dict[Hashable, dict[str, Decimal | None]]:
    """Unrounded per-criterion aggregates by entry (same rules and errors as ``aggregate``).

    Internal: exposed for tests that need the exact values behind the rounded report."""
    _check_options(method, trim, 1)
    with decimal.localcontext(prec=PRECISION):
        data, raw = _compute(
            criteria, scorecards, entries, method, trim, zscore_population, zscore_stats
        )
    keys = [c.key for c in data.criteria]
    return {e: dict(zip(keys, aggs, strict=True)) for e, aggs in raw.items()}


def aggregate(
    criteria: Sequence[Criterion],
    scorecards: Iterable[Scorecard],
    entries: Iterable[Hashable] | None = None,
    *,
    method: Method = "mean",
    trim: int = 1,
    quorum: int = 1,
    zscore_population: Iterable[Scorecard] | None = None,
    zscore_stats: JurorStats | None = None,
) -> list[EntryResult[Hashable]]:
    """Aggregate, total and rank the entries by the module's rules.

    The z-score population is ``zscore_stats`` (its sums, `juror_stats`) when given, else
    ``zscore_population``, else ``scorecards``.
    Returns one ``EntryResult`` per entry: ranked entries by rank, then the unranked ones by
    ``str(entry)``. Raises ``ScoringError`` (codes in the module docstring) for bad input."""
    _check_options(method, trim, quorum)
    with decimal.localcontext(prec=PRECISION):
        data, raw = _compute(
            criteria, scorecards, entries, method, trim, zscore_population, zscore_stats
        )
        return _results(data, raw, quorum)


def aggregate_all(
    criteria: Sequence[Criterion],
    scorecards: Iterable[Scorecard],
    entries: Iterable[Hashable] | None = None,
    *,
    trim: int = 1,
    quorum: int = 1,
    zscore_stats: JurorStats | None = None,
) -> dict[Method, list[EntryResult[Hashable]]]:
    """``aggregate`` with each of ``METHODS``, validating and grouping the data only once;
    the z-scores over ``zscore_stats`` when given (as ``aggregate`` takes it), else over the
    scorecards given. Raises ``ScoringError`` like ``aggregate``."""
    _check_options("mean", trim, quorum)
    with decimal.localcontext(prec=PRECISION):
        crits = _check_criteria(criteria)
        data = _prepare(crits, scorecards, entries)
        stats = _indexed_stats(crits, zscore_stats) if zscore_stats is not None else None
        return {
            m: _results(data, _raw(data, m, trim, stats if m == "zscore" else None), quorum)
            for m in METHODS
        }
