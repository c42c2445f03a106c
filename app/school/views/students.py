"""Students (with their guardians): overview per class, create and edit (quản trị)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import Response, render_template, request, url_for
from sqlalchemy import select

from app.core.authz import BGH, Role, allow, found, require
from app.extensions import db
from app.school import policy, queries, services
from app.school.forms import StudentForm
from app.school.models import Enrollment, GuardianRelation, SchoolClass, Student
from app.school.views import bp
from app.school.views.common import actor, can_manage, done, invalid

SLOTS = {"father": GuardianRelation.FATHER, "mother": GuardianRelation.MOTHER, "guardian": GuardianRelation.GUARDIAN}


@bp.route("/admin/students")
@allow(Role.ADMIN, BGH)
def students_admin() -> str:
    year = queries.current_year()
    rows: list[tuple[SchoolClass, int]] = []
    if year is not None:
        counts = Counter(db.session.scalars(select(Enrollment.class_id).where(Enrollment.year_id == year.id)))
        classes = db.session.scalars(
            select(SchoolClass)
            .where(SchoolClass.year_id == year.id)
            .order_by(SchoolClass.grade_level, SchoolClass.name)
        )
        rows = [(c, counts.get(c.id, 0)) for c in classes]
    return render_template(
        "school/admin_students.html", year=year, rows=rows, total=sum(n for _, n in rows), can_manage=can_manage()
    )


def student_form(student: Student | None, formdata: Any = ...) -> StudentForm:
    kwargs = {} if formdata is ... else {"formdata": formdata}
    form = StudentForm(obj=student, **kwargs)
    if student is not None:
        form.locked_moet_id = student.moet_id
        if student.moet_id:
            form.moet_id.render_kw = {"readonly": True}
        if formdata is None:
            for slot, relation in SLOTS.items():
                guardian = next((g for g in student.guardians if g.relation == relation.value), None)
                if guardian is not None:
                    sub = getattr(form, slot)
                    sub.full_name.data = guardian.full_name
                    sub.phone.data = guardian.phone
                    sub.occupation.data = guardian.occupation
    return form


def _ctx(
    form: StudentForm, school_class: SchoolClass, student: Student | None, error: str | None = None
) -> dict[str, Any]:
    if student is None:
        action = url_for("school.student_new", class_id=school_class.id)
        title = f"Thêm học sinh vào lớp {school_class.name}"
    else:
        action = url_for("school.student_edit", student_id=student.id)
        title = f"Sửa hồ sơ: {student.full_name}"
    return {
        "form": form,
        "school_class": school_class,
        "student": student,
        "error": error,
        "action": action,
        "form_id": "student-form",
        "form_title": title,
        "back": url_for("school.class_detail", class_id=school_class.id),
    }


def _save(form: StudentForm, school_class: SchoolClass, student: Student | None) -> Response:
    if form.validate():
        try:
            target = school_class if student is None else None
            saved = services.save_student(actor(), student, target, form.student_fields(), form.guardian_entries())
        except services.SchoolError as exc:
            db.session.rollback()
            return invalid(
                "school/student_form.html", "school/_form.html", **_ctx(form, school_class, student, str(exc))
            )
        db.session.commit()
        return done(
            f"Đã lưu hồ sơ học sinh {saved.full_name}.", url_for("school.class_detail", class_id=school_class.id)
        )
    return invalid("school/student_form.html", "school/_form.html", **_ctx(form, school_class, student))


@bp.route("/admin/classes/<int:class_id>/students/new", methods=["GET", "POST"])
@allow(Role.ADMIN)
def student_new(class_id: int) -> Response | str:
    school_class = found(db.session.get(SchoolClass, class_id), "class", class_id)
    if request.method == "GET":
        return render_template("school/student_form.html", **_ctx(student_form(None, None), school_class, None))
    return _save(student_form(None), school_class, None)


@bp.route("/admin/students/<int:student_id>/edit", methods=["GET", "POST"])
@allow(Role.ADMIN)
def student_edit(student_id: int) -> Response | str:
    user = actor()
    student = queries.get_student_for(user, student_id)
    require(policy.can_edit_student(user, student))
    school_class = db.session.scalars(
        select(SchoolClass)
        .join(Enrollment, Enrollment.class_id == SchoolClass.id)
        .where(Enrollment.student_id == student.id)
        .order_by(Enrollment.year_id.desc())
    ).first()
    if request.method == "GET":
        return render_template("school/student_form.html", **_ctx(student_form(student, None), school_class, student))
    return _save(student_form(student), school_class, student)
