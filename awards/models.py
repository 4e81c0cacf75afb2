"""Awards tables: programme, category, criterion, entry, jury, conflict, scorecard, results.

Models hold columns, relationships and invariants only; rules live in `awards/services/`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import FixedDecimal, UTCDateTime
from core.extensions import Model

ENTRY_STATES = ("draft", "submitted", "eligible", "ineligible", "withdrawn")
JURY_ROLES = ("chair", "member")
CONFLICT_STATES = ("pending", "upheld", "dismissed")
CONFLICT_SOURCES = ("declared", "detected")
SCORECARD_STATES = ("draft", "submitted")
# who scores an entry in a round: the whole jury, the panels whose scope holds it, or the
# jurors an automatic assignment gave it (both of the latter as `Assignment` rows)
ROUND_ASSIGNMENTS = ("all", "panels", "auto")
# what the published results make of an entry (`ratification.published_outcomes`)
ENTRY_OUTCOMES = ("winner", "nominee")


class Programme(Model):
    """One edition of an award, with its timeline (aware UTC; shown in `timezone`)."""

    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Amsterdam")
    submissions_open_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submissions_close_at: Mapped[datetime] = mapped_column(UTCDateTime())
    scoring_open_at: Mapped[datetime] = mapped_column(UTCDateTime())
    scoring_close_at: Mapped[datetime] = mapped_column(UTCDateTime())
    publish_at: Mapped[datetime] = mapped_column(UTCDateTime())
    quorum: Mapped[int] = mapped_column(default=3)
    trim: Mapped[int] = mapped_column(default=1)
    method: Mapped[str] = mapped_column(sa.String(12), default="mean")
    jury_terms_nl: Mapped[str] = mapped_column(sa.Text, default="")
    jury_terms_en: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    categories: Mapped[list[Category]] = relationship(
        back_populates="programme", order_by="Category.position, Category.id"
    )
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="programme", order_by="Criterion.position, Criterion.id"
    )
    jury: Mapped[list[JuryMember]] = relationship(back_populates="programme")


class Category(Model):
    __tablename__ = "categories"
    __table_args__ = (sa.UniqueConstraint("programme_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(sa.String(80))
    name_nl: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    description_nl: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    shortlist_size: Mapped[int] = mapped_column(default=3)
    position: Mapped[int] = mapped_column(default=0)

    programme: Mapped[Programme] = relationship(back_populates="categories")

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_nl


class Criterion(Model):
    __tablename__ = "criteria"
    __table_args__ = (
        sa.UniqueConstraint("programme_id", "key"),
        sa.CheckConstraint("min_score < max_score", name="scale_order"),
        sa.CheckConstraint("step > 0", name="step_positive"),
        sa.CheckConstraint("weight > 0", name="weight_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(40))
    name_nl: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    rubric_nl: Mapped[str] = mapped_column(sa.Text, default="")
    rubric_en: Mapped[str] = mapped_column(sa.Text, default="")
    weight: Mapped[Decimal] = mapped_column(FixedDecimal(3), default=Decimal(1))
    min_score: Mapped[Decimal] = mapped_column(FixedDecimal(2), default=Decimal(1))
    max_score: Mapped[Decimal] = mapped_column(FixedDecimal(2), default=Decimal(10))
    step: Mapped[Decimal] = mapped_column(FixedDecimal(2), default=Decimal(1))
    position: Mapped[int] = mapped_column(default=0)
    # the round (`Round.position`) whose scorecards ask it; None: every round's
    round_no: Mapped[int | None]

    programme: Mapped[Programme] = relationship(back_populates="criteria")

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_nl

    def rubric(self, locale: str) -> str:
        return self.rubric_en if locale == "en" else self.rubric_nl


class Entry(Model):
    """A case submitted into a category. `owner` is the entrant (None for imported entries)."""

    __tablename__ = "entries"
    __table_args__ = (sa.UniqueConstraint("programme_id", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id", ondelete="CASCADE"))
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("categories.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    ref: Mapped[str] = mapped_column(sa.String(40))
    organisation: Mapped[str] = mapped_column(sa.String(200))
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    case_text: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(12), default="draft", index=True)
    screening_reason: Mapped[str] = mapped_column(sa.Text, default="")
    attachment_key: Mapped[str | None] = mapped_column(sa.String(80))
    attachment_name: Mapped[str | None] = mapped_column(sa.String(200))
    attachment_size: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    programme: Mapped[Programme] = relationship()
    category: Mapped[Category] = relationship()
    owner = relationship("User")


class JuryMember(Model):
    """A user on a programme's jury. Sees no entry before `terms_accepted_at` is set."""

    __tablename__ = "jury_members"
    __table_args__ = (sa.UniqueConstraint("programme_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(8), default="member")
    affiliation: Mapped[str] = mapped_column(sa.String(200), default="")
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    terms_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    programme: Mapped[Programme] = relationship(back_populates="jury")
    user = relationship("User", lazy="joined")

    @property
    def is_chair(self) -> bool:
        return self.role == "chair"


class Conflict(Model):
    """A juror–entry pair that bars the juror from the entry unless the chair dismisses it."""

    __tablename__ = "conflicts"
    __table_args__ = (sa.UniqueConstraint("jury_member_id", "entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jury_member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("jury_members.id", ondelete="CASCADE")
    )
    entry_id: Mapped[int] = mapped_column(
        sa.ForeignKey("entries.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str] = mapped_column(sa.String(10))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    ruling_note: Mapped[str] = mapped_column(sa.Text, default="")
    ruled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    ruled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    jury_member: Mapped[JuryMember] = relationship()
    entry: Mapped[Entry] = relationship()

    @property
    def bars(self) -> bool:
        return self.status != "dismissed"


class Scorecard(Model):
    """One juror's scores for one entry in one round; locked once submitted until the chair
    reopens it."""

    __tablename__ = "scorecards"
    __table_args__ = (sa.UniqueConstraint("jury_member_id", "entry_id", "round_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jury_member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("jury_members.id", ondelete="CASCADE")
    )
    entry_id: Mapped[int] = mapped_column(
        sa.ForeignKey("entries.id", ondelete="CASCADE"), index=True
    )
    # the round (`Round.position`) it scores; 1 in a programme of one round
    round_no: Mapped[int] = mapped_column(default=1, server_default="1")
    status: Mapped[str] = mapped_column(sa.String(10), default="draft")
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    # the chair shares the overall comment with the entrant (`awards.services.deliberation`)
    feedback_shared: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    jury_member: Mapped[JuryMember] = relationship()
    entry: Mapped[Entry] = relationship()
    scores: Mapped[list[Score]] = relationship(
        back_populates="scorecard", cascade="all, delete-orphan"
    )


class Score(Model):
    __tablename__ = "scores"
    __table_args__ = (sa.UniqueConstraint("scorecard_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(sa.ForeignKey("scorecards.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("criteria.id", ondelete="CASCADE"))
    value: Mapped[Decimal | None] = mapped_column(FixedDecimal(2))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    # the chair shares this criterion's comment with the entrant
    feedback_shared: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    scorecard: Mapped[Scorecard] = relationship(back_populates="scores")
    criterion: Mapped[Criterion] = relationship()


class Nomination(Model):
    """An entry the chair put on a category's shortlist."""

    __tablename__ = "nominations"
    __table_args__ = (sa.UniqueConstraint("category_id", "entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("categories.id", ondelete="CASCADE"))
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("entries.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    entry: Mapped[Entry] = relationship()


class Ratification(Model):
    """The chair's ratified winner for a category, with a frozen snapshot of the ranking."""

    __tablename__ = "ratifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(
        sa.ForeignKey("categories.id", ondelete="CASCADE"), unique=True
    )
    winner_entry_id: Mapped[int] = mapped_column(sa.ForeignKey("entries.id"))
    method: Mapped[str] = mapped_column(sa.String(12))
    trim: Mapped[int]
    quorum: Mapped[int]
    tie_break: Mapped[str] = mapped_column(sa.Text, default="")
    citation_nl: Mapped[str] = mapped_column(sa.Text, default="")
    citation_en: Mapped[str] = mapped_column(sa.Text, default="")
    # the leaderboard as ratified: [{"entry_id", "ref", "rank", "total", "criteria": {...}}]
    snapshot: Mapped[list] = mapped_column(sa.JSON)
    ratified_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ratified_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    # when the winner and the nominees were told (`awards.services.announcements`): set once,
    # at or after `publish_at`, by the run that queued their e-mails
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    category: Mapped[Category] = relationship()
    winner: Mapped[Entry] = relationship()
    ratified_by = relationship("User")

    def citation(self, locale: str) -> str:
        """The jury's citation in `locale`, else in the other language ("" when none)."""
        if locale == "en" and self.citation_en:
            return self.citation_en
        return self.citation_nl or self.citation_en


class Round(Model):
    """A judging round of a programme (longlist, shortlist, final), named by its position.

    A programme without rounds is one round made of its own fields (scoring window, quorum,
    every criterion, the whole jury): nothing needs a row until a second round is added.
    From then on every round has its row, round 1 included (written from the programme's
    fields), and `awards.services.rounds` keeps `programme.scoring_open_at` equal to the
    first round's `scoring_open_at`, and `programme.scoring_close_at` and `programme.quorum`
    equal to the final round's `scoring_close_at` and `quorum` (so the timeline,
    ratification and publication read the final round).
    """

    __tablename__ = "rounds"
    __table_args__ = (
        sa.UniqueConstraint("programme_id", "position"),
        sa.CheckConstraint("position >= 1", name="round_position_positive"),
        sa.CheckConstraint("scoring_open_at < scoring_close_at", name="round_window_order"),
        sa.CheckConstraint("quorum >= 1", name="round_quorum_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    name_nl: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    scoring_open_at: Mapped[datetime] = mapped_column(UTCDateTime())
    scoring_close_at: Mapped[datetime] = mapped_column(UTCDateTime())
    quorum: Mapped[int] = mapped_column(default=3)
    assignment: Mapped[str] = mapped_column(sa.String(8), default="all")
    # with `assignment == "auto"`: how many jurors each entry gets
    jurors_per_entry: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    programme: Mapped[Programme] = relationship()

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_nl


class Advancement(Model):
    """An entry the chair moved from round `round_no - 1`'s results into round `round_no`."""

    __tablename__ = "advancements"
    __table_args__ = (
        sa.UniqueConstraint("entry_id", "round_no"),
        sa.CheckConstraint("round_no >= 2", name="advancement_round_after_first"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("entries.id", ondelete="CASCADE"))
    round_no: Mapped[int]
    advanced_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    entry: Mapped[Entry] = relationship()


class Panel(Model):
    """A group of jurors of a programme, given categories or entries per round (`PanelScope`)."""

    __tablename__ = "panels"
    __table_args__ = (sa.UniqueConstraint("programme_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    members: Mapped[list[PanelMember]] = relationship(
        back_populates="panel", cascade="all, delete-orphan"
    )
    scopes: Mapped[list[PanelScope]] = relationship(
        back_populates="panel", cascade="all, delete-orphan"
    )


class PanelMember(Model):
    __tablename__ = "panel_members"
    __table_args__ = (sa.UniqueConstraint("panel_id", "jury_member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(sa.ForeignKey("panels.id", ondelete="CASCADE"))
    jury_member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("jury_members.id", ondelete="CASCADE"), index=True
    )

    panel: Mapped[Panel] = relationship(back_populates="members")
    jury_member: Mapped[JuryMember] = relationship()


class PanelScope(Model):
    """What a panel judges in a round: a whole category or one entry."""

    __tablename__ = "panel_scopes"
    __table_args__ = (
        sa.CheckConstraint(
            "(category_id IS NULL) <> (entry_id IS NULL)", name="panel_scope_one_target"
        ),
        sa.UniqueConstraint("panel_id", "round_no", "category_id", "entry_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(sa.ForeignKey("panels.id", ondelete="CASCADE"))
    round_no: Mapped[int]
    category_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("categories.id", ondelete="CASCADE")
    )
    entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("entries.id", ondelete="CASCADE"))

    panel: Mapped[Panel] = relationship(back_populates="scopes")


class Assignment(Model):
    """A juror given an entry to score in a round, when the round is not scored by the whole
    jury (`Round.assignment` "panels" or "auto"): the juror's list in that round is these."""

    __tablename__ = "assignments"
    __table_args__ = (sa.UniqueConstraint("jury_member_id", "entry_id", "round_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jury_member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("jury_members.id", ondelete="CASCADE")
    )
    entry_id: Mapped[int] = mapped_column(
        sa.ForeignKey("entries.id", ondelete="CASCADE"), index=True
    )
    round_no: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    jury_member: Mapped[JuryMember] = relationship()
    entry: Mapped[Entry] = relationship()


# --- the entry form's own questions (`awards.services.questions`) ---------------------------
QUESTION_KINDS = ("short_text", "long_text", "choice", "number", "url", "file")


class EntryQuestion(Model):
    """A question a programme's entry form asks besides the fixed fields, in `position` order.

    `choices` (kind "choice"): [{"nl": ..., "en": ...}, ...]; an answer stores the option's
    Dutch text. `category_ids`: the categories whose entries it is asked of; empty: all.
    """

    __tablename__ = "entry_questions"
    __table_args__ = (
        sa.UniqueConstraint("programme_id", "key"),
        sa.CheckConstraint(
            "min_number IS NULL OR max_number IS NULL OR min_number <= max_number",
            name="question_range_order",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    key: Mapped[str] = mapped_column(sa.String(40))
    kind: Mapped[str] = mapped_column(sa.String(12))
    label_nl: Mapped[str] = mapped_column(sa.String(200))
    label_en: Mapped[str] = mapped_column(sa.String(200))
    help_nl: Mapped[str] = mapped_column(sa.Text, default="")
    help_en: Mapped[str] = mapped_column(sa.Text, default="")
    choices: Mapped[list] = mapped_column(sa.JSON, default=list)
    required: Mapped[bool] = mapped_column(default=False)
    category_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    min_number: Mapped[Decimal | None] = mapped_column(FixedDecimal(2))
    max_number: Mapped[Decimal | None] = mapped_column(FixedDecimal(2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    programme: Mapped[Programme] = relationship()

    def label(self, locale: str) -> str:
        return self.label_en if locale == "en" else self.label_nl

    def help(self, locale: str) -> str:
        return self.help_en if locale == "en" else self.help_nl

    def asks(self, category_id: int | None) -> bool:
        """Whether an entry in `category_id` is asked this question."""
        return not self.category_ids or category_id in self.category_ids


class EntryAnswer(Model):
    """An entry's answer to one question: text (short/long text, URL, the chosen option's
    Dutch text), a number, or a stored PDF (`awards.storage`, like the entry's attachment)."""

    __tablename__ = "entry_answers"
    __table_args__ = (sa.UniqueConstraint("entry_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("entries.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("entry_questions.id", ondelete="CASCADE"), index=True
    )
    value_text: Mapped[str] = mapped_column(sa.Text, default="")
    value_number: Mapped[Decimal | None] = mapped_column(FixedDecimal(2))
    file_key: Mapped[str | None] = mapped_column(sa.String(80))
    file_name: Mapped[str | None] = mapped_column(sa.String(200))
    file_size: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    entry: Mapped[Entry] = relationship()
    question: Mapped[EntryQuestion] = relationship()


class GroupMessage(Model):
    """A message staff sent to a group of a programme's people (`services.group_messages`):
    one outbox row per recipient, queued in the transaction that wrote this row. The
    `idempotency_key` comes from the compose form, so a double submit sends once."""

    __tablename__ = "group_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    group: Mapped[str] = mapped_column(sa.String(20))
    category_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("categories.id", ondelete="SET NULL")
    )
    panel_id: Mapped[int | None] = mapped_column(sa.ForeignKey("panels.id", ondelete="SET NULL"))
    subject_nl: Mapped[str] = mapped_column(sa.String(200))
    subject_en: Mapped[str] = mapped_column(sa.String(200))
    body_nl: Mapped[str] = mapped_column(sa.Text)
    body_en: Mapped[str] = mapped_column(sa.Text)
    idempotency_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    recipients: Mapped[int]
    left_out: Mapped[int] = mapped_column(default=0)  # opted out of this programme's messages
    sent_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class MessageOptOut(Model):
    """An entrant who asked for no more group messages of a programme (the unsubscribe link
    of a message to entrants, nominees or winners). Jury messages ignore it."""

    __tablename__ = "message_opt_outs"
    __table_args__ = (sa.UniqueConstraint("user_id", "programme_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
