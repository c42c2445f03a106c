"""Reads for the homeroom (GVCN) screens: the scoped loaders (a class whose book the user
may read, a student or a term of that class, an exemption — anything else is 404 with an
`authz.denied` trace) and the class's grade books and subjects, rèn luyện, nhận xét, buổi
nghỉ, summer results and exemptions — one query per table, whatever the class size."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from flask import url_for
from sqlalchemy import and_, func, select
from sqlalchemy.orm import joinedload, selectinload

from app.accounts.models import User
from app.audit.registry import SubjectLink
from app.core.authz import not_found
from app.extensions import db
from app.gradebook import tt22
from app.gradebook.models import Exemption, GradeBook, Score
from app.gradebook.queries import ScoreValues
from app.homeroom import policy
from app.homeroom.locking import CorrectionTarget
from app.homeroom.models import Attendance, Conduct, HomeroomCorrection, HomeroomRemark, Retest, SummerConduct
from app.school import queries as school_queries
from app.school.models import Enrollment, SchoolClass, SchoolYear, Student, Subject, TeachingAssignment, Term

# ---------------------------------------------------------------------------- scoped loaders


def homeroom_class(user: User, class_id: int) -> SchoolClass:
    """A class whose book the user may read (its GVCN, BGH, the admin), or 404."""
    cls = db.session.get(SchoolClass, class_id)
    if cls is None or not policy.can_read_homeroom(user, cls.homeroom_teacher_id):
        not_found("class", class_id)
    return cls


def class_student(cls: SchoolClass, student_id: int | None) -> Student:
    """A student enrolled in the class, or 404."""
    student = None
    if student_id is not None:
        student = db.session.scalars(
            select(Student)
            .join(Enrollment, Enrollment.student_id == Student.id)
            .where(Student.id == student_id, Enrollment.class_id == cls.id, school_queries.on_roster())
        ).first()
    if student is None:
        not_found("student", student_id)
    return student


def class_term(cls: SchoolClass, term_id: int | None) -> Term:
    """A term of the class's school year, or 404."""
    term = db.session.get(Term, term_id) if term_id else None
    if term is None or term.year_id != cls.year_id:
        not_found("term", term_id)
    return term


def class_subject(cls: SchoolClass, subject_id: int | None) -> Subject:
    """A subject taught in the class, or 404."""
    subject = next((s for s in class_subjects(cls.id) if s.id == subject_id), None)
    if subject is None:
        not_found("subject", subject_id)
    return subject


def exemption_subject(subject_id: int | None) -> Subject:
    subject = db.session.get(Subject, subject_id) if subject_id else None
    if subject is None:
        not_found("subject", subject_id)
    return subject


def exemption_for(user: User, exemption_id: int) -> tuple[Exemption, SchoolClass]:
    """An exemption with the student's class that year, when the user may read that class's
    book; otherwise 404."""
    exemption = db.session.get(Exemption, exemption_id)
    cls = None
    if exemption is not None:
        cls = db.session.scalars(
            select(SchoolClass)
            .join(Enrollment, Enrollment.class_id == SchoolClass.id)
            .where(
                Enrollment.student_id == exemption.student_id,
                Enrollment.year_id == exemption.year_id,
                school_queries.last_of_its_year(),
            )
        ).first()
    if exemption is None or cls is None or not policy.can_read_homeroom(user, cls.homeroom_teacher_id):
        not_found("exemption", exemption_id)
    return exemption, cls


def exemption_subject_for(user: User, exemption_id: int) -> Exemption:
    """The audit timeline's loader."""
    return exemption_for(user, exemption_id)[0]


@dataclass(frozen=True)
class HomeroomList:
    mine: list[SchoolClass]
    others: list[SchoolClass]
    pending: list[tuple[Exemption, SchoolClass]]  # BGH: exemptions waiting for a decision


def homeroom_list(user: User, year: SchoolYear | None) -> HomeroomList:
    """The classes the user is GVCN of; for BGH and the admin every other class too."""
    mine = school_queries.homeroom_classes_of(user, year)
    others: list[SchoolClass] = []
    if policy.can_see_every_class(user):
        own = {c.id for c in mine}
        others = [c for c in school_queries.classes_visible_to(user, year) if c.id not in own]
    pending = pending_exemptions(year.id) if year and policy.can_see_exemption_queue(user) else []
    return HomeroomList(mine, others, pending)


def attendance_day(cls: SchoolClass, raw: str | None, today: date) -> date:
    """The day asked for (yyyy-mm-dd), else today kept within the class's school year."""
    year = cls.year
    default = min(max(today, year.start_date), year.end_date)
    try:
        return date.fromisoformat(raw) if raw else default
    except ValueError:
        return default


def exemptable_subjects(class_id: int) -> list[Subject]:
    """The class's subjects whose practical part may be exempted (R13)."""
    return [s for s in class_subjects(class_id) if s.code in tt22.EXEMPTABLE_SUBJECT_CODES]


# ---------------------------------------------------------------------------- the class's data


def score_rows(gradebook_ids: Sequence[int]) -> list[ScoreValues]:
    """`gradebook.queries.score_values_of` read through the connection: the same rows
    (gradebook_id, student_id, kind, idx, value, comment), made by the Core result without
    the ORM's per-row work (a class book reads thousands of them)."""
    if not gradebook_ids:
        return []
    stmt = select(Score.gradebook_id, Score.student_id, Score.kind, Score.idx, Score.value, Score.comment).where(
        Score.gradebook_id.in_(list(gradebook_ids))
    )
    return list(db.session.connection().execute(stmt))


def class_gradebooks(class_id: int) -> list[GradeBook]:
    return list(db.session.scalars(select(GradeBook).where(GradeBook.class_id == class_id)))


def class_subjects(class_id: int) -> list[Subject]:
    stmt = (
        select(Subject)
        .join(TeachingAssignment, TeachingAssignment.subject_id == Subject.id)
        .where(TeachingAssignment.class_id == class_id)
        # their periods joined in the same statement (a handful of rows per subject)
        .options(joinedload(Subject.periods))
        .order_by(Subject.sort_order, Subject.name)
    )
    return list(db.session.scalars(stmt).unique())


def conducts_of(student_ids: Sequence[int], term_ids: Sequence[int]) -> dict[tuple[int, int], Conduct]:
    if not student_ids or not term_ids:
        return {}
    rows = db.session.scalars(select(Conduct).where(Conduct.student_id.in_(student_ids), Conduct.term_id.in_(term_ids)))
    return {(c.student_id, c.term_id): c for c in rows}


def remarks_of(student_ids: Sequence[int], term_ids: Sequence[int]) -> dict[tuple[int, int], HomeroomRemark]:
    if not student_ids or not term_ids:
        return {}
    rows = db.session.scalars(
        select(HomeroomRemark).where(HomeroomRemark.student_id.in_(student_ids), HomeroomRemark.term_id.in_(term_ids))
    )
    return {(r.student_id, r.term_id): r for r in rows}


def absence_counts(
    student_ids: Sequence[int], year_id: int, after: date | None = None, until: date | None = None
) -> dict[int, tuple[int, int]]:
    """student → (có phép, không phép) buổi nghỉ in the year (only the days after `after`
    and up to `until` when given: a term's share)."""
    if not student_ids:
        return {}
    stmt = select(Attendance.student_id, Attendance.excused, func.count()).where(
        Attendance.student_id.in_(student_ids), Attendance.year_id == year_id
    )
    if after is not None:
        stmt = stmt.where(Attendance.day > after)
    if until is not None:
        stmt = stmt.where(Attendance.day <= until)
    rows = db.session.execute(stmt.group_by(Attendance.student_id, Attendance.excused)).all()
    counts: dict[int, list[int]] = {}
    for sid, excused, n in rows:
        counts.setdefault(sid, [0, 0])[0 if excused else 1] += n
    return {sid: (c[0], c[1]) for sid, c in counts.items()}


def attendance_on(student_ids: Sequence[int], day: date) -> dict[int, Attendance]:
    if not student_ids:
        return {}
    rows = db.session.scalars(select(Attendance).where(Attendance.student_id.in_(student_ids), Attendance.day == day))
    return {a.student_id: a for a in rows}


def summer_of(
    student_ids: Sequence[int], year_id: int
) -> tuple[dict[int, SummerConduct], dict[tuple[int, int], Retest]]:
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


def exemptions_of_class(student_ids: Sequence[int], year_id: int) -> list[Exemption]:
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
        .where(Exemption.year_id == year_id, Exemption.state == "submitted", school_queries.last_of_its_year())
        .options(selectinload(Exemption.student), selectinload(Exemption.subject))
        .order_by(Exemption.created_at)
    )
    return [(e, c) for e, c in db.session.execute(stmt)]


def exemption_links(ids: Iterable[int]) -> dict[int, SubjectLink]:
    """{exemption id: SubjectLink} for the audit feed and digest (one query)."""
    stmt = (
        select(Exemption, SchoolClass)
        .join(Enrollment, and_(Enrollment.student_id == Exemption.student_id, Enrollment.year_id == Exemption.year_id))
        .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
        .where(Exemption.id.in_(list(ids)), school_queries.last_of_its_year())
    )
    return {
        e.id: SubjectLink(
            f"Đề nghị miễn thực hành #{e.id} (lớp {cls.name})", url_for("homeroom.exemptions", class_id=cls.id)
        )
        for e, cls in db.session.execute(stmt)
    }


# ---------------------------------------------------------------------------- corrections


def correction_for(user: User, correction_id: int) -> tuple[HomeroomCorrection, SchoolClass]:
    """A homeroom correction with its class, when the user may read that class's book; else 404."""
    correction = db.session.get(HomeroomCorrection, correction_id)
    cls = db.session.get(SchoolClass, correction.class_id) if correction is not None else None
    if correction is None or cls is None or not policy.can_read_homeroom(user, cls.homeroom_teacher_id):
        not_found("homeroom_correction", correction_id)
    return correction, cls


def correction_subject_for(user: User, correction_id: int) -> HomeroomCorrection:
    """The audit timeline's loader."""
    return correction_for(user, correction_id)[0]


def corrections_of_class(class_id: int) -> list[HomeroomCorrection]:
    stmt = (
        select(HomeroomCorrection)
        .where(HomeroomCorrection.class_id == class_id)
        .options(
            selectinload(HomeroomCorrection.student),
            selectinload(HomeroomCorrection.subject),
            selectinload(HomeroomCorrection.term),
            selectinload(HomeroomCorrection.requester),
            selectinload(HomeroomCorrection.decided_by),
        )
        .order_by(HomeroomCorrection.created_at.desc(), HomeroomCorrection.id.desc())
    )
    return list(db.session.scalars(stmt))


def pending_corrections(year_id: int) -> list[tuple[HomeroomCorrection, SchoolClass]]:
    """Homeroom corrections waiting for BGH, school-wide (the queue on the Chủ nhiệm page)."""
    stmt = (
        select(HomeroomCorrection, SchoolClass)
        .join(SchoolClass, SchoolClass.id == HomeroomCorrection.class_id)
        .where(SchoolClass.year_id == year_id, HomeroomCorrection.state == "submitted")
        .options(selectinload(HomeroomCorrection.student))
        .order_by(HomeroomCorrection.created_at)
    )
    return [(c, cls) for c, cls in db.session.execute(stmt)]


def pending_correction_of(
    student_id: int, field: str, term_id: int | None, day: date | None, subject_id: int | None
) -> int | None:
    """The id of a request on this value still waiting for a decision."""
    stmt = select(HomeroomCorrection.id).where(
        HomeroomCorrection.student_id == student_id,
        HomeroomCorrection.field == field,
        HomeroomCorrection.state == "submitted",
    )
    for column, value in (
        (HomeroomCorrection.term_id, term_id),
        (HomeroomCorrection.day, day),
        (HomeroomCorrection.subject_id, subject_id),
    ):
        stmt = stmt.where(column.is_(None) if value is None else column == value)
    return db.session.scalars(stmt).first()


def applied_corrections(class_id: int) -> list[HomeroomCorrection]:
    """The class's approved (applied) homeroom corrections, for the snapshots' counts."""
    return list(
        db.session.scalars(
            select(HomeroomCorrection).where(
                HomeroomCorrection.class_id == class_id, HomeroomCorrection.applied_at.is_not(None)
            )
        )
    )


Row = TypeVar("Row", Conduct, HomeroomRemark, SummerConduct, Retest)


def current_row(model: type[Row], **keys: int) -> Row | None:
    """The row as stored now (re-read)."""
    return db.session.scalars(select(model).filter_by(**keys).execution_options(populate_existing=True)).first()


def correction_links(ids: Iterable[int]) -> dict[int, SubjectLink]:
    stmt = (
        select(HomeroomCorrection, SchoolClass.name)
        .join(SchoolClass, SchoolClass.id == HomeroomCorrection.class_id)
        .where(HomeroomCorrection.id.in_(list(ids)))
    )
    return {
        c.id: SubjectLink(
            f"Đề nghị điều chỉnh #{c.id} ({c.field_label}, lớp {name})",
            url_for("homeroom.corrections", class_id=c.class_id),
        )
        for c, name in db.session.execute(stmt)
    }


def correction_target(
    cls: SchoolClass,
    field: str,
    student_id: int | None,
    term_id: int | None,
    day: date | None,
    subject_id: int | None,
) -> CorrectionTarget:
    """What a correction form names, in the class's scope: its student, and the term (rèn
    luyện, nhận xét), day (điểm danh) or subject (kiểm tra lại) the field needs — 404 for
    anything outside the class."""
    student = class_student(cls, student_id)
    term = class_term(cls, term_id) if field in ("conduct", "remark") else None
    subject = class_subject(cls, subject_id) if field == "retest" else None
    return CorrectionTarget(field, student.id, term, day if field == "attendance" else None, subject)
