"""Member organisations and their e-mail domains: admin changes and the all-or-nothing CSV import.

Domains are stored lower case, without '@', in ASCII (IDNA for international names) and are
unique across organisations. Every batch (one form, one CSV file, one JSON file) is checked
as a whole against the state it would leave behind, then applied; a refused batch writes nothing.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from core.audit.services import record
from core.errors import DomainError, InvalidInput, NotFound
from core.extensions import db
from core.text import csv_lines_problems, read_csv_rows
from events.models import MemberDomain, MemberOrganisation

_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
MAX_NAME = 200


def normalise_domain(raw: str) -> str:
    """`raw` as a stored domain: stripped, lower case, no leading '@' or trailing dot, IDNA.

    Raises ValueError (message for the user) unless it is a hostname with at least two
    labels of letters, digits and inner hyphens, a non-numeric last label, at most 253 chars.
    """
    text = raw.strip().lower().removeprefix("@").rstrip(".")
    try:
        text = text.encode("idna").decode("ascii")
    except UnicodeError:
        text = ""
    labels = text.split(".")
    if (
        len(text) > 253
        or len(labels) < 2
        or not all(_LABEL.fullmatch(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise ValueError(str(_l("“%(domain)s” is not a valid domain name.", domain=raw.strip())))
    return text


def split_domains(text: str) -> list[str]:
    """The domains in `text`, separated by white space (new lines included), ';' or ','."""
    return [part for part in re.split(r"[\s;,]+", text or "") if part]


@dataclass
class OrgItem:
    """One organisation as submitted: `ref` names it in messages (line number, JSON path)."""

    ref: str
    name: str
    domains: list[str]
    target: MemberOrganisation | None = None  # the row to update; None creates one


@dataclass
class OrgPlan:
    name: str
    domains: list[str]
    target: MemberOrganisation | None
    errors: list[tuple[str, str]] = field(default_factory=list)  # (field, message)


def _all_organisations() -> list[MemberOrganisation]:
    return list(
        db.session.scalars(
            sa.select(MemberOrganisation)
            .options(selectinload(MemberOrganisation.domains))
            .order_by(MemberOrganisation.name)
        )
    )


def list_organisations() -> list[MemberOrganisation]:
    """All member organisations by name, their domains loaded (two queries)."""
    return _all_organisations()


def get_organisation(org_id: int) -> MemberOrganisation:
    """The organisation with this id; raises NotFound."""
    org = db.session.get(MemberOrganisation, org_id)
    if org is None:
        raise NotFound()
    return org


def plan(items: list[OrgItem], *, match_by_name: bool) -> list[OrgPlan]:
    """Check a batch against the state it would leave behind; one plan per item, with errors.

    With `match_by_name` an item updates the existing organisation of that name (case
    insensitive), else its `target` (None creates) and the name must be free. Refused: empty or
    too long names, a name twice in the batch or taken by another organisation, invalid
    domains, no domains, and a domain claimed twice or owned by an organisation outside the
    batch (the message names the owner).
    """
    existing = _all_organisations()
    by_name = {org.name.casefold(): org for org in existing}
    plans: list[OrgPlan] = []
    seen_names: dict[str, str] = {}
    for item in items:
        name = (item.name or "").strip()
        target = by_name.get(name.casefold()) if match_by_name else item.target
        p = OrgPlan(name=name, domains=[], target=target)
        if not name:
            p.errors.append(("name", str(_l("Enter the organisation's name."))))
        elif len(name) > MAX_NAME:
            p.errors.append(("name", str(_l("The name is too long (at most 200 characters)."))))
        elif name.casefold() in seen_names:
            p.errors.append(("name", str(_l("“%(name)s” is listed twice.", name=name))))
        else:
            seen_names[name.casefold()] = item.ref
            other = by_name.get(name.casefold())
            if not match_by_name and other is not None and other is not target:
                p.errors.append(
                    ("name", str(_l("An organisation named “%(name)s” already exists.", name=name)))
                )
        for i, raw in enumerate(item.domains):
            try:
                domain = normalise_domain(str(raw))
            except ValueError as e:
                p.errors.append((f"domains[{i}]", str(e)))
                continue
            if domain not in p.domains:
                p.domains.append(domain)
        if not item.domains:
            p.errors.append(("domains", str(_l("Give at least one e-mail domain."))))
        plans.append(p)

    in_batch = {id(p.target) for p in plans if p.target is not None}
    owner: dict[str, str] = {
        d.domain: org.name for org in existing if id(org) not in in_batch for d in org.domains
    }
    for p in plans:
        for domain in p.domains:
            owner_name = owner.get(domain)
            if owner_name is not None and owner_name != p.name:
                p.errors.append(
                    (
                        "domains",
                        str(
                            _l(
                                "%(domain)s already belongs to %(other)s.",
                                domain=domain,
                                other=owner_name,
                            )
                        ),
                    )
                )
            else:
                owner[domain] = p.name
    return plans


def apply(plans: Iterable[OrgPlan], *, now: datetime, actor) -> tuple[int, int]:
    """Write checked plans (no errors): (created, updated). Flushes; audits every change.

    Domains that go away are deleted and flushed before new ones are added, so a domain can
    move between organisations of one batch without tripping the unique index.
    """
    plans = list(plans)
    if any(p.errors for p in plans):
        raise ValueError("apply() got plans with errors")
    before: dict[int, tuple[str, list[str]]] = {}
    for p in plans:
        if p.target is not None:
            before[id(p)] = (p.target.name, sorted(d.domain for d in p.target.domains))
            for d in list(p.target.domains):
                if d.domain not in p.domains:
                    p.target.domains.remove(d)
    db.session.flush()
    created = updated = 0
    for p in plans:
        org = p.target
        if org is None:
            org = MemberOrganisation(name=p.name, created_at=now)
            db.session.add(org)
            created += 1
        org.name = p.name
        have = {d.domain for d in org.domains}
        org.domains.extend(MemberDomain(domain=d) for d in p.domains if d not in have)
        db.session.flush()
        old = before.get(id(p))
        if old is None:
            record("member_organisation.created", org, now=now, actor=actor, name=p.name,
                   domains=p.domains)  # fmt: skip
        elif old != (p.name, sorted(p.domains)):
            updated += 1
            record("member_organisation.updated", org, now=now, actor=actor, name=p.name,
                   domains=sorted(p.domains), before={"name": old[0], "domains": old[1]})  # fmt: skip
    return created, updated


def save_organisation(
    *, name: str, domains_text: str, organisation: MemberOrganisation | None = None, now, actor
) -> MemberOrganisation:
    """Create (organisation None) or change one organisation from the admin form.

    Raises InvalidInput with errors keyed "name" / "domains" (nothing written).
    """
    item = OrgItem(ref="form", name=name, domains=split_domains(domains_text), target=organisation)
    (p,) = plan([item], match_by_name=False)
    if p.errors:
        errors: dict[str, list[str]] = {}
        for key, message in p.errors:
            errors.setdefault("name" if key == "name" else "domains", []).append(message)
        raise InvalidInput(errors)
    apply([p], now=now, actor=actor)
    return (
        p.target
        or db.session.scalars(
            sa.select(MemberOrganisation).where(MemberOrganisation.name == p.name)
        ).one()
    )


def delete_organisation(organisation: MemberOrganisation, *, now: datetime, actor) -> None:
    """Delete an organisation and its domains; registrations keep their audience and price,
    their link to it is cleared by the database. Audited with the name and domains."""
    record("member_organisation.deleted", organisation, now=now, actor=actor,
           name=organisation.name, domains=[d.domain for d in organisation.domains])  # fmt: skip
    db.session.delete(organisation)
    db.session.flush()


class ImportRefused(DomainError):
    """The CSV file was refused; `errors` lists every problem ("Line 3: ...")."""

    code = "import_refused"
    message = _l("Nothing was imported. Correct these lines and upload the file again.")

    def __init__(self, errors: list[str]):
        super().__init__()
        self.errors = errors


def import_csv(data: bytes, *, now: datetime, actor) -> tuple[int, int]:
    """Upsert organisations by name from CSV `name,domains` (domains separated by spaces or ';').

    All or nothing: raises ImportRefused listing every bad line by its line number (not
    UTF-8, a line over 10,000 characters or holding a control character such as NUL, a
    malformed CSV line, wrong header, wrong column count, and every `plan` error); otherwise
    returns (created, updated). Flushes.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused([str(_l("The file is not UTF-8 text."))]) from None
    bad_lines = csv_lines_problems(io.StringIO(text, newline=""))
    if bad_lines:
        raise ImportRefused(
            [str(_l("Line %(n)s: %(error)s", n=n, error=message)) for n, message in bad_lines]
        )
    try:
        return _import_rows(read_csv_rows(text), now=now, actor=actor)
    except ValueError as error:  # a malformed line (read_csv_rows names it)
        raise ImportRefused([str(error)]) from None


def _import_rows(rows: Iterator[tuple[int, list[str]]], *, now: datetime, actor) -> tuple[int, int]:
    _, header = next(rows, (1, None))
    if header is None or [h.strip().lower() for h in header] != ["name", "domains"]:
        raise ImportRefused([str(_l("Line 1: the header must be “name,domains”."))])
    problems: list[tuple[int, str]] = []
    items: list[OrgItem] = []
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 2:
            problems.append(
                (line, str(_l("Line %(n)s: expected 2 columns, found %(k)s.", n=line, k=len(row))))
            )
            continue
        items.append(OrgItem(ref=str(line), name=row[0], domains=split_domains(row[1])))
    if not items and not problems:
        raise ImportRefused([str(_l("The file lists no organisations."))])
    plans = plan(items, match_by_name=True)
    for item, p in zip(items, plans, strict=True):
        problems.extend(
            (int(item.ref), str(_l("Line %(n)s: %(error)s", n=item.ref, error=msg)))
            for _, msg in p.errors
        )
    if problems:
        raise ImportRefused([msg for _, msg in sorted(problems, key=lambda p: p[0])])
    return apply(plans, now=now, actor=actor)
