"""Event page views ("see") kept in the worker's memory and written in one batch.

A view is the only funnel step a read-only request makes, and the busiest: written at once,
every view of the event page is a write transaction of its own, and on SQLite (one writer)
as on PostgreSQL (one row per event, day and stage, locked by each upsert until its commit)
all views of an event wait for one another's commit. So a worker adds a view to its own
tally (`PageViews`, per app: event and Amsterdam day -> views) and writes the tally, one
upsert per event and day, in the view that finds it `FUNNEL_FLUSH_SECONDS` old (by the
app's clock), and when the process exits (`atexit`: gunicorn's workers and `flask run`
leave through it). Several workers each add their own tallies: upserts add, so nothing is
counted twice.

What a tally holds is what the funnel stores: a count per event and day, nothing about the
visitor. A worker killed outright (SIGKILL, power loss) loses at most its last interval's
views; they were never shown to anyone. `FUNNEL_FLUSH_SECONDS = 0` (the tests' setting)
writes every view in its own request, as a step of the other stages is.
"""

from __future__ import annotations

import atexit
import logging
import threading
import weakref
from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime, timedelta

from flask import Flask, current_app
from werkzeug.datastructures import Headers

from core.accounts.models import has_staff_rights
from core.clock import local
from core.extensions import db
from core.locking import write_transaction
from events.services.funnel import SEE, add_counts, is_visit

log = logging.getLogger("podium.funnel")
_EXTENSION = "podium_page_views"


class PageViews:
    """One app's unwritten views: (event id, day) -> views, since `since`."""

    def __init__(self, interval: timedelta) -> None:
        self.interval = interval
        self._lock = threading.Lock()
        self._tally: Counter[tuple[int, date]] = Counter()
        self._since: datetime | None = None

    def add(self, event_id: int, now: datetime) -> Counter[tuple[int, date]] | None:
        """Count one view; the tally to write now (taken out, so written once) when it is
        `interval` old, else None."""
        with self._lock:
            self._tally[(event_id, local(now).date())] += 1
            if self._since is None:
                self._since = now
            if now - self._since < self.interval:
                return None
            return self._take()

    def take(self) -> Counter[tuple[int, date]]:
        """Everything not yet written (emptied)."""
        with self._lock:
            return self._take()

    def _take(self) -> Counter[tuple[int, date]]:
        taken, self._tally, self._since = self._tally, Counter(), None
        return taken

    def __len__(self) -> int:
        with self._lock:
            return sum(self._tally.values())


def init_app(app: Flask) -> None:
    """Give `app` its tally; when views wait in it, the process writes them as it exits."""
    views = PageViews(timedelta(seconds=float(app.config.get("FUNNEL_FLUSH_SECONDS", 2))))
    app.extensions[_EXTENSION] = views
    if views.interval > timedelta(0):
        atexit.register(_write_at_exit, weakref.ref(app))


def count_visit(
    event_id: int, method: str, headers: Headers | Mapping[str, str], user, *, now: datetime
) -> None:
    """The event page's hook, called last in the view: a view (`funnel.is_visit`; `user` is
    the current user, anonymous or not: only whether they are staff is asked) goes into the
    tally, and the tally into the database in this request's transaction when it is due.

    The page's reads opened a read transaction; on SQLite a read transaction cannot become a
    writer while another worker writes ("database is locked" at once, whatever the busy
    timeout), so the write first takes the write lock (`write_transaction`, which waits its
    turn)."""
    if not is_visit(method, headers, staff=has_staff_rights(user)):
        return
    due = pending(current_app).add(event_id, now)
    if due:
        write_transaction()
        _write(due)


def pending(app: Flask) -> PageViews:
    return app.extensions[_EXTENSION]


def write_pending(app: Flask) -> int:
    """Write `app`'s unwritten views now, in a transaction of their own (the app's context
    must be active); how many were written."""
    due = pending(app).take()
    if due:
        write_transaction()
        _write(due)
        db.session.commit()
    return sum(due.values())


def _write(due: Counter[tuple[int, date]]) -> None:
    add_counts([(event_id, day, SEE, views) for (event_id, day), views in sorted(due.items())])


def _write_at_exit(app_ref: weakref.ref[Flask]) -> None:
    app = app_ref()
    if app is None or not len(pending(app)):
        return
    try:
        with app.app_context():
            write_pending(app)
    except Exception:  # the process is leaving: say what was lost, do not hang or raise
        log.exception("page views could not be written at exit")
