"""The writers of parents.

States of a link: issued → (opened …) → revoked | expired. Issuing a link to a guardian
revokes the guardian's previous usable link (re-issue: the old link stops at once). A
link opens only by POST from its landing page (a GET consumes nothing); opening records
first/last open and counts. With the school setting `parents.second_factor` = "dob" the
POST must carry the child's date of birth; after DOB_MAX_FAILURES wrong answers the link
is locked for DOB_LOCK_MINUTES (only that link: other families are never locked out).

The audit trail records what changes something: issue, revoke, release, acknowledge.
Opens, views, downloads and failed attempts go to the access log (ParentAccess), written
on a connection of its own and committed at once — a 404 still leaves its line, and a
parent's read never waits on the audit chain's lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app, has_request_context, request
from sqlalchemy import delete, insert, select

from app.accounts.models import User
from app.audit import services as audit
from app.core.errors import DomainError
from app.core.models import utcnow
from app.core.vn import LOCAL_TZ, nfc
from app.extensions import db
from app.parents import consent, policy, tokens
from app.parents.models import RELEASE_PERIODS, ParentAccess, ParentAck, ParentLink, ParentRelease
from app.parents.queries import ParentPrincipal, approved_points
from app.results.models import ResultSnapshot
from app.school.models import Guardian, SchoolClass
from app.school.services.school_info import get_setting

DOB_MAX_FAILURES = 5
DOB_LOCK_MINUTES = 15
REPLY_MAX = 500
SECOND_FACTOR_SETTING = "parents.second_factor"
RETENTION_SETTING = "parents.access_log_days"
PARENT_ROLE = "phu_huynh"

ACTION_LABELS = {
    "parent_link.issued": "Cấp đường dẫn riêng cho phụ huynh",
    "parent_link.revoked": "Thu hồi đường dẫn của phụ huynh",
    "parent_release.published": "Công bố kết quả học kỳ cho phụ huynh",
    "parent_ack.created": "Phụ huynh xác nhận đã xem",
}
FEED_ACTIONS = ("parent_release.published",)


def end_of_year(cls: SchoolClass) -> datetime:
    """The default expiry: the end of the school year's last day (local), in UTC."""
    last = cls.year.end_date
    return datetime.combine(last + timedelta(days=1), time(0), LOCAL_TZ).astimezone(UTC)


def issue_link(actor: User, cls: SchoolClass, guardian: Guardian) -> tuple[ParentLink, str]:
    """A new link for the guardian; returns it and its token (shown once, never stored)."""
    if not policy.can_manage_links(actor, cls.homeroom_teacher_id):
        raise DomainError("Chỉ giáo viên chủ nhiệm hoặc Ban giám hiệu cấp được đường dẫn.", 403)
    now = utcnow()
    expires = end_of_year(cls)
    if expires <= now:
        raise DomainError("Năm học của lớp đã kết thúc: không cấp được đường dẫn mới.", 422)
    consent.require_delivery(guardian)  # R21: none after a withdrawal
    for old in _usable_links(guardian.id, now):
        _revoke(actor, old, now, reason="reissued")
    token = tokens.new_token()
    link = ParentLink(
        token_hash=tokens.token_hash(token),
        student_id=guardian.student_id,
        guardian_id=guardian.id,
        class_id=cls.id,
        year_id=cls.year_id,
        expires_at=expires,
        created_by_id=actor.id,
    )
    db.session.add(link)
    db.session.flush()
    audit.record(
        actor,
        "parent_link.issued",
        link,
        changes={"student_id": [None, link.student_id], "guardian_id": [None, guardian.id],
                 "expires_at": [None, expires.isoformat()]},
    )  # fmt: skip
    return link, token


def issue_missing(actor: User, cls: SchoolClass, guardians: list[Guardian]) -> list[tuple[Guardian, str]]:
    """A link for each guardian who has no usable one (a class sent out in one click);
    guardians already holding a link keep it. Returns (guardian, token) — shown once."""
    now = utcnow()
    return [(g, issue_link(actor, cls, g)[1]) for g in guardians if not _usable_links(g.id, now)]


def _usable_links(guardian_id: int, now: datetime) -> list[ParentLink]:
    rows = db.session.scalars(
        select(ParentLink).where(ParentLink.guardian_id == guardian_id, ParentLink.revoked_at.is_(None))
    ).all()
    return [link for link in rows if link.usable(now)]


def revoke_link(actor: User, link: ParentLink) -> None:
    if link.revoked_at is not None:
        raise DomainError("Đường dẫn này đã bị thu hồi trước đó.", 409)
    _revoke(actor, link, utcnow(), reason="revoked")


def _revoke(actor: User, link: ParentLink, now: datetime, reason: str) -> None:
    link.revoked_at = now
    link.revoked_by_id = actor.id
    db.session.flush()
    audit.record(actor, "parent_link.revoked", link, changes={"revoked_at": [None, now.isoformat()]}, comment=reason)


def release_point(actor: User, cls: SchoolClass, period: str, period_ref: str = "") -> ParentRelease:
    """Show an approved term/year point of the class to its parents."""
    if not policy.can_release(actor, cls.homeroom_teacher_id):
        raise DomainError("Chỉ giáo viên chủ nhiệm hoặc Ban giám hiệu công bố được kết quả.", 403)
    if period not in RELEASE_PERIODS or (period, period_ref) not in approved_points(cls):
        raise DomainError("Kết quả này chưa được hiệu trưởng duyệt nên chưa công bố được cho phụ huynh.", 422)
    found = db.session.scalars(
        select(ParentRelease).where(
            ParentRelease.class_id == cls.id, ParentRelease.period == period, ParentRelease.period_ref == period_ref
        )
    ).first()
    if found is not None:
        raise DomainError("Kết quả này đã được công bố cho phụ huynh.", 409)
    release = ParentRelease(class_id=cls.id, period=period, period_ref=period_ref, released_by_id=actor.id)
    db.session.add(release)
    db.session.flush()
    audit.record(
        actor, "parent_release.published", release, changes={"period": [None, period], "class_id": [None, cls.id]}
    )
    return release


# ---------------------------------------------------------------------------- the parent's side


def second_factor_required() -> bool:
    return get_setting(SECOND_FACTOR_SETTING, "") == "dob"


@dataclass(frozen=True)
class OpenResult:
    ok: bool
    outcome: str  # "ok" | "dob_wrong" | "locked"
    message: str = ""


def open_link(link: ParentLink, birth_date: date | None, now: datetime) -> OpenResult:
    """The POST from the landing page: check the second factor when asked, record the open."""
    if second_factor_required():
        if link.locked_until is not None and link.locked_until > now:
            return OpenResult(False, "locked", _locked_message())
        if birth_date is None or birth_date != link.student.birth_date:
            link.dob_failures += 1
            if link.dob_failures >= DOB_MAX_FAILURES:
                link.dob_failures = 0
                link.locked_until = now + timedelta(minutes=DOB_LOCK_MINUTES)
                db.session.flush()
                return OpenResult(False, "locked", _locked_message())
            db.session.flush()
            return OpenResult(
                False, "dob_wrong", "Ngày sinh chưa đúng. Vui lòng nhập ngày sinh của con (ngày/tháng/năm)."
            )
        link.dob_failures = 0
        link.locked_until = None
    link.first_opened_at = link.first_opened_at or now
    link.last_opened_at = now
    link.open_count += 1
    db.session.flush()
    return OpenResult(True, "ok")


def _locked_message() -> str:
    return (
        f"Đường dẫn tạm khóa vì nhập sai ngày sinh nhiều lần. Vui lòng thử lại sau {DOB_LOCK_MINUTES} phút "
        "hoặc liên hệ giáo viên chủ nhiệm."
    )


def acknowledge(principal: ParentPrincipal, snapshot: ResultSnapshot, reply: str | None) -> ParentAck:
    """ "Đã xem" for one report point, once; the reply (optional, short) goes to the GVCN."""
    text = nfc(reply or "").strip()
    if len(text) > REPLY_MAX:
        raise DomainError(f"Lời nhắn tối đa {REPLY_MAX} ký tự (đang có {len(text)}).", 422)
    if snapshot.student_id != principal.student_id:  # the query scoped it; a service re-checks
        raise DomainError("Không tìm thấy trang hoặc dữ liệu bạn yêu cầu.", 404)
    found = db.session.scalars(
        select(ParentAck).where(ParentAck.link_id == principal.link_id, ParentAck.snapshot_id == snapshot.id)
    ).first()
    if found is not None:
        raise DomainError("Gia đình đã xác nhận đã xem báo liên lạc này.", 409)
    ack = ParentAck(link_id=principal.link_id, snapshot_id=snapshot.id, reply=text)
    db.session.add(ack)
    db.session.flush()
    audit.record(
        None,
        "parent_ack.created",
        ack,
        changes={"link_id": [None, principal.link_id], "snapshot_id": [None, snapshot.id],
                 "reply_length": [None, len(text)]},
        role=PARENT_ROLE,
    )  # fmt: skip
    return ack


# ---------------------------------------------------------------------------- the access log


def log_access(event: str, outcome: str, hashed: str = "", link_id: int | None = None) -> None:
    """One line in the access log, committed at once on a connection of its own."""
    ip = (request.remote_addr or "") if has_request_context() else ""
    agent = (request.user_agent.string or "")[:200] if has_request_context() else ""
    engine = current_app.extensions["sqlalchemy"].engine
    with engine.begin() as conn:
        conn.execute(
            insert(ParentAccess).values(
                at=utcnow(), token_prefix=hashed[:8], link_id=link_id, event=event, outcome=outcome,
                ip=ip[:45], user_agent=agent,
            )
        )  # fmt: skip


def log_failure(outcome: str, hashed: str = "", link_id: int | None = None) -> None:
    """A refused attempt: the request's own transaction is abandoned first (on SQLite a POST
    holds the write lock from its first read), then the line is written."""
    db.session.rollback()
    log_access("failed", outcome, hashed, link_id)


def retention_days() -> int:
    value = get_setting(RETENTION_SETTING)
    if value and value.isdigit():
        return int(value)
    return int(current_app.config["SODIENTU_PARENT_LOG_DAYS"])


def purge_log(days: int | None = None) -> int:
    """Delete access-log lines older than the retention (days); returns how many."""
    keep = retention_days() if days is None else days
    cutoff = utcnow() - timedelta(days=keep)
    result = db.session.execute(delete(ParentAccess).where(ParentAccess.at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
