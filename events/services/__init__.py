"""Events services: one module per concern; they flush, never commit, and raise DomainErrors.

Imports run one way (a module imports only those listed before it; no imports inside
functions): `errors`, `input` (accepted form data and its checks), `membership` (member or
not, from a verified address), `members` (member organisations), `quotes` (the price and its
label), `notices` (the registrant's e-mails), `seats` (THE event lock `lock_event`, counting,
state changes, allocation, offers), `invoices`, `refunds`, `waitlist` (accepting offers,
cancelling, expiring holds and offers), `registrations` (register, verify, billing, payment
hooks), `bookings` (several attendees in one booking: one payment, one invoice),
`checkout` (sessions, fulfilment, provider events), `webhooks`, `mailings` (link
resend, reminders), `attendees`, `admin`, `admin_registrations`, `loader`.
"""
