"""`Cache-Control` that keeps personal data out of every cache.

The policy (docs/conventions.md, "Headers and files"): every dynamic response carries
`Cache-Control: no-store` (neither the browser, nor a proxy, nor the back button keeps a
copy) unless an anonymous visitor asks for one of the `PUBLIC_PAGES`, which show nothing
personal and may be cached. Static files keep Flask's caching. A new route is private until
it is listed here: forgetting to list a page costs a cache miss, never a leak. (`nosniff`,
the CSP and the referrer policy on every response are `core.templating`'s.)
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_login import current_user

# Pages that show the same to every anonymous visitor: the home page, event pages and their
# public calendar file, programme pages, the winners page (after the embargo) with its
# embeddable fragment and feeds, the privacy page, and a series' page (its published talks).
PUBLIC_PAGES = frozenset(
    {
        "site.home",
        "site.healthz",
        "events.index",
        "events.show",
        "events.ics",
        "entrant.programme",
        "awards_public.winners",
        "awards_public.winners_embed",
        "awards_public.winners_atom",
        "awards_public.winners_rss",
        "privacy.page",
        "events_series_public.show",
    }
)


def register(app: Flask) -> None:
    """Apply the policy above to every response of `app`."""
    app.after_request(apply_policy)


def apply_policy(response: Response) -> Response:
    """`no-store` on a dynamic response unless it is a public page asked for anonymously. A
    view that already forbids storing keeps its own `Cache-Control`."""
    if _may_be_cached() or response.cache_control.no_store:
        return response
    response.headers["Cache-Control"] = "no-store"
    return response


def _may_be_cached() -> bool:
    endpoint = request.endpoint or ""
    if endpoint == "static" or endpoint.endswith(".static"):
        return True
    return endpoint in PUBLIC_PAGES and not current_user.is_authenticated
