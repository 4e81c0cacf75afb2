"""Work started at the same moment in several threads, each in its own request context and
database session, as several requests or scheduler hosts would."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from core.extensions import db


def run_together(
    app, jobs: Sequence[Callable[[], Any]], *, base_url: str | None = None
) -> tuple[list[Any], list[BaseException]]:
    """Run each job in its own thread, released together by a barrier; each job's work is
    committed (or rolled back when it raises). Returns the results and the errors; the
    caller's own session is rolled back afterwards, so it sees what the threads committed."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = []
    errors: list[BaseException] = []
    context = {"base_url": base_url} if base_url else {}

    def run(job: Callable[[], Any]) -> None:
        with app.test_request_context(**context):
            try:
                barrier.wait(timeout=10)
                results.append(job())
                db.session.commit()
            except BaseException as exc:  # collected for the caller to assert on
                errors.append(exc)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    db.session.rollback()
    return results, errors
