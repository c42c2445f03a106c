"""The close's pages: the list (a GVCN's classes, or for BGH every class by close state),
a class's checklist, the approval page, and a student's snapshot history."""

from __future__ import annotations

from flask import render_template, request
from werkzeug.wrappers import Response

from app.accounts.session import current_actor
from app.core.authz import BGH, Role, allow
from app.core.routing import Routes
from app.core.vn import local_today
from app.results import month as month_mod
from app.results import policy, queries, snapshots
from app.results.views import common
from app.school import queries as school_queries

routes = Routes()
READERS = frozenset({Role.TEACHER}) | BGH


@routes.route("/")
@allow(READERS)
def index() -> str:
    user = current_actor()
    year = school_queries.current_year()
    period = request.args.get("period", "hk1")
    period = period if period in queries.PERIODS else "hk1"
    whole = policy.can_see_school(user)
    classes = None if whole else school_queries.homeroom_classes_of(user, year)
    today = local_today()
    return render_template(
        "results/index.html",
        year=year,
        period=period,
        periods=queries.PERIOD_LABELS,
        texts=queries.PERIOD_TEXT,
        groups=queries.CLOSE_GROUPS,
        closes=queries.school_closes(year, period, classes),
        whole=whole,
        month_rows={c.id: month_mod.month_rows(c, today) for c in classes or []},
        months_waiting=queries.months_waiting_for(user) if whole else [],
    )


@routes.route("/<int:class_id>/<period>")
@allow(READERS)
def checklist(class_id: int, period: str) -> Response:
    user = current_actor()
    cls = queries.close_class(user, class_id)
    return common.checklist_page(user, cls, queries.closable_period(period))


@routes.route("/<int:class_id>/<period>/review")
@allow(READERS)
def review(class_id: int, period: str) -> Response:
    user = current_actor()
    cls = queries.close_class(user, class_id)
    period = queries.closable_period(period)
    queries.close_record_or_404(cls, period)
    return common.review_page(user, cls, period)


@routes.route("/<int:class_id>/students/<int:student_id>")
@allow(READERS)
def history(class_id: int, student_id: int) -> str:
    user = current_actor()
    cls = queries.close_class(user, class_id)
    student = queries.class_student(cls, student_id)
    return render_template(
        "results/history.html",
        cls=cls,
        student=student,
        items=queries.student_history(cls, student.id),
        periods=queries.PERIOD_LABELS,
        verify=snapshots.verify,
        corrections_line=snapshots.corrections_line,
    )
