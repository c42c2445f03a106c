"""Excel export of a grid, and import with a preview (all-or-nothing)."""

from __future__ import annotations

import hashlib

from flask import abort, flash, make_response, render_template, request, url_for
from werkzeug.wrappers import Response

from app.audit import services as audit
from app.core.authz import ANY_STAFF, Role, allow, not_found, require
from app.core.database import intend_write
from app.core.htmx import redirect_to
from app.extensions import db
from app.gradebook import exports, forms, imports, locking, policy, queries
from app.gradebook.grid import load_grid
from app.gradebook.services import entry
from app.gradebook.values import CellError, parse_cell
from app.gradebook.views import bp, form_errors, me
from app.gradebook.views_grid import reject_locked, scoped_column

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/<int:gradebook_id>/export.xlsx")
@allow(ANY_STAFF)
def export(gradebook_id: int) -> Response:
    intend_write()  # the export is logged (R23)
    user = me()
    handle = queries.get_gradebook_for(user, gradebook_id)
    grid = load_grid(handle)
    teacher = db.session.get(type(user), handle.access.teacher_id) if handle.access.teacher_id else None
    name, data = exports.build_xlsx(grid, teacher.full_name if teacher else None)
    audit.record(user, "gradebook.exported", handle.gradebook, changes={"rows": len(grid.rows), "file": name})
    db.session.commit()
    response = make_response(data)
    response.headers["Content-Type"] = XLSX
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:gradebook_id>/import")
@allow(Role.TEACHER)
def import_form(gradebook_id: int) -> str:
    user = me()
    handle = queries.get_gradebook_for(user, gradebook_id)
    require(policy.can_edit_grid(user, handle.access))
    return render_template("gradebook/import.html", handle=handle, plan=None, token=None, error=None)


@bp.route("/<int:gradebook_id>/import", methods=["POST"])
@allow(Role.TEACHER)
def import_preview(gradebook_id: int) -> tuple[str, int]:
    """Read the file and show what would change; nothing is saved here."""
    user = me()
    handle = queries.get_gradebook_for(user, gradebook_id)
    require(policy.can_edit_grid(user, handle.access))
    grid = load_grid(handle)
    if grid.lock.locked:
        reject_locked(handle, locking.GridLocked(grid.lock), "import")
        abort(409, description=grid.lock.message)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise imports.ImportFileError("Chọn tệp Excel (.xlsx) để nhập.")
        data = upload.stream.read(imports.MAX_BYTES + 1)
        plan = imports.read_sheet(data, grid)
    except imports.ImportFileError as exc:
        return render_template("gradebook/import.html", handle=handle, plan=None, token=None, error=str(exc)), 422
    token = imports.sign_plan(plan, handle.id, user.id) if plan.ok and plan.cells else None
    # the upload is logged (what was checked, not saved: saving is import_confirm)
    audit.record(
        user,
        "gradebook.import_checked",
        handle.gradebook,
        changes={"rows": plan.rows_read, "cells": len(plan.cells), "errors": len(plan.errors)},
        file_sha256=hashlib.sha256(data).hexdigest(),
    )
    db.session.commit()
    return render_template(
        "gradebook/import.html", handle=handle, plan=plan, token=token, error=None
    ), 200 if plan.ok else 422


@bp.route("/<int:gradebook_id>/import/confirm", methods=["POST"])
@allow(Role.TEACHER)
def import_confirm(gradebook_id: int) -> Response:
    user = me()
    handle = queries.get_gradebook_for(user, gradebook_id)
    require(policy.can_edit_grid(user, handle.access))
    form = forms.ImportConfirmForm(request.form)
    if not form.validate():
        abort(422, description=form_errors(form))
    try:
        items = imports.load_plan(form.payload.data, handle.id, user.id)
        class_ids = queries.class_student_ids(handle.school_class.id)
        writes = []
        for student_id, column_text, raw, version in items:
            if student_id not in class_ids:  # a signed plan cannot name one, but never trust
                not_found("student", student_id)
            column = scoped_column(handle, column_text)
            writes.append(entry.CellWrite(student_id, column, parse_cell(raw, handle.subject.is_comment), version))
        changes = entry.save_batch(
            user,
            handle,
            writes,
            source="import",
            action="grade.imported",
            comment=f"Nhập từ Excel: {len(writes)} ô.",
        )
    except (imports.ImportFileError, CellError) as exc:
        abort(422, description=str(exc))
    except locking.GridLocked as exc:
        reject_locked(handle, exc, "import")
        abort(409, description=exc.lock.message)
    except entry.BatchConflict as exc:
        db.session.rollback()
        abort(
            409,
            description=f"{len(exc.conflicts)} ô đã được sửa sau khi xem trước; chưa ô nào "
            "được nhập. Hãy tải tệp lên lại để xem giá trị mới.",
        )
    db.session.commit()
    flash(f"Đã nhập {len(changes)} ô điểm từ Excel.", "success")
    return redirect_to(url_for("gradebook.grid", gradebook_id=handle.id))
