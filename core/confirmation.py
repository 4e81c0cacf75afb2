"""A confirmation step for destructive actions, server-side (no JavaScript needed).

A destructive POST view asks first::

    if not confirmation.confirmed():
        return confirmation.ask(_("Withdraw entry %(ref)s?", ref=entry.ref),
                                back=url_for(".show_entry", ...))
    ... act ...

Without a ``confirmed`` field the view changes nothing and answers (200) a page saying what
will happen, with a Confirm button that posts the same fields again plus ``confirmed=1``
(and a fresh CSRF token) and a Back link. Only the confirmed POST acts. Only the fields a
view names (`keep`) are repeated, so nothing a hostile form adds is echoed into the page.
"""

from __future__ import annotations

from flask import render_template, request

CONFIRMED_FIELD = "confirmed"


def confirmed() -> bool:
    """Whether this POST carries the confirmation (``confirmed=1``)."""
    return request.form.get(CONFIRMED_FIELD) == "1"


def ask(
    question: str,
    *,
    back: str,
    details: tuple[str, ...] = (),
    button: str | None = None,
    keep: tuple[str, ...] = (),
) -> tuple[str, int]:
    """The confirmation page (status 200) for the current POST: `question` as its heading,
    `details` as paragraphs (what will happen), `button` as the Confirm button's label (a
    generic "Confirm" by default) and a Back link to `back`. The form posts to the same
    URL with the fields named in `keep` as they were sent, a fresh CSRF token and
    ``confirmed=1``."""
    fields = [(name, value) for name in keep for value in request.form.getlist(name)]
    page = render_template(
        "core/confirm.html",
        question=question,
        details=details,
        button=button,
        action=request.path,
        fields=fields,
        back=back,
    )
    return page, 200
