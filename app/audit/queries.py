"""Read side of the audit screens: the school-wide feed and the daily digest."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from app.audit import registry
from app.audit.models import AuditEvent
from app.core.vn import LOCAL_TZ
from app.extensions import db

FEED_SIZE = 50


def timeline(subject: Any) -> list[AuditEvent]:
    """An object's own history for its readers: without the security log's refusals
    (`authz.denied` rows name whoever probed the object; they are for the BGH's audit)."""
    from app.audit.services import history

    return [e for e in history(subject) if not e.action.startswith("authz.")]


def feed_events(after: int = 0, limit: int = FEED_SIZE) -> list[AuditEvent]:
    """Submissions and decisions after seq `after`, newest first."""
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.action.in_(registry.feed_actions()), AuditEvent.seq > after)
        .order_by(AuditEvent.seq.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def links_of(events: list[AuditEvent]) -> dict[tuple[str, str], registry.SubjectLink]:
    """How to show the events' subjects (title, link), one query per subject kind."""
    return registry.links_for((e.subject_type, e.subject_id) for e in events)


def link_of(subject_type: str, subject_id: int) -> registry.SubjectLink | None:
    return registry.links_for([(subject_type, str(subject_id))]).get((subject_type, str(subject_id)))


def event(seq: int) -> AuditEvent | None:
    return db.session.get(AuditEvent, seq) if seq else None


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) in UTC of a calendar day in Asia/Ho_Chi_Minh."""
    start = datetime.combine(day, time.min, tzinfo=LOCAL_TZ).astimezone(UTC)
    return start, start + timedelta(days=1)


@dataclass(frozen=True)
class Digest:
    day: date
    count: int
    first: int | None
    last: int | None
    closing: AuditEvent | None  # the last event written before the end of the day
    counts: list[tuple[str, int]]
    events: list[AuditEvent]


def digest(day: date) -> Digest:
    start, end = day_bounds(day)
    in_day = (AuditEvent.ts >= start, AuditEvent.ts < end)
    first, last, count = db.session.execute(
        select(func.min(AuditEvent.seq), func.max(AuditEvent.seq), func.count()).where(*in_day)
    ).one()
    closing = db.session.scalars(
        select(AuditEvent).where(AuditEvent.ts < end).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    counts = Counter(
        dict(
            db.session.execute(select(AuditEvent.action, func.count()).where(*in_day).group_by(AuditEvent.action)).all()
        )
    )
    events = list(
        db.session.scalars(
            select(AuditEvent).where(*in_day, AuditEvent.action.in_(registry.feed_actions())).order_by(AuditEvent.seq)
        )
    )
    return Digest(day, count, first, last, closing, sorted(counts.items()), events)
