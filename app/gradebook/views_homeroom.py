"""GVCN screens: class summary per term / year, rèn luyện, nhận xét, attendance,
exemptions (R13) and summer results (R11). BGH read everything; writes are the GVCN's."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, render_template, request
from werkzeug.wrappers import Response

from app.core.authz import ANY_STAFF, Role, allow, not_found, require
from app.core.htmx import page_or_fragment, render_fragment
from app.core.routing import db_id
from app.extensions import db
from app.gradebook import forms, locking, policy, queries, queries_homeroom, summary
from app.gradebook.services import homeroom as homeroom_svc
from app.gradebook.values import CellError, parse_cell
from app.gradebook.views import bp, form_errors, me
from app.school import queries as school_queries
from app.school.models import SchoolClass, Student, Term


def homeroom_class(class_id: int) -> SchoolClass:
    cls = db.session.get(SchoolClass, class_id)
    if cls is None or not policy.can_read_homeroom(me(), cls.homeroom_teacher_id):
        not_found("class", class_id)
    return cls


def class_student(cls: SchoolClass, student_id: int | None) -> Student:
    if student_id is None or student_id not in queries.class_student_ids(cls.id):
        not_found("student", student_id)
    return db.session.get(Student, student_id)  # type: ignore[return-value]


def class_term(cls: SchoolClass, term_id: int | None) -> Term:
    term = db.session.get(Term, term_id) if term_id else None
    if term is None or term.year_id != cls.year_id:
        not_found("term", term_id)
    return term


@bp.route("/homeroom")
@allow(ANY_STAFF)
def homeroom_index() -> str:
    user = me()
    year = school_queries.current_year()
    mine = school_queries.homeroom_classes_of(user, year)
    others = (
        [c for c in school_queries.classes_visible_to(user, year) if c.id not in {m.id for m in mine}]
        if policy.can_read_homeroom(user, None)
        else []
    )
    return render_template("gradebook/homeroom_index.html", year=year, mine=mine, others=others)


@bp.route("/homeroom/<int:class_id>")
@allow(ANY_STAFF)
def homeroom(class_id: int) -> Response:
    cls = homeroom_class(class_id)
    period = request.args.get("period", "1")
    if period not in ("1", "2", "year"):
        period = "1"
    data = summary.build(cls, period)
    return page_or_fragment(
        "gradebook/homeroom.html",
        "gradebook/_homeroom.html",
        s=data,
        editable=policy.can_edit_homeroom(me(), cls.homeroom_teacher_id),
        levels=forms.LEVEL_CHOICES,
    )


def _line(cls: SchoolClass, period: str, student_id: int) -> Any:
    data = summary.build(cls, period)
    return data, next(line for line in data.lines if line.student.id == student_id)


@bp.route("/homeroom/<int:class_id>/conduct", methods=["POST"])
@allow(Role.TEACHER)
def homeroom_conduct(class_id: int) -> Response:
    cls = homeroom_class(class_id)
    require(policy.can_edit_homeroom(me(), cls.homeroom_teacher_id))
    form = forms.ConductForm(request.form)
    if not form.validate():
        abort(422, description=form_errors(form))
    student, term = class_student(cls, form.student_id.data), class_term(cls, form.term_id.data)
    status, error = 200, None
    try:
        homeroom_svc.set_conduct(me(), cls, student.id, term, form.level.data or None, form.version.data)
        db.session.commit()
    except homeroom_svc.RowConflict:
        db.session.rollback()
        status, error = 409, "Mức rèn luyện vừa được sửa ở nơi khác; đây là giá trị hiện tại."
    data, line = _line(cls, str(term.number), student.id)
    return render_fragment(
        "gradebook/_conduct_cell.html",
        status,
        s=data,
        line=line,
        error=error,
        editable=True,
        levels=forms.LEVEL_CHOICES,
    )


@bp.route("/homeroom/<int:class_id>/remark", methods=["POST"])
@allow(Role.TEACHER)
def homeroom_remark(class_id: int) -> Response:
    cls = homeroom_class(class_id)
    require(policy.can_edit_homeroom(me(), cls.homeroom_teacher_id))
    form = forms.RemarkForm(request.form)
    if form.student_id.data is None or form.term_id.data is None:
        abort(422, description="Thiếu học sinh hoặc học kỳ.")
    student, term = class_student(cls, form.student_id.data), class_term(cls, form.term_id.data)
    status, error = 200, None
    if not form.validate():
        status, error = 422, form_errors(form)
    else:
        try:
            homeroom_svc.set_remark(me(), cls, student.id, term, form.text.data, form.version.data)
            db.session.commit()
        except homeroom_svc.RowConflict:
            db.session.rollback()
            status, error = 409, "Nhận xét vừa được sửa ở nơi khác; đây là nội dung hiện tại."
    data, line = _line(cls, str(term.number), student.id)
    return render_fragment(
        "gradebook/_remark_cell.html",
        status,
        s=data,
        line=line,
        error=error,
        editable=True,
        typed=form.text.data if status == 422 else None,
    )


@bp.route("/homeroom/<int:class_id>/attendance")
@allow(ANY_STAFF)
def attendance(class_id: int) -> str:
    cls = homeroom_class(class_id)
    today = locking.today_local()
    year = cls.year
    default = min(max(today, year.start_date), year.end_date)  # a day of this school year
    try:
        day = date.fromisoformat(request.args["day"]) if request.args.get("day") else default
    except ValueError:
        day = default
    students = queries.class_students(cls.id)
    ids = [s.id for s in students]
    return render_template(
        "gradebook/attendance.html",
        cls=cls,
        day=day,
        today=today,
        students=students,
        marks=queries_homeroom.attendance_on(ids, day),
        counts=queries_homeroom.absence_counts(ids, cls.year_id),
        editable=policy.can_edit_homeroom(me(), cls.homeroom_teacher_id),
    )


@bp.route("/homeroom/<int:class_id>/attendance", methods=["POST"])
@allow(Role.TEACHER)
def attendance_save(class_id: int) -> Response:
    cls = homeroom_class(class_id)
    require(policy.can_edit_homeroom(me(), cls.homeroom_teacher_id))
    form = forms.AttendanceForm(request.form)
    if not form.validate():
        abort(422, description=form_errors(form))
    student = class_student(cls, form.student_id.data)
    status, error = 200, None
    try:
        homeroom_svc.set_attendance(me(), cls, student.id, form.day.data, form.status.data, locking.today_local())
        db.session.commit()
    except homeroom_svc.HomeroomError as exc:
        db.session.rollback()
        status, error = 422, str(exc)
    marks = queries_homeroom.attendance_on([student.id], form.day.data)
    counts = queries_homeroom.absence_counts([student.id], cls.year_id)
    return render_fragment(
        "gradebook/_attendance_row.html",
        status,
        cls=cls,
        s=student,
        day=form.day.data,
        mark=marks.get(student.id),
        error=error,
        count=counts.get(student.id, (0, 0)),
        editable=True,
        index=request.form.get("index", type=db_id),
    )


@bp.route("/homeroom/<int:class_id>/summer", methods=["POST"])
@allow(Role.TEACHER)
def summer_save(class_id: int) -> Response:
    cls = homeroom_class(class_id)
    require(policy.can_edit_homeroom(me(), cls.homeroom_teacher_id))
    form = forms.SummerForm(request.form)
    if not form.validate():
        abort(422, description=form_errors(form))
    student = class_student(cls, form.student_id.data)
    _data, line = _line(cls, "year", student.id)
    status, error = 200, None
    try:
        if form.subject_id.data:
            subject = next((m.subject for m in line.marks if m.subject.id == form.subject_id.data), None)
            if subject is None:
                not_found("subject", form.subject_id.data)
            due = bool(line.decision and subject.name in line.decision.retest_subjects)
            homeroom_svc.set_retest(
                me(),
                cls,
                student.id,
                subject,
                parse_cell(form.value.data, subject.is_comment),
                form.version.data,
                due=due,
            )
        else:
            eligible = line.conduct_year is not None and line.conduct_year.name == "CHUA_DAT"
            homeroom_svc.set_summer_conduct(
                me(), cls, student.id, form.value.data, form.version.data, eligible=eligible
            )
        db.session.commit()
    except (homeroom_svc.HomeroomError, CellError) as exc:
        db.session.rollback()
        status, error = 422, str(exc)
    except homeroom_svc.RowConflict:
        db.session.rollback()
        status, error = 409, "Kết quả vừa được sửa ở nơi khác; đây là giá trị hiện tại."
    data, line = _line(cls, "year", student.id)
    return render_fragment(
        "gradebook/_summer_cell.html",
        status,
        s=data,
        line=line,
        error=error,
        editable=True,
        levels=forms.LEVEL_CHOICES,
    )
