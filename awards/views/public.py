"""The public winners page of a programme, its embeddable fragment and its feeds. No log-in.

Before the programme's `publish_at` (by the app clock) the page says only when the results
will be announced: the same page for everyone, admins included, and no result data is even
loaded. From `publish_at` on it shows every ratified category's winner with the citation, the
other nominees, and the jury with its chair first.

The fragment (`winners/embed.html`: plain HTML with classes, no script, no style, nothing
from elsewhere, the only page other sites may frame) and the Atom and RSS feeds (one entry
per ratified category's winner) answer 404 before `publish_at`, exactly as the page shows
nothing of a result before then. Their language is the address's `?lang=nl|en` alone (Dutch
by default), never the visitor's session or browser, so a public cache keeps one copy per
address.
"""

from __future__ import annotations

from flask import Blueprint, current_app, make_response, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup

from awards import feeds
from awards.models import Programme
from awards.services.access import get_programme
from awards.services.ratification import (
    PublishedCategory,
    jury_for_display,
    published_fingerprint,
    published_results,
)
from core import caching
from core.clock import now
from core.errors import NotFound
from core.i18n import LOCALES, current_locale
from core.paging import paginate_list, requested_page

bp = Blueprint("awards_public", __name__, url_prefix="/awards")
#: the fragment's CSP: nothing to load or run, and any site may frame it
EMBED_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors *"
#: ratified categories on one page of the winners page
WINNERS_PER_PAGE = 10


@bp.get("/<slug>/winners")
def winners(slug: str):
    """The winners page, `WINNERS_PER_PAGE` categories a page (`?page=`; 404 past the last
    page); 404 for an unknown programme.

    The publication moment is checked on every request, before anything else; after it, the
    categories' part of the page is kept in the page cache (`core.caching`) under the
    programme's `published_fingerprint` (its ratifications, frozen, and what could still be
    edited around them), the page number and the language, so a new ratification, an edited
    category or entry, or another moment's answer never comes from an older copy. The jury is
    read on every request (a juror's name may change)."""
    programme = get_programme(slug)
    moment = now()
    fingerprint = published_fingerprint(programme, moment)
    if fingerprint is None:
        return render_template("awards/public/embargo.html", programme=programme)
    number = requested_page()
    locale = current_locale()

    def render() -> str:
        results = published_results(programme, moment) or []
        page = paginate_list(results, size=WINNERS_PER_PAGE, number=number, keep=())
        return render_template(
            "awards/public/_winners_results.html",
            programme=programme,
            results=page.items,
            page=page,
            join_names=join_names,
        )

    if number > 1 and (number - 1) * WINNERS_PER_PAGE >= len(fingerprint):
        raise NotFound()  # past the last page (each ratified category is one fingerprint row)
    return render_template(
        "awards/public/winners.html",
        programme=programme,
        results_html=Markup(
            caching.fragment("winners", (programme.id, locale, number, fingerprint), render)
        ),
        jury=jury_for_display(programme),
    )


@bp.get("/<slug>/winners/embed.html")
def winners_embed(slug: str):
    """The winners and nominees as an HTML fragment for other sites; 404 before the moment."""
    programme, results = _published(slug)
    with force_locale(_lang()):
        page = render_template(
            "awards/public/winners_embed.html",
            programme=programme,
            results=results,
            lang=_lang(),
            page_url=url_for(".winners", slug=slug, lang=_lang(), _external=True),
        )
    response = make_response(page)
    response.headers["Content-Security-Policy"] = EMBED_CSP
    return response


@bp.get("/<slug>/winners.atom")
def winners_atom(slug: str):
    """The Atom feed of the winners; 404 before the moment."""
    return _feed_response(slug, feeds.atom, ".winners_atom", "application/atom+xml")


@bp.get("/<slug>/winners.rss")
def winners_rss(slug: str):
    """The RSS 2.0 feed of the winners; 404 before the moment."""
    return _feed_response(slug, feeds.rss, ".winners_rss", "application/rss+xml")


def _feed_response(slug: str, write, endpoint: str, mimetype: str):
    programme, results = _published(slug)
    with force_locale(_lang()):
        body = write(_feed(programme, results, endpoint=endpoint))
    return current_app.response_class(body, mimetype=mimetype)


def _lang() -> str:
    asked = request.args.get("lang")
    return asked if asked in LOCALES else "nl"


def _published(slug: str) -> tuple[Programme, list[PublishedCategory]]:
    """The programme and its published results; NotFound for an unknown programme and, the
    same, before its `publish_at`."""
    programme = get_programme(slug)
    results = published_results(programme, now())
    if results is None:
        raise NotFound()
    return programme, results


def _feed(programme: Programme, results: list[PublishedCategory], *, endpoint: str) -> feeds.Feed:
    """The feed's texts in the forced language, with absolute addresses. An item is updated
    when its result became public: the announcement, or a later ratification."""
    lang = _lang()
    page = url_for(".winners", slug=programme.slug, lang=lang, _external=True)
    items = []
    for item in results:
        parts = [item.winner.title, item.ratification.citation(lang)]
        if item.nominees:
            names = join_names([entry.organisation for entry in item.nominees])
            parts.append(_("The other nominees in this category were %(names)s.", names=names))
        items.append(
            feeds.FeedItem(
                id=f"{page}#{item.category.slug}",
                title=_(
                    "Winner %(award)s: %(organisation)s",
                    award=item.category.name(lang),
                    organisation=item.winner.organisation,
                ),
                link=f"{page}#{item.category.slug}",
                updated=max(programme.publish_at, item.ratification.ratified_at),
                summary="\n\n".join(part for part in parts if part),
            )
        )
    return feeds.Feed(
        id=page,
        title=f"{_('Winners')} · {programme.name}",
        link=page,
        self_link=url_for(endpoint, slug=programme.slug, lang=lang, _external=True),
        author=current_app.config["ORGANISATION_NAME"],
        language=lang,
        updated=max([programme.publish_at, *(i.updated for i in items)]),
        items=tuple(items),
    )


def join_names(names: list[str]) -> str:
    """'A', 'A and B', 'A, B and C' (in the page's language)."""
    if len(names) <= 1:
        return "".join(names)
    return _("%(first)s and %(last)s", first=", ".join(names[:-1]), last=names[-1])
