"""E-mail addresses and their domains (core.emails): the registrable domain comes from the
Public Suffix List, not a hand-kept list of second-level suffixes."""

from __future__ import annotations

import pytest

from core.emails import (
    candidate_domains,
    domain_label,
    email_domain,
    is_public_mail_domain,
    normalise_email,
    registrable_domain,
)


@pytest.mark.parametrize(
    ("domain", "registrable"),
    [
        ("mail.kpn.com", "kpn.com"),
        ("news.bbc.co.uk", "bbc.co.uk"),
        # suffixes a short hand-written list did not know
        ("shop.example.co.jp", "example.co.jp"),
        ("hr.agency.gov.uk", "agency.gov.uk"),
        ("team.rabobank.com.mx", "rabobank.com.mx"),
        ("Mail.KPN.com.", "kpn.com"),
        ("nl", "nl"),
    ],
)
def test_registrable_domain_follows_the_public_suffix_list(domain, registrable):
    assert registrable_domain(domain) == registrable


def test_domain_label_and_public_mail():
    assert domain_label("mail.nypizza.nl") == "nypizza"
    assert domain_label("shop.example.co.jp") == "example"
    assert is_public_mail_domain("gmail.com") and is_public_mail_domain("mx.gmail.com")
    assert not is_public_mail_domain("kpn.com")


def test_addresses_and_candidate_domains():
    assert normalise_email("  Ada@Example.ORG ") == "ada@example.org"
    assert email_domain("x@Sub.Example.ORG.") == "sub.example.org"
    assert email_domain("no-at-sign") == ""
    assert candidate_domains("a.b.ddma.nl") == ["a.b.ddma.nl", "b.ddma.nl", "ddma.nl"]
    assert candidate_domains("nl") == []
