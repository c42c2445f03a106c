"""Scoped reads of grade books: a grade book outside the user's scope is 404 (never 403).

Every loader here issues a fixed number of queries whatever the class size (one per
table), so the grid render stays bounded (tests/gradebook/test_query_counts.py). The
scoped loaders — `get_gradebook_for`, `open_target_for`, `scoped_student`,
`scoped_column`, `scoped_writes`, `correction_for`, `lock_term` — answer 404 (with an
`authz.denied` trace) for anything missing or out of scope.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache

from flask import url_for
from sqlalchemy import ColumnElement, Row, ScalarSelect, Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from app.accounts.models import User
from app.audit.registry import SubjectLink
from app.core.authz import BGH, Role, found, not_found
from app.extensions import db
from app.gradebook import policy
from app.gradebook.models import (
    CorrectionRequest,
    Exemption,
    GradeBook,
    Score,
    ScoreHistory,
    StudentComment,
)
from app.gradebook.policy import GridAccess
from app.gradebook.values import CellError, CellValue, Column, parse_cell, parse_column, regular_count
from app.school import queries as school_queries
from app.school.models import (
    Department,
    Enrollment,
    SchoolClass,
    SchoolYear,
    Student,
    Subject,
    TeachingAssignment,
    Term,
    term_name,
)


@dataclass
class GridHandle:
    """A grade book the current user may read, with what the policy and the grid need."""

    gradebook: GradeBook
    school_class: SchoolClass
    subject: Subject
    term: Term
    access: GridAccess
    #: on an HK II grade book, the HK I one of the same class and subject (the grid's
    #: year averages); read by the loaders of one grade book (`get_gradebook_for`,
    #: `correction_for`), which are the only handles a grid is drawn from
    first_term_book_id: int | None = None

    @property
    def id(self) -> int:
        return self.gradebook.id


AccessSelect = Select[GradeBook, SchoolClass, Subject, Term, int, int | None, int | None]


def _access_stmt(*, one: bool = False) -> AccessSelect:
    """Grade books with what the policy needs. `one`: a single grade book's page — its
    subject's periods and its year joined in the same statement (a page's first read is
    one statement); many grade books load the periods in a second one."""
    periods = joinedload(Subject.periods) if one else selectinload(Subject.periods)
    loads = (periods, joinedload(Term.year)) if one else (periods,)
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
        .options(*loads)
    )


def _handle(
    gb: GradeBook,
    cls: SchoolClass,
    subject: Subject,
    term: Term,
    teacher_id: int | None,
    head_id: int | None,
    deputy_id: int | None,
    first_term_book_id: int | None = None,
) -> GridHandle:
    access = GridAccess(cls.id, subject.id, teacher_id, cls.homeroom_teacher_id, head_id, deputy_id)
    return GridHandle(gb, cls, subject, term, access, first_term_book_id)


def _first_term_book_id() -> ScalarSelect[int]:
    """For the grade book being selected, when it is HK II: the HK I grade book's id."""
    book, hk1 = aliased(GradeBook, name="hk1_book"), aliased(Term, name="hk1_term")
    return (
        select(book.id)
        .join(hk1, hk1.id == book.term_id)
        .where(
            book.class_id == GradeBook.class_id,
            book.subject_id == GradeBook.subject_id,
            hk1.year_id == Term.year_id,
            hk1.number == 1,
            Term.number == 2,
        )
        .correlate(GradeBook, Term)
        .limit(1)
        .scalar_subquery()
    )


@cache
def _one_book_stmt() -> AccessSelect:
    # built once per process: every page of a grade book and every cell save runs it, and
    # building it (the aliases above) costs more than running it
    stmt = _access_stmt(one=True).add_columns(_first_term_book_id())
    return stmt.where(GradeBook.id == bindparam("gradebook_id"))


def _one_book(gradebook_id: int) -> GridHandle | None:
    """One grade book's handle (with its HK I book's id), unscoped: one statement."""
    row = db.session.execute(_one_book_stmt(), {"gradebook_id": gradebook_id}).unique().first()
    return _handle(*row) if row else None


def get_gradebook_for(user: User, gradebook_id: int) -> GridHandle:
    handle = _one_book(gradebook_id)
    if handle is None or not policy.can_read_grid(user, handle.access):
        handle = None
    result: GridHandle = found(handle, "gradebook", gradebook_id)
    return result


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


@dataclass(frozen=True)
class OpenTarget:
    """A (class, subject, term) whose grade book the user may read (and so maybe open)."""

    school_class: SchoolClass
    subject: Subject
    term: Term
    access: GridAccess


def open_target_for(user: User, class_id: int, subject_id: int, term_id: int) -> OpenTarget:
    """The slot of a grade book to open; missing, mismatched or out of scope → 404."""
    pair = access_for(class_id, subject_id)
    term = db.session.get(Term, term_id)
    if pair is None or term is None or term.year_id != pair[0].year_id:
        not_found("class", class_id)
    cls, subject, access = pair
    if not policy.can_read_grid(user, access):
        not_found("class", cls.id)
    return OpenTarget(cls, subject, term, access)


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
    stmt = (
        select(Student)
        .join(Enrollment, Enrollment.student_id == Student.id)
        .where(Enrollment.class_id == class_id, school_queries.on_roster())
    )
    return sorted(db.session.scalars(stmt), key=lambda s: s.sort_key)


def class_student_ids(class_id: int) -> set[int]:
    stmt = select(Enrollment.student_id).where(Enrollment.class_id == class_id, school_queries.on_roster())
    return set(db.session.scalars(stmt))


def scoped_student(handle: GridHandle, student_id: int) -> Student:
    """A student of this grade book's class, or 404 (+ authz.denied naming the id)."""
    student = db.session.scalars(
        select(Student)
        .join(Enrollment, Enrollment.student_id == Student.id)
        .where(Student.id == student_id, Enrollment.class_id == handle.school_class.id, school_queries.on_roster())
    ).first()
    if student is None:
        not_found("student", student_id)
    return student


def scoped_column(handle: GridHandle, text: str) -> Column:
    """A column of this grid ('tx1'…, 'gk', 'ck'), or 404."""
    column = parse_column(text, regular_count(handle.subject, handle.school_class.grade_level))
    if column is None:
        not_found("gradebook_column", f"{handle.id}:{text}")
    return column


@dataclass(frozen=True)
class ScopedWrite:
    """One cell of a paste or an import, in scope; `cell` is None when the value is invalid."""

    student_id: int
    column: Column
    raw: str
    seen_version: int
    cell: CellValue | None
    error: str | None = None


def scoped_writes(handle: GridHandle, items: Iterable[tuple[int, str, str, int]]) -> list[ScopedWrite]:
    """(student_id, column, typed value, version) items of a batch, each student of this
    class and each column of this grid — one foreign id and the whole batch is a 404."""
    class_ids = class_student_ids(handle.school_class.id)
    out = []
    for student_id, column_text, raw, version in items:
        if student_id not in class_ids:
            not_found("student", student_id)
        column = scoped_column(handle, column_text)
        try:
            out.append(ScopedWrite(student_id, column, raw, version, parse_cell(raw, handle.subject.is_comment)))
        except CellError as exc:  # kept beside the cell; the caller refuses the batch
            out.append(ScopedWrite(student_id, column, raw, version, None, exc.message))
    return out


ScoreCell = Row[int, int, str, int, Decimal | None, str | None, int]


def score_cells_of(gradebook_ids: list[int], student_id: int | None = None) -> list[ScoreCell]:
    """Light rows (gradebook_id, student_id, kind, idx, value, comment, version) of these
    grade books' cells — what the grid shows; no ORM objects (the page reads ≈ 700)."""
    if not gradebook_ids:
        return []
    stmt = select(
        Score.gradebook_id, Score.student_id, Score.kind, Score.idx, Score.value, Score.comment, Score.version
    ).where(Score.gradebook_id.in_(gradebook_ids))
    if student_id is not None:
        stmt = stmt.where(Score.student_id == student_id)
    return list(db.session.execute(stmt))


def scores_of(gradebook_ids: list[int], student_id: int | None = None) -> list[Score]:
    if not gradebook_ids:
        return []
    stmt = select(Score).where(Score.gradebook_id.in_(gradebook_ids))
    if student_id is not None:
        stmt = stmt.where(Score.student_id == student_id)
    return list(db.session.scalars(stmt))


ScoreValues = Row[int, int, str, int, Decimal | None, str | None]


def score_values_of(gradebook_ids: list[int]) -> list[ScoreValues]:
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


HistoryPoint = Row[int, int, str, int, Decimal | None, str | None, datetime]


def history_points(gradebook_ids: Sequence[int]) -> list[HistoryPoint]:
    """Every value each cell of these grade books was given — (gradebook_id, student_id,
    kind, idx, new_value, new_comment, at), oldest first, one query: when a score was first
    entered and what it was at a given moment (the monthly reports)."""
    if not gradebook_ids:
        return []
    return list(
        db.session.execute(
            select(
                ScoreHistory.gradebook_id,
                ScoreHistory.student_id,
                ScoreHistory.kind,
                ScoreHistory.idx,
                ScoreHistory.new_value,
                ScoreHistory.new_comment,
                ScoreHistory.at,
            )
            .where(ScoreHistory.gradebook_id.in_(list(gradebook_ids)))
            .order_by(ScoreHistory.at, ScoreHistory.id)
        )
    )


CurrentCell = Row[int, Decimal | None, str | None, int]


@cache
def _current_cell_stmt() -> Select[int, Decimal | None, str | None, int]:
    return select(Score.id, Score.value, Score.comment, Score.version).where(
        Score.gradebook_id == bindparam("gradebook_id"),
        Score.student_id == bindparam("student_id"),
        Score.kind == bindparam("kind"),
        Score.idx == bindparam("idx"),
    )


def current_cell(gradebook_id: int, student_id: int, column: Column) -> CurrentCell | None:
    """The cell as stored now — (id, value, comment, version), a plain row read afresh,
    never the session's copy; the statement is built once (every save asks)."""
    params = {"gradebook_id": gradebook_id, "student_id": student_id, "kind": column.kind, "idx": column.idx}
    return db.session.execute(_current_cell_stmt(), params).first()


RemarkCell = Row[int, str, int]


def comments_of(gradebook_id: int) -> dict[int, RemarkCell]:
    """{student id: (student_id, text, version)} of the subject teacher's nhận xét in one
    grade book, as plain rows."""
    stmt = select(StudentComment.student_id, StudentComment.text, StudentComment.version).where(
        StudentComment.gradebook_id == gradebook_id
    )
    return {row.student_id: row for row in db.session.execute(stmt)}


def exempt_students(class_id: int, year_id: int, term_id: int, subject_id: int) -> set[int]:
    """The class's students with an approved exemption (R13) in this subject and term (or
    the whole year): the grid's "Miễn TH" badges, one statement for the class only."""
    stmt = (
        select(Exemption.student_id)
        .join(Enrollment, Enrollment.student_id == Exemption.student_id)
        .where(
            Enrollment.class_id == class_id,
            school_queries.on_roster(),
            Exemption.year_id == year_id,
            Exemption.state == "approved",
            Exemption.subject_id == subject_id,
            or_(Exemption.term_id.is_(None), Exemption.term_id == term_id),
        )
    )
    return set(db.session.scalars(stmt))


def comments_of_books(gradebook_ids: Sequence[int]) -> dict[tuple[int, int], str]:
    """{(grade book, student): the subject teacher's nhận xét} of many grade books, one query."""
    if not gradebook_ids:
        return {}
    rows = db.session.execute(
        select(StudentComment.gradebook_id, StudentComment.student_id, StudentComment.text).where(
            StudentComment.gradebook_id.in_(list(gradebook_ids))
        )
    )
    return {(gb, sid): text for gb, sid, text in rows}


def applied_corrections_of_class(class_id: int, term_ids: Sequence[int]) -> list[tuple[int, int, int]]:
    """(student, subject, how many) applied score corrections in the class's grade books of
    these terms (the học bạ's "có sửa chữa ở … chỗ, thuộc các môn học …", R16)."""
    if not term_ids:
        return []
    rows = db.session.execute(
        select(CorrectionRequest.student_id, GradeBook.subject_id, func.count())
        .join(GradeBook, GradeBook.id == CorrectionRequest.gradebook_id)
        .where(
            GradeBook.class_id == class_id,
            GradeBook.term_id.in_(list(term_ids)),
            CorrectionRequest.applied_at.is_not(None),
        )
        .group_by(CorrectionRequest.student_id, GradeBook.subject_id)
    )
    return [(sid, subject_id, n) for sid, subject_id, n in rows]


def comment_of(gradebook_id: int, student_id: int) -> StudentComment | None:
    """The nhận xét as stored now (re-read)."""
    return db.session.scalars(
        select(StudentComment)
        .where(StudentComment.gradebook_id == gradebook_id, StudentComment.student_id == student_id)
        .execution_options(populate_existing=True)
    ).first()


def approved_exemptions(
    student_ids: Sequence[int] | None,
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


def year_terms(year: SchoolYear | None) -> list[Term]:
    """The terms of a year, HK I first (the settings page)."""
    return [t for t in term_pair_of_year(year.id) if t] if year else []


def lock_term(term_id: int) -> Term:
    """A term whose lock date is being set, or 404."""
    term: Term = found(db.session.get(Term, term_id), "term", term_id)
    return term


def teacher_name(handle: GridHandle) -> str | None:
    """The assigned teacher's name, for the exported sheet."""
    teacher_id = handle.access.teacher_id
    teacher = db.session.get(User, teacher_id) if teacher_id else None
    return teacher.full_name if teacher else None


def history_of(handle: GridHandle, student_id: int | None = None, limit: int = 500) -> list[ScoreHistory]:
    """Every value the grade book's cells had, newest first (one student's when given)."""
    stmt = (
        select(ScoreHistory)
        .where(ScoreHistory.gradebook_id == handle.id)
        .options(selectinload(ScoreHistory.actor))
        .order_by(ScoreHistory.at.desc(), ScoreHistory.id.desc())
    )
    if student_id is not None:
        stmt = stmt.where(ScoreHistory.student_id == scoped_student(handle, student_id).id)
    return list(db.session.scalars(stmt.limit(limit)))


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


def slots_for(user: User, year_id: int, class_id: int | None = None) -> list[BookSlot]:
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
    if not policy.reads_every_grid(user):
        stmt = stmt.where(_one_of_its_people(user.id))
    rows = db.session.execute(stmt).all()
    terms = list(db.session.scalars(select(Term).where(Term.year_id == year_id).order_by(Term.number)))
    books = _books_of({(assignment.class_id, assignment.subject_id) for assignment, *_ in rows}, year_id)
    slots = []
    for assignment, cls, subject, head_id, deputy_id in rows:
        access = GridAccess(cls.id, subject.id, assignment.teacher_id, cls.homeroom_teacher_id, head_id, deputy_id)
        if not policy.can_read_grid(user, access):
            continue
        for term in terms:
            slots.append(
                BookSlot(cls, subject, term, assignment.teacher_id, books.get((cls.id, subject.id, term.id)), access)
            )
    slots.sort(key=lambda s: (s.school_class.grade_level, s.school_class.name, s.subject.sort_order, s.term.number))
    return slots


def _one_of_its_people(user_id: int) -> ColumnElement[bool]:
    """The SQL side of policy.can_read_grid for everyone but the BGH: the slot's teacher,
    GVCN or tổ leader. It only narrows what is loaded (a school of 7,000 classes has 100,000
    slots); the policy still decides each one."""
    return or_(
        TeachingAssignment.teacher_id == user_id,
        SchoolClass.homeroom_teacher_id == user_id,
        Department.head_id == user_id,
        Department.deputy_id == user_id,
    )


def _books_of(pairs: set[tuple[int, int]], year_id: int) -> dict[tuple[int, int, int], GradeBook]:
    """The opened grade books of these (class, subject) pairs, by (class, subject, term)."""
    if not pairs:
        return {}
    class_ids = {class_id for class_id, _ in pairs}
    stmt = select(GradeBook).join(Term, Term.id == GradeBook.term_id).where(Term.year_id == year_id)
    if len(class_ids) <= MANY_SLOTS:
        stmt = stmt.where(GradeBook.class_id.in_(class_ids))
    found_books = db.session.scalars(stmt)
    return {(b.class_id, b.subject_id, b.term_id): b for b in found_books if (b.class_id, b.subject_id) in pairs}


@dataclass(frozen=True)
class OwnSlot:
    """A (class, subject, term) the teacher teaches, as a list of things to do shows it: a
    row of names and dates, with its grade book's id when opened (no ORM objects)."""

    class_id: int
    subject_id: int
    term_id: int
    class_name: str
    subject_name: str
    term_number: int
    lock_date: date | None
    gradebook_id: int | None

    @property
    def term_name(self) -> str:
        return term_name(self.term_number)


def own_slots(user: User, year_id: int, *, ends_by: date, locks_by: date, open_on: date) -> list[OwnSlot]:
    """The slots of the year the user teaches (`BookSlot.teacher_id` is theirs, which
    `policy.can_read_grid` always allows) whose term ends by `ends_by` or locks by
    `locks_by`, and is not locked before `open_on`; by khối, class, subject and term. Filtered
    by the teacher in SQL: one statement, however large the school."""
    stmt = (
        select(
            SchoolClass.id,
            Subject.id,
            Term.id,
            SchoolClass.name,
            Subject.name,
            Term.number,
            Term.lock_date,
            GradeBook.id,
        )
        .select_from(TeachingAssignment)
        .join(SchoolClass, SchoolClass.id == TeachingAssignment.class_id)
        .join(Subject, Subject.id == TeachingAssignment.subject_id)
        .join(Term, Term.year_id == SchoolClass.year_id)
        .outerjoin(
            GradeBook,
            and_(
                GradeBook.class_id == SchoolClass.id,
                GradeBook.subject_id == Subject.id,
                GradeBook.term_id == Term.id,
            ),
        )
        .where(
            TeachingAssignment.teacher_id == user.id,
            SchoolClass.year_id == year_id,
            or_(Term.end_date <= ends_by, Term.lock_date <= locks_by),
            or_(Term.lock_date.is_(None), Term.lock_date >= open_on),
        )
        .order_by(SchoolClass.grade_level, SchoolClass.name, Subject.sort_order, Term.number, SchoolClass.id)
    )
    return [OwnSlot(*row) for row in db.session.execute(stmt)]


#: a reader of more slots than this sees one class at a time
MANY_SLOTS = 60


@dataclass(frozen=True)
class BookList:
    """The list page: the user's own grade books, the others they may read (one class at a
    time when there are many) and the classes to choose from."""

    mine: list[BookSlot]
    others: list[BookSlot]
    classes: list[SchoolClass]
    chosen: int | None


def book_list(user: User, year: SchoolYear | None, class_id: int | None) -> BookList:
    slots = slots_for(user, year.id) if year else []
    mine = [s for s in slots if s.teacher_id == user.id]
    others = [s for s in slots if s.teacher_id != user.id]
    classes = sorted(
        {s.school_class.id: s.school_class for s in others}.values(), key=lambda c: (c.grade_level, c.name)
    )
    chosen = None
    if len(classes) > 1 and len(others) > MANY_SLOTS:
        chosen = class_id if class_id in {c.id for c in classes} else classes[0].id
        others = [s for s in others if s.school_class.id == chosen]
    return BookList(mine, others, classes, chosen)


# ---------------------------------------------------------------------------- corrections


def correction_for(user: User, correction_id: int) -> tuple[CorrectionRequest, GridHandle]:
    correction = db.session.get(CorrectionRequest, correction_id)
    handle = None
    if correction is not None:
        handle = _one_book(correction.gradebook_id)
        if handle is None or not policy.can_read_correction(user, correction, handle.access):
            handle = None
    if correction is None or handle is None:
        not_found("correction", correction_id)
    return correction, handle


def corrections_visible_to(user: User, year_id: int | None) -> list[tuple[CorrectionRequest, GridHandle]]:
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
        handle, correction = _handle(*row[:7]), row[7]
        if policy.can_read_correction(user, correction, handle.access):
            out.append((correction, handle))
    return out


def _waiting_on(user: User) -> ColumnElement[bool] | None:
    """SQL for `policy.can_decide_correction`: submitted, not the user's own request, at the
    step this user decides (the GVCN confirms, the BGH confirms in the GVCN's place and
    approves; never twice by one person). None when the user decides no request."""
    bgh = bool(user.roles & BGH)
    steps = []
    if Role.TEACHER in user.roles:
        steps.append((CorrectionRequest.step == 0) & (SchoolClass.homeroom_teacher_id == user.id))
    if bgh:
        no_gvcn = or_(
            SchoolClass.homeroom_teacher_id.is_(None),
            SchoolClass.homeroom_teacher_id == CorrectionRequest.requester_id,
        )
        not_mine = or_(CorrectionRequest.confirmed_by_id.is_(None), CorrectionRequest.confirmed_by_id != user.id)
        steps += [(CorrectionRequest.step == 0) & no_gvcn, (CorrectionRequest.step == 1) & not_mine]
    if not steps:
        return None
    return and_(CorrectionRequest.state == "submitted", CorrectionRequest.requester_id != user.id, or_(*steps))


def corrections_waiting_for(
    user: User, year_id: int, limit: int
) -> tuple[list[tuple[CorrectionRequest, GridHandle]], int]:
    """The first `limit` requests waiting for this user's decision (oldest first) and how
    many wait in all, counted in SQL (the home page of a school of thousands of classes) —
    only when the first `limit` fill the list: fewer are all of them (a district's 621
    requests waiting for their GVCN cost the hiệu trưởng's home a 3 ms count of none)."""
    waiting = _waiting_on(user)
    if waiting is None:
        return [], 0
    base = (
        select(CorrectionRequest.id)
        .join(GradeBook, GradeBook.id == CorrectionRequest.gradebook_id)
        .join(SchoolClass, SchoolClass.id == GradeBook.class_id)
        .where(SchoolClass.year_id == year_id, waiting)
    )
    stmt = (
        _access_stmt()
        .add_columns(CorrectionRequest)
        .join(CorrectionRequest, CorrectionRequest.gradebook_id == GradeBook.id)
        .where(CorrectionRequest.id.in_(base.order_by(CorrectionRequest.id).limit(limit)))
        .options(selectinload(CorrectionRequest.student), selectinload(CorrectionRequest.requester))
        .order_by(CorrectionRequest.created_at, CorrectionRequest.id)
    )
    rows = db.session.execute(stmt).all()  # one row per request: the joins are by key
    total = len(rows)
    if total >= limit:
        total = int(db.session.scalar(select(func.count()).select_from(base.subquery())) or 0)
    shown = []
    for row in rows:
        handle, correction = _handle(*row[:7]), row[7]
        if policy.can_decide_correction(user, correction, handle.access):  # the policy still decides each
            shown.append((correction, handle))
    return shown, total


def pending_correction_of(gradebook_id: int, student_id: int, column: Column) -> int | None:
    """The id of a request on this cell still waiting for a decision."""
    return db.session.scalars(
        select(CorrectionRequest.id).where(
            CorrectionRequest.gradebook_id == gradebook_id,
            CorrectionRequest.student_id == student_id,
            CorrectionRequest.kind == column.kind,
            CorrectionRequest.idx == column.idx,
            CorrectionRequest.state == "submitted",
        )
    ).first()


def links(ids: Iterable[int]) -> dict[int, SubjectLink]:
    """{gradebook id: SubjectLink} for the audit feed and digest (one query)."""
    rows = db.session.execute(_access_stmt().where(GradeBook.id.in_(list(ids)))).all()
    out: dict[int, SubjectLink] = {}
    for row in rows:
        h = _handle(*row)
        title = f"Sổ điểm {h.subject.name} lớp {h.school_class.name} – {h.term.name}"
        out[h.id] = SubjectLink(title, url_for("gradebook.grid", gradebook_id=h.id))
    return out


def correction_links(ids: Iterable[int]) -> dict[int, SubjectLink]:
    stmt = (
        select(CorrectionRequest, SchoolClass.name, Subject.name)
        .join(GradeBook, GradeBook.id == CorrectionRequest.gradebook_id)
        .join(SchoolClass, SchoolClass.id == GradeBook.class_id)
        .join(Subject, Subject.id == GradeBook.subject_id)
        .where(CorrectionRequest.id.in_(list(ids)))
    )
    return {
        c.id: SubjectLink(
            f"Yêu cầu điều chỉnh điểm #{c.id} ({subject} lớp {cls})",
            url_for("gradebook.correction_detail", correction_id=c.id),
        )
        for c, cls, subject in db.session.execute(stmt)
    }


def gradebook_subject_for(user: User, gradebook_id: int) -> GradeBook:
    """The audit timeline's loader: the grade book the user may read, or 404."""
    return get_gradebook_for(user, gradebook_id).gradebook


def correction_subject_for(user: User, correction_id: int) -> CorrectionRequest:
    """The audit timeline's loader: the request the user may read, or 404."""
    return correction_for(user, correction_id)[0]
