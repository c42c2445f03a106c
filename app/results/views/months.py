"""The monthly reports (báo cáo tháng) of a class: the GVCN's list of months and publish
form (with a preview of each student's scores by the month's last day), and — when the
school requires it — the BGH's approval or return of a month. Out of scope → 404 (the
scoped loader), a subject teacher or a BGH member publishing → 403, a month outside the
year or not over yet, or a note too long → 422, a month already waiting → 409."""

from __future__ import annotations

from flask import request, url_for
from werkzeug.wrappers import Response

from app.accounts.session import current_actor
from app.core.authz import BGH, Role, allow, require
from app.core.database import unit_of_work
from app.core.routing import Routes
from app.core.vn import local_today
from app.results import forms, policy, queries, services
from app.results import month as month_mod
from app.results.views import common

routes = Routes()
READERS = frozenset({Role.TEACHER}) | BGH


@routes.route("/<int:class_id>/months")
@allow(READERS)
def months(class_id: int) -> Response:
    user = current_actor()
    cls = queries.close_class(user, class_id)
    return common.month_page(user, cls, request.args.get("month") or None)


@routes.route("/<int:class_id>/months/<ref>/publish", methods=["POST"])
@allow(Role.TEACHER)
def publish_month(class_id: int, ref: str) -> Response:
    user = current_actor()
    cls = queries.close_class(user, class_id)
    require(policy.can_publish_month(user, cls.homeroom_teacher_id))
    form = forms.MonthPublishForm(request.form)
    if not form.validate():
        return common.month_page(user, cls, ref, form, common.form_errors(form), 422)
    with unit_of_work(catch=True) as work:
        outcome = services.publish_month(user, cls, ref, form.note.data, local_today())
    if work.error is not None:
        return common.month_page(user, cls, ref, form, work.error.message, work.error.status)
    message = _published_message(outcome, cls.name, ref)
    return common.redirect_with(message, url_for("results.months", class_id=class_id, month=ref))


def _published_message(outcome: services.MonthOutcome, class_name: str, ref: str) -> str:
    what = f"Báo cáo {month_mod.ref_text(ref)} lớp {class_name}"
    if outcome.waiting:
        return f"{what} đã được gửi, chờ Ban giám hiệu duyệt."
    if outcome.unchanged:
        return f"{what}: không có gì mới kể từ lần công bố trước, không cần công bố lại."
    return f"Đã công bố {what} (lần {outcome.round.number if outcome.round else 1}): {outcome.written} học sinh."


@routes.route("/<int:class_id>/months/<ref>/approve", methods=["POST"])
@allow(BGH)
def approve_month(class_id: int, ref: str) -> Response:
    user = current_actor()
    cls = queries.close_class(user, class_id)
    _pending, record = queries.waiting_month_or_404(cls.id, ref)
    form = forms.ApproveForm(request.form)
    if not form.validate():
        return common.month_page(user, cls, ref, None, common.form_errors(form), 422)
    with unit_of_work(catch=True) as work:
        services.approve_month(user, record, seen_version=form.version.data, comment=form.comment.data)
    if work.error is not None:
        return common.month_page(user, cls, ref, None, work.error.message, work.error.status)
    message = f"Đã duyệt và công bố báo cáo {month_mod.ref_text(ref)} lớp {cls.name}."
    return common.redirect_with(message, url_for("results.months", class_id=class_id, month=ref))


@routes.route("/<int:class_id>/months/<ref>/return", methods=["POST"])
@allow(BGH)
def return_month(class_id: int, ref: str) -> Response:
    user = current_actor()
    cls = queries.close_class(user, class_id)
    pending, record = queries.waiting_month_or_404(cls.id, ref)
    form = forms.ReturnForm(request.form)
    if not form.validate():
        return common.month_page(user, cls, ref, None, common.form_errors(form), 422)
    with unit_of_work(catch=True) as work:
        services.return_month(user, pending, record, seen_version=form.version.data, comment=form.comment.data)
    if work.error is not None:
        return common.month_page(user, cls, ref, None, work.error.message, work.error.status)
    message = f"Đã trả lại báo cáo {month_mod.ref_text(ref)} lớp {cls.name} cho giáo viên chủ nhiệm kèm lý do."
    return common.redirect_with(message, url_for("results.months", class_id=class_id, month=ref))
