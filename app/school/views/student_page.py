"""The student page (every staff member who may see the student) with the enrollment
history and the quá trình học tập; the quản trị's actions on it: Chuyển lớp, Học sinh
chuyển trường / thôi học, and the rows for years at other schools."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template, url_for
from flask_wtf import FlaskForm

from app.accounts.models import User
from app.accounts.session import current_actor
from app.core.authz import ANY_STAFF, Role, allow, require
from app.core.database import unit_of_work
from app.core.errors import ConflictError, DomainError
from app.core.forms import choices
from app.core.routing import Routes
from app.school import policy, queries, services
from app.school.forms import LeaveForm, MoveForm, SchoolingForm
from app.school.models import Enrollment, PriorSchooling, Student
from app.school.views.common import UNBOUND, bound, done, invalid

routes = Routes()
PAGE = "school/student_detail.html"
FRAGMENT = "school/_form.html"


def move_form(enrollment: Enrollment | None, formdata: bool = False) -> MoveForm:
    form = MoveForm(prefix="move", **bound(formdata))
    targets = queries.move_targets(enrollment) if enrollment else []
    form.class_id.choices = choices([(c.id, c.name) for c in targets], "— chọn lớp —")
    return form


def schooling_form(row: PriorSchooling | None = None, formdata: bool = False) -> SchoolingForm:
    prefix = f"schooling{row.id}" if row else "schooling"
    return SchoolingForm(obj=row, prefix=prefix, **bound(formdata))


def _form_slots(student: Student, current: Enrollment | None) -> dict[str, Any]:
    """The quản trị's forms on the page, each with what `_form.html` needs."""
    sid = student.id
    slots: dict[str, Any] = {
        "schooling": _slot(schooling_form(), url_for("school.schooling_add", student_id=sid), "schooling-form",
                           "Thêm năm học ở trường khác", "Thêm"),
    }  # fmt: skip
    for row in student.prior_schooling:
        slots[f"schooling{row.id}"] = _slot(
            schooling_form(row), url_for("school.schooling_update", student_id=sid, schooling_id=row.id),
            f"schooling-form-{row.id}", None, "Lưu",
        )  # fmt: skip
    if current is not None:
        slots["move"] = _slot(move_form(current), url_for("school.student_move", student_id=sid), "move-form",
                              f"Chuyển lớp (đang học lớp {current.school_class.name})", "Chuyển lớp")  # fmt: skip
        slots["leave"] = _slot(LeaveForm(prefix="leave", **UNBOUND), url_for("school.student_leave", student_id=sid),
                               "leave-form", "Học sinh chuyển trường / thôi học", "Ghi nhận")  # fmt: skip
    return slots


def _slot(form: FlaskForm, action: str, form_id: str, title: str | None, submit: str) -> dict[str, Any]:
    return {"form": form, "action": action, "form_id": form_id, "form_title": title, "submit": submit, "error": None}


def page_context(user: User, student: Student, error: str | None = None, **replaced: Any) -> dict[str, Any]:
    school_class = queries.visible_class_of(user, student)
    current = queries.current_enrollment(student)
    manage = policy.can_manage_enrollment(user, student)
    slots = _form_slots(student, current) if manage else {}
    for key, form in replaced.items():
        slots[key] = {**slots[key], "form": form, "error": error}
    return {
        "student": student,
        "school_class": school_class,
        "show_sensitive": school_class is not None and policy.can_see_sensitive(user, school_class),
        "show_schooling": policy.can_see_schooling(user, school_class),
        "can_edit": policy.can_edit_student(user, student),
        "history": queries.enrollment_history(student),
        "current": current,
        "slots": slots,
    }


@routes.route("/students/<int:student_id>")
@allow(ANY_STAFF)
def student_detail(student_id: int) -> str:
    user = current_actor()
    student = queries.get_student_for(user, student_id)
    return render_template(PAGE, **page_context(user, student))


def _refused(student: Student, key: str, form: FlaskForm, error: DomainError | None = None) -> Response:
    context = page_context(current_actor(), student, error.message if error else None, **{key: form})
    slot = {k: v for k, v in context["slots"][key].items() if k != "error"}
    return invalid(PAGE, FRAGMENT, error, **context, **slot)


def _managed_student(student_id: int) -> Student:
    user = current_actor()
    student = queries.get_student_for(user, student_id)
    require(policy.can_manage_enrollment(user, student))
    return student


def _current(student: Student) -> Enrollment:
    """The enrollment a move or a departure ends; 409 when the student has left already."""
    current = queries.current_enrollment(student)
    if current is None:
        raise ConflictError(f"Học sinh {student.full_name} không còn lớp đang học (đã rời trường).")
    return current


def _back(student: Student) -> str:
    return url_for("school.student_detail", student_id=student.id)


@routes.route("/admin/students/<int:student_id>/move", methods=["POST"])
@allow(Role.ADMIN)
def student_move(student_id: int) -> Response:
    student = _managed_student(student_id)
    form = move_form(_current(student), formdata=True)
    if not form.validate():
        return _refused(student, "move", form)
    target = queries.get_class(form.class_id.data)
    with unit_of_work(catch=True) as work:
        services.move_student(current_actor(), student, target, form.on_date())
    if work.error:
        return _refused(student, "move", form, work.error)
    return done(f"Đã chuyển {student.full_name} sang lớp {target.name} từ ngày {form.on.raw_text}.", _back(student))


@routes.route("/admin/students/<int:student_id>/leave", methods=["POST"])
@allow(Role.ADMIN)
def student_leave(student_id: int) -> Response:
    student = _managed_student(student_id)
    current = _current(student)
    form = LeaveForm(prefix="leave")
    if not form.validate():
        return _refused(student, "leave", form)
    with unit_of_work(catch=True) as work:
        services.end_enrollment(
            current_actor(), current, kind=form.kind.data, on=form.on_date(), reason=form.reason.data
        )
    if work.error:
        return _refused(student, "leave", form, work.error)
    return done(f"Đã ghi nhận: {student.full_name} rời trường từ ngày {form.on.raw_text}.", _back(student))


@routes.route("/admin/students/<int:student_id>/schooling", methods=["POST"])
@allow(Role.ADMIN)
def schooling_add(student_id: int) -> Response:
    student = _managed_student(student_id)
    form = schooling_form(formdata=True)
    if not form.validate():
        return _refused(student, "schooling", form)
    with unit_of_work(catch=True) as work:
        services.add_schooling(current_actor(), student, **form.schooling_fields())
    if work.error:
        return _refused(student, "schooling", form, work.error)
    return done("Đã thêm một năm học ở trường khác.", _back(student))


@routes.route("/admin/students/<int:student_id>/schooling/<int:schooling_id>", methods=["POST"])
@allow(Role.ADMIN)
def schooling_update(student_id: int, schooling_id: int) -> Response:
    student = _managed_student(student_id)
    row = queries.get_schooling(student, schooling_id)
    form = schooling_form(row, formdata=True)
    if not form.validate():
        return _refused(student, f"schooling{row.id}", form)
    with unit_of_work(catch=True) as work:
        services.update_schooling(current_actor(), row, **form.schooling_fields())
    if work.error:
        return _refused(student, f"schooling{row.id}", form, work.error)
    return done(f"Đã lưu năm học {row.year_name} ở {row.school_name}.", _back(student))


@routes.route("/admin/students/<int:student_id>/schooling/<int:schooling_id>/delete", methods=["POST"])
@allow(Role.ADMIN)
def schooling_delete(student_id: int, schooling_id: int) -> Response:
    student = _managed_student(student_id)
    row = queries.get_schooling(student, schooling_id)
    label = f"{row.year_name} ở {row.school_name}"
    with unit_of_work():
        services.remove_schooling(current_actor(), row)
    return done(f"Đã xoá năm học {label}.", _back(student))
