"""Subjects with their periods per grade: list, create, edit (quản trị writes; BGH reads)."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template, request, url_for

from app.accounts.session import current_actor
from app.core.authz import BGH, Role, allow
from app.core.database import unit_of_work
from app.core.forms import choices
from app.core.routing import Routes
from app.school import queries, services
from app.school.forms import SubjectForm
from app.school.models import Subject
from app.school.views.common import bound, can_manage, done, invalid

routes = Routes()
READ = (Role.ADMIN, BGH)


def subject_form(subject: Subject | None = None, formdata: bool = True) -> SubjectForm:
    form = SubjectForm(obj=subject, **bound(formdata))
    form.department_id.choices = choices([(d.id, d.name) for d in queries.departments()], "— không thuộc tổ —")
    if subject is not None and not formdata:
        for grade in SubjectForm.GRADES:
            getattr(form, f"p{grade}").data = subject.periods_for(grade)
    return form


def _list_ctx(form: SubjectForm | None = None) -> dict[str, Any]:
    manage = can_manage()
    return {
        "subjects": queries.subjects(),
        "grades": list(SubjectForm.GRADES),
        "can_manage": manage,
        "form": form or (subject_form(formdata=False) if manage else None),
        "action": url_for("school.subject_create"),
        "form_id": "subject-form",
        "form_title": "Thêm môn học",
        "submit": "Thêm môn",
    }


@routes.route("/admin/subjects")
@allow(*READ)
def subjects() -> str:
    return render_template("school/admin_subjects.html", **_list_ctx())


@routes.route("/admin/subjects", methods=["POST"])
@allow(Role.ADMIN)
def subject_create() -> Response:
    form = subject_form()
    if not form.validate():
        return invalid("school/admin_subjects.html", "school/_form.html", **_list_ctx(form))
    with unit_of_work(catch=True) as work:
        subject = services.create_subject(
            current_actor(), code=form.code.data, sort_order=form.sort_order.data or 0, **form.subject_fields()
        )
    if work.error:
        return invalid("school/admin_subjects.html", "school/_form.html", work.error, **_list_ctx(form))
    return done(f"Đã thêm môn {subject.name}.", url_for("school.subjects"))


def _edit_ctx(subject: Subject, form: SubjectForm) -> dict[str, Any]:
    form.code.render_kw = {"readonly": True}
    return {
        "subject": subject,
        "form": form,
        "can_manage": True,
        "action": url_for("school.subject_edit", subject_id=subject.id),
        "form_id": f"subject-{subject.id}-form",
        "form_title": f"Sửa môn {subject.name}",
    }


@routes.route("/admin/subjects/<int:subject_id>", methods=["GET", "POST"])
@allow(Role.ADMIN)
def subject_edit(subject_id: int) -> Response | str:
    subject = queries.get_subject(subject_id)
    form = subject_form(subject, formdata=request.method == "POST")
    if request.method == "GET":
        return render_template("school/form_page.html", **_edit_ctx(subject, form))
    form.code.data = subject.code  # the code never changes (other records refer to it)
    if not form.validate():
        return invalid("school/form_page.html", "school/_form.html", **_edit_ctx(subject, form))
    with unit_of_work(catch=True) as work:
        services.update_subject(current_actor(), subject, **form.subject_fields())
    if work.error:
        return invalid("school/form_page.html", "school/_form.html", work.error, **_edit_ctx(subject, form))
    return done(f"Đã lưu môn {subject.name}.", url_for("school.subjects"))
