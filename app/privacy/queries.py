"""The read side of privacy: the register, the overdue flag, the parent access log, the
subjects of an export or an erasure (each "this object, or 404")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.core.authz import not_found
from app.extensions import db
from app.parents.models import ParentAccess, ParentLink
from app.privacy import policy
from app.privacy.models import DataRequest
from app.school.models import Guardian, SchoolClass, Student

LOG_PAGE_SIZE = 50
OUTCOMES = {
    "ok": "Thành công",
    "unknown": "Đường dẫn không tồn tại",
    "revoked": "Đường dẫn đã thu hồi",
    "expired": "Đường dẫn hết hạn",
    "no_session": "Hết phiên xem",
    "not_own_point": "Kỳ không thuộc học sinh",
    "no_document": "Chưa có bản PDF",
    "dob_wrong": "Sai ngày sinh",
    "locked": "Tạm khóa",
    "no_consent": "Chưa đánh dấu đồng ý",
    "consent_withdrawn": "Rút lại đồng ý",
}
EVENTS = {"open": "Mở", "view": "Xem", "download": "Tải PDF", "failed": "Thất bại", "ack": "Xác nhận đã xem"}


# ---------------------------------------------------------------------------- the register


def requests(status: str | None = None) -> list[DataRequest]:
    """The register, open ones first (soonest due), then the answered, newest first."""
    query = select(DataRequest).options(selectinload(DataRequest.student), selectinload(DataRequest.guardian))
    if status:
        query = query.where(DataRequest.status == status)
    rows = db.session.scalars(query).all()
    return sorted(rows, key=lambda r: (r.status != "open", r.due_on if r.status == "open" else date.min, -r.id))


def request_for(user: User, request_id: int) -> DataRequest:
    found = db.session.get(DataRequest, request_id)
    if found is None or not policy.can_manage_requests(user):
        not_found("data_request", request_id)
    return found


def overdue_count(user: User, today: date) -> int | None:
    """How many open requests are past their due date (None for whoever cannot see them)."""
    if not policy.can_manage_requests(user):
        return None
    count = db.session.scalar(
        select(func.count(DataRequest.id)).where(DataRequest.status == "open", DataRequest.due_on < today)
    )
    return int(count or 0)


def student_by_code(code: str) -> Student | None:
    return db.session.scalars(select(Student).where(Student.student_code == code.strip())).first()


def student_for_export(user: User, student_id: int) -> Student:
    student = db.session.get(Student, student_id)
    if student is None or not policy.can_export_student(user):
        not_found("student", student_id)
    return student


# ---------------------------------------------------------------------------- erasure


def guardian_for_erasure(user: User, guardian_id: int) -> Guardian:
    guardian = db.session.get(Guardian, guardian_id)
    if guardian is None or not policy.can_erase_guardian(user):
        not_found("guardian", guardian_id)
    return guardian


def find_students(text: str, limit: int = 30) -> list[Student]:
    """Students by code or by part of the name (the admin's erasure search), with guardians."""
    needle = text.strip()
    if not needle:
        return []
    like = f"%{needle}%"
    rows = db.session.scalars(
        select(Student)
        .where(or_(Student.student_code == needle, Student.full_name.ilike(like)))
        .options(selectinload(Student.guardians))
        .order_by(Student.full_name)
        .limit(limit)
    ).all()
    return list(rows)


# ---------------------------------------------------------------------------- the access log


@dataclass(frozen=True)
class AccessLine:
    at: Any
    class_name: str
    initials: str
    prefix: str
    event: str
    outcome: str
    ip: str
    user_agent: str


@dataclass(frozen=True)
class AccessPage:
    lines: list[AccessLine]
    page: int
    pages: int
    total: int


def initials(full_name: str) -> str:
    """ "Nguyễn Văn An" → "N.V.A." (enough to recognise a line, not to name a child)."""
    return "".join(f"{part[0]}." for part in full_name.split() if part)


def access_log(class_id: int | None, outcome: str | None, page: int) -> AccessPage:
    """One page of the parent access log, newest first, filtered by class and outcome."""
    query = (
        select(ParentAccess, SchoolClass.name, Student.full_name)
        .outerjoin(ParentLink, ParentLink.id == ParentAccess.link_id)
        .outerjoin(SchoolClass, SchoolClass.id == ParentLink.class_id)
        .outerjoin(Student, Student.id == ParentLink.student_id)
    )
    if class_id:
        query = query.where(ParentLink.class_id == class_id)
    if outcome:
        query = query.where(ParentAccess.outcome == outcome)
    total = int(db.session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    pages = max(1, -(-total // LOG_PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = db.session.execute(
        query.order_by(ParentAccess.at.desc(), ParentAccess.id.desc())
        .limit(LOG_PAGE_SIZE)
        .offset((page - 1) * LOG_PAGE_SIZE)
    ).all()
    lines = [
        AccessLine(a.at, cname or "—", initials(sname) if sname else "—", a.token_prefix, a.event, a.outcome, a.ip,
                   a.user_agent)
        for a, cname, sname in rows
    ]  # fmt: skip
    return AccessPage(lines, page, pages, total)


def classes() -> list[SchoolClass]:
    return list(db.session.scalars(select(SchoolClass).order_by(SchoolClass.name)).all())
