"""Issued documents and batch jobs.

An IssuedDocument is one PDF drawn from approved snapshots: a báo liên lạc (one snapshot),
a học bạ (one snapshot per school year, plus the student's identity frozen at issue time)
or a sổ theo dõi (every student's snapshot of a class and period). `source_key` is the
sha256 of its kind and the (id, sha256) of every snapshot it was drawn from: one document
per (snapshot set, kind), so issuing again returns the same row. `slot` names what the
document is *of* (a student's báo liên lạc of HK I, a student's học bạ, a class's sổ of
HK I): a newer document in the same slot supersedes the valid one.

A row exists only once its file is complete on disk (written temp → fsync → rename in the
same transaction, before the commit), so every row is ready; `sha256` is the file's.

A ReportJob issues many documents; its items (ReportJobItem, in class order) carry the
document once issued, so a job whose worker died resumes where it stopped. Progress lives
here, never in a process's memory.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core.models import Base, UTCDateTime, utcnow
from app.school.models import SchoolClass, Student

KINDS = ("bao_lien_lac", "hoc_ba", "so_theo_doi")
KIND_LABELS = {"bao_lien_lac": "Báo liên lạc", "hoc_ba": "Học bạ", "so_theo_doi": "Sổ theo dõi và đánh giá học sinh"}
STATUSES = ("valid", "superseded", "revoked")
JOB_STATES = ("queued", "running", "done", "failed")
JOB_STATE_LABELS = {"queued": "Đang chờ", "running": "Đang in", "done": "Đã xong", "failed": "Bị lỗi"}
SCOPES = ("class", "grade", "school")


class IssuedDocument(Base):
    __tablename__ = "issued_document"
    __audit_type__ = "issued_document"
    __table_args__ = (
        UniqueConstraint("kind", "source_key", name="source"),
        CheckConstraint("kind IN ('bao_lien_lac', 'hoc_ba', 'so_theo_doi')", name="kind"),
        CheckConstraint("status IN ('valid', 'superseded', 'revoked')", name="status"),
        Index("ix_issued_document_slot_status", "slot", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id"), index=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id"))
    period: Mapped[str] = mapped_column(String(8))
    period_ref: Mapped[str] = mapped_column(String(10), default="")
    slot: Mapped[str] = mapped_column(String(80))
    source_key: Mapped[str] = mapped_column(String(64))
    #: [{"id": snapshot id, "sha256": its hash}, …] in the order drawn
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    #: học bạ: the identity facts as printed (canonical JSON) and their sha256
    identity: Mapped[str | None] = mapped_column(Text)
    identity_sha256: Mapped[str | None] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    #: where the visible signatures go on the issued pages (pdf.SignatureBox as dicts), kept
    #: at issuing so that signing never draws the document again; None: issued before
    signature_boxes: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    code: Mapped[str] = mapped_column(String(9), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="valid")
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("issued_document.id"))
    supersedes_code: Mapped[str | None] = mapped_column(String(9))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: revoked by the BGH (app.signing.services.revoking): when, by whom, why (a code of
    #: REVOKE_REASONS) and the BGH's note (never shown on the public /verify page)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    revoke_reason: Mapped[str | None] = mapped_column(String(20))
    revoke_note: Mapped[str | None] = mapped_column(Text)

    student: Mapped[Student | None] = relationship()
    school_class: Mapped[SchoolClass] = relationship()
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def ready(self) -> bool:
        return True  # a row is written only after its file is complete (module docstring)


class ReportJob(Base):
    __tablename__ = "report_job"
    __audit_type__ = "report_job"
    __table_args__ = (
        CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="state"),
        CheckConstraint("scope IN ('class', 'grade', 'school')", name="scope"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    scope: Mapped[str] = mapped_column(String(10))
    #: the class id, the khối (grade level) or 0 for the school
    scope_ref: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[str] = mapped_column(String(200))
    year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id"))
    period: Mapped[str] = mapped_column(String(8))
    period_ref: Mapped[str] = mapped_column(String(10), default="")
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    state: Mapped[str] = mapped_column(String(10), default="queued")
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    failed_student: Mapped[str | None] = mapped_column(String(180))
    error: Mapped[str | None] = mapped_column(Text)
    merged_sha256: Mapped[str | None] = mapped_column(String(64))
    zip_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    requested_by: Mapped[User] = relationship()
    items: Mapped[list[ReportJobItem]] = relationship(order_by="ReportJobItem.position", viewonly=True)

    @property
    def state_label(self) -> str:
        return JOB_STATE_LABELS[self.state]

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else (100 if self.state == "done" else 0)


class ReportJobItem(Base):
    """One document of a job: a student's (báo liên lạc, học bạ) or a class's (sổ theo dõi)."""

    __tablename__ = "report_job_item"
    __table_args__ = (UniqueConstraint("job_id", "position", name="position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("report_job.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id"))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("issued_document.id"))

    document: Mapped[IssuedDocument | None] = relationship()
