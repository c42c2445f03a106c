"""A student's enrollments over time and the "quá trình học tập" the học bạ prints.

An enrollment runs from start_date to end_date (its last day, inclusive; open = still
there). `students_of_class` (the package) is today's roster; the functions here answer
for a day or a period, which is what a term close and a report need.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.core.authz import found
from app.extensions import db
from app.school.models import Enrollment, EnrollmentEnd, PriorSchooling, School, SchoolClass, SchoolYear, Student


def _covering(day: date) -> ColumnElement[bool]:
    return and_(Enrollment.start_date <= day, or_(Enrollment.end_date.is_(None), Enrollment.end_date >= day))


def _overlapping(start: date, end: date) -> ColumnElement[bool]:
    return and_(Enrollment.start_date <= end, or_(Enrollment.end_date.is_(None), Enrollment.end_date >= start))


def enrollment_history(student: Student) -> list[Enrollment]:
    """Every enrollment of the student, oldest first, with its class and year."""
    stmt = (
        select(Enrollment)
        .join(SchoolYear, SchoolYear.id == Enrollment.year_id)
        .where(Enrollment.student_id == student.id)
        .options(joinedload(Enrollment.school_class).joinedload(SchoolClass.year))
        .order_by(SchoolYear.start_year, Enrollment.start_date, Enrollment.id)
    )
    return list(db.session.scalars(stmt))


def enrollment_histories(student_ids: Sequence[int]) -> dict[int, list[Enrollment]]:
    """`enrollment_history` of several students in one statement (a batch's chunk of học bạ):
    {student id: enrollments oldest first}, an empty list for a student with none."""
    stmt = (
        select(Enrollment)
        .join(SchoolYear, SchoolYear.id == Enrollment.year_id)
        .where(Enrollment.student_id.in_(list(student_ids)))
        .options(joinedload(Enrollment.school_class).joinedload(SchoolClass.year))
        .order_by(SchoolYear.start_year, Enrollment.start_date, Enrollment.id)
    )
    out: dict[int, list[Enrollment]] = {i: [] for i in student_ids}
    for enrollment in db.session.scalars(stmt):
        out[enrollment.student_id].append(enrollment)
    return out


def enrollments_in_year(student: Student, year: SchoolYear) -> list[Enrollment]:
    """The student's enrollments of one school year, in order (more than one after a move)."""
    stmt = (
        select(Enrollment)
        .where(Enrollment.student_id == student.id, Enrollment.year_id == year.id)
        .options(joinedload(Enrollment.school_class))
        .order_by(Enrollment.start_date, Enrollment.id)
    )
    return list(db.session.scalars(stmt))


def current_enrollment(student: Student) -> Enrollment | None:
    """The student's open enrollment of the latest year (None after leaving school)."""
    stmt = (
        select(Enrollment)
        .join(SchoolYear, SchoolYear.id == Enrollment.year_id)
        .where(Enrollment.student_id == student.id, Enrollment.end_date.is_(None))
        .options(joinedload(Enrollment.school_class).joinedload(SchoolClass.year))
        .order_by(SchoolYear.start_year.desc())
    )
    return db.session.scalars(stmt.limit(1)).first()


def class_of_student_on(student: Student, day: date) -> SchoolClass | None:
    """The class the student was in on `day` (None: not at the school that day)."""
    stmt = (
        select(SchoolClass)
        .join(Enrollment, Enrollment.class_id == SchoolClass.id)
        .where(Enrollment.student_id == student.id, _covering(day))
    )
    return db.session.scalars(stmt.limit(1)).first()


def students_of_class_on(school_class: SchoolClass, day: date) -> list[Student]:
    """The class list on `day`, in Vietnamese order (R25)."""
    stmt = (
        select(Student)
        .join(Enrollment, Enrollment.student_id == Student.id)
        .where(Enrollment.class_id == school_class.id, _covering(day))
        .options(selectinload(Student.guardians))
    )
    return sorted(db.session.scalars(stmt).unique(), key=lambda s: s.sort_key)


def students_of_class_during(school_class: SchoolClass, start: date, end: date) -> list[Student]:
    """Everyone enrolled in the class at some time between start and end (a term), R25 order."""
    stmt = (
        select(Student)
        .join(Enrollment, Enrollment.student_id == Student.id)
        .where(Enrollment.class_id == school_class.id, _overlapping(start, end))
    )
    return sorted(db.session.scalars(stmt).unique(), key=lambda s: s.sort_key)


def move_targets(enrollment: Enrollment) -> list[SchoolClass]:
    """The classes of the enrollment's year a student may move to (every other one)."""
    stmt = (
        select(SchoolClass)
        .where(SchoolClass.year_id == enrollment.year_id, SchoolClass.id != enrollment.class_id)
        .order_by(SchoolClass.grade_level, SchoolClass.name)
    )
    return list(db.session.scalars(stmt))


def get_schooling(student: Student, row_id: int) -> PriorSchooling:
    """One of the student's quá trình học tập rows, or 404 (another student's included)."""
    row = db.session.get(PriorSchooling, row_id)
    schooling: PriorSchooling = found(row if row and row.student_id == student.id else None, "prior_schooling", row_id)
    return schooling


@dataclass(frozen=True)
class SchoolingLine:
    """One line of the học bạ's "quá trình học tập": a year, its class, the school, where."""

    year_name: str
    class_name: str
    school_name: str
    place: str
    here: bool  # at this school (from the enrollments) or entered for another school
    note: str = ""  # "chuyển lớp 6A2 → 6A1 từ 20/01/2025", "chuyển trường từ …"


def schooling_history(
    student: Student, school: School | None, history: Sequence[Enrollment] | None = None
) -> list[SchoolingLine]:
    """Every year of the student's schooling, oldest first: the rows entered for other
    schools and the years at this one (the class being the last of that year). `history`:
    the student's `enrollment_history` read already (`enrollment_histories`)."""
    lines = [
        SchoolingLine(row.year_name, row.class_name, row.school_name, row.place or "", False)
        for row in student.prior_schooling
    ]
    by_year: dict[str, list[Enrollment]] = {}
    for enrollment in enrollment_history(student) if history is None else history:
        by_year.setdefault(enrollment.school_class.year.name, []).append(enrollment)
    name = school.name if school else ""
    place = ", ".join(p for p in (school.district, school.province) if p) if school else ""
    for year_name, rows in by_year.items():
        classes = [r.school_class.name for r in rows]
        note = "chuyển lớp " + " → ".join(classes) if len(rows) > 1 else ""
        if rows[-1].end_label and rows[-1].end_kind != EnrollmentEnd.MOVED.value:
            note = ", ".join(p for p in (note, rows[-1].end_label.lower()) if p)
        lines.append(SchoolingLine(year_name, classes[-1], name, place, True, note))
    return sorted(lines, key=lambda line: (line.year_name, line.here))
