"""What the reports pages share: the class page (shown again with a refusal's message)."""

from __future__ import annotations

from flask import flash, make_response, render_template
from werkzeug.wrappers import Response
from wtforms import Form

from app.accounts.models import User
from app.core.htmx import redirect_to
from app.reports import forms, policy, queries
from app.school.models import SchoolClass


def form_errors(form: Form) -> str:
    return " ".join(e for errs in form.errors.values() for e in errs) or "Dữ liệu gửi lên không hợp lệ."


def redirect_with(message: str, url: str) -> Response:
    flash(message, "success")
    return redirect_to(url)


def class_page(
    user: User, cls: SchoolClass, period_value: str | None, error: str | None = None, status: int = 200
) -> Response:
    periods = queries.closed_periods(cls)
    period = next((p for p in periods if p.key == period_value), periods[-1] if periods else None)
    snapshots = queries.current_snapshots(cls.id, period.period, period.period_ref) if period else []
    page = render_template(
        "reports/class.html",
        cls=cls,
        periods=periods,
        period=period,
        snapshots=snapshots,
        documents=queries.class_documents(cls, period) if period else {},
        jobs=queries.recent_jobs(user, [cls.id], limit=5),
        can_book=policy.can_issue_class_book(user),
        form=forms.IssueForm(),
        error=error,
    )
    return make_response(page, status)


def school_refused(form: Form) -> Response:
    """BGH's batch form with a bad choice: the index page with the sentence, 422."""
    from app.accounts.session import current_actor

    user = current_actor()
    classes = queries.classes_of(user)
    page = render_template(
        "reports/index.html", classes=classes, whole=True, grades=queries.grades_of(classes),
        periods=queries.school_periods(), jobs=queries.recent_jobs(user), form=form,
        error=form_errors(form) if form.errors else "Hãy chọn khối cần in.",
    )  # fmt: skip
    return make_response(page, 422)
