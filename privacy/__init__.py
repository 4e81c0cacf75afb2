"""Privacy rights (AVG/GDPR): what Podium holds on a person, and removing it.

It sits above the domains: it imports core, awards and events to find a person's rows in
every table; no domain imports it. Roles, lowest first: `people` (who a person is and which
rows are theirs), `export` (all of it as JSON), `erasure` (anonymise a person everywhere
except the invoices the law keeps), `purge` (anonymise old event registrations), `forms`,
`views` (the public privacy page, the account download, the admin pages) and `cli`
(`flask privacy purge`).
"""
