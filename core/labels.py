"""Human labels (Dutch and English, through `lazy_gettext`) for every code shown to people:
registration states, audiences, payment statuses, entry states and results, scorecard
states, conflict statuses and sources, jury roles, outbox statuses and kinds, audit actions
and the keys of their data. Templates call `code_label(code, kind)` (registered in `core.templating`); an audit
entry's data is shown through `audit_details(data)`.

`core` knows no domain, so the codes are written out here; `tests/unit/test_labels.py`
fails when a domain's state tuple, a mail template or a recorded audit action has no label.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

LABELS: Mapping[str, Mapping[str, LazyString]] = {
    # Registration states (`events.payments.RegState`).
    "registration": {
        "pending_verification": _l("Awaiting e-mail confirmation"),
        "pending_payment": _l("Awaiting payment"),
        "confirmed": _l("Confirmed"),
        "waitlisted": _l("On the waiting list"),
        "offered": _l("Seat offered"),
        "cancelled": _l("Cancelled"),
        "expired": _l("Expired"),
        "refunded": _l("Refunded"),
    },
    # Who pays which price (`events.pricing.Audience`).
    "audience": {
        "member": _l("Member"),
        "non_member": _l("Non-member"),
    },
    # Who may buy a ticket type (`events.tickets.AUDIENCES`).
    "ticket_audience": {
        "anyone": _l("Anyone"),
        "member": _l("Members only"),
        "non_member": _l("Non-members only"),
    },
    # Payment statuses (`events.models.Payment.status`).
    "payment": {
        "open": _l("Open"),
        "paid": _l("Paid"),
        "failed": _l("Failed"),
        "expired": _l("Expired"),
        "refunded": _l("Refunded"),
    },
    # Entry states (`awards.models.ENTRY_STATES`).
    "entry": {
        "draft": _l("Draft"),
        "submitted": _l("Submitted"),
        "eligible": _l("Eligible"),
        "ineligible": _l("Ineligible"),
        "withdrawn": _l("Withdrawn"),
    },
    # What the published results make of an entry, shown to its entrant from the
    # announcement on (`awards.models.ENTRY_OUTCOMES`).
    "entry_result": {
        "winner": _l("Winner"),
        "nominee": _l("Nominee"),
    },
    # Scorecard states (`awards.models.SCORECARD_STATES`).
    "scorecard": {
        "draft": _l("Draft"),
        "submitted": _l("Submitted"),
    },
    # Conflict-of-interest rulings (`awards.models.CONFLICT_STATES`).
    "conflict_status": {
        "pending": _l("Pending"),
        "upheld": _l("Upheld"),
        "dismissed": _l("Dismissed"),
    },
    # How a conflict of interest became known (`awards.models.CONFLICT_SOURCES`).
    "conflict_source": {
        "declared": _l("Declared"),
        "detected": _l("Detected"),
    },
    # Jury roles (`awards.models.JURY_ROLES`).
    "jury_role": {
        "chair": _l("Chair"),
        "member": _l("Member"),
    },
    # Site-wide roles of an account (`core.accounts.models.USER_ROLES`).
    "user_role": {
        "none": _l("No role"),
        "staff": _l("Staff"),
        "admin": _l("Admin"),
    },
    # States of an account (`core.accounts.management.user_state`).
    "user_state": {
        "active": _l("Active"),
        "invited": _l("Invited"),
        "deactivated": _l("Deactivated"),
        "erased": _l("Erased"),
    },
    # Outbox statuses (`core.outbox.models.MailMessage.status`).
    "outbox_status": {
        "queued": _l("Queued"),
        "sent": _l("Sent"),
        "logged": _l("Logged (not sent)"),
        "failed": _l("Failed"),
    },
    # Outbox kinds: the mail template a message was rendered from (`templates/mail/`).
    "outbox_kind": {
        "account_invite": _l("Account invitation"),
        "account_reset": _l("Password reset"),
        "account_signup_exists": _l("Sign-up for an existing account"),
        "account_verify": _l("Confirm e-mail address"),
        "awards_conflict_after_ratification": _l("Conflict after ratification"),
        "entry_ineligible": _l("Entry not admitted"),
        "entry_nominated": _l("Entry nominated"),
        "entry_submitted": _l("Entry submitted"),
        "entry_won": _l("Entry won"),
        "group_message": _l("Message to a group"),
        "event_cancelled": _l("Registration cancelled"),
        "event_confirmed": _l("Registration confirmed"),
        "event_invoice": _l("Invoice"),
        "event_late_payment_refunded": _l("Late payment refunded"),
        "event_manage_link": _l("Link to manage a registration"),
        "event_payment_failed": _l("Payment failed"),
        "event_offer": _l("Seat offered"),
        "event_refund": _l("Refund"),
        "event_reminder": _l("Event reminder"),
        "event_verify": _l("Confirm registration"),
        "event_waitlisted": _l("On the waiting list"),
        "jury_invite": _l("Jury invitation"),
        "jury_scorecard_reopened": _l("Scorecard reopened"),
        # changes after booking
        "event_invoice_corrected": _l("Invoice address corrected"),
        "event_transfer_received": _l("Ticket received from a colleague"),
        "event_transfer_verify": _l("Ticket transfer to confirm"),
        "event_transferred": _l("Ticket transferred"),
        # bookings (several attendees in one booking)
        "event_booking_verify": _l("Confirm booking"),
        "event_booking_summary": _l("Booking summary"),
        "event_booking_payment_failed": _l("Booking payment failed"),
        # ticket type changes after booking
        "event_ticket_type_changed": _l("Ticket type changed"),
    },
    # Audit actions (`core.audit.services.record`), as a short sentence each.
    "audit": {
        "account.admin_granted": _l("Made an administrator"),
        "account.deactivated": _l("Account deactivated"),
        "account.invite_accepted": _l("Invitation accepted"),
        "account.invited": _l("Account invited"),
        "account.reactivated": _l("Account reactivated"),
        "account.reinvited": _l("Invitation sent again"),
        "account.role_changed": _l("Role changed"),
        "account.password_changed": _l("Password changed"),
        "account.password_reset": _l("Password reset"),
        "account.reset_requested": _l("Password reset requested"),
        "account.signed_up": _l("Signed up"),
        "account.verified": _l("E-mail address confirmed"),
        "category.created": _l("Category created"),
        "category.updated": _l("Category changed"),
        "category.deleted": _l("Category deleted"),
        "conflict.after_ratification": _l("Conflict of interest after ratification"),
        "conflict.declared": _l("Conflict of interest declared"),
        "conflict.detected": _l("Conflict of interest detected"),
        "conflict.ruled": _l("Conflict of interest ruled on"),
        "credit_note.issued": _l("Credit note issued"),
        "criterion.created": _l("Criterion created"),
        "criterion.updated": _l("Criterion changed"),
        "criterion.deleted": _l("Criterion deleted"),
        "question.created": _l("Entry form question added"),
        "question.updated": _l("Entry form question changed"),
        "question.moved": _l("Entry form question moved"),
        "question.deleted": _l("Entry form question deleted"),
        "entries.exported": _l("Entries exported"),
        "entry.created": _l("Entry created"),
        "entry.screened": _l("Entry screened"),
        "entry.submitted": _l("Entry submitted"),
        "entry.withdrawn": _l("Entry withdrawn"),
        "entry.reopened": _l("Entry reopened as a draft"),
        "event.created": _l("Event created"),
        "event.updated": _l("Event changed"),
        "event.deleted": _l("Event deleted"),
        "invoice.issued": _l("Invoice issued"),
        "jury.invite_accepted": _l("Jury invitation accepted"),
        "jury.invited": _l("Invited to the jury"),
        "jury.reinvited": _l("Jury invitation sent again"),
        "jury.removed": _l("Removed from the jury"),
        "jury.terms_accepted": _l("Jury terms accepted"),
        "mail.retried": _l("E-mail sent again"),
        "member_organisation.created": _l("Member organisation created"),
        "member_organisation.updated": _l("Member organisation changed"),
        "member_organisation.deleted": _l("Member organisation deleted"),
        "payment.started": _l("Payment started"),
        "payment.paid": _l("Payment received"),
        "payment.failed": _l("Payment failed"),
        "payment.expired": _l("Payment session expired"),
        "payment.mismatch": _l("Payment does not match"),
        "payment.refunded": _l("Payment refunded"),
        "payment.partially_refunded": _l("Payment partly refunded"),
        "privacy.erased": _l("Personal data erased"),
        "privacy.exported": _l("Personal data exported"),
        "privacy.purged": _l("Old personal data purged"),
        "panel.created": _l("Panel created"),
        "panel.renamed": _l("Panel renamed"),
        "panel.deleted": _l("Panel deleted"),
        "panel.member_added": _l("Juror put on a panel"),
        "panel.member_removed": _l("Juror taken off a panel"),
        "panel.scope_added": _l("Panel given something to judge"),
        "panel.scope_removed": _l("Taken away from a panel"),
        "assignment.from_panels": _l("Round assigned from its panels"),
        "assignment.automatic": _l("Round assigned automatically"),
        "programme.created": _l("Programme created"),
        "programme.updated": _l("Programme changed"),
        "programme.loaded": _l("Programme loaded from a file"),
        "programme.copied": _l("Programme copied to a next edition"),
        "registration.created": _l("Registration created"),
        "registration.ticket_type_chosen": _l("Ticket type chosen"),
        "ticket_type.created": _l("Ticket type created"),
        "ticket_type.updated": _l("Ticket type changed"),
        "ticket_type.activated": _l("Ticket type sold again"),
        "ticket_type.deactivated": _l("Ticket type no longer sold"),
        "ticket_type.deleted": _l("Ticket type deleted"),
        "registration.verified": _l("Registration confirmed by e-mail"),
        "registration.refunded": _l("Registration refunded"),
        "registration.checked_in": _l("Checked in"),
        "registration.check_in_undone": _l("Check-in undone"),
        "registration.verified_free": _l("Registration confirmed (free)"),
        "registration.verified_paid": _l("Seat held for payment"),
        "registration.paid": _l("Registration paid"),
        "registration.payment_failed": _l("Payment failed"),
        "registration.hold_expired": _l("Seat hold expired"),
        "registration.session_expired": _l("Payment session expired"),
        "registration.waitlist": _l("Put on the waiting list"),
        "registration.offer": _l("Seat offered"),
        "registration.offer_accepted_free": _l("Offer accepted (free)"),
        "registration.offer_accepted_paid": _l("Offer accepted, awaiting payment"),
        "registration.offer_lapsed": _l("Offer lapsed"),
        "registration.cancel": _l("Registration cancelled"),
        "registration.refund": _l("Registration refunded"),
        "registration.late_payment_refunded": _l("Late payment refunded"),
        "registration.comp": _l("Complimentary seat given"),
        "results.announced": _l("Winners and nominees told"),
        "messages.sent": _l("Message sent to a group"),
        "messages.test_sent": _l("Test message sent"),
        "messages.unsubscribed": _l("Unsubscribed from messages"),
        "results.publication_scheduled": _l("Publication scheduled"),
        "results.ratified": _l("Results ratified"),
        "results.shortlisted": _l("Shortlist set"),
        "scorecard.feedback_shared": _l("Jury comments shared with the entrant"),
        "round.added": _l("Round added"),
        "round.updated": _l("Round changed"),
        "round.deleted": _l("Round deleted"),
        "round.advanced": _l("Entries advanced to the next round"),
        "scorecard.reopened": _l("Scorecard reopened"),
        "scorecard.submitted": _l("Scorecard submitted"),
        "scores.imported": _l("Scores imported"),
        # changes after booking
        "invoice.address_corrected": _l("Invoice address corrected"),
        "invoice.reissued": _l("Invoice reissued"),
        "registration.transfer_requested": _l("Ticket transfer requested"),
        "registration.transferred": _l("Ticket transferred"),
        # ticket type changes after booking
        "registration.ticket_type_changed": _l("Ticket type changed"),
        # vouchers
        "voucher.created": _l("Voucher created"),
        "voucher.generated": _l("Vouchers generated"),
        "voucher.updated": _l("Voucher changed"),
        "voucher.ended": _l("Voucher ended"),
        "voucher.deleted": _l("Voucher deleted"),
        "registration.voucher_changed": _l("Voucher code changed at registration"),
        "event_question.created": _l("Registration question added"),
        "event_question.updated": _l("Registration question changed"),
        "event_question.moved": _l("Registration question moved"),
        "event_question.deleted": _l("Registration question deleted"),
        # series and copies (events/services/series.py, copies.py)
        "event.copied": _l("Event copied"),
        "series.created": _l("Series created"),
        "series.updated": _l("Series changed"),
        "series.deleted": _l("Series deleted"),
        "series.event_added": _l("Event added to a series"),
        "series.event_removed": _l("Event taken out of a series"),
        "series.recurring_made": _l("Recurring talks made"),
        # bookings (several attendees in one booking)
        "booking.created": _l("Booking created"),
        "booking.placed": _l("Booking placed: seats for every attendee"),
        "booking.attendee_skipped": _l("Attendee left out of a booking (already registered)"),
        "booking.cancelled": _l("Booking cancelled"),
        "booking.refunded": _l("Booking refunded"),
    },
    # The keys of an audit entry's data.
    "audit_key": {
        "added": _l("Added"),
        "advanced": _l("Advanced"),
        "affiliation": _l("Affiliation"),
        "amount_cents": _l("Amount (cents)"),
        "amount_refunded": _l("Amount refunded (cents)"),
        "amount_total": _l("Total amount (cents)"),
        "answers": _l("Answers"),
        "at_provider_already": _l("Already refunded at the provider"),
        "audience": _l("Audience"),
        "before": _l("Before"),
        "categories": _l("Categories"),
        "category": _l("Category"),
        "change": _l("Change"),
        "changed": _l("Changed"),
        "client_reference_id": _l("Client reference"),
        "comments": _l("Comments"),
        "conflict_id": _l("Conflict"),
        "count": _l("Number"),
        "format": _l("Format"),
        "counts": _l("Numbers"),
        "created": _l("Created"),
        "credit_note": _l("Credit note"),
        "credits": _l("Credits invoice"),
        "criteria": _l("Criteria"),
        "currency": _l("Currency"),
        "cutoff": _l("Cut-off"),
        "decision": _l("Decision"),
        "domains": _l("Domains"),
        "draft_deleted": _l("Draft scorecard deleted"),
        "email": _l("E-mail"),
        "entries": _l("Entries"),
        "entry_id": _l("Entry"),
        "event_id": _l("Event"),
        "events": _l("Events"),
        "from_state": _l("State before"),
        "gross_cents": _l("Amount incl. VAT (cents)"),
        "juror": _l("Juror"),
        "jury": _l("Jury"),
        "kept": _l("Kept"),
        "jurors_per_entry": _l("Jurors for each entry"),
        "key": _l("Key"),
        "lines": _l("Lines"),
        "match": _l("Match"),
        "member_id": _l("Juror"),
        "member_organisation_id": _l("Member organisation"),
        "mails": _l("E-mails"),
        "group": _l("Group"),
        "panel": _l("Panel"),
        "subject": _l("Subject"),
        "recipients": _l("Recipients"),
        "left_out": _l("Opted out"),
        "method": _l("Method"),
        "name": _l("Name"),
        "nominees": _l("Nominees"),
        "note": _l("Note"),
        "number": _l("Number"),
        "other_payments_kept": _l("Other payments kept"),
        "outcome": _l("Outcome"),
        "paid_cents": _l("Paid (cents)"),
        "payment_id": _l("Payment"),
        "panels": _l("Panels"),
        "position": _l("Position"),
        "previous": _l("Previous"),
        "previous_role": _l("Previous role"),
        "previous_status": _l("Previous status"),
        "publish_at": _l("Publish at"),
        "quorum": _l("Quorum"),
        "reason": _l("Reason"),
        "refused": _l("Refused because"),
        "ref": _l("Reference"),
        "removed": _l("Removed"),
        "refund_id": _l("Refund"),
        "registration_id": _l("Registration"),
        "ticket_type_id": _l("Ticket type"),
        "registrations": _l("Registrations"),
        "retention_days": _l("Retention (days)"),
        "role": _l("Role"),
        "round_no": _l("Round number"),
        "round": _l("Round"),
        "rounds": _l("Rounds"),
        "scale": _l("Scale"),
        "scorecards_created": _l("Scorecards created"),
        "scorecards_unchanged": _l("Scorecards unchanged"),
        "scorecards_updated": _l("Scorecards changed"),
        "session_id": _l("Payment session"),
        "short": _l("Short of jurors"),
        "slug": _l("Short name"),
        "status": _l("Status"),
        "taken_back": _l("Taken back"),
        "tie_break": _l("Tie-break"),
        "to_state": _l("State after"),
        "trim": _l("Trim"),
        "unchanged": _l("Unchanged"),
        "updated": _l("Changed"),
        "user_role": _l("Role"),
        "users_created": _l("Users created"),
        "weight": _l("Weight"),
        "winner": _l("Winner"),
        "source": _l("Copied from"),
        "shift_days": _l("Moved by (days)"),
        "rounds_copied": _l("Rounds copied"),
        "panels_copied": _l("Panels copied"),
        "questions_copied": _l("Entry questions copied"),
        # changes after booking
        "transfer_id": _l("Transfer"),
        "price_kept": _l("Price paid kept"),
        "replaces": _l("Replaces invoice"),
        "ticket_type": _l("Ticket type"),
        "automatic": _l("Chosen automatically"),
        # ticket type changes after booking
        "complimentary": _l("Complimentary upgrade"),
        "previous_gross_cents": _l("Previous amount incl. VAT (cents)"),
        "refund_cents": _l("Refunded (cents)"),
        # vouchers
        "code": _l("Code"),
        "batch": _l("Batch"),
        "kind": _l("Kind of answer"),
        # series and copies
        "speakers": _l("Speakers"),
        "ticket_types": _l("Ticket types"),
        "questions": _l("Registration questions"),
        "interval": _l("How often"),
        # bookings
        "attendees": _l("Attendees"),
        "booking_id": _l("Booking"),
        "refund": _l("Refund"),
        "voucher_uses": _l("Voucher uses"),
    },
    # The steps of an event's funnel (`events.services.funnel.STAGES`).
    "funnel_stage": {
        "see": _l("See: event page viewed"),
        "think": _l("Think: registration started"),
        "do": _l("Do: registration confirmed"),
        "care": _l("Care: checked in"),
    },
}

#: audit data keys whose values are themselves codes of a kind above
_VALUE_KINDS = {
    "from_state": "registration",
    "to_state": "registration",
    "audience": "audience",
    "decision": "conflict_status",
    "role": "jury_role",
    "previous_status": "outbox_status",
    "user_role": "user_role",
    "previous_role": "user_role",
    "status": "entry",
}


def label(code: str | None, kind: str) -> str:
    """The label of `code` among the codes of `kind` in the current language; an unknown code
    (or an empty one) is returned as it is. Raises `KeyError` for an unknown `kind`."""
    if code is None:
        return ""
    found = LABELS[kind].get(code)
    return str(found) if found is not None else code


def audit_details(data: Mapping | None) -> list[tuple[str, str]]:
    """An audit entry's data as (label, value) pairs for people, in the order of the labels'
    text: keys by their label, codes among the values by theirs, yes/no for booleans, lists
    joined with commas, nested mappings as "key: value" pairs."""
    pairs = [(label(key, "audit_key"), _value(key, value)) for key, value in (data or {}).items()]
    return sorted(pairs, key=lambda pair: pair[0].casefold())


def _value(key: str, value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, Mapping):
        return ", ".join(f"{label(k, 'audit_key')}: {_value(k, v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_value(key, item) for item in value)
    if isinstance(value, str) and key in _VALUE_KINDS:
        return label(value, _VALUE_KINDS[key])
    return str(value)
