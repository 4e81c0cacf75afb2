"""Pure matching of names and e-mail domains, used to detect conflicts of interest.

Standard library only. Organisation names are compared as word sequences after `normalise`;
two names match when equal or when one is a whole-word prefix of the other.
"""

from __future__ import annotations

import re
import unicodedata

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
LEGAL_FORMS = frozenset({"bv", "nv", "ltd", "inc", "gmbh", "vof", "cv"})
# second-level suffixes under which the organisation is the third label from the right
TWO_LEVEL_SUFFIXES = frozenset({"co.uk", "org.uk", "ac.uk", "com.au", "co.nz", "co.za", "com.br"})
_DELETED = re.compile(r"[.'’`´]")
_SEPARATORS = re.compile(r"[\W_]+")


def normalise(name: str) -> tuple[str, ...]:
    """`name` as comparable words: casefolded, accents and punctuation dropped, legal forms
    (b.v., bv, n.v., nv, ltd, inc, gmbh) removed, spaces collapsed. "KPN B.V." -> ("kpn",)."""
    text = unicodedata.normalize("NFKD", (name or "").casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _DELETED.sub("", text)
    words = [w for w in _SEPARATORS.split(text) if w]
    return tuple(w for w in words if w not in LEGAL_FORMS)


def names_match(a: str, b: str) -> bool:
    """Equal after `normalise`, or one is a whole-word prefix of the other
    ("KPN" ~ "KPN B.V.", "Rabobank" ~ "Rabobank Nederland"; "ING" is not "Ingram")."""
    wa, wb = normalise(a), normalise(b)
    if not wa or not wb:
        return False
    short, long_ = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    return long_[: len(short)] == short


def registrable_domain(domain: str) -> str:
    """The organisation's domain: "mail.kpn.com" -> "kpn.com", "bbc.co.uk" stays "bbc.co.uk"."""
    labels = [label for label in (domain or "").lower().strip(".").split(".") if label]
    keep = 3 if ".".join(labels[-2:]) in TWO_LEVEL_SUFFIXES else 2
    return ".".join(labels[-keep:])


def domain_label(domain: str) -> str:
    """The organisation label of a domain: "kpn.com" -> "kpn", "mail.nypizza.nl" -> "nypizza"."""
    return registrable_domain(domain).split(".", 1)[0]


def is_public_domain(domain: str) -> bool:
    """True for free mail providers (gmail.com, ziggo.nl, ...) and reserved example domains."""
    return (
        domain.lower() in PUBLIC_MAIL_DOMAINS or registrable_domain(domain) in PUBLIC_MAIL_DOMAINS
    )


def label_matches(label: str, organisation: str) -> bool:
    """A domain label matches an organisation by `names_match`, or when the organisation's
    words written together equal it ("newyorkpizza" ~ "New York Pizza")."""
    if names_match(label, organisation):
        return True
    words = normalise(organisation)
    return bool(words) and "".join(normalise(label)) == "".join(words)


def find_link(
    affiliation: str, juror_email: str, organisation: str, owner_email: str | None
) -> tuple[str, str] | None:
    """How a juror is linked to an entry, as (code, matched value), or None.

    Codes, checked in this order: "affiliation" (the juror's affiliation matches the entry's
    organisation; value: the affiliation), "email_domain" (juror and entrant share an e-mail
    domain; value: the domain), "domain_label" (the juror's e-mail domain names the
    organisation, "kpn" from "arnold@kpn.com"; value: the domain). Public mail domains
    (gmail.com, ziggo.nl, ...) never match."""
    if affiliation and names_match(affiliation, organisation):
        return "affiliation", affiliation
    juror_domain = juror_email.rsplit("@", 1)[-1].lower()
    if is_public_domain(juror_domain):
        return None
    domain = registrable_domain(juror_domain)
    if owner_email and registrable_domain(owner_email.rsplit("@", 1)[-1]) == domain:
        return "email_domain", domain
    label = domain_label(juror_domain)
    if label and label_matches(label, organisation):
        return "domain_label", domain
    return None
