"""What the Celery programs load: `celery -A podium.celery_app worker` and
`celery -A podium.celery_app beat` (deploy/, docs/deployment.md).

The Flask app is built as for the web (`create_app`, from the environment: the same
DATABASE_URL, REDIS_URL / CELERY_BROKER_URL, SMTP_* and PODIUM_BASE_URL as the app hosts),
and `celery` is its Celery app (`core.tasks.init_celery`), whose tasks run in its context.
Celery's own lines (the worker starting, each task received and done) are written as the
app's are (`core.request_log.handler`): JSON objects in production.
"""

from __future__ import annotations

import logging

from celery.signals import setup_logging

from core import request_log
from podium import create_app

flask_app = create_app()
if not flask_app.config.get("CELERY_BROKER_URL"):
    # without a broker the app runs its tasks itself: a worker or beat would wait on nothing
    raise RuntimeError(
        "The Celery worker and beat need a broker: set REDIS_URL (or CELERY_BROKER_URL)."
    )
celery = flask_app.extensions["celery"]


@setup_logging.connect
def _log_as_the_app_does(loglevel: int | str | None = None, **_kwargs: object) -> None:
    """Celery's loggers get the app's handler (Celery then configures no logging itself)."""
    celery_log = logging.getLogger("celery")
    celery_log.addHandler(request_log.handler(flask_app.config.get("LOG_FORMAT", "text")))
    celery_log.setLevel(loglevel or flask_app.config.get("LOG_LEVEL", "INFO"))
