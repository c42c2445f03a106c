"""Students (with their guardians): overview per class, create and edit (quản trị)."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template, request, url_for

from app.accounts.session import current_actor
from app.core.authz import BGH, Role, allow, require
from app.core.database import unit_of_work
from app.core.routing import Routes
from app.school import policy, queries, services
from app.school.forms import NewStudentForm, StudentForm
from app.school.models import GuardianRelation, SchoolClass, Student
from app.school.views.common import bound, can_manage, done, invalid

routes = Routes()
SLOTS = {"father": GuardianRelation.FATHER, "mother": GuardianRelation.MOTHER, "guardian": GuardianRelation.GUARDIAN}


@routes.route("/admin/students")
@allow(Role.ADMIN, BGH)
def students_admin() -> str:
    year = queries.current_year()
    rows = queries.class_sizes(year)
    return render_template(
        "school/admin_students.html", year=year, rows=rows, total=sum(n for _, n in rows), can_manage=can_manage()
    )


def student_form(student: Student | None, formdata: bool = True) -> StudentForm:
    if student is None:
        return NewStudentForm(**bound(formdata))
    form = StudentForm(obj=student, **bound(formdata))
    form.hide_stored(policy.hidden_student_fields(current_actor(), queries.latest_class_of(student)))
    form.locked_moet_id = student.moet_id
    if student.moet_id:
        form.moet_id.render_kw = {"readonly": True}
    if not formdata:
        for slot, relation in SLOTS.items():
            guardian = next((g for g in student.guardians if g.relation == relation.value), None)
            if guardian is not None:
                sub = getattr(form, slot)
                sub.full_name.data, sub.phone.data, sub.occupation.data = (
                    guardian.full_name,
                    guardian.phone,
                    guardian.occupation,
                )
    return form


def _ctx(form: StudentForm, school_class: SchoolClass, student: Student | None) -> dict[str, Any]:
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
        "action": action,
        "form_id": "student-form",
        "form_title": title,
        "back": url_for("school.class_detail", class_id=school_class.id),
    }


def _save(form: StudentForm, school_class: SchoolClass, student: Student | None) -> Response:
    """Create (enrolled in school_class) or update, with the guardians; or the form again."""
    if not form.validate():
        return invalid("school/student_form.html", "school/_form.html", **_ctx(form, school_class, student))
    target = school_class if student is None else None
    with unit_of_work(catch=True) as work:
        saved = services.save_student(
            current_actor(), student, target, form.student_fields(), form.guardian_entries(), form.enrolled_on()
        )
    if work.error:
        return invalid("school/student_form.html", "school/_form.html", work.error, **_ctx(form, school_class, student))
    message = f"Đã lưu hồ sơ học sinh {saved.full_name}."
    return done(message, url_for("school.class_detail", class_id=school_class.id))


@routes.route("/admin/classes/<int:class_id>/students/new", methods=["GET", "POST"])
@allow(Role.ADMIN)
def student_new(class_id: int) -> Response | str:
    school_class = queries.get_class(class_id)
    if request.method == "GET":
        return render_template("school/student_form.html", **_ctx(student_form(None, False), school_class, None))
    return _save(student_form(None), school_class, None)


@routes.route("/admin/students/<int:student_id>/edit", methods=["GET", "POST"])
@allow(Role.ADMIN)
def student_edit(student_id: int) -> Response | str:
    user = current_actor()
    student = queries.get_student_for(user, student_id)
    require(policy.can_edit_student(user, student))
    school_class = queries.latest_class_of(student)
    if request.method == "GET":
        form = student_form(student, False)
        return render_template("school/student_form.html", **_ctx(form, school_class, student))
    return _save(student_form(student), school_class, student)
