"""Corrections of the class book after a close: the GVCN proposes (a closed value, the new
one, the reason), BGH approves or returns; the requester may withdraw while it waits."""

from __future__ import annotations

from flask import request, url_for
from werkzeug.wrappers import Response

from app.accounts.session import current_actor
from app.core.authz import ANY_STAFF, BGH, Role, allow, require
from app.core.database import unit_of_work
from app.core.routing import Routes
from app.core.workflow import Action
from app.gradebook.locking import today_local
from app.homeroom import forms, policy, queries
from app.homeroom.services import corrections as correction_services
from app.homeroom.views import common

routes = Routes()


@routes.route("/<int:class_id>/corrections")
@allow(ANY_STAFF)
def corrections(class_id: int) -> Response:
    user = current_actor()
    return common.corrections_page(user, queries.homeroom_class(user, class_id), forms.CorrectionForm())


@routes.route("/<int:class_id>/corrections", methods=["POST"])
@allow(Role.TEACHER)
def correction_create(class_id: int) -> Response:
    user = current_actor()
    cls = queries.homeroom_class(user, class_id)
    require(policy.can_request_correction(user, cls.homeroom_teacher_id))
    form = forms.CorrectionForm(request.form)
    if not form.validate():
        return common.corrections_page(user, cls, form, common.form_errors(form), 422)
    d = form.data
    target = queries.correction_target(cls, d["field"], d["student_id"], d["term_id"], d["day"], d["subject_id"])
    with unit_of_work(catch=True) as work:
        correction_services.request_correction(user, cls, target, form.new_value(), form.reason.data, today_local())
    if work.error is not None:
        return common.corrections_page(user, cls, form, work.error.message, work.error.status)
    message = "Đã gửi đề nghị điều chỉnh; chờ hiệu trưởng phê duyệt."
    return common.redirect_with(message, url_for("homeroom.corrections", class_id=class_id))


@routes.route("/corrections/<int:correction_id>/decide", methods=["POST"])
@allow(BGH)
def correction_decide(correction_id: int) -> Response:
    user = current_actor()
    correction, cls = queries.correction_for(user, correction_id)
    form = forms.DecisionForm(request.form)
    if not form.validate():
        common.invalid(form)
    action = Action.APPROVE if form.action.data == "approve" else Action.RETURN
    class_id = cls.id
    with unit_of_work():  # 403 the requester, 409 stale or already decided
        correction_services.decide(
            user, correction, cls, action, seen_version=form.version.data, comment=form.comment.data
        )
    message = "Đã phê duyệt và áp dụng điều chỉnh." if action is Action.APPROVE else "Đã không duyệt đề nghị."
    return common.redirect_with(message, url_for("homeroom.corrections", class_id=class_id))


@routes.route("/corrections/<int:correction_id>/withdraw", methods=["POST"])
@allow(Role.TEACHER)
def correction_withdraw(correction_id: int) -> Response:
    user = current_actor()
    correction, cls = queries.correction_for(user, correction_id)
    form = forms.WithdrawForm(request.form)
    if not form.validate():
        common.invalid(form)
    class_id = cls.id
    with unit_of_work():  # 403 not the requester, 409 already decided
        correction_services.withdraw(user, correction, seen_version=form.version.data)
    return common.redirect_with("Đã rút đề nghị điều chỉnh.", url_for("homeroom.corrections", class_id=class_id))
