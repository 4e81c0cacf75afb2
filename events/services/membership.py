"""Who is a member: decided on the server from a verified e-mail address, never from a form.

An address belongs to a member organisation when its domain (`core.emails.email_domain`: the
part after the last "@", lower case) is one of the organisation's `MemberDomain`s, or a subdomain of one
("jan@marketing.ddma.nl" matches "ddma.nl"). Subdomains count because only the owner of a
domain can hand out addresses under its subdomains; a look-alike such as "ddma.nl.evil.com"
or "notddma.nl" does not match. When several domains match, the longest (most specific) wins.

Call `audience_for` only with an address whose ownership was proven: at e-mail verification
time, or with the account address of a logged-in user whose e-mail is verified.
"""

from __future__ import annotations

import sqlalchemy as sa

from core.emails import candidate_domains, email_domain, normalise_email
from core.extensions import db
from events.models import MemberDomain, MemberOrganisation
from events.pricing import Audience


def member_organisation_for(email: str) -> MemberOrganisation | None:
    """The member organisation whose domain (or a parent of it) is the address's domain."""
    candidates = candidate_domains(email_domain(email))
    if not candidates:
        return None
    matches = db.session.scalars(_DOMAINS, {"domains": list(candidates)}).all()
    if not matches:
        return None
    best = max(matches, key=lambda d: len(d.domain))
    return best.organisation


#: `member_organisation_for`'s query, built once (for the list of `domains`)
_DOMAINS = sa.select(MemberDomain).where(
    MemberDomain.domain.in_(sa.bindparam("domains", expanding=True))
)


def audience_for(email: str, *, user=None) -> tuple[Audience, MemberOrganisation | None]:
    """(MEMBER, organisation) when `email` belongs to a member organisation, else (NON_MEMBER, None).

    The caller guarantees `email` is verified. With `user` (a logged-in account) the address
    must be that account's and the account must be verified: raises ValueError otherwise,
    because deciding membership from an unproven address is a programming error.
    """
    if user is not None:
        if getattr(user, "email_verified_at", None) is None:
            raise ValueError("membership needs a verified account e-mail address")
        if normalise_email(user.email) != normalise_email(email):
            raise ValueError("membership of a logged-in user is decided on the account address")
    organisation = member_organisation_for(email)
    if organisation is None:
        return Audience.NON_MEMBER, None
    return Audience.MEMBER, organisation
