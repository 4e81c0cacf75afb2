"""What the scores say about the jury, for the results pages and the chair's progress page:
agreement between jurors and how sure a category's winner is (`category_insight`, on the
leaderboard and in its export) and each juror's severity against the panel
(`severity_by_member`, on the progress page). The statistics are `awards.insight`'s; this
module feeds them the counted scorecards `load_board_data` loads for the leaderboard and
rounds the results for showing (Decimals, so templates and exports write them with `|num`).

Conflicts bind everyone: the figures for a `viewer` are computed *without* the entries
hidden from them (`access.results_hidden_from`) — those entries' scorecards are left out of
every input, the z-score population included — so nothing of a barred entry shows through
a share, an agreement or an offset. Nothing of a result before its moment: the figures exist
only where the leaderboard may be seen (`results_hidden_from` raises NotAllowed otherwise;
`severity_by_member` returns None then).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from awards import fast_insight, insight, scoring
from awards.models import Category, Entry, Programme
from awards.scoring import METHODS
from awards.services.access import results_hidden_from
from awards.services.results import (
    BoardData,
    Frozen,
    FrozenStats,
    aggregate_board,
    freeze,
    frozen_cards,
    frozen_stats,
    jurors_population,
    thaw,
)
from core.errors import NotAllowed


def rounded(value: float | None, places: int = 2) -> Decimal | None:
    """`value` as a Decimal with `places` decimals (half up), never a negative zero."""
    if value is None:
        return None
    number = Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return number.copy_abs() if number.is_zero() else number


@dataclass(frozen=True)
class Agreement:
    """One agreement statistic rounded for showing (see `awards.insight.Agreement`)."""

    value: Decimal | None
    jurors: int
    entries: int
    reason: str | None

    @classmethod
    def of(cls, result: insight.Agreement) -> Agreement:
        return cls(rounded(result.value), result.jurors, result.entries, result.reason)

    @property
    def level(self) -> str | None:
        """An ICC in words (Koo & Li 2016): poor below 0.50, moderate to 0.75, good to 0.90,
        excellent above; None without a value. (The page words only the ICC.)"""
        if self.value is None:
            return None
        if self.value < Decimal("0.5"):
            return "poor"
        if self.value < Decimal("0.75"):
            return "moderate"
        if self.value < Decimal("0.9"):
            return "good"
        return "excellent"


@dataclass(frozen=True)
class Share:
    entry: Entry
    share: float  # fraction of the draws the entry ranks first

    @property
    def percent(self) -> Decimal:
        """The share as a whole percentage (half up)."""
        value = rounded(self.share * 100, 0)
        assert value is not None
        return value


@dataclass(frozen=True)
class CategoryInsight:
    """Agreement and the bootstrap for one category, as one viewer may see it.

    `shares` lists the visible entries by share (highest first, then by ref); `firsts` is
    each method's first-ranked entry (None when it ranks none); `same_winner` whether they
    all agree (None when no method ranks an entry)."""

    icc: Agreement
    kendall: Agreement
    method: str
    shares: list[Share]
    no_winner: float
    draws: int
    jurors: int
    firsts: dict[str, Entry | None]
    same_winner: bool | None

    def share_of(self, entry: Entry) -> Share | None:
        return next((s for s in self.shares if s.entry.id == entry.id), None)

    @property
    def favourite(self) -> Share | None:
        """The entry that wins the most draws (None when no draw has a winner)."""
        return self.shares[0] if self.shares and self.shares[0].share > 0 else None

    @property
    def no_winner_percent(self) -> Decimal:
        value = rounded(self.no_winner * 100, 0)
        assert value is not None
        return value


@lru_cache(maxsize=64)
def _winner_shares(
    criteria: tuple[scoring.Criterion, ...],
    cards: Frozen,
    entries: tuple[str, ...],
    method: str,
    trim: int,
    quorum: int,
    stats: FrozenStats | None,
) -> insight.WinnerShares:
    """`insight.winner_shares`, computed by `fast_insight.winner_shares` (the same draws and
    winners: tests/property/test_fast_insight.py) and remembered per process for the same
    scores and options (the bootstrap is the page's one slow part; it is seeded, so the
    same input gives the same answer): a leaderboard seen again does not redraw."""

    return fast_insight.winner_shares(
        criteria,
        thaw(cards),
        list(entries),
        method=method,  # type: ignore[arg-type]
        trim=trim,
        quorum=quorum,
        zscore_stats=dict(stats) if stats is not None else None,
    )


def _visible(data: BoardData, hidden: set[int]) -> tuple[set[str], list[scoring.Scorecard]]:
    """(refs of the hidden entries, the programme's counted scorecards without them)."""
    refs = {e.ref for entries in data.entries.values() for e in entries if e.id in hidden}
    return refs, [card for card in data.population if card.entry not in refs]


def category_insight(
    data: BoardData,
    category: Category,
    *,
    method: str,
    trim: int,
    quorum: int,
    hidden: set[int],
) -> CategoryInsight:
    """The category's agreement, bootstrap (with `method`, `trim`, `quorum`: the
    leaderboard's options) and method comparison, leaving the `hidden` entries out of every
    input. Raises ScoringError only for corrupt data (as the leaderboard does)."""
    hidden_refs = {e.ref for entries in data.entries.values() for e in entries if e.id in hidden}
    entries = [e for e in data.entries.get(category.id, []) if e.id not in hidden]
    by_ref = {e.ref: e for e in entries}
    cards = [c for c in data.cards.get(category.id, []) if c.entry not in hidden_refs]
    stats = (  # the z-score sums of the visible cards' jurors without the hidden entries
        jurors_population(
            data.programme, data.round, data.criteria, category, cards, without=hidden
        )
        if hidden
        else data.zscore_stats
    )
    criteria = data.scoring_criteria
    # `insight.agreement`'s answer, computed with numpy (tests/property/test_fast_insight.py)
    icc, kendall = fast_insight.agreement(insight.totals(criteria, cards))
    result = _winner_shares(
        tuple(criteria),
        freeze(cards) if hidden else frozen_cards(data, category),
        tuple(by_ref),
        method,
        trim,
        quorum,
        frozen_stats(stats) if method == "zscore" else None,
    )
    firsts: dict[str, Hashable | None]
    if hidden:  # each method as the leaderboard runs it, without the hidden entries
        firsts = {}
        for m in METHODS:
            board = scoring.aggregate(
                criteria,
                cards,
                list(by_ref),
                method=m,
                trim=trim,
                quorum=quorum,
                zscore_stats=stats,
            )
            firsts[m] = next((r.entry for r in board if r.rank == 1), None)
    else:  # the leaderboard's own boards (z-scores: whole programme), computed once
        firsts = {
            m: next(
                (
                    r.entry.ref
                    for r in aggregate_board(data, category, m, trim, quorum)
                    if r.rank == 1
                ),
                None,
            )
            for m in METHODS
        }
    shares = sorted(
        (Share(by_ref[str(ref)], share) for ref, share in result.shares.items()),
        key=lambda s: (-s.share, s.entry.ref),
    )
    return CategoryInsight(
        icc=Agreement.of(icc),
        kendall=Agreement.of(kendall),
        method=method,
        shares=shares,
        no_winner=result.no_winner,
        draws=result.draws,
        jurors=result.jurors,
        firsts={m: by_ref[str(ref)] if ref is not None else None for m, ref in firsts.items()},
        same_winner=insight.same_winner(firsts),
    )


@dataclass(frozen=True)
class JurorSeverity:
    """A juror's severity rounded for showing (see `awards.insight.Severity`)."""

    entries: int
    offset: Decimal | None
    se: Decimal | None
    low: Decimal | None
    high: Decimal | None
    spread: Decimal | None
    verdict: str | None


def severity_by_member(
    programme: Programme, data: BoardData, viewer, *, now: datetime
) -> dict[int, JurorSeverity] | None:
    """Each juror's severity (jury member id -> JurorSeverity) over the programme's counted
    scorecards, without the entries hidden from `viewer`; None when `viewer` may not see
    results yet (`access.results_hidden_from`: the chair before scoring has closed)."""
    try:
        hidden = results_hidden_from(programme, viewer, now=now)
    except NotAllowed:
        return None
    _refs, cards = _visible(data, hidden)
    out: dict[int, JurorSeverity] = {}
    for member_id, s in insight.severity(insight.totals(data.scoring_criteria, cards)).items():
        assert isinstance(member_id, int)
        out[member_id] = JurorSeverity(
            s.entries,
            rounded(s.offset),
            rounded(s.se),
            rounded(s.low),
            rounded(s.high),
            rounded(s.spread),
            s.verdict,
        )
    return out
