"""Excel imports: upload → preview (every row, every error) → confirm → all or nothing.

The uploaded file waits under SODIENTU_DATA_DIR/imports/ keyed by a random token bound
to the uploader (imports.store); confirming re-reads and re-validates it, so nothing
stale or half-checked is ever applied.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.accounts.services import AccountError
from app.core.authz import Role, allow, not_found
from app.core.routing import db_id
from app.extensions import db
from app.school import exports, imports, queries
from app.school.forms import ImportUploadForm, choices
from app.school.imports import store
from app.school.imports.xlsx import FileRejected, ImportOptions, check_xlsx, limit
from app.school.models import SchoolClass
from app.school.services import SchoolError
from app.school.views import bp
from app.school.views.classes import attachment
from app.school.views.common import actor

TEMPLATE_NAMES = {
    "roster": "mau-danh-sach-hoc-sinh.xlsx",
    "staff": "mau-danh-sach-can-bo.xlsx",
    "assignments": "mau-phan-cong-giang-day.xlsx",
}
APPLY_FAILED = (
    "Không nhập được: dữ liệu trong hệ thống vừa thay đổi trong lúc nhập "
    "(ví dụ một mã học sinh hoặc tên đăng nhập vừa được tạo). Không có dòng nào "
    "được lưu. Hãy mở lại trang xem trước để kiểm tra."
)


def _kind(kind: str) -> Any:
    if kind not in imports.KINDS:
        abort(404)
    return imports.KINDS[kind]


def upload_form(kind: str, formdata: Any = ...) -> ImportUploadForm:
    kwargs = {} if formdata is ... else {"formdata": formdata}
    form = ImportUploadForm(prefix=kind, **kwargs)
    year = queries.current_year()
    classes = (
        db.session.scalars(
            select(SchoolClass)
            .where(SchoolClass.year_id == (year.id if year else -1))
            .order_by(SchoolClass.grade_level, SchoolClass.name)
        )
        if kind == "roster"
        else []
    )
    form.class_id.choices = choices([(c.id, c.name) for c in classes], "— theo cột 'Lớp' trong tệp —")
    return form


def _index(
    forms: dict[str, ImportUploadForm] | None = None, status: int = 200, errors: dict[str, str] | None = None
) -> tuple[str, int]:
    forms = forms or {}
    for kind in imports.KINDS:
        forms.setdefault(kind, upload_form(kind, None))
    if "roster" in forms and forms["roster"].class_id.data is None:
        forms["roster"].class_id.data = request.args.get("class_id", type=db_id)
    page = render_template(
        "school/imports.html",
        kinds=imports.KINDS,
        forms=forms,
        errors=errors or {},
        max_mb=limit("MAX_BYTES", 5 * 2**20) // 2**20,
        max_rows=limit("MAX_ROWS", 5000),
        year=queries.current_year(),
    )
    return page, status


@bp.route("/admin/imports")
@allow(Role.ADMIN)
def imports_index() -> tuple[str, int]:
    return _index()


@bp.route("/admin/imports/<kind>/template.xlsx")
@allow(Role.ADMIN)
def import_template(kind: str) -> Response:
    module = _kind(kind)
    data = exports.template_workbook(f"Mẫu nhập: {module.LABEL}", module.COLUMNS, module.NOTES)
    return attachment(data, TEMPLATE_NAMES[kind], TEMPLATE_NAMES[kind])


@bp.route("/admin/imports/<kind>", methods=["POST"])
@allow(Role.ADMIN)
def import_upload(kind: str) -> Response | tuple[str, int]:
    _kind(kind)
    form = upload_form(kind)
    if not form.validate():
        return _index({kind: form}, 422)
    upload = form.file.data
    data = upload.stream.read(limit("MAX_BYTES", 5 * 2**20) + 1)
    try:
        check_xlsx(data)
    except FileRejected as exc:
        return _index({kind: form}, exc.status, {kind: exc.message})
    stored = store.save(actor().id, kind, data, upload.filename or "", form.class_id.data)
    return redirect(url_for("school.import_preview", kind=kind, token=stored.token), code=303)


def _load(kind: str, token: str) -> store.StoredUpload:
    stored = store.load(token, actor().id, kind)
    if stored is None:
        not_found("import", token[:8])
    return stored


def _options(stored: store.StoredUpload) -> ImportOptions:
    return ImportOptions(class_id=stored.class_id)


def _preview_page(
    kind: str, stored: store.StoredUpload, preview: Any, status: int = 200, error: str | None = None
) -> tuple[str, int]:
    school_class = db.session.get(SchoolClass, stored.class_id) if stored.class_id else None
    return render_template(
        "school/import_preview.html",
        kind=kind,
        module=_kind(kind),
        stored=stored,
        preview=preview,
        school_class=school_class,
        error=error,
    ), status


@bp.route("/admin/imports/<kind>/<token>")
@allow(Role.ADMIN)
def import_preview(kind: str, token: str) -> tuple[str, int]:
    _kind(kind)
    stored = _load(kind, token)
    try:
        preview = imports.preview(kind, store.read(stored), _options(stored))
    except FileRejected as exc:
        store.discard(stored)
        return _index(None, exc.status, {kind: exc.message})
    return _preview_page(kind, stored, preview)


@bp.route("/admin/imports/<kind>/<token>", methods=["POST"])
@allow(Role.ADMIN)
def import_confirm(kind: str, token: str) -> tuple[str, int]:
    _kind(kind)
    stored = _load(kind, token)
    try:
        result = imports.run(kind, actor(), store.read(stored), _options(stored), filename=stored.filename)
    except FileRejected as exc:
        store.discard(stored)
        return _index(None, exc.status, {kind: exc.message})
    except imports.ImportRejected as exc:
        db.session.rollback()
        return _preview_page(kind, stored, exc.preview, 422)
    except (SQLAlchemyError, AccountError, SchoolError):  # the data changed under us
        db.session.rollback()
        preview = imports.preview(kind, store.read(stored), _options(stored))
        return _preview_page(kind, stored, preview, 409, APPLY_FAILED)
    db.session.commit()
    store.discard(stored)
    return render_template(
        "school/import_result.html", kind=kind, module=_kind(kind), result=result, stored=stored
    ), 200


@bp.route("/admin/imports/<kind>/<token>/cancel", methods=["POST"])
@allow(Role.ADMIN)
def import_cancel(kind: str, token: str) -> Response:
    _kind(kind)
    store.discard(_load(kind, token))
    return redirect(url_for("school.imports_index"), code=303)
