"""Building the demo (see the package docstring). Flushes only; `demo.cli` commits once."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from awards.models import Entry, JuryMember, Programme
from awards.services import questions, ratification, rounds
from awards.services.programme_upsert import load_programme
from awards.services.results import leaderboard, load_board_data
from awards.services.score_import import import_scores
from core.accounts.models import User
from core.clock import local
from core.extensions import db

HERE = Path(__file__).resolve().parent
PROGRAMME_FILE = HERE / "customer-data-awards-2025.json"
SCORES_FILE = HERE / "scores-2025.csv"
DEMO_PASSWORD = "podium-demo-2025"
ADMIN = ("admin@podium.example", "Demo Admin")
ENTRANT = ("entrant@podium.example", "Demo Inzender")
CHAIR = "arnold.vanhetnederend@kpn.example"
JUROR = "lisette.gouda@anwb.example"

# category slug -> (nominees by ref, winner ref, citation nl, citation en)
RESULTS_2025 = {
    "data-transformation": (
        ["CDA25-DT-01", "CDA25-DT-02", "CDA25-DT-03"],
        "CDA25-DT-01",
        "De case laat zien hoe een datastrategie succesvol kan worden doorgevoerd binnen een "
        "complexe organisatiestructuur, met meetbare impact op proces en klantbeleving. De jury "
        "was onder de indruk van het doordacht opgezette klantprofiel-landschap van Univé. Dit "
        "maakte Univé tot de overtuigende winnaar in de categorie Data Transformation.",
        "The case shows how a data strategy can be carried through successfully within a complex "
        "organisational structure, with measurable impact on processes and customer experience. "
        "The jury was impressed by Univé's carefully designed landscape of customer profiles. "
        "This made Univé the convincing winner in the Data Transformation category.",
    ),
    "data-innovation": (
        ["CDA25-DI-01", "CDA25-DI-02", "CDA25-DI-03"],
        "CDA25-DI-01",
        "De case van New York Pizza viel op door de innovatieve aanpak en de praktische "
        "toepassing van realtime personalisatie. De jury prees de combinatie van enthousiasme, "
        "AI-toepassing en maatschappelijk besef. De dashboards en AI-agent zorgen voor een "
        "efficiëntieslag en maken datagedreven werken toegankelijk voor iedereen.",
        "New York Pizza's case stood out for its innovative approach and the practical use of "
        "real-time personalisation. The jury praised the combination of enthusiasm, applied AI "
        "and social awareness. The dashboards and the AI agent make the organisation more "
        "efficient and make data-driven work accessible to everyone.",
    ),
}


def programme_2025() -> dict:
    return json.loads(PROGRAMME_FILE.read_text(encoding="utf-8"))


#: phase -> days from today of (submissions open, close, scoring open, close, publish)
PHASES = {
    "submissions": (-30, 60, 61, 90, 100),
    "scoring": (-90, -30, -20, 30, 40),
    "deliberation": (-120, -60, -50, -5, 10),
    "published": (-150, -90, -80, -40, -10),
}
_HOURS = (9, 17, 9, 17, 18)
_TIMELINE_KEYS = ("submissions_open", "submissions_close", "scoring_open", "scoring_close")


def programme_2026(now: datetime, phase: str = "submissions") -> dict:
    """The 2025 set-up with its timeline placed so that `now` falls in `phase` (a key of
    PHASES). From scoring on it holds the 2025 entries that were eligible (refs CDA26-...),
    so the jury has something to score; in the submissions phase it has no entries.

    Times are whole local hours counted from today's date, so loading twice on one day
    changes nothing."""
    doc = copy.deepcopy(programme_2025())
    today = local(now, doc["timezone"]).replace(hour=0, minute=0, second=0, microsecond=0)

    def at(days: int, hour: int) -> str:
        return (today + timedelta(days=days)).replace(hour=hour, tzinfo=None).isoformat()

    moments = [at(days, hour) for days, hour in zip(PHASES[phase], _HOURS, strict=True)]
    entries = [
        {**entry, "ref": entry["ref"].replace("CDA25", "CDA26")}
        for entry in doc["entries"]
        if entry["status"] == "eligible"
    ]
    # 2026 is judged in one round by the whole jury: its timeline is the round
    doc.pop("rounds", None)
    doc.pop("panels", None)
    doc.update(
        slug="cda-2026",
        name="Customer Data Awards 2026",
        entries=[] if phase == "submissions" else entries,
        timeline={**dict(zip(_TIMELINE_KEYS, moments, strict=False)), "publish_at": moments[4]},
    )
    return doc


def demo_user(email: str, name: str, *, now: datetime, admin: bool = False) -> User:
    """Get or create a verified user with the demo password (set only when it differs)."""
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=name, created_at=now)
        db.session.add(user)
    if not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
    if user.email_verified_at is None:
        user.email_verified_at = now
    if admin and not user.is_admin:
        user.is_admin = True
    db.session.flush()
    return user


def accept_terms(programme: Programme, user: User, *, now: datetime) -> JuryMember:
    """Mark the jury terms accepted (when scoring opened, or now if that is later)."""
    member = db.session.scalar(
        sa.select(JuryMember).where(
            JuryMember.programme_id == programme.id, JuryMember.user_id == user.id
        )
    )
    if member is None:
        raise LookupError(f"{user.email} is not on the jury of {programme.slug}")
    moment = min(now, programme.scoring_open_at - timedelta(days=1))
    if member.invited_at is None:
        member.invited_at = moment
    if member.terms_accepted_at is None:
        member.terms_accepted_at = moment
    return member


def decide_2025(programme: Programme, chair: User) -> list[str]:
    """Import the scores and let the chair advance, shortlist and ratify, for categories not
    yet ratified, each at a moment of the timeline as it happened: the panels hand in their
    longlist scorecards the day before the longlist closes; the day after, the chair advances
    each category's best entries of the longlist (as many as its shortlist holds) to the
    final; the whole jury hands in its final scorecards the day before scoring closes; the
    day after that, the chair shortlists and ratifies from the final round's results."""
    done = ratification.ratifications_by_category(programme)
    pending = [c for c in programme.categories if c.id not in done]
    if not pending:
        return ["Customer Data Awards 2025: already ratified, left as it is."]
    longlist, final = rounds.rounds_of(programme)
    notes = []
    for info in (longlist, final):
        if info is final:
            notes += _advance_2025(programme, pending, chair, longlist, final)
        summary = import_scores(
            programme,
            _round_lines(info.position),
            now=info.scoring_close_at - timedelta(days=1),
            actor=None,
        )
        notes.append(f"Imported {summary.lines} demo scores of the {info.name_en.lower()}.")
    moment = programme.scoring_close_at + timedelta(days=1)
    entries = {e.ref: e for e in _entries(programme)}
    for category in pending:
        nominees, winner, citation_nl, citation_en = RESULTS_2025[category.slug]
        ids = [entries[ref].id for ref in nominees]
        ratification.shortlist(programme, category, ids, actor=chair, now=moment)
        ratification.ratify(
            programme,
            category,
            entries[winner].id,
            actor=chair,
            now=moment + timedelta(hours=1),
            citation_nl=citation_nl,
            citation_en=citation_en,
        )
        notes.append(f"{category.name_en}: winner {entries[winner].organisation}.")
    return notes


def _round_lines(round_no: int) -> list[str]:
    """The header and the lines of round `round_no` of the demo scores (its first column)."""
    lines = SCORES_FILE.read_text(encoding="utf-8").splitlines(keepends=True)
    return [lines[0], *(line for line in lines[1:] if line.startswith(f"{round_no},"))]


def _advance_2025(programme, categories, chair: User, longlist, final) -> list[str]:
    """The chair advances the best-ranked longlist entries of each category (as many as its
    shortlist holds) into the final, between the two rounds."""
    moment = longlist.scoring_close_at + timedelta(hours=17)
    assert moment < final.scoring_open_at
    data = load_board_data(programme, longlist.position)
    notes = []
    for category in categories:
        ranked = [r for r in leaderboard(programme, category, data=data) if r.rank is not None]
        best = [r.entry.id for r in ranked[: category.shortlist_size]]
        rounds.advance(programme, category, final.position, best, actor=chair, now=moment)
        notes.append(f"{category.name_en}: {len(best)} entries advanced to the final.")
    return notes


def _entries(programme: Programme):
    return db.session.scalars(sa.select(Entry).where(Entry.programme_id == programme.id))


def date_submissions(programme: Programme, *, now: datetime) -> None:
    """Give every submitted entry whose `submitted_at` lies outside the programme's submission
    window (the loader stamps the moment of loading) a moment inside it and not after `now`:
    a day apart, counted back from a day before the deadline (or before `now` while the
    window is still open), in the order of the refs."""
    outside = [
        entry
        for entry in sorted(_entries(programme), key=lambda e: e.ref)
        if entry.submitted_at is not None
        and not (
            programme.submissions_open_at <= entry.submitted_at < programme.submissions_close_at
            and entry.submitted_at <= now
        )
    ]
    for index, entry in enumerate(outside):
        moment = max(
            min(programme.submissions_close_at, now) - timedelta(days=1 + index),
            programme.submissions_open_at,
        )
        entry.submitted_at = moment
        entry.created_at = min(entry.created_at, moment)
        if entry.updated_at is not None:
            entry.updated_at = moment


def jurors() -> list[tuple[str, str]]:
    """(e-mail, name) of every juror of the demo programmes, the chair first."""
    return [(j["email"], j["name"]) for j in programme_2025()["jury"]]


def load_demo(*, now: datetime, phase: str = "submissions") -> list[str]:
    """Load or refresh the awards demo, with Customer Data Awards 2026 in `phase` (a key of
    PHASES); returns lines to print. Raises what the services raise."""
    lines = []
    summary = load_programme(programme_2025(), now=now)
    p2025 = summary.programme
    lines += summary.lines()
    summary_2026 = load_programme(programme_2026(now, phase), now=now)
    lines += summary_2026.lines()
    demo_user(*ADMIN, now=now, admin=True)
    demo_user(*ENTRANT, now=now)
    jury = [demo_user(email, name, now=now) for email, name in jurors()]
    chair = jury[0]
    for programme in (p2025, summary_2026.programme):
        date_submissions(programme, now=now)
        for user in jury:
            accept_terms(programme, user, now=now)
    demo_questions(summary_2026.programme, now=now)
    lines.append(f"Customer Data Awards 2026: in the {phase} phase.")
    db.session.flush()
    lines += decide_2025(p2025, chair)
    return lines


DEMO_QUESTIONS = (
    questions.QuestionData(
        key="team_size",
        kind="number",
        label_nl="Hoeveel mensen werkten aan de case?",
        label_en="How many people worked on the case?",
        min_number=Decimal(1),
        max_number=Decimal(10_000),
        position=1,
    ),
    questions.QuestionData(
        key="case_url",
        kind="url",
        label_nl="Webpagina over de case",
        label_en="Web page about the case",
        help_nl="Bijvoorbeeld een blog of een klantverhaal (niet verplicht).",
        help_en="For example a blog post or a customer story (optional).",
        position=2,
    ),
)


def demo_questions(programme: Programme, *, now: datetime) -> None:
    """The 2026 entry form's own questions, added once (through the admin's save function)."""
    existing = {q.key for q in questions.programme_questions(programme)}
    for data in DEMO_QUESTIONS:
        if data.key not in existing:
            questions.save_question(programme, data, actor=None, now=now)


def login_lines() -> list[str]:
    """The demo log-ins, to print at the end of `flask demo load`."""
    return [
        "",
        f"Demo log-ins (password: {DEMO_PASSWORD}):",
        f"  admin    {ADMIN[0]}",
        f"  entrant  {ENTRANT[0]}",
        *(f"  {'chair' if email == CHAIR else 'juror':<8} {email}" for email, _ in jurors()),
    ]
