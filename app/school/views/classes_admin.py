"""Classes of a year with their GVCN: list, create, and the GVCN cell (quản trị writes; BGH reads)."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template, request, url_for
from wtforms.fields.choices import SelectChoice

from app.accounts.session import current_actor
from app.core.authz import BGH, Role, allow
from app.core.database import unit_of_work
from app.core.forms import choices
from app.core.htmx import is_htmx, render_fragment
from app.core.routing import Routes, db_id
from app.school import queries, services
from app.school.forms import ClassForm, HomeroomForm
from app.school.models import SchoolClass, SchoolYear
from app.school.views.common import UNBOUND, bound, can_manage, done, invalid, staff_choices

routes = Routes()
READ = (Role.ADMIN, BGH)
NO_HOMEROOM = "— chưa có GVCN —"


def class_form(year: SchoolYear | None, formdata: bool = True) -> ClassForm:
    form = ClassForm(**bound(formdata))
    form.year_id.choices = choices([(y.id, y.name) for y in queries.all_years()])
    if year is not None and form.year_id.data is None:
        form.year_id.data = year.id
    form.homeroom_teacher_id.choices = staff_choices()
    return form


def homeroom_form(school_class: SchoolClass, teachers: list[SelectChoice], formdata: bool = False) -> HomeroomForm:
    """The GVCN cell: the stored value, or (formdata) what the POST says — and only that."""
    prefix = f"class{school_class.id}"
    form = HomeroomForm(prefix=prefix) if formdata else HomeroomForm(obj=school_class, prefix=prefix, **UNBOUND)
    form.homeroom_teacher_id.choices = teachers
    return form


def _list_ctx(year: SchoolYear | None, form: ClassForm | None = None) -> dict[str, Any]:
    manage = can_manage()
    classes = queries.classes_of_year(year)
    teachers = staff_choices(NO_HOMEROOM) if manage else []
    return {
        "year": year,
        "years": queries.all_years(),
        "classes": classes,
        "can_manage": manage,
        "homeroom_forms": {c.id: homeroom_form(c, teachers) for c in classes} if manage else {},
        "form": form or (class_form(year, formdata=False) if manage and year else None),
        "action": url_for("school.class_create"),
        "form_id": "class-form",
        "form_title": "Thêm lớp",
        "submit": "Thêm lớp",
    }


@routes.route("/admin/classes")
@allow(*READ)
def classes_admin() -> str:
    year = queries.year_or_current(request.args.get("year", type=db_id))
    return render_template("school/admin_classes.html", **_list_ctx(year))


@routes.route("/admin/classes", methods=["POST"])
@allow(Role.ADMIN)
def class_create() -> Response:
    form = class_form(None)
    year = queries.find_year(form.year_id.data)
    if not form.validate() or year is None:
        return invalid("school/admin_classes.html", "school/_form.html", **_list_ctx(year, form))
    with unit_of_work(catch=True) as work:
        cls = services.create_class(
            current_actor(), year, form.name.data, form.grade_level.data, form.homeroom_teacher_id.data
        )
    if work.error:
        return invalid("school/admin_classes.html", "school/_form.html", work.error, **_list_ctx(year, form))
    return done(f"Đã thêm lớp {cls.name}.", url_for("school.classes_admin", year=year.id))


@routes.route("/admin/classes/<int:class_id>/homeroom", methods=["POST"])
@allow(Role.ADMIN)
def class_homeroom(class_id: int) -> Response:
    cls = queries.get_class(class_id)
    form = homeroom_form(cls, staff_choices(NO_HOMEROOM), formdata=True)
    if not form.validate():
        ctx = {**_list_ctx(cls.year), "c": cls, "hform": form}
        ctx["homeroom_forms"][cls.id] = form  # the page shows this cell with its error
        return invalid("school/admin_classes.html", "school/_homeroom_cell.html", **ctx)
    with unit_of_work():
        services.set_homeroom_teacher(current_actor(), cls, form.homeroom_teacher_id.data)
    if not is_htmx():
        return done(f"Đã lưu GVCN lớp {cls.name}.", url_for("school.classes_admin", year=cls.year_id))
    return render_fragment("school/_homeroom_cell.html", trigger="homeroomSaved", c=cls, hform=form, saved=True)
