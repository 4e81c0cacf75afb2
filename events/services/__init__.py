"""Events services: one module per concern; they flush, never commit, and raise DomainErrors.

Imports run one way (a module imports only those listed before it; no imports inside
functions): `errors`, `input` (accepted form data and its checks), `membership` (member or
not, from a verified address), `members` (member organisations), `quotes` (the price and its
label), `notices` (the registrant's e-mails), `seats` (THE event lock `lock_event`, counting,
state changes, allocation, offers), `invoices`, `refunds`, `waitlist` (accepting offers,
cancelling, expiring holds and offers), `registrations` (register, verify, billing, payment
hooks), `checkout` (sessions, fulfilment, provider events), `webhooks`, `mailings` (link
resend, reminders), `attendees`, `admin`, `admin_registrations`, `loader`.

`event_questions` (an event's registration questions and the registrants' answers; of the
above it imports only `seats`, for the event lock) sits right after `seats`: `registrations`
stores the answers with a new registration, `attendees` puts them in the export, `loader`
loads questions.
"""
