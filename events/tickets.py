"""Ticket types: whether one is on sale at a moment, whether a registrant may buy it, and how
many are left. Pure: standard library (and `events.pricing`'s audiences) only.

The services pass plain values: the type's fields, the event's registration window, the
audience decided from the VERIFIED address (`events.services.membership`) and that address's
domain as `core.emails.email_domain` gives it. Every answer carries a reason code, so a
page can say why a ticket cannot be bought.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from events.pricing import Audience

#: who may buy a ticket type (`TicketType.audience`)
ANYONE = "anyone"
AUDIENCES = (ANYONE, Audience.MEMBER.value, Audience.NON_MEMBER.value)
KEY = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
DOMAIN = re.compile(rf"(?:{_LABEL}\.)+{_LABEL}")


class Reason(StrEnum):
    """Why a ticket type cannot be bought ("" when it can)."""

    OK = ""
    INACTIVE = "inactive"
    NOT_YET = "not_yet_on_sale"
    ENDED = "sale_ended"
    MEMBERS_ONLY = "members_only"
    NON_MEMBERS_ONLY = "non_members_only"
    DOMAIN = "other_domain"
    SOLD_OUT = "sold_out"


@dataclass(frozen=True)
class Decision:
    """Yes or no, with the reason for a no."""

    ok: bool
    reason: Reason = Reason.OK


YES = Decision(True)


@dataclass(frozen=True)
class TicketRule:
    """The fields of a ticket type that decide who may buy it and when.

    `sale_starts_at` / `sale_ends_at` None: the event's registration window."""

    active: bool = True
    audience: str = ANYONE
    email_domains: tuple[str, ...] = ()
    sale_starts_at: datetime | None = None
    sale_ends_at: datetime | None = None


def sale_window(
    rule: TicketRule, *, opens_at: datetime, closes_at: datetime
) -> tuple[datetime, datetime]:
    """(from, until) the type is on sale: its own bounds, else the event's window's."""
    return rule.sale_starts_at or opens_at, rule.sale_ends_at or closes_at


def on_sale(
    rule: TicketRule, now: datetime, *, opens_at: datetime, closes_at: datetime
) -> Decision:
    """Whether the type is on sale at `now`: active, and `from <= now < until`."""
    if not rule.active:
        return Decision(False, Reason.INACTIVE)
    start, end = sale_window(rule, opens_at=opens_at, closes_at=closes_at)
    if now < start:
        return Decision(False, Reason.NOT_YET)
    if now >= end:
        return Decision(False, Reason.ENDED)
    return YES


def domain_matches(domain: str, domains: tuple[str, ...] | list[str]) -> bool:
    """Whether `domain` is one of `domains` or below one of them: "student.uva.nl" and
    "x.student.uva.nl" match "student.uva.nl"; "uva.nl" and "notstudent.uva.nl" do not."""
    domain = (domain or "").strip().strip(".").lower()
    if not domain:
        return False
    return any(domain == d or domain.endswith("." + d) for d in domains if d)


def may_buy(rule: TicketRule, *, audience: str, email_domain: str) -> Decision:
    """Whether a registrant of `audience` ("member"/"non_member", decided from the verified
    address) at `email_domain` may buy the type: its audience, then its domains."""
    if rule.audience == Audience.MEMBER.value and audience != Audience.MEMBER.value:
        return Decision(False, Reason.MEMBERS_ONLY)
    if rule.audience == Audience.NON_MEMBER.value and audience != Audience.NON_MEMBER.value:
        return Decision(False, Reason.NON_MEMBERS_ONLY)
    if rule.email_domains and not domain_matches(email_domain, rule.email_domains):
        return Decision(False, Reason.DOMAIN)
    return YES


def seats_left(capacity: int | None, holding: int) -> int | None:
    """Tickets of a type left: None for a type sharing the event's capacity (no own limit),
    else its capacity less the seats its registrations hold (never below 0)."""
    if capacity is None:
        return None
    return max(capacity - holding, 0)


def decide(
    rule: TicketRule,
    now: datetime,
    *,
    opens_at: datetime,
    closes_at: datetime,
    audience: str,
    email_domain: str,
    capacity: int | None = None,
    holding: int = 0,
) -> Decision:
    """On sale, may this registrant buy it, and is one left: the first no, or yes."""
    sale = on_sale(rule, now, opens_at=opens_at, closes_at=closes_at)
    if not sale.ok:
        return sale
    allowed = may_buy(rule, audience=audience, email_domain=email_domain)
    if not allowed.ok:
        return allowed
    if seats_left(capacity, holding) == 0:
        return Decision(False, Reason.SOLD_OUT)
    return YES


def parse_domains(text: str) -> tuple[list[str], list[str]]:
    """E-mail domains typed one per line or separated by commas/spaces ("@" and dots at the
    ends dropped, lower-cased, duplicates once, in the order typed) and the entries that are
    no domain name."""
    domains: list[str] = []
    bad: list[str] = []
    for raw in re.split(r"[\s,;]+", text or ""):
        item = raw.strip().lstrip("@").strip(".").lower()
        if not item:
            continue
        if len(item) > 253 or not DOMAIN.fullmatch(item):
            bad.append(raw.strip())
        elif item not in domains:
            domains.append(item)
    return domains, bad
