"""Reads for the homeroom (GVCN) screens: the class's grade books and subjects, rèn luyện,
nhận xét, buổi nghỉ, summer results and exemptions — one query per table, whatever the
class size. Callers scope the class first (views_homeroom.homeroom_class)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.gradebook.models import (
    Attendance,
    Conduct,
    Exemption,
    GradeBook,
    HomeroomRemark,
    Retest,
    SummerConduct,
)
from app.school.models import Enrollment, SchoolClass, Subject, TeachingAssignment


def class_gradebooks(class_id: int) -> list[GradeBook]:
    return list(db.session.scalars(select(GradeBook).where(GradeBook.class_id == class_id)))


def class_subjects(class_id: int) -> list[Subject]:
    stmt = (
        select(Subject)
        .join(TeachingAssignment, TeachingAssignment.subject_id == Subject.id)
        .where(TeachingAssignment.class_id == class_id)
        .options(selectinload(Subject.periods))
        .order_by(Subject.sort_order, Subject.name)
    )
    return list(db.session.scalars(stmt))


def conducts_of(student_ids: list[int], term_ids: list[int]) -> dict[tuple[int, int], Conduct]:
    if not student_ids or not term_ids:
        return {}
    rows = db.session.scalars(select(Conduct).where(Conduct.student_id.in_(student_ids), Conduct.term_id.in_(term_ids)))
    return {(c.student_id, c.term_id): c for c in rows}


def remarks_of(student_ids: list[int], term_ids: list[int]) -> dict[tuple[int, int], HomeroomRemark]:
    if not student_ids or not term_ids:
        return {}
    rows = db.session.scalars(
        select(HomeroomRemark).where(HomeroomRemark.student_id.in_(student_ids), HomeroomRemark.term_id.in_(term_ids))
    )
    return {(r.student_id, r.term_id): r for r in rows}


def absence_counts(student_ids: list[int], year_id: int) -> dict[int, tuple[int, int]]:
    """student → (có phép, không phép) buổi nghỉ in the year."""
    if not student_ids:
        return {}
    rows = db.session.execute(
        select(Attendance.student_id, Attendance.excused, func.count())
        .where(Attendance.student_id.in_(student_ids), Attendance.year_id == year_id)
        .group_by(Attendance.student_id, Attendance.excused)
    ).all()
    counts: dict[int, list[int]] = {}
    for sid, excused, n in rows:
        counts.setdefault(sid, [0, 0])[0 if excused else 1] += n
    return {sid: (c[0], c[1]) for sid, c in counts.items()}


def attendance_on(student_ids: list[int], day: Any) -> dict[int, Attendance]:
    if not student_ids:
        return {}
    rows = db.session.scalars(select(Attendance).where(Attendance.student_id.in_(student_ids), Attendance.day == day))
    return {a.student_id: a for a in rows}


def summer_of(student_ids: list[int], year_id: int) -> tuple[dict[int, SummerConduct], dict[tuple[int, int], Retest]]:
    if not student_ids:
        return {}, {}
    conducts = {
        s.student_id: s
        for s in db.session.scalars(
            select(SummerConduct).where(SummerConduct.student_id.in_(student_ids), SummerConduct.year_id == year_id)
        )
    }
    retests = {
        (r.student_id, r.subject_id): r
        for r in db.session.scalars(select(Retest).where(Retest.student_id.in_(student_ids), Retest.year_id == year_id))
    }
    return conducts, retests


def exemptions_of_class(student_ids: list[int], year_id: int) -> list[Exemption]:
    if not student_ids:
        return []
    stmt = (
        select(Exemption)
        .where(Exemption.student_id.in_(student_ids), Exemption.year_id == year_id)
        .options(
            selectinload(Exemption.subject),
            selectinload(Exemption.term),
            selectinload(Exemption.student),
        )
        .order_by(Exemption.created_at.desc())
    )
    return list(db.session.scalars(stmt))


def pending_exemptions(year_id: int) -> list[tuple[Exemption, SchoolClass]]:
    """Exemptions awaiting the hiệu trưởng, with the student's class (BGH queue)."""
    stmt = (
        select(Exemption, SchoolClass)
        .join(
            Enrollment,
            and_(
                Enrollment.student_id == Exemption.student_id,
                Enrollment.year_id == Exemption.year_id,
            ),
        )
        .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
        .where(Exemption.year_id == year_id, Exemption.state == "submitted")
        .options(selectinload(Exemption.student), selectinload(Exemption.subject))
        .order_by(Exemption.created_at)
    )
    return [(e, c) for e, c in db.session.execute(stmt)]
