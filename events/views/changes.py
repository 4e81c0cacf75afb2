"""Changes after booking, on the registrant's own pages (blueprint `events_changes`, /events):
transfer the ticket to a colleague (`transfer`, from the registration link), the colleague's
link (`accept_transfer`: GET shows what happens, POST with consent takes the ticket over),
and correcting the invoice address (`invoice_address`: a credit note and a new invoice, asked
to confirm first). Reached by secret tokens only; an unknown token is a 404. The staff
versions are in `events.views.changes_admin`.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from core import confirmation
from core.clock import now
from core.extensions import limiter
from core.i18n import current_locale
from core.unit_of_work import refusal
from events.forms.changes import AcceptTransferForm, InvoiceAddressForm, TransferForm
from events.services import invoice_corrections, registrations, transfers

bp = Blueprint("events_changes", __name__, url_prefix="/events")
#: the fields of the invoice-address form, posted again by the confirmation page
BILLING_FIELDS = (
    "billing_company",
    "billing_address",
    "billing_postcode",
    "billing_city",
    "billing_country",
    "vat_id",
)


@bp.app_context_processor
def _change_options() -> dict:
    """`change_options(registration, now)` and `correctable_invoice(registration)` for the
    registration page's "changes" block (templates/events/changes/_manage_block.html), and
    `transfer_refusal(code)`, the message of a refusal the transfer pages state."""
    return {
        "change_options": transfers.change_options,
        "correctable_invoice": invoice_corrections.correctable_invoice,
        "earlier_documents": invoice_corrections.earlier_documents,
        "transfer_refusal": lambda code: transfers.REFUSALS[code],
    }


def _status(form) -> int:
    return 400 if form.is_submitted() and form.errors else 200


@bp.route("/r/<token>/transfer", methods=["GET", "POST"])
@limiter.limit("10 per minute;60 per hour", methods=["POST"])
def transfer(token: str):
    """Name a colleague to take the ticket over; they get a link to accept it."""
    registration = registrations.get_registration(token)
    at = now()
    form = TransferForm()
    if not form.is_submitted():
        form.locale.data = current_locale()
    page = {"registration": registration, "event": registration.event, "form": form,
            "reason": transfers.refusal_for(registration, at),
            "pending": transfers.pending_transfer(registration)}  # fmt: skip
    if form.validate_on_submit():
        with refusal(form) as refused:
            sent = transfers.request_transfer(registration, form.colleague(), now=at)
            flash(_("We sent %(name)s a link. The ticket is theirs once they open it and "
                    "accept; until then nothing changes for you.", name=sent.name),
                  "success")  # fmt: skip
            return redirect(url_for("events.manage", token=registration.token))
        return render_template("events/changes/transfer.html", **page), refused.status
    return render_template("events/changes/transfer.html", **page), _status(form)


@bp.route("/transfer/<token>", methods=["GET", "POST"])
def accept_transfer(token: str):
    """The colleague's link: what they take over; POST (with consent) makes it theirs."""
    pending = transfers.get_transfer(token)
    at = now()
    form = AcceptTransferForm()
    registration = pending.registration
    page = {"transfer": pending, "registration": registration, "event": registration.event,
            "form": form, "link": transfers.link_state(pending, at),
            "change": transfers.preview_change(pending, at)}  # fmt: skip
    if form.is_submitted():
        with refusal(form) as refused:
            taken = transfers.accept_transfer(
                pending, now=at, consent=bool(form.privacy_consent.data)
            )
            flash(_("The ticket is yours. The confirmation is on its way to your inbox."),
                  "success")  # fmt: skip
            return redirect(url_for("events.manage", token=taken.token))
        return render_template("events/changes/accept.html", **page), refused.status
    return render_template("events/changes/accept.html", **page)


def invoice_address_page(registration, *, back: str, actor=None, template: str, **page):
    """The correction form for either blueprint: GET filled with the invoice's details; a
    POST asks to confirm first, the confirmed POST corrects."""
    invoice = invoice_corrections.correctable_invoice(registration)
    form = InvoiceAddressForm()
    if not form.is_submitted() and invoice is not None:
        form.filled(invoice_corrections.billing_on(invoice))
    page = {**page, "registration": registration, "event": registration.event, "form": form,
            "invoice": invoice, "back": back}  # fmt: skip
    if form.validate_on_submit():
        if invoice is not None and not confirmation.confirmed():
            return confirmation.ask(
                _("Correct the invoice address?"),
                details=(
                    _(
                        "Invoice %(number)s is cancelled with a credit note, and a new invoice "
                        "with the corrected details and the same amount replaces it. Both are "
                        "e-mailed as PDFs.",
                        number=invoice.number,
                    ),
                ),
                button=_("Correct the invoice"),
                back=back,
                keep=BILLING_FIELDS,
            )
        with refusal(form) as refused:
            _note, new = invoice_corrections.correct_invoice_address(
                registration, form.billing(), now=now(), actor=actor
            )
            flash(_("Invoice %(number)s replaces the old one; both documents are on their way "
                    "by e-mail.", number=new.number), "success")  # fmt: skip
            return redirect(back)
        return render_template(template, **page), refused.status
    return render_template(template, **page), _status(form)


@bp.route("/r/<token>/invoice-address", methods=["GET", "POST"])
def invoice_address(token: str):
    """Correct the company, address or VAT id on the registration's invoice."""
    registration = registrations.get_registration(token)
    return invoice_address_page(
        registration,
        back=url_for("events.manage", token=registration.token),
        template="events/changes/invoice_address.html",
    )
