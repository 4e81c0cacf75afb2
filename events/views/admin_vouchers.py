"""Voucher views of the events admin (blueprint `events_vouchers`, /admin/events/vouchers):
the list (all, or by event, series or batch) with uses and maximum, its CSV and XLSX
export, create one, generate a batch, edit, end (deactivate) and delete.

Every view is for staff and admins (`staff_required`); destructive POSTs ask first
(`core.confirmation`); a refusal is answered on the page (`refusal`).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core import confirmation, spreadsheets
from core.accounts.auth import staff_required
from core.clock import local, now
from core.i18n import current_locale
from core.unit_of_work import refusal
from events.forms.vouchers import GenerateForm, VoucherForm
from events.models import Voucher
from events.services import vouchers

bp = Blueprint("events_vouchers", __name__, url_prefix="/admin/events/vouchers")


def _filters() -> dict:
    """The list's filters from the query: event_id, series_id (whole numbers) and batch."""
    return {
        "event_id": request.args.get("event_id", type=int),
        "series_id": request.args.get("series_id", type=int),
        "batch": (request.args.get("batch") or "").strip()[:40],
    }


@bp.get("/")
@staff_required
def voucher_list():
    """The vouchers (newest first) with their uses, filtered by event, series or batch."""
    filters = _filters()
    events, series, _types = vouchers.scope_choices()
    locale = current_locale()
    rows = [
        (v, vouchers.scope_text(v, locale), vouchers.value_text(v, locale))
        for v in vouchers.list_vouchers(**filters)
    ]
    return render_template(
        "events/admin/vouchers.html",
        rows=rows,
        filters=filters,
        events=events,
        series=series,
        batches=vouchers.batch_names(),
        query={k: v for k, v in filters.items() if v},
    )


def _export(fmt: str):
    table = vouchers.spreadsheet(vouchers.list_vouchers(**_filters()), locale=current_locale())
    return spreadsheets.download(table, fmt, filename="vouchers", locale=current_locale())


@bp.get("/vouchers.csv")
@staff_required
def voucher_csv():
    """The (filtered) list as CSV in the reader's spreadsheet format (`core.spreadsheets`)."""
    return _export("csv")


@bp.get("/vouchers.xlsx")
@staff_required
def voucher_xlsx():
    """The (filtered) list as an XLSX workbook with typed cells."""
    return _export("xlsx")


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def create_voucher():
    """One voucher (a chosen or random code); 400 with the problems on the form."""
    form = VoucherForm()
    if form.validate_on_submit():
        with refusal(form):
            voucher = vouchers.create_voucher(form.to_data(), now=now(), actor=current_user)
            flash(_("Voucher %(code)s saved.", code=voucher.code), "success")
            return redirect(url_for(".voucher_list"))
    status = 400 if form.is_submitted() else 200
    return render_template("events/admin/voucher_form.html", form=form, voucher=None), status


@bp.route("/generate", methods=["GET", "POST"])
@staff_required
def generate_vouchers():
    """A batch of vouchers with random codes after a prefix, each with the same settings."""
    form = GenerateForm()
    if form.validate_on_submit():
        with refusal(form):
            made = vouchers.generate_vouchers(
                form.to_data(),
                count=form.count.data or 0,
                prefix=form.prefix.data or "",
                now=now(),
                actor=current_user,
            )
            flash(_("%(count)s vouchers generated.", count=len(made)), "success")
            batch = made[0].batch
            return redirect(url_for(".voucher_list", **({"batch": batch} if batch else {})))
    status = 400 if form.is_submitted() else 200
    return render_template("events/admin/voucher_generate.html", form=form), status


def _form_data(voucher: Voucher) -> dict:
    def moment(at):
        return local(at).replace(tzinfo=None) if at else None

    return {
        "code": voucher.code,
        "kind": voucher.kind,
        "percent": voucher.percent,
        "amount": voucher.amount_cents / 100 if voucher.amount_cents is not None else None,
        "event_id": str(voucher.event_id or ""),
        "series_id": str(voucher.series_id or ""),
        "ticket_type_id": str(voucher.ticket_type_id or ""),
        "email_domain": voucher.email_domain,
        "max_uses": voucher.max_uses,
        "valid_from": moment(voucher.valid_from),
        "valid_until": moment(voucher.valid_until),
        "batch": voucher.batch,
        "note": voucher.note,
    }


@bp.route("/<int:voucher_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_voucher(voucher_id: int):
    """Change a voucher (404 for an unknown id); the maximum never below its uses."""
    voucher = vouchers.get_voucher(voucher_id)
    form = VoucherForm() if request.method == "POST" else VoucherForm(data=_form_data(voucher))
    if form.validate_on_submit():
        with refusal(form):
            vouchers.update_voucher(voucher, form.to_data(), now=now(), actor=current_user)
            flash(_("Voucher %(code)s saved.", code=voucher.code), "success")
            return redirect(url_for(".voucher_list"))
    status = 400 if form.is_submitted() else 200
    return render_template("events/admin/voucher_form.html", form=form, voucher=voucher), status


@bp.post("/<int:voucher_id>/end")
@staff_required
def end_voucher(voucher_id: int):
    """Deactivate: the voucher's validity ends now (asks first)."""
    voucher = vouchers.get_voucher(voucher_id)
    if not confirmation.confirmed():
        return confirmation.ask(
            _("End voucher %(code)s now?", code=voucher.code),
            details=(
                _("Nobody can use it from now on; registrations that used it keep their price."),
            ),
            button=_("End voucher"),
            back=url_for(".voucher_list"),
        )
    vouchers.end_voucher(voucher, now=now(), actor=current_user)
    flash(_("Voucher %(code)s ended.", code=voucher.code), "success")
    return redirect(url_for(".voucher_list"))


@bp.post("/<int:voucher_id>/delete")
@staff_required
def delete_voucher(voucher_id: int):
    """Delete a voucher nobody used (asks first); a used one is refused (409)."""
    voucher = vouchers.get_voucher(voucher_id)
    code = voucher.code
    if not confirmation.confirmed():
        return confirmation.ask(
            _("Delete voucher %(code)s?", code=code),
            details=(_("It is removed for good. A voucher that was used can only be ended."),),
            button=_("Delete voucher"),
            back=url_for(".voucher_list"),
        )
    with refusal():  # a used voucher: the message is flashed on the list
        vouchers.delete_voucher(voucher, now=now(), actor=current_user)
        flash(_("Voucher %(code)s deleted.", code=code), "success")
    return redirect(url_for(".voucher_list"))
