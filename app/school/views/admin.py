"""The admin hub and the school's own information (quản trị writes; BGH reads)."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template, url_for

from app.accounts import queries as accounts_queries
from app.accounts.session import current_actor
from app.core.authz import BGH, Role, allow
from app.core.database import unit_of_work
from app.core.errors import DomainError
from app.core.routing import Routes
from app.school import queries, services
from app.school.forms import SchoolInfoForm
from app.school.views.common import UNBOUND, can_manage, done, invalid

routes = Routes()
READ = (Role.ADMIN, BGH)


@routes.route("/admin")
@allow(*READ)
def admin_index() -> str:
    year = queries.current_year()
    counts = {"staff": accounts_queries.count_active(), **queries.admin_counts(year)}
    return render_template(
        "school/admin_index.html", year=year, school=queries.the_school(), counts=counts, can_manage=can_manage()
    )


def _school_ctx(form: SchoolInfoForm | None) -> dict[str, Any]:
    year = queries.current_year()
    return {
        "school": queries.the_school(),
        "year": year,
        "principal": queries.principal_of(year) if year else None,
        "form": form,
        "can_manage": can_manage(),
        "action": url_for("school.school_info_save"),
        "form_id": "school-form",
        "form_title": "Thông tin trường",
    }


@routes.route("/admin/school")
@allow(*READ)
def school_info() -> str:
    form = SchoolInfoForm(obj=queries.the_school(), **UNBOUND) if can_manage() else None
    return render_template("school/admin_school.html", **_school_ctx(form))


def _school_invalid(form: SchoolInfoForm, error: DomainError | None = None) -> Response:
    return invalid("school/admin_school.html", "school/_form.html", error, **_school_ctx(form))


@routes.route("/admin/school", methods=["POST"])
@allow(Role.ADMIN)
def school_info_save() -> Response:
    form = SchoolInfoForm()
    if not form.validate():
        return _school_invalid(form)
    with unit_of_work(catch=True) as work:
        services.save_school(current_actor(), **form.school_fields())
    if work.error:
        return _school_invalid(form, work.error)
    return done("Đã lưu thông tin trường.", url_for("school.school_info"))
