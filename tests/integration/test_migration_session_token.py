"""The session-token migration gives every existing account its own random token (so the bare
ids in cookies from before stop working) and downgrades cleanly. Runs the real Alembic
migrations on a scratch SQLite database."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from core.extensions import db
from podium import create_app

BEFORE = "7b1d2c9e4a10"


def test_existing_users_get_distinct_tokens_and_the_column_goes_on_downgrade(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.sqlite'}"})
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO users (email, name, is_admin, locale, created_at) VALUES"
                    " ('a@example.org', 'A', 0, 'nl', '2025-03-01 09:00:00'),"
                    " ('b@example.org', 'B', 0, 'nl', '2025-03-01 09:00:00')"
                )
            )
        upgrade()
        with db.engine.connect() as conn:
            tokens = conn.scalars(sa.text("SELECT session_token FROM users ORDER BY id")).all()
        assert len(set(tokens)) == 2 and all(len(t) >= 40 for t in tokens)
        with db.engine.connect() as conn, pytest.raises(sa.exc.IntegrityError):
            conn.execute(
                sa.text(
                    "INSERT INTO users (email, name, is_admin, locale, created_at, session_token)"
                    " VALUES ('c@example.org', 'C', 0, 'nl', '2025-03-01 09:00:00', NULL)"
                )
            )
        downgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("users")}
        assert "session_token" not in columns
        db.engine.dispose()
