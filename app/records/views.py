"""Record pages: create, detail, edit, new version, file download (blueprint "records").

Actions (submit/approve/return/…) are in views_actions.py, dashboards in views_dash.py,
the admin's record types in views_types.py; all register on this blueprint.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from app.audit import queries as audit_queries
from app.audit import registry
from app.core.authz import BGH, Role, allow, require
from app.core.database import intend_write
from app.core.htmx import page_or_fragment, redirect_to
from app.core.routing import db_id
from app.core.workflow import WorkflowConflict
from app.extensions import db
from app.records import dashboards, policy, queries, services, timeline, uploads
from app.records.forms import (
    CommentForm,
    DecisionForm,
    EditRecordForm,
    NewRecordForm,
    NewVersionForm,
    ReturnForm,
    choices,
)
from app.records.models import Record
from app.records.services import RecordError
from app.school.queries import current_year

bp = Blueprint("records", __name__, url_prefix="/records")


@bp.record_once
def _tell_audit(state: BlueprintSetupState) -> None:
    registry.register_subject(
        state.app, registry.SubjectKind("record", queries.get_for, queries.links, timeline.describe)
    )
    registry.register_actions(state.app, services.ACTION_LABELS, services.FEED_ACTIONS)


VIEWERS = frozenset({Role.TEACHER, Role.HEAD}) | BGH
REVIEWERS = frozenset({Role.HEAD}) | BGH
FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "Cache-Control": "private, no-store",
}


def current() -> Any:
    return current_user._get_current_object()


def detail_context(user: Any, record: Record, **extra: Any) -> dict[str, Any]:
    return {
        "record": record,
        "today": dashboards.local_today(),
        "can": {
            "edit": policy.can_edit(user, record),
            "submit": policy.can_submit(user, record),
            "withdraw": policy.can_withdraw(user, record),
            "review": policy.can_review(user, record),
            "delete": policy.can_delete(user, record),
            "comment": policy.can_comment(user, record),
        },
        "decision_form": extra.pop("decision_form", None) or DecisionForm(formdata=None),
        "return_form": extra.pop("return_form", None) or ReturnForm(formdata=None),
        "comment_form": extra.pop("comment_form", None) or CommentForm(formdata=None),
        "events": audit_queries.timeline(record),
        **extra,
    }


def _chosen_files(field: Any) -> list[Any]:
    return [f for f in (field.data or []) if isinstance(f, FileStorage) and f.filename]


@bp.route("/<int:record_id>")
@allow(VIEWERS)
def detail(record_id: int) -> str:
    user = current()
    record = queries.get_for(user, record_id)
    return render_template("records/detail.html", **detail_context(user, record))


@bp.route("/<int:record_id>/versions")
@allow(VIEWERS)
def versions(record_id: int) -> Response:
    """The versions card (refreshed by htmx after each decision)."""
    record = queries.get_for(current(), record_id)
    return page_or_fragment("records/detail.html", "records/_versions.html", **detail_context(current(), record))


@bp.route("/new", methods=["GET", "POST"])
@allow(VIEWERS)
def new_record() -> Response | tuple[str, int]:
    user = current()
    types = queries.creatable_types(user)
    type_id = request.values.get("type", type=db_id) or request.form.get("record_type", type=db_id)
    record_type = next((t for t in types if t.id == type_id), None)
    if record_type is None:
        status = 422 if request.method == "POST" else 200
        return render_template("records/new.html", types=types, form=None), status
    form = NewRecordForm()
    year = current_year()
    form.set_assignments(queries.teaching_choices(user, year.id if year else None))
    form.record_type.data = str(record_type.id)
    error, status = None, 200
    if request.method == "POST":
        status = 422
        files = _chosen_files(form.files)
        valid = form.validate()
        if _fields_ok(form, record_type, files) and valid:
            class_id, subject_id = form.class_subject()
            try:
                stored = uploads.store_uploads(files)
                record = services.create_record(
                    user,
                    record_type,
                    title=form.title.data,
                    files=stored,
                    submit=request.form.get("action") == "submit",
                    class_id=class_id,
                    subject_id=subject_id,
                    week=form.week.data,
                    lesson_no=form.lesson_no.data,
                    lesson_date=form.lesson_date.data,
                    notes=form.notes.data,
                )
            except uploads.UploadError as exc:
                error, status = exc.message, exc.status
            except RecordError as exc:
                error = str(exc)
            else:
                db.session.commit()
                flash("Đã nộp hồ sơ để duyệt." if record.state == "submitted" else "Đã lưu bản nháp hồ sơ.", "success")
                return redirect_to(url_for("records.detail", record_id=record.id))
            db.session.rollback()
    return render_template("records/new.html", types=types, form=form, record_type=record_type, error=error), status


def _fields_ok(form: NewRecordForm, record_type: Any, files: list[Any]) -> bool:
    ok = True
    if record_type.requires_class_subject and not form.assignment.data:
        form.assignment.errors = ["Vui lòng chọn lớp và môn bạn dạy."]
        ok = False
    if record_type.deadline_days_before_lesson is not None and not form.lesson_date.data:
        form.lesson_date.errors = ["Vui lòng nhập ngày dạy để tính hạn nộp."]
        ok = False
    if not files:
        form.files.errors = ["Cần đính kèm ít nhất một tệp (PDF, DOCX, XLSX hoặc PPTX)."]
        ok = False
    return ok


@bp.route("/<int:record_id>/edit", methods=["GET", "POST"])
@allow(VIEWERS)
def edit(record_id: int) -> Response | tuple[str, int]:
    user = current()
    record = queries.get_for(user, record_id)
    if record.state not in policy.EDITABLE:
        abort(409, description=services.LOCKED)
    require(policy.can_edit(user, record))
    form = EditRecordForm(obj=record if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = record.version
    error, status = None, 200
    if request.method == "POST":
        status = 422
        if form.validate():
            try:
                services.update_record(
                    user,
                    record,
                    seen_version=form.version.data,
                    title=form.title.data,
                    week=form.week.data,
                    lesson_no=form.lesson_no.data,
                    lesson_date=form.lesson_date.data,
                    notes=form.notes.data,
                )
            except WorkflowConflict as exc:
                error, status = exc.message, 409
            except RecordError as exc:
                error = str(exc)
            else:
                db.session.commit()
                flash("Đã lưu thay đổi.", "success")
                return redirect_to(url_for("records.detail", record_id=record.id))
            db.session.rollback()
            record = queries.get_for(user, record_id)
    return render_template("records/edit.html", form=form, record=record, error=error), status


@bp.route("/<int:record_id>/versions/new", methods=["GET", "POST"])
@allow(VIEWERS)
def new_version(record_id: int) -> Response | tuple[str, int]:
    user = current()
    record = queries.get_for(user, record_id)
    if record.state not in policy.EDITABLE:
        abort(409, description=services.LOCKED)
    require(policy.can_edit(user, record))
    form = NewVersionForm()
    current_files = record.current_version.files if record.current_version else []
    form.keep.choices = choices([(f.id, f.original_name) for f in current_files])
    if request.method == "GET":
        form.version.data = record.version
    error, status = None, 200
    if request.method == "POST":
        status = 422
        files = _chosen_files(form.files)
        if form.validate():
            try:
                stored = uploads.store_uploads(files)
                services.add_version(
                    user,
                    record,
                    seen_version=form.version.data,
                    files=stored,
                    keep_file_ids=form.keep.data or [],
                    note=form.note.data,
                    submit=request.form.get("action") == "submit",
                )
            except uploads.UploadError as exc:
                error, status = exc.message, exc.status
            except WorkflowConflict as exc:
                error, status = exc.message, 409
            except RecordError as exc:
                error = str(exc)
            else:
                db.session.commit()
                flash("Đã lưu phiên bản mới.", "success")
                return redirect_to(url_for("records.detail", record_id=record.id))
            db.session.rollback()
            record = queries.get_for(user, record_id)
    return render_template("records/version_new.html", form=form, record=record, error=error), status


@bp.route("/<int:record_id>/files/<int:file_id>")
@allow(VIEWERS)
def download(record_id: int, file_id: int) -> Response:
    """Only as an attachment, never rendered: nosniff, sandbox CSP, no caching (test 32)."""
    db.session.rollback()
    intend_write()  # the download is audited: start a write transaction
    user = current()
    record, record_file = queries.get_file_for(user, record_id, file_id)
    path = uploads.blob_path(record_file.sha256)
    if not path.is_file():
        current_app.logger.error("stored file missing: %s", record_file.sha256)
        abort(404)
    services.record_download(user, record, record_file)
    db.session.commit()
    response = send_file(
        path,
        mimetype=record_file.mime,
        as_attachment=True,
        download_name=record_file.original_name,
        conditional=False,
        etag=False,
        max_age=0,
    )
    response.headers["Content-Disposition"] = uploads.content_disposition(record_file.original_name)
    response.headers.update(FILE_HEADERS)
    return response


from app.records import views_actions, views_dash, views_types  # noqa: E402,F401  (routes)
