"""Workflow actions and comments: their own POST endpoints (htmx or plain forms).

htmx gets the record's workflow card (or the comment thread) plus an out-of-band flash
and an HX-Trigger "recordChanged" (the queue, the timeline and the versions card refresh
themselves on it); a plain form gets 303 back to the record page. A stale or double
submission answers 409 with the record's current state and a sentence saying why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, flash, render_template, url_for

from app.core.authz import allow
from app.core.htmx import is_htmx, redirect_to, render_fragment
from app.core.workflow import WorkflowConflict
from app.extensions import db
from app.records import queries, services
from app.records.forms import CommentForm, DecisionForm, ReturnForm
from app.records.models import Record
from app.records.services import RecordError
from app.records.views import REVIEWERS, VIEWERS, bp, current, detail_context

TRIGGER = "recordChanged"


def _respond(user: Any, record: Record, status: int = 200, error: str | None = None, **forms: Any) -> Response:
    context = detail_context(user, record, error=error, **forms)
    if is_htmx():
        return render_fragment("records/_workflow_response.html", status=status, trigger=TRIGGER, **context)
    return Response(render_template("records/detail.html", **context), status=status)


def _act(user: Any, record: Record, call: Callable[[], object], done: str) -> Response:
    """Run one service call; commit, or roll back and explain (409 stale, 422 invalid)."""
    try:
        call()
    except WorkflowConflict as exc:
        db.session.rollback()
        return _respond(user, queries.get_for(user, record.id), 409, exc.message)
    except RecordError as exc:
        db.session.rollback()
        return _respond(user, queries.get_for(user, record.id), 422, str(exc))
    db.session.commit()
    flash(done, "success")
    if is_htmx():
        return _respond(user, queries.get_for(user, record.id))
    return redirect_to(url_for("records.detail", record_id=record.id))


@bp.route("/<int:record_id>/submit", methods=["POST"])
@allow(VIEWERS)
def submit(record_id: int) -> Response:
    user = current()
    record = queries.get_for(user, record_id)
    form = DecisionForm()
    if not form.validate():
        return _respond(user, record, 422, decision_form=form)
    return _act(
        user,
        record,
        lambda: services.submit_record(user, record, seen_version=form.version.data, comment=form.comment.data),
        "Đã nộp hồ sơ để duyệt.",
    )


@bp.route("/<int:record_id>/approve", methods=["POST"])
@allow(REVIEWERS)
def approve(record_id: int) -> Response:
    user = current()
    record = queries.get_for(user, record_id)
    form = DecisionForm()
    if not form.validate():
        return _respond(user, record, 422, decision_form=form)
    return _act(
        user,
        record,
        lambda: services.approve_record(user, record, seen_version=form.version.data, comment=form.comment.data),
        f"Đã duyệt “{record.title}”.",
    )


@bp.route("/<int:record_id>/return", methods=["POST"])
@allow(REVIEWERS)
def return_(record_id: int) -> Response:
    user = current()
    record = queries.get_for(user, record_id)
    form = ReturnForm()
    if not form.validate():
        return _respond(user, record, 422, return_form=form)
    return _act(
        user,
        record,
        lambda: services.return_record(user, record, seen_version=form.version.data, comment=form.comment.data),
        f"Đã trả lại “{record.title}” kèm lý do.",
    )


@bp.route("/<int:record_id>/withdraw", methods=["POST"])
@allow(VIEWERS)
def withdraw(record_id: int) -> Response:
    user = current()
    record = queries.get_for(user, record_id)
    form = DecisionForm()
    form.validate()
    return _act(
        user,
        record,
        lambda: services.withdraw_record(user, record, seen_version=form.version.data),
        "Đã rút hồ sơ về bản nháp.",
    )


@bp.route("/<int:record_id>/delete", methods=["POST"])
@allow(VIEWERS)
def delete(record_id: int) -> Response:
    user = current()
    record = queries.get_for(user, record_id)
    form = DecisionForm()
    form.validate()
    try:
        services.delete_record(user, record, seen_version=form.version.data)
    except WorkflowConflict as exc:
        db.session.rollback()
        return _respond(user, queries.get_for(user, record_id), 409, exc.message)
    db.session.commit()
    flash(f"Đã xoá bản nháp “{record.title}”.", "success")
    return redirect_to(url_for("records.mine"))


@bp.route("/<int:record_id>/comments", methods=["POST"])
@allow(VIEWERS)
def comment(record_id: int) -> Response:
    user = current()
    record = queries.get_for(user, record_id)
    form = CommentForm()
    status = 422
    if form.validate():
        try:
            services.add_comment(user, record, form.body.data)
        except RecordError as exc:
            db.session.rollback()
            form.body.errors = [str(exc)]
        else:
            db.session.commit()
            status = 200
            form = CommentForm(formdata=None)
    record = queries.get_for(user, record_id)
    if is_htmx():
        return render_fragment(
            "records/_comments_response.html",
            status=status,
            trigger=TRIGGER if status == 200 else None,
            **detail_context(user, record, comment_form=form),
        )
    if status == 200:
        return redirect_to(url_for("records.detail", record_id=record.id) + "#trao-doi")
    return Response(render_template("records/detail.html", **detail_context(user, record, comment_form=form)), 422)
