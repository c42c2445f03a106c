"""Record pages: detail, versions card, create, edit, new version, file download."""

from __future__ import annotations

from flask import Response, flash, render_template, request, url_for

from app.accounts.session import current_actor
from app.core.authz import allow
from app.core.database import unit_of_work
from app.core.htmx import page_or_fragment, redirect_to
from app.core.routing import Routes, db_id
from app.records import queries, services, uploads
from app.records.forms import EditRecordForm, NewRecordForm, NewVersionForm
from app.records.models import Record, RecordType
from app.records.views.common import VIEWERS, detail_context, editable_for, file_response, hidden_errors

routes = Routes()
UNKNOWN_TYPE = "Loại hồ sơ không hợp lệ hoặc bạn không lập được loại này. Hãy chọn lại trong danh sách."
Page = tuple[str, int]


@routes.route("/<int:record_id>")
@allow(VIEWERS)
def detail(record_id: int) -> str:
    user = current_actor()
    record = queries.get_for(user, record_id)
    return render_template("records/detail.html", **detail_context(user, record))


@routes.route("/<int:record_id>/versions")
@allow(VIEWERS)
def versions(record_id: int) -> Response:
    """The versions card (refreshed by htmx after each decision)."""
    user = current_actor()
    record = queries.get_for(user, record_id)
    return page_or_fragment("records/detail.html", "records/_versions.html", **detail_context(user, record))


def _new_page(types: list[RecordType], form: NewRecordForm | None, status: int = 200, error: str | None = None) -> Page:
    record_type = form.rules if form is not None else None
    page = render_template("records/new.html", types=types, form=form, record_type=record_type, error=error)
    return page, status


@routes.route("/new", methods=["GET", "POST"])
@allow(VIEWERS)
def new_record() -> Response | Page:
    user = current_actor()
    types = queries.creatable_types(user)
    chosen = request.values.get("type", type=db_id) or request.form.get("record_type", type=db_id)
    record_type = queries.creatable_type(types, chosen)
    if record_type is None:
        if request.method == "POST":
            flash(UNKNOWN_TYPE, "error")
        return _new_page(types, None, 422 if request.method == "POST" else 200)
    form = NewRecordForm.for_type(record_type, queries.assignment_choices(user))
    if not form.is_submitted() or not form.validate():
        return _new_page(types, form, 422 if form.is_submitted() else 200)
    with unit_of_work(catch=True) as work:
        staged = uploads.stage_uploads(form.uploads())
        record = services.create_record(user, record_type, files=staged, **form.creation_fields())
    if work.error:
        return _new_page(types, form, work.error.status, work.error.message)
    flash("Đã nộp hồ sơ để duyệt." if record.state == "submitted" else "Đã lưu bản nháp hồ sơ.", "success")
    return redirect_to(url_for("records.detail", record_id=record.id))


def _edit_page(form: EditRecordForm, record: Record, status: int = 200, error: str | None = None) -> Page:
    return render_template("records/edit.html", form=form, record=record, error=error), status


@routes.route("/<int:record_id>/edit", methods=["GET", "POST"])
@allow(VIEWERS)
def edit(record_id: int) -> Response | Page:
    user = current_actor()
    record = editable_for(user, record_id)
    form = EditRecordForm.of(record)
    if not form.is_submitted() or not form.validate():
        return _edit_page(form, record, 422 if form.is_submitted() else 200, hidden_errors(form))
    with unit_of_work(catch=True) as work:
        services.update_record(user, record, seen_version=form.version.data, **form.record_fields())
    if work.error:
        return _edit_page(form, queries.get_for(user, record_id), work.error.status, work.error.message)
    flash("Đã lưu thay đổi.", "success")
    return redirect_to(url_for("records.detail", record_id=record_id))


def _version_page(form: NewVersionForm, record: Record, status: int = 200, error: str | None = None) -> Page:
    return render_template("records/version_new.html", form=form, record=record, error=error), status


@routes.route("/<int:record_id>/versions/new", methods=["GET", "POST"])
@allow(VIEWERS)
def new_version(record_id: int) -> Response | Page:
    user = current_actor()
    record = editable_for(user, record_id)
    form = NewVersionForm.of(record)
    if not form.is_submitted() or not form.validate():
        return _version_page(form, record, 422 if form.is_submitted() else 200, hidden_errors(form))
    with unit_of_work(catch=True) as work:
        staged = uploads.stage_uploads(form.uploads())
        services.add_version(user, record, files=staged, **form.version_fields())
    if work.error:
        return _version_page(form, queries.get_for(user, record_id), work.error.status, work.error.message)
    flash("Đã lưu phiên bản mới.", "success")
    return redirect_to(url_for("records.detail", record_id=record_id))


@routes.route("/<int:record_id>/files/<int:file_id>")
@allow(VIEWERS)
def download(record_id: int, file_id: int) -> Response:
    """Traced (R23): read first, then the audit event in a fresh write transaction."""
    user = current_actor()
    record, record_file = queries.get_file_for(user, record_id, file_id)
    with unit_of_work(fresh=True):
        path = services.record_download(user, record, record_file)
    return file_response(path, record_file)
