"""Dashboards: the teacher's records, the review queue (+ the tổ's weekly compliance),
the BGH's school-wide chart, overdue list and .xlsx export."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Response, render_template, request

from app.audit import services as audit
from app.core.authz import BGH, allow
from app.core.database import intend_write
from app.core.htmx import page_or_fragment
from app.extensions import db
from app.records import dashboards, exports, queries
from app.records.charts import grouped_bars
from app.records.views import REVIEWERS, VIEWERS, bp, current
from app.school.models import Department

WEEKS_SHOWN = 6
SERIES = [
    ("bar-submitted", "Đã nộp"),
    ("bar-approved", "Đã duyệt"),
    ("bar-late", "Trễ hạn"),
    ("bar-missing", "Chưa nộp"),
]


def _week_param(today: date) -> date:
    raw = request.args.get("week", "")
    try:
        chosen = date.fromisoformat(raw) if raw else today
    except ValueError:
        chosen = today
    return dashboards.week_start(min(chosen, today + timedelta(days=7)))


@bp.route("/mine")
@allow(VIEWERS)
def mine() -> str:
    user = current()
    today = dashboards.local_today()
    return render_template(
        "records/mine.html",
        summary=dashboards.teacher_summary(user, today),
        types=queries.creatable_types(user),
        today=today,
    )


@bp.route("/review")
@allow(REVIEWERS)
def review() -> Response:
    """The reviewer's queue (polled every 5 s) and, for a tổ trưởng, the tổ's week."""
    user = current()
    today = dashboards.local_today()
    week = _week_param(today)
    led = [db.session.get(Department, d) for d in user.led_department_ids()]
    compliance = [(d, dashboards.teacher_compliance(d, week, today)) for d in led]
    return page_or_fragment(
        "records/review.html",
        "records/_queue.html",
        records=queries.review_queue(user, today),
        today=today,
        week=week,
        compliance=compliance,
        timedelta=timedelta,
        is_overdue=queries.is_overdue,
    )


def _school_table(today: date, week: date) -> tuple[list[date], list[dashboards.DepartmentWeeks]]:
    weeks = [week - timedelta(weeks=i) for i in reversed(range(WEEKS_SHOWN))]
    return weeks, dashboards.department_weeks(weeks, today)


@bp.route("/school")
@allow(BGH)
def school() -> str:
    user = current()
    today = dashboards.local_today()
    week = _week_param(today)
    weeks, table = _school_table(today, week)
    chart = grouped_bars(
        [(row.department.name, [c.submitted, c.approved, c.late, c.missing]) for row in table for c in row.weeks[-1:]],
        SERIES,
    )
    return render_template(
        "records/school.html",
        today=today,
        week=week,
        weeks=weeks,
        table=table,
        chart=chart,
        timedelta=timedelta,
        overdue=dashboards.overdue_records(user, today),
        head=audit.head(),
    )


@bp.route("/school/export.xlsx")
@allow(BGH)
def school_export() -> Response:
    db.session.rollback()
    intend_write()  # the export itself is audited
    user = current()
    today = dashboards.local_today()
    week = _week_param(today)
    weeks, table = _school_table(today, week)
    overdue = dashboards.overdue_records(user, today, limit=5000)
    data = exports.compliance_workbook(table, weeks, overdue, today)
    audit.record(
        user,
        "records.compliance_exported",
        ("records", None),
        changes={"weeks": [weeks[0], weeks[-1]], "departments": len(table), "overdue_rows": len(overdue)},
    )
    db.session.commit()
    name = f"tuan-thu-ho-so-{week.isoformat()}.xlsx"
    return Response(
        data,
        headers={
            "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )
