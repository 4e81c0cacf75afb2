"""Per-entry results and their deterministic ranking (pure, standard library only).

Companion of ``awards.scoring``, whose module docstring states the rules; ``EntryResult`` is
re-exported there. Callers are expected to run these helpers inside a decimal context of
sufficient precision (``awards.scoring`` uses 50 digits).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Generic, Protocol, TypeVar


class Criterion(Protocol):
    """What ranking needs of a criterion (``awards.scoring.Criterion`` is one): its key and
    weight. A protocol, so this module imports nothing from ``awards.scoring`` (which
    imports it)."""

    @property
    def key(self) -> str: ...

    @property
    def weight(self) -> Decimal: ...


_CENT = Decimal("0.01")


E = TypeVar("E", bound=Hashable)


@dataclass(frozen=True)
class EntryResult(Generic[E]):
    """The aggregated outcome for one entry.

    ``rank`` is 1-based (``None`` when not ranked); ``total`` the weighted total and
    ``criteria`` the per-criterion aggregates, rounded to 2 decimals half-up (``None`` without
    scores); ``scorecards`` the number of submitted scorecards; ``sufficient`` whether that
    meets the quorum; ``disagreement`` the population sd of the per-scorecard raw weighted
    totals (``None`` below two); ``tie_break`` the rule that placed the entry below the one
    ranked directly above it with an equal rounded total, else ``None``.
    """

    entry: E
    rank: int | None
    total: Decimal | None
    criteria: dict[str, Decimal | None]
    scorecards: int
    sufficient: bool
    disagreement: Decimal | None
    tie_break: str | None = None


def round2(value: Decimal | None) -> Decimal | None:
    """``value`` rounded to two decimals, ROUND_HALF_UP, never a negative zero; None stays."""
    if value is None:
        return None
    rounded = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    return rounded.copy_abs() if rounded.is_zero() else rounded


def population_sd(values: Sequence[Decimal]) -> Decimal:
    """Population standard deviation of a non-empty sequence, summed in sorted order so the
    result does not depend on the order of ``values``. Raises ZeroDivisionError when empty."""
    ordered = sorted(values)
    mean = sum(ordered, Decimal(0)) / len(ordered)
    return (sum([(v - mean) * (v - mean) for v in ordered], Decimal(0)) / len(ordered)).sqrt()


def build_result(
    entry: E,
    criteria: Sequence[Criterion],
    aggregates: Sequence[Decimal | None],
    scorecards: int,
    card_totals: Sequence[Decimal],
    quorum: int,
) -> EntryResult[E]:
    """An unranked ``EntryResult`` from unrounded per-criterion ``aggregates`` (parallel to
    ``criteria``) and the raw weighted totals of the entry's scorecards."""
    num = den = Decimal(0)
    for criterion, value in zip(criteria, aggregates, strict=True):
        if value is not None:
            num += criterion.weight * value
            den += criterion.weight
    return EntryResult(
        entry=entry,
        rank=None,
        total=round2(num / den) if den else None,
        criteria={c.key: round2(a) for c, a in zip(criteria, aggregates, strict=True)},
        scorecards=scorecards,
        sufficient=scorecards >= quorum,
        disagreement=round2(population_sd(card_totals)) if len(card_totals) >= 2 else None,
    )


def _entry_key(entry: Hashable) -> tuple[str, str]:
    return str(entry), repr(entry)


def rank_results(
    results: Sequence[EntryResult[E]], criteria: Sequence[Criterion]
) -> list[EntryResult[E]]:
    """Assign ranks and tie-breaks; return ranked results by rank, then the unranked ones
    (insufficient, or without a total) by ``str(entry)``. Never raises for valid results."""
    order = [c.key for _, c in sorted(enumerate(criteria), key=lambda p: (-p[1].weight, p[0]))]

    def key(r: EntryResult[E]) -> tuple[Any, ...]:
        aggs = tuple((0, -a) if a is not None else (1, 0) for a in (r.criteria[k] for k in order))
        return (-r.total, aggs, r.disagreement or 0, -r.scorecards, _entry_key(r.entry))  # type: ignore[operator]

    ranked = sorted((r for r in results if r.sufficient and r.total is not None), key=key)
    rest = sorted(
        (r for r in results if not (r.sufficient and r.total is not None)),
        key=lambda r: _entry_key(r.entry),
    )
    out: list[EntryResult[E]] = []
    for position, r in enumerate(ranked, start=1):
        above = ranked[position - 2] if position > 1 else None
        out.append(replace(r, rank=position, tie_break=_separating_rule(above, r, order)))
    return out + [replace(r, rank=None, tie_break=None) for r in rest]


def _separating_rule(
    above: EntryResult[Any] | None, r: EntryResult[Any], order: list[str]
) -> str | None:
    """The first rule that orders ``r`` after ``above`` when their rounded totals are equal."""
    if above is None or above.total != r.total:
        return None
    for k in order:
        if above.criteria[k] != r.criteria[k]:
            return f"criterion:{k}"
    if (above.disagreement or 0) != (r.disagreement or 0):
        return "disagreement"
    if above.scorecards != r.scorecards:
        return "scorecards"
    return "entry"
