"""The schema comes from migrations and matches the models; column types round-trip exactly."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from awards.models import Criterion
from core.extensions import db


def test_migrations_match_models(app):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_fixed_decimal_round_trips_and_refuses_extra_places(make_programme):
    programme = make_programme()
    criterion = programme.criteria[0]
    criterion.weight = Decimal("1.125")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Criterion, criterion.id).weight == Decimal("1.125")
    criterion.weight = Decimal("1.1255")
    with pytest.raises(Exception, match="decimal places"):
        db.session.commit()
    db.session.rollback()


def test_utc_datetime_is_aware_and_refuses_naive(make_programme):
    programme = make_programme()
    db.session.expire_all()
    assert programme.publish_at.tzinfo is not None
    assert programme.publish_at == datetime(2025, 6, 12, 16, 0, tzinfo=UTC)
    programme.publish_at = datetime(2025, 6, 12, 16, 0)
    with pytest.raises(Exception, match="naive"):
        db.session.commit()
    db.session.rollback()
