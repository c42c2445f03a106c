"""What the class book's pages share: form errors, and the cells a save answers with (the
summary's line recomputed, so the averages, decisions and warnings follow)."""

from __future__ import annotations

from typing import NoReturn

from flask import flash, make_response, render_template
from werkzeug.wrappers import Response
from wtforms import Form

from app.accounts.models import User
from app.core.errors import ConflictError, DomainError
from app.core.htmx import redirect_to, render_fragment
from app.gradebook import queries as gradebook_queries
from app.homeroom import forms, locking, policy, queries, summary
from app.homeroom.models import CORRECTION_FIELDS
from app.homeroom.services import corrections
from app.school.models import SchoolClass, Student


class FormRejected(DomainError):
    """422: the form's own checks failed; the message lists each field's problem."""


def form_errors(form: Form) -> str:
    return " ".join(e for errs in form.errors.values() for e in errs) or "Dữ liệu gửi lên không hợp lệ."


def invalid(form: Form) -> NoReturn:
    raise FormRejected(form_errors(form))


def redirect_with(message: str, url: str) -> Response:
    flash(message, "success")
    return redirect_to(url)


def _status(error: DomainError | None, conflict: str) -> tuple[int, str | None]:
    """200, 409 (someone saved first: `conflict` says so) or 422 (the value's problem)."""
    if error is None:
        return 200, None
    if isinstance(error, locking.CloseLocked):
        return 409, error.message  # a close froze the value: say so, and the way out
    if isinstance(error, ConflictError) and error.status == 409:
        return 409, conflict
    if error.status == 422:
        return 422, error.message
    raise error


def summary_cell(
    template: str,
    cls: SchoolClass,
    period: str,
    student_id: int,
    error: DomainError | None,
    *,
    conflict: str,
    typed: str | None = None,
) -> Response:
    """One cell of the class book after a save: as stored now (200, 409) or as typed (422)."""
    status, message = _status(error, conflict)
    data = summary.build(cls, period)
    return render_fragment(
        template,
        status,
        s=data,
        line=summary.line_of(data, student_id),
        error=message,
        editable=not isinstance(error, locking.CloseLocked),
        levels=forms.LEVEL_CHOICES,
        typed=typed if status == 422 else None,
        saved=status == 200,
    )


def attendance_row(
    cls: SchoolClass, student: Student, form: forms.AttendanceForm, error: DomainError | None
) -> Response:
    status, message = _status(error, "Điểm danh vừa được sửa ở nơi khác; đây là giá trị hiện tại.")
    day = form.day.data
    return render_fragment(
        "homeroom/_attendance_row.html",
        status,
        cls=cls,
        s=student,
        day=day,
        mark=queries.attendance_on([student.id], day).get(student.id),
        error=message,
        count=queries.absence_counts([student.id], cls.year_id).get(student.id, (0, 0)),
        editable=not isinstance(error, locking.CloseLocked),
        index=form.index.data,
    )


def exemptions_page(
    user: User, cls: SchoolClass, form: forms.ExemptionForm, error: str | None = None, status: int = 200
) -> Response:
    students = gradebook_queries.class_students(cls.id)
    page = render_template(
        "homeroom/exemptions.html",
        cls=cls,
        items=queries.exemptions_of_class([s.id for s in students], cls.year_id),
        students=students,
        subjects=queries.exemptable_subjects(cls.id),
        terms=gradebook_queries.term_pair_of_year(cls.year_id),
        form=form,
        error=error,
        editable=policy.can_request_exemption(user, cls.homeroom_teacher_id),
        can_decide=lambda e: policy.can_decide_exemption(user, e),
        show_reason=policy.can_read_exemption_reason(user, cls.homeroom_teacher_id),
    )
    return make_response(page, status)


def corrections_page(
    user: User, cls: SchoolClass, form: forms.CorrectionForm, error: str | None = None, status: int = 200
) -> Response:
    page = render_template(
        "homeroom/corrections.html",
        cls=cls,
        items=queries.corrections_of_class(cls.id),
        students=gradebook_queries.class_students(cls.id),
        subjects=queries.class_subjects(cls.id),
        terms=[t for t in gradebook_queries.term_pair_of_year(cls.year_id) if t is not None],
        fields=CORRECTION_FIELDS,
        form=form,
        error=error,
        levels=forms.LEVEL_CHOICES,
        closes=locking.close_states(cls.id),
        period_labels=locking.PERIOD_LABELS,
        can_request=policy.can_request_correction(user, cls.homeroom_teacher_id),
        can_decide=lambda c: policy.can_decide_correction(user, c),
        can_withdraw=lambda c: policy.can_withdraw_correction(user, c),
        shown=corrections.shown_value,
    )
    return make_response(page, status)
