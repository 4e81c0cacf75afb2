"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi run`."""

from podium import create_app

app = create_app()
