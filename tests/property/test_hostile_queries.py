"""Hostile URLs at every page: numbers beyond any column in the path and in the query string
(page, category, trim...), NUL and line breaks, as the admin (who sees every page). No
answer is a 5xx; a refusal (4xx) says why."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from podium import create_app
from tests.property.hostile import HUGE_NUMBER, SETTINGS, judge
from tests.property.test_hostile_forms import world  # noqa: F401  (a fixture)

QUERY_NAMES = ["page", "category", "trim", "method", "status", "state", "scope", "action",
               "lang", "format", "session_id", "next", "q",
               "from", "to"]  # fmt: skip
HUGE = str(2**70)
BAD_PAGES = ("0", "-1", "abc", "", " 2", "2147483647", "1e9", "٣")


def _get_rules() -> list[tuple[str, str]]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})
    return sorted(
        (r.endpoint, r.rule)
        for r in app.url_map.iter_rules()
        if "GET" in r.methods and r.endpoint != "static"
    )


RULES = _get_rules()
# a real object for every kind of path argument, so the page gets as far as its query
ARGS = {"slug": "programme", "entry_id": "submitted", "category_id": "category",
        "criterion_id": "criterion", "event_id": "event_id", "registration_id": "confirmed_id",
        "org_id": "org", "message_id": "message", "token": "confirmed",
        "category_slug": "category_slug", "member_id": "new_member",
        "conflict_id": "conflict", "scorecard_id": "scorecard", "session_id": "checkout"}  # fmt: skip


def _url(rule: str, ids: dict[str, str], endpoint: str, huge: str | None) -> str:
    def value(match):
        kind, name = match.group(1) or "", match.group(2)
        if huge is not None and kind == "int:":
            return huge
        if name == "slug" and endpoint.startswith("events"):
            return ids["event"]
        return ids.get(ARGS.get(name, ""), "x")

    return re.sub(r"<(int:|[a-z]+:)?(\w+)>", value, rule)


@pytest.mark.parametrize(("endpoint", "rule"), RULES, ids=[e for e, _ in RULES])
def test_hostile_urls_never_reach_a_500(endpoint, rule, app, client, login, world):  # noqa: F811
    login(world.users["admin"])
    fixed = [
        (_url(rule, world.ids, endpoint, HUGE), {}),
        (_url(rule, world.ids, endpoint, None), {name: HUGE for name in QUERY_NAMES}),
        (_url(rule, world.ids, endpoint, None), {name: HUGE_NUMBER for name in QUERY_NAMES}),
        (_url(rule, world.ids, endpoint, None), {name: "a\x00b" for name in QUERY_NAMES}),
        # page numbers of the paged lists (`core.paging`): page 1 or 404, never a 500
        *((_url(rule, world.ids, endpoint, None), {"page": bad}) for bad in BAD_PAGES),
    ]

    def check(url, query):
        response = client.get(url, query_string=query, headers={"Accept-Language": "en"})
        assert response.status_code < 500, (url, query)
        if response.status_code >= 400:
            assert judge(client, response)[1], (url, query, response.status_code)

    for url, query in fixed:
        check(url, query)

    @SETTINGS
    @given(
        name=st.sampled_from(QUERY_NAMES),
        value=st.one_of(st.integers().map(str), st.text(max_size=20)),
    )
    def drawn(name, value):
        check(_url(rule, world.ids, endpoint, None), {name: value})

    drawn()
