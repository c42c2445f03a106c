"""The close's moves, each its own POST: the GVCN submits, the hiệu trưởng (or a phó hiệu
trưởng by delegation) approves — which writes the snapshots — or returns with a reason.
A refusal shows the page again with its sentence: 422 (the checklist, a missing reason),
409 (already moved, or the class changed since it was submitted)."""

from __future__ import annotations

from flask import request, url_for
from werkzeug.wrappers import Response

from app.accounts.session import current_actor
from app.core.authz import BGH, Role, allow, require
from app.core.database import unit_of_work
from app.core.routing import Routes
from app.results import forms, policy, queries, services
from app.results.views import common

routes = Routes()


@routes.route("/<int:class_id>/<period>/submit", methods=["POST"])
@allow(Role.TEACHER)
def submit(class_id: int, period: str) -> Response:
    user = current_actor()
    cls = queries.close_class(user, class_id)
    period = queries.closable_period(period)
    require(policy.can_submit_close(user, cls.homeroom_teacher_id))
    form = forms.SubmitForm(request.form)
    if not form.validate():
        return common.checklist_page(user, cls, period, form, common.form_errors(form), 422)
    with unit_of_work(catch=True) as work:
        services.submit_close(
            user, cls, period, attendance_confirmed=form.attendance_confirmed.data, note=form.note.data
        )
    if work.error is not None:
        return common.checklist_page(user, cls, period, form, work.error.message, work.error.status)
    message = f"Đã nộp kết quả {queries.PERIOD_TEXT[period]} lớp {cls.name}; chờ hiệu trưởng duyệt."
    return common.redirect_with(message, url_for("results.checklist", class_id=class_id, period=period))


@routes.route("/<int:class_id>/<period>/approve", methods=["POST"])
@allow(BGH)
def approve(class_id: int, period: str) -> Response:
    user = current_actor()
    cls = queries.close_class(user, class_id)
    period = queries.closable_period(period)
    record = queries.close_record_or_404(cls, period)  # who decides: the records chain (403), stale: 409
    form = forms.ApproveForm(request.form)
    if not form.validate():
        return common.review_page(user, cls, period, common.form_errors(form), 422, approve_form=form)
    with unit_of_work(catch=True) as work:
        services.approve_close(user, record, seen_version=form.version.data, comment=form.comment.data)
    if work.error is not None:
        return common.review_page(user, cls, period, work.error.message, work.error.status)
    message = f"Đã duyệt và chốt kết quả {queries.PERIOD_TEXT[period]} lớp {cls.name}."
    return common.redirect_with(message, url_for("results.review", class_id=class_id, period=period))


@routes.route("/<int:class_id>/<period>/return", methods=["POST"])
@allow(BGH)
def return_(class_id: int, period: str) -> Response:
    user = current_actor()
    cls = queries.close_class(user, class_id)
    period = queries.closable_period(period)
    record = queries.close_record_or_404(cls, period)  # who decides: the records chain (403), stale: 409
    form = forms.ReturnForm(request.form)
    if not form.validate():
        return common.review_page(user, cls, period, common.form_errors(form), 422, return_form=form)
    with unit_of_work(catch=True) as work:
        services.return_close(user, record, seen_version=form.version.data, comment=form.comment.data)
    if work.error is not None:
        return common.review_page(user, cls, period, work.error.message, work.error.status)
    message = f"Đã trả lại kết quả lớp {cls.name} cho giáo viên chủ nhiệm kèm lý do."
    return common.redirect_with(message, url_for("results.review", class_id=class_id, period=period))
