"""Events services: one module per concern; they flush, never commit, and raise DomainErrors.

Registration core: `registrations` (register, verify, billing, payment hooks), `input`
(accepted form data and its checks), `membership` (member or not, from a verified address),
`seats` (counting, state changes, allocation, offers), `waitlist` (accepting offers,
cancelling, expiring holds and offers), `mailings` (link resend, reminders), `notices`
(the registrant's e-mails), `errors`.
"""
