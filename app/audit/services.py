"""Writing and checking the audit trail.

Invariants:
- events are numbered 1, 2, 3… without gaps; each stores the hash of the one before
  (`prev_hash`, GENESIS for the first) and its own `hash` =
  sha256(prev_hash ‖ canonical JSON of its fields), text NFC-normalised so composed
  and decomposed Vietnamese hash alike;
- an event is written in the same transaction as the change it describes;
- appends are serialised: on PostgreSQL by an advisory lock, on SQLite by the
  write transaction (BEGIN IMMEDIATE), so two requests never fork the chain;
- nothing updates or deletes an event (ORM guard + database triggers).
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import current_app, g, has_request_context, request
from sqlalchemy import event as sa_event
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, SessionTransaction
from werkzeug.exceptions import TooManyRequests

from app.audit.models import AuditEvent, DenialTally
from app.core.database import lock_for_update
from app.core.models import utcnow
from app.extensions import db

GENESIS = "0" * 64
#: the audit trail's own actions (every domain registers the labels of its own)
ACTION_LABELS = {
    "authz.denied": "Bị từ chối truy cập",
    "audit.digest_exported": "Tải danh sách nhật ký trong ngày",
}
#: the digest lists these one by one (the other domains add theirs)
NOTABLE_ACTIONS = ("authz.denied",)
AUDIT_LOCK_KEY = 0x5D_A0D17  # any constant shared by every writer of the chain
#: the chain's head; a plain INSERT of one event (`append`), both built once
_HEAD = select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
_INSERT_EVENT = insert(AuditEvent.metadata.tables[AuditEvent.__tablename__])
#: in session.info: (seq, hash) of the last event the current transaction wrote. While that
#: transaction lasts it holds the chain's lock, so that event is the head: the next append
#: of a transaction that records many (a batch's chunk) need not lock and read it again.
_WRITTEN_HEAD = "audit_written_head"


@sa_event.listens_for(Session, "after_transaction_end")
def _forget_written_head(session: Session, _transaction: SessionTransaction) -> None:
    session.info.pop(_WRITTEN_HEAD, None)  # committed, rolled back, or a savepoint ended


def jsonable(value: Any) -> Any:
    """Plain JSON values with NFC text: what is stored is exactly what is hashed."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {jsonable(str(k)): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(jsonable(v) for v in value)
    return value


def canonical_json(payload: dict[str, Any]) -> str:
    return json.dumps(jsonable(payload), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


#: the fields an event's hash covers, in its canonical JSON
HASHED_FIELDS = ("seq", "ts", "actor_id", "actor_name", "actor_role", "action", "subject_type", "subject_id",
                 "changes", "comment", "request_id", "ip", "file_sha256")  # fmt: skip


def _payload_of(values: dict[str, Any]) -> dict[str, Any]:
    return {name: values[name] for name in HASHED_FIELDS} | {"ts": values["ts"].strftime("%Y-%m-%dT%H:%M:%S.%fZ")}


def _hash_of(values: dict[str, Any], prev_hash: str) -> str:
    material = prev_hash + canonical_json(_payload_of(values))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def compute_hash(event: AuditEvent, prev_hash: str) -> str:
    return _hash_of({name: getattr(event, name) for name in HASHED_FIELDS}, prev_hash)


def subject_ref(subject: Any) -> tuple[str | None, str | None]:
    if subject is None:
        return None, None
    if isinstance(subject, tuple):
        kind, ident = subject
        return kind, None if ident is None else str(ident)
    kind = getattr(subject, "__audit_type__", None) or subject.__tablename__
    return kind, str(subject.id)


def actor_role_of(actor: Any) -> str | None:
    roles = getattr(actor, "roles", None)
    if not roles:
        return None
    return ",".join(sorted(str(r.value) for r in roles))


#: contact and sensitive identity fields (DESIGN.md 13, Luật 91/2025): an event holds them
#: only as a keyed digest, so the chain proves a value when it is shown, reveals nothing,
#: and stays verifiable after the clear value is erased from the school's tables
PERSONAL_FIELDS = {
    "guardian": frozenset({"full_name", "phone", "email", "address", "occupation", "birth_year"}),
    "student": frozenset({"phone", "email", "address", "ethnicity", "birthplace"}),
}
DIGEST_PREFIX = "hmac-sha256:"


def personal_digest(value: Any) -> Any:
    """HMAC-SHA256 of the NFC text under SODIENTU_AUDIT_DIGEST_KEY (else SECRET_KEY); blanks stay."""
    if value is None or value == "":
        return value
    key = current_app.config.get("SODIENTU_AUDIT_DIGEST_KEY") or current_app.config["SECRET_KEY"]
    text = unicodedata.normalize("NFC", str(value))
    return DIGEST_PREFIX + hmac.new(str(key).encode(), text.encode(), hashlib.sha256).hexdigest()


def _without_personal_data(subject_type: str | None, changes: dict[str, Any] | None) -> dict[str, Any] | None:
    fields = PERSONAL_FIELDS.get(subject_type or "")
    if not fields or not changes:
        return changes
    return {
        key: ([personal_digest(v) for v in value] if isinstance(value, list) else personal_digest(value))
        if key in fields
        else value
        for key, value in changes.items()
    }


def record(
    actor: Any,
    action: str,
    subject: Any = None,
    *,
    changes: dict[str, Any] | None = None,
    comment: str | None = None,
    file_sha256: str | None = None,
    role: str | None = None,
    origin: tuple[str | None, str | None] | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction (the caller commits).

    `origin` (ip, request id) overrides the current request's, for an event written later
    than what it records (a sealed denial tally)."""
    values = _next_event(actor, action, subject_ref(subject), changes, comment, file_sha256, role, origin)
    event = AuditEvent(**values)
    db.session.add(event)
    db.session.flush()
    db.session.info[_WRITTEN_HEAD] = (values["seq"], values["hash"])
    return event


def append(
    actor: Any,
    action: str,
    subject: tuple[str | None, str | None],
    *,
    changes: dict[str, Any] | None = None,
    file_sha256: str | None = None,
) -> int:
    """`record` without an ORM object, for a hot path (a batch records each document so):
    the same event, chained and hashed by the same code, written by one Core INSERT; its seq.
    `subject` is (type, id) as `subject_ref` gives it."""
    values = _next_event(actor, action, subject, changes, None, file_sha256, None, None)
    db.session.execute(_INSERT_EVENT, values)
    db.session.info[_WRITTEN_HEAD] = (values["seq"], values["hash"])
    return int(values["seq"])


def _next_event(
    actor: Any,
    action: str,
    subject: tuple[str | None, str | None],
    changes: dict[str, Any] | None,
    comment: str | None,
    file_sha256: str | None,
    role: str | None,
    origin: tuple[str | None, str | None] | None,
) -> dict[str, Any]:
    """The next event's column values, its hash included, the chain's head locked and read
    (or, after an event this transaction wrote, that one: the lock is held already)."""
    session = db.session
    head = session.info.get(_WRITTEN_HEAD)
    if head is None:
        lock_for_update(session, AUDIT_LOCK_KEY)
        head = session.execute(_HEAD).first()
    prev_seq, prev_hash = (head[0], head[1]) if head else (0, GENESIS)
    subject_type, subject_id = subject
    changes = _without_personal_data(subject_type, changes)
    values: dict[str, Any] = {
        "seq": prev_seq + 1,
        "ts": utcnow(),
        "actor_id": getattr(actor, "id", None),
        "actor_name": jsonable(getattr(actor, "full_name", None)),
        "actor_role": role or actor_role_of(actor),
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "changes": jsonable(changes) if changes else None,
        "comment": jsonable(comment) if comment else None,
        "request_id": origin[1] if origin else g.get("request_id") if has_request_context() else None,
        "ip": origin[0] if origin else request.remote_addr if has_request_context() else None,
        "file_sha256": file_sha256,
        "prev_hash": prev_hash,
    }
    values["hash"] = _hash_of(values, prev_hash)
    return values


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    count: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None = None
    reason: str | None = None


def verify(batch: int = 2000) -> VerifyResult:
    """Walk the chain, recomputing every hash from the stored fields."""
    expected_seq, prev_hash, count = 1, GENESIS, 0
    stmt = select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=batch)
    events = db.session.scalars(stmt)
    try:  # close the (server-side, on PostgreSQL) cursor also when we stop early
        for event in events:
            bad = _check_event(event, expected_seq, prev_hash)
            if bad:
                first_bad, reason = bad
                return VerifyResult(False, count, expected_seq - 1, prev_hash, first_bad, reason)
            prev_hash, expected_seq, count = event.hash, expected_seq + 1, count + 1
    finally:
        events.close()
    db.session.expunge_all()
    return VerifyResult(True, count, expected_seq - 1, prev_hash)


def _check_event(event: AuditEvent, expected_seq: int, prev_hash: str) -> tuple[int, str] | None:
    """(first bad seq, reason) or None. Rows before this one have been checked already."""
    if event.seq != expected_seq:
        return (
            min(event.seq, expected_seq),
            f"thiếu hoặc sai thứ tự: mong đợi seq={expected_seq}, gặp seq={event.seq}",
        )
    consistent = compute_hash(event, event.prev_hash) == event.hash
    if event.prev_hash != prev_hash:
        return _broken_link(event, consistent)
    if not consistent:
        return event.seq, "nội dung dòng không khớp với hash (dòng bị sửa)"
    return None


def _broken_link(event: AuditEvent, consistent: bool) -> tuple[int, str]:
    """This row does not point to the row before it: rows were inserted before it (it
    still points to an older row), or the row before it was rewritten with a new hash."""
    earlier = db.session.scalar(
        select(AuditEvent.seq).where(AuditEvent.hash == event.prev_hash, AuditEvent.seq < event.seq - 1)
    )
    if earlier is not None:
        return (
            earlier + 1,
            f"dòng seq={earlier + 1}…{event.seq - 1} được chèn thêm (dòng seq={event.seq} vẫn nối vào seq={earlier})",
        )
    if consistent and event.seq > 1:
        return (
            event.seq - 1,
            f"dòng seq={event.seq - 1} bị sửa và tính lại hash (hoặc liên kết của dòng seq={event.seq} bị sửa)",
        )
    return event.seq, "dòng bị sửa, xoá hoặc đổi chỗ (không nối vào dòng trước)"


def head() -> tuple[int, str]:
    row = db.session.execute(_HEAD).first()
    return (row[0], row[1]) if row else (0, GENESIS)


def history(subject: Any) -> list[AuditEvent]:
    """The timeline of one object, oldest first."""
    subject_type, subject_id = subject_ref(subject)
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.subject_type == subject_type, AuditEvent.subject_id == subject_id)
        .order_by(AuditEvent.seq)
    )
    return list(db.session.scalars(stmt))


def record_denial(_sender: Any, reason: str, subject_type: str | None = None, subject_id: Any = None) -> None:
    """Subscriber of core.authz.access_denied: count the refusal in this minute's tally of
    (user, kind) and write every tally of an earlier minute to the chain (seal_denials).

    The request's own transaction is rolled back first (nothing it did survives a denial)
    and the tally is committed on its own. A user refused more than PROBE_LIMIT times in a
    minute is answered 429 until the minute is over (SECURITY.md 17, issue 8.14).
    """
    from flask_login import current_user

    from app.core.database import intend_write

    actor = current_user if current_user and current_user.is_authenticated else None
    db.session.rollback()
    intend_write()
    count = _tally(actor, reason, subject_type, subject_id)
    seal_denials()
    db.session.commit()
    if count > current_app.config["SODIENTU_PROBE_LIMIT"]:
        raise TooManyRequests(
            description="Bạn bị từ chối truy cập quá nhiều lần trong một phút. Vui lòng đợi một phút rồi thử lại.",
            retry_after=60,
        )


#: how many refusals of one tally keep their full details (the rest are counted)
FIRST_KEPT = 5


def _window(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


def _tally(actor: Any, reason: str, subject_type: str | None, subject_id: Any) -> int:
    """Count one refusal; returns how many this user had of this kind in this minute."""
    key = getattr(actor, "id", None) or 0
    kind = f"{reason}:{subject_type or '-'}"[:120]
    window = _window(utcnow())
    tally = db.session.scalar(
        select(DenialTally).where(
            DenialTally.actor_key == key, DenialTally.kind == kind, DenialTally.window_start == window
        )
    )
    if tally is None:
        tally = DenialTally(
            actor_key=key,
            actor_name=jsonable(getattr(actor, "full_name", None)),
            actor_role=actor_role_of(actor),
            kind=kind,
            window_start=window,
            count=0,
            first=[],
            ip=request.remote_addr,
            request_id=g.get("request_id"),
        )
        db.session.add(tally)
    tally.count += 1
    if len(tally.first) < FIRST_KEPT:
        detail = {"subject_id": None if subject_id is None else str(subject_id)[:60], "method": request.method,
                  "endpoint": request.endpoint, "path": request.path[:300]}  # fmt: skip
        tally.first = [*tally.first, detail]
    db.session.flush()
    return tally.count


def seal_denials(include_current: bool = False, limit: int = 500) -> int:
    """Write each finished minute's tallies to the chain, one `authz.denied` event each, and
    drop them; with include_current also this minute's (the digest, `flask audit verify`)."""
    stmt = select(DenialTally).order_by(DenialTally.id).limit(limit)
    if not include_current:
        stmt = stmt.where(DenialTally.window_start < _window(utcnow()))
    tallies = list(db.session.scalars(stmt))
    for tally in tallies:
        _, _, subject_type = tally.kind.partition(":")
        first_id = tally.first[0]["subject_id"] if tally.first else None
        who = _TallyActor(tally.actor_key or None, tally.actor_name)
        changes = {"count": tally.count, "reason": tally.kind.split(":")[0], "minute": tally.window_start,
                   "first": tally.first}  # fmt: skip
        subject = (None if subject_type == "-" else subject_type, first_id)
        record(
            who, "authz.denied", subject, changes=changes, role=tally.actor_role, origin=(tally.ip, tally.request_id)
        )
        db.session.delete(tally)
    db.session.flush()
    return len(tallies)


@dataclass(frozen=True)
class _TallyActor:
    id: int | None
    full_name: str | None


def record_digest_export(actor: Any, day: date) -> AuditEvent:
    """The day's full list left the server (R23): who took it, which day."""
    return record(actor, "audit.digest_exported", ("audit", None), changes={"day": day.isoformat()})
