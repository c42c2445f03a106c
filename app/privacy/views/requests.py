"""The BGH's register of data-subject requests (R22): register one (its due date is 2
working days later), answer or refuse it, and answer an access request with the student's
data export (a ZIP)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.accounts.session import current_actor
from app.core import files
from app.core.authz import BGH, allow
from app.core.database import unit_of_work
from app.core.routing import Routes
from app.privacy import queries, services, workdays
from app.privacy.forms import AnswerForm, RequestForm
from app.privacy.models import STATUSES
from app.privacy.views.common import errors_of

routes = Routes()


def _index(form: RequestForm, error: str = "", status: int = 200) -> tuple[str, int]:
    today = services.today_local()
    wanted = request.args.get("status") if request.args.get("status") in STATUSES else None
    page = render_template(
        "privacy/requests.html", form=form, rows=queries.requests(wanted), today=today, error=error, wanted=wanted,
        statuses=STATUSES, holidays=workdays.holiday_list(today.year),
    )  # fmt: skip
    return page, status


@routes.route("/privacy/requests")
@allow(BGH)
def index() -> tuple[str, int]:
    return _index(RequestForm(data={"received_on": services.today_local()}))


@routes.route("/privacy/requests", methods=["POST"])
@allow(BGH)
def register() -> Response | tuple[str, int]:
    form = RequestForm(request.form)
    if not form.validate():
        return _index(form, errors_of(form), 422)
    student = queries.student_by_code(form.student_code.data or "")
    if student is None:
        return _index(form, f"Không tìm thấy học sinh có mã “{form.student_code.data}”.", 422)
    with unit_of_work():
        row = services.register_request(current_actor(), student, kind=form.kind.data or "",
                                        requester=form.requester.data or "", received_on=form.received_on.data,
                                        details=form.details.data or "")  # fmt: skip
        flash(f"Đã ghi nhận yêu cầu; hạn trả lời {row.due_on.strftime('%d/%m/%Y')} (2 ngày làm việc).", "success")
        target = url_for("privacy.detail", request_id=row.id)
    return redirect(target, 303)


def _detail(request_id: int, form: AnswerForm | None = None, error: str = "", status: int = 200) -> tuple[str, int]:
    row = queries.request_for(current_actor(), request_id)
    form = form or AnswerForm(data={"reply": services.reply_template(row), "outcome": "answered"})
    page = render_template("privacy/request.html", row=row, form=form, error=error, today=services.today_local(),
                           note=services.STATUTORY_NOTE)  # fmt: skip
    return page, status


@routes.route("/privacy/requests/<int:request_id>")
@allow(BGH)
def detail(request_id: int) -> tuple[str, int]:
    return _detail(request_id)


@routes.route("/privacy/requests/<int:request_id>/answer", methods=["POST"])
@allow(BGH)
def answer(request_id: int) -> Response | tuple[str, int]:
    user = current_actor()
    row = queries.request_for(user, request_id)
    form = AnswerForm(request.form)
    if not form.validate():
        return _detail(request_id, form, errors_of(form), 422)
    with unit_of_work():
        services.answer_request(user, row, reply=form.reply.data or "", refused=form.outcome.data == "refused")
    flash("Đã lưu câu trả lời cho người yêu cầu.", "success")
    return redirect(url_for("privacy.detail", request_id=request_id), 303)


@routes.route("/privacy/requests/<int:request_id>/export", methods=["POST"])
@allow(BGH)
def export(request_id: int) -> Response:
    """The student's data (JSON + issued PDFs) as a ZIP; the audit keeps only the fact."""
    user = current_actor()
    row = queries.request_for(user, request_id)
    student = queries.student_for_export(user, row.student_id)
    with unit_of_work(fresh=True):
        body, name = services.export_student(user, student, row)
    return files.attachment(body, name, "application/zip")
