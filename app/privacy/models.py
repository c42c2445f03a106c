"""The register of data-subject requests (R22, Luật 91/2025 and NĐ 356/2025).

DataRequest: one request from a guardian of a student, or from the student, to access,
correct, delete or restrict the processing of the student's data. `due_on` is
`received_on` plus 2 working days (app.privacy.workdays). States: open (đang xử lý) →
answered (đã trả lời) | refused (từ chối), with the reply, who answered and when. The
request holds ids, not names: erasing a guardian leaves no clear copy here.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import Base, UTCDateTime, utcnow
from app.school.models import Guardian, Student

KINDS = {"access": "Truy cập", "correction": "Chỉnh sửa", "deletion": "Xóa", "restriction": "Hạn chế xử lý"}
STATUSES = {"open": "Đang xử lý", "answered": "Đã trả lời", "refused": "Từ chối"}
REQUESTERS = {"guardian": "Cha/mẹ/người giám hộ", "student": "Học sinh"}


class DataRequest(Base):
    __tablename__ = "data_request"
    __audit_type__ = "data_request"
    __table_args__ = (
        CheckConstraint("kind IN ('access', 'correction', 'deletion', 'restriction')", name="kind"),
        CheckConstraint("status IN ('open', 'answered', 'refused')", name="status"),
        CheckConstraint("requester IN ('guardian', 'student')", name="requester"),
        Index("ix_data_request_status_due", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    requester: Mapped[str] = mapped_column(String(10))
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardian.id", ondelete="SET NULL"))
    details: Mapped[str] = mapped_column(Text, default="")
    received_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open")
    reply: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    student: Mapped[Student] = relationship()
    guardian: Mapped[Guardian | None] = relationship()

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]

    def overdue(self, today: date) -> bool:
        return self.status == "open" and self.due_on < today
