"""What the Celery programs load: `celery -A podium.celery_app worker` and
`celery -A podium.celery_app beat` (deploy/, docs/deployment.md).

The Flask app is built as for the web (`create_app`, from the environment: the same
DATABASE_URL, REDIS_URL / CELERY_BROKER_URL, SMTP_* and PODIUM_BASE_URL as the app hosts),
and `celery` is its Celery app (`core.tasks.init_celery`), whose tasks run in its context.
"""

from podium import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
