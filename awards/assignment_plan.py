"""Pure planning of an automatic assignment: which jurors score which entries in a round.

No framework, no database: ids in, ids out. `plan_assignment` gives every entry `k`
distinct jurors who are not barred from it (a conflict of interest that is not dismissed),
keeps the pairs it is told to keep (a juror who has started a scorecard), prefers the pairs
it is told are current (so a re-run changes only what it must) and then balances the loads:
no juror can take over an entry from a juror with two more entries, directly or through a
chain of such moves. With the loads' spread not reducible by such moves, the result is the
most even one the conflicts allow (max − min ≤ 1 whenever any assignment achieves it).

Deterministic: entries and jurors are taken in the order given (the caller sorts them by
id), ties are broken by that order, and nothing random is drawn, so the same input always
gives the same plan. An entry with fewer than `k` jurors free of conflicts gets them all and
is reported short.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Pair = tuple[int, int]  # (juror id, entry id)


@dataclass(frozen=True)
class Plan:
    """The planned jurors per entry (in juror order), each juror's load, and the entries
    that got fewer than `k` jurors (entry id -> how many short)."""

    jurors: dict[int, tuple[int, ...]]
    loads: dict[int, int]
    short: dict[int, int]

    @property
    def pairs(self) -> set[Pair]:
        return {(j, e) for e, js in self.jurors.items() for j in js}


def plan_assignment(
    entries: Sequence[int],
    jurors: Sequence[int],
    k: int,
    *,
    barred: Iterable[Pair] = (),
    kept: Iterable[Pair] = (),
    current: Iterable[Pair] = (),
) -> Plan:
    """Plan `k` jurors for each of `entries` among `jurors` (see the module docstring).

    `barred`: (juror, entry) pairs never planned. `kept`: pairs that stay whatever happens
    (they count towards the entry's `k` and the juror's load; an entry may end with more
    than `k` when more were kept) and are never moved. `current`: pairs to prefer, taken
    first (up to `k` per entry, in juror order) when not barred. Pairs naming an entry or
    juror not listed are ignored. Raises ValueError when `k` < 1."""
    if k < 1:
        raise ValueError("k must be at least 1")
    order = {j: i for i, j in enumerate(jurors)}
    entry_set = set(entries)
    barred_set = {p for p in barred if p[0] in order and p[1] in entry_set}
    fixed = {p for p in kept if p[0] in order and p[1] in entry_set}
    assigned: dict[int, set[int]] = {e: set() for e in entries}
    loads = {j: 0 for j in jurors}
    for j, e in sorted(fixed, key=lambda p: (order[p[0]], p[1])):
        assigned[e].add(j)
        loads[j] += 1
    preferred = {p for p in current if p[0] in order and p[1] in entry_set} - fixed - barred_set
    for j, e in sorted(preferred, key=lambda p: (order[p[0]], p[1])):
        if len(assigned[e]) < k:
            assigned[e].add(j)
            loads[j] += 1
    free = {e: [j for j in jurors if (j, e) not in barred_set] for e in entries}
    # the most constrained entries first, then in the order given
    for e in sorted(entries, key=lambda e: len(free[e])):
        while len(assigned[e]) < k:
            options = [j for j in free[e] if j not in assigned[e]]
            if not options:
                break
            j = min(options, key=lambda j: (loads[j], order[j]))
            assigned[e].add(j)
            loads[j] += 1
    _balance(jurors, order, assigned, loads, barred_set, fixed)
    return Plan(
        jurors={e: tuple(sorted(assigned[e], key=order.__getitem__)) for e in entries},
        loads=dict(loads),
        short={e: k - len(assigned[e]) for e in entries if len(assigned[e]) < k},
    )


def _balance(
    jurors: Sequence[int],
    order: dict[int, int],
    assigned: dict[int, set[int]],
    loads: dict[int, int],
    barred: set[Pair],
    fixed: set[Pair],
) -> None:
    """Move entries from heavier to lighter jurors along chains of moves until no juror can
    pass one on (directly or through others) to a juror with at least two fewer. Each move
    lowers the sum of squared loads, so it ends."""
    while True:
        path = _improving_path(jurors, order, assigned, loads, barred, fixed)
        if path is None:
            return
        for giver, entry, taker in path:
            assigned[entry].discard(giver)
            assigned[entry].add(taker)
            loads[giver] -= 1
            loads[taker] += 1


def _improving_path(
    jurors: Sequence[int],
    order: dict[int, int],
    assigned: dict[int, set[int]],
    loads: dict[int, int],
    barred: set[Pair],
    fixed: set[Pair],
) -> list[tuple[int, int, int]] | None:
    """The first chain [(giver, entry, taker), ...] from the heaviest juror that has one to a
    juror with at least two entries fewer (the lightest such, then in order), or None."""
    held: dict[int, list[int]] = {j: [] for j in jurors}
    for e in sorted(assigned):
        for j in assigned[e]:
            if (j, e) not in fixed:
                held[j].append(e)
    for source in sorted(jurors, key=lambda j: (-loads[j], order[j])):
        back: dict[int, tuple[int, int] | None] = {source: None}
        queue = deque([source])
        while queue:
            giver = queue.popleft()
            for e in held[giver]:
                for taker in jurors:
                    if taker in back or taker in assigned[e] or (taker, e) in barred:
                        continue
                    back[taker] = (giver, e)
                    queue.append(taker)
        targets = [j for j in back if loads[j] <= loads[source] - 2]
        if not targets:
            continue
        target = min(targets, key=lambda j: (loads[j], order[j]))
        path = []
        step = target
        link = back[step]
        while link is not None:
            giver, e = link
            path.append((giver, e, step))
            step, link = giver, back[giver]
        return list(reversed(path))
    return None
