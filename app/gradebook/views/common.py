"""What the grade book's pages share: form errors, the write of a grid (and the record of
a write refused because the grid is locked), and the fragments a cell, a paste and a
nhận xét answer with."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, NoReturn

from flask import flash, make_response, render_template
from werkzeug.wrappers import Response
from wtforms import Form

from app.accounts.models import User
from app.core.database import UnitOfWork, unit_of_work
from app.core.errors import DomainError
from app.core.htmx import redirect_to, render_fragment
from app.core.workflow import Action
from app.gradebook import forms, locking, queries
from app.gradebook.grid import load_grid, row_after_save
from app.gradebook.queries import BookSlot, GridHandle
from app.gradebook.services import comments, entry
from app.gradebook.values import CellError, Column, shown
from app.school.models import Student


class FormRejected(DomainError):
    """422: the form's own checks failed; the message lists each field's problem."""


def form_errors(form: Form) -> str:
    return " ".join(e for errs in form.errors.values() for e in errs) or "Dữ liệu gửi lên không hợp lệ."


def invalid(form: Form) -> NoReturn:
    raise FormRejected(form_errors(form))


def refuse(work: UnitOfWork) -> None:
    """A refusal the page does not show itself: the app's handler answers its status."""
    if work.error is not None:
        raise work.error


def redirect_with(message: str, url: str) -> Response:
    flash(message, "success")
    return redirect_to(url)


def action_of(form: forms.DecisionForm) -> Action:
    return Action.APPROVE if form.action.data == "approve" else Action.RETURN


@contextmanager
def grid_write(
    user: User, handle: GridHandle, attempt: str, detail: dict[str, Any] | None = None
) -> Iterator[UnitOfWork]:
    """One unit of work around a write to a grid (refusals kept in `work.error`). A write
    refused because the grid is locked is rolled back, then recorded on its own
    (`grade.write_rejected_locked`, SECURITY.md 12): nothing of it survives but the refusal."""
    with unit_of_work(catch=True) as work:
        yield work
    if isinstance(work.error, locking.GridLocked):
        with unit_of_work():
            entry.reject_locked_write(user, handle, attempt, work.error.lock, detail)


def slot_status(slot: BookSlot, reviews: dict[int, locking.ReviewState]) -> tuple[str, str]:
    """(label, badge class) of a (class, subject, term) slot on the list."""
    if slot.gradebook is None:
        return "Chưa mở sổ", ""
    lock = locking.lock_of(slot.gradebook, slot.term, reviews[slot.gradebook.id])
    return {
        None: ("Đang nhập", "info"),
        "submitted": ("Chờ duyệt", "warn"),
        "approved": ("Đã duyệt, khoá", "ok"),
        "date": ("Đã khoá theo ngày", "ok"),
    }[lock.code]


# ---------------------------------------------------------------------------- one cell


def cell_response(
    handle: GridHandle,
    student: Student,
    column: Column,
    status: int,
    *,
    text: str | None = None,
    error: str | None = None,
    with_row: bool = False,
) -> Response:
    """The cell as stored now (or as typed, with the error), and after a save the row's
    averages out of band."""
    row = row_after_save(handle, student.id) if with_row else None
    current = row.cells.get(column.key) if row else queries.current_cell(handle.id, student.id, column)
    saved = shown(current.value, current.comment) if current else ""
    return render_fragment(
        "gradebook/_cell_response.html",
        status,
        handle=handle,
        student=student,
        column=column,
        text=saved if text is None else text,
        saved=saved,
        version=current.version if current else 0,
        error=error,
        editable=True,
        state={200: "saved", 409: "conflict"}.get(status, "invalid"),
        row=row,
    )


def cell_refused(handle: GridHandle, student: Student, column: Column, typed: str, error: DomainError) -> Response:
    """A refused cell save: the value's problem (422), the lock (409), or the current value
    someone else saved meanwhile (409)."""
    if isinstance(error, CellError):
        return cell_response(handle, student, column, 422, text=typed, error=error.message)
    if isinstance(error, entry.CellConflict):
        now = shown(error.current.value, error.current.comment) if error.current else ""
        message = (
            f"Ô này vừa được sửa ở nơi khác thành “{now or 'trống'}”; giá trị bạn nhập "
            f"(“{typed}”) chưa được lưu. Nhập lại nếu vẫn muốn đổi."
        )
        return cell_response(handle, student, column, 409, error=message)
    if isinstance(error, locking.GridLocked):
        return cell_response(handle, student, column, 409, error=error.lock.message)
    raise error


# ---------------------------------------------------------------------------- a paste


def grid_response(
    handle: GridHandle,
    status: int,
    *,
    errors: Mapping[tuple[int, str], tuple[str | None, str]] | None = None,
    message: str = "",
    ok: bool = False,
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


def batch_response(handle: GridHandle, work: UnitOfWork, saved: int) -> Response:
    """The grid again: saved (200), the refused values marked (422), the stale cells
    marked (409), or the lock's message (409)."""
    error = work.error
    if error is None:
        return grid_response(handle, 200, message=f"Đã lưu {saved} ô.", ok=True)
    if isinstance(error, entry.BatchInvalid):
        return grid_response(handle, 422, errors=error.errors, message=error.message)
    if isinstance(error, entry.BatchConflict):
        stale = {(c.student_id, c.column.key): (None, "Ô này vừa được sửa ở nơi khác.") for c in error.conflicts}
        return grid_response(handle, 409, errors=stale, message=error.message)
    if isinstance(error, locking.GridLocked):
        return grid_response(handle, 409, message=error.lock.message)
    raise error


# ---------------------------------------------------------------------------- nhận xét


def form_student(handle: GridHandle, form: forms.CommentForm) -> Student:
    """The student a nhận xét form names: missing or not an id → 422; not of the class → 404."""
    if form.student_id.data is None:
        form.validate()
        invalid(form)
    return queries.scoped_student(handle, form.student_id.data)


def remark_response(
    handle: GridHandle,
    student: Student,
    status: int,
    *,
    error: str | None = None,
    typed: tuple[str, int] | None = None,
) -> Response:
    """The nhận xét as typed (`typed`: text, version — a 422), or as stored now."""
    if typed is None:
        current = queries.comment_of(handle.id, student.id)
        typed = (current.text, current.version) if current else ("", 0)
    text, version = typed
    return render_fragment(
        "gradebook/_remark.html",
        status,
        handle=handle,
        student=student,
        text=text,
        version=version,
        error=error,
        saved=status == 200,
    )


def remark_after(handle: GridHandle, student: Student, work: UnitOfWork) -> Response:
    error = work.error
    if error is None:
        return remark_response(handle, student, 200)
    if isinstance(error, locking.GridLocked):
        return remark_response(handle, student, 409, error=error.lock.message)
    if isinstance(error, comments.CommentConflict):
        return remark_response(handle, student, 409, error=error.message)
    raise error


# ---------------------------------------------------------------------------- pages with a form


def submit_page(handle: GridHandle, form: forms.SubmitForm, error: str | None = None, status: int = 200) -> Response:
    page = render_template("gradebook/submit.html", handle=handle, grid=load_grid(handle), form=form, error=error)
    return make_response(page, status)


def correction_page(
    handle: GridHandle, form: forms.CorrectionForm, error: str | None = None, status: int = 200
) -> Response:
    page = render_template(
        "gradebook/correction_new.html", handle=handle, grid=load_grid(handle), form=form, error=error
    )
    return make_response(page, status)


def import_page(handle: GridHandle, status: int = 200, **context: Any) -> Response:
    context = {"plan": None, "token": None, "error": None, **context}
    return make_response(render_template("gradebook/import.html", handle=handle, **context), status)
