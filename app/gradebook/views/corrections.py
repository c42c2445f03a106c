"""Correction requests after lock (R16): the queue, a new request, a request and its
decisions, withdrawing it, its evidence."""

from __future__ import annotations

from flask import request, url_for
from werkzeug.wrappers import Response

from app.accounts.session import current_actor
from app.audit import services as audit
from app.core.authz import ANY_STAFF, BGH, Role, allow, require
from app.core.database import unit_of_work
from app.core.htmx import page_or_fragment
from app.core.routing import Routes
from app.gradebook import files, forms, policy, queries
from app.gradebook.services import corrections
from app.gradebook.views import common
from app.school import queries as school_queries

routes = Routes()


@routes.route("/corrections")
@allow(ANY_STAFF)
def corrections_list() -> Response:
    user = current_actor()
    year = school_queries.current_year()
    items = queries.corrections_visible_to(user, year.id if year else None)
    todo = [(c, h) for c, h in items if policy.can_decide_correction(user, c, h.access)]
    return page_or_fragment("gradebook/corrections.html", "gradebook/_corrections.html", items=items, todo=todo)


@routes.route("/<int:gradebook_id>/corrections/new")
@allow(Role.TEACHER)
def correction_form(gradebook_id: int) -> Response:
    user = current_actor()
    handle = queries.get_gradebook_for(user, gradebook_id)
    require(policy.can_request_correction(user, handle.access))
    return common.correction_page(handle, forms.CorrectionForm(request.args))


@routes.route("/<int:gradebook_id>/corrections", methods=["POST"])
@allow(Role.TEACHER)
def correction_create(gradebook_id: int) -> Response:
    user = current_actor()
    handle = queries.get_gradebook_for(user, gradebook_id)
    require(policy.can_request_correction(user, handle.access))
    form = forms.CorrectionForm(request.form)
    if not form.validate():
        return common.correction_page(handle, form, common.form_errors(form), 422)
    student = queries.scoped_student(handle, form.student_id.data)
    column = queries.scoped_column(handle, form.column.data)
    with unit_of_work(catch=True) as work:
        corrections.request_correction(
            user, handle, student.id, column, form.new_value.data, form.reason.data, request.files.get("evidence")
        )
    if work.error is not None:  # the value, the reason, the lock, the evidence file (413/415)
        return common.correction_page(handle, form, work.error.message, work.error.status)
    message = "Đã gửi yêu cầu điều chỉnh điểm. GVCN xác nhận, sau đó hiệu trưởng phê duyệt."
    return common.redirect_with(message, url_for("gradebook.corrections_list"))


@routes.route("/corrections/<int:correction_id>")
@allow(ANY_STAFF)
def correction_detail(correction_id: int) -> Response:
    user = current_actor()
    correction, handle = queries.correction_for(user, correction_id)
    return page_or_fragment(
        "gradebook/correction.html",
        "gradebook/_correction.html",
        c=correction,
        handle=handle,
        can_decide=policy.can_decide_correction(user, correction, handle.access),
        can_withdraw=policy.can_withdraw_correction(user, correction),
        form=forms.DecisionForm(),
        events=audit.history(correction),
    )


@routes.route("/corrections/<int:correction_id>/decide", methods=["POST"])
@allow(Role.TEACHER, BGH)
def correction_decide(correction_id: int) -> Response:
    user = current_actor()
    correction, handle = queries.correction_for(user, correction_id)
    form = forms.DecisionForm(request.form)
    if not form.validate():
        common.invalid(form)
    with unit_of_work():  # 403 not theirs to decide, 409 stale or the cell changed meanwhile
        corrections.decide(
            user, correction, handle, common.action_of(form), seen_version=form.version.data, comment=form.comment.data
        )
    message = "Đã ghi nhận ý kiến của bạn."
    return common.redirect_with(message, url_for("gradebook.correction_detail", correction_id=correction_id))


@routes.route("/corrections/<int:correction_id>/withdraw", methods=["POST"])
@allow(Role.TEACHER)
def correction_withdraw(correction_id: int) -> Response:
    user = current_actor()
    correction, _handle = queries.correction_for(user, correction_id)
    form = forms.WithdrawForm(request.form)
    if not form.validate():
        common.invalid(form)
    with unit_of_work():
        corrections.withdraw(user, correction, seen_version=form.version.data)
    return common.redirect_with("Đã rút yêu cầu điều chỉnh.", url_for("gradebook.corrections_list"))


@routes.route("/corrections/<int:correction_id>/evidence")
@allow(ANY_STAFF)
def correction_evidence(correction_id: int) -> Response:
    correction, _handle = queries.correction_for(current_actor(), correction_id)
    return files.send_evidence(correction.evidence_sha256, correction.evidence_name, correction.evidence_type)
