"""What the events admin types: amounts in euros, VAT percentages, speakers, member domains."""

from __future__ import annotations

from decimal import Decimal

import pytest

from events.forms.admin import parse_euros, parse_percent, parse_speakers
from events.services.admin import SpeakerData
from events.services.members import normalise_domain, split_domains


def test_parse_euros():
    assert parse_euros("50") == 5000
    assert parse_euros("50,00") == 5000
    assert parse_euros("60.5") == 6050
    assert parse_euros(" €0,01 ") == 1
    for bad in ("12,345", "-1", "", "1e3", "5,", "1.000,00", "NaN"):
        with pytest.raises(ValueError):
            parse_euros(bad)


def test_parse_percent():
    assert parse_percent("21") == Decimal("0.21")
    assert parse_percent("9") == Decimal("0.09")
    assert parse_percent("5,5%") == Decimal("0.055")
    for bad in ("100", "-1", "21,125", "abc", ""):
        with pytest.raises(ValueError):
            parse_percent(bad)


def test_parse_speakers():
    text = "Isa Nieuwstad | Legal Counsel | DDMA\n  \nJanus de Visser|Operations Director\nAnon"
    assert parse_speakers(text) == [
        SpeakerData("Isa Nieuwstad", "Legal Counsel", "DDMA"),
        SpeakerData("Janus de Visser", "Operations Director", ""),
        SpeakerData("Anon", "", ""),
    ]
    with pytest.raises(ValueError, match=r"Line 1.*Line 3"):
        parse_speakers("| no name\nok\na|b|c|d")
    with pytest.raises(ValueError, match="200 characters"):
        parse_speakers("x" * 201)


def test_normalise_domain():
    assert normalise_domain("  @DDMA.nl. ") == "ddma.nl"
    assert normalise_domain("münchen.de") == "xn--mnchen-3ya.de"
    for bad in ("ddma", "dd ma.nl", "-ddma.nl", "ddma..nl", "1.2.3.4", "a" * 64 + ".nl", ""):
        with pytest.raises(ValueError):
            normalise_domain(bad)
    assert split_domains("kpn.com; kpn.nl\nx.nl ,y.nl") == ["kpn.com", "kpn.nl", "x.nl", "y.nl"]
