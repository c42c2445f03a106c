"""The grade grid: page, one-cell saves (htmx), paste batches, nhận xét, history."""

from __future__ import annotations

from typing import Any

from flask import abort, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app.core.authz import ANY_STAFF, Role, allow, not_found, require
from app.core.htmx import page_or_fragment, render_fragment
from app.core.routing import db_id
from app.extensions import db
from app.gradebook import forms, locking, policy, queries
from app.gradebook.grid import load_grid, row_after_save
from app.gradebook.models import ScoreHistory
from app.gradebook.services import comments, entry
from app.gradebook.values import CellError, Column, parse_cell, parse_column, shown
from app.gradebook.views import bp, form_errors, me
from app.school.models import Enrollment, Student


def scoped_student(handle: Any, student_id: int) -> Student:
    """A student of this grade book's class, or 404 (+ authz.denied naming the id)."""
    student = db.session.scalars(
        select(Student)
        .join(Enrollment, Enrollment.student_id == Student.id)
        .where(Student.id == student_id, Enrollment.class_id == handle.school_class.id)
    ).first()
    if student is None:
        not_found("student", student_id)
    return student


def scoped_column(handle: Any, text: str) -> Column:
    from app.gradebook.grid import regular_count

    column = parse_column(text, regular_count(handle.subject, handle.school_class.grade_level))
    if column is None:
        not_found("gradebook_column", f"{handle.id}:{text}")
    return column


def reject_locked(handle: Any, exc: locking.GridLocked, attempt: str, detail: dict | None = None) -> None:
    """Nothing of the refused write survives; one `grade.write_rejected_locked` row does."""
    db.session.rollback()
    locking.record_locked_rejection(me(), handle.gradebook, attempt, exc.lock, detail)
    db.session.commit()


def _cell(
    handle: Any,
    student: Student,
    column: Column,
    status: int,
    *,
    text: str | None = None,
    error: str | None = None,
    with_row: bool = False,
) -> Response:
    current = entry.current_cell(handle.id, student.id, column)
    if text is None:
        text = shown(current.value, current.comment) if current else ""
    ctx: dict[str, Any] = {
        "handle": handle,
        "student": student,
        "column": column,
        "text": text,
        "version": current.version if current else 0,
        "error": error,
        "editable": True,
        "state": {200: "saved", 409: "conflict"}.get(status, "invalid"),
    }
    if with_row:
        ctx["row"] = row_after_save(handle, student.id)
    return render_fragment("gradebook/_cell_response.html", status, **ctx)


@bp.route("/<int:gradebook_id>")
@allow(ANY_STAFF)
def grid(gradebook_id: int) -> Response:
    user = me()
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


@bp.route("/<int:gradebook_id>/cells", methods=["POST"])
@allow(Role.TEACHER)
def save_cell(gradebook_id: int) -> Response:
    user = me()
    handle = queries.get_gradebook_for(user, gradebook_id)
    require(policy.can_edit_grid(user, handle.access))
    form = forms.CellForm(request.form)
    if not form.validate():
        abort(422, description=form_errors(form))
    student = scoped_student(handle, form.student_id.data)
    column = scoped_column(handle, form.column.data)
    try:
        cell = parse_cell(form.value.data, handle.subject.is_comment)
    except CellError as exc:
        return _cell(handle, student, column, 422, text=form.value.data, error=str(exc))
    write = entry.CellWrite(student.id, column, cell, form.version.data)
    try:
        entry.save_cell(user, handle, write)
    except locking.GridLocked as exc:
        reject_locked(handle, exc, "cell", {"student_id": student.id, "column": column.key})
        return _cell(handle, student, column, 409, error=exc.lock.message)
    except entry.CellConflict as conflict:
        db.session.rollback()
        now = shown(conflict.current.value, conflict.current.comment) if conflict.current else ""
        return _cell(
            handle,
            student,
            column,
            409,
            error=(
                f"Ô này vừa được sửa ở nơi khác thành “{now or 'trống'}”; giá trị bạn nhập "
                f"(“{form.value.data}”) chưa được lưu. Nhập lại nếu vẫn muốn đổi."
            ),
        )
    # rendered inside the transaction (it reads what was just written), then committed:
    # no reload of the expired objects after the commit
    response = _cell(handle, student, column, 200, with_row=True)
    db.session.commit()
    return response


@bp.route("/<int:gradebook_id>/cells/batch", methods=["POST"])
@allow(Role.TEACHER)
def save_batch(gradebook_id: int) -> Response:
    """A paste from Excel: every cell valid, in scope and current — or nothing is saved."""
    user = me()
    handle = queries.get_gradebook_for(user, gradebook_id)
    require(policy.can_edit_grid(user, handle.access))
    form = forms.BatchForm(request.form)
    if not form.validate():
        abort(422, description=form_errors(form))
    class_ids = queries.class_student_ids(handle.school_class.id)
    writes, errors = [], {}
    for student_id, column_text, value, version in form.items:
        if student_id not in class_ids:
            not_found("student", student_id)
        column = scoped_column(handle, column_text)
        try:
            writes.append(entry.CellWrite(student_id, column, parse_cell(value, handle.subject.is_comment), version))
        except CellError as exc:
            errors[(student_id, column.key)] = (value, str(exc))
    if errors:
        return _grid_response(
            handle,
            422,
            errors=errors,
            message=f"Có {len(errors)} ô không hợp lệ; chưa ô nào được lưu. Sửa các ô tô đỏ rồi dán lại.",
        )
    try:
        changes = entry.save_batch(user, handle, writes)
    except locking.GridLocked as exc:
        reject_locked(handle, exc, "batch", {"cells": len(writes)})
        return _grid_response(handle, 409, message=exc.lock.message)
    except entry.BatchConflict as exc:
        db.session.rollback()
        stale = {(c.student_id, c.column.key): (None, "Ô này vừa được sửa ở nơi khác.") for c in exc.conflicts}
        return _grid_response(
            handle,
            409,
            errors=stale,
            message=f"{len(stale)} ô vừa được sửa ở nơi khác; chưa ô nào được lưu. "
            "Kiểm tra giá trị hiện tại rồi dán lại.",
        )
    db.session.commit()
    return _grid_response(handle, 200, message=f"Đã lưu {len(changes)} ô.", ok=True)


def _grid_response(
    handle: Any, status: int, *, errors: dict | None = None, message: str = "", ok: bool = False
) -> Response:
    grid = load_grid(handle)
    return render_fragment(
        "gradebook/_grid.html",
        status,
        grid=grid,
        handle=handle,
        owner=True,
        editable=not grid.lock.locked,
        errors=errors or {},
        message=message,
        message_ok=ok,
    )


@bp.route("/<int:gradebook_id>/comments", methods=["POST"])
@allow(Role.TEACHER)
def save_comment(gradebook_id: int) -> Response:
    user = me()
    handle = queries.get_gradebook_for(user, gradebook_id)
    require(policy.can_edit_grid(user, handle.access))
    form = forms.CommentForm(request.form)
    if form.student_id.data is None:
        abort(422, description=form_errors(form) if not form.validate() else "Thiếu học sinh.")
    student = scoped_student(handle, form.student_id.data)
    ctx: dict[str, Any] = {
        "handle": handle,
        "student": student,
        "text": form.text.data or "",
        "version": form.version.data or 0,
    }
    if not form.validate():
        return render_fragment("gradebook/_remark.html", 422, error=form_errors(form), **ctx)
    try:
        saved = comments.save_comment(user, handle, student.id, form.text.data, form.version.data)
    except locking.GridLocked as exc:
        reject_locked(handle, exc, "comment", {"student_id": student.id})
        current = queries.comments_of(handle.id).get(student.id)
        ctx.update(text=current.text if current else "", version=current.version if current else 0)
        return render_fragment("gradebook/_remark.html", 409, error=exc.lock.message, **ctx)
    except comments.CommentConflict as conflict:
        db.session.rollback()
        cur = conflict.current
        ctx.update(text=cur.text if cur else "", version=cur.version if cur else 0)
        return render_fragment(
            "gradebook/_remark.html",
            409,
            error=("Nhận xét vừa được sửa ở nơi khác; đây là nội dung hiện tại. Sửa lại nếu cần."),
            **ctx,
        )
    db.session.commit()
    ctx.update(text=saved.text if saved else "", version=saved.version if saved else 0, saved=True)
    return render_fragment("gradebook/_remark.html", 200, **ctx)


@bp.route("/<int:gradebook_id>/history")
@allow(ANY_STAFF)
def history(gradebook_id: int) -> Response:
    handle = queries.get_gradebook_for(me(), gradebook_id)
    student_id = request.args.get("student_id", type=db_id)
    stmt = (
        select(ScoreHistory)
        .where(ScoreHistory.gradebook_id == handle.id)
        .options(selectinload(ScoreHistory.actor))
        .order_by(ScoreHistory.at.desc(), ScoreHistory.id.desc())
    )
    if student_id is not None:
        stmt = stmt.where(ScoreHistory.student_id == scoped_student(handle, student_id).id)
    entries = list(db.session.scalars(stmt.limit(500)))
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
