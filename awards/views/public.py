"""The public winners page of a programme. No log-in.

Before the programme's `publish_at` (by the app clock) the page says only when the results
will be announced: the same page for everyone, admins included, and no result data is even
loaded. From `publish_at` on it shows every ratified category's winner with the citation, the
other nominees, and the jury with its chair first.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _

from awards.services.access import get_programme
from awards.services.ratification import jury_for_display, published_results
from core.clock import now

bp = Blueprint("awards_public", __name__, url_prefix="/awards")


@bp.get("/<slug>/winners")
def winners(slug: str):
    """The winners page; 404 for an unknown programme."""
    programme = get_programme(slug)
    results = published_results(programme, now())
    if results is None:
        return render_template("awards/public/embargo.html", programme=programme)
    return render_template(
        "awards/public/winners.html",
        programme=programme,
        results=results,
        jury=jury_for_display(programme),
        join_names=join_names,
    )


def join_names(names: list[str]) -> str:
    """'A', 'A and B', 'A, B and C' (in the page's language)."""
    if len(names) <= 1:
        return "".join(names)
    return _("%(first)s and %(last)s", first=", ".join(names[:-1]), last=names[-1])
