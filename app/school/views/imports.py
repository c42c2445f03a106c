"""Excel imports: upload → preview (every row, every error) → confirm → all or nothing.

The uploaded file waits under SODIENTU_DATA_DIR/imports/ keyed by a random token bound
to the uploader (imports.store); confirming re-reads and re-validates it, so nothing
stale or half-checked is ever applied.
"""

from __future__ import annotations

from types import ModuleType

from flask import Response, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from app.accounts.session import current_actor
from app.core.authz import Role, allow, not_found
from app.core.database import unit_of_work
from app.core.errors import DomainError
from app.core.forms import choices
from app.core.routing import Routes, db_id
from app.core.xlsx import SpreadsheetRejected, xlsx_response
from app.school import exports, imports, queries
from app.school.forms import ImportUploadForm
from app.school.imports import store
from app.school.imports.xlsx import MAX_BYTES, MAX_ROWS, ImportOptions, Preview, limit
from app.school.views.common import UNBOUND

routes = Routes()
TEMPLATE_NAMES = {
    "roster": "mau-danh-sach-hoc-sinh.xlsx",
    "staff": "mau-danh-sach-can-bo.xlsx",
    "assignments": "mau-phan-cong-giang-day.xlsx",
}
Page = tuple[str, int]


def _kind(kind: str) -> ModuleType:
    if kind not in imports.KINDS:
        abort(404)
    return imports.KINDS[kind]


def upload_form(kind: str, formdata: bool = True) -> ImportUploadForm:
    form = ImportUploadForm(prefix=kind, **({} if formdata else UNBOUND))
    classes = queries.classes_of_year(queries.current_year()) if kind == "roster" else []
    form.class_id.choices = choices([(c.id, c.name) for c in classes], "— theo cột 'Lớp' trong tệp —")
    return form


def _index(
    forms: dict[str, ImportUploadForm] | None = None, status: int = 200, errors: dict[str, str] | None = None
) -> Page:
    forms = forms or {}
    for kind in imports.KINDS:
        forms.setdefault(kind, upload_form(kind, formdata=False))
    if "roster" in forms and forms["roster"].class_id.data is None:
        forms["roster"].class_id.data = request.args.get("class_id", type=db_id)
    page = render_template(
        "school/imports.html",
        kinds=imports.KINDS,
        forms=forms,
        errors=errors or {},
        max_mb=limit("MAX_BYTES", MAX_BYTES) // 2**20,
        max_rows=limit("MAX_ROWS", MAX_ROWS),
        year=queries.current_year(),
    )
    return page, status


def _file_refused(kind: str, error: DomainError, forms: dict[str, ImportUploadForm] | None = None) -> Page:
    return _index(forms, error.status, {kind: error.message})


@routes.route("/admin/imports")
@allow(Role.ADMIN)
def imports_index() -> Page:
    return _index()


@routes.route("/admin/imports/<kind>/template.xlsx")
@allow(Role.ADMIN)
def import_template(kind: str) -> Response:
    module = _kind(kind)
    return xlsx_response(
        exports.template_workbook(f"Mẫu nhập: {module.LABEL}", module.COLUMNS, module.NOTES), TEMPLATE_NAMES[kind]
    )


@routes.route("/admin/imports/<kind>", methods=["POST"])
@allow(Role.ADMIN)
def import_upload(kind: str) -> WerkzeugResponse | Page:
    _kind(kind)
    form = upload_form(kind)
    if not form.validate():
        return _index({kind: form}, 422)
    try:
        stored = imports.receive(current_actor(), kind, form.file.data, form.class_id.data)
    except SpreadsheetRejected as exc:
        return _file_refused(kind, exc, {kind: form})
    return redirect(url_for("school.import_preview", kind=kind, token=stored.token), code=303)


def _load(kind: str, token: str) -> store.StoredUpload:
    stored = store.load(token, current_actor().id, kind)
    if stored is None:
        not_found("import", token[:8])
    return stored


def _options(stored: store.StoredUpload) -> ImportOptions:
    return ImportOptions(class_id=stored.class_id)


def _preview_page(
    kind: str, stored: store.StoredUpload, preview: Preview, status: int = 200, error: str | None = None
) -> Page:
    return render_template(
        "school/import_preview.html",
        kind=kind,
        module=_kind(kind),
        stored=stored,
        preview=preview,
        school_class=queries.find_class(stored.class_id),
        error=error,
    ), status


@routes.route("/admin/imports/<kind>/<token>")
@allow(Role.ADMIN)
def import_preview(kind: str, token: str) -> Page:
    _kind(kind)
    stored = _load(kind, token)
    try:
        checked = imports.preview(kind, store.read(stored), _options(stored))
    except SpreadsheetRejected as exc:
        store.discard(stored)
        return _file_refused(kind, exc)
    return _preview_page(kind, stored, checked)


def _confirm_refused(kind: str, stored: store.StoredUpload, error: DomainError) -> Page:
    """Rows with errors: the preview (422); the data changed meanwhile: a fresh preview (409);
    the file itself unreadable: the upload is dropped and the import page says why."""
    if isinstance(error, imports.ImportRejected):
        return _preview_page(kind, stored, error.preview, 422)
    if isinstance(error, imports.ImportConflict):
        fresh = imports.preview(kind, store.read(stored), _options(stored))
        return _preview_page(kind, stored, fresh, error.status, error.message)
    store.discard(stored)
    return _file_refused(kind, error)


@routes.route("/admin/imports/<kind>/<token>", methods=["POST"])
@allow(Role.ADMIN)
def import_confirm(kind: str, token: str) -> Page:
    module = _kind(kind)
    stored = _load(kind, token)
    with unit_of_work(catch=True) as work:
        result = imports.run(kind, current_actor(), store.read(stored), _options(stored), filename=stored.filename)
    if work.error:
        return _confirm_refused(kind, stored, work.error)
    store.discard(stored)
    return render_template("school/import_result.html", kind=kind, module=module, result=result, stored=stored), 200


@routes.route("/admin/imports/<kind>/<token>/cancel", methods=["POST"])
@allow(Role.ADMIN)
def import_cancel(kind: str, token: str) -> WerkzeugResponse:
    _kind(kind)
    store.discard(_load(kind, token))
    return redirect(url_for("school.imports_index"), code=303)
