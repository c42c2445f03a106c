"""AuditEvent: append-only, hash-chained (DESIGN.md convention 3, SECURITY.md D-4).

The ORM refuses to update or delete a row (before_flush guard) and the database
refuses too (triggers created by the migration).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core.models import Base, UTCDateTime


class AuditEvent(Base):
    __tablename__ = "audit_event"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ts: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    actor_name: Mapped[str | None] = mapped_column(String(200))
    actor_role: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(80), index=True)
    subject_type: Mapped[str | None] = mapped_column(String(60))
    subject_id: Mapped[str | None] = mapped_column(String(60))
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(40))
    ip: Mapped[str | None] = mapped_column(String(64))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    __table_args__ = (
        # the timeline of one object is read by (subject_type, subject_id)
        Index("ix_audit_event_subject", "subject_type", "subject_id"),
    )


class DenialTally(Base):
    """Refusals (403/404) of one user, of one kind, in one minute — counted here and written
    to the chain as ONE `authz.denied` event when the minute is over (services.seal_denials),
    so a scan of thousands of ids cannot flood the chain or queue on its lock."""

    __tablename__ = "denial_tally"
    __table_args__ = (UniqueConstraint("actor_key", "kind", "window_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_key: Mapped[int] = mapped_column(Integer)  # the user id, 0 when nobody is signed in
    actor_name: Mapped[str | None] = mapped_column(String(200))
    actor_role: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(120))  # "<reason>:<subject type>"
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    first: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # the first few refusals, in full
    ip: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(40))


class AuditTamperingError(RuntimeError):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_audit_rewrites(session: Session, _ctx: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent):
            raise AuditTamperingError("audit events are append-only: no update or delete")
