"""The periodic jobs as Celery tasks, and celery beat's schedule for them (`SCHEDULE`).

Each task does what its `flask` command does (the commands stay, for operators and cron):

========================  ==============================  ==========================
task                      command                         beat runs it
========================  ==============================  ==========================
podium.outbox.deliver     flask outbox send               every minute (retries)
podium.events.expire      flask events expire-holds       every minute
podium.events.reminders   flask events send-reminders     every 15 minutes
podium.awards.announce    flask awards announce           every 5 minutes
podium.privacy.purge      flask privacy purge             daily, 03:30 UTC
========================  ==============================  ==========================

Several workers may run them at once. Each job is one transaction holding the job's lock
(`core.tasks.job_transaction`: a PostgreSQL advisory lock, SQLite's write lock), so a second
run while one is busy returns ``{"skipped": 1}``; underneath, the services claim their rows
under row locks as they did for cron on several hosts. A run beat could not start in time
expires instead of piling up. The jobs that write links into e-mails need the site's address:
`PODIUM_BASE_URL` (`core.jobs.resolve_base_url`).
"""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from celery.schedules import crontab
from flask import current_app

from awards.services import announcements
from core.clock import now
from core.jobs import scheduled_run
from core.tasks import OUTBOX_TASK, job_transaction
from events.services import mailings, waitlist
from privacy.purge import purge_registrations

EXPIRE_TASK = "podium.events.expire"
REMINDERS_TASK = "podium.events.reminders"
ANNOUNCE_TASK = "podium.awards.announce"
PURGE_TASK = "podium.privacy.purge"
SKIPPED = {"skipped": 1}


def _every(seconds: int, task: str) -> dict:
    # a run not started within its own interval expires: the next one does its work
    return {"task": task, "schedule": timedelta(seconds=seconds), "options": {"expires": seconds}}


SCHEDULE: dict[str, dict] = {
    "outbox-deliver": _every(60, OUTBOX_TASK),
    "events-expire": _every(60, EXPIRE_TASK),
    "events-reminders": _every(15 * 60, REMINDERS_TASK),
    "awards-announce": _every(5 * 60, ANNOUNCE_TASK),
    "privacy-purge": {
        "task": PURGE_TASK,
        "schedule": crontab(hour=3, minute=30),
        "options": {"expires": 12 * 3600},
    },
}


@shared_task(name=EXPIRE_TASK)
def expire_holds() -> dict[str, int]:
    """Expire payment holds and waiting-list offers that ran out; offer free seats."""
    at = now()
    with scheduled_run(None), job_transaction("events.expire") as mine:
        if not mine:
            return SKIPPED
        holds = waitlist.expire_holds(at)
        offers = waitlist.expire_offers(at)
        new_offers = waitlist.offer_free_seats(at)
    return {"holds": holds, "offers": offers, "new_offers": new_offers}


@shared_task(name=REMINDERS_TASK)
def send_reminders() -> dict[str, int]:
    """Queue the reminders of events starting within 24 hours (once per registration)."""
    at = now()
    with scheduled_run(None), job_transaction("events.reminders") as mine:
        if not mine:
            return SKIPPED
        sent = mailings.send_reminders(at)
    return {"reminders": sent}


@shared_task(name=ANNOUNCE_TASK)
def announce() -> dict[str, int]:
    """Tell the winners and nominees of programmes whose announcement time has passed."""
    at = now()
    with scheduled_run(None), job_transaction("awards.announce") as mine:
        if not mine:
            return SKIPPED
        queued = announcements.announce(at)
    return {"announcements": queued}


@shared_task(name=PURGE_TASK)
def purge() -> dict[str, int]:
    """Anonymise registrations past PRIVACY_REGISTRATION_RETENTION_DAYS."""
    retention = current_app.config["PRIVACY_REGISTRATION_RETENTION_DAYS"]
    with job_transaction("privacy.purge") as mine:
        if not mine:
            return SKIPPED
        run = purge_registrations(now=now(), retention_days=retention)
    return {"registrations": run.registrations, "events": run.events}
