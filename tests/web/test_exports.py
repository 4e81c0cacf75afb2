"""Numbers in the reader's language, and the spreadsheet downloads (`core.spreadsheets`).

Every CSV download starts with a UTF-8 byte-order mark, is separated by ";" in Dutch and ","
in English, ends every line with "\\r\\n", and keeps "Univé" through a round trip; its XLSX
twin opens in openpyxl with typed cells. A refunded attendee paid €60.50 and got €60.50 back.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from flask import g
from flask_babel import refresh
from openpyxl import load_workbook

import core.i18n
from core.extensions import db
from core.i18n import format_number
from core.spreadsheets import BOM, MIMETYPES
from events.models import Payment
from tests.factories import NOW, make_event, make_invoice, make_registration, make_scorecard

SCORING = datetime(2025, 4, 10, 9, 0, tzinfo=UTC)
DELIMITER = {"nl": ";", "en": ","}


@pytest.fixture
def world(app, clock, make_programme, make_entry, make_juror, make_user, login):
    """Entry A of "Univé": 9, 8, 1 from three jurors (mean 6.00, disagreement 3.56); entry
    B of '=HYPERLINK(...)': 7, 7, 7. An event with one refunded attendee, "Univé" too."""
    clock.set(SCORING)
    programme = make_programme(quorum=2)
    jurors = [make_juror(programme) for _ in range(3)]
    a = make_entry(programme, ref="A", organisation="Univé", title="Klantprofielen")
    b = make_entry(programme, ref="B", organisation='=HYPERLINK("http://x")', title="-2+3")
    for juror, value in zip(jurors, (9, 8, 1), strict=True):
        make_scorecard(juror, a, value)
    for juror in jurors:
        make_scorecard(juror, b, 7)
    event = make_event()
    refunded = make_registration(
        event, "refunded", name="Rita Refund", organisation="Univé", email="rita@unive.nl"
    )
    db.session.add(
        Payment(
            registration_id=refunded.id,
            provider="test",
            idempotency_key="key-refunded",
            amount_cents=6050,
            status="refunded",
            refunded_cents=6050,
            expires_at=NOW,
            created_at=NOW,
            paid_at=NOW,
        )
    )
    make_invoice(refunded, "2025-0001")
    make_invoice(refunded, "2025-0002", series="credit_note")
    admin = login(make_user(admin=True))
    db.session.commit()
    return {"admin": admin, "programme": programme, "event": event, "entry": a}


def _urls(world) -> dict[str, str]:
    slug, event_id = world["programme"].slug, world["event"].id
    return {
        "results": f"/admin/awards/{slug}/results",
        "entries": f"/admin/programmes/{slug}/entries",
        "attendees": f"/admin/events/{event_id}/attendees",
    }


def _get(client, url: str, lang: str):
    """GET `url` in `lang`; the tests' app context is shared by the requests, so Flask-Login's
    and Flask-Babel's cached user and locale are dropped first (as `test_results.Browser`)."""
    g.pop("_login_user", None)
    refresh()
    response = client.get(f"{url}?lang={lang}")
    assert response.status_code == 200, url
    return response


def _rows(body: bytes, lang: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=DELIMITER[lang]))


def _cell(html: str, kind: str, ref: str = "A", method: str = "mean") -> str:
    row = html[html.index(f'data-ref="{ref}"') :]
    found = re.search(rf'data-method="{method}" data-kind="{kind}">([^<]*)<', row)
    assert found, kind
    return found.group(1)


def test_format_number_keeps_the_decimals_in_the_readers_language():
    assert format_number(Decimal("7.63"), "nl") == "7,63"
    assert format_number(Decimal("7.63"), "en") == "7.63"
    assert format_number("7.50", "nl") == "7,50"  # a snapshot's text, two places kept
    assert format_number(Decimal("1234.5"), "nl") == "1.234,5"
    assert format_number(Decimal("1234.5"), "en") == "1,234.5"
    assert format_number(Decimal("7.00"), "nl", trim=True) == "7"
    assert format_number(Decimal("10"), "en", trim=True) == "10"
    assert format_number(None, "nl") == "–"


@pytest.mark.parametrize(
    ("lang", "total", "disagreement"), [("nl", "6,00", "3,56"), ("en", "6.00", "3.56")]
)
def test_leaderboard_numbers_follow_the_language(world, lang, total, disagreement):
    html = _get(world["admin"], _urls(world)["results"], lang).get_data(as_text=True)
    assert _cell(html, "total") == total
    assert _cell(html, "impact") == total
    assert _cell(html, "disagreement", method="all") == disagreement
    assert "×1<" in html  # a criterion's weight, no trailing zeros


def test_jury_scale_and_choices_follow_the_language(app, world, login, make_juror):
    programme = world["programme"]
    for criterion in programme.criteria:
        criterion.step = Decimal("0.5")
    client = login(make_juror(programme).user, app.test_client())
    db.session.commit()
    url = f"/jury/{programme.slug}/entries/{world['entry'].id}"
    html = _get(client, url, "nl").get_data(as_text=True)
    assert "1 tot en met 10, in stappen van 0,5" in html
    assert '<option value="7.5">7,5</option>' in html  # shown Dutch, sent as typed


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("export", ["results", "entries", "attendees"])
def test_csv_has_bom_the_languages_separator_and_crlf(world, export, lang):
    response = _get(world["admin"], _urls(world)[export] + ".csv", lang)
    body = response.get_data()
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    name = "digital-talk" if export == "attendees" else world["programme"].slug
    assert f'filename="{name}-{export}.csv"' in response.headers["Content-Disposition"]
    assert body.startswith(BOM.encode("utf-8"))
    assert body.count(b"\n") == body.count(b"\r\n") >= 2  # RFC 4180, every line
    rows = _rows(body, lang)
    assert len({len(row) for row in rows}) == 1 and len(rows[0]) > 5  # columns were split
    assert any("Univé" in row for row in rows[1:])
    assert '\'=HYPERLINK("http://x")' not in rows[0]


@pytest.mark.parametrize(("lang", "total"), [("nl", "6,00"), ("en", "6.00")])
def test_results_csv_decimals_and_formula_guard(world, lang, total):
    rows = _rows(_get(world["admin"], _urls(world)["results"] + ".csv", lang).get_data(), lang)
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    a = next(r for r in records if r["entry"] == "A")
    b = next(r for r in records if r["entry"] == "B")
    assert (a["organisation"], a["total"], a["impact"]) == ("Univé", total, total)
    assert b["organisation"] == '\'=HYPERLINK("http://x")' and b["title"] == "'-2+3"


@pytest.mark.parametrize(("lang", "amount"), [("nl", "€60,50"), ("en", "€60.50")])
def test_a_refunded_attendee_paid_and_was_refunded(world, lang, amount):
    rows = _rows(_get(world["admin"], _urls(world)["attendees"] + ".csv", lang).get_data(), lang)
    (record,) = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert (record["name"], record["state"]) == ("Rita Refund", "refunded")
    assert (record["amount_paid"], record["amount_refunded"]) == (amount, amount)
    xlsx = _get(world["admin"], _urls(world)["attendees"] + ".xlsx", lang).get_data()
    header, row = list(load_workbook(io.BytesIO(xlsx)).active.iter_rows())
    cells = {h.value: c for h, c in zip(header, row, strict=True)}
    assert cells["amount_paid"].value == cells["amount_refunded"].value == Decimal("60.5")
    assert cells["amount_paid"].data_type == "n" and "€" in cells["amount_paid"].number_format


def _workbook(world, export: str):
    response = _get(world["admin"], _urls(world)[export] + ".xlsx", "nl")
    assert response.headers["Content-Type"] == MIMETYPES["xlsx"]
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    header, *rows = list(sheet.iter_rows())
    names = [cell.value for cell in header]
    return [{n: cell for n, cell in zip(names, row, strict=True)} for row in rows]


def test_results_xlsx_has_typed_cells(world):
    rows = {row["entry"].value: row for row in _workbook(world, "results")}
    a, b = rows["A"], rows["B"]
    assert a["organisation"].value == "Univé"
    assert a["total"].value == 6 and a["total"].data_type == "n"
    assert a["total"].number_format == "0.00"
    assert a["disagreement"].value == pytest.approx(3.56)
    assert (b["rank"].value, a["rank"].value, a["scorecards"].value) == (1, 2, 3)
    assert a["sufficient"].value is True
    # text stays text, never a formula (no quote needed inside a typed workbook)
    assert b["organisation"].value == '=HYPERLINK("http://x")'
    assert b["organisation"].data_type == "s"


def test_entries_xlsx_has_amsterdam_times(world):
    rows = {row["ref"].value: row for row in _workbook(world, "entries")}
    submitted = rows["A"]["submitted_at"]
    assert submitted.value == datetime(2025, 4, 10, 11, 0)  # 09:00 UTC, summer time
    assert submitted.is_date
    assert rows["A"]["organisation"].value == "Univé"


def test_attendees_xlsx_has_typed_cells(world):
    (row,) = _workbook(world, "attendees")
    assert row["organisation"].value == "Univé"
    assert row["comp"].value is False
    assert row["registered_at"].value == datetime(2025, 4, 10, 11, 0)
    assert row["invoice_numbers"].value == "2025-0001 2025-0002"


def test_every_csv_link_has_an_excel_link_beside_it(world):
    for export, url in _urls(world).items():
        html = _get(world["admin"], url, "nl").get_data(as_text=True)
        csv_links = re.findall(rf'href="([^"]*{export}\.csv[^"]*)"', html)
        xlsx_links = re.findall(rf'href="([^"]*{export}\.xlsx[^"]*)"', html)
        assert csv_links and [u.replace(".csv", ".xlsx") for u in csv_links] == xlsx_links
        assert "Excel" in html


def test_the_command_line_csv_stays_plain(app, world):
    """Scripts read `flask awards results --format csv`: commas, points, no byte-order mark."""
    result = app.test_cli_runner().invoke(
        args=["awards", "results", world["programme"].slug, "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    assert not result.stdout.startswith(BOM)
    assert result.stdout.splitlines()[0].startswith("category,rank,entry,")
    assert ",A,Univé,Klantprofielen,6.00," in result.stdout


def test_a_number_is_formatted_by_babel_once_per_text_language_and_trim(monkeypatch):
    """A board shows the same totals on every view: `format_number` keeps what Babel wrote
    for a number's text, language and trim, so a second view formats nothing again."""
    calls = []
    real = core.i18n.format_decimal
    monkeypatch.setattr(
        core.i18n, "format_decimal", lambda *a, **kw: calls.append(a) or real(*a, **kw)
    )
    core.i18n._formatted.cache_clear()
    for _ in range(3):
        assert format_number(Decimal("8.25"), "nl") == "8,25"
        assert format_number("8.25", "en") == "8.25"
        assert format_number(Decimal("8.50"), "nl", trim=True) == "8,5"
    assert len(calls) == 3
    assert format_number(Decimal("8.250"), "nl") == "8,250"  # another text: its own places
    assert len(calls) == 4
