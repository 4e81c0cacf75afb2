"""Reading a programme from one JSON document (`flask awards load-programme`, `flask demo load`).

`parse_programme(data)` checks the whole document and returns a `ProgrammeSpec`, or raises
`ProgrammeFileError` listing EVERY problem with its JSON path, e.g.
``criteria[2].weight: must be a positive decimal``. It needs no database.
`awards.services.programme_upsert.load_programme(data, now=...)` parses, checks the spec against
the stored data and upserts it; on any problem it raises before anything is written.

The document (keys marked ? are optional)::

    {"slug": "cda-2025", "name": "Customer Data Awards 2025", "timezone": "Europe/Amsterdam",
     "timeline": {"submissions_open": ..., "submissions_close": ..., "scoring_open": ...,
                  "scoring_close": ..., "publish_at": ...},
     "method"?: "mean", "trim"?: 1, "quorum"?: 3,
     "criteria": [{"key", "name": {"nl", "en"}, "weight", "min", "max", "step",
                   "rubric"?: {"nl", "en"}, "round"?: 2}],
     "categories": [{"slug", "name": {"nl", "en"}, "shortlist_size", "description"?: {..}}],
     "jury": [{"email", "name", "affiliation"?, "role"?: "chair" | "member"}],
     "entries": [{"ref", "category", "organisation", "title", "status", "summary"?}],
     "jury_terms"?: {"nl", "en"},
     "rounds"?: [{"name": {"nl", "en"}, "scoring_open", "scoring_close", "quorum",
                  "assignment"?: "all" | "panels" | "auto", "jurors_per_entry"?}],
     "panels"?: [{"name", "round", "members": [e-mail], "categories": [slug]}]}

Rounds (`awards.services.rounds`): without "rounds" the programme is one round made of its
timeline and quorum. With them, the timeline's scoring_open must be the first round's and its
scoring_close (and the quorum, when given) the final round's. A criterion with "round" is asked
only in that round. A panel scores its categories in a round whose assignment is "panels"; its
members must be on the jury.

Times are ISO 8601; with an offset they are exact, without one they are wall-clock time in
`timezone`. Decimals (weight, min, max, step) may be JSON numbers or strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email

from awards.models import ENTRY_STATES, JURY_ROLES, ROUND_ASSIGNMENTS
from awards.scoring import METHODS
from awards.services.results_export import CSV_FIELDS
from awards.timeline import Timeline
from core.text import has_control

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KEY = re.compile(r"^[a-z][a-z0-9_]*$")
REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
TIMELINE_KEYS = (
    "submissions_open",
    "submissions_close",
    "scoring_open",
    "scoring_close",
    "publish_at",
)
TIMELINE_PROBLEMS = {
    "submissions_order": ("submissions_close", "must be after timeline.submissions_open"),
    "scoring_before_close": ("scoring_open", "must not be before timeline.submissions_close"),
    "scoring_order": ("scoring_close", "must be after timeline.scoring_open"),
    "publish_before_scoring_close": ("publish_at", "must not be before timeline.scoring_close"),
}


class ProgrammeFileError(ValueError):
    """The document has problems; `problems` lists them all as "path: reason"."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


LIMIT = Decimal(1_000_000)


class Checker:
    """Reads values out of the decoded document, collecting every problem as "path: reason"
    (each reader returns the value, or None when it is wrong)."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def bad(self, path: str, reason: str) -> None:
        self.problems.append(f"{path}: {reason}")

    def obj(self, value, path: str, required: tuple, optional: tuple = ()) -> dict | None:
        if not isinstance(value, dict):
            self.bad(path or "(document)", "must be an object")
            return None
        prefix = f"{path}." if path else ""
        for key in required:
            if key not in value:
                self.bad(f"{prefix}{key}", "is required")
        for key in value:
            if key not in required and key not in optional:
                self.bad(f"{prefix}{key}", "unknown key")
        return value

    def items(self, parent: dict, key: str, path: str) -> list:
        value = parent.get(key)
        if key in parent and not isinstance(value, list):
            self.bad(path, "must be a list")
        return value if isinstance(value, list) else []

    def text(
        self,
        parent: dict,
        key: str,
        path: str,
        *,
        max_len: int,
        pattern=None,
        empty=False,
        multiline=False,
    ):
        value = parent.get(key)
        if key not in parent:
            return None
        if not isinstance(value, str):
            self.bad(path, "must be a string")
            return None
        value = value.strip()
        if has_control(value, multiline=multiline):
            self.bad(path, "must not hold control characters (such as NUL)")
        elif not value and not empty:
            self.bad(path, "must not be empty")
        elif len(value) > max_len:
            self.bad(path, f"must be at most {max_len} characters")
        elif pattern is not None and value and not pattern.match(value):
            self.bad(path, f"must match {pattern.pattern}")
        else:
            return value
        return None

    def bilingual(
        self, parent: dict, key: str, path: str, *, max_len: int, empty=False, multiline=False
    ):
        value = self.obj(parent.get(key), path, ("nl", "en")) if key in parent else None
        if value is None:
            return None
        nl = self.text(value, "nl", f"{path}.nl", max_len=max_len, empty=empty, multiline=multiline)
        en = self.text(value, "en", f"{path}.en", max_len=max_len, empty=empty, multiline=multiline)
        return None if nl is None or en is None else (nl, en)

    def decimal(self, parent: dict, key: str, path: str, *, places: int, positive: bool):
        value = parent.get(key)
        if key not in parent:
            return None
        what = "a positive decimal" if positive else "a decimal"
        try:
            if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
                raise InvalidOperation
            number = Decimal(str(value).strip())
        except InvalidOperation:
            self.bad(path, f"must be {what}")
            return None
        if not number.is_finite() or abs(number) > LIMIT:
            self.bad(path, f"must be {what} no larger than {LIMIT}")
            return None
        if positive and number <= 0:
            self.bad(path, f"must be {what}")
            return None
        if number != number.quantize(Decimal(1).scaleb(-places)):
            self.bad(path, f"must have at most {places} decimal places")
            return None
        return number

    def integer(self, parent: dict, key: str, path: str, *, minimum: int, maximum: int = 1000):
        value = parent.get(key)
        if key not in parent:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
            self.bad(path, f"must be a whole number from {minimum} to {maximum}")
            return None
        return value

    def choice(self, parent: dict, key: str, path: str, options: tuple, default=None):
        if key not in parent:
            return default
        value = parent[key]
        if value not in options:
            self.bad(path, f"must be one of {', '.join(options)}")
            return None
        return value

    def unique(self, values: list[tuple[str, object]], what: str) -> None:
        seen: dict[object, str] = {}
        for path, value in values:
            if value is None:
                continue
            if value in seen:
                self.bad(path, f"duplicate {what} {value!s} (also at {seen[value]})")
            else:
                seen[value] = path


def read_moment(check: Checker, raw, path: str, zone: ZoneInfo | None) -> datetime | None:
    """An ISO 8601 string as aware UTC; naive times are wall-clock time in `zone`."""
    if not isinstance(raw, str):
        check.bad(path, "must be an ISO 8601 date-time string")
        return None
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        check.bad(path, "must be an ISO 8601 date-time string")
        return None
    if value.tzinfo is None:
        if zone is None:
            return None  # the time zone problem is reported already
        value = value.replace(tzinfo=zone)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+14:00
        check.bad(path, "is outside the range of dates that can be stored")
        return None


def read_zone(check: Checker, name: str | None) -> ZoneInfo | None:
    """The time zone called `name` (reported at `timezone` when unknown)."""
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        check.bad("timezone", "unknown time zone")
        return None


@dataclass
class ProgrammeSpec:
    """A checked programme document; times are aware UTC, decimals are Decimal."""

    slug: str
    name: str
    timezone: str
    timeline: dict[str, datetime]  # model column name -> time
    settings: dict[str, Any]  # method / trim / quorum, when given
    jury_terms: tuple[str, str] | None
    criteria: list[dict] = field(default_factory=list)
    categories: list[dict] = field(default_factory=list)
    jury: list[dict] = field(default_factory=list)
    entries: list[dict] = field(default_factory=list)
    rounds: list[Any] = field(default_factory=list)  # empty: one round of the timeline
    panels: list[Any] = field(default_factory=list)


def _timeline(check: Checker, doc: dict, tz: ZoneInfo | None) -> dict[str, datetime]:
    raw = check.obj(doc.get("timeline"), "timeline", TIMELINE_KEYS) if "timeline" in doc else None
    if raw is None:
        return {}
    times = {
        key: read_moment(check, raw[key], f"timeline.{key}", tz)
        for key in TIMELINE_KEYS
        if key in raw
    }
    complete = {key: value for key, value in times.items() if value is not None}
    if len(complete) == len(TIMELINE_KEYS):
        for code in Timeline(*(complete[k] for k in TIMELINE_KEYS)).problems():
            key, reason = TIMELINE_PROBLEMS[code]
            check.bad(f"timeline.{key}", reason)
    return {
        f"{key}_at" if key != "publish_at" else key: value for key, value in times.items() if value
    }


def _criterion(check: Checker, raw, path: str) -> dict | None:
    item = check.obj(
        raw, path, ("key", "name", "weight", "min", "max", "step"), ("rubric", "round")
    )
    if item is None:
        return None
    key = check.text(item, "key", f"{path}.key", max_len=40, pattern=KEY)
    if key in CSV_FIELDS:
        check.bad(f"{path}.key", "is reserved (a results column has that name)")
    name = check.bilingual(item, "name", f"{path}.name", max_len=120)
    rubric = check.bilingual(
        item, "rubric", f"{path}.rubric", max_len=5000, empty=True, multiline=True
    )
    weight = check.decimal(item, "weight", f"{path}.weight", places=3, positive=True)
    low = check.decimal(item, "min", f"{path}.min", places=2, positive=False)
    high = check.decimal(item, "max", f"{path}.max", places=2, positive=False)
    step = check.decimal(item, "step", f"{path}.step", places=2, positive=True)
    if low is not None and high is not None and low >= high:
        check.bad(f"{path}.max", "must be greater than min")
    elif None not in (low, high, step) and (high - low) % step != 0:
        check.bad(f"{path}.step", "must divide max - min exactly")
    return {
        "key": key,
        "name": name,
        "rubric": rubric or ("", ""),
        "weight": weight,
        "min_score": low,
        "max_score": high,
        "step": step,
        "round_no": check.integer(item, "round", f"{path}.round", minimum=1, maximum=20),
    }


def _round(check: Checker, raw, path: str, tz: ZoneInfo | None) -> dict | None:
    item = check.obj(
        raw,
        path,
        ("name", "scoring_open", "scoring_close", "quorum"),
        ("assignment", "jurors_per_entry"),
    )
    if item is None:
        return None
    return {
        "name": check.bilingual(item, "name", f"{path}.name", max_len=120),
        "scoring_open_at": read_moment(check, item.get("scoring_open"), f"{path}.scoring_open", tz)
        if "scoring_open" in item
        else None,
        "scoring_close_at": read_moment(
            check, item.get("scoring_close"), f"{path}.scoring_close", tz
        )
        if "scoring_close" in item
        else None,
        "quorum": check.integer(item, "quorum", f"{path}.quorum", minimum=1, maximum=100),
        "assignment": check.choice(
            item, "assignment", f"{path}.assignment", ROUND_ASSIGNMENTS, default="all"
        ),
        "jurors_per_entry": check.integer(
            item, "jurors_per_entry", f"{path}.jurors_per_entry", minimum=1, maximum=100
        ),
    }


def _panel(check: Checker, raw, path: str) -> dict | None:
    item = check.obj(raw, path, ("name", "round", "members", "categories"))
    if item is None:
        return None
    members = [
        _email(check, email, f"{path}.members[{i}]")
        for i, email in enumerate(check.items(item, "members", f"{path}.members"))
    ]
    categories = [
        check.text({"slug": slug}, "slug", f"{path}.categories[{i}]", max_len=80, pattern=SLUG)
        for i, slug in enumerate(check.items(item, "categories", f"{path}.categories"))
    ]
    return {
        "name": check.text(item, "name", f"{path}.name", max_len=120),
        "round": check.integer(item, "round", f"{path}.round", minimum=1, maximum=20),
        "members": members,
        "categories": categories,
    }


def _rounds_problems(check: Checker, spec: ProgrammeSpec) -> None:
    """How the rounds, panels and criteria's rounds disagree with each other, the timeline
    and the jury (the rounds' own order is checked when they are saved)."""
    count = len(spec.rounds) or 1
    for i, c in enumerate(spec.criteria):
        if c and c["round_no"] is not None and c["round_no"] > count:
            check.bad(f"criteria[{i}].round", f"the programme has {count} round(s)")
    complete = [r for r in spec.rounds if r is not None]
    if spec.rounds and len(complete) == len(spec.rounds):
        first, last = complete[0], complete[-1]
        timeline = spec.timeline
        if first["scoring_open_at"] and timeline.get("scoring_open_at") not in (
            None,
            first["scoring_open_at"],
        ):
            check.bad("timeline.scoring_open", "must be the first round's scoring_open")
        if last["scoring_close_at"] and timeline.get("scoring_close_at") not in (
            None,
            last["scoring_close_at"],
        ):
            check.bad("timeline.scoring_close", "must be the final round's scoring_close")
        if "quorum" in spec.settings and last["quorum"] not in (None, spec.settings["quorum"]):
            check.bad("quorum", "must be the final round's quorum")
    emails = {j["email"] for j in spec.jury if j}
    slugs = {c["slug"] for c in spec.categories if c}
    for i, panel in enumerate(spec.panels):
        if panel is None:
            continue
        number = panel["round"]
        if number is not None:
            info = spec.rounds[number - 1] if number <= len(spec.rounds) else None
            if number > count:
                check.bad(f"panels[{i}].round", f"the programme has {count} round(s)")
            elif info is None or info["assignment"] != "panels":
                check.bad(f"panels[{i}].round", "that round is not scored by panels")
        for j, email in enumerate(panel["members"]):
            if email is not None and email not in emails:
                check.bad(f"panels[{i}].members[{j}]", f"{email} is not on the jury")
        for j, slug in enumerate(panel["categories"]):
            if slug is not None and slug not in slugs:
                check.bad(f"panels[{i}].categories[{j}]", f"unknown category {slug}")
    check.unique(
        [(f"panels[{i}].name", p and p["name"]) for i, p in enumerate(spec.panels)], "name"
    )


def _category(check: Checker, raw, path: str) -> dict | None:
    item = check.obj(raw, path, ("slug", "name", "shortlist_size"), ("description",))
    if item is None:
        return None
    return {
        "slug": check.text(item, "slug", f"{path}.slug", max_len=80, pattern=SLUG),
        "name": check.bilingual(item, "name", f"{path}.name", max_len=200),
        "description": check.bilingual(
            item, "description", f"{path}.description", max_len=5000, empty=True, multiline=True
        )
        or ("", ""),
        "shortlist_size": check.integer(
            item, "shortlist_size", f"{path}.shortlist_size", minimum=1, maximum=50
        ),
    }


def _email(check: Checker, raw, path: str) -> str | None:
    if not isinstance(raw, str):
        check.bad(path, "must be a string")
        return None
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        check.bad(path, f"not a valid e-mail address ({error})")
        return None


def _juror(check: Checker, raw, path: str) -> dict | None:
    item = check.obj(raw, path, ("email", "name"), ("affiliation", "role"))
    if item is None:
        return None
    return {
        "email": _email(check, item["email"], f"{path}.email") if "email" in item else None,
        "name": check.text(item, "name", f"{path}.name", max_len=200),
        "affiliation": check.text(
            item, "affiliation", f"{path}.affiliation", max_len=200, empty=True
        )
        or "",
        "role": check.choice(item, "role", f"{path}.role", JURY_ROLES, default="member"),
    }


def _entry(check: Checker, raw, path: str, slugs: set[str]) -> dict | None:
    item = check.obj(
        raw, path, ("ref", "category", "organisation", "title", "status"), ("summary",)
    )
    if item is None:
        return None
    category = check.text(item, "category", f"{path}.category", max_len=80)
    if category is not None and category not in slugs:
        check.bad(f"{path}.category", f"unknown category {category}")
    return {
        "ref": check.text(item, "ref", f"{path}.ref", max_len=40, pattern=REF),
        "category": category,
        "organisation": check.text(item, "organisation", f"{path}.organisation", max_len=200),
        "title": check.text(item, "title", f"{path}.title", max_len=200),
        "status": check.choice(item, "status", f"{path}.status", ENTRY_STATES),
        "summary": check.text(
            item, "summary", f"{path}.summary", max_len=5000, empty=True, multiline=True
        )
        or "",
    }


def parse_programme(data) -> ProgrammeSpec:
    """The checked document; raises ProgrammeFileError with every problem found."""
    check = Checker()
    required = ("slug", "name", "timezone", "timeline", "criteria", "categories", "jury", "entries")
    doc = check.obj(
        data, "", required, ("jury_terms", "method", "trim", "quorum", "rounds", "panels")
    )
    if doc is None:
        raise ProgrammeFileError(check.problems)
    timezone = check.text(doc, "timezone", "timezone", max_len=64)
    spec = ProgrammeSpec(
        slug=check.text(doc, "slug", "slug", max_len=80, pattern=SLUG) or "",
        name=check.text(doc, "name", "name", max_len=200) or "",
        timezone=timezone or "",
        timeline=_timeline(check, doc, read_zone(check, timezone)),
        settings={},
        jury_terms=check.bilingual(
            doc, "jury_terms", "jury_terms", max_len=20000, empty=True, multiline=True
        ),
    )
    for key, value in (
        ("method", check.choice(doc, "method", "method", METHODS)),
        ("trim", check.integer(doc, "trim", "trim", minimum=0, maximum=10)),
        ("quorum", check.integer(doc, "quorum", "quorum", minimum=1, maximum=100)),
    ):
        if value is not None:
            spec.settings[key] = value
    for name, parse in (("criteria", _criterion), ("categories", _category), ("jury", _juror)):
        parsed = [
            parse(check, raw, f"{name}[{i}]") for i, raw in enumerate(check.items(doc, name, name))
        ]
        setattr(spec, name, parsed)
    zone = read_zone(Checker(), timezone)  # a bad zone is reported once, above
    spec.rounds = [
        _round(check, raw, f"rounds[{i}]", zone)
        for i, raw in enumerate(check.items(doc, "rounds", "rounds"))
    ]
    spec.panels = [
        _panel(check, raw, f"panels[{i}]")
        for i, raw in enumerate(check.items(doc, "panels", "panels"))
    ]
    _rounds_problems(check, spec)
    slugs = {c["slug"] for c in spec.categories if c and c["slug"]}
    entries = [
        _entry(check, raw, f"entries[{i}]", slugs)
        for i, raw in enumerate(check.items(doc, "entries", "entries"))
    ]
    if "criteria" in doc and isinstance(doc["criteria"], list) and not doc["criteria"]:
        check.bad("criteria", "at least one criterion is required")
    check.unique(
        [(f"criteria[{i}].key", c and c["key"]) for i, c in enumerate(spec.criteria)], "key"
    )
    check.unique(
        [(f"categories[{i}].slug", c and c["slug"]) for i, c in enumerate(spec.categories)], "slug"
    )
    check.unique(
        [(f"jury[{i}].email", j and j["email"]) for i, j in enumerate(spec.jury)], "e-mail"
    )
    check.unique([(f"entries[{i}].ref", e and e["ref"]) for i, e in enumerate(entries)], "ref")
    chairs = [f"jury[{i}]" for i, j in enumerate(spec.jury) if j and j["role"] == "chair"]
    for path in chairs[1:]:
        check.bad(f"{path}.role", f"only one chair is allowed (also {chairs[0]})")
    if check.problems:
        raise ProgrammeFileError(check.problems)
    spec.entries = [e for e in entries if e is not None]  # every one is, without problems
    return spec
