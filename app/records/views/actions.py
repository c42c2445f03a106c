"""Workflow actions and comments: their own POST endpoints (htmx or plain forms).

htmx gets the record's workflow card (or the comment thread) plus an out-of-band flash
and an HX-Trigger "recordChanged" (the queue, the timeline and the versions card refresh
themselves on it); a plain form gets 303 back to the record page. A stale or double
submission answers 409 with the record's current state and a sentence saying why; an
invalid form (a reason missing, a row version that is not a number) answers 422.
"""

from __future__ import annotations

from flask import Response, flash, url_for

from app.accounts.session import current_actor
from app.core.authz import allow
from app.core.database import unit_of_work
from app.core.htmx import redirect_to
from app.core.routing import Routes
from app.records import queries, services
from app.records.forms import CommentForm, DecisionForm, ReturnForm
from app.records.views.common import REVIEWERS, VIEWERS, comments_response, invalid, respond_after

routes = Routes()


@routes.route("/<int:record_id>/submit", methods=["POST"])
@allow(VIEWERS)
def submit(record_id: int) -> Response:
    user = current_actor()
    record = queries.get_for(user, record_id)
    form = DecisionForm()
    if not form.validate():
        return invalid(user, record, form, "decision_form")
    with unit_of_work(catch=True) as work:
        services.submit_record(user, record, seen_version=form.version.data, comment=form.comment.data)
    return respond_after(user, record_id, work, "Đã nộp hồ sơ để duyệt.")


@routes.route("/<int:record_id>/approve", methods=["POST"])
@allow(REVIEWERS)
def approve(record_id: int) -> Response:
    user = current_actor()
    record = queries.get_for(user, record_id)
    form = DecisionForm()
    if not form.validate():
        return invalid(user, record, form, "decision_form")
    done = f"Đã duyệt “{record.title}”."
    with unit_of_work(catch=True) as work:
        services.approve_record(user, record, seen_version=form.version.data, comment=form.comment.data)
    return respond_after(user, record_id, work, done)


@routes.route("/<int:record_id>/return", methods=["POST"])
@allow(REVIEWERS)
def return_(record_id: int) -> Response:
    user = current_actor()
    record = queries.get_for(user, record_id)
    form = ReturnForm()
    if not form.validate():
        return invalid(user, record, form, "return_form")
    done = f"Đã trả lại “{record.title}” kèm lý do."
    with unit_of_work(catch=True) as work:
        services.return_record(user, record, seen_version=form.version.data, comment=form.comment.data)
    return respond_after(user, record_id, work, done)


@routes.route("/<int:record_id>/withdraw", methods=["POST"])
@allow(VIEWERS)
def withdraw(record_id: int) -> Response:
    user = current_actor()
    record = queries.get_for(user, record_id)
    form = DecisionForm()
    if not form.validate():
        return invalid(user, record, form, "decision_form")
    with unit_of_work(catch=True) as work:
        services.withdraw_record(user, record, seen_version=form.version.data)
    return respond_after(user, record_id, work, "Đã rút hồ sơ về bản nháp.")


@routes.route("/<int:record_id>/delete", methods=["POST"])
@allow(VIEWERS)
def delete(record_id: int) -> Response:
    user = current_actor()
    record = queries.get_for(user, record_id)
    form = DecisionForm()
    if not form.validate():
        return invalid(user, record, form, "decision_form")
    done = f"Đã xoá bản nháp “{record.title}”."
    with unit_of_work(catch=True) as work:
        services.delete_record(user, record, seen_version=form.version.data)
    if work.error:
        return respond_after(user, record_id, work, done)
    flash(done, "success")
    return redirect_to(url_for("records.mine"))


@routes.route("/<int:record_id>/comments", methods=["POST"])
@allow(VIEWERS)
def comment(record_id: int) -> Response:
    user = current_actor()
    record = queries.get_for(user, record_id)
    form = CommentForm()
    if not form.validate():
        return comments_response(user, record_id, form, 422)
    with unit_of_work(catch=True) as work:
        services.add_comment(user, record, form.body.data)
    if work.error is not None:
        form.body.errors = [work.error.message]
        return comments_response(user, record_id, form, work.error.status)
    return comments_response(user, record_id, CommentForm(formdata=None), 200)
