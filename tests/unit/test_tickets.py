"""The pure ticket type rules (`events.tickets`): on sale, who may buy, how many left."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from events import tickets
from events.tickets import Reason, TicketRule

OPENS = datetime(2025, 3, 1, 9, tzinfo=UTC)
CLOSES = datetime(2025, 4, 1, 12, tzinfo=UTC)
WINDOW = {"opens_at": OPENS, "closes_at": CLOSES}
NOW = datetime(2025, 3, 10, 12, tzinfo=UTC)
STUDENT = TicketRule(email_domains=("student.uva.nl", "student.vu.nl"))


def test_on_sale_follows_the_event_window_without_its_own():
    rule = TicketRule()
    assert tickets.on_sale(rule, NOW, **WINDOW).ok
    assert tickets.on_sale(rule, OPENS - timedelta(seconds=1), **WINDOW).reason is Reason.NOT_YET
    assert tickets.on_sale(rule, OPENS, **WINDOW).ok
    assert tickets.on_sale(rule, CLOSES, **WINDOW).reason is Reason.ENDED


def test_an_early_bird_window_of_its_own():
    bird = TicketRule(sale_ends_at=datetime(2025, 3, 8, tzinfo=UTC))
    assert tickets.on_sale(bird, datetime(2025, 3, 7, 23, tzinfo=UTC), **WINDOW).ok
    assert tickets.on_sale(bird, NOW, **WINDOW).reason is Reason.ENDED
    late = TicketRule(sale_starts_at=datetime(2025, 3, 20, tzinfo=UTC))
    assert tickets.on_sale(late, NOW, **WINDOW).reason is Reason.NOT_YET


def test_an_inactive_type_is_never_on_sale():
    assert tickets.on_sale(TicketRule(active=False), NOW, **WINDOW) == tickets.Decision(
        False, Reason.INACTIVE
    )


def test_audience():
    members = TicketRule(audience="member")
    others = TicketRule(audience="non_member")
    assert tickets.may_buy(members, audience="member", email_domain="ddma.nl").ok
    assert (
        tickets.may_buy(members, audience="non_member", email_domain="x.nl").reason
        is Reason.MEMBERS_ONLY
    )
    assert tickets.may_buy(others, audience="non_member", email_domain="x.nl").ok
    assert (
        tickets.may_buy(others, audience="member", email_domain="ddma.nl").reason
        is Reason.NON_MEMBERS_ONLY
    )
    assert tickets.may_buy(TicketRule(), audience="member", email_domain="ddma.nl").ok


def test_domains_match_the_domain_and_below_it_only():
    assert tickets.may_buy(STUDENT, audience="non_member", email_domain="student.uva.nl").ok
    assert tickets.may_buy(STUDENT, audience="non_member", email_domain="a.student.vu.nl").ok
    for domain in ("uva.nl", "notstudent.uva.nl", "student.uva.nl.evil.com", ""):
        decision = tickets.may_buy(STUDENT, audience="non_member", email_domain=domain)
        assert decision.reason is Reason.DOMAIN, domain


def test_decide_gives_the_first_no_and_sold_out_last():
    assert tickets.decide(
        STUDENT, NOW, **WINDOW, audience="non_member", email_domain="student.uva.nl",
        capacity=2, holding=1,
    ).ok  # fmt: skip
    full = tickets.decide(
        STUDENT, NOW, **WINDOW, audience="non_member", email_domain="student.uva.nl",
        capacity=2, holding=2,
    )  # fmt: skip
    assert full.reason is Reason.SOLD_OUT
    wrong = tickets.decide(
        STUDENT, NOW, **WINDOW, audience="non_member", email_domain="x.nl", capacity=2, holding=2
    )
    assert wrong.reason is Reason.DOMAIN
    early = tickets.decide(
        STUDENT, OPENS - timedelta(days=1), **WINDOW, audience="member", email_domain="x.nl"
    )
    assert early.reason is Reason.NOT_YET


def test_seats_left():
    assert tickets.seats_left(None, 500) is None
    assert tickets.seats_left(10, 3) == 7
    assert tickets.seats_left(10, 12) == 0


def test_parse_domains():
    assert tickets.parse_domains("@Student.UvA.nl, student.vu.nl\nstudent.uva.nl.") == (
        ["student.uva.nl", "student.vu.nl"],
        [],
    )
    assert tickets.parse_domains("uva.nl not_a_domain nl") == (["uva.nl"], ["not_a_domain", "nl"])
    assert tickets.parse_domains("") == ([], [])


labels = st.from_regex(r"[a-z0-9]{1,10}", fullmatch=True)


@given(st.lists(labels, min_size=2, max_size=4), st.lists(labels, max_size=3))
def test_a_subdomain_of_a_listed_domain_always_matches(domain_labels, prefix):
    domain = ".".join(domain_labels)
    assert tickets.domain_matches(".".join([*prefix, domain]), [domain])


@given(st.lists(labels, min_size=2, max_size=4), labels)
def test_a_look_alike_never_matches(domain_labels, extra):
    domain = ".".join(domain_labels)
    assert not tickets.domain_matches(extra + domain, [domain])
    assert not tickets.domain_matches(f"{domain}-{extra}", [domain])
    assert not tickets.domain_matches(f"{domain}-{extra}.{domain_labels[-1]}", [domain])


@given(
    st.datetimes(timezones=st.just(UTC)),
    st.one_of(st.none(), st.datetimes(timezones=st.just(UTC))),
    st.one_of(st.none(), st.datetimes(timezones=st.just(UTC))),
)
def test_on_sale_exactly_inside_its_window(now, starts, ends):
    rule = TicketRule(sale_starts_at=starts, sale_ends_at=ends)
    start, end = starts or OPENS, ends or CLOSES
    assert tickets.on_sale(rule, now, **WINDOW).ok == (start <= now < end)


@given(st.one_of(st.none(), st.integers(0, 1000)), st.integers(0, 1000))
def test_never_more_left_than_capacity_and_never_negative(capacity, holding):
    left = tickets.seats_left(capacity, holding)
    assert left is None if capacity is None else 0 <= left <= capacity
