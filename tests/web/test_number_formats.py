"""Numbers people read on the awards pages are written by Babel in their language
(`core.i18n.format_number`, the `|num` filter): criterion weights and scales, the size of an
attached PDF and the upload limits in refusals. "1,5" in Dutch, "1.5" in English."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask import g
from flask_babel import refresh

from tests.web.test_entrant import case, upload

LOCALES = [("nl", ","), ("en", ".")]


@pytest.fixture
def get(app, login):
    """get(user, path, lang) -> the page's text, as `user` in `lang`."""

    def _get(user, path: str, lang: str) -> str:
        g.pop("_login_user", None)  # the tests' app context is shared by every request
        refresh()  # as is the locale Flask-Babel cached
        client = login(user, app.test_client()) if user is not None else app.test_client()
        response = client.get(path, query_string={"lang": lang})
        assert response.status_code == 200, path
        return response.get_data(as_text=True)

    return _get


@pytest.fixture
def programme(make_programme):
    programme = make_programme()
    impact = programme.criteria[0]
    impact.weight = Decimal("1.5")
    impact.min_score = Decimal("0.5")
    impact.step = Decimal("0.5")
    return programme


@pytest.mark.parametrize(("lang", "sep"), LOCALES)
def test_weights_and_scales_on_the_admin_programme_page(programme, get, make_user, lang, sep):
    page = get(make_user(admin=True), f"/admin/programmes/{programme.slug}", lang)
    assert f'<td class="num">1{sep}5</td>' in page
    assert f"<td>0{sep}5–10 (" in page and f" 0{sep}5)</td>" in page
    assert "1.500" not in page and "1,500" not in page


@pytest.mark.parametrize(("lang", "sep"), LOCALES)
def test_scales_on_the_public_programme_page(programme, get, lang, sep):
    page = get(None, f"/awards/{programme.slug}", lang)
    scale = "Schaal" if lang == "nl" else "Scale"
    assert f"{scale} 0{sep}5–10" in page


@pytest.mark.parametrize(("lang", "size"), [("nl", "1.270 kB"), ("en", "1,270 KB")])
def test_the_attachment_size_on_the_entry_page(programme, get, make_entry, make_user, lang, size):
    owner = make_user()
    entry = make_entry(
        programme,
        owner=owner,
        attachment_key="k" * 32,
        attachment_name="case.pdf",
        attachment_size=1_300_000,  # 1269.5 KB, shown rounded up
    )
    page = get(owner, f"/awards/{programme.slug}/entries/{entry.id}", lang)
    assert f"({size})" in page


@pytest.mark.parametrize(("lang", "expected"), [("nl", "1,5 MB"), ("en", "1.5 MB")])
def test_the_upload_limit_in_a_refusal(app, programme, login, make_user, lang, expected):
    app.config["MAX_ATTACHMENT_BYTES"] = 1536 * 1024
    client = login(make_user(), app.test_client())
    refresh()
    content = b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024)
    response = upload(
        client, f"/awards/{programme.slug}/entries/new?lang={lang}", case(programme), content
    )
    assert response.status_code == 400
    assert expected in response.get_data(as_text=True)
