"""Deliberation: once a round's scoring has closed, the chair and admins read every counted
scorecard of a category side by side — each juror's value per criterion, their total and
their comments —, see where the jurors are far apart and where the aggregation methods do
not agree on an entry's rank, and choose which comments reach the entrant.

Who and when (`require_deliberation`): the jury chair (terms accepted) and admins, only once
scoring of the round has closed (`deliberation_open`, the one test of the moment). Before
that a juror sees only their own scores, and nobody sees this page. Conflicts bind everyone:
an entry the viewer is barred from (`access.conflicted_entry_ids`, the chair and an
admin-juror) is left out of the page, its comments of the export, and its feedback is not
theirs to choose (`access.require_unconflicted`).

What counts is what the leaderboard counts (`scorecards.counted_scorecards_query`): submitted
scorecards of eligible entries by jurors not barred from them, of the round (`round_no`).

Spread, per criterion and of the jurors' totals (a scorecard's total is the weighted mean of
the criteria it scored, as `awards.scoring` defines a scorecard's raw total): the range
(highest minus lowest value) and the population standard deviation, both rounded to two
decimals half up; `None` with fewer than two values. A spread is *large* when its range is
at least `LARGE_SPREAD` (30%) of the scale's range (max − min of the criterion; for the total,
the weighted mean of the criteria's ranges): on a 1–10 scale, three points apart or more.

Rank under every method (`awards.scoring.METHODS`, the programme's trim and the round's
quorum; the z-score population is every counted scorecard of the programme in the round, as
on the leaderboard): an entry is marked when the methods give it different ranks.

Entrant feedback: the chair (or an admin) shares a scorecard's overall comment or a
criterion's comment (`Scorecard.feedback_shared`, `Score.feedback_shared`; `share_feedback`,
audited). The entrant sees the shared comments of counted scorecards from the programme's
`publish_at` on, without juror names, grouped by criterion and within a group in an order
that does not follow the jurors (`entrant_feedback`); before that nothing, not even that
there is feedback.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, localcontext

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from awards import scoring
from awards.models import (
    Category,
    Criterion,
    Entry,
    Programme,
    Score,
    Scorecard,
)
from awards.ranking import population_sd, round2
from awards.services.access import (
    conflicted_entry_ids,
    require_chair_or_admin,
    require_unconflicted,
)
from awards.services.rounds import get_round, round_criteria, round_entries_query, rounds_of
from awards.services.scorecards import counted_scorecards_query
from awards.timeline import Timeline
from core.audit.services import record
from core.errors import InvalidInput, NotAllowed
from core.extensions import db

#: a spread is large from this share of the scale's range on
LARGE_SPREAD = Decimal("0.30")


class DeliberationNotYet(NotAllowed):
    code = "deliberation_not_yet"
    message = _l("Deliberation opens once scoring has closed.")


# --- the rules ---------------------------------------------------------------------------


def deliberation_open(programme: Programme, round_no: int, now: datetime) -> bool:
    """Whether scoring of round `round_no` has closed at `now` (the round's own window), so
    that its scorecards may be read side by side. NotFound for a round the programme lacks."""
    return now >= get_round(programme, round_no).scoring_close_at


def require_deliberation(programme: Programme, user, *, round_no: int, now: datetime) -> set[int]:
    """The entry ids `user` must not see (their conflicts of interest). NotAllowed unless
    the chair or an admin (`access.require_chair_or_admin`), DeliberationNotYet (403) before
    scoring of the round has closed."""
    require_chair_or_admin(programme, user)
    if not deliberation_open(programme, round_no, now):
        raise DeliberationNotYet()
    return conflicted_entry_ids(programme, user)


@dataclass(frozen=True)
class Spread:
    """How far apart the jurors are: range (max − min) and population sd, two decimals."""

    range: Decimal | None
    sd: Decimal | None
    large: bool


def spread(values: Sequence[Decimal], scale_range: Decimal) -> Spread:
    """The spread of `values` on a scale `scale_range` wide (see the module docstring)."""
    if len(values) < 2:
        return Spread(None, None, False)
    with localcontext(prec=scoring.PRECISION):
        width = max(values) - min(values)
        return Spread(
            round2(width), round2(population_sd(values)), width >= LARGE_SPREAD * scale_range
        )


def card_total(criteria: Sequence[Criterion], values: dict[str, Decimal | None]) -> Decimal | None:
    """A scorecard's total: the weighted mean of the criteria it scored (unrounded)."""
    with localcontext(prec=scoring.PRECISION):
        num = den = Decimal(0)
        for c in criteria:
            value = values.get(c.key)
            if value is not None:
                num += c.weight * value
                den += c.weight
        return num / den if den else None


def total_scale_range(criteria: Sequence[Criterion]) -> Decimal:
    """The range of a total's scale: the weighted mean of the criteria's ranges."""
    with localcontext(prec=scoring.PRECISION):
        weight = sum((c.weight for c in criteria), Decimal(0))
        width = sum((c.weight * (c.max_score - c.min_score) for c in criteria), Decimal(0))
        return width / weight if weight else Decimal(0)


# --- what the page shows -----------------------------------------------------------------


@dataclass(frozen=True)
class JurorScores:
    """One counted scorecard: the juror's name, values and comments, and its total."""

    card: Scorecard
    juror: str
    values: dict[str, Decimal | None]
    total: Decimal | None  # rounded
    scores: dict[str, Score]  # criterion key -> the score row (its comment, its flag)

    @property
    def criterion_comments(self) -> list[Score]:
        return [s for s in self.scores.values() if s.comment]


@dataclass(frozen=True)
class EntryDeliberation:
    entry: Entry
    jurors: list[JurorScores]
    spreads: dict[str, Spread]  # criterion key -> spread
    total_spread: Spread
    ranks: dict[str, int | None]  # method -> rank
    methods_disagree: bool

    @property
    def has_comments(self) -> bool:
        return any(j.card.comment or j.criterion_comments for j in self.jurors)


@dataclass
class Deliberation:
    programme: Programme
    category: Category
    round_no: int
    criteria: list[Criterion]
    quorum: int
    entries: list[EntryDeliberation] = field(default_factory=list)
    hidden_count: int = 0


def _round_entries(category: Category, round_no: int) -> list[Entry]:
    """The category's eligible entries in the round (from round 2: those advanced into it)."""
    query = round_entries_query(category.programme_id, round_no)
    return list(
        db.session.scalars(query.where(Entry.category_id == category.id).order_by(Entry.ref))
    )


def _counted_cards(programme: Programme, round_no: int, *, entry_id: int | None = None):
    """The counted scorecards of the round, with entry, juror (and user) and scores: two
    queries (the cards, their scores)."""
    query = (
        counted_scorecards_query(programme, round_no)
        .options(
            contains_eager(Scorecard.entry),
            joinedload(Scorecard.jury_member),
            selectinload(Scorecard.scores),
        )
        .order_by(Scorecard.id)
    )
    if entry_id is not None:
        query = query.where(Scorecard.entry_id == entry_id)
    return list(db.session.scalars(query).unique())


def _values(card: Scorecard, keys: dict[int, str]) -> dict[str, Decimal | None]:
    return {keys[s.criterion_id]: s.value for s in card.scores if s.criterion_id in keys}


def _ranks(
    programme: Programme,
    criteria: list[Criterion],
    cards: list[Scorecard],
    entries: list[Entry],
    quorum: int,
) -> dict[int, dict[str, int | None]]:
    """entry id -> method -> rank, the category's `entries` ranked on their `cards` (the
    z-score population: every card given, the whole programme's in the round)."""
    keys = {c.id: c.key for c in criteria}
    crits = [scoring.Criterion(c.key, c.weight, c.min_score, c.max_score, c.step) for c in criteria]
    pure = [
        scoring.Scorecard(card.entry.ref, card.jury_member_id, _values(card, keys))
        for card in cards
    ]
    refs = {e.ref for e in entries}
    mine = [p for p in pure if p.entry in refs]
    by_ref = {e.ref: e.id for e in entries}
    ranks: dict[int, dict[str, int | None]] = defaultdict(dict)
    if not crits:
        return ranks
    for method in scoring.METHODS:
        results = scoring.aggregate(
            crits, mine, list(refs), method=method, trim=programme.trim, quorum=quorum,
            zscore_population=pure,
        )  # fmt: skip
        for result in results:
            ranks[by_ref[str(result.entry)]][method] = result.rank
    return ranks


def category_deliberation(
    programme: Programme, category: Category, viewer, *, round_no: int = 1, now: datetime
) -> Deliberation:
    """Every counted scorecard of the category's entries in round `round_no`, per entry, with
    spreads and ranks, without the entries `viewer` is barred from (`hidden_count` says how
    many). Raises NotAllowed / DeliberationNotYet (`require_deliberation`)."""
    hidden = require_deliberation(programme, viewer, round_no=round_no, now=now)
    criteria = round_criteria(programme, round_no)
    quorum = get_round(programme, round_no).quorum
    entries = _round_entries(category, round_no)
    cards = _counted_cards(programme, round_no)
    ranks = _ranks(programme, criteria, cards, entries, quorum)
    keys = {c.id: c.key for c in criteria}
    by_entry: dict[int, list[Scorecard]] = defaultdict(list)
    for card in cards:
        by_entry[card.entry_id].append(card)
    result = Deliberation(programme, category, round_no, criteria, quorum)
    total_range = total_scale_range(criteria)
    for entry in entries:
        if entry.id in hidden:
            result.hidden_count += 1
            continue
        jurors = []
        for card in by_entry.get(entry.id, []):
            values = _values(card, keys)
            jurors.append(
                JurorScores(
                    card,
                    card.jury_member.user.name,
                    values,
                    round2(card_total(criteria, values)),
                    {keys[s.criterion_id]: s for s in card.scores if s.criterion_id in keys},
                )
            )
        jurors.sort(key=lambda j: (j.juror.casefold(), j.card.id))
        spreads = {
            c.key: spread(
                [v for j in jurors if (v := j.values.get(c.key)) is not None],
                c.max_score - c.min_score,
            )
            for c in criteria
        }
        totals = [t for j in jurors if (t := card_total(criteria, j.values)) is not None]
        entry_ranks = ranks.get(entry.id, dict.fromkeys(scoring.METHODS))
        distinct = {r for r in entry_ranks.values() if r is not None}
        result.entries.append(
            EntryDeliberation(
                entry, jurors, spreads, spread(totals, total_range), dict(entry_ranks),
                methods_disagree=len(distinct) > 1,
            )
        )  # fmt: skip
    return result


# --- entrant feedback --------------------------------------------------------------------


def share_feedback(
    programme: Programme,
    entry: Entry,
    *,
    round_no: int,
    card_ids: Iterable[int],
    score_ids: Iterable[int],
    actor,
    now: datetime,
) -> int:
    """Share exactly the chosen comments of `entry`'s counted scorecards in the round with its
    entrant (the overall comments of `card_ids`, the criterion comments of `score_ids`); every
    other comment of them is no longer shared. Returns how many are shared; audits
    `scorecard.feedback_shared`.

    Raises NotAllowed / DeliberationNotYet (`require_deliberation`), NotAllowed "conflicted"
    when the actor is barred from the entry, InvalidInput when an id is not a comment of the
    entry's counted scorecards (nothing changes then)."""
    require_deliberation(programme, actor, round_no=round_no, now=now)
    require_unconflicted(programme, actor, entry.id)
    card_ids, score_ids = set(card_ids), set(score_ids)
    cards = _counted_cards(programme, round_no, entry_id=entry.id)
    comments = {card.id: card for card in cards if card.comment}
    scores = {s.id: s for card in cards for s in card.scores if s.comment}
    errors = {}
    if card_ids - comments.keys():
        errors["cards"] = [_l("Choose among the comments of this entry.")]
    if score_ids - scores.keys():
        errors["scores"] = [_l("Choose among the comments of this entry.")]
    if errors:
        raise InvalidInput(errors, code="not_a_comment")
    for card in cards:
        card.feedback_shared = card.id in card_ids
        for score in card.scores:
            score.feedback_shared = score.id in score_ids
    db.session.flush()
    shared = sorted(f"scorecard {i}" for i in card_ids) + sorted(f"score {i}" for i in score_ids)
    record(
        "scorecard.feedback_shared",
        entry,
        now=now,
        actor=actor,
        scope=programme,
        entry_id=entry.id,
        count=len(shared),
        comments=shared,
    )
    return len(shared)


@dataclass(frozen=True)
class FeedbackItem:
    """A comment the chair shared, without its juror: on a criterion, or overall (None)."""

    criterion: Criterion | None
    text: str


def feedback_visible(programme: Programme, now: datetime) -> bool:
    """Whether entrants see their shared feedback: from the programme's `publish_at` on."""
    return Timeline.of(programme).published(now)


def entrant_feedback(entry: Entry, *, now: datetime) -> list[FeedbackItem] | None:
    """The comments shared with `entry`'s entrant, anonymised: overall comments first, then
    per criterion in the criteria's order, each group in an order by a hash of entry and
    scorecard (not by juror). None before publication (`feedback_visible`)."""
    programme = entry.programme
    if not feedback_visible(programme, now):
        return None
    cards = [  # every round's: a round's cards count for that round (few rounds)
        card
        for info in rounds_of(programme)
        for card in db.session.scalars(
            counted_scorecards_query(programme, info.position)
            .where(Scorecard.entry_id == entry.id)
            .options(selectinload(Scorecard.scores).joinedload(Score.criterion))
        )
    ]

    def key(card: Scorecard) -> str:
        return hashlib.sha256(f"feedback:{entry.id}:{card.id}".encode()).hexdigest()

    overall: list[FeedbackItem] = []
    per_criterion: list[tuple[tuple[int, int, str], FeedbackItem]] = []
    for card in sorted(cards, key=key):
        if card.feedback_shared and card.comment:
            overall.append(FeedbackItem(None, card.comment))
        for score in card.scores:
            if score.feedback_shared and score.comment:
                c = score.criterion
                per_criterion.append(
                    ((c.position, c.id, key(card)), FeedbackItem(c, score.comment))
                )
    return overall + [item for _, item in sorted(per_criterion, key=lambda pair: pair[0])]


# --- the results export ------------------------------------------------------------------


def comments_by_entry(programme: Programme, *, round_no: int, hidden: set[int]) -> dict[int, str]:
    """entry id -> every juror's comments on it in the round as text for the results export,
    one line per comment: "Juror: comment" and "Juror · criterion key: comment", jurors by
    name. Entries in `hidden` (the viewer's conflicts) are left out."""
    criteria = round_criteria(programme, round_no)
    keys = {c.id: c.key for c in criteria}
    order = {c.id: i for i, c in enumerate(criteria)}
    lines: dict[int, list[tuple[str, int, str]]] = defaultdict(list)
    for card in _counted_cards(programme, round_no):
        if card.entry_id in hidden:
            continue
        name = card.jury_member.user.name
        if card.comment:
            lines[card.entry_id].append((name.casefold(), -1, f"{name}: {card.comment}"))
        for score in card.scores:
            if score.comment and score.criterion_id in keys:
                lines[card.entry_id].append(
                    (name.casefold(), order[score.criterion_id],
                     f"{name} · {keys[score.criterion_id]}: {score.comment}")
                )  # fmt: skip
    return {
        entry_id: "\n".join(text for *_, text in sorted(found)) for entry_id, found in lines.items()
    }
