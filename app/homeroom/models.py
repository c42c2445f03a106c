"""The GVCN's class book tables: rèn luyện per term (R8), nhận xét per term, buổi nghỉ (R12)
and the summer results (R11): rèn luyện hè and kiểm tra lại, kept beside the year values;
and the correction requests of that data once a close froze it (HomeroomCorrection).

Table names are those of the grade book's former homeroom tables (no migration for the
move). Versioned rows are updated with a conditional UPDATE on the version the GVCN saw.
Exemptions (R13) stay in app.gradebook.models: the grade grid marks exempt students.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core.models import Base, Tenths, UTCDateTime, utcnow
from app.core.workflow import WorkflowMixin
from app.school.models import Student, Subject, Term


class Conduct(Base):
    """Kết quả rèn luyện of a term, chosen by the GVCN (R8 derives the year)."""

    __tablename__ = "conduct"
    __table_args__ = (
        UniqueConstraint("student_id", "term_id"),
        CheckConstraint("level IS NULL OR level IN ('T', 'K', 'D', 'C')", name="level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"), index=True)
    level: Mapped[str | None] = mapped_column(String(1))
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HomeroomRemark(Base):
    """Nhận xét of the GVCN for one student in one term (versioned on its own)."""

    __tablename__ = "homeroom_remark"
    __table_args__ = (UniqueConstraint("student_id", "term_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"), index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attendance(Base):
    """One buổi nghỉ of one student (R12): excused (có phép) or not."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("student_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    excused: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SummerConduct(Base):
    """Result of rèn luyện trong kỳ nghỉ hè (R11 (2)); the year value is kept beside it."""

    __tablename__ = "summer_conduct"
    __table_args__ = (
        UniqueConstraint("student_id", "year_id"),
        CheckConstraint("level IN ('T', 'K', 'D', 'C')", name="level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id"))
    level: Mapped[str] = mapped_column(String(1))
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Retest(Base):
    """Result of a kiểm tra lại (R11 (3)); it replaces the subject's year result, which is kept."""

    __tablename__ = "retest"
    __table_args__ = (
        UniqueConstraint("student_id", "year_id", "subject_id"),
        CheckConstraint("value IS NULL OR value BETWEEN 0 AND 100", name="value_range"),
        CheckConstraint("comment IS NULL OR comment IN ('D', 'CD')", name="comment_value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    value: Mapped[Decimal | None] = mapped_column(Tenths)
    comment: Mapped[str | None] = mapped_column(String(2))
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


#: what a homeroom correction may change, with its Vietnamese name
CORRECTION_FIELDS = {
    "conduct": "Rèn luyện",
    "remark": "Nhận xét của GVCN",
    "attendance": "Điểm danh (buổi nghỉ)",
    "summer_conduct": "Rèn luyện trong hè",
    "retest": "Kiểm tra lại",
}


class HomeroomCorrection(WorkflowMixin, Base):
    """Đề nghị điều chỉnh of the class book after a close froze it (R16 for the GVCN's data):
    the GVCN proposes the new value with a reason, BGH approves (the value is applied at
    once, the old one kept here and in the audit trail) or returns it.

    Values are kept as text in the stored form: a level code ('T', 'K', 'D', 'C' or none),
    the nhận xét, an attendance status ('present', 'excused', 'unexcused'), a re-test
    result as shown ('6,5', 'Đ', 'CĐ')."""

    __tablename__ = "homeroom_correction"
    __audit_type__ = "homeroom_correction"
    __table_args__ = (
        CheckConstraint(
            "field IN ('conduct', 'remark', 'attendance', 'summer_conduct', 'retest')", name="correction_field"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    field: Mapped[str] = mapped_column(String(20))
    term_id: Mapped[int | None] = mapped_column(ForeignKey("term.id"))
    day: Mapped[date | None] = mapped_column(Date)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subject.id"))
    row_version: Mapped[int] = mapped_column(Integer, default=0)  # version of the row when requested
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    requester_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[str] = mapped_column(String(12), default="submitted")
    step: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    student: Mapped[Student] = relationship()
    subject: Mapped[Subject | None] = relationship()
    term: Mapped[Term | None] = relationship()
    requester: Mapped[User] = relationship(foreign_keys=[requester_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def field_label(self) -> str:
        return CORRECTION_FIELDS[self.field]
