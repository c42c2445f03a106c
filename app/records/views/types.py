"""The admin's screen for record types and their approval chains (R14: chains are data)."""

from __future__ import annotations

from flask import Response, flash, render_template, url_for

from app.accounts.session import current_actor
from app.core.authz import Role, allow
from app.core.database import unit_of_work
from app.core.htmx import redirect_to
from app.core.routing import Routes
from app.records import queries, services
from app.records.forms import EditRecordTypeForm, NewRecordTypeForm
from app.records.models import RecordType

routes = Routes()
Page = tuple[str, int]


@routes.route("/types")
@allow(Role.ADMIN)
def types() -> str:
    return render_template("records/types.html", types=queries.record_types())


def _form_page(
    form: NewRecordTypeForm | EditRecordTypeForm, record_type: RecordType | None, status: int, error: str | None = None
) -> Page:
    return render_template("records/type_form.html", form=form, record_type=record_type, error=error), status


@routes.route("/types/new", methods=["GET", "POST"])
@allow(Role.ADMIN)
def type_new() -> Response | Page:
    form = NewRecordTypeForm()
    if not form.is_submitted() or not form.validate():
        return _form_page(form, None, 422 if form.is_submitted() else 200)
    with unit_of_work(catch=True) as work:
        record_type = services.create_type(
            current_actor(), code=form.code.data or "", linked_only=False, **form.type_fields()
        )
    if work.error:
        return _form_page(form, None, work.error.status, work.error.message)
    flash(f"Đã tạo loại hồ sơ “{record_type.name}”.", "success")
    return redirect_to(url_for("records.types"))


@routes.route("/types/<int:type_id>/edit", methods=["GET", "POST"])
@allow(Role.ADMIN)
def type_edit(type_id: int) -> Response | Page:
    record_type = queries.get_type(type_id)
    form = EditRecordTypeForm.of(record_type)
    if not form.is_submitted() or not form.validate():
        return _form_page(form, record_type, 422 if form.is_submitted() else 200)
    with unit_of_work(catch=True) as work:
        services.update_type(current_actor(), record_type, **form.type_fields(linked_only=record_type.linked_only))
    if work.error:
        return _form_page(form, queries.get_type(type_id), work.error.status, work.error.message)
    flash(f"Đã lưu loại hồ sơ “{record_type.name}”.", "success")
    return redirect_to(url_for("records.types"))
