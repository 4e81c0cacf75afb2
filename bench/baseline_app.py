"""The benchmarks' baseline: a bare Flask page that makes one query and renders one small
Jinja template, on the same database as Podium (DATABASE_URL, as core/config.py reads it),
served by the same gunicorn settings (`gunicorn --config gunicorn.conf.py
bench.baseline_app:app`). Every Podium page's figure is quoted as a ratio against it.

`GET /` reads one published event (title and capacity) and renders it; `/healthz` answers
"ok" without a query (the harness waits for it).
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask, render_template_string

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><main><h1>{{ title }}</h1><p>{{ capacity }} seats</p>
<ul>{% for n in range(5) %}<li>item {{ n }}</li>{% endfor %}</ul></main></body></html>
"""


def _url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        raise RuntimeError("the baseline needs DATABASE_URL")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


app = Flask(__name__)
engine = sa.create_engine(_url(), pool_pre_ping=True)
QUERY = sa.text(
    "SELECT title_en, capacity FROM events WHERE published = :yes ORDER BY starts_at LIMIT 1"
)


@app.get("/")
def page():
    with engine.connect() as conn:
        found = conn.execute(QUERY, {"yes": True}).first()
    title, capacity = found if found is not None else ("nothing", 0)
    return render_template_string(PAGE, title=title, capacity=capacity)


@app.get("/healthz")
def healthz():
    return "ok"
