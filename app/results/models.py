"""Results snapshots: what the hiệu trưởng approved for one student and one period, frozen.

A ResultSnapshot is written when a class's close is approved (one per student) and again,
as a new version, when an approved correction changes one of its values. Its `payload` is
the canonical JSON of every value a report prints (sort_keys, compact separators, UTF-8,
NFC text, decimals as strings) and `sha256` its hash. The row never changes: a newer
version supersedes it through a row of its own (SnapshotSupersession), so both tables
only ever grow. The ORM refuses to update or delete either (before_flush and
do_orm_execute guards) and so does the database (triggers created by the migration,
SQLite and PostgreSQL), as for the audit trail.

Periods: "hk1", "hk2" (a term), "cn" (cả năm), "he" (after the summer); "month" is
reserved for the monthly reports (`period_ref` "2024-10"; empty for the other periods).
"""

from __future__ import annotations

import json
from datetime import datetime
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
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, relationship
from sqlalchemy.sql.elements import conv

from app.accounts.models import User
from app.core.models import Base, UTCDateTime, utcnow
from app.school.models import SchoolClass, Student

PERIOD_KINDS = ("hk1", "hk2", "cn", "he", "month")


class ResultSnapshot(Base):
    __tablename__ = "result_snapshot"
    __audit_type__ = "result_snapshot"
    __table_args__ = (
        # the convention's name would pass PostgreSQL's 63 characters
        UniqueConstraint(
            "student_id", "class_id", "period", "period_ref", "version", name=conv("uq_result_snapshot_version")
        ),
        CheckConstraint("period IN ('hk1', 'hk2', 'cn', 'he', 'month')", name="period"),
        CheckConstraint("version >= 1", name="version"),
        Index("ix_result_snapshot_class_period", "class_id", "period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id"))
    year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id"), index=True)
    period: Mapped[str] = mapped_column(String(8))
    period_ref: Mapped[str] = mapped_column(String(10), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    #: the close (records' record of type ket_qua_lop) this snapshot belongs to
    record_id: Mapped[int | None] = mapped_column(ForeignKey("record.id"), index=True)
    corrections_count: Mapped[int] = mapped_column(Integer, default=0)
    corrections_subjects: Mapped[list[str]] = mapped_column(JSON, default=list)
    payload: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    student: Mapped[Student] = relationship()
    school_class: Mapped[SchoolClass] = relationship()
    created_by: Mapped[User | None] = relationship()
    supersession: Mapped[SnapshotSupersession | None] = relationship(
        primaryjoin="ResultSnapshot.id == SnapshotSupersession.snapshot_id", viewonly=True, uselist=False
    )

    @property
    def data(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.payload)
        return value

    @property
    def superseded(self) -> bool:
        return self.supersession is not None


class SnapshotSupersession(Base):
    """`snapshot` is superseded by `superseded_by` (its next version) since `at`, because
    of `cause` ("score_correction:12", "homeroom_correction:3")."""

    __tablename__ = "result_supersession"

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("result_snapshot.id"), unique=True)
    superseded_by_id: Mapped[int] = mapped_column(ForeignKey("result_snapshot.id"), unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cause: Mapped[str] = mapped_column(String(60))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    superseded_by: Mapped[ResultSnapshot] = relationship(foreign_keys=[superseded_by_id])


class MonthPublication(Base):
    """One publication of a class's monthly report (báo cáo tháng, R19) — the round `number`
    of (class, month): the GVCN's note for the month, and how it went out. When the school
    requires BGH approval the round is a records record of type bao_cao_thang (`record_id`;
    its state says chờ duyệt / bị trả lại) and `published_at` is set by the approval, which
    writes the snapshots; otherwise the snapshots are written at once. A round writes a new
    snapshot version only for the students whose values changed since the previous round."""

    __tablename__ = "result_month"
    __audit_type__ = "result_month"
    __table_args__ = (UniqueConstraint("class_id", "month", "number", name="uq_result_month_round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id"), index=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))  # "2024-10"
    number: Mapped[int] = mapped_column(Integer, default=1)
    note: Mapped[str] = mapped_column(Text, default="")
    record_id: Mapped[int | None] = mapped_column(ForeignKey("record.id"))
    document_sha256: Mapped[str] = mapped_column(String(64))
    students_written: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    school_class: Mapped[SchoolClass] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])


IMMUTABLE = (ResultSnapshot, SnapshotSupersession)


class SnapshotTamperingError(RuntimeError):
    """A programming error (code tried to change a frozen snapshot), not a user's: a 500."""


@event.listens_for(Session, "before_flush")
def _refuse_snapshot_rewrites(session: Session, _ctx: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, IMMUTABLE) and (obj in session.deleted or session.is_modified(obj)):
            raise SnapshotTamperingError("result snapshots are immutable: no update or delete")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_rewrites(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    mapper = state.bind_mapper
    if mapper is not None and mapper.class_ in IMMUTABLE:
        raise SnapshotTamperingError("result snapshots are immutable: no update or delete")
