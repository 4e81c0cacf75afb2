"""The audit-scope migration keeps what the log said: an entry of a programme becomes an
entry scoped to that programme, with the programme's name; downgrading gives the id back.
Runs the real Alembic migrations on a scratch SQLite database."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from core.extensions import db
from podium import create_app

BEFORE = "2e27b4f5daa2"


def test_programme_ids_become_scopes_and_come_back(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.sqlite'}"})
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO audit_entries (at, action, object_type, object_id, programme_id,"
                    " data) VALUES ('2025-03-01 09:00:00', 'entry.submitted', 'Entry', 7, 3, '{}'),"
                    " ('2025-03-01 09:01:00', 'account.verified', 'User', 1, NULL, '{}')"
                )
            )
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT action, scope_type, scope_id FROM audit_entries ORDER BY id")
            ).all()
        assert [tuple(r) for r in rows] == [
            ("entry.submitted", "Programme", 3),
            ("account.verified", None, None),
        ]
        downgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            ids = conn.scalars(sa.text("SELECT programme_id FROM audit_entries ORDER BY id")).all()
        assert ids == [3, None]
        db.engine.dispose()
