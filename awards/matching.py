"""Pure matching of names and e-mail domains, used to detect conflicts of interest.

No framework: the standard library and `core.emails` (domains by the Public Suffix List).
Organisation names are compared as word sequences after `normalise`; two names match when
equal or when one is a whole-word prefix of the other.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator, Sequence

from core.emails import domain_label, email_domain, is_public_mail_domain, registrable_domain

LEGAL_FORMS = frozenset({"bv", "nv", "ltd", "inc", "gmbh", "vof", "cv"})
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
    juror_domain = email_domain(juror_email)
    if not juror_domain or is_public_mail_domain(juror_domain):
        return None
    domain = registrable_domain(juror_domain)
    if owner_email and registrable_domain(email_domain(owner_email)) == domain:
        return "email_domain", domain
    label = domain_label(juror_domain)
    if label and label_matches(label, organisation):
        return "domain_label", domain
    return None


class _Names:
    """Normalised organisation names of many entries, indexed for `names_match`: a name
    matches the entries whose words start with all of its words (`by_prefix`, every
    whole-word prefix of every entry's name) and those whose whole name is a shorter prefix
    of it (`by_name`); `by_joined` holds `label_matches`' joined form. A lookup costs the
    matches it finds, not the entries sharing a first word ("Agency 1" ... "Agency 900")."""

    def __init__(self, organisations: Sequence[str]) -> None:
        self.words = [normalise(o) for o in organisations]
        self.by_prefix: dict[tuple[str, ...], list[int]] = defaultdict(list)
        self.by_name: dict[tuple[str, ...], list[int]] = defaultdict(list)
        self.by_joined: dict[str, list[int]] = defaultdict(list)
        for index, words in enumerate(self.words):
            if words:
                for length in range(1, len(words) + 1):
                    self.by_prefix[words[:length]].append(index)
                self.by_name[words].append(index)
                self.by_joined["".join(words)].append(index)

    def matching(self, name: str) -> set[int]:
        """The entries whose organisation `names_match` `name`."""
        wa = normalise(name)
        if not wa:
            return set()
        found = set(self.by_prefix.get(wa, ()))  # wa is a whole-word prefix of theirs, or equal
        for length in range(1, len(wa)):  # theirs is a shorter whole-word prefix of wa
            found.update(self.by_name.get(wa[:length], ()))
        return found

    def matching_label(self, label: str) -> set[int]:
        """The entries whose organisation `label_matches` the domain label `label`."""
        joined = "".join(normalise(label))
        return self.matching(label) | set(self.by_joined.get(joined, ()) if joined else ())


def find_links(
    jurors: Sequence[tuple[str, str]], entries: Sequence[tuple[str, str | None]]
) -> Iterator[tuple[int, int, str, str]]:
    """Every linked pair of `jurors` ((affiliation, e-mail)) and `entries` ((organisation,
    owner e-mail or None)) as (juror index, entry index, code, value), juror by juror and
    entry by entry: exactly the pairs and results `find_link` gives, without comparing every
    pair. Each name and address is normalised once, and a juror's candidates are looked up by
    the organisation's whole-word prefixes, its joined words and the entrant's domain."""
    names = _Names([organisation for organisation, _ in entries])
    by_domain: dict[str, list[int]] = defaultdict(list)
    for index, (_, owner_email) in enumerate(entries):
        if owner_email:
            by_domain[registrable_domain(email_domain(owner_email))].append(index)
    for juror, (affiliation, juror_email) in enumerate(jurors):
        by_affiliation = names.matching(affiliation) if affiliation else set()
        shared: set[int] = set()
        labelled: set[int] = set()
        domain = ""
        juror_domain = email_domain(juror_email)
        if juror_domain and not is_public_mail_domain(juror_domain):
            domain = registrable_domain(juror_domain)
            shared = set(by_domain.get(domain, ()))
            label = domain_label(juror_domain)
            if label:
                labelled = names.matching_label(label)
        for entry in sorted(by_affiliation | shared | labelled):
            if entry in by_affiliation:
                yield juror, entry, "affiliation", affiliation
            elif entry in shared:
                yield juror, entry, "email_domain", domain
            else:
                yield juror, entry, "domain_label", domain
