"""Read-only look-ups remembered on the database session until anything is written.

A page asks the same few questions several times (a programme's stored rounds, the viewer's
jury membership, the entries a membership is barred from): `remembered(key, load)` answers
a repeated question from `session.info` instead of asking the database again, and only while
asking again could not give another answer in this transaction:

* the answer is forgotten after every flush, commit, rollback or end of a transaction
  (savepoints included), after every statement other than a SELECT run through the
  session (a bulk `sa.update` / `sa.delete`, a text statement) and after a SELECT that
  re-reads what is loaded (`populate_existing`: `core.locking.lock_row`, whose lock may
  have waited for another transaction's commit);
* while the session holds changes not yet flushed (new, changed or deleted objects) nothing
  is remembered or answered from memory: the query runs, autoflushes them and sees them.

So a write in the same request is always seen. What the memory cannot know about is a
write by *another* transaction committed after the first answer; within one transaction
that is the same as the identity map keeping objects it has loaded.

`load` must return what no caller changes: a tuple, a frozenset, an ORM object (callers
make their own list or set of it).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.extensions import db

_T = TypeVar("_T")
_KEY = "awards.session_memo"


def _pending(session: Session) -> bool:
    """True while the session holds changes a query would flush first."""
    return bool(session.new or session.dirty or session.deleted)


def remembered(key: Hashable, load: Callable[[], _T]) -> _T:
    """`load()`, or its answer remembered under `key` since the last write (module doc)."""
    session = db.session()
    if _pending(session):
        return load()
    memo = session.info.setdefault(_KEY, {})
    if key not in memo:
        value = load()
        if _pending(session):  # (a load that changed something is not remembered)
            return value
        memo = session.info.setdefault(_KEY, {})  # (a flush inside `load` cleared it)
        memo[key] = value
    return memo[key]


def note(key: Hashable, value: object) -> None:
    """Remember `value` under `key` as if `remembered` had loaded it: an answer that follows
    from one just loaded (a juror's membership found: they are on a jury). Not while the
    session holds changes (as `remembered`)."""
    session = db.session()
    if not _pending(session):
        session.info.setdefault(_KEY, {})[key] = value


def forget(session: Session, *_args) -> None:
    """Forget every remembered answer of `session`."""
    session.info.pop(_KEY, None)


@sa.event.listens_for(Session, "do_orm_execute")
def _forget_after_writes(state) -> None:
    if not state.is_select or state.execution_options.get("populate_existing"):
        forget(state.session)


for _name in ("after_flush", "after_commit", "after_rollback", "after_transaction_end"):
    sa.event.listen(Session, _name, forget)
