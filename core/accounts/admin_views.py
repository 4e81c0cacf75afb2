"""The users pages of admins (blueprint `users_admin`, /admin/users): the list with search and
filters, invitations, and per account its role, deactivation and reactivation.

Every view is admin-only (`admin_required`: anonymous visitors go to the log-in page, staff
and everyone else get 403). The rules (nobody changes their own role or deactivates
themselves; there is always an active admin) are in `core.accounts.management`; a refusal
is answered on the page with its message (`refusal`) and nothing changes. Deactivating and
reactivating ask first (`core.confirmation`).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core import confirmation
from core.accounts import management
from core.accounts.auth import admin_required
from core.accounts.forms import InviteUserForm, UserFilterForm, UserRoleForm
from core.clock import now
from core.i18n import current_locale
from core.unit_of_work import refusal

bp = Blueprint("users_admin", __name__, url_prefix="/admin/users")


@bp.get("/")
@admin_required
def index():
    """Accounts by name, 50 a page: `q` finds part of a name or address, `role` and `state`
    filter (see `management.list_users`); an invalid filter is reported and ignored."""
    form = UserFilterForm(request.args)
    valid = form.validate()
    filters = {
        "q": (form.q.data or "") if valid else "",
        "role": (form.role.data or "") if valid else "",
        "state": (form.state.data or "") if valid else "",
    }
    found = management.list_users(
        search=filters["q"],
        role=filters["role"],
        state=filters["state"],
        page=(form.page.data or 1) if valid else 1,
    )
    return render_template(
        "accounts/admin/users.html",
        form=form,
        found=found,
        filters={k: v for k, v in filters.items() if v},
        state=management.user_state,
        me=current_user.id,
    ), (200 if valid else 400)


@bp.route("/invite", methods=["GET", "POST"])
@admin_required
def invite():
    """Invite someone: the account is made with the chosen role and language, and its owner
    gets a link (in that language) to choose a password. An address whose account has no
    password yet gets a fresh link; one with an account is refused on the form."""
    form = InviteUserForm()
    if not form.is_submitted():
        form.language.data = current_locale()
    if form.validate_on_submit():
        with refusal(form) as refused:
            user, created = management.invite_user(
                name=form.name.data,
                email=form.email.data,
                role=form.role.data,
                locale=form.language.data,
                actor=current_user,
                now=now(),
            )
            if created:
                flash(_("Invitation sent to %(email)s.", email=user.email), "success")
            else:
                flash(
                    _(
                        "%(email)s had not chosen a password yet: a new invitation was sent. "
                        "The account is unchanged.",
                        email=user.email,
                    ),
                    "info",
                )
            return redirect(url_for(".show", user_id=user.id))
        return render_template("accounts/admin/invite.html", form=form), refused.status
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/admin/invite.html", form=form), status


def _user_page(user, role_form=None, status: int = 200):
    role_form = role_form or UserRoleForm(formdata=None, data={"role": user.role})
    return render_template(
        "accounts/admin/user.html",
        user=user,
        state=management.user_state(user),
        role_form=role_form,
        me=current_user.id,
    ), status


@bp.get("/<int:user_id>")
@admin_required
def show(user_id: int):
    """One account: its address, role, state, and the forms to change them."""
    return _user_page(management.get_user(user_id))


@bp.post("/<int:user_id>/role")
@admin_required
def change_role(user_id: int):
    """Give the account another role (no role, staff, admin); refused for one's own and for
    the last active admin."""
    user = management.get_user(user_id)
    form = UserRoleForm()
    if not form.validate_on_submit():
        return _user_page(user, form, 400)
    with refusal(form) as refused:
        if management.set_role(user, form.role.data, actor=current_user, now=now()):
            flash(_("The role of %(email)s is changed.", email=user.email), "success")
        else:
            flash(_("%(email)s already has this role.", email=user.email), "info")
        return redirect(url_for(".show", user_id=user.id))
    return _user_page(management.get_user(user_id), form, refused.status)


@bp.post("/<int:user_id>/deactivate")
@admin_required
def deactivate(user_id: int):
    """Deactivate the account after confirming: it is logged out everywhere and cannot log
    in until reactivated. Refused for oneself and for the last active admin."""
    user = management.get_user(user_id)
    if not confirmation.confirmed():
        return confirmation.ask(
            _("Deactivate %(email)s?", email=user.email),
            details=(
                _(
                    "%(name)s is logged out on every device and can no longer log in. "
                    "Their role, entries and history stay; you can reactivate the account.",
                    name=user.name,
                ),
            ),
            button=_("Deactivate account"),
            back=url_for(".show", user_id=user.id),
        )
    with refusal() as refused:
        management.deactivate(user, actor=current_user, now=now())
        flash(_("%(email)s is deactivated.", email=user.email), "success")
        return redirect(url_for(".show", user_id=user.id))
    return _user_page(management.get_user(user_id), status=refused.status)


@bp.post("/<int:user_id>/reactivate")
@admin_required
def reactivate(user_id: int):
    """Reactivate a deactivated account after confirming: it can log in again, with its role."""
    user = management.get_user(user_id)
    if not confirmation.confirmed():
        return confirmation.ask(
            _("Reactivate %(email)s?", email=user.email),
            details=(
                _(
                    "%(name)s can log in again, with the role the account has.",
                    name=user.name,
                ),
            ),
            button=_("Reactivate account"),
            back=url_for(".show", user_id=user.id),
        )
    with refusal() as refused:
        management.reactivate(user, actor=current_user, now=now())
        flash(_("%(email)s can log in again.", email=user.email), "success")
        return redirect(url_for(".show", user_id=user.id))
    return _user_page(management.get_user(user_id), status=refused.status)
