"""Scoped reads of grade books: a grade book outside the user's scope is 404 (never 403).

Every loader here issues a fixed number of queries whatever the class size (one per
table), so the grid render stays bounded (tests/gradebook/test_query_counts.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from app.core.authz import found
from app.extensions import db
from app.gradebook import policy
from app.gradebook.models import (
    CorrectionRequest,
    Exemption,
    GradeBook,
    Score,
    StudentComment,
)
from app.gradebook.policy import GridAccess
from app.school.models import (
    Department,
    Enrollment,
    SchoolClass,
    Student,
    Subject,
    TeachingAssignment,
    Term,
)


@dataclass
class GridHandle:
    """A grade book the current user may read, with what the policy and the grid need."""

    gradebook: GradeBook
    school_class: SchoolClass
    subject: Subject
    term: Term
    access: GridAccess

    @property
    def id(self) -> int:
        return self.gradebook.id


def _access_stmt():  # type: ignore[no-untyped-def]
    return (
        select(
            GradeBook,
            SchoolClass,
            Subject,
            Term,
            TeachingAssignment.teacher_id,
            Department.head_id,
            Department.deputy_id,
        )
        .join(SchoolClass, SchoolClass.id == GradeBook.class_id)
        .join(Subject, Subject.id == GradeBook.subject_id)
        .join(Term, Term.id == GradeBook.term_id)
        .outerjoin(
            TeachingAssignment,
            and_(
                TeachingAssignment.class_id == GradeBook.class_id,
                TeachingAssignment.subject_id == GradeBook.subject_id,
            ),
        )
        .outerjoin(Department, Department.id == Subject.department_id)
        .options(selectinload(Subject.periods))
    )


def _handle(row: Any) -> GridHandle:
    gb, cls, subject, term, teacher_id, head_id, deputy_id = row
    access = GridAccess(cls.id, subject.id, teacher_id, cls.homeroom_teacher_id, head_id, deputy_id)
    return GridHandle(gb, cls, subject, term, access)


def get_gradebook_for(user: Any, gradebook_id: int) -> GridHandle:
    row = db.session.execute(_access_stmt().where(GradeBook.id == gradebook_id)).first()
    handle = _handle(row) if row else None
    if handle is None or not policy.can_read_grid(user, handle.access):
        handle = None
    return found(handle, "gradebook", gradebook_id)


def access_for(class_id: int, subject_id: int) -> tuple[SchoolClass, Subject, GridAccess] | None:
    """Policy facts for a (class, subject) pair that may have no grade book yet."""
    row = db.session.execute(
        select(
            SchoolClass,
            Subject,
            TeachingAssignment.teacher_id,
            Department.head_id,
            Department.deputy_id,
        )
        .select_from(SchoolClass)
        .join(Subject, Subject.id == subject_id)
        .outerjoin(
            TeachingAssignment,
            and_(
                TeachingAssignment.class_id == SchoolClass.id,
                TeachingAssignment.subject_id == Subject.id,
            ),
        )
        .outerjoin(Department, Department.id == Subject.department_id)
        .where(SchoolClass.id == class_id)
        .options(selectinload(Subject.periods))
    ).first()
    if row is None:
        return None
    cls, subject, teacher_id, head_id, deputy_id = row
    return (
        cls,
        subject,
        GridAccess(cls.id, subject.id, teacher_id, cls.homeroom_teacher_id, head_id, deputy_id),
    )


def find_gradebook(class_id: int, subject_id: int, term_id: int) -> GradeBook | None:
    return db.session.scalars(
        select(GradeBook).where(
            GradeBook.class_id == class_id,
            GradeBook.subject_id == subject_id,
            GradeBook.term_id == term_id,
        )
    ).first()


def class_students(class_id: int) -> list[Student]:
    """Class list in Vietnamese order (R25), one query."""
    stmt = select(Student).join(Enrollment, Enrollment.student_id == Student.id).where(Enrollment.class_id == class_id)
    return sorted(db.session.scalars(stmt), key=lambda s: s.sort_key)


def class_student_ids(class_id: int) -> set[int]:
    return set(db.session.scalars(select(Enrollment.student_id).where(Enrollment.class_id == class_id)))


def scores_of(gradebook_ids: list[int], student_id: int | None = None) -> list[Score]:
    if not gradebook_ids:
        return []
    stmt = select(Score).where(Score.gradebook_id.in_(gradebook_ids))
    if student_id is not None:
        stmt = stmt.where(Score.student_id == student_id)
    return list(db.session.scalars(stmt))


def score_values_of(gradebook_ids: list[int]) -> list[Any]:
    """Light rows (gradebook_id, student_id, kind, idx, value, comment) for summaries."""
    if not gradebook_ids:
        return []
    return list(
        db.session.execute(
            select(
                Score.gradebook_id,
                Score.student_id,
                Score.kind,
                Score.idx,
                Score.value,
                Score.comment,
            ).where(Score.gradebook_id.in_(gradebook_ids))
        )
    )


def comments_of(gradebook_id: int) -> dict[int, StudentComment]:
    rows = db.session.scalars(select(StudentComment).where(StudentComment.gradebook_id == gradebook_id))
    return {c.student_id: c for c in rows}


def approved_exemptions(
    student_ids: list[int] | None,
    year_id: int,
    term_id: int | None = None,
    subject_id: int | None = None,
) -> list[Exemption]:
    stmt = (
        select(Exemption)
        .where(Exemption.year_id == year_id, Exemption.state == "approved")
        .options(selectinload(Exemption.subject), selectinload(Exemption.term))
    )
    if subject_id is not None:
        stmt = stmt.where(Exemption.subject_id == subject_id)
    if term_id is not None:
        stmt = stmt.where(or_(Exemption.term_id.is_(None), Exemption.term_id == term_id))
    if student_ids is not None:
        stmt = stmt.where(Exemption.student_id.in_(student_ids))
    return list(db.session.scalars(stmt))


def term_pair(term: Term) -> tuple[Term | None, Term | None]:
    return term_pair_of_year(term.year_id)


def term_pair_of_year(year_id: int) -> tuple[Term | None, Term | None]:
    terms = {t.number: t for t in db.session.scalars(select(Term).where(Term.year_id == year_id))}
    return terms.get(1), terms.get(2)


# ---------------------------------------------------------------------------- index page


@dataclass(frozen=True)
class BookSlot:
    """One (class, subject, term) a user may read, with its grade book if opened."""

    school_class: SchoolClass
    subject: Subject
    term: Term
    teacher_id: int | None
    gradebook: GradeBook | None
    access: GridAccess


def slots_for(user: Any, year_id: int, class_id: int | None = None) -> list[BookSlot]:
    """Every (class, subject) assignment of the year × its terms that the user may read."""
    stmt = (
        select(TeachingAssignment, SchoolClass, Subject, Department.head_id, Department.deputy_id)
        .join(SchoolClass, SchoolClass.id == TeachingAssignment.class_id)
        .join(Subject, Subject.id == TeachingAssignment.subject_id)
        .outerjoin(Department, Department.id == Subject.department_id)
        .where(SchoolClass.year_id == year_id)
    )
    if class_id is not None:
        stmt = stmt.where(SchoolClass.id == class_id)
    rows = db.session.execute(stmt).all()
    terms = list(db.session.scalars(select(Term).where(Term.year_id == year_id).order_by(Term.number)))
    books = {
        (b.class_id, b.subject_id, b.term_id): b
        for b in db.session.scalars(
            select(GradeBook)
            .join(SchoolClass, SchoolClass.id == GradeBook.class_id)
            .where(SchoolClass.year_id == year_id)
        )
    }
    slots = []
    for assignment, cls, subject, head_id, deputy_id in rows:
        access = GridAccess(cls.id, subject.id, assignment.teacher_id, cls.homeroom_teacher_id, head_id, deputy_id)
        if not policy.can_read_grid(user, access):
            continue
        for term in terms:
            slots.append(
                BookSlot(
                    cls,
                    subject,
                    term,
                    assignment.teacher_id,
                    books.get((cls.id, subject.id, term.id)),
                    access,
                )
            )
    slots.sort(
        key=lambda s: (
            s.school_class.grade_level,
            s.school_class.name,
            s.subject.sort_order,
            s.term.number,
        )
    )
    return slots


# ---------------------------------------------------------------------------- corrections


def correction_for(user: Any, correction_id: int) -> tuple[CorrectionRequest, GridHandle]:
    correction = db.session.get(CorrectionRequest, correction_id)
    handle = None
    if correction is not None:
        row = db.session.execute(_access_stmt().where(GradeBook.id == correction.gradebook_id)).first()
        handle = _handle(row) if row else None
        if handle is None or not policy.can_read_correction(user, correction, handle.access):
            handle = None
    found(handle, "correction", correction_id)
    return correction, handle  # type: ignore[return-value]


def corrections_visible_to(user: Any, year_id: int | None) -> list[tuple[CorrectionRequest, GridHandle]]:
    """Requests the user filed or may read (scoped like the grids), newest first."""
    stmt = (
        _access_stmt()
        .add_columns(CorrectionRequest)
        .join(CorrectionRequest, CorrectionRequest.gradebook_id == GradeBook.id)
        .options(selectinload(CorrectionRequest.student), selectinload(CorrectionRequest.requester))
        .order_by(CorrectionRequest.created_at.desc())
    )
    if year_id is not None:
        stmt = stmt.where(SchoolClass.year_id == year_id)
    out = []
    for row in db.session.execute(stmt):
        handle, correction = _handle(row[:7]), row[7]
        if policy.can_read_correction(user, correction, handle.access):
            out.append((correction, handle))
    return out


def open_corrections_of(gradebook_id: int) -> list[CorrectionRequest]:
    return list(
        db.session.scalars(
            select(CorrectionRequest).where(
                CorrectionRequest.gradebook_id == gradebook_id,
                CorrectionRequest.state == "submitted",
            )
        )
    )
