"""What the close's pages share: the checklist page and the approval page, each shown
again with a refusal's message and status."""

from __future__ import annotations

from datetime import date

from flask import flash, make_response, render_template
from werkzeug.wrappers import Response
from wtforms import Form

from app.accounts.models import User
from app.core.htmx import redirect_to
from app.core.vn import local_today
from app.results import checklist, forms, policy, queries, snapshots
from app.results import month as month_mod
from app.school.models import SchoolClass


def form_errors(form: Form) -> str:
    return " ".join(e for errs in form.errors.values() for e in errs) or "Dữ liệu gửi lên không hợp lệ."


def redirect_with(message: str, url: str) -> Response:
    flash(message, "success")
    return redirect_to(url)


def checklist_page(
    user: User,
    cls: SchoolClass,
    period: str,
    form: forms.SubmitForm | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    found = checklist.build(cls, period)
    page = render_template(
        "results/checklist.html",
        c=found,
        cls=cls,
        periods=queries.PERIOD_LABELS,
        states=queries.close_states(cls),
        form=form or forms.SubmitForm(),
        error=error,
        can_submit=policy.can_submit_close(user, cls.homeroom_teacher_id),
        can_decide=found.record is not None and policy.can_decide_close(user, found.record),
        snapshots=queries.snapshot_count(cls.id, period),
    )
    return make_response(page, status)


def review_page(
    user: User, cls: SchoolClass, period: str, error: str | None = None, status: int = 200, **forms_: Form
) -> Response:
    found = checklist.build(cls, period)
    record = found.record
    version = record.current_version if record else None
    submitted = version.files[0].sha256 if version and version.files else None
    now = snapshots.digest(snapshots.canonical(snapshots.class_document(found.data)))
    page = render_template(
        "results/review.html",
        c=found,
        cls=cls,
        record=record,
        submitted=submitted,
        unchanged=submitted == now,
        approve_form=forms_.get("approve_form") or forms.ApproveForm(),
        return_form=forms_.get("return_form") or forms.ReturnForm(),
        error=error,
        can_decide=record is not None and policy.can_decide_close(user, record),
        current=queries.current_snapshots(cls.id, period),
    )
    return make_response(page, status)


def month_page(
    user: User,
    cls: SchoolClass,
    ref: str | None,
    form: forms.MonthPublishForm | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    """The class's months (state of each) and one month: its publish form with a preview of
    how many scores each student has by its last day, and the BGH's decision if waiting."""
    today = local_today()
    rows = month_mod.month_rows(cls, today)
    chosen = next((r for r in rows if r.month.ref == ref), None)
    if ref and chosen is None and error is None:
        error, status = _month_problem(cls, ref, today), 422
    if chosen is None and not ref:
        first = month_mod.default_month(rows)
        chosen = next((r for r in rows if first is not None and r.month == first), None)
    preview = month_mod.gather(cls, chosen.month, "") if chosen is not None and chosen.publishable else None
    record = chosen.record if chosen is not None else None
    page = render_template(
        "results/months.html",
        cls=cls,
        rows=rows,
        chosen=chosen,
        preview=preview,
        form=form or forms.MonthPublishForm(data={"note": chosen.pending.note if chosen and chosen.pending else ""}),
        approve_form=forms.ApproveForm(),
        return_form=forms.ReturnForm(),
        error=error,
        can_publish=policy.can_publish_month(user, cls.homeroom_teacher_id),
        can_decide=record is not None and record.state == "submitted" and policy.can_decide_month(user, record),
        approval_required=queries.month_approval_required(queries.the_school()),
    )
    return make_response(page, status)


def _month_problem(cls: SchoolClass, ref: str, today: date) -> str:
    try:
        month_mod.month_of(cls.year, ref, today)
    except month_mod.MonthError as exc:
        return exc.message
    return "Tháng không hợp lệ."
