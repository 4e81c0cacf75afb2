"""Paying for a registration, the payment webhook, the local test checkout and invoices.

Blueprint `payments` under /events. Registrants are identified by the secret token in their
e-mail links (`/events/r/<token>/...`); an unknown token is a 404. Views read the clock once
and call services; the request is one unit of work (`core.unit_of_work`), and a part that may
fail while the request still answers (a webhook, a concurrent checkout) runs in a savepoint.

- `payments.pay` (GET/POST /r/<token>/pay): the amount and a Pay button (after a failed
  payment: what happened and "Try again"); POST opens the checkout session (a new one after a
  failure) and redirects to it (Stripe, or the local test checkout).
- `payments.success` (GET /r/<token>/paid?session_id=...): re-fetches the session and runs
  the same fulfilment as the webhook, then shows the result (once confirmed: the event's
  date and time, the join link of an online event, the calendar file).
- `payments.webhook` (POST /stripe/webhook, CSRF-exempt): 200 for a processed, ignored,
  unknown (not ours: recorded, never placeable) or duplicate event; 400 for a bad, missing
  or stale signature or a bad body; 413 for an oversized body; 409 for an event that cannot
  be placed yet (`EventNotPlaceable`); 503 when the provider or a lock is unavailable; 500
  for a domain error that needs a human (logged). Nothing is kept unless the answer is 200,
  and Stripe delivers every event that got another answer again (for up to three days).
- `payments.test_checkout` (GET/POST /test-checkout/<session_id>): the local test checkout,
  only in development without Stripe keys (404 in production; 403 with a live key).
- `payments.invoice` (GET /r/<token>/invoices/<number>, `?format=pdf`): the registrant's
  invoice or credit note (admins may open any), HTML or PDF; `payments.registration_invoice`
  (GET /r/<token>/invoice) redirects to the registration's invoice.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from core import locking
from core.clock import now
from core.config import is_production
from core.errors import DomainError, NotAllowed
from core.extensions import csrf, db
from core.i18n import current_locale
from core.money import format_eur
from core.unit_of_work import refusal
from events.calendar import attendee_join_url
from events.documents import stored_invoice_pdf
from events.gateway import GatewayError, WebhookRejected, is_live_key
from events.invoice_document import REVERSE_CHARGE, document, percent
from events.models import Payment, Registration
from events.providers import gateway_for
from events.services.checkout import (
    EventNotPlaceable,
    fulfil_session,
    payment_for_session,
    start_checkout,
)
from events.services.invoices import credit_note_for, document_for, invoice_for
from events.services.webhooks import DuplicateEvent, receive_webhook

bp = Blueprint("payments", __name__, url_prefix="/events")
log = logging.getLogger(__name__)
MAX_WEBHOOK_BYTES = 256 * 1024
#: refusals of a payment that the pay page states itself (an expired hold, a registration
#: that is no longer payable): not flashed as well, so the reason is said once
SAID_BY_THE_PAGE = frozenset(("hold_expired", "not_payable"))


@bp.context_processor
def _helpers() -> dict:
    locale = current_locale()
    return {
        "eur": lambda cents: format_eur(int(cents), locale),
        "percent": percent,
        "reverse_charge": REVERSE_CHARGE,
        "test_mode": gateway_for(current_app).provider == "test",
    }


def _registration(token: str) -> Registration:
    """The registration of a link token; 404 for anything else."""
    if not token or len(token) > 64:
        abort(404)
    registration = db.session.scalar(sa.select(Registration).where(Registration.token == token))
    if registration is None:
        abort(404)
    return registration


def _pay_page(registration: Registration, status: int = 200):
    invoice = invoice_for(registration)
    latest = db.session.scalar(
        sa.select(Payment.status)
        .where(Payment.registration_id == registration.id)
        .order_by(Payment.id.desc())
        .limit(1)
    )
    return render_template(
        "events/pay.html",
        registration=registration,
        event=registration.event,
        invoice=invoice,
        credit_note=credit_note_for(invoice) if invoice is not None else None,
        failed=latest == "failed",
        now=now(),
    ), status


@bp.route("/r/<token>/pay", methods=["GET", "POST"])
def pay(token: str):
    """GET: what is due and a Pay button. POST: open (or reuse) the checkout session and
    redirect to it (303). A registration that cannot be paid gets the page with the reason
    (409); an unreachable provider 503."""
    if request.method == "GET":
        registration = _registration(token)
        if registration.booking is not None and registration.booking.booker_email == (
            registration.email
        ):  # the booker pays for the whole booking on its page
            return redirect(url_for("bookings.show", token=registration.booking.token))
        return _pay_page(registration)
    locking.write_transaction()
    registration = _registration(token)
    with refusal(flash_message=False) as refused:
        payment = start_checkout(registration, now=now(), gateway=gateway_for(current_app))
        return redirect(payment.checkout_url, 303)
    if refused.error is not None and refused.error.code not in SAID_BY_THE_PAGE:
        flash(str(refused.error.message), "error")
    return _pay_page(_registration(token), refused.status)


@bp.get("/r/<token>/paid")
def success(token: str):
    """Where the checkout sends the payer back. The session must belong to this registration
    (else 404); it is fulfilled here too, since the webhook may come later. When the provider
    or the database is busy, the page says the payment is being processed."""
    registration = _registration(token)
    session_id = request.args.get("session_id", "")
    if registration.booking is not None:  # a booking's payment: back to the booking's page
        return redirect(
            url_for("bookings.paid", token=registration.booking.token, session_id=session_id)
        )
    payment = payment_for_session(session_id) if 0 < len(session_id) <= 255 else None
    if payment is None or payment.registration_id != registration.id:
        abort(404)
    try:
        locking.write_transaction()  # before the savepoint: taking it later would restart the transaction
        with db.session.begin_nested():
            outcome = fulfil_session(session_id, now=now(), gateway=gateway_for(current_app))
    except (DomainError, sa.exc.OperationalError) as exc:
        log.warning("fulfilment of %s postponed: %r", session_id, exc)
        outcome = "pending"
    # a concurrent webhook may have fulfilled it ("already_fulfilled"): show what is
    # committed now, not the registration as this request first read it
    db.session.expire_all()
    registration = _registration(token)
    invoice = invoice_for(registration)
    return render_template(
        "events/pay_result.html",
        registration=registration,
        event=registration.event,
        outcome=outcome,
        invoice=invoice,
        join_url=attendee_join_url(registration.event, registration),
    )


@bp.post("/stripe/webhook")
@csrf.exempt
def webhook():
    """Stripe's webhook; answers JSON. See the module docstring for the statuses."""
    if (request.content_length or 0) > MAX_WEBHOOK_BYTES:
        return {"error": "too_large"}, 413
    payload = request.get_data(cache=False)
    try:
        locking.write_transaction()  # before the savepoint: taking it later would restart the transaction
        with db.session.begin_nested():  # undone on any error below; nothing is kept then
            outcome = receive_webhook(
                payload,
                request.headers.get("Stripe-Signature"),
                now=now(),
                gateway=gateway_for(current_app),
            )
    except WebhookRejected as e:
        return {"error": e.code}, 400
    except DuplicateEvent:
        return {"status": "duplicate"}, 200
    except EventNotPlaceable as e:
        log.info("webhook event not placeable yet: %s", e.code)
        return {"error": e.code}, 409, {"Retry-After": "60"}
    except (GatewayError, sa.exc.OperationalError) as e:
        # the provider is unreachable, or a lock timed out (`seats.LOCK_TIMEOUT_MS`)
        log.warning("webhook postponed: %r", e)
        return {"error": "unavailable"}, 503, {"Retry-After": "30"}
    except DomainError as e:
        # a state no rule covers (e.g. a refund for a provider that is not configured):
        # not acknowledged, so Stripe retries and warns; a human looks at the log
        log.error("webhook failed: %s", e.code)
        return {"error": e.code}, 500
    return {"status": outcome}, 200


def _local_gateway():
    """The local test gateway; 404 in production or when Stripe is configured (403 with a
    live Stripe key in development)."""
    if is_production(current_app.config):
        abort(404)
    if is_live_key(current_app.config.get("STRIPE_SECRET_KEY")):
        raise NotAllowed(
            _("The test checkout is switched off: live Stripe keys are configured."),
            code="live_keys",
        )
    gateway = gateway_for(current_app)
    if gateway.provider != "test":
        abort(404)
    return gateway


@bp.route("/test-checkout/<session_id>", methods=["GET", "POST"])
def test_checkout(session_id: str):
    """The local test checkout (no real payment). Pay sends a signed
    `checkout.session.completed` through the webhook code and goes to the success page;
    Fail sends `checkout.session.async_payment_failed`; Cancel returns to the pay page
    (like Stripe, the session stays open). A session that is no longer open: 409."""
    gateway = _local_gateway()
    if request.method == "POST":
        locking.write_transaction()
    payment = payment_for_session(session_id) if len(session_id) <= 255 else None
    if payment is None or payment.provider != "test":
        abort(404)
    registration = payment.registration
    status = 200
    if request.method == "POST":
        action = request.form.get("action")
        if action == "cancel":
            return redirect(url_for("payments.pay", token=registration.token), 303)
        if action not in ("pay", "fail"):
            flash(_("Choose Pay, Fail or Cancel."), "error")
            status = 400
        else:
            with refusal() as refused:
                body, signature = (
                    gateway.pay(session_id) if action == "pay" else gateway.fail(session_id)
                )
                receive_webhook(body, signature, now=now(), gateway=gateway)
                if action == "pay":
                    target = url_for(
                        "payments.success", token=registration.token, session_id=session_id
                    )
                else:
                    target = url_for("payments.pay", token=registration.token)
                return redirect(target, 303)
            status = refused.status if refused.status >= 400 else 409
            payment = payment_for_session(session_id)
            registration = payment.registration
    session = gateway.retrieve_session(session_id)
    return render_template(
        "events/test_checkout.html",
        session=session,
        payment=payment,
        registration=registration,
        event=registration.event,
    ), status


@bp.get("/r/<token>/invoice")
def registration_invoice(token: str):
    """The registration's invoice (redirect), 404 when none was issued."""
    doc = invoice_for(_registration(token))
    if doc is None:
        abort(404)
    return redirect(url_for("payments.invoice", token=token, number=doc.number))


@bp.get("/r/<token>/invoices/<number>")
def invoice(token: str, number: str):
    """An invoice or credit note as HTML, or `?format=pdf`. Only for the registration it
        belongs to (by its link token) or an admin; 404 for anyone else. The PDF is the stored one
    (`events.documents`), rendered and stored on the first request."""
    doc = document_for(number, token=token, viewer=current_user)
    if request.args.get("format") == "pdf":
        pdf = stored_invoice_pdf(doc, now=now())
        db.session.commit()  # the first download stores what it rendered
        return Response(
            pdf,
            mimetype="application/pdf",
            headers={
                "Content-Disposition": f'inline; filename="{doc.number}.pdf"',
                "Cache-Control": "private, no-store",
            },
        )
    response = Response(render_template("events/invoice.html", invoice=doc, doc=document(doc)))
    response.headers["Cache-Control"] = "private, no-store"
    return response
