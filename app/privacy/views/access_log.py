"""The parent access log, visible to the BGH (R23): time, class, student initials, the
link's hash prefix (never a token), event, outcome, IP and user agent; by class and outcome."""

from __future__ import annotations

from flask import render_template, request

from app.core.authz import BGH, allow
from app.core.errors import DomainError
from app.core.forms import optional_id
from app.core.routing import Routes
from app.privacy import queries

routes = Routes()


@routes.route("/privacy/access-log")
@allow(BGH)
def access_log() -> str:
    try:
        class_id = optional_id(request.args.get("class_id"))
    except ValueError as exc:
        raise DomainError(f"Lớp cần lọc không hợp lệ: {exc}", 422) from exc
    outcome = request.args.get("outcome") if request.args.get("outcome") in queries.OUTCOMES else None
    page_arg = request.args.get("page", "1")
    page = int(page_arg) if page_arg.isdigit() and len(page_arg) < 7 else 1
    return render_template(
        "privacy/access_log.html", log=queries.access_log(class_id, outcome, page), classes=queries.classes(),
        class_id=class_id, outcome=outcome, outcomes=queries.OUTCOMES, events=queries.EVENTS,
    )  # fmt: skip
