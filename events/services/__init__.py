"""Events services: one module per concern; they flush, never commit, and raise DomainErrors.

Imports run one way (a module imports only those listed before it; no imports inside
functions): `funnel` (the anonymous daily funnel counts: one upsert, and the read side),
`errors`, `input` (accepted form data and its checks), `membership` (member or
not, from a verified address), `members` (member organisations), `quotes` (the price and its
label; the voucher's discount on top of `net_price`), `ticket_choice` (which ticket type a
registrant may take, per-type counts), `vouchers` (voucher codes: staff CRUD, bulk
generation, export; the checks on the form and at verification, claiming a use by one
conditional UPDATE and releasing it from `seats.transition`), `ticket_codes` (the QR ticket's
code), `notices` (the registrant's e-mails), `seats` (THE event lock `lock_event`, counting,
state changes, allocation, offers), `invoices`, `refunds`, `waitlist` (accepting offers,
cancelling, expiring holds and offers), `registrations` (register, verify, billing, payment
hooks), `bookings` (several attendees in one booking: one payment, one invoice),
`checkout` (sessions, fulfilment, provider events), `webhooks`, `mailings` (link
resend, reminders), `attendees`, `admin`, `admin_registrations`, `loader`, `tickets` (staff
manage ticket types), `checkin` (the door: check-in by ticket code, the offline list and its
batch), `reports` (staff reports: aggregate queries only); changes after booking:
`invoice_corrections` (credit note and reissued invoice), `transfers` (a ticket handed on to
a colleague).

`event_questions` (an event's registration questions and the registrants' answers; of the
above it imports only `seats`, for the event lock) sits right after `seats`: `registrations`
stores the answers with a new registration, `attendees` puts them in the export, `loader`
loads questions.
Series and copies: `copies` (copy an event with its dates shifted; uses `admin`'s rules), then
`series` (series, an event's series, a series of recurring talks in one go; uses `copies`).
Ticket type changes after booking: `type_changes` (another type, the difference refunded, the
invoice credited and reissued at the new price; uses `quotes`, `ticket_choice`, `invoices`,
`seats`) comes after `transfers`.
"""
