"""The admin's screen for record types and their approval chains (R14: chains are data)."""

from __future__ import annotations

from flask import Response, flash, render_template, url_for

from app.core.authz import Role, allow
from app.core.htmx import redirect_to
from app.extensions import db
from app.records import catalog, queries
from app.records.forms import RecordTypeForm
from app.records.views import bp, current


@bp.route("/types")
@allow(Role.ADMIN)
def types() -> str:
    return render_template("records/types.html", types=queries.record_types())


def _fields(form: RecordTypeForm, linked_only: bool = False) -> dict:
    return {
        "name": form.name.data,
        "description": form.description.data,
        "chain": form.chain(),
        "made_by": form.made_by.data,
        "deadline_days_before_lesson": form.deadline_days_before_lesson.data,
        "requires_class_subject": True if linked_only else bool(form.requires_class_subject.data),
        "active": bool(form.active.data),
        "sort_order": form.sort_order.data,
    }


@bp.route("/types/new", methods=["GET", "POST"])
@allow(Role.ADMIN)
def type_new() -> Response | tuple[str, int]:
    form = RecordTypeForm()
    error, status = None, 200
    if form.is_submitted():
        status = 422
        if form.validate():
            try:
                record_type = catalog.create_type(
                    current(), code=form.code.data or "", linked_only=False, **_fields(form)
                )
            except catalog.RecordTypeError as exc:
                db.session.rollback()
                error = str(exc)
            else:
                db.session.commit()
                flash(f"Đã tạo loại hồ sơ “{record_type.name}”.", "success")
                return redirect_to(url_for("records.types"))
    return render_template("records/type_form.html", form=form, record_type=None, error=error), status


@bp.route("/types/<int:type_id>/edit", methods=["GET", "POST"])
@allow(Role.ADMIN)
def type_edit(type_id: int) -> Response | tuple[str, int]:
    record_type = queries.get_type(type_id)
    form = RecordTypeForm(obj=record_type)
    if not form.is_submitted():
        steps = list(record_type.chain) + ["", "", ""]
        form.step1.data, form.step2.data, form.step3.data = steps[:3]
    error, status = None, 200
    if form.is_submitted():
        status = 422
        if form.validate():
            try:
                catalog.update_type(current(), record_type, **_fields(form, linked_only=record_type.linked_only))
            except catalog.RecordTypeError as exc:
                db.session.rollback()
                error = str(exc)
            else:
                db.session.commit()
                flash(f"Đã lưu loại hồ sơ “{record_type.name}”.", "success")
                return redirect_to(url_for("records.types"))
    return render_template("records/type_form.html", form=form, record_type=record_type, error=error), status
