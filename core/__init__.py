"""Podium's core: what every domain uses (database, clock, errors, the unit of work, i18n,
accounts, the mail outbox, the audit log). It imports no domain; `podium` wires them together."""
