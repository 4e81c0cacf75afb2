"""Browser tests: a person in headless Chromium, clicking and typing, against the app served
on 127.0.0.1 by the test run.

The app is the run's one app (`session_app`), served by a real threaded HTTP server in this
process (`live_server`), so a test builds its data with the usual factories, moves the clock
with `clock.set(...)` and reads the outbox, and the browser sees the same database, clock and
mail. CSRF is on, as in production.

Chromium is Debian's (`/usr/bin/chromium`, or PODIUM_CHROMIUM), driven by Playwright for
Python; no browser is ever downloaded (`make test` installs the Debian package when it is
missing). axe-core comes from the npm registry (`tests/browser/package.json`, installed by
`make test`).

Every test gets a `person` (see `Person`). Whatever the test does, and checked on every page
the person reaches:
- axe-core reports no violation of impact moderate or above;
- no response is a 5xx;
- every request goes to 127.0.0.1 (anything else is aborted and fails the test);
- the only cookies are the session cookie and, when asked for, the remember cookie;
- the console shows no error and the page throws no exception (a CSP violation is one);
- every link on the page to the app answers, for this person at this moment, without an error
  (a 4xx or 5xx after redirects is a broken link).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from werkzeug.serving import make_server

from core.extensions import db

HERE = Path(__file__).parent
AXE_JS = HERE / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("PODIUM_CHROMIUM", "/usr/bin/chromium")
# Where the key pages' screenshots go (named in the README).
SCREENSHOTS = Path(
    os.environ.get("PODIUM_SCREENSHOTS", HERE.parent.parent / "build" / "screenshots")
)
# The probe's flags: without the background-networking ones Chromium calls Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
]
# The markup of a page without its words and values: each element's tag, class, role, type
# and attribute names, and whether it holds text of its own (see `Person.audit`).
STRUCTURE_JS = """() => Array.from(document.querySelectorAll('*'), el => [
    el.tagName, el.getAttribute('class') || '', el.getAttribute('role') || '',
    el.getAttribute('type') || '', el.getAttributeNames().sort().join(','),
    Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim()) ? 't' : '',
].join('|')).join('\\n')"""
_AUDITED_STRUCTURES: set[str] = set()
BLOCKING_IMPACTS = {"moderate", "serious", "critical"}
LOCALES = {"nl": "nl-NL", "en": "en-GB"}


def pytest_collection_modifyitems(items):
    """Browser tests are marked `browser` (run them alone with `pytest -m browser`)."""
    for item in items:
        if str(HERE) in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_server(session_app) -> Iterator[str]:
    """The run's app served on 127.0.0.1 (a free port), in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, session_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def chromium(playwright):
    """Debian's Chromium under Playwright, once per run."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: `make test` installs Debian's chromium package "
            "(apt-get install -y chromium)"
        )
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: `make test` runs npm ci in tests/browser")
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


@dataclass
class Findings:
    """What went wrong in the browser; each list must be empty at the end of the test."""

    foreign_requests: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    accessibility: list[str] = field(default_factory=list)
    cookies: list[str] = field(default_factory=list)
    broken_links: list[str] = field(default_factory=list)

    def problems(self) -> dict[str, list[str]]:
        return {name: items for name, items in vars(self).items() if items}


class Person:
    """One person in their own browser profile (cookies, language, window size).

    Each step settles the page (waits for it to load) and checks it: axe, cookies. Use the
    steps for everything that navigates, so that every page the person sees is checked:

        person.goto("/events")                      # a path on the live server
        person.follow("Digital Talk")               # a link, by its accessible name
        person.fill("E-mailadres", "a@example.org") # a field, by its label
        person.press("Inschrijven")                 # a button, by its accessible name
        person.see("Je bent ingeschreven")          # text on the page (fails if absent)

    `page` is the Playwright page for anything else; call `settle()` after it navigates.
    """

    def __init__(
        self, page, base_url: str, findings: Findings, axe_source: str, lang: str, requests
    ):
        self.page = page
        self._requests = requests
        self.base_url = base_url
        self.findings = findings
        self.lang = lang
        self._axe_source = axe_source
        self._loads = 0
        self._audited = 0
        self.audited_urls: list[str] = []
        self._links_checked: set[str] = set()
        page.on("load", self._on_load)

    def _on_load(self, _page) -> None:
        self._loads += 1

    # -- steps --------------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return urljoin(self.base_url + "/", path.lstrip("/"))

    def goto(self, path: str):
        _commit_test_data()
        response = self.page.goto(self.url(path))
        self.settle()
        return response

    def follow(self, name: str, *, exact: bool = False) -> None:
        _commit_test_data()
        self.page.get_by_role("link", name=name, exact=exact).first.click()
        self.settle()

    def press(self, name: str, *, exact: bool = False) -> None:
        _commit_test_data()
        self.page.get_by_role("button", name=name, exact=exact).first.click()
        self.settle()

    def fill(self, label: str, value: str, *, exact: bool = False) -> None:
        self.page.get_by_label(label, exact=exact).first.fill(value)

    def check(self, label: str, *, exact: bool = False) -> None:
        self.page.get_by_label(label, exact=exact).first.check()

    def select(self, label: str, option: str, *, exact: bool = False) -> None:
        self.page.get_by_label(label, exact=exact).first.select_option(label=option)

    def see(self, text: str) -> None:
        from playwright.sync_api import expect

        expect(self.page.get_by_text(text).first).to_be_visible()

    def text(self) -> str:
        return self.page.inner_text("body")

    @property
    def path(self) -> str:
        parts = urlsplit(self.page.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def settle(self) -> None:
        """Wait for the page, then check it (axe, cookies) if it is new since the last check."""
        self.page.wait_for_load_state("load")
        self._check_cookies()
        if self._loads > self._audited:
            self.audit()

    def audit(self) -> None:
        """axe-core on the current page: every violation of impact moderate or above is a
        finding. (Evaluated through the DevTools protocol: the page's CSP stays as it is.)

        axe runs once per page structure and window width in a run: a page whose markup
        (elements, their classes, roles and types, which attributes they carry, where text
        is) equals one already checked at this width is not checked again, whatever its
        words, numbers and links, so the English run of a journey does not repeat the Dutch
        one. Anything that differs in markup is checked."""
        structure = self.page.evaluate(STRUCTURE_JS)
        key = hashlib.sha256(f"{self.page.viewport_size}|{structure}".encode()).hexdigest()
        if key not in _AUDITED_STRUCTURES:
            self._run_axe()
            _AUDITED_STRUCTURES.add(key)
        self._audited = self._loads
        self.audited_urls.append(self.path)
        self.check_links()

    def _run_axe(self) -> None:
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.page.evaluate(self._axe_source)
        result = self.page.evaluate(
            """async () => {
                const r = await axe.run(document, {resultTypes: ['violations']});
                return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
            }"""
        )
        found = [v for v in result if v["impact"] in BLOCKING_IMPACTS]
        for violation in found:
            self.findings.accessibility.append(
                f"{self.path}: {violation['id']} ({violation['impact']}): "
                f"{violation['help']} at {violation['nodes']}"
            )

    def check_links(self) -> None:
        """Every link on the page to the app answers without an error, asked with a copy of
        this person's cookies (so a link that changes the session, like the language switch,
        leaves the person's own session alone); each link once per person."""
        hrefs = self.page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
        links = [
            target
            for target in dict.fromkeys(href.split("#", 1)[0] for href in hrefs)
            if target.startswith(self.base_url + "/")
            and target not in self._links_checked
            # the page itself (in the other language): its own status was its answer
            and urlsplit(target).path != urlsplit(self.page.url).path
        ]
        if not links:
            return
        asker = self._requests.new_context(storage_state=self.page.context.storage_state())
        try:
            for target in links:
                self._links_checked.add(target)
                response = asker.get(target, max_redirects=5)
                if response.status >= 400:
                    self.findings.broken_links.append(
                        f"{self.path}: {target} answers {response.status}"
                    )
                response.dispose()
        finally:
            asker.dispose()

    def screenshot(self, name: str, *, full_page: bool = True) -> Path:
        """The current page as `build/screenshots/<name>-<lang>.png`."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        target = SCREENSHOTS / f"{name}-{self.lang}.png"
        self.page.screenshot(path=str(target), full_page=full_page)
        return target

    def cookie_names(self) -> set[str]:
        return {cookie["name"] for cookie in self.page.context.cookies()}

    def _check_cookies(self) -> None:
        allowed = _allowed_cookies()
        for name in self.cookie_names() - allowed:
            message = f"{self.path}: cookie {name!r} (only {sorted(allowed)} are allowed)"
            if message not in self.findings.cookies:
                self.findings.cookies.append(message)


def _allowed_cookies() -> set[str]:
    from flask import current_app

    return {
        current_app.config.get("SESSION_COOKIE_NAME", "session"),
        current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token"),
    }


def _commit_test_data() -> None:
    """What the test built (flushed) exists before the browser asks, and the test's own read
    transaction ends, so the server's writes are neither blocked nor unseen."""
    db.session.commit()


@pytest.fixture
def browser_app(app):
    """The test's app with CSRF on, as in production."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app


@pytest.fixture
def new_person(browser_app, live_server, playwright, chromium, axe_source) -> Iterator:
    """new_person(lang="nl", width=1280, height=900) -> a Person in a fresh browser profile
    (of the run's Chromium, or of `browser=`: one launched with other flags, as the camera's).

    At the end of the test, every person's findings must be empty.
    """
    contexts = []
    people: list[Person] = []

    def _new_person(
        lang: str = "nl", width: int = 1280, height: int = 900, *, browser=None
    ) -> Person:
        findings = Findings()
        context = (browser or chromium).new_context(
            locale=LOCALES[lang],
            viewport={"width": width, "height": height},
            timezone_id="Europe/Amsterdam",
            accept_downloads=True,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)

        def route(route_, request_):
            host = urlsplit(request_.url).hostname
            if request_.url.startswith(("data:", "blob:", "about:")) or host == "127.0.0.1":
                route_.continue_()
            else:
                findings.foreign_requests.append(request_.url)
                route_.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on(
            "response",
            lambda r: r.status >= 500 and findings.server_errors.append(f"{r.status} {r.url}"),
        )
        page.on("console", lambda m: _console(m, page, findings))
        page.on("pageerror", lambda e: findings.page_errors.append(f"{page.url}: {e}"))
        person = Person(page, live_server, findings, axe_source, lang, playwright.request)
        people.append(person)
        return person

    yield _new_person
    try:
        for person in people:
            if not person.page.is_closed():
                person.settle()
        problems = {
            f"person {index} ({person.lang})": person.findings.problems()
            for index, person in enumerate(people)
            if person.findings.problems()
        }
        assert not problems, problems
    finally:
        for context in contexts:
            context.close()


def _console(message, page, findings: Findings) -> None:
    """A console error is a finding, except Chromium's note that the page itself came with a
    4xx status: a refused form (400) or a refused step (409) is an answer the app means,
    and its page is checked like any other (a 5xx is a server error, recorded apart)."""
    if message.type != "error":
        return
    own_status = (
        message.text.startswith("Failed to load resource: the server responded with a status of 4")
        and message.location.get("url") == page.url
    )
    if not own_status:
        findings.console_errors.append(f"{page.url}: {message.text}")


@pytest.fixture(params=sorted(LOCALES))
def lang(request) -> str:
    """Run the test once in Dutch and once in English."""
    return request.param


@pytest.fixture
def person(new_person, lang) -> Person:
    """One person whose browser asks for `lang`."""
    return new_person(lang)
