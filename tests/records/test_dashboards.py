"""Dashboards: weekly compliance, the BGH chart and export, the admin's record types."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

from openpyxl import load_workbook

from app.core.xlsx import safe_value
from app.extensions import db
from app.records import dashboards, exports
from app.records.charts import grouped_bars


def fake(due: date | None, submitted: datetime | None, state: str = "submitted"):  # type: ignore[no-untyped-def]
    return SimpleNamespace(due_date=due, submitted_at=submitted, state=state)


def test_classify_uses_the_local_date_of_the_first_submission() -> None:
    due = date(2024, 10, 8)
    today = date(2024, 10, 20)
    # 23:30 on the due date in Hà Nội is 16:30 UTC the same day: on time
    on_time = fake(due, datetime(2024, 10, 8, 16, 30, tzinfo=UTC))
    assert dashboards.classify(on_time, today) == "on_time"
    # 00:30 the next day in Hà Nội is 17:30 UTC on the due date: late
    late = fake(due, datetime(2024, 10, 8, 17, 30, tzinfo=UTC))
    assert dashboards.classify(late, today) == "late"
    assert dashboards.classify(fake(due, None, "draft"), today) == "overdue"
    assert dashboards.classify(fake(due, None, "draft"), date(2024, 10, 8)) == "pending"


def test_tally_counts_plans_never_created_as_missing() -> None:
    week = [
        fake(date(2024, 10, 8), datetime(2024, 10, 7, tzinfo=UTC), "approved"),
        fake(date(2024, 10, 9), datetime(2024, 10, 12, tzinfo=UTC)),
        fake(date(2024, 10, 10), None, "draft"),
    ]
    counts = dashboards._tally(week, date(2024, 10, 20), expected_floor=5)
    assert (counts.expected, counts.on_time, counts.late, counts.overdue, counts.approved) == (5, 1, 1, 1, 1)
    assert counts.submitted == 2 and counts.missing == 3
    assert dashboards._tally(week, date(2024, 10, 20), expected_floor=0).missing == 1


def _plan(make_record, as_user, rec, lesson: date, submit: bool, author=None, **kw) -> int:  # type: ignore[no-untyped-def]
    return make_record(author=author or rec.t1, lesson_date=lesson, submit=submit, **kw)


def test_department_compliance_for_the_current_week(app, rec, make_record, as_user) -> None:
    today = dashboards.local_today()
    week = dashboards.week_start(today)
    # one plan due this week, submitted now (on time if its due date is today or later)
    due = max(today, week)
    _plan(make_record, as_user, rec, due + timedelta(days=2), True)
    with app.app_context():
        from app.school.models import Department

        rows = {
            r.teacher.username: r.counts
            for r in dashboards.teacher_compliance(db.session.get(Department, rec.dept_toan.id), week, today)
        }
    assert set(rows) >= {"t1", "t2"}
    assert rows["t1"].on_time == 1 and rows["t1"].expected == 1 and rows["t1"].missing == 0
    assert rows["t2"].expected == 1 and rows["t2"].missing == 1  # nothing created: missing


def test_weeks_before_the_school_started_expect_nothing(app, rec, make_record) -> None:
    today = dashboards.local_today()
    week = dashboards.week_start(today)
    make_record(lesson_date=today + timedelta(days=2), submit=True)
    with app.app_context():
        table = {
            row.department.name: row.weeks
            for row in dashboards.department_weeks([week - timedelta(days=7), week], today)
        }
    before, current = table["Toán – Tin"]
    assert (before.expected, before.missing) == (0, 0)
    assert current.expected == 2 and current.submitted == 1 and current.missing == 1  # t1, t2


def test_school_dashboard_chart_table_and_overdue(app, rec, make_record, login_as) -> None:
    today = dashboards.local_today()
    overdue_id = make_record(title='=HYPERLINK("http://x")', lesson_date=today - timedelta(days=1))
    page = login_as(rec.ht).get("/records/school")
    assert page.status_code == 200
    html = page.text
    assert '<svg class="chart"' in html and 'class="bar bar-missing"' in html
    assert " style=" not in html and "<style" not in html
    assert "Toán – Tin" in html and "Ngữ văn" in html
    assert f"/records/{overdue_id}" in html and 'id="audit-head-hash"' in html
    assert login_as(rec.t1).get("/records/school").status_code == 403
    assert login_as(rec.tt_toan).get("/records/school").status_code == 403


def test_export_is_an_audited_xlsx_with_neutralised_formulas(
    app, rec, make_record, login_as, audit_tail, head_seq
) -> None:
    today = dashboards.local_today()
    make_record(title='=HYPERLINK("http://x")', lesson_date=today - timedelta(days=1))
    before = head_seq()
    response = login_as(rec.ht).get("/records/school/export.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    wb = load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames == ["Theo tuần", "Quá hạn"]
    titles = [row[0].value for row in wb["Quá hạn"].iter_rows(min_row=2)]
    assert titles == ['\'=HYPERLINK("http://x")']
    depts = {row[0].value for row in wb["Theo tuần"].iter_rows(min_row=2)}
    assert depts == {"Toán – Tin", "Ngữ văn"}
    assert [a for a, *_ in audit_tail(before)] == ["records.compliance_exported"]
    assert login_as(rec.t1).get("/records/school/export.xlsx").status_code == 403


def test_the_export_writes_every_cell_through_the_one_guard(app, rec, make_record) -> None:
    """records' own safe_cell is gone: core.xlsx.safe_value guards every cell, as text."""
    assert [safe_value(v) for v in ("=1+1", "+84", "-3", "@x", "Bình thường", 5)] == [
        "'=1+1",
        "'+84",
        "'-3",
        "'@x",
        "Bình thường",
        5,
    ]
    today = dashboards.local_today()
    make_record(title="@SUM(1+1)*cmd|' /C calc'!A0", lesson_date=today - timedelta(days=1))
    with app.app_context():
        from app.accounts.models import User

        ht = db.session.get(User, rec.ht.id)
        data = exports.compliance_export(ht, dashboards.week_start(today), today).data
    sheet = load_workbook(io.BytesIO(data))["Quá hạn"]
    (cell,) = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert cell.value == "'@SUM(1+1)*cmd|' /C calc'!A0" and cell.data_type == "s"


def test_chart_geometry_scales_to_the_largest_value_and_keeps_full_labels() -> None:
    chart = grouped_bars(
        [("GDTC – Nghệ thuật", [10, 5, 0, 2]), ("Ngữ văn", [4, 4, 1, 0])],
        [("a", "A"), ("b", "B"), ("c", "C"), ("d", "D")],
    )
    longest = max(chart.bars, key=lambda b: b.width)
    assert longest.value == 10 and longest.x + longest.width == chart.ticks[-1].x
    assert all(b.x == chart.left for b in chart.bars) and all(b.label_x < chart.width for b in chart.bars)
    assert len(chart.bars) == 8 and [g.label for g in chart.groups] == ["GDTC – Nghệ thuật", "Ngữ văn"]  # never cut
    assert [b.y for b in chart.bars] == sorted(b.y for b in chart.bars) and chart.axis_y < chart.height


def test_tổ_trưởng_sees_the_queue_and_the_compliance_of_the_tổ(rec, make_record, login_as) -> None:
    make_record(submit=True)
    page = login_as(rec.tt_toan).get("/records/review")
    assert page.status_code == 200
    assert f'id="compliance-{rec.dept_toan.id}"' in page.text
    assert "Lê Văn Toán Một" in page.text and "Phạm Thị Toán Hai" in page.text
    assert f'id="compliance-{rec.dept_van.id}"' not in page.text


def test_the_queue_poll_redraws_the_queue_without_the_tổ_s_week(app, rec, make_record, login_as) -> None:
    """The queue polls every 5 s in every open tab: the poll reads the waiting records and
    nothing of the tổ's compliance (no record read by due date, no teacher list)."""
    from sqlalchemy import event

    make_record(submit=True)
    client = login_as(rec.tt_toan)
    seen: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        poll = client.get("/records/review", headers={"HX-Request": "true"})
        poll_statements = list(seen)
        seen.clear()
        page = client.get("/records/review")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert poll.status_code == 200 and 'id="review-queue"' in poll.text and "compliance-" not in poll.text
    assert f'id="compliance-{rec.dept_toan.id}"' in page.text
    by_due_date = [q for q in seen if q.startswith("SELECT record.") and "record.due_date >=" in q]
    assert len(by_due_date) == 1  # the full page tallies the week …
    assert not [q for q in poll_statements if "record.due_date >=" in q]  # … the poll does not
    assert len(poll_statements) < len(seen)


def test_admin_edits_record_types_and_chains(app, rec, login_as, audit_tail, head_seq) -> None:
    client = login_as(rec.admin)
    listing = client.get("/records/types")
    assert listing.status_code == 200 and "so_diem" in listing.text
    before = head_seq()
    created = client.post(
        "/records/types/new",
        data={
            "code": "so_du_gio",
            "name": "Sổ dự giờ",
            "step1": "to_truong",
            "step2": "",
            "step3": "",
            "made_by": "giao_vien",
            "sort_order": "70",
            "active": "y",
        },
    )
    assert created.status_code == 303
    bad = client.post(
        "/records/types/new",
        data={
            "code": "x y",
            "name": "Sai",
            "step1": "bgh",
            "step2": "to_truong",
            "step3": "",
            "made_by": "giao_vien",
            "sort_order": "1",
        },
    )
    assert bad.status_code == 422
    type_id = rec.types["ke_hoach_bai_day"]
    edit = client.get(f"/records/types/{type_id}/edit")
    assert '<option selected value="to_truong">' in edit.text
    changed = client.post(
        f"/records/types/{type_id}/edit",
        data={
            "name": "Kế hoạch bài dạy",
            "description": "",
            "step1": "to_truong",
            "step2": "",
            "step3": "",
            "made_by": "giao_vien",
            "requires_class_subject": "y",
            "deadline_days_before_lesson": "3",
            "active": "y",
            "sort_order": "10",
        },
    )
    assert changed.status_code == 303
    with app.app_context():
        from app.records.models import RecordType

        kh = db.session.get(RecordType, type_id)
        assert kh.chain == ["to_truong"] and kh.deadline_days_before_lesson == 3
    assert [a for a, *_ in audit_tail(before)] == ["record_type.created", "record_type.updated"]
    assert login_as(rec.ht).get("/records/types").status_code == 403
    assert login_as(rec.t1).post("/records/types/new", data={}).status_code == 403


def test_a_changed_chain_does_not_touch_records_in_flight(app, rec, make_record, login_as, load) -> None:
    record_id = make_record(submit=True)
    login_as(rec.admin).post(
        f"/records/types/{rec.types['ke_hoach_bai_day']}/edit",
        data={
            "name": "Kế hoạch bài dạy",
            "description": "",
            "step1": "hieu_truong",
            "step2": "",
            "step3": "",
            "made_by": "giao_vien",
            "requires_class_subject": "y",
            "deadline_days_before_lesson": "2",
            "active": "y",
            "sort_order": "10",
        },
    )
    assert load(record_id).chain == ["to_truong", "bgh"]
