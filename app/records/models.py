"""Professional records (hồ sơ chuyên môn): types with approval chains, submissions,
immutable versions of uploaded files, reviewers' decisions and comments (DOMAIN.md §5).

A record's workflow columns (state, step, version) are moved only by
core.workflow.transition(); `chain` is the effective approval chain frozen at the
last submission, `awaiting` the kind of the step waiting for a decision (for queues).
"""

from __future__ import annotations

import enum
import hashlib
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    case,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core import files
from app.core.models import DATABASE_ONLY_INDEXES, Base, TimestampMixin, UTCDateTime, local_date, utcnow
from app.core.workflow import State, WorkflowMixin

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.school.models import Department, SchoolClass, Subject, Term


class StepKind(enum.StrEnum):
    """Who decides one step of an approval chain."""

    HEAD = "to_truong"  # tổ trưởng or tổ phó of the record's department
    BGH = "bgh"  # hiệu trưởng or phó hiệu trưởng
    PRINCIPAL = "hieu_truong"  # hiệu trưởng only

    @property
    def label(self) -> str:
        return STEP_LABELS[self]


STEP_LABELS = {
    StepKind.HEAD: "Tổ trưởng chuyên môn",
    StepKind.BGH: "Ban giám hiệu",
    StepKind.PRINCIPAL: "Hiệu trưởng",
}


class MadeBy(enum.StrEnum):
    TEACHER = "giao_vien"
    HEAD = "to_truong"

    @property
    def label(self) -> str:
        return "Giáo viên" if self is MadeBy.TEACHER else "Tổ trưởng chuyên môn"


class RecordType(TimestampMixin, Base):
    __tablename__ = "record_type"
    __audit_type__ = "record_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    #: list of StepKind values, e.g. ["to_truong", "bgh"]
    chain: Mapped[list[str]] = mapped_column(JSON)
    made_by: Mapped[str] = mapped_column(String(20), default=MadeBy.TEACHER.value)
    #: due date = lesson date minus this many days (None: no deadline rule)
    deadline_days_before_lesson: Mapped[int | None] = mapped_column(Integer)
    requires_class_subject: Mapped[bool] = mapped_column(Boolean, default=False)
    #: created by another module (the grade book's Sổ điểm), not from the records form
    linked_only: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def steps(self) -> list[StepKind]:
        return [StepKind(k) for k in self.chain or []]

    @property
    def chain_label(self) -> str:
        return " → ".join(k.label for k in self.steps)

    @property
    def made_by_label(self) -> str:
        return MadeBy(self.made_by).label


#: the rows of the partial index of waiting records
WAITING = "state = 'submitted' AND deleted_at IS NULL"


class Record(WorkflowMixin, TimestampMixin, Base):
    __tablename__ = "record"
    __audit_type__ = "record"
    __table_args__ = (
        # the waiting records with every column the review queues and their counts read
        # (`queries._waiting_for`, the queue's order): counted and paged from the index
        # alone in a district-sized school (migration 0020_scale_lists)
        Index(
            "ix_record_waiting",
            "awaiting",
            "record_type_id",
            "author_id",
            "department_id",
            "due_date",
            "submitted_at",
            "last_submitted_at",
            "id",
            sqlite_where=text(WAITING),
            postgresql_where=text(WAITING),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type_id: Mapped[int] = mapped_column(ForeignKey("record_type.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    #: the tổ whose head reviews it: the subject's tổ, else the author's
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    class_id: Mapped[int | None] = mapped_column(ForeignKey("school_class.id"), index=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subject.id"), index=True)
    term_id: Mapped[int | None] = mapped_column(ForeignKey("term.id"), index=True)
    #: "<type code>:<class>:<subject>:<term>" for records owned by another module (unique)
    link_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(250))
    week: Mapped[int | None] = mapped_column(Integer)
    lesson_no: Mapped[int | None] = mapped_column(Integer)
    lesson_date: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12), default=State.DRAFT.value, index=True)
    step: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    chain: Mapped[list[str] | None] = mapped_column(JSON)
    awaiting: Mapped[str | None] = mapped_column(String(20), index=True)
    due_date: Mapped[date | None] = mapped_column(Date, index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # first submission
    last_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finalized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    record_type: Mapped[RecordType] = relationship(lazy="joined")
    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="joined")
    department: Mapped[Department | None] = relationship(foreign_keys=[department_id])
    school_class: Mapped[SchoolClass | None] = relationship(foreign_keys=[class_id])
    subject: Mapped[Subject | None] = relationship(foreign_keys=[subject_id])
    term: Mapped[Term | None] = relationship(foreign_keys=[term_id])
    versions: Mapped[list[RecordVersion]] = relationship(
        back_populates="record", order_by="RecordVersion.number", lazy="selectin"
    )
    decisions: Mapped[list[RecordDecision]] = relationship(
        back_populates="record", order_by="RecordDecision.id", lazy="selectin"
    )
    comments: Mapped[list[RecordComment]] = relationship(back_populates="record", order_by="RecordComment.id")

    @property
    def current_version(self) -> RecordVersion | None:
        return self.versions[-1] if self.versions else None

    @property
    def locks_content(self) -> bool:
        """Submitted or approved: the linked content (e.g. a grade book) is read-only."""
        return self.state in (State.SUBMITTED.value, State.APPROVED.value)

    @property
    def steps(self) -> list[StepKind]:
        return [StepKind(k) for k in (self.chain or self.record_type.chain or [])]

    @property
    def awaiting_label(self) -> str:
        return awaiting_label(self.awaiting)

    @property
    def next_step_label(self) -> str:
        """Who decides after the waiting step ("" when the waiting step is the last one)."""
        return next_step_label(self.chain, self.step)

    def current_approvals(self) -> list[RecordDecision]:
        """Approvals of the current submission (a new submission starts over)."""
        approvals: list[RecordDecision] = []
        for decision in self.decisions:
            if decision.action == "submit":
                approvals = []
            elif decision.action == "approve":
                approvals.append(decision)
        return approvals

    def last_return(self) -> RecordDecision | None:
        returns = [d for d in self.decisions if d.action == "return"]
        return returns[-1] if returns else None


def awaiting_label(awaiting: str | None) -> str:
    """The label of the kind of step a record waits for ("" when it waits for none)."""
    return StepKind(awaiting).label if awaiting else ""


def next_step_label(chain: list[str] | None, step: int) -> str:
    """Who decides after step `step` of `chain` ("" when it is the last one)."""
    chain = chain or []
    return StepKind(chain[step + 1]).label if step + 1 < len(chain) else ""


def queue_overdue(record: type[Record] = Record) -> ColumnElement[bool]:
    """A waiting record's "overdue" in the review queue's order: submitted after its due
    date (a waiting record has always been submitted: `awaiting` and `submitted_at` are set
    by the same transition), with no parameter so that PostgreSQL reads the queue's order
    from `ix_record_queue_order` instead of sorting every waiting record."""
    return case(
        (record.due_date.is_(None), false()),
        else_=local_date(record.submitted_at) > record.due_date,
    )


#: the review queue's order over the waiting records, on PostgreSQL only (SQLite keeps no
#: NULLS LAST in an index; a demo-sized school's queue sorts in microseconds there): written
#: by migration 0020_scale_lists, not describable here (an expression index per dialect),
#: so the migrations-match-the-models check leaves it out (core.models.DATABASE_ONLY_INDEXES)
DATABASE_ONLY_INDEXES.add("ix_record_queue_order")


class RecordVersion(Base):
    """An immutable set of files; its hash binds the decisions taken on it."""

    __tablename__ = "record_version"
    __table_args__ = (UniqueConstraint("record_id", "number"),)
    __audit_type__ = "record_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("record.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)

    record: Mapped[Record] = relationship(back_populates="versions")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    files: Mapped[list[RecordFile]] = relationship(back_populates="version", order_by="RecordFile.id", lazy="selectin")


def version_hash(file_hashes: list[str]) -> str:
    """The hash of a version: sha256 over its files' sha256 values, sorted, one per line."""
    return hashlib.sha256("\n".join(sorted(file_hashes)).encode("ascii")).hexdigest()


class RecordFile(Base):
    __tablename__ = "record_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("record_version.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    mime: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10))

    version: Mapped[RecordVersion] = relationship(back_populates="files")


class RecordDecision(Base):
    """Submit / approve / return / withdraw, bound to the exact version acted on."""

    __tablename__ = "record_decision"
    #: a reviewer's own approvals (the queue's "not already approved by you", in SQL)
    __table_args__ = (Index("ix_record_decision_actor_action", "actor_id", "action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("record.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("record_version.id"))
    version_hash: Mapped[str] = mapped_column(String(64))
    step: Mapped[int] = mapped_column(Integer)
    step_kind: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(12))
    actor_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    comment: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    record: Mapped[Record] = relationship(back_populates="decisions")
    version: Mapped[RecordVersion] = relationship()
    actor: Mapped[User] = relationship(foreign_keys=[actor_id], lazy="joined")

    @property
    def label(self) -> str:
        return DECISION_LABELS.get(self.action, self.action)


DECISION_LABELS = {"submit": "Nộp duyệt", "approve": "Duyệt", "return": "Trả lại", "withdraw": "Rút lại"}


class RecordComment(Base):
    __tablename__ = "record_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("record.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    version_id: Mapped[int | None] = mapped_column(ForeignKey("record_version.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    record: Mapped[Record] = relationship(back_populates="comments")
    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="joined")
    version: Mapped[RecordVersion | None] = relationship()


#: stored files named by a row (so `flask files sweep` keeps what a crash left half-moved)
files.register_reference(RecordFile.sha256)
