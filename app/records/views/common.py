"""What the records pages share: who may call them, the record page's context, the
workflow card's responses, file and spreadsheet responses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Response, flash, render_template, url_for
from wtforms import Form

from app.accounts.models import User
from app.audit import queries as audit_queries
from app.core import files
from app.core.authz import BGH, Role, require
from app.core.database import UnitOfWork
from app.core.errors import ConflictError
from app.core.htmx import is_htmx, redirect_to, render_fragment
from app.records import dashboards, policy, queries
from app.records.forms import CommentForm, DecisionForm, ReturnForm
from app.records.models import Record, RecordFile
from app.records.services import LOCKED

VIEWERS = frozenset({Role.TEACHER, Role.HEAD}) | BGH
REVIEWERS = frozenset({Role.HEAD}) | BGH
#: the workflow card, the queue, the timeline and the versions card refresh on it
TRIGGER = "recordChanged"


def detail_context(user: User, record: Record, **extra: Any) -> dict[str, Any]:
    return {
        "record": record,
        "today": dashboards.local_today(),
        "can": {
            "edit": policy.can_edit(user, record),
            "submit": policy.can_submit(user, record),
            "withdraw": policy.can_withdraw(user, record),
            "review": policy.can_review(user, record),
            "delete": policy.can_delete(user, record),
            "comment": policy.can_comment(user, record),
        },
        "decision_form": extra.pop("decision_form", None) or DecisionForm(formdata=None),
        "return_form": extra.pop("return_form", None) or ReturnForm(formdata=None),
        "comment_form": extra.pop("comment_form", None) or CommentForm(formdata=None),
        "events": audit_queries.timeline(record),
        **extra,
    }


def editable_for(user: User, record_id: int) -> Record:
    """The record, if the user may change it: out of scope 404, locked 409, not the author 403."""
    record = queries.get_for(user, record_id)
    if record.state not in policy.EDITABLE:
        raise ConflictError(LOCKED)
    require(policy.can_edit(user, record))
    return record


def hidden_errors(form: Form) -> str | None:
    """Errors of fields the page does not show (the row version): said in the card instead."""
    hidden = [f for f in form if getattr(f.widget, "input_type", None) == "hidden" and f.name != "csrf_token"]
    problems = [e for field in hidden for e in field.errors]
    return " ".join(str(p) for p in problems) or None


def respond(user: User, record: Record, status: int = 200, error: str | None = None, **forms: Any) -> Response:
    """The workflow card (htmx: with the out-of-band flash and the trigger) or the record page."""
    context = detail_context(user, record, error=error, **forms)
    if is_htmx():
        return render_fragment("records/_workflow_response.html", status=status, trigger=TRIGGER, **context)
    return Response(render_template("records/detail.html", **context), status=status)


def invalid(user: User, record: Record, form: Form, name: str) -> Response:
    """422: the card again with the form's errors (`name` is its context name)."""
    return respond(user, record, 422, hidden_errors(form), **{name: form})


def respond_after(user: User, record_id: int, work: UnitOfWork, done: str) -> Response:
    """After one workflow action: the refusal (409/422) with the current state, or success."""
    record = queries.get_for(user, record_id)
    if work.error is not None:
        return respond(user, record, work.error.status, work.error.message)
    flash(done, "success")
    if is_htmx():
        return respond(user, record)
    return redirect_to(url_for("records.detail", record_id=record.id))


def comments_response(user: User, record_id: int, form: CommentForm, status: int) -> Response:
    """The comment thread (htmx) or the record page; a posted comment (200) redirects a plain form."""
    if status == 200 and not is_htmx():
        return redirect_to(url_for("records.detail", record_id=record_id) + "#trao-doi")
    context = detail_context(user, queries.get_for(user, record_id), comment_form=form)
    if is_htmx():
        trigger = TRIGGER if status == 200 else None
        return render_fragment("records/_comments_response.html", status=status, trigger=trigger, **context)
    return Response(render_template("records/detail.html", **context), status=status)


def file_response(path: Path, record_file: RecordFile) -> Response:
    """Only as an attachment, never rendered: nosniff, sandbox CSP, no caching (test 32)."""
    return files.attachment(path, record_file.original_name, record_file.mime)
