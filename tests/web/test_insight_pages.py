"""What the scores say about the jury, on the pages (issue 9): agreement and how sure the
winner is on the leaderboard and in its export, each juror's severity on the progress page —
for the chair and an admin, only where results may be seen, and for a chair with a conflict
computed without the entry they are barred from (nothing of it shows through a figure)."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest

from awards import insight, scoring
from awards.models import Conflict
from awards.services import results
from awards.services.jury_insight import rounded
from core.extensions import db
from tests.factories import make_scorecard
from tests.web.test_conflicted_chair import MARKERS, Browser

SCORING = datetime(2025, 4, 10, 9, 0, tzinfo=UTC)
DELIBERATION = datetime(2025, 5, 10, 9, 0, tzinfo=UTC)

# every criterion gets the juror's one value; the chair chairs and scores nothing
SCORES = {  # entry -> (J1, J2, J3)
    "A": (10, 8, 7),
    "B": (6, 7, 5),
    "C": (3, 5, 3),
    "KPN-7": (10, 10, 9),
}


@pytest.fixture
def as_user(app, login):
    def _as(user):
        return Browser(login(user, app.test_client()))

    return _as


@pytest.fixture
def jury(app, clock, make_programme, make_juror, make_user, make_entry):
    """A category with A, B, C and KPN-7, scored by three jurors (J3 always lowest); the
    chair has an upheld conflict with KPN-7, which everyone else scores highest."""
    clock.set(SCORING)
    programme = make_programme(quorum=1, trim=0)
    chair = make_juror(programme, make_user("arnold@kpn.com", name="Arnold"), role="chair")
    jurors = [
        make_juror(programme, make_user(f"j{i}@example.org", name=f"Juror {i}")) for i in (1, 2, 3)
    ]
    entries = {}
    for ref in SCORES:
        organisation, title = (
            ("KPN Secret Org", "Confidential KPN case")
            if ref == "KPN-7"
            else (f"Org {ref}", f"Case {ref}")
        )
        entries[ref] = make_entry(programme, ref=ref, organisation=organisation, title=title)
    db.session.add(
        Conflict(
            jury_member=chair,
            entry=entries["KPN-7"],
            source="detected",
            status="upheld",
            reason="KPN",
            created_at=SCORING,
        )
    )
    for ref, values in SCORES.items():
        for juror, value in zip(jurors, values, strict=True):
            make_scorecard(juror, entries[ref], value)
    db.session.commit()
    clock.set(DELIBERATION)
    return programme, chair, jurors


@pytest.fixture
def admin(make_user):
    user = make_user("admin@example.org", name="Admin", admin=True)
    db.session.commit()
    return user


def results_url(programme, suffix="", lang="en"):
    return f"/admin/awards/{programme.slug}/results{suffix}?lang={lang}"


def _insight(html: str, name: str) -> tuple[str, str, str]:
    """(text, jurors, entries) of the `data-insight=name` cell."""
    found = re.search(
        rf'data-insight="{name}"(?: data-jurors="(\d+)" data-entries="(\d+)")?>(.*?)</dd>',
        html,
        re.S,
    )
    assert found, name
    return " ".join(found.group(3).split()), found.group(1), found.group(2)


def _share(html: str, ref: str) -> str:
    row = re.search(rf'<tr data-ref="{re.escape(ref)}".*?</tr>', html, re.S)
    assert row, ref
    cell = re.search(r'data-kind="win_share">([^<]*)</td>', row.group(0))
    assert cell
    return cell.group(1).strip()


def _block(refs):
    """rows = entries, columns = J1, J2, J3."""
    return [[SCORES[r][j] for j in range(3)] for r in refs]


def _matrix(refs):
    return {
        f"J{j}": {ref: float(SCORES[ref][j]) for ref in refs} for j in range(3)
    }  # one value per criterion: the total is that value


def test_the_admin_sees_agreement_and_the_redraws_on_every_entry(jury, as_user, admin):
    programme, _chair, _jurors = jury
    html = as_user(admin).get(results_url(programme)).text
    expected = insight.icc2(_block(SCORES))
    icc, jurors, entries = _insight(html, "icc")
    assert (jurors, entries) == ("3", "4")  # everyone scored every entry
    assert str(rounded(expected[1])) in icc
    w, _, _ = _insight(html, "kendall")
    assert str(rounded(insight.kendall_w(_block(SCORES)))) in w
    favourite, _, _ = _insight(html, "favourite")
    assert "KPN-7 KPN Secret Org ranks first in" in favourite
    assert "of 1,000 redraws of the 3 jurors (Mean)" in favourite
    assert _share(html, "C") == "0%"
    assert _share(html, "KPN-7") not in ("0%", "100%")  # A wins the redraws heavy with J1
    same, _, _ = _insight(html, "same-winner")
    assert "Every method names the same winner." in same


def test_the_page_finds_the_agreement_block_with_numpy_and_shows_the_references_figures(
    jury, as_user, admin, monkeypatch
):
    """At Cannes size the pure block search took seconds a category; the page uses
    `fast_insight.agreement` (equal to it: tests/property/test_fast_insight.py)."""
    programme, _chair, _jurors = jury

    def pure_block_search(*_args, **_kwargs):
        raise AssertionError("the leaderboard ran the pure-Python block search")

    monkeypatch.setattr(insight, "complete_block", pure_block_search)
    html = as_user(admin).get(results_url(programme)).text
    icc, jurors, entries = _insight(html, "icc")
    assert (jurors, entries) == ("3", "4")
    assert str(rounded(insight.icc2(_block(SCORES))[1])) in icc
    w, _, _ = _insight(html, "kendall")
    assert str(rounded(insight.kendall_w(_block(SCORES)))) in w


def test_the_page_aggregates_the_category_once_for_every_method(jury, as_user, admin, monkeypatch):
    """The board and its figures (each method's first) share one aggregation of the
    category's cards (`scoring.aggregate_all`: validated and grouped once), and the page
    asked again with the same scores aggregates nothing (`results._aggregate_all`
    remembers it, keyed on the whole input)."""
    programme, _chair, _jurors = jury
    results._aggregate_all.cache_clear()
    calls: list[str] = []

    def counted(function):
        def call(*args, **kwargs):
            calls.append(function.__name__)
            return function(*args, **kwargs)

        return call

    monkeypatch.setattr(scoring, "aggregate", counted(scoring.aggregate))
    monkeypatch.setattr(scoring, "aggregate_all", counted(scoring.aggregate_all))
    html = as_user(admin).get(results_url(programme)).text
    assert "Every method names the same winner." in html
    assert calls.count("aggregate_all") == 1
    # ("aggregate" only where the win shares validate their input, once)
    assert set(calls) <= {"aggregate_all", "aggregate"} and calls.count("aggregate") <= 1
    calls.clear()
    again = as_user(admin).get(results_url(programme)).text
    assert calls == [] and "Every method names the same winner." in again


def test_a_conflicted_chair_sees_figures_computed_without_their_entry(jury, as_user):
    programme, chair, _jurors = jury
    response = as_user(chair.user).get(results_url(programme))
    assert response.status_code == 200
    html = response.text
    for marker in MARKERS:
        assert marker not in html
    icc, jurors, entries = _insight(html, "icc")
    assert (jurors, entries) == ("3", "3")  # A, B, C: KPN-7 left out of every figure
    refs = ["A", "B", "C"]
    assert str(rounded(insight.icc2(_block(refs))[1])) in icc
    favourite, _, _ = _insight(html, "favourite")
    # without KPN-7, A wins every redraw: a share computed with it would leak it
    assert "A Org A ranks first in 100% of 1,000 redraws" in favourite
    assert _share(html, "A") == "100%"
    assert _insight(html, "kendall")[2] == "3"


def test_the_leaderboard_explains_the_figures_in_dutch(jury, as_user, admin):
    programme, _chair, _jurors = jury
    html = as_user(admin).get(results_url(programme, lang="nl")).text
    assert "Hoe zeker is deze rangorde?" in html
    favourite, _, _ = _insight(html, "favourite")
    assert "staat eerst in" in favourite and "nieuwe trekkingen" in favourite
    assert "Kendalls W" in html


def test_not_enough_data_is_said_with_its_reason(
    app, clock, make_programme, make_juror, make_entry, as_user, admin
):
    clock.set(SCORING)
    programme = make_programme(quorum=1)
    juror = make_juror(programme)
    a = make_entry(programme, ref="A")
    make_entry(programme, ref="B")
    make_scorecard(juror, a, 7)
    db.session.commit()
    html = as_user(admin).get(results_url(programme)).text
    icc, jurors, entries = _insight(html, "icc")
    assert "not enough data: fewer than two jurors scored the same entries" in icc
    assert (jurors, entries) == ("1", "1")
    favourite, _, _ = _insight(html, "favourite")
    assert "A Organisation" in favourite
    assert "ranks first in 100% of 1,000 redraws of the 1 jurors" in favourite


def test_the_export_carries_the_figures_and_leaves_the_conflicted_entry_out(jury, as_user, admin):
    programme, chair, _jurors = jury

    def rows(user):
        response = as_user(user).get(results_url(programme, ".csv"))
        assert response.status_code == 200
        text = response.get_data().decode("utf-8-sig")
        return {r["entry"]: r for r in csv.DictReader(io.StringIO(text))}

    everything = rows(admin)
    assert set(everything) == {"A", "B", "C", "KPN-7"}
    assert everything["C"]["win_share"] == "0.000"
    shares = float(everything["KPN-7"]["win_share"]) + float(everything["A"]["win_share"])
    assert shares == pytest.approx(1.0, abs=0.002)  # three decimals each
    expected = insight.icc2(_block(SCORES))[1]
    assert everything["A"]["agreement_icc"] == str(rounded(expected))
    assert (everything["A"]["agreement_jurors"], everything["A"]["agreement_entries"]) == (
        "3",
        "4",
    )
    assert everything["A"]["same_winner_all_methods"] == "yes"
    barred = rows(chair.user)
    assert set(barred) == {"A", "B", "C"}
    assert barred["A"]["win_share"] == "1.000"
    assert barred["A"]["agreement_entries"] == "3"
    expected = insight.icc2(_block("ABC"))[1]
    assert barred["A"]["agreement_icc"] == str(rounded(expected))


def _severity(html: str, member) -> dict[str, str]:
    row = re.search(rf'<tr data-severity="{member.id}">.*?</tr>', html, re.S)
    assert row, member
    return {
        kind: " ".join(re.sub(r"<[^>]+>", "", text).split())
        for kind, text in re.findall(r'data-kind="(\w+)">(.*?)</td>', row.group(0), re.S)
    }


def test_the_progress_page_marks_a_strict_juror_for_admin_and_chair(jury, as_user, admin):
    """J3 scores 2, 1.5, 1 and 1 below the others' mean on A, B, C and KPN-7: offset -1.375,
    95% interval -1.375 +- 3.182 * sd / 2 — below zero: strict. The chair, barred from
    KPN-7, gets the figures over A, B and C: -2, -1.5, -1 -> -1.50."""
    programme, chair, (j1, _j2, j3) = jury
    url = f"/admin/awards/{programme.slug}/jury/progress?lang=en"
    html = as_user(admin).get(url).text
    assert _severity(html, j3)["offset"] == "-1.38"
    assert _severity(html, j3)["verdict"] == "strict: scores lower than the rest of the panel"
    assert _severity(html, j1)["verdict"] == "in line with the panel"
    expected = insight.severity(_matrix(SCORES))["J2"]  # J3 is the matrix's third juror
    assert expected.high < 0
    assert _severity(html, j3)["interval"] == f"{rounded(expected.low)} – {rounded(expected.high)}"
    html = as_user(chair.user).get(url).text
    for marker in MARKERS:
        assert marker not in html
    assert _severity(html, j3)["offset"] == "-1.50"
    assert _severity(html, j3)["verdict"] == "strict: scores lower than the rest of the panel"


def test_severity_waits_for_the_results_moment(jury, as_user, clock):
    """Before scoring closes the chair follows the counts, not how anyone scores."""
    programme, chair, (_j1, _j2, j3) = jury
    clock.set(SCORING)
    html = as_user(chair.user).get(f"/admin/awards/{programme.slug}/jury/progress?lang=en").text
    assert "data-severity-later" in html
    assert f'data-severity="{j3.id}"' not in html
    assert "Shown once scoring has closed, with the results." in html
