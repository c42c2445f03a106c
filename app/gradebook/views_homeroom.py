"""GVCN screens: class summary per term / year, rèn luyện, nhận xét, attendance,
exemptions (R13) and summer results (R11). BGH read everything; writes are the GVCN's."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, flash, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.core.authz import ANY_STAFF, BGH, Role, allow, found, not_found, require
from app.core.htmx import page_or_fragment, redirect_to, render_fragment
from app.core.workflow import Action
from app.extensions import db
from app.gradebook import files, forms, locking, policy, queries, summary
from app.gradebook.models import Exemption
from app.gradebook.services import homeroom as homeroom_svc
from app.gradebook.values import CellError, parse_cell
from app.gradebook.views import bp, form_errors, me
from app.school import queries as school_queries
from app.school.models import Enrollment, SchoolClass, Student, Subject, Term


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
    others = [c for c in school_queries.classes_visible_to(user, year) if c.id not in {m.id for m in mine}] \
        if policy.can_read_homeroom(user, None) else []
    return render_template("gradebook/homeroom_index.html", year=year, mine=mine, others=others)


@bp.route("/homeroom/<int:class_id>")
@allow(ANY_STAFF)
def homeroom(class_id: int) -> Response:
    cls = homeroom_class(class_id)
    period = request.args.get("period", "1")
    if period not in ("1", "2", "year"):
        period = "1"
    data = summary.build(cls, period)
    return page_or_fragment("gradebook/homeroom.html", "gradebook/_homeroom.html", s=data,
                            editable=policy.can_edit_homeroom(me(), cls.homeroom_teacher_id),
                            levels=forms.LEVEL_CHOICES)


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
    return render_fragment("gradebook/_conduct_cell.html", status, s=data, line=line, error=error,
                           editable=True, levels=forms.LEVEL_CHOICES)


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
    return render_fragment("gradebook/_remark_cell.html", status, s=data, line=line, error=error,
                           editable=True, typed=form.text.data if status == 422 else None)


@bp.route("/homeroom/<int:class_id>/attendance")
@allow(ANY_STAFF)
def attendance(class_id: int) -> str:
    cls = homeroom_class(class_id)
    today = locking.today_local()
    try:
        day = date.fromisoformat(request.args.get("day", "")) if request.args.get("day") else today
    except ValueError:
        day = today
    students = queries.class_students(cls.id)
    ids = [s.id for s in students]
    return render_template("gradebook/attendance.html", cls=cls, day=day, today=today,
                           students=students, marks=queries.attendance_on(ids, day),
                           counts=queries.absence_counts(ids, cls.year_id),
                           editable=policy.can_edit_homeroom(me(), cls.homeroom_teacher_id))


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
        homeroom_svc.set_attendance(me(), cls, student.id, form.day.data, form.status.data,
                                locking.today_local())
        db.session.commit()
    except homeroom_svc.HomeroomError as exc:
        db.session.rollback()
        status, error = 422, str(exc)
    marks = queries.attendance_on([student.id], form.day.data)
    counts = queries.absence_counts([student.id], cls.year_id)
    return render_fragment("gradebook/_attendance_row.html", status, cls=cls, s=student,
                           day=form.day.data, mark=marks.get(student.id), error=error,
                           count=counts.get(student.id, (0, 0)), editable=True, index=None)


@bp.route("/homeroom/<int:class_id>/exemptions")
@allow(ANY_STAFF)
def exemptions(class_id: int) -> str:
    cls = homeroom_class(class_id)
    return _exemptions_page(cls, forms.ExemptionForm(), None, 200)  # type: ignore[return-value]


def _exemptions_page(cls: SchoolClass, form: Any, error: str | None, status: int) -> tuple[str, int]:
    user = me()
    students = queries.class_students(cls.id)
    items = queries.exemptions_of_class([s.id for s in students], cls.year_id)
    subjects = [s for s in queries.class_subjects(cls.id) if s.code in homeroom_svc.tt22.EXEMPTABLE_SUBJECT_CODES]
    return render_template(
        "gradebook/exemptions.html", cls=cls, items=items, students=students, subjects=subjects,
        terms=queries.term_pair_of_year(cls.year_id), form=form, error=error,
        editable=policy.can_request_exemption(user, cls.homeroom_teacher_id),
        can_decide=lambda e: policy.can_decide_exemption(user, e),
        show_reason=policy.can_read_exemption_reason(user, cls.homeroom_teacher_id)), status


@bp.route("/homeroom/<int:class_id>/exemptions", methods=["POST"])
@allow(Role.TEACHER)
def exemption_create(class_id: int) -> Response | tuple[str, int]:
    cls = homeroom_class(class_id)
    require(policy.can_request_exemption(me(), cls.homeroom_teacher_id))
    form = forms.ExemptionForm(request.form)
    if not form.validate():
        return _exemptions_page(cls, form, form_errors(form), 422)
    student = class_student(cls, form.student_id.data)
    subject = found(db.session.get(Subject, form.subject_id.data), "subject", form.subject_id.data)
    term = class_term(cls, form.term_id.data) if form.term_id.data else None
    try:
        evidence = files.store_upload(request.files.get("evidence"))
        homeroom_svc.request_exemption(me(), cls, student.id, subject, term, form.reason.data, evidence)
    except homeroom_svc.HomeroomError as exc:
        db.session.rollback()
        return _exemptions_page(cls, form, str(exc), 422)
    db.session.commit()
    flash("Đã gửi đề nghị miễn phần thực hành; chờ hiệu trưởng phê duyệt.", "success")
    return redirect_to(url_for("gradebook.exemptions", class_id=cls.id))


def _exemption(exemption_id: int) -> tuple[Exemption, SchoolClass]:
    e = db.session.get(Exemption, exemption_id)
    cls = None
    if e is not None:
        cls = db.session.scalars(
            select(SchoolClass).join(Enrollment, Enrollment.class_id == SchoolClass.id)
            .where(Enrollment.student_id == e.student_id, Enrollment.year_id == e.year_id)).first()
    if e is None or cls is None or not policy.can_read_homeroom(me(), cls.homeroom_teacher_id):
        not_found("exemption", exemption_id)
    return e, cls  # type: ignore[return-value]


@bp.route("/exemptions/<int:exemption_id>/decide", methods=["POST"])
@allow(BGH)
def exemption_decide(exemption_id: int) -> Response:
    e, cls = _exemption(exemption_id)
    form = forms.DecisionForm(request.form)
    if not form.validate():
        abort(422, description=form_errors(form))
    action = Action.APPROVE if form.action.data == "approve" else Action.RETURN
    homeroom_svc.decide_exemption(me(), e, action, seen_version=form.version.data, comment=form.comment.data)
    db.session.commit()
    flash("Đã phê duyệt miễn thực hành." if action is Action.APPROVE else "Đã không duyệt đề nghị.", "success")
    return redirect_to(url_for("gradebook.exemptions", class_id=cls.id))


@bp.route("/exemptions/<int:exemption_id>/evidence")
@allow(ANY_STAFF)
def exemption_evidence(exemption_id: int) -> Response:
    e, cls = _exemption(exemption_id)
    if not e.evidence_sha256 or not policy.can_read_exemption_reason(me(), cls.homeroom_teacher_id):
        not_found("exemption_evidence", exemption_id)
    return files.send_evidence(e.evidence_sha256, e.evidence_name or "minh-chung",
                               e.evidence_type or "application/octet-stream")


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
            homeroom_svc.set_retest(me(), cls, student.id, subject, parse_cell(form.value.data, subject.is_comment),
                                form.version.data, due=due)
        else:
            eligible = line.conduct_year is not None and line.conduct_year.name == "CHUA_DAT"
            homeroom_svc.set_summer_conduct(me(), cls, student.id, form.value.data, form.version.data,
                                        eligible=eligible)
        db.session.commit()
    except (homeroom_svc.HomeroomError, CellError) as exc:
        db.session.rollback()
        status, error = 422, str(exc)
    except homeroom_svc.RowConflict:
        db.session.rollback()
        status, error = 409, "Kết quả vừa được sửa ở nơi khác; đây là giá trị hiện tại."
    data, line = _line(cls, "year", student.id)
    return render_fragment("gradebook/_summer_cell.html", status, s=data, line=line, error=error,
                           editable=True, levels=forms.LEVEL_CHOICES)
