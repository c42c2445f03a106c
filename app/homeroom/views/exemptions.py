"""Exemptions from the practical part of GDTC / GDQP-AN (R13): the GVCN asks, BGH decides.
Reasons are health data: shown only to the GVCN of the class and BGH. The exemptions
themselves are the grade book's (app.gradebook.services.exemptions): the grid marks them."""

from __future__ import annotations

from flask import request, url_for
from werkzeug.wrappers import Response

from app.accounts.session import current_actor
from app.core.authz import ANY_STAFF, BGH, Role, allow, not_found, require
from app.core.database import unit_of_work
from app.core.routing import Routes
from app.core.workflow import Action
from app.gradebook import files
from app.homeroom import forms, policy, queries, services
from app.homeroom.views import common

routes = Routes()


@routes.route("/<int:class_id>/exemptions")
@allow(ANY_STAFF)
def exemptions(class_id: int) -> Response:
    user = current_actor()
    return common.exemptions_page(user, queries.homeroom_class(user, class_id), forms.ExemptionForm())


@routes.route("/<int:class_id>/exemptions", methods=["POST"])
@allow(Role.TEACHER)
def exemption_create(class_id: int) -> Response:
    user = current_actor()
    cls = queries.homeroom_class(user, class_id)
    require(policy.can_request_exemption(user, cls.homeroom_teacher_id))
    form = forms.ExemptionForm(request.form)
    if not form.validate():
        return common.exemptions_page(user, cls, form, common.form_errors(form), 422)
    student = queries.class_student(cls, form.student_id.data)
    subject = queries.exemption_subject(form.subject_id.data)
    term = queries.class_term(cls, form.term_id.data) if form.term_id.data else None
    evidence = request.files.get("evidence")
    with unit_of_work(catch=True) as work:
        services.request_exemption(user, cls, student.id, subject, term, form.reason.data, evidence)
    if work.error is not None:  # not exemptable, no reason, the evidence file (413/415), a close (409)
        return common.exemptions_page(user, cls, form, work.error.message, work.error.status)
    message = "Đã gửi đề nghị miễn phần thực hành; chờ hiệu trưởng phê duyệt."
    return common.redirect_with(message, url_for("homeroom.exemptions", class_id=class_id))


@routes.route("/exemptions/<int:exemption_id>/decide", methods=["POST"])
@allow(BGH)
def exemption_decide(exemption_id: int) -> Response:
    user = current_actor()
    exemption, cls = queries.exemption_for(user, exemption_id)
    form = forms.DecisionForm(request.form)
    if not form.validate():
        common.invalid(form)
    action = Action.APPROVE if form.action.data == "approve" else Action.RETURN
    class_id = cls.id
    with unit_of_work():  # 403 the requester, 409 stale, already decided or closed
        services.decide_exemption(
            user, cls, exemption, action, seen_version=form.version.data, comment=form.comment.data
        )
    message = "Đã phê duyệt miễn thực hành." if action is Action.APPROVE else "Đã không duyệt đề nghị."
    return common.redirect_with(message, url_for("homeroom.exemptions", class_id=class_id))


@routes.route("/exemptions/<int:exemption_id>/evidence")
@allow(ANY_STAFF)
def exemption_evidence(exemption_id: int) -> Response:
    user = current_actor()
    exemption, cls = queries.exemption_for(user, exemption_id)
    if not exemption.evidence_sha256 or not policy.can_read_exemption_reason(user, cls.homeroom_teacher_id):
        not_found("exemption_evidence", exemption_id)
    return files.send_evidence(exemption.evidence_sha256, exemption.evidence_name, exemption.evidence_type)
