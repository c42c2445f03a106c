"""The grade grid: the page, one-cell saves (htmx), paste batches, nhận xét, history."""

from __future__ import annotations

from flask import request, url_for
from werkzeug.wrappers import Response

from app.accounts.session import current_actor
from app.core.authz import ANY_STAFF, Role, allow, require
from app.core.htmx import page_or_fragment
from app.core.routing import Routes, db_id
from app.gradebook import forms, policy, queries
from app.gradebook.grid import load_grid
from app.gradebook.services import comments, entry, test_dates
from app.gradebook.values import shown
from app.gradebook.views import common

routes = Routes()


@routes.route("/<int:gradebook_id>")
@allow(ANY_STAFF)
def grid(gradebook_id: int) -> Response:
    user = current_actor()
    handle = queries.get_gradebook_for(user, gradebook_id)
    grid = load_grid(handle)
    can_edit = policy.can_edit_grid(user, handle.access)
    return page_or_fragment(
        "gradebook/grid.html",
        "gradebook/_grid.html",
        grid=grid,
        handle=handle,
        owner=can_edit,
        editable=can_edit and not grid.lock.locked,
    )


@routes.route("/<int:gradebook_id>/cells", methods=["POST"])
@allow(Role.TEACHER)
def save_cell(gradebook_id: int) -> Response:
    user = current_actor()
    handle = queries.get_gradebook_for(user, gradebook_id)
    require(policy.can_edit_grid(user, handle.access))
    form = forms.CellForm(request.form)
    if not form.validate():
        common.invalid(form)
    student = queries.scoped_student(handle, form.student_id.data)
    column = queries.scoped_column(handle, form.column.data)
    typed = form.value.data or ""
    with common.grid_write(user, handle, "cell", {"student_id": student.id, "column": column.key}) as work:
        entry.save_typed_cell(user, handle, student.id, column, typed, form.version.data)
        # rendered inside the transaction (it reads what was just written), then committed:
        # no reload of the expired objects after the commit
        response = common.cell_response(handle, student, column, 200, with_row=True)
    if work.error is not None:
        return common.cell_refused(handle, student, column, typed, work.error)
    return response


@routes.route("/<int:gradebook_id>/cells/batch", methods=["POST"])
@allow(Role.TEACHER)
def save_batch(gradebook_id: int) -> Response:
    """A paste from Excel: every cell valid, in scope and current — or nothing is saved."""
    user = current_actor()
    handle = queries.get_gradebook_for(user, gradebook_id)
    require(policy.can_edit_grid(user, handle.access))
    form = forms.BatchForm(request.form)
    if not form.validate():
        common.invalid(form)
    scoped = queries.scoped_writes(handle, form.items)  # one foreign student or column: 404
    changes: list[entry.Change] = []
    with common.grid_write(user, handle, "batch", {"cells": len(scoped)}) as work:
        changes = entry.save_paste(user, handle, scoped)
    return common.batch_response(handle, work, len(changes))


@routes.route("/<int:gradebook_id>/comments", methods=["POST"])
@allow(Role.TEACHER)
def save_comment(gradebook_id: int) -> Response:
    user = current_actor()
    handle = queries.get_gradebook_for(user, gradebook_id)
    require(policy.can_edit_grid(user, handle.access))
    form = forms.CommentForm(request.form)
    student = common.form_student(handle, form)
    if not form.validate():
        typed = (form.text.data or "", form.version.data or 0)
        return common.remark_response(handle, student, 422, error=common.form_errors(form), typed=typed)
    with common.grid_write(user, handle, "comment", {"student_id": student.id}) as work:
        comments.save_comment(user, handle, student.id, form.text.data, form.version.data)
    return common.remark_after(handle, student, work)


@routes.route("/<int:gradebook_id>/tx-dates", methods=["POST"])
@allow(Role.TEACHER)
def set_tx_date(gradebook_id: int) -> Response:
    """The test date of an ĐĐGtx column (the monthly reports count its scores in that month)."""
    user = current_actor()
    handle = queries.get_gradebook_for(user, gradebook_id)
    require(policy.can_edit_grid(user, handle.access))
    form = forms.TxDateForm(request.form)
    if not form.validate():
        common.invalid(form)
    column = queries.scoped_column(handle, form.column.data)
    with common.grid_write(user, handle, "tx_date", {"column": column.key}) as work:
        test_dates.set_tx_date(user, handle, column, form.day.data)
    common.refuse(work)
    message = f"Đã lưu ngày kiểm tra của cột {column.long_label}."
    return common.redirect_with(message, url_for("gradebook.grid", gradebook_id=handle.id))


@routes.route("/<int:gradebook_id>/history")
@allow(ANY_STAFF)
def history(gradebook_id: int) -> Response:
    handle = queries.get_gradebook_for(current_actor(), gradebook_id)
    student_id = request.args.get("student_id", type=db_id)
    entries = queries.history_of(handle, student_id)
    names = {s.id: s.full_name for s in queries.class_students(handle.school_class.id)}
    return page_or_fragment(
        "gradebook/history.html",
        "gradebook/_history.html",
        handle=handle,
        entries=entries,
        names=names,
        shown=shown,
        student_id=student_id,
    )
