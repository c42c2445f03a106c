"""Parent links, report points released to parents, read receipts and the access log.

- ParentLink: one guardian's capability link to one student's reports (purpose
  `view_report`). Only the sha256 of the token is stored (`token_hash`); the token itself
  is shown once to the GVCN and never written anywhere. A link stops at once when revoked
  (`revoked_at`), when it expires (`expires_at`, by default the end of the school year) or
  when a newer link is issued to the same guardian (which revokes it). `dob_failures` /
  `locked_until` hold the second-factor lockout (the child's date of birth, when the
  school setting asks for it).
- ParentRelease: a term/year point (hk1, hk2, cn, he) of a class shown to parents. A
  month is shown once the GVCN published it (its snapshots exist only from then); a
  term's approved close becomes visible only when the GVCN (or BGH) releases it here.
- ParentAck: "Đã xem" — a parent acknowledged one report point (a snapshot), with an
  optional short reply to the GVCN.
- ParentAccess: the access log (opens, views, downloads, failed attempts), a table of its
  own, written on a connection of its own: parent reads never take the audit chain's lock.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core.models import Base, UTCDateTime, utcnow
from app.school.models import Guardian, SchoolClass, Student

PURPOSE = "view_report"
RELEASE_PERIODS = ("hk1", "hk2", "cn", "he")
ACCESS_EVENTS = ("open", "view", "download", "failed", "ack")


class ParentLink(Base):
    __tablename__ = "parent_link"
    __audit_type__ = "parent_link"
    __table_args__ = (Index("ix_parent_link_guardian", "guardian_id", "revoked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardian.id"))
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id"), index=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id"))
    purpose: Mapped[str] = mapped_column(String(20), default=PURPOSE)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    first_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    open_count: Mapped[int] = mapped_column(Integer, default=0)
    dob_failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    student: Mapped[Student] = relationship()
    guardian: Mapped[Guardian] = relationship()
    school_class: Mapped[SchoolClass] = relationship()

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now


class ParentRelease(Base):
    __tablename__ = "parent_release"
    __audit_type__ = "parent_release"
    __table_args__ = (
        UniqueConstraint("class_id", "period", "period_ref", name="uq_parent_release_point"),
        CheckConstraint("period IN ('hk1', 'hk2', 'cn', 'he')", name="period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id"), index=True)
    period: Mapped[str] = mapped_column(String(8))
    period_ref: Mapped[str] = mapped_column(String(10), default="")
    released_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class ParentAck(Base):
    __tablename__ = "parent_ack"
    __audit_type__ = "parent_ack"
    __table_args__ = (UniqueConstraint("link_id", "snapshot_id", name="uq_parent_ack_point"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("parent_link.id"), index=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("result_snapshot.id"))
    reply: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ParentAccess(Base):
    """One line of the access log: never the token, only the first 8 hex of its sha256."""

    __tablename__ = "parent_access"
    __table_args__ = (
        CheckConstraint("event IN ('open', 'view', 'download', 'failed', 'ack')", name="event"),
        Index("ix_parent_access_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    token_prefix: Mapped[str] = mapped_column(String(8), default="")
    link_id: Mapped[int | None] = mapped_column(Integer, index=True)  # no FK: the log outlives links
    event: Mapped[str] = mapped_column(String(10))
    outcome: Mapped[str] = mapped_column(String(20))
    ip: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")


CONSENT_STATES = ("given", "withdrawn")
CONSENT_CHANNELS = ("school", "parent_link")


class GuardianConsent(Base):
    """R21: one guardian's consent to electronic delivery (the sổ liên lạc điện tử), as a
    history — the newest row is the state. `channel` "school": recorded by the GVCN or BGH
    from a document (`source`, e.g. "phiếu giấy có chữ ký", dated `decided_on`);
    "parent_link": ticked (never pre-ticked) or withdrawn by the parent on the link's page.
    A withdrawal revokes every link of the guardian; none is issued again before a new
    consent."""

    __tablename__ = "guardian_consent"
    __audit_type__ = "guardian_consent"
    __table_args__ = (
        CheckConstraint("state IN ('given', 'withdrawn')", name="state"),
        CheckConstraint("channel IN ('school', 'parent_link')", name="channel"),
        Index("ix_guardian_consent_guardian", "guardian_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardian.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    state: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(12))
    source: Mapped[str] = mapped_column(String(200), default="")
    decided_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    link_id: Mapped[int | None] = mapped_column(ForeignKey("parent_link.id"))

    @property
    def given(self) -> bool:
        return self.state == "given"


class ParentMessage(Base):
    """The GVCN's one-to-one note to one student's family (e.g. about absences). Every
    guardian of that student holding a link sees it; nobody else. `read_at` is the first
    time a guardian saw it (the read receipt); one reply from the family; `reply_seen_at`
    when the GVCN read the reply (the class's unread-replies count)."""

    __tablename__ = "parent_message"
    __audit_type__ = "parent_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_by_guardian_id: Mapped[int | None] = mapped_column(Integer)
    reply: Mapped[str] = mapped_column(Text, default="")
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_by_guardian_id: Mapped[int | None] = mapped_column(Integer)
    reply_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[User] = relationship()
