"""Scoped reads of the school: what each user may see (404 for the rest)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.core.authz import BGH, Role, found
from app.extensions import db
from app.school.models import (
    Department,
    Enrollment,
    SchoolClass,
    SchoolYear,
    Student,
    Subject,
    TeachingAssignment,
)

WHOLE_SCHOOL = BGH | {Role.ADMIN}


def current_year() -> SchoolYear | None:
    stmt = select(SchoolYear).order_by(SchoolYear.is_current.desc(), SchoolYear.start_year.desc())
    return db.session.scalars(stmt.limit(1)).first()


def sees_whole_school(user: User) -> bool:
    return bool(user.roles & WHOLE_SCHOOL)


def visible_class_ids_stmt(user: User, year_id: int | None = None):  # type: ignore[no-untyped-def]
    """A SELECT of the class ids the user may read."""
    stmt = select(SchoolClass.id)
    if year_id is not None:
        stmt = stmt.where(SchoolClass.year_id == year_id)
    if sees_whole_school(user):
        return stmt
    taught = select(TeachingAssignment.class_id).where(TeachingAssignment.teacher_id == user.id)
    conditions = [SchoolClass.id.in_(taught), SchoolClass.homeroom_teacher_id == user.id]
    led = user.led_department_ids()
    if led:
        dept_classes = (
            select(TeachingAssignment.class_id)
            .join(Subject, Subject.id == TeachingAssignment.subject_id)
            .where(Subject.department_id.in_(led))
        )
        conditions.append(SchoolClass.id.in_(dept_classes))
    return stmt.where(or_(*conditions))


def classes_visible_to(user: User, year: SchoolYear | None = None) -> list[SchoolClass]:
    year = year or current_year()
    if year is None:
        return []
    stmt = (
        select(SchoolClass)
        .where(SchoolClass.id.in_(visible_class_ids_stmt(user, year.id)))
        .options(selectinload(SchoolClass.homeroom_teacher))
        .order_by(SchoolClass.grade_level, SchoolClass.name)
    )
    return list(db.session.scalars(stmt))


def get_class_for(user: User, class_id: int) -> SchoolClass:
    stmt = select(SchoolClass).where(SchoolClass.id == class_id, SchoolClass.id.in_(visible_class_ids_stmt(user)))
    return found(db.session.scalars(stmt).first(), "class", class_id)


def students_of_class(school_class: SchoolClass) -> list[Student]:
    """Class list in Vietnamese order (R25): tên, chữ đệm, họ, ngày sinh."""
    stmt = (
        select(Student)
        .join(Enrollment, Enrollment.student_id == Student.id)
        .where(Enrollment.class_id == school_class.id)
        .options(selectinload(Student.guardians))
    )
    return sorted(db.session.scalars(stmt), key=lambda s: s.sort_key)


def get_student_for(user: User, student_id: int) -> Student:
    stmt = (
        select(Student)
        .join(Enrollment, Enrollment.student_id == Student.id)
        .where(Student.id == student_id, Enrollment.class_id.in_(visible_class_ids_stmt(user)))
    )
    return found(db.session.scalars(stmt).first(), "student", student_id)


def assignments_of(teacher: User, year: SchoolYear | None = None) -> list[TeachingAssignment]:
    year = year or current_year()
    stmt = (
        select(TeachingAssignment)
        .join(SchoolClass, SchoolClass.id == TeachingAssignment.class_id)
        .where(TeachingAssignment.teacher_id == teacher.id)
        .options(selectinload(TeachingAssignment.subject), selectinload(TeachingAssignment.school_class))
        .order_by(SchoolClass.grade_level, SchoolClass.name)
    )
    if year is not None:
        stmt = stmt.where(SchoolClass.year_id == year.id)
    return list(db.session.scalars(stmt))


def homeroom_classes_of(teacher: User, year: SchoolYear | None = None) -> list[SchoolClass]:
    year = year or current_year()
    stmt = select(SchoolClass).where(SchoolClass.homeroom_teacher_id == teacher.id)
    if year is not None:
        stmt = stmt.where(SchoolClass.year_id == year.id)
    return list(db.session.scalars(stmt.order_by(SchoolClass.name)))


def department_names_of(user_ids: Collection[int]) -> dict[int, str]:
    """user id → the tổ the user belongs to, or else the tổ they lead (the audit digest
    counts by tổ); users in no tổ are left out."""
    if not user_ids:
        return {}
    own = db.session.execute(
        select(User.id, Department.name)
        .join(Department, Department.id == User.department_id)
        .where(User.id.in_(user_ids))
    )
    names = {user_id: name for user_id, name in own}
    led = db.session.execute(
        select(Department.head_id, Department.deputy_id, Department.name).where(
            or_(Department.head_id.in_(user_ids), Department.deputy_id.in_(user_ids))
        )
    )
    for head_id, deputy_id, name in led:
        for user_id in (head_id, deputy_id):
            if user_id in user_ids:
                names.setdefault(user_id, name)
    return names
