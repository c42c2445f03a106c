"""Excel export of a grid, and import with a preview (all-or-nothing)."""

from __future__ import annotations

from flask import request, url_for
from werkzeug.wrappers import Response

from app.accounts.session import current_actor
from app.core.authz import ANY_STAFF, Role, allow, require
from app.core.database import unit_of_work
from app.core.routing import Routes
from app.core.xlsx import xlsx_response
from app.gradebook import exports, forms, imports, policy, queries
from app.gradebook.grid import load_grid
from app.gradebook.services import transfer
from app.gradebook.views import common

routes = Routes()


@routes.route("/<int:gradebook_id>/export.xlsx")
@allow(ANY_STAFF)
def export(gradebook_id: int) -> Response:
    user = current_actor()
    handle = queries.get_gradebook_for(user, gradebook_id)
    grid = load_grid(handle)
    name, data = exports.build_xlsx(grid, queries.teacher_name(handle))
    with unit_of_work(fresh=True):  # logged (R23), in a write transaction of its own
        transfer.record_export(user, handle, name, len(grid.rows))
    return xlsx_response(data, name)


@routes.route("/<int:gradebook_id>/import")
@allow(Role.TEACHER)
def import_form(gradebook_id: int) -> Response:
    user = current_actor()
    handle = queries.get_gradebook_for(user, gradebook_id)
    require(policy.can_edit_grid(user, handle.access))
    return common.import_page(handle)


@routes.route("/<int:gradebook_id>/import", methods=["POST"])
@allow(Role.TEACHER)
def import_preview(gradebook_id: int) -> Response:
    """Read the file and show what would change; only the check is recorded here."""
    user = current_actor()
    handle = queries.get_gradebook_for(user, gradebook_id)
    require(policy.can_edit_grid(user, handle.access))
    with common.grid_write(user, handle, "import") as work:
        plan = transfer.check_import(user, handle, request.files.get("file"))
    if isinstance(work.error, imports.ImportFileError):
        return common.import_page(handle, 422, error=work.error.message)
    common.refuse(work)
    token = imports.sign_plan(plan, handle.id, user.id) if plan.ok and plan.cells else None
    return common.import_page(handle, 200 if plan.ok else 422, plan=plan, token=token)


@routes.route("/<int:gradebook_id>/import/confirm", methods=["POST"])
@allow(Role.TEACHER)
def import_confirm(gradebook_id: int) -> Response:
    user = current_actor()
    handle = queries.get_gradebook_for(user, gradebook_id)
    require(policy.can_edit_grid(user, handle.access))
    form = forms.ImportConfirmForm(request.form)
    if not form.validate():
        common.invalid(form)
    with common.grid_write(user, handle, "import") as work:
        changes = transfer.confirm_import(user, handle, form.payload.data)
    common.refuse(work)
    message = f"Đã nhập {len(changes)} ô điểm từ Excel."
    return common.redirect_with(message, url_for("gradebook.grid", gradebook_id=gradebook_id))
