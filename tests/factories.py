"""Factory fixtures: each returns a function that builds one object, committed, with defaults."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from itertools import count

import pytest

from awards.models import Category, Criterion, Entry, JuryMember, Programme
from core.accounts.models import User
from core.extensions import db

PASSWORD = "correct horse battery"
_seq = count(1)
_hashes: dict[str, str] = {}


def _password_hash(user: User, password: str) -> str:
    """Hash each distinct test password once per run (scrypt is slow by design)."""
    if password not in _hashes:
        user.set_password(password)
        _hashes[password] = user.password_hash
    return _hashes[password]


TIMELINE = {
    "submissions_open_at": datetime(2025, 2, 1, 9, 0, tzinfo=UTC),
    "submissions_close_at": datetime(2025, 4, 1, 22, 0, tzinfo=UTC),
    "scoring_open_at": datetime(2025, 4, 2, 8, 0, tzinfo=UTC),
    "scoring_close_at": datetime(2025, 5, 1, 22, 0, tzinfo=UTC),
    "publish_at": datetime(2025, 6, 12, 16, 0, tzinfo=UTC),
}
CRITERIA = (
    ("impact", "Impact", "Impact"),
    ("innovation", "Innovatie", "Innovation"),
    ("scalability", "Schaalbaarheid", "Scalability"),
    ("customer_focus", "Klantgerichtheid", "Customer focus"),
)


@pytest.fixture
def make_user(app, clock):
    def _make_user(
        email=None, *, name=None, admin=False, verified=True, password=PASSWORD, locale="en", **kw
    ):
        n = next(_seq)
        user = User(
            email=(email or f"user{n}@example.org").lower(),
            name=name or f"User {n}",
            is_admin=admin,
            email_verified_at=clock() if verified else None,
            created_at=clock(),
            locale=locale,
            **kw,
        )
        user.password_hash = _password_hash(user, password)
        db.session.add(user)
        db.session.commit()
        return user

    return _make_user


@pytest.fixture
def make_programme(app, clock):
    """A programme with the seed's two categories and four equal-weight 1–10 criteria."""

    def _make_programme(slug=None, *, quorum=1, trim=1, method="mean", **timeline):
        n = next(_seq)
        programme = Programme(
            slug=slug or f"cda-{n}",
            name=f"Customer Data Awards {n}",
            quorum=quorum,
            trim=trim,
            method=method,
            created_at=clock(),
            jury_terms_nl="Vertrouwelijkheid en belangenverstrengeling.",
            jury_terms_en="Confidentiality and conflicts of interest.",
            **{**TIMELINE, **timeline},
        )
        programme.categories = [
            Category(
                slug="data-transformation",
                name_nl="Data Transformation Award",
                name_en="Data Transformation Award",
                shortlist_size=3,
                position=1,
            ),
            Category(
                slug="data-innovation",
                name_nl="Data Innovation Award",
                name_en="Data Innovation Award",
                shortlist_size=3,
                position=2,
            ),
        ]
        programme.criteria = [
            Criterion(
                key=key,
                name_nl=nl,
                name_en=en,
                weight=Decimal(1),
                min_score=Decimal(1),
                max_score=Decimal(10),
                step=Decimal(1),
                position=i,
            )
            for i, (key, nl, en) in enumerate(CRITERIA)
        ]
        db.session.add(programme)
        db.session.commit()
        return programme

    return _make_programme


@pytest.fixture
def make_entry(clock, make_programme, make_user):
    def _make_entry(programme=None, *, category=None, owner=None, status="eligible", **kw):
        programme = programme or make_programme()
        category = category or programme.categories[0]
        n = next(_seq)
        entry = Entry(
            programme=programme,
            category=category,
            owner=owner if owner is not None else make_user(),
            ref=kw.pop("ref", f"E{n:03d}"),
            organisation=kw.pop("organisation", f"Organisation {n}"),
            title=kw.pop("title", f"Case {n}"),
            summary=kw.pop("summary", "A summary."),
            case_text=kw.pop("case_text", "The case."),
            status=status,
            created_at=clock(),
            updated_at=clock(),
            submitted_at=clock() if status != "draft" else None,
            **kw,
        )
        db.session.add(entry)
        db.session.commit()
        return entry

    return _make_entry


@pytest.fixture
def make_juror(app, clock, make_user):
    """A jury membership; terms accepted unless accepted=False."""

    def _make_juror(programme, user=None, *, role="member", affiliation="", accepted=True):
        member = JuryMember(
            programme=programme,
            user=user or make_user(),
            role=role,
            affiliation=affiliation,
            invited_at=clock(),
            terms_accepted_at=clock() if accepted else None,
        )
        db.session.add(member)
        db.session.commit()
        return member

    return _make_juror
