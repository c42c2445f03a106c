"""Read side of the audit screens: the school-wide feed and the daily digest."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
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


NOTABLE_SHOWN = 60
ActorCount = tuple[int | None, str, int]  # (actor id, action, events)
NO_GROUP = "Không thuộc tổ / hệ thống"


@dataclass(frozen=True)
class Digest:
    """One day, as a summary a principal signs; the full list is the CSV (`day_events`)."""

    day: date
    count: int
    first: int | None
    last: int | None
    closing: AuditEvent | None  # the last event written before the end of the day
    counts: list[tuple[str, int]]  # (action, n), most frequent first
    groups: list[tuple[str, list[tuple[str, int]]]]  # (tổ, [(action, n)]) — who did what
    notable: list[AuditEvent]  # the exceptions, oldest first (at most NOTABLE_SHOWN)
    notable_count: int


def digest(day: date) -> Digest:
    start, end = day_bounds(day)
    in_day = (AuditEvent.ts >= start, AuditEvent.ts < end)
    first, last, count = db.session.execute(
        select(func.min(AuditEvent.seq), func.max(AuditEvent.seq), func.count()).where(*in_day)
    ).one()
    closing = db.session.scalars(
        select(AuditEvent).where(AuditEvent.ts < end).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    per_actor: list[ActorCount] = [
        (actor, action, n)
        for actor, action, n in db.session.execute(
            select(AuditEvent.actor_id, AuditEvent.action, func.count())
            .where(*in_day)
            .group_by(AuditEvent.actor_id, AuditEvent.action)
        )
    ]
    notable = registry.notable_actions()
    notable_filter = (*in_day, AuditEvent.action.in_(notable))
    notable_count = db.session.scalar(select(func.count()).where(*notable_filter)) or 0
    exceptions = list(
        db.session.scalars(select(AuditEvent).where(*notable_filter).order_by(AuditEvent.seq).limit(NOTABLE_SHOWN))
    )
    return Digest(day, count, first, last, closing, _totals(per_actor), _by_group(per_actor), exceptions, notable_count)


def _totals(per_actor: list[ActorCount]) -> list[tuple[str, int]]:
    totals: Counter[str] = Counter()
    for _actor, action, n in per_actor:
        totals[action] += n
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))


def _by_group(per_actor: list[ActorCount]) -> list[tuple[str, list[tuple[str, int]]]]:
    names = registry.groups_of({a for a, _, _ in per_actor if a is not None})
    grouped: dict[str, Counter[str]] = {}
    for actor, action, n in per_actor:
        grouped.setdefault(names.get(actor, NO_GROUP) if actor else NO_GROUP, Counter())[action] += n
    return [
        (group, sorted(c.items(), key=lambda item: (-item[1], item[0])))
        for group, c in sorted(grouped.items(), key=lambda item: (item[0] == NO_GROUP, item[0]))
    ]


def day_events(day: date, batch: int = 2000) -> Iterator[AuditEvent]:
    """Every event of the day, oldest first, streamed (the digest's CSV)."""
    start, end = day_bounds(day)
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.ts >= start, AuditEvent.ts < end)
        .order_by(AuditEvent.seq)
        .execution_options(yield_per=batch)
    )
    yield from db.session.scalars(stmt)


def hashes_at(seqs: set[int]) -> dict[int, str]:
    """The stored hash of each of these events (those that exist)."""
    if not seqs:
        return {}
    rows = db.session.execute(select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.seq.in_(sorted(seqs))))
    return {seq: row_hash for seq, row_hash in rows}
