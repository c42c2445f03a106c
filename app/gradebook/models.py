"""Grade book tables (TT22): scores per (class, subject, term), their history, the subject
teacher's nhận xét, score corrections, and the practical-part exemptions (R13) the grid marks.

Scores are integer tenths (core.models.Tenths → Decimal) or a comment result ('D' / 'CD').
Rows people edit carry a `version`; writers update them with a conditional UPDATE on it.
History rows are append-only. The approval of a grade book is the records workflow (the
linked record of type "so_diem", read by gradebook.locking.review_state); no foreign key
points at the records tables. The GVCN's own tables live in app.homeroom.models.

Exemption lives here, not in homeroom: the grade grid marks exempt students and the
gradebook may not import homeroom (a higher layer); homeroom owns the screens.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from app.accounts.models import User
from app.core import files
from app.core.models import Base, Tenths, UTCDateTime, utcnow
from app.core.workflow import WorkflowMixin
from app.school.models import SchoolClass, Student, Subject, Term


class Kind(enum.StrEnum):
    TX = "tx"  # đánh giá thường xuyên (weight 1)
    GK = "gk"  # giữa kỳ (weight 2)
    CK = "ck"  # cuối kỳ (weight 3)


#: stored comment results (ASCII, so no Unicode normalisation question in the database)
COMMENT_DB = {"Đ": "D", "CĐ": "CD"}
COMMENT_SHOWN = {v: k for k, v in COMMENT_DB.items()}


class GradeBook(Base):
    """Sổ theo dõi và đánh giá học sinh of one class, one subject, one term."""

    __tablename__ = "gradebook"
    __table_args__ = (UniqueConstraint("class_id", "subject_id", "term_id"),)
    __audit_type__ = "gradebook"

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), index=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"), index=True)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    blanks_acknowledged: Mapped[str | None] = mapped_column(Text)
    #: the subject teacher's optional test date of each ĐĐGtx column ({"1": "2024-10-15"}):
    #: a monthly report counts the column's scores in the month of that date, not in the
    #: month they were typed in (app.results.month)
    tx_dates: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")

    school_class: Mapped[SchoolClass] = relationship()
    subject: Mapped[Subject] = relationship()
    term: Mapped[Term] = relationship()


class Score(Base):
    """One cell of the grid: a score (tenths) or a comment result, versioned."""

    __tablename__ = "score"
    __table_args__ = (
        UniqueConstraint("gradebook_id", "student_id", "kind", "idx"),
        CheckConstraint("kind IN ('tx', 'gk', 'ck')", name="kind"),
        CheckConstraint("idx BETWEEN 1 AND 9", name="idx"),
        CheckConstraint("value IS NULL OR value BETWEEN 0 AND 100", name="value_range"),
        CheckConstraint("comment IS NULL OR comment IN ('D', 'CD')", name="comment_value"),
        CheckConstraint("value IS NULL OR comment IS NULL", name="score_xor_comment"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    gradebook_id: Mapped[int] = mapped_column(ForeignKey("gradebook.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    kind: Mapped[str] = mapped_column(String(2))
    idx: Mapped[int] = mapped_column(Integer, default=1)
    value: Mapped[Decimal | None] = mapped_column(Tenths)
    comment: Mapped[str | None] = mapped_column(String(2))
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def column(self) -> str:
        return column_key(self.kind, self.idx)


def column_key(kind: str, idx: int) -> str:
    return f"tx{idx}" if kind == Kind.TX.value else kind


class ScoreHistory(Base):
    """Append-only: every value a cell ever had (the original survives corrections)."""

    __tablename__ = "score_history"
    __table_args__ = (Index("ix_score_history_cell", "gradebook_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gradebook_id: Mapped[int] = mapped_column(ForeignKey("gradebook.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"))
    kind: Mapped[str] = mapped_column(String(2))
    idx: Mapped[int] = mapped_column(Integer)
    old_value: Mapped[Decimal | None] = mapped_column(Tenths)
    old_comment: Mapped[str | None] = mapped_column(String(2))
    new_value: Mapped[Decimal | None] = mapped_column(Tenths)
    new_comment: Mapped[str | None] = mapped_column(String(2))
    source: Mapped[str] = mapped_column(String(12))  # entry | batch | import | correction | rule
    reason: Mapped[str | None] = mapped_column(Text)
    correction_id: Mapped[int | None] = mapped_column(ForeignKey("correction_request.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship()


class StudentComment(Base):
    """Nhận xét of the subject teacher for one student in one grade book."""

    __tablename__ = "student_comment"
    __table_args__ = (UniqueConstraint("gradebook_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gradebook_id: Mapped[int] = mapped_column(ForeignKey("gradebook.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CorrectionRequest(WorkflowMixin, Base):
    """Yêu cầu điều chỉnh điểm after lock (R16): GVCN confirms (step 0), BGH approves (step 1)."""

    __tablename__ = "correction_request"
    __audit_type__ = "correction"

    id: Mapped[int] = mapped_column(primary_key=True)
    gradebook_id: Mapped[int] = mapped_column(ForeignKey("gradebook.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    kind: Mapped[str] = mapped_column(String(2))
    idx: Mapped[int] = mapped_column(Integer)
    score_version: Mapped[int] = mapped_column(Integer)  # version of the cell when requested
    old_value: Mapped[Decimal | None] = mapped_column(Tenths)
    old_comment: Mapped[str | None] = mapped_column(String(2))
    new_value: Mapped[Decimal | None] = mapped_column(Tenths)
    new_comment: Mapped[str | None] = mapped_column(String(2))
    reason: Mapped[str] = mapped_column(Text)
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    evidence_name: Mapped[str | None] = mapped_column(String(255))
    evidence_type: Mapped[str | None] = mapped_column(String(60))
    requester_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[str] = mapped_column(String(12), default="submitted")
    step: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    gradebook: Mapped[GradeBook] = relationship()
    student: Mapped[Student] = relationship()
    requester: Mapped[User] = relationship(foreign_keys=[requester_id])
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def column(self) -> str:
        return column_key(self.kind, self.idx)


class Exemption(WorkflowMixin, Base):
    """R13: exemption from the *practical part* of GDTC / GDQP-AN (the subject still counts)."""

    __tablename__ = "exemption"
    __audit_type__ = "exemption"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id"), index=True)
    term_id: Mapped[int | None] = mapped_column(ForeignKey("term.id"))  # None: the whole year
    reason: Mapped[str] = mapped_column(Text)  # sensitive (health): restricted
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    evidence_name: Mapped[str | None] = mapped_column(String(255))
    evidence_type: Mapped[str | None] = mapped_column(String(60))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[str] = mapped_column(String(12), default="submitted")
    step: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    student: Mapped[Student] = relationship()
    subject: Mapped[Subject] = relationship()
    term: Mapped[Term | None] = relationship()


class HistoryRewriteError(RuntimeError):
    """A programming error (code tried to rewrite score history), not a user's: a 500."""


@event.listens_for(Session, "before_flush")
def _refuse_history_rewrites(session: Session, _ctx: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, ScoreHistory):
            raise HistoryRewriteError("score history is append-only")


# columns holding the sha256 of a stored file (core.files sweep keeps what they name)
files.register_reference(CorrectionRequest.evidence_sha256)
files.register_reference(Exemption.evidence_sha256)
