"""The admin's "copy to next edition" page (blueprint `awards_editions`, under /admin).

GET shows the form, filled in with a suggestion: next year's name and slug, a shift of 52
weeks and every juror of the programme ticked. A POST that passes the checks shows the
preview (every moment of the timeline before and after the shift, what is copied and who is
invited) with a button that posts the same values again with ``confirmed=1``; only that POST
copies (`awards.services.editions.copy_programme`, one transaction) and goes to the new
programme. A refused value re-renders the form with its message and status 400, nothing
written. Admins only (`admin_required`).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import ngettext
from flask_login import current_user

from awards.forms.editions import NextEditionForm
from awards.services import access, editions
from core import confirmation
from core.accounts.auth import admin_required
from core.clock import now
from core.errors import InvalidInput
from core.i18n import current_locale
from core.labels import label
from core.unit_of_work import refusal

bp = Blueprint("awards_editions", __name__, url_prefix="/admin")


@bp.route("/programmes/<slug>/next-edition", methods=["GET", "POST"])
@admin_required
def next_edition(slug: str):
    """The copy form, its preview, and (confirmed) the copy; 404 for an unknown programme."""
    programme = access.get_programme(slug)
    jury = editions.reinvitable_jury(programme)
    form = NextEditionForm() if request.method == "POST" else _suggestion(programme, jury)
    form.jurors.choices = [(m.id, f"{m.user.name} ({label(m.role, 'jury_role')})") for m in jury]
    if request.method == "GET":
        return _page(programme, form)
    if not form.validate_on_submit():
        return _page(programme, form, status=400)
    chosen = set(form.jurors.data or ())
    values = {
        "slug": form.slug.data,
        "name": form.name.data,
        "days": form.shift_days.data,
        "reinvite": chosen,
    }
    current = now()
    with refusal(form) as refused:
        problems = editions.copy_problems(programme, **values, now=current)
        if problems:
            raise InvalidInput(problems, code="invalid_copy")
        if not confirmation.confirmed():
            return _page(
                programme,
                form,
                preview=editions.shifted_timeline(
                    programme, form.shift_days.data, current_locale()
                ),
                invited=[m for m in jury if m.id in chosen],
            )
        copy = editions.copy_programme(programme, **values, actor=current_user, now=current)
        message = ngettext(
            "%(name)s is ready; %(num)s juror has been invited.",
            "%(name)s is ready; %(num)s jurors have been invited.",
            len(chosen),
            name=copy.name,
        )
        flash(message, "success")
        return redirect(url_for("awards_admin.programme", slug=copy.slug))
    return _page(programme, form, status=refused.status)


def _suggestion(programme, jury) -> NextEditionForm:
    days = editions.DEFAULT_SHIFT_DAYS
    years = editions.suggested_years(days)
    return NextEditionForm(
        formdata=None,
        data={
            "name": editions.suggest(programme.name, years),
            "slug": editions.suggest(programme.slug, years, sep="-"),
            "shift_days": days,
            "jurors": [m.id for m in jury],
        },
    )


def _page(programme, form, *, preview=None, invited=(), status: int = 200):
    return render_template(
        "awards/admin/next_edition.html",
        programme=programme,
        form=form,
        preview=preview,
        invited=invited,
        jury_count=len(form.jurors.choices or ()),
    ), status
