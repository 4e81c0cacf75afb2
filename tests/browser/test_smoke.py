"""The harness itself: a page in each language passes every check, and each check bites."""

from __future__ import annotations

import pytest


def test_home_page_passes_every_check(person):
    person.goto("/")
    assert person.page.title()
    assert person.page.get_attribute("html", "lang") == person.lang
    assert person.cookie_names() <= {"session", "remember_token"}
    assert person.audited_urls == ["/"]


@pytest.mark.parametrize("lang", ["en"])
def test_the_page_policy_blocks_a_script_injected_by_a_page(person):
    person.goto("/")
    person.page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.x = 1';"
        " document.body.append(s); }"
    )
    person.page.wait_for_timeout(100)
    assert person.page.evaluate("() => window.x") is None
    assert any("Content Security Policy" in error for error in person.findings.console_errors)
    person.findings.console_errors.clear()


@pytest.mark.parametrize("lang", ["en"])
def test_a_request_off_the_host_is_aborted_and_recorded(person):
    from playwright.sync_api import Error

    person.goto("/")
    with pytest.raises(Error):
        person.page.goto("http://198.51.100.7/track")
    assert person.findings.foreign_requests == ["http://198.51.100.7/track"]
    person.findings.foreign_requests.clear()
    person.findings.console_errors.clear()
    person.page.close()  # (an error page: nothing left to check)


@pytest.mark.parametrize("lang", ["en"])
def test_axe_finds_a_violation_on_a_broken_page(person):
    person.goto("/")
    person.page.evaluate("() => { document.querySelector('html').removeAttribute('lang'); }")
    person.audit()
    assert any("html-has-lang" in finding for finding in person.findings.accessibility)
    person.findings.accessibility.clear()


@pytest.mark.parametrize("lang", ["en"])
def test_a_broken_link_is_found(person):
    person.goto("/")
    person.page.evaluate(
        "() => { const a = document.createElement('a'); a.href = '/no-such-page';"
        " a.textContent = 'Nowhere'; document.querySelector('main').append(a); }"
    )
    person.check_links()
    assert person.findings.broken_links == [f"/: {person.base_url}/no-such-page answers 404"]
    person.findings.broken_links.clear()


@pytest.mark.parametrize("lang", ["en"])
def test_a_page_answered_4xx_is_no_console_error_but_a_missing_resource_is(person):
    person.goto("/events/no-such-event")  # the app's own 404 page: checked like any other
    assert person.findings.console_errors == []
    person.page.evaluate(
        "() => { const i = document.createElement('img'); i.alt = '';"
        " i.src = '/static/no-such-image.png'; document.body.append(i); }"
    )
    person.page.wait_for_timeout(300)
    assert any("404" in error for error in person.findings.console_errors)
    person.findings.console_errors.clear()


@pytest.mark.parametrize("lang", ["en"])
def test_a_cookie_other_than_the_session_is_found(person):
    person.goto("/")
    person.page.context.add_cookies([{"name": "_ga", "value": "1", "url": person.base_url}])
    person.goto("/events")
    assert person.findings.cookies == [
        "/events/: cookie '_ga' (only ['remember_token', 'session'] are allowed)"
    ]
    person.findings.cookies.clear()
    person.page.context.clear_cookies()
