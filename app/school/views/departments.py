"""Tổ chuyên môn: the list with heads and members, create and edit (quản trị writes; BGH reads)."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template, request, url_for

from app.accounts import queries as accounts_queries
from app.accounts.session import current_actor
from app.core.authz import BGH, Role, allow
from app.core.database import unit_of_work
from app.core.routing import Routes
from app.school import queries, services
from app.school.forms import DepartmentForm
from app.school.models import Department
from app.school.views.common import bound, can_manage, done, invalid, staff_choices

routes = Routes()
READ = (Role.ADMIN, BGH)


def department_form(dept: Department | None = None, formdata: bool = True) -> DepartmentForm:
    form = DepartmentForm(obj=dept, **bound(formdata))
    form.head_id.choices = staff_choices()
    form.deputy_id.choices = staff_choices()
    return form


def _list_ctx(form: DepartmentForm | None = None) -> dict[str, Any]:
    manage = can_manage()
    return {
        "departments": queries.departments(),
        "members": accounts_queries.active_members_by_department(),
        "can_manage": manage,
        "form": form or (department_form(formdata=False) if manage else None),
        "action": url_for("school.department_create"),
        "form_id": "department-form",
        "form_title": "Thêm tổ chuyên môn",
        "submit": "Thêm tổ",
    }


@routes.route("/admin/departments")
@allow(*READ)
def departments() -> str:
    return render_template("school/admin_departments.html", **_list_ctx())


@routes.route("/admin/departments", methods=["POST"])
@allow(Role.ADMIN)
def department_create() -> Response:
    form = department_form()
    if not form.validate():
        return invalid("school/admin_departments.html", "school/_form.html", **_list_ctx(form))
    with unit_of_work(catch=True) as work:
        dept = services.create_department(current_actor(), **form.department_fields())
    if work.error:
        return invalid("school/admin_departments.html", "school/_form.html", work.error, **_list_ctx(form))
    return done(f"Đã thêm tổ {dept.name}.", url_for("school.departments"))


def _edit_ctx(dept: Department, form: DepartmentForm) -> dict[str, Any]:
    return {
        "department": dept,
        "form": form,
        "can_manage": True,
        "action": url_for("school.department_edit", department_id=dept.id),
        "form_id": f"department-{dept.id}-form",
        "form_title": f"Sửa tổ {dept.name}",
    }


@routes.route("/admin/departments/<int:department_id>", methods=["GET", "POST"])
@allow(Role.ADMIN)
def department_edit(department_id: int) -> Response | str:
    dept = queries.get_department(department_id)
    form = department_form(dept, formdata=request.method == "POST")
    if request.method == "GET":
        return render_template("school/form_page.html", **_edit_ctx(dept, form))
    if not form.validate():
        return invalid("school/form_page.html", "school/_form.html", **_edit_ctx(dept, form))
    with unit_of_work(catch=True) as work:
        services.update_department(current_actor(), dept, **form.department_fields())
    if work.error:
        return invalid("school/form_page.html", "school/_form.html", work.error, **_edit_ctx(dept, form))
    return done(f"Đã lưu tổ {dept.name}.", url_for("school.departments"))
