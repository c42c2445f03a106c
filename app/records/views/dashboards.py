"""Dashboards: the teacher's records, the review queue (+ the tổ's weekly compliance),
the BGH's school-wide chart, overdue list and .xlsx export."""

from __future__ import annotations

from datetime import timedelta

from flask import Response, render_template, request

from app.accounts.session import current_actor
from app.audit import services as audit
from app.core.authz import BGH, allow
from app.core.database import unit_of_work
from app.core.htmx import is_fragment_request, page_or_fragment
from app.core.pagination import page_number
from app.core.routing import Routes
from app.core.xlsx import xlsx_response
from app.records import dashboards, exports, queries, services
from app.records.views.common import REVIEWERS, VIEWERS

routes = Routes()


@routes.route("/mine")
@allow(VIEWERS)
def mine() -> str:
    user = current_actor()
    today = dashboards.local_today()
    return render_template(
        "records/mine.html",
        summary=dashboards.teacher_summary(user, today),
        types=queries.creatable_types(user),
        today=today,
    )


@routes.route("/review")
@allow(REVIEWERS)
def review() -> Response:
    """The reviewer's queue, a page at a time (polled every 5 s) and, for a tổ trưởng, the
    tổ's week."""
    user = current_actor()
    today = dashboards.local_today()
    week = dashboards.chosen_week(request.args.get("week"), today)
    queue = queries.review_page(user, page_number(request.args.get("page")))
    # the 5-second poll redraws the queue (its page) only: the tổ's week is the full page's
    departments = [] if is_fragment_request() else queries.led_departments(user)
    compliance = [(d, dashboards.teacher_compliance(d, week, today)) for d in departments]
    return page_or_fragment(
        "records/review.html",
        "records/_queue.html",
        queue=queue,
        week_chosen=bool(request.args.get("week")),
        today=today,
        week=week,
        compliance=compliance,
        timedelta=timedelta,
        is_overdue=queries.is_overdue,
    )


@routes.route("/school")
@allow(BGH)
def school() -> str:
    user = current_actor()
    today = dashboards.local_today()
    week = dashboards.chosen_week(request.args.get("week"), today)
    overview = dashboards.school_overview(user, week, today)
    return render_template(
        "records/school.html",
        today=today,
        week=week,
        weeks=overview.weeks,
        table=overview.table,
        chart=overview.chart,
        timedelta=timedelta,
        overdue=overview.overdue,
        head=audit.head(),
    )


@routes.route("/school/export.xlsx")
@allow(BGH)
def school_export() -> Response:
    """Traced: the sheet is built in the read transaction, its audit event in a fresh one."""
    user = current_actor()
    today = dashboards.local_today()
    export = exports.compliance_export(user, dashboards.chosen_week(request.args.get("week"), today), today)
    with unit_of_work(fresh=True):
        services.record_compliance_export(user, export)
    return xlsx_response(export.data, export.filename)
