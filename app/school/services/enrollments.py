"""A student's enrollments: placed in a class, moved to another class from a date, leaving
school (chuyển trường, thôi học) with a date and a reason.

Invariants: every enrollment is kept; an enrollment runs from `start_date` to `end_date`
(its last day, inclusive); enrollments of one student in one year never overlap and at
most one is open (no end date) — the open ones are the current class rosters. A move
from day D ends the old enrollment on D − 1 and opens one in the new class on D; leaving
from day D ends it on D − 1 with the kind and the reason, and the student is no longer
active (the reason stays on the enrollment; the audit event says only that one was
given). D lies inside the school year, after the enrollment's first day and not after
today (the rosters are today's; a move is recorded when it happens). Each change is one
audit event about the student.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from app.accounts.models import User
from app.audit import services as audit
from app.core.errors import ConflictError
from app.core.vn import format_date, local_today
from app.extensions import db
from app.school.models import Enrollment, EnrollmentEnd, SchoolClass, Student
from app.school.services.common import SchoolError, check_inside_year, clean

REASON_MAX = 300
#: what the audit trail says of a departure's reason (as for exemptions: that one was given)
REASON_GIVEN = "(đã ghi, có thể là dữ liệu nhạy cảm)"
LEAVING = (EnrollmentEnd.TRANSFERRED, EnrollmentEnd.DROPPED_OUT)


def open_enrollment(student: Student, year_id: int) -> Enrollment | None:
    return db.session.scalar(
        select(Enrollment).where(
            Enrollment.student_id == student.id, Enrollment.year_id == year_id, Enrollment.end_date.is_(None)
        )
    )


def _year_enrollments(student: Student, year_id: int) -> list[Enrollment]:
    stmt = select(Enrollment).where(Enrollment.student_id == student.id, Enrollment.year_id == year_id)
    return list(db.session.scalars(stmt.order_by(Enrollment.start_date, Enrollment.id)))


def _check_not_future(day: date, what: str) -> None:
    today = local_today()
    if day > today:
        raise SchoolError(f"{what} không được sau hôm nay ({format_date(today)}).")


def _check_after_start(enrollment: Enrollment, day: date, what: str) -> None:
    if day <= enrollment.start_date:
        raise SchoolError(
            f"{what} phải sau ngày vào lớp {enrollment.school_class.name} ({format_date(enrollment.start_date)})."
        )


def place(student: Student, cls: SchoolClass, start_date: date | None = None) -> tuple[Enrollment, dict[str, Any]]:
    """Open the student's enrollment in cls (from start_date, else the year's first day);
    (the enrollment, its changes), or no changes when the student is already in cls."""
    year = cls.year
    current = open_enrollment(student, cls.year_id)
    if current is not None:
        if current.class_id == cls.id:
            return current, {}
        raise SchoolError(
            f"Học sinh {student.full_name} đang học lớp {current.school_class.name} năm học {year.name}: "
            "dùng “Chuyển lớp” để chuyển sang lớp khác từ một ngày."
        )
    start = start_date or year.start_date
    check_inside_year(year, start, "Ngày vào lớp")
    for earlier in _year_enrollments(student, cls.year_id):
        if earlier.end_date is not None and earlier.end_date >= start:
            raise SchoolError(
                f"Ngày vào lớp phải sau ngày {format_date(earlier.end_date)}, "
                f"ngày cuối học sinh học lớp {earlier.school_class.name}."
            )
    enrollment = Enrollment(student_id=student.id, class_id=cls.id, year_id=cls.year_id, start_date=start)
    db.session.add(enrollment)
    changes: dict[str, Any] = {"class": [None, cls.name], "class_id": [None, cls.id], "start_date": [None, start]}
    if not student.active:
        student.active = True
        changes["active"] = [False, True]
    db.session.flush()
    return enrollment, changes


def enroll(actor: User | None, student: Student, cls: SchoolClass, start_date: date | None = None) -> Enrollment:
    """Xếp lớp: the student joins cls (a year without a class yet, or back after leaving)."""
    enrollment, changes = place(student, cls, start_date)
    if changes:
        audit.record(actor, "student.enrolled", student, changes=changes)
    return enrollment


def move_student(actor: User | None, student: Student, cls: SchoolClass, on: date) -> Enrollment:
    """Chuyển lớp from day `on`: the old enrollment ends the day before, a new one opens."""
    current = open_enrollment(student, cls.year_id)
    if current is None:
        raise ConflictError(f"Học sinh {student.full_name} không có lớp đang học trong năm học {cls.year.name}.")
    if current.class_id == cls.id:
        raise SchoolError(f"Học sinh đang học lớp {cls.name}; hãy chọn một lớp khác.")
    what = "Ngày chuyển lớp"
    check_inside_year(cls.year, on, what)
    _check_after_start(current, on, what)
    _check_not_future(on, what)
    old_class = current.school_class
    current.end_date = on - timedelta(days=1)
    current.end_kind = EnrollmentEnd.MOVED.value
    db.session.flush()  # the old one is closed before the new one opens (one open per year)
    moved = Enrollment(student_id=student.id, class_id=cls.id, year_id=cls.year_id, start_date=on)
    db.session.add(moved)
    db.session.flush()
    audit.record(
        actor,
        "student.class_changed",
        student,
        changes={
            "class": [old_class.name, cls.name],
            "class_id": [old_class.id, cls.id],
            "end_date": [None, current.end_date],
            "end_kind": [None, current.end_kind],
            "start_date": [current.start_date, on],
            "enrollment_id": [current.id, moved.id],
        },
    )
    return moved


def end_enrollment(
    actor: User | None, enrollment: Enrollment, *, kind: EnrollmentEnd | str, on: date, reason: str
) -> Enrollment:
    """Chuyển trường / thôi học from day `on`: the enrollment ends the day before."""
    if enrollment.end_date is not None:
        raise ConflictError(
            f"Học sinh đã rời lớp {enrollment.school_class.name} từ ngày "
            f"{format_date(enrollment.end_date + timedelta(days=1))}."
        )
    try:
        end = EnrollmentEnd(kind)
    except ValueError:
        raise SchoolError("Hãy chọn “Chuyển trường” hoặc “Thôi học”.") from None
    if end not in LEAVING:
        raise SchoolError("Hãy chọn “Chuyển trường” hoặc “Thôi học”.")
    reason = clean(reason or "")
    if not reason:
        raise SchoolError("Vui lòng ghi lý do (ví dụ: chuyển đến trường THCS … theo đơn của gia đình).")
    if len(reason) > REASON_MAX:
        raise SchoolError(f"Lý do dài tối đa {REASON_MAX} ký tự.")
    what = "Ngày rời trường"
    check_inside_year(enrollment.school_class.year, on, what)
    _check_after_start(enrollment, on, what)
    _check_not_future(on, what)
    student = enrollment.student
    enrollment.end_date = on - timedelta(days=1)
    enrollment.end_kind = end.value
    enrollment.end_reason = reason
    changes: dict[str, Any] = {
        "class": [enrollment.school_class.name, None],
        "enrollment_id": [enrollment.id, None],
        "end_date": [None, enrollment.end_date],
        "end_kind": [None, end.value],
        "end_reason": [None, REASON_GIVEN],  # may say why (health, family): kept out of the chain
    }
    if student.active:
        student.active = False
        changes["active"] = [True, False]
    db.session.flush()
    audit.record(actor, "student.left_school", student, changes=changes)
    return enrollment
