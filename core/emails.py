"""E-mail addresses and their domains, the one home for parsing them (standard library and
the maintained Public Suffix List from `publicsuffixlist`; no framework).

Used by accounts (normalised addresses), awards (conflicts from a shared employer domain)
and events (membership from a member organisation's domain).
"""

from __future__ import annotations

from functools import cache

from publicsuffixlist import PublicSuffixList

# free mail providers: a shared one says nothing about an employer
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.nl",
        "live.com",
        "icloud.com",
        "me.com",
        "yahoo.com",
        "ziggo.nl",
        "kpnmail.nl",
        "xs4all.nl",
        "proton.me",
        "protonmail.com",
        # reserved for documentation (RFC 2606): never anyone's employer
        "example.com",
        "example.org",
        "example.net",
    }
)


@cache
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList()  # the list shipped with the package: no network


def normalise_email(email: str) -> str:
    """The address as stored and looked up: surrounding spaces removed, lower case."""
    return (email or "").strip().lower()


def email_domain(email: str) -> str:
    """The lower-case domain of `email` ("" when there is no "@" or nothing after it)."""
    _, at, domain = (email or "").strip().rpartition("@")
    return domain.strip().rstrip(".").lower() if at else ""


def registrable_domain(domain: str) -> str:
    """The organisation's domain by the Public Suffix List: "mail.kpn.com" -> "kpn.com",
    "news.bbc.co.uk" -> "bbc.co.uk". A bare suffix or an unknown single label is returned
    as it is (lower case, without dots at the ends)."""
    text = (domain or "").lower().strip(".")
    return _suffixes().privatesuffix(text) or text


def domain_label(domain: str) -> str:
    """The organisation label of a domain: "kpn.com" -> "kpn", "mail.nypizza.nl" -> "nypizza"."""
    return registrable_domain(domain).split(".", 1)[0]


def is_public_mail_domain(domain: str) -> bool:
    """True for free mail providers (gmail.com, ziggo.nl, ...) and reserved example domains."""
    text = (domain or "").lower().strip(".")
    return text in PUBLIC_MAIL_DOMAINS or registrable_domain(text) in PUBLIC_MAIL_DOMAINS


def candidate_domains(domain: str) -> list[str]:
    """`domain` and its parent domains with at least two labels, most specific first.

    "a.b.ddma.nl" -> ["a.b.ddma.nl", "b.ddma.nl", "ddma.nl"]; a bare "nl" gives [].
    """
    labels = [label for label in domain.split(".") if label]
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]
