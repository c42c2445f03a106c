"""Submitting a grade book for approval (the records workflow decides from there)."""

from __future__ import annotations

from flask import request, url_for
from werkzeug.wrappers import Response

from app.accounts.session import current_actor
from app.core.authz import Role, allow, require
from app.core.routing import Routes
from app.gradebook import forms, policy, queries
from app.gradebook.services import submission
from app.gradebook.views import common

routes = Routes()


@routes.route("/<int:gradebook_id>/submit")
@allow(Role.TEACHER)
def submit_form(gradebook_id: int) -> Response:
    user = current_actor()
    handle = queries.get_gradebook_for(user, gradebook_id)
    require(policy.can_submit_grid(user, handle.access))
    return common.submit_page(handle, forms.SubmitForm())


@routes.route("/<int:gradebook_id>/submit", methods=["POST"])
@allow(Role.TEACHER)
def submit(gradebook_id: int) -> Response:
    user = current_actor()
    handle = queries.get_gradebook_for(user, gradebook_id)
    require(policy.can_submit_grid(user, handle.access))
    form = forms.SubmitForm(request.form)
    if not form.validate():
        return common.submit_page(handle, form, common.form_errors(form), 422)
    with common.grid_write(user, handle, "submit") as work:
        submission.submit(user, handle, acknowledged=form.acknowledge.data, note=form.note.data)
    if isinstance(work.error, submission.SubmitError):
        return common.submit_page(handle, form, work.error.message, 422)
    common.refuse(work)
    message = "Đã nộp sổ điểm. Sổ chỉ xem được trong khi chờ duyệt."
    return common.redirect_with(message, url_for("gradebook.grid", gradebook_id=gradebook_id))
