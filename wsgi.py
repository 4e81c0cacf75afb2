"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi run`."""

from core import create_app

app = create_app()
