"""`awards.services.session_memo`: a programme's rounds, a jury membership and the entries it
is barred from are asked once per session — and every write in the same transaction is
seen: unflushed changes, flushes, bulk statements, commits, rollbacks and locks."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import event as sa_event

from awards.models import Conflict, JuryMember, Programme, Round
from awards.services import rounds
from awards.services.access import barred_entry_ids, is_juror, membership
from core.extensions import db
from core.locking import lock_row


@contextmanager
def counted():
    """Counts the statements sent to the database inside the block (`.n`)."""

    class Count:
        n = 0
        statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        Count.n += 1
        Count.statements.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield Count
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", count)


def _conflict(member, entry, clock, status="upheld") -> Conflict:
    conflict = Conflict(
        jury_member_id=member.id,
        entry_id=entry.id,
        source="declared",
        status=status,
        created_at=clock(),
    )
    db.session.add(conflict)
    return conflict


def test_a_repeated_question_is_asked_once(app, clock, make_programme, make_juror, make_entry):
    programme = make_programme()
    member = make_juror(programme)
    entry = make_entry(programme)
    _conflict(member, entry, clock)
    db.session.flush()
    with counted() as first:
        assert membership(programme, member.user) is member
        assert barred_entry_ids(member) == {entry.id}
        assert rounds.rounds_of(programme)[0].final
    with counted() as again:
        for _ in range(3):
            assert membership(programme, member.user) is member
            assert barred_entry_ids(member) == {entry.id}
            assert rounds.rounds_of(programme)[0].final
    assert (first.n, again.n) == (3, 0)


def test_an_unflushed_change_is_seen(app, clock, make_programme, make_juror, make_entry, make_user):
    programme = make_programme()
    member = make_juror(programme)
    entry = make_entry(programme)
    newcomer = make_user()
    assert membership(programme, newcomer) is None
    assert barred_entry_ids(member) == set()
    joined = JuryMember(
        programme=programme, user=newcomer, role="member", affiliation="", invited_at=clock()
    )
    db.session.add(joined)  # pending: the lookup must not answer from memory
    assert membership(programme, newcomer) is joined
    conflict = _conflict(member, entry, clock)
    assert barred_entry_ids(member) == {entry.id}
    conflict.status = "dismissed"  # a change to a loaded object, not flushed
    assert barred_entry_ids(member) == set()
    db.session.delete(joined)
    assert membership(programme, newcomer) is None


def test_a_flush_a_bulk_statement_and_a_rollback_are_seen(
    app, clock, make_programme, make_juror, make_entry
):
    programme = make_programme()
    member = make_juror(programme)
    entry = make_entry(programme)
    assert barred_entry_ids(member) == set()
    _conflict(member, entry, clock)
    db.session.flush()
    assert barred_entry_ids(member) == {entry.id}
    db.session.execute(sa.update(Conflict).values(status="dismissed"))
    assert barred_entry_ids(member) == set()
    db.session.execute(sa.update(Conflict).values(status="upheld"))
    assert barred_entry_ids(member) == {entry.id}
    db.session.execute(sa.delete(Conflict))
    assert barred_entry_ids(member) == set()
    db.session.commit()
    assert membership(programme, member.user) is member
    db.session.execute(sa.delete(JuryMember).where(JuryMember.id == member.id))
    assert membership(programme, member.user) is None
    db.session.rollback()
    assert membership(programme, member.user) is not None


def test_a_new_round_is_seen(app, clock, make_programme, make_user):
    programme = make_programme()
    admin = make_user(admin=True)
    assert len(rounds.rounds_of(programme)) == 1
    rows = rounds.round_rows(programme)
    rows.append("not a round")  # the caller's own list: the remembered one is unchanged
    assert rounds.round_rows(programme) == []
    close = programme.scoring_close_at
    rounds.add_round(
        programme,
        rounds.RoundData(
            "Finale", "Final", close + timedelta(days=1), close + timedelta(days=2), quorum=2
        ),
        actor=admin,
        now=clock(),
    )
    assert [r.position for r in rounds.rounds_of(programme)] == [1, 2]
    db.session.add(
        Round(
            programme_id=programme.id,
            position=3,
            name_nl="Derde",
            name_en="Third",
            scoring_open_at=close + timedelta(days=3),
            scoring_close_at=close + timedelta(days=4),
            quorum=1,
            created_at=clock(),
        )
    )
    assert [r.position for r in rounds.rounds_of(programme)] == [1, 2, 3]


def test_a_returned_set_is_the_callers_own(app, clock, make_programme, make_juror, make_entry):
    programme = make_programme()
    member = make_juror(programme)
    entry = make_entry(programme)
    _conflict(member, entry, clock)
    db.session.flush()
    barred_entry_ids(member).add(-1)
    assert barred_entry_ids(member) == {entry.id}


def test_a_lock_forgets(app, clock, make_programme, make_juror):
    """A lock may have waited for another transaction's commit: what was remembered before
    it is asked again."""
    programme = make_programme()
    member = make_juror(programme)
    db.session.commit()
    user = member.user
    assert membership(programme, user) is member
    lock_row(Programme, programme.id)
    with counted() as after:
        assert membership(programme, user) is member
    assert any("FROM jury_members" in s for s in after.statements)


def test_a_membership_found_answers_is_juror_until_the_next_write(
    app, clock, make_programme, make_juror, make_user
):
    programme = make_programme()
    member = make_juror(programme)
    outsider = make_user()
    db.session.flush()
    assert membership(programme, member.user) is member
    with counted() as after_membership:
        assert is_juror(member.user)
    with counted() as outsider_asks:
        assert not is_juror(outsider)
    outsider.name = "Someone else"
    db.session.flush()  # a write: what was noted is forgotten
    with counted() as asked_again:
        assert is_juror(member.user)
    assert (after_membership.n, outsider_asks.n, asked_again.n) == (0, 1, 1)
