"""Conflict-of-interest matching rules: organisation names, e-mail domains, the link found."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from awards.matching import find_link, find_links, names_match, normalise, registrable_domain


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("KPN B.V.", ("kpn",)),
        ("Univé", ("unive",)),
        ("  Coco & Sebas  ", ("coco", "sebas")),
        ("Rabobank N.V.", ("rabobank",)),
        ("DataOps House Ltd.", ("dataops", "house")),
        ("Merkle GmbH", ("merkle",)),
        ("Google Inc", ("google",)),
        ("McDonald's", ("mcdonalds",)),
    ],
)
def test_normalise(name, words):
    assert normalise(name) == words


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("KPN", "KPN B.V.", True),
        ("Rabobank", "Rabobank Nederland", True),
        ("rabobank nederland", "RABOBANK", True),
        ("Univé", "Unive", True),
        ("ING", "ING Bank", True),
        ("ING", "Ingram", False),
        ("ING", "Ingram Micro B.V.", False),
        ("Bank", "Rabobank", False),
        ("New York Pizza", "New York", True),
        ("", "KPN", False),
        ("B.V.", "KPN B.V.", False),
    ],
)
def test_names_match(a, b, expected):
    assert names_match(a, b) is expected
    assert names_match(b, a) is expected


def test_registrable_domain():
    assert registrable_domain("mail.kpn.com") == "kpn.com"
    assert registrable_domain("KPN.com") == "kpn.com"
    assert registrable_domain("news.bbc.co.uk") == "bbc.co.uk"


@pytest.mark.parametrize(
    ("affiliation", "juror", "organisation", "owner", "code"),
    [
        ("KPN", "a@x.nl", "KPN B.V.", "o@y.nl", "affiliation"),
        ("", "coen@rabobank.nl", "Some Company", "entrant@rabobank.nl", "email_domain"),
        ("", "coen@rabobank.nl", "Some Company", "entrant@mail.rabobank.nl", "email_domain"),
        ("", "arnold@kpn.com", "KPN B.V.", "someone@gmail.com", "domain_label"),
        ("", "a@newyorkpizza.nl", "New York Pizza", None, "domain_label"),
        ("", "friend@gmail.com", "Gmail Fans", "other@gmail.com", None),
        ("", "friend@ziggo.nl", "Ziggo", "other@ziggo.nl", None),
        ("ING", "a@ing.com", "Ingram Micro", "o@ingram.com", None),
        ("Lisette", "lisette@anwb.nl", "Rituals", "o@rituals.com", None),
    ],
)
def test_find_link(affiliation, juror, organisation, owner, code):
    found = find_link(affiliation, juror, organisation, owner)
    assert (found[0] if found else None) == code


# --- many pairs at once ---------------------------------------------------------------------

ORGANISATIONS = [
    "KPN B.V.",
    "KPN",
    "kpn mobile",
    "Rabobank Nederland",
    "Rabobank",
    "ING",
    "Ingram",
    "New York Pizza",
    "New York",
    "Coco & Sebas",
    "Univé",
    "DataOps House Ltd.",
    "B.V.",
    "",
]
ADDRESSES = [
    "arnold@kpn.com",
    "b@mail.kpn.com",
    "c@kpn.nl",
    "d@gmail.com",
    "e@ziggo.nl",
    "f@rabobank.nl",
    "g@newyorkpizza.nl",
    "h@ing.com",
    "i@unive.nl",
    "j@dataopshouse.example",
    "k@example.co.uk",
    "not-an-address",
    "",
]


@given(
    jurors=st.lists(
        st.tuples(st.sampled_from(ORGANISATIONS), st.sampled_from(ADDRESSES)), max_size=6
    ),
    entries=st.lists(
        st.tuples(st.sampled_from(ORGANISATIONS), st.none() | st.sampled_from(ADDRESSES)),
        max_size=8,
    ),
)
def test_find_links_gives_what_find_link_gives_for_every_pair(jurors, entries):
    expected = [
        (j, e, *found)
        for j, (affiliation, email) in enumerate(jurors)
        for e, (organisation, owner) in enumerate(entries)
        if (found := find_link(affiliation, email, organisation, owner)) is not None
    ]
    assert list(find_links(jurors, entries)) == expected


def test_find_links_finds_each_kind_of_link():
    jurors = [("Rabobank", "x@gmail.com"), ("", "a@kpn.com"), ("", "p@newyorkpizza.nl")]
    entries = [("Rabobank Nederland", None), ("KPN B.V.", "z@kpn.com"), ("New York Pizza", None)]
    assert list(find_links(jurors, entries)) == [
        (0, 0, "affiliation", "Rabobank"),
        (1, 1, "email_domain", "kpn.com"),
        (2, 2, "domain_label", "newyorkpizza.nl"),
    ]
