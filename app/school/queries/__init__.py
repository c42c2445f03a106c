"""Scoped reads of the school: what each user may see (404 for the rest), and every list
the school's screens show. Enrollment history, quá trình học tập and the hiệu trưởng of
each year: `queries.history` and `queries.principals` (re-exported here).

Rosters are the OPEN enrollments (no end date): a student who moved to another class or
left school is no longer on the old class's list, and a teacher of that class no longer
opens the student's page; the whole-school roles (BGH, quản trị) still do.

Class pages, student pages and roster exports are scoped: `get_class_for(user, id)` and
`get_student_for(user, id)` answer 404 for what the user may not see. The admin screens
are for quản trị and BGH (function level, @allow), who see the whole school: their
loaders (`get_year`, `get_class`…) answer 404 only for what does not exist.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from app.accounts.models import User
from app.core.authz import BGH, Role, found
from app.core.pagination import PAGE_SIZE, Window, window
from app.core.request_memo import memo
from app.core.vn import collation_key
from app.extensions import db
from app.school.models import (
    GRADE_LEVELS,
    Department,
    Enrollment,
    School,
    SchoolClass,
    SchoolYear,
    Student,
    Subject,
    TeachingAssignment,
    Term,
)
from app.school.queries.history import (
    SchoolingLine,
    class_of_student_on,
    current_enrollment,
    enrollment_histories,
    enrollment_history,
    enrollments_in_year,
    get_schooling,
    move_targets,
    schooling_history,
    students_of_class_during,
    students_of_class_on,
)
from app.school.queries.principals import (
    Principal,
    get_year_principal,
    principal_choices,
    principal_of,
    principal_role_holders,
    principals_of,
)

__all__ = [
    "Principal",
    "SchoolingLine",
    "class_of_student_on",
    "current_enrollment",
    "enrollment_histories",
    "enrollment_history",
    "enrollments_in_year",
    "get_schooling",
    "get_year_principal",
    "move_targets",
    "principal_choices",
    "principal_of",
    "principal_role_holders",
    "principals_of",
    "schooling_history",
    "students_of_class_during",
    "students_of_class_on",
]

WHOLE_SCHOOL = BGH | {Role.ADMIN}


def current_year() -> SchoolYear | None:
    """The current school year (read once per request: app.core.request_memo)."""
    stmt = select(SchoolYear).order_by(SchoolYear.is_current.desc(), SchoolYear.start_year.desc())
    return memo("current_year", lambda: db.session.scalars(stmt.limit(1)).first())


def sees_whole_school(user: User) -> bool:
    return bool(user.roles & WHOLE_SCHOOL)


def visible_class_ids_stmt(user: User, year_id: int | None = None) -> Select[Any]:
    """A SELECT of the class ids the user may read."""
    return select(SchoolClass.id).where(*visible_class_conditions(user, year_id))


def visible_class_conditions(user: User, year_id: int | None = None) -> list[ColumnElement[bool]]:
    """The conditions on `school_class` of the classes the user may read (of `year_id` when
    given), to filter a query of the classes themselves without an `id IN (SELECT …)`."""
    conditions = [] if year_id is None else [SchoolClass.year_id == year_id]
    if sees_whole_school(user):
        return conditions
    return [*conditions, _own_classes(user)]


def _own_classes(user: User) -> ColumnElement[bool]:
    """The classes a teacher, GVCN or tổ trưởng reads: taught, homeroom, or of the tổ."""
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
    return or_(*conditions)


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


@dataclass(frozen=True)
class ClassRow:
    id: int
    name: str
    grade_level: int
    homeroom_name: str | None


@dataclass(frozen=True)
class ClassPage:
    rows: list[ClassRow]
    window: Window
    grades: list[int]  # the khối the user's classes of the year have (the filter's choices)


def class_page(
    user: User,
    year: SchoolYear | None,
    page: int = 1,
    grade: int | None = None,
    name: str = "",
    per_page: int = PAGE_SIZE,
) -> ClassPage:
    """One page of the classes of `year` the user may read, ordered by khối and name."""
    if year is None:
        return ClassPage([], window(0, 1, per_page), [])
    # the scope as conditions on the classes themselves (no `id IN (SELECT …)`): the whole
    # school's year is then a range of `ix_school_class_year_order`, read in the page's order
    scope = visible_class_conditions(user, year.id)
    # the khối present: one index probe each (`EXISTS` per possible khối), not a DISTINCT
    # over every class of the year (a district has 7,452)
    present = db.session.execute(
        select(*(exists().where(*scope, SchoolClass.grade_level == g).label(f"k{g}") for g in GRADE_LEVELS))
    ).one()
    grades = [g for g, here in zip(GRADE_LEVELS, present, strict=True) if here]
    shown_classes = list(scope)
    if grade is not None:
        shown_classes.append(SchoolClass.grade_level == grade)
    if name:
        shown_classes.append(SchoolClass.name.icontains(name, autoescape=True))
    total = int(db.session.scalar(select(func.count(SchoolClass.id)).where(*shown_classes)) or 0)
    shown = window(total, page, per_page)
    rows_stmt = (
        select(SchoolClass.id, SchoolClass.name, SchoolClass.grade_level, User.full_name)
        .outerjoin(User, User.id == SchoolClass.homeroom_teacher_id)
        .where(*shown_classes)
        .order_by(SchoolClass.grade_level, SchoolClass.name, SchoolClass.id)
        .offset(shown.offset)
        .limit(per_page)
    )
    rows = [ClassRow(*row) for row in db.session.execute(rows_stmt)]
    return ClassPage(rows, shown, grades)


def get_class_for(user: User, class_id: int) -> SchoolClass:
    stmt = select(SchoolClass).where(SchoolClass.id == class_id, SchoolClass.id.in_(visible_class_ids_stmt(user)))
    school_class: SchoolClass = found(db.session.scalars(stmt).first(), "class", class_id)
    return school_class


def on_roster() -> ColumnElement[bool]:
    """The condition of an enrollment on its class's current roster: not ended."""
    return Enrollment.end_date.is_(None)


def last_of_its_year() -> ColumnElement[bool]:
    """The condition of an enrollment being the student's last one of its year (the class a
    student ended the year in, or is in now): one row per student and year in a join."""
    later = aliased(Enrollment)
    return ~exists().where(
        later.student_id == Enrollment.student_id,
        later.year_id == Enrollment.year_id,
        or_(
            later.start_date > Enrollment.start_date,
            and_(later.start_date == Enrollment.start_date, later.id > Enrollment.id),
        ),
    )


def students_of_class(school_class: SchoolClass) -> list[Student]:
    """The current class list (open enrollments) in Vietnamese order (R25): tên, chữ đệm,
    họ, ngày sinh. The list on a given day: history.students_of_class_on."""
    stmt = (
        select(Student)
        .join(Enrollment, Enrollment.student_id == Student.id)
        .where(Enrollment.class_id == school_class.id, on_roster())
        .options(selectinload(Student.guardians))
    )
    return sorted(db.session.scalars(stmt), key=lambda s: s.sort_key)


def _reachable_enrollments(user: User) -> ColumnElement[bool]:
    """Enrollments through which the user sees a student: in a class the user may read,
    and still open unless the user sees the whole school."""
    visible = Enrollment.class_id.in_(visible_class_ids_stmt(user))
    return visible if sees_whole_school(user) else and_(visible, on_roster())


def get_student_for(user: User, student_id: int) -> Student:
    stmt = (
        select(Student)
        .join(Enrollment, Enrollment.student_id == Student.id)
        .where(Student.id == student_id, _reachable_enrollments(user))
    )
    student: Student = found(db.session.scalars(stmt).first(), "student", student_id)
    return student


LATEST_FIRST = (Enrollment.year_id.desc(), Enrollment.start_date.desc(), Enrollment.id.desc())


def visible_class_of(user: User, student: Student) -> SchoolClass | None:
    """The student's latest class among those the user may see."""
    stmt = (
        select(Enrollment)
        .where(Enrollment.student_id == student.id, _reachable_enrollments(user))
        .options(joinedload(Enrollment.school_class))
        .order_by(*LATEST_FIRST)
    )
    enrollment = db.session.scalars(stmt).first()
    return enrollment.school_class if enrollment else None


def latest_class_of(student: Student) -> SchoolClass:
    """The class of the student's latest enrolment (every listed student has one), or 404."""
    stmt = (
        select(SchoolClass)
        .join(Enrollment, Enrollment.class_id == SchoolClass.id)
        .where(Enrollment.student_id == student.id)
        .order_by(*LATEST_FIRST)
    )
    school_class: SchoolClass = found(db.session.scalars(stmt).first(), "class_of_student", student.id)
    return school_class


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
    key = ("homeroom_classes_of", teacher.id, year.id if year is not None else None)
    return list(memo(key, lambda: list(db.session.scalars(stmt.order_by(SchoolClass.name)))))


@cache
def _leads_stmt() -> Select[int]:
    year = select(SchoolYear.id).order_by(SchoolYear.is_current.desc(), SchoolYear.start_year.desc()).limit(1)
    return (
        select(SchoolClass.id)
        .where(
            SchoolClass.homeroom_teacher_id == bindparam("teacher_id"), SchoolClass.year_id == year.scalar_subquery()
        )
        .limit(1)
    )


def leads_a_homeroom_class(teacher: User) -> bool:
    """Whether this teacher is a GVCN in the current year (the navigation asks on every
    page): one statement (built once per process), the current year chosen as
    `current_year` chooses it."""

    def ask() -> bool:
        return db.session.scalars(_leads_stmt(), {"teacher_id": teacher.id}).first() is not None

    return memo(("leads_a_homeroom_class", teacher.id), ask)


# --- the admin screens (quản trị and BGH see the whole school) -------------------------


def get_year(year_id: int) -> SchoolYear:
    year: SchoolYear = found(db.session.get(SchoolYear, year_id), "school_year", year_id)
    return year


def get_term(term_id: int) -> Term:
    term: Term = found(db.session.get(Term, term_id), "term", term_id)
    return term


def get_department(department_id: int) -> Department:
    dept: Department = found(db.session.get(Department, department_id), "department", department_id)
    return dept


def get_subject(subject_id: int) -> Subject:
    subject: Subject = found(db.session.get(Subject, subject_id), "subject", subject_id)
    return subject


def get_class(class_id: int) -> SchoolClass:
    school_class: SchoolClass = found(db.session.get(SchoolClass, class_id), "class", class_id)
    return school_class


def find_class(class_id: int | None) -> SchoolClass | None:
    return db.session.get(SchoolClass, class_id) if class_id else None


def find_year(year_id: int | None) -> SchoolYear | None:
    return db.session.get(SchoolYear, year_id) if year_id else None


def year_or_current(year_id: int | None) -> SchoolYear | None:
    """The year asked for in the query string (404 if it does not exist), else the current one."""
    return get_year(year_id) if year_id else current_year()


def class_named(year: SchoolYear | None, name: str) -> SchoolClass | None:
    """The year's class called `name` ('6a1' finds 6A1)."""
    if year is None:
        return None
    stmt = select(SchoolClass).where(SchoolClass.year_id == year.id, SchoolClass.name == name.strip().upper())
    return db.session.scalar(stmt)


def the_school() -> School | None:
    return db.session.scalars(select(School).limit(1)).first()


def _count(stmt: Select[Any]) -> int:
    return db.session.scalar(stmt) or 0


def admin_counts(year: SchoolYear | None) -> dict[str, int]:
    """What the admin hub shows: tổ, subjects, and the year's classes and students."""
    year_id = year.id if year else -1
    return {
        "departments": _count(select(func.count()).select_from(Department)),
        "subjects": _count(select(func.count()).select_from(Subject)),
        "classes": _count(select(func.count()).select_from(SchoolClass).where(SchoolClass.year_id == year_id)),
        "students": _count(
            select(func.count()).select_from(Enrollment).where(Enrollment.year_id == year_id, on_roster())
        ),
    }


def years_with_terms() -> list[SchoolYear]:
    stmt = select(SchoolYear).options(selectinload(SchoolYear.terms)).order_by(SchoolYear.start_year.desc())
    return list(db.session.scalars(stmt))


def all_years() -> list[SchoolYear]:
    return list(db.session.scalars(select(SchoolYear).order_by(SchoolYear.start_year.desc())))


def departments() -> list[Department]:
    """Every tổ in Vietnamese order, with its head, deputy and subjects."""
    stmt = select(Department).options(
        selectinload(Department.head), selectinload(Department.deputy), selectinload(Department.subjects)
    )
    return sorted(db.session.scalars(stmt), key=lambda d: collation_key(d.name))


def subjects() -> list[Subject]:
    stmt = select(Subject).options(selectinload(Subject.periods), selectinload(Subject.department))
    return list(db.session.scalars(stmt.order_by(Subject.sort_order, Subject.name)))


def classes_of_year(year: SchoolYear | None) -> list[SchoolClass]:
    """The year's classes by grade and name, with their GVCN (none without a year)."""
    if year is None:
        return []
    stmt = (
        select(SchoolClass)
        .where(SchoolClass.year_id == year.id)
        .options(selectinload(SchoolClass.homeroom_teacher))
        .order_by(SchoolClass.grade_level, SchoolClass.name)
    )
    return list(db.session.scalars(stmt))


def class_sizes(year: SchoolYear | None) -> list[tuple[SchoolClass, int]]:
    """(class, number of students on its current roster) for the year's classes."""
    if year is None:
        return []
    counts = Counter(db.session.scalars(select(Enrollment.class_id).where(Enrollment.year_id == year.id, on_roster())))
    return [(c, counts.get(c.id, 0)) for c in classes_of_year(year)]


def class_assignments(school_class: SchoolClass) -> list[TeachingAssignment]:
    """The class's teaching assignments in subject order, with subject and teacher."""
    stmt = (
        select(TeachingAssignment)
        .where(TeachingAssignment.class_id == school_class.id)
        .options(joinedload(TeachingAssignment.subject), joinedload(TeachingAssignment.teacher))
    )
    return sorted(
        db.session.scalars(stmt).unique(), key=lambda a: (a.subject.sort_order, collation_key(a.subject.name))
    )


def assignment_of(school_class: SchoolClass, subject: Subject) -> TeachingAssignment | None:
    return db.session.scalar(
        select(TeachingAssignment).where(
            TeachingAssignment.class_id == school_class.id, TeachingAssignment.subject_id == subject.id
        )
    )


def subjects_for_grid(school_class: SchoolClass, assigned: Iterable[TeachingAssignment]) -> list[Subject]:
    """The rows of a class's assignment grid: subjects its grade studies, or already assigned."""
    taught = {a.subject_id for a in assigned}
    return [s for s in subjects() if s.periods_for(school_class.grade_level) or s.id in taught]


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
            if user_id is not None and user_id in user_ids:
                names.setdefault(user_id, name)
    return names
