"""Load events and member organisations from a JSON document (`flask events load`, the demo).

The document is checked completely first, every problem reported with its JSON path
(`events[1].prices.member`); only a clean document is written, creating or updating events by
slug and organisations by name, through the same services as the admin pages. Format::

    {"member_organisations": [{"name": "DDMA", "domains": ["ddma.nl"]}],
     "events": [{
        "slug": "digital-talk", "kind": "Digital Talk",
        "title": {"nl": "...", "en": "..."}, "description": {"nl": "...", "en": "..."},
        "starts_at": "2025-11-27T12:00", "ends_at": "2025-11-27T12:45+01:00",
        "online": true, "join_url": "https://...",      (or "online": false, "location": "...")
        "capacity": 100, "prices": {"member": 0, "non_member": 5000},   (cents excl. VAT)
        "vat_rate": "0.21",
        "registration_opens_at": "...", "registration_closes_at": "...",   (optional)
        "hold_minutes": 30, "offer_hours": 24, "cancel_until_hours": 24, "published": true,
        "speakers": [{"name": "...", "role": "...", "organisation": "..."}],
        "questions": [{"key": "diet", "kind": "choice",                  (optional)
                       "label": {"nl": "...", "en": "..."}, "help": {"nl": "...", "en": "..."},
                       "choices": [{"nl": "Geen", "en": "None"}, ...], "required": true}]}]}

Times are ISO 8601; without an offset they are Europe/Amsterdam wall-clock times. The
registration window defaults to opening 30 days before the start and closing at the start;
`description`, the window, the last four numbers/flags and `speakers` are optional. Unknown
fields are errors (typos would otherwise be silently ignored). On update, the file is the whole
truth for an event: omitted optional fields get their defaults and speakers are replaced. An
organisation listed in the file gets exactly the listed domains; others keep theirs.

`questions` (the registration questions, `events.services.event_questions`; kind "text",
"choice" or "yes_no") is the event's whole list when given, in order: questions left out are
deleted, which is refused for one that has answers; without `questions` an event keeps the
questions it has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core.clock import from_local
from core.errors import InvalidInput
from core.extensions import db
from core.text import json_text_problems, load_json
from events.models import Event
from events.services import members
from events.services.admin import EventData, SpeakerData, save_event, validate_event
from events.services.event_questions import QuestionData, plan_questions, replace_questions

EVENT_KEYS = {
    "slug", "title", "kind", "description", "starts_at", "ends_at", "online", "join_url",
    "location", "capacity", "registration_opens_at", "registration_closes_at", "prices",
    "vat_rate", "speakers", "hold_minutes", "offer_hours", "cancel_until_hours", "published",
    "questions",
}  # fmt: skip
REQUIRED = ("slug", "title", "kind", "starts_at", "ends_at", "capacity", "prices", "vat_rate")
# EventData field -> JSON path inside one event
_PATHS = {
    "title_nl": "title.nl", "title_en": "title.en", "description_nl": "description.nl",
    "description_en": "description.en", "price_member_cents": "prices.member",
    "price_non_member_cents": "prices.non_member",
}  # fmt: skip


@dataclass
class LoadSummary:
    events_created: int = 0
    events_updated: int = 0
    organisations_created: int = 0
    organisations_updated: int = 0

    def __str__(self) -> str:
        return (
            f"events: {self.events_created} created, {self.events_updated} updated; "
            f"member organisations: {self.organisations_created} created, "
            f"{self.organisations_updated} updated"
        )


def parse_moment(value: object) -> datetime:
    """An ISO 8601 date-time; with an offset as given, without one as Europe/Amsterdam wall-clock
    time. Returns aware UTC. Raises ValueError for anything else."""
    if not isinstance(value, str):
        raise ValueError(str(_l("Give a date-time as text, e.g. “2026-03-05T15:00”.")))
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(str(_l("“%(v)s” is not an ISO 8601 date-time.", v=value))) from None
    return from_local(moment) if moment.tzinfo is None else moment.astimezone(UTC)


class _Event:
    """Reads one event object, collecting type problems by EventData field name."""

    def __init__(self, raw: dict):
        self.raw = raw
        self.errors: dict[str, list[str]] = {}

    def fail(self, key: str, message) -> None:
        self.errors.setdefault(key, []).append(str(message))

    def text(self, key: str, value: object, default: str = "") -> str:
        if value is None:
            return default
        if not isinstance(value, str):
            self.fail(key, _l("Must be text."))
            return ""
        return value

    def whole(self, key: str, value: object, default: int | None) -> int | None:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, _l("Must be a whole number."))
            return None
        return value

    def flag(self, key: str, value: object, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(key, _l("Must be true or false."))
            return default
        return value

    def moment(self, key: str, value: object) -> datetime | None:
        if value is None:
            return None
        try:
            return parse_moment(value)
        except ValueError as e:
            self.fail(key, e)
            return None

    def pair(self, key: str, names: tuple[str, str]) -> dict:
        value = self.raw.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(key, _l("Must be an object with %(keys)s.", keys=" / ".join(names)))
            return {}
        for extra in sorted(set(value) - set(names)):
            self.fail(f"{key}.{extra}", _l("Unknown field."))
        return value

    def rate(self, value: object) -> Decimal | None:
        if isinstance(value, int) and not isinstance(value, bool):
            return Decimal(value)
        if isinstance(value, str):
            try:
                return Decimal(value.strip())
            except InvalidOperation:
                pass
        self.fail("vat_rate", _l("Give the rate as a decimal string, e.g. “0.21”."))
        return None

    def speakers(self) -> list[SpeakerData]:
        value = self.raw.get("speakers") or []
        if not isinstance(value, list):
            self.fail("speakers", _l("Must be a list."))
            return []
        result = []
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                self.fail(f"speakers[{i}]", _l("Must be an object with name, role, organisation."))
                continue
            for extra in sorted(set(item) - {"name", "role", "organisation"}):
                self.fail(f"speakers[{i}].{extra}", _l("Unknown field."))
            result.append(SpeakerData(*(self.text(f"speakers[{i}].{k}", item.get(k))
                                        for k in ("name", "role", "organisation"))))  # fmt: skip
        return result

    def data(self) -> EventData:
        raw = self.raw
        for key in sorted(set(raw) - EVENT_KEYS):
            self.fail(key, _l("Unknown field."))
        for key in REQUIRED:
            if raw.get(key) is None:
                self.fail(key, _l("This field is required."))
        title = self.pair("title", ("nl", "en"))
        description = self.pair("description", ("nl", "en"))
        prices = self.pair("prices", ("member", "non_member"))
        return EventData(
            slug=self.text("slug", raw.get("slug")),
            title_nl=self.text("title_nl", title.get("nl")),
            title_en=self.text("title_en", title.get("en")),
            kind=self.text("kind", raw.get("kind")),
            description_nl=self.text("description_nl", description.get("nl")),
            description_en=self.text("description_en", description.get("en")),
            starts_at=self.moment("starts_at", raw.get("starts_at")),
            ends_at=self.moment("ends_at", raw.get("ends_at")),
            online=self.flag("online", raw.get("online"), True),
            join_url=self.text("join_url", raw.get("join_url")).strip(),
            location=self.text("location", raw.get("location")).strip(),
            capacity=self.whole("capacity", raw.get("capacity"), None),
            registration_opens_at=self.moment("registration_opens_at", raw.get("registration_opens_at")),
            registration_closes_at=self.moment("registration_closes_at", raw.get("registration_closes_at")),
            price_member_cents=self.whole("price_member_cents", prices.get("member"), None),
            price_non_member_cents=self.whole("price_non_member_cents", prices.get("non_member"), None),
            vat_rate=self.rate(raw.get("vat_rate")) if raw.get("vat_rate") is not None else None,
            hold_minutes=self.whole("hold_minutes", raw.get("hold_minutes"), 30),
            offer_hours=self.whole("offer_hours", raw.get("offer_hours"), 24),
            cancel_until_hours=self.whole("cancel_until_hours", raw.get("cancel_until_hours"), 24),
            published=self.flag("published", raw.get("published"), True),
            speakers=self.speakers(),
        )  # fmt: skip


QUESTION_KEYS = {"key", "kind", "label", "help", "choices", "required"}


def _questions(raw: dict, existing: Event | None) -> tuple[list[QuestionData] | None, dict]:
    """An event's "questions" (None when it has none: the event keeps its questions) and
    their problems by path ("questions[0].label.en"); the rules are `plan_questions`'."""
    value = raw.get("questions")
    if value is None:
        return None, {}
    reader = _Event(raw)
    if not isinstance(value, list):
        return None, {"questions": [str(_l("Must be a list."))]}
    found: list[QuestionData] = []
    for i, item in enumerate(value):
        path = f"questions[{i}]"
        if not isinstance(item, dict):
            reader.fail(path, _l("Must be an object with key, kind, label and choices."))
            continue
        for extra in sorted(set(item) - QUESTION_KEYS):
            reader.fail(f"{path}.{extra}", _l("Unknown field."))
        label = _pair(reader, item, path, "label")
        help_ = _pair(reader, item, path, "help")
        choices = []
        listed = item.get("choices") or []
        if not isinstance(listed, list):
            reader.fail(f"{path}.choices", _l("Must be a list."))
            listed = []
        for j, option in enumerate(listed):
            option = _pair(reader, {"option": option}, f"{path}.choices[{j}]", "option")
            choices.append({"nl": reader.text(f"{path}.choices[{j}].nl", option.get("nl")),
                            "en": reader.text(f"{path}.choices[{j}].en", option.get("en"))})  # fmt: skip
        found.append(
            QuestionData(
                key=reader.text(f"{path}.key", item.get("key")),
                kind=reader.text(f"{path}.kind", item.get("kind")),
                label_nl=reader.text(f"{path}.label.nl", label.get("nl")),
                label_en=reader.text(f"{path}.label.en", label.get("en")),
                help_nl=reader.text(f"{path}.help.nl", help_.get("nl")),
                help_en=reader.text(f"{path}.help.en", help_.get("en")),
                choices=choices,
                required=reader.flag(f"{path}.required", item.get("required"), False),
            )
        )
    problems = dict(reader.errors)
    if not problems:
        for key, messages in plan_questions(existing, found).items():
            where = "questions" + key if key else "questions"
            where = where.replace("label_nl", "label.nl").replace("label_en", "label.en")
            where = where.replace("help_nl", "help.nl").replace("help_en", "help.en")
            problems.setdefault(where, []).extend(str(m) for m in messages)
    return found, problems


def _pair(reader: _Event, item: dict, path: str, key: str) -> dict:
    """`item[key]` as an {"nl", "en"} object (empty when absent), its problems on `reader`."""
    value = item.get(key)
    where = path if key == "option" else f"{path}.{key}"
    if value is None:
        return {}
    if not isinstance(value, dict):
        reader.fail(where, _l("Must be an object with %(keys)s.", keys="nl / en"))
        return {}
    for extra in sorted(set(value) - {"nl", "en"}):
        reader.fail(f"{where}.{extra}", _l("Unknown field."))
    return value


def _list(doc: dict, key: str, errors: dict) -> list:
    value = doc.get(key, [])
    if not isinstance(value, list):
        errors.setdefault(key, []).append(str(_l("Must be a list.")))
        return []
    return value


def check_document(
    doc: object,
) -> tuple[list[members.OrgPlan], list[tuple[EventData, Event | None]]]:
    """Check a whole document: ({"member_organisations": [...], "events": [...]}).

    Returns the organisation plans and (event data, existing event or None) pairs. Raises
    InvalidInput whose errors are keyed by JSON path when anything is wrong (first, alone:
    text holding control characters such as NUL).
    """
    errors: dict[str, list[str]] = {}
    for path, message in json_text_problems(doc):
        errors.setdefault(path, []).append(message)
    if errors:  # such text would be refused by the database
        raise InvalidInput(errors)
    if not isinstance(doc, dict):
        raise InvalidInput({"$": [str(_l("The document must be a JSON object."))]})
    for key in sorted(set(doc) - {"events", "member_organisations"}):
        errors.setdefault(key, []).append(str(_l("Unknown field.")))
    items = []
    for i, raw in enumerate(_list(doc, "member_organisations", errors)):
        path = f"member_organisations[{i}]"
        name, domains = (
            (raw.get("name"), raw.get("domains")) if isinstance(raw, dict) else (None, None)
        )
        if not isinstance(raw, dict) or not isinstance(name, str) or not isinstance(domains, list):
            errors.setdefault(path, []).append(
                str(_l("Must be an object with a name and a list of domains."))
            )
            continue
        items.append(members.OrgItem(ref=path, name=name, domains=domains))
    plans = members.plan(items, match_by_name=True)
    for item, p in zip(items, plans, strict=True):
        for field, message in p.errors:
            errors.setdefault(f"{item.ref}.{field}", []).append(message)
    events: list[tuple[EventData, Event | None]] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(_list(doc, "events", errors)):
        path = f"events[{i}]"
        if not isinstance(raw, dict):
            errors.setdefault(path, []).append(str(_l("Must be an object.")))
            continue
        reader = _Event(raw)
        data = reader.data().with_default_window()
        existing = db.session.scalar(sa.select(Event).where(Event.slug == data.slug))
        found = {_PATHS.get(key, key): messages for key, messages in reader.errors.items()}
        for key, messages in validate_event(data, event=existing).items():
            key = _PATHS.get(key, key)
            if not any(key == q or key.startswith((q + ".", q + "[")) for q in found):
                found[key] = messages  # only rules about values that could be read
        if data.slug and data.slug in seen:
            message = str(_l("Also used by events[%(i)s].", i=seen[data.slug]))
            found.setdefault("slug", []).append(message)
        seen.setdefault(data.slug, i)
        for key, messages in _questions(raw, existing)[1].items():
            found.setdefault(key, []).extend(messages)
        for key, messages in found.items():
            errors.setdefault(f"{path}.{key}", []).extend(messages)
        events.append((data, existing))
    if errors:
        raise InvalidInput(errors)
    return plans, events


def load_document(doc: object, *, now: datetime, actor=None) -> LoadSummary:
    """Check `doc` (see `check_document`; raises InvalidInput, nothing written) and then create or
    update its organisations and events. Flushes; the caller commits once."""
    plans, events = check_document(doc)
    summary = LoadSummary()
    summary.organisations_created, summary.organisations_updated = members.apply(
        plans, now=now, actor=actor
    )
    raws = doc["events"] if isinstance(doc, dict) and "events" in doc else []
    for (data, existing), raw in zip(events, raws, strict=True):
        event = save_event(data, event=existing, now=now, actor=actor)
        questions = _questions(raw, existing)[0]
        if questions is not None:
            replace_questions(event, questions, actor=actor, now=now)
        if existing is None:
            summary.events_created += 1
        else:
            summary.events_updated += 1
    return summary


def read_json(text: str) -> object:
    """Parse JSON text; raises InvalidInput({"$": [...]}) with the line and column of an error,
    for nesting deeper than 20 levels and for a number too long to convert."""
    try:
        return load_json(text, parse_float=None)
    except ValueError as e:
        raise InvalidInput({"$": [str(e)]}) from None
