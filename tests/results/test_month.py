"""Monthly report points (báo cáo tháng, issue 10 part 0): which scores a month holds (their
first entry, or the column's test date, on or before the month's last day), with the value
they had at the month's end; the month's absences; no average; the approval path; a
re-publication supersedes only the students whose values changed; authorization; a fixed
number of statements whatever the class size."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from tests.results.conftest import enter, open_book

AFTER_YEAR = date(2025, 6, 10)  # every month of 2024-2025 is over


def at(y: int, m: int, d: int, hh: int = 3, mm: int = 0) -> datetime:
    """An aware UTC moment (03:00 UTC = 10:00 at school)."""
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


@pytest.fixture
def typed(monkeypatch, as_user):  # type: ignore[no-untyped-def]
    """typed(moment, teacher, book, cells): type cells into a grade book at that moment
    (the history rows get that timestamp, as if the teacher typed them then)."""
    import app.gradebook.services.entry as entry_mod

    def run(moment: datetime, teacher: Any, book: int, cells: list[tuple[int, str, str]]) -> None:
        monkeypatch.setattr(entry_mod, "utcnow", lambda: moment)
        try:
            enter(as_user, teacher, book, cells)
        finally:
            monkeypatch.undo()

    return run


def publish(as_user: Any, gvcn: Any, class_id: int, ref: str, note: str = "", today: date = AFTER_YEAR) -> Any:
    from app.results import services
    from app.school.models import SchoolClass

    def run(actor: Any) -> Any:
        out = services.publish_month(actor, db.session.get(SchoolClass, class_id), ref, note, today)
        return (out.written, out.waiting, out.unchanged, out.round.number if out.round else None)

    return as_user(gvcn, run)


def month_snaps(app: Any, class_id: int, ref: str) -> list[Any]:
    """Every month snapshot of the class, (student, version) order, as plain values."""
    from app.results.models import ResultSnapshot
    from app.results.snapshots import verify

    with app.app_context():
        rows = db.session.scalars(
            select(ResultSnapshot)
            .where(ResultSnapshot.class_id == class_id, ResultSnapshot.period == "month")
            .where(ResultSnapshot.period_ref == ref)
            .order_by(ResultSnapshot.student_id, ResultSnapshot.version)
        ).all()
        return [
            {
                "id": r.id,
                "student_id": r.student_id,
                "version": r.version,
                "data": r.data,
                "verified": verify(r),
                "superseded": r.superseded,
                "cause": r.supersession.cause if r.supersession else None,
            }
            for r in rows
        ]


def current(app: Any, class_id: int, ref: str) -> dict[int, dict[str, Any]]:
    return {s["student_id"]: s for s in month_snaps(app, class_id, ref) if not s["superseded"]}


def toan(snapshot: dict[str, Any], term: str = "hk1") -> dict[str, Any]:
    entry = next(s for s in snapshot["data"]["subjects"] if s["code"] == "TOAN")
    return entry["terms"][term]


def set_test_date(as_user: Any, teacher: Any, book: int, column: str, day: date | None) -> Any:
    from app.gradebook import queries
    from app.gradebook.services import test_dates
    from app.gradebook.values import parse_column

    def run(actor: Any) -> Any:
        handle = queries.get_gradebook_for(actor, book)
        return test_dates.set_tx_date(actor, handle, parse_column(column, 9), day)

    return as_user(teacher, run)


# ---------------------------------------------------------------------------- golden


def test_october_holds_the_scores_entered_by_31_10_with_the_value_they_had_then(app, gb, as_user, typed) -> None:
    a, b, c = (s.id for s in gb.students_a1)
    typed(at(2024, 10, 5), gb.t1, gb.toan_a1, [(a, "tx1", "8"), (b, "tx1", "6,5")])
    # 23:59 on 31/10 at school (UTC+7) is in October; 00:01 on 01/11 is not
    typed(at(2024, 10, 31, 16, 59), gb.t1, gb.toan_a1, [(a, "tx2", "7")])
    typed(at(2024, 10, 31, 17, 1), gb.t1, gb.toan_a1, [(a, "tx3", "6")])
    typed(at(2024, 11, 3), gb.t1, gb.toan_a1, [(a, "tx1", "9"), (a, "gk", "7,5")])  # later: a change, a gk
    typed(at(2024, 10, 12), gb.gv_van, gb.van_a1, [(c, "tx1", "5")])
    assert publish(as_user, gb.gvcn, gb.c10a1.id, "2024-10", "Cả lớp tiến bộ.") == (3, False, False, 1)

    october = current(app, gb.c10a1.id, "2024-10")
    assert all(s["verified"] and s["version"] == 1 for s in october.values())
    first = october[a]
    assert toan(first) == {"tx": ["8.0", "7.0", None, None], "gk": None, "ck": None, "result": None, "comment": ""}
    assert toan(october[b])["tx"] == ["6.5", None, None, None]
    data = first["data"]
    assert (data["kind"], data["period_ref"], data["period_label"]) == ("month", "2024-10", "Tháng 10/2024")
    assert data["month"] == {"first_day": "2024-10-01", "last_day": "2024-10-31", "term": "hk1"}
    assert data["remark"] == "Cả lớp tiến bộ." and data["learning"] is None and data["conduct"] == {}
    assert data["student"]["full_name"] == gb.students_a1[0].full_name
    assert data["close"]["published_by"] == "Hoàng Văn Chủ Nhiệm" and data["close"]["approved_by"] is None
    assert data["class"]["name"] == "10A1" and data["names"]["gvcn"] == "Hoàng Văn Chủ Nhiệm"
    # no average anywhere: every term's result is None and no other key carries one
    assert all(t["result"] is None for s in data["subjects"] for t in s["terms"].values())
    assert "average" not in json.dumps(data) and "year" not in data["subjects"][0]
    van = next(s for s in october[c]["data"]["subjects"] if s["code"] == "VAN")
    assert van["terms"]["hk1"]["tx"][0] == "5.0"

    publish(as_user, gb.gvcn, gb.c10a1.id, "2024-11")
    november = current(app, gb.c10a1.id, "2024-11")
    assert toan(november[a])["tx"][:3] == ["9.0", "7.0", "6.0"] and toan(november[a])["gk"] == "7.5"
    assert november[a]["data"]["month"]["first_day"] == "2024-11-01"


def test_the_first_month_is_clipped_to_the_school_year_and_a_cleared_cell_is_not_shown(app, gb, as_user, typed) -> None:
    a = gb.students_a1[0].id
    typed(at(2024, 9, 10), gb.t1, gb.toan_a1, [(a, "tx1", "8"), (a, "tx2", "6")])
    typed(at(2024, 9, 20), gb.t1, gb.toan_a1, [(a, "tx2", "")])  # cleared before the month's end
    publish(as_user, gb.gvcn, gb.c10a1.id, "2024-09")
    september = current(app, gb.c10a1.id, "2024-09")[a]
    assert september["data"]["month"]["first_day"] == "2024-09-05"  # the year starts on 05/09
    assert toan(september)["tx"][:2] == ["8.0", None]


def test_a_test_date_decides_the_month_of_its_column(app, gb, as_user, typed) -> None:
    a, b, _ = (s.id for s in gb.students_a1)
    typed(at(2024, 10, 5), gb.t1, gb.toan_a1, [(a, "tx1", "8")])  # typed in October…
    set_test_date(as_user, gb.t1, gb.toan_a1, "tx1", date(2024, 11, 4))  # …but the test is in November
    typed(at(2024, 11, 6), gb.t1, gb.toan_a1, [(b, "tx2", "9")])  # typed in November…
    typed(at(2024, 11, 8), gb.t1, gb.toan_a1, [(b, "tx2", "9,5")])  # …and fixed two days later
    set_test_date(as_user, gb.t1, gb.toan_a1, "tx2", date(2024, 10, 28))  # …the test was in October
    publish(as_user, gb.gvcn, gb.c10a1.id, "2024-10")
    october = current(app, gb.c10a1.id, "2024-10")
    assert toan(october[a])["tx"][:2] == [None, None]
    assert toan(october[b])["tx"][:2] == [None, "9.5"]  # typed after the month: its value at publication
    publish(as_user, gb.gvcn, gb.c10a1.id, "2024-11")
    assert toan(current(app, gb.c10a1.id, "2024-11")[a])["tx"][0] == "8.0"


def test_absences_are_the_months_only(app, gb, as_user) -> None:
    from app.homeroom import services as homeroom
    from app.school.models import SchoolClass

    a = gb.students_a1[0].id
    days = [(date(2024, 9, 30), "excused"), (date(2024, 10, 2), "excused"), (date(2024, 10, 15), "unexcused"),
            (date(2024, 10, 31), "unexcused"), (date(2024, 11, 1), "excused")]  # fmt: skip

    def run(actor: Any) -> None:
        cls = db.session.get(SchoolClass, gb.c10a1.id)
        for day, status in days:
            homeroom.set_attendance(actor, cls, a, day, status, AFTER_YEAR)

    as_user(gb.gvcn, run)
    publish(as_user, gb.gvcn, gb.c10a1.id, "2024-10")
    october = current(app, gb.c10a1.id, "2024-10")
    assert october[a]["data"]["absences"] == {"excused": 1, "unexcused": 2, "total": 3}
    assert october[gb.students_a1[1].id]["data"]["absences"] == {"excused": 0, "unexcused": 0, "total": 0}


# ---------------------------------------------------------------------------- re-publishing


def test_republishing_supersedes_only_the_students_whose_values_changed(app, gb, as_user, typed, audit_rows) -> None:
    a, b, c = (s.id for s in gb.students_a1)
    typed(at(2024, 10, 5), gb.t1, gb.toan_a1, [(a, "tx1", "8"), (b, "tx1", "7"), (c, "tx1", "6")])
    assert publish(as_user, gb.gvcn, gb.c10a1.id, "2024-10", "Ghi chú.") == (3, False, False, 1)
    # a double submit (or a publication with nothing new) writes nothing
    assert publish(as_user, gb.gvcn, gb.c10a1.id, "2024-10", "Ghi chú.") == (0, False, True, 1)
    # a score typed late, whose test date is in October, changes only student a
    typed(at(2024, 11, 5), gb.t1, gb.toan_a1, [(a, "tx2", "9")])
    set_test_date(as_user, gb.t1, gb.toan_a1, "tx2", date(2024, 10, 30))
    assert publish(as_user, gb.gvcn, gb.c10a1.id, "2024-10", "Ghi chú.") == (1, False, False, 2)

    snaps = month_snaps(app, gb.c10a1.id, "2024-10")
    assert [(s["student_id"], s["version"], s["superseded"]) for s in snaps] == [
        (a, 1, True), (a, 2, False), (b, 1, False), (c, 1, False),
    ]  # fmt: skip
    assert snaps[0]["cause"] == "month_republished" and all(s["verified"] for s in snaps)
    v2 = snaps[1]["data"]
    assert v2["revision"]["cause"] == "month_republished" and v2["revision"]["version"] == 2
    assert toan(snaps[1])["tx"][:2] == ["8.0", "9.0"] and v2["close"]["publication"] == 2
    published = audit_rows("result.month_published")
    assert [e[3]["students_written"][1] for e in published] == [3, 1] and published[1][3]["superseded"] == 1
    # a new note changes every student's report
    assert publish(as_user, gb.gvcn, gb.c10a1.id, "2024-10", "Ghi chú mới.")[0] == 3


# ---------------------------------------------------------------------------- approval


@pytest.fixture
def approval_required(app):  # type: ignore[no-untyped-def]
    from app.school import services as school

    with app.test_request_context("/", method="POST"):
        school.save_school(None, name="THPT Thử", code="T1", level="THPT", province="Trà Vinh")
        school.save_school(None, month_approval_required=True)
        db.session.commit()


def test_with_the_setting_a_bgh_member_approves_before_anything_is_written(
    app, gb, as_user, typed, approval_required, audit_rows, login_as
) -> None:
    from app.home.queries import todo_for
    from app.records import services as records
    from app.results import queries
    from app.school.models import SchoolClass

    a = gb.students_a1[0].id
    typed(at(2024, 10, 5), gb.t1, gb.toan_a1, [(a, "tx1", "8")])
    assert publish(as_user, gb.gvcn, gb.c10a1.id, "2024-10", "Tháng tốt.") == (0, True, False, 1)
    assert month_snaps(app, gb.c10a1.id, "2024-10") == []
    # the double click is the same request again, not a second one
    assert publish(as_user, gb.gvcn, gb.c10a1.id, "2024-10", "Tháng tốt.") == (0, True, True, 1)
    todo = as_user(gb.ht, lambda actor: [(r.title, m.month) for r, m in todo_for(actor, None, AFTER_YEAR).months])
    assert todo == [("Báo cáo tháng 10/2024 lớp 10A1 năm học 2024-2025", "2024-10")]
    page = login_as(gb.ht).get("/")
    assert "Báo cáo tháng chờ bạn duyệt (1)" in page.text

    def approve(actor: Any) -> None:
        pending, record = queries.waiting_month_or_404(gb.c10a1.id, "2024-10")
        assert record.chain == ["bgh"] and record.record_type.code == records.BAO_CAO_THANG
        records.approve_record(actor, record, seen_version=record.version)

    as_user(gb.ht, approve)
    october = current(app, gb.c10a1.id, "2024-10")
    assert len(october) == 3 and october[a]["data"]["close"]["approved_by"] == "Ngô Văn Hiệu Trưởng"
    assert october[a]["data"]["remark"] == "Tháng tốt." and toan(october[a])["tx"][0] == "8.0"
    actions = [e[0] for e in audit_rows() if e[0].startswith("result.month")]
    assert actions == ["result.month_submitted", "result.month_published"]
    with app.app_context():
        rows = month_mod_rows(db.session.get(SchoolClass, gb.c10a1.id))
    assert rows["2024-10"].startswith("đã công bố v1")


def month_mod_rows(cls: Any) -> dict[str, str]:
    from app.results import month

    return {r.month.ref: r.label for r in month.month_rows(cls, AFTER_YEAR)}


def test_a_returned_month_is_sent_again_and_a_waiting_one_refuses_a_different_request(
    app, gb, as_user, typed, approval_required, login_as
) -> None:
    a = gb.students_a1[0].id
    typed(at(2024, 11, 5), gb.t1, gb.toan_a1, [(a, "tx1", "8")])
    publish(as_user, gb.gvcn, gb.c10a1.id, "2024-11", "Bản đầu.")
    with pytest.raises(Exception) as refused:
        publish(as_user, gb.gvcn, gb.c10a1.id, "2024-11", "Bản khác.")
    assert getattr(refused.value, "status", None) == 409 and "đang chờ Ban giám hiệu duyệt" in str(refused.value)
    bgh = login_as(gb.ht)
    page = bgh.get(f"/results/{gb.c10a1.id}/months?month=2024-11")
    assert page.status_code == 200 and "Duyệt và công bố" in page.text
    version = _record_version(app, gb.c10a1.id, "2024-11")
    missing = bgh.post(f"/results/{gb.c10a1.id}/months/2024-11/return", data={"version": version, "comment": ""})
    assert missing.status_code == 422 and "cần ghi rõ lý do" in missing.text
    back = bgh.post(f"/results/{gb.c10a1.id}/months/2024-11/return", data={"version": version, "comment": "Sửa lời."})
    assert back.status_code in (302, 303)
    gvcn_page = login_as(gb.gvcn).get(f"/results/{gb.c10a1.id}/months?month=2024-11")
    assert "bị trả lại" in gvcn_page.text and "Sửa lời." in gvcn_page.text
    assert publish(as_user, gb.gvcn, gb.c10a1.id, "2024-11", "Bản sửa.") == (0, True, False, 1)  # same round
    version = _record_version(app, gb.c10a1.id, "2024-11")
    ok = bgh.post(f"/results/{gb.c10a1.id}/months/2024-11/approve", data={"version": version, "comment": ""})
    assert ok.status_code in (302, 303)
    assert current(app, gb.c10a1.id, "2024-11")[a]["data"]["remark"] == "Bản sửa."


def _record_version(app: Any, class_id: int, ref: str) -> int:
    from app.results import queries

    with app.app_context():
        return queries.waiting_month_or_404(class_id, ref)[1].version


# ---------------------------------------------------------------------------- bad input


def test_a_month_outside_the_year_or_not_over_or_a_long_note_is_refused(app, gb, as_user, login_as) -> None:
    from app.core.errors import DomainError

    client = login_as(gb.gvcn)
    outside = client.post(f"/results/{gb.c10a1.id}/months/2024-07/publish", data={"note": ""})
    assert outside.status_code == 422
    assert "Tháng 7/2024 không thuộc năm học 2024-2025 (từ 05/09/2024 đến 31/05/2025)." in outside.text
    nonsense = client.post(f"/results/{gb.c10a1.id}/months/2024-13/publish", data={"note": ""})
    assert nonsense.status_code == 422 and "không thuộc năm học" in nonsense.text
    long = client.post(f"/results/{gb.c10a1.id}/months/2024-10/publish", data={"note": "à" * 1001})
    assert long.status_code == 422 and "Nhận xét của tháng tối đa 1000 ký tự." in long.text
    with pytest.raises(DomainError) as future:
        publish(as_user, gb.gvcn, gb.c10a1.id, "2024-11", today=date(2024, 11, 29))
    assert future.value.status == 422
    assert future.value.message == "Tháng 11/2024 chưa kết thúc: báo cáo tháng công bố được từ ngày 30/11/2024."
    assert publish(as_user, gb.gvcn, gb.c10a1.id, "2024-11", today=date(2024, 11, 30))[0] == 3  # on its last day
    assert month_snaps(app, gb.c10a1.id, "2024-10") == []


def test_the_note_is_stored_nfc(app, gb, as_user) -> None:
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "Tiến bộ rõ rệt")
    publish(as_user, gb.gvcn, gb.c10a1.id, "2024-10", decomposed)
    remark = current(app, gb.c10a1.id, "2024-10")[gb.students_a1[0].id]["data"]["remark"]
    assert remark == unicodedata.normalize("NFC", "Tiến bộ rõ rệt") and remark != decomposed


# ---------------------------------------------------------------------------- views and authorization


def test_the_gvcn_page_lists_the_months_and_previews_the_scores(app, gb, as_user, typed, login_as) -> None:
    a = gb.students_a1[0].id
    typed(at(2024, 10, 5), gb.t1, gb.toan_a1, [(a, "tx1", "8"), (a, "tx2", "7")])
    typed(at(2024, 10, 6), gb.gv_van, gb.van_a1, [(a, "tx1", "6")])
    client = login_as(gb.gvcn)
    page = client.get(f"/results/{gb.c10a1.id}/months?month=2024-10")
    assert page.status_code == 200
    assert 'data-month="2024-09"' in page.text and 'data-month="2025-05"' in page.text and "chưa công bố" in page.text
    assert f'<tr data-student="{a}"><td class="num">' in page.text
    row = page.text.split(f'<tr data-student="{a}">', 1)[1].split("</tr>", 1)[0]
    assert '<td class="num" data-label="Số điểm">3</td>' in row
    done = client.post(f"/results/{gb.c10a1.id}/months/2024-10/publish", data={"note": "Tốt."})
    assert done.status_code in (302, 303)
    again = client.get(f"/results/{gb.c10a1.id}/months?month=2024-10")
    assert "đã công bố v1" in again.text and "Công bố lại" in again.text
    index = client.get("/results/")
    assert "Báo cáo tháng" in index.text and "đã công bố v1" in index.text
    history = client.get(f"/results/{gb.c10a1.id}/students/{a}")
    assert "Tháng 10/2024" in history.text


def test_only_the_gvcn_of_the_class_publishes(app, gb, as_user, login_as, make_user) -> None:
    from app.school import services as school
    from app.school.models import SchoolClass

    other = make_user("gvcnb", full_name="Trịnh Thị Chủ Nhiệm B")
    with app.app_context():
        school.set_homeroom_teacher(None, db.session.get(SchoolClass, gb.c10a2.id), other.id)
        db.session.commit()
    url = f"/results/{gb.c10a1.id}/months/2024-10/publish"
    assert login_as(other).post(url, data={"note": ""}).status_code == 404  # another class's GVCN
    assert login_as(other).get(f"/results/{gb.c10a1.id}/months").status_code == 404
    assert login_as(gb.t1).post(url, data={"note": ""}).status_code == 404  # a subject teacher of the class
    assert login_as(gb.t1).get(f"/results/{gb.c10a1.id}/months").status_code == 404
    assert login_as(gb.ht).post(url, data={"note": ""}).status_code == 403  # BGH reads, does not publish
    assert login_as(gb.ht).get(f"/results/{gb.c10a1.id}/months").status_code == 200
    assert login_as(gb.admin).get(f"/results/{gb.c10a1.id}/months").status_code == 403  # the admin reads no grades
    assert login_as(gb.admin).post(url, data={"note": ""}).status_code == 403
    assert month_snaps(app, gb.c10a1.id, "2024-10") == []
    # nothing waits: approving a month that is not waiting is 404
    assert (
        login_as(gb.ht).post(f"/results/{gb.c10a1.id}/months/2024-10/approve", data={"version": 1}).status_code == 404
    )
    assert login_as(gb.gvcn).post(url, data={"note": ""}).status_code in (302, 303)


def test_publishing_runs_a_fixed_number_of_statements_whatever_the_class_size(
    app, gb, as_user, typed, make_student, make_user
) -> None:
    from app.school import services as school
    from app.school.models import SchoolClass
    from tests.results.test_close import _statements

    gvcn2 = make_user("gvcn2", full_name="Đinh Thị Chủ Nhiệm Hai")
    with app.app_context():
        school.set_homeroom_teacher(None, db.session.get(SchoolClass, gb.c10a2.id), gvcn2.id)
        db.session.commit()
    big = gb.students_a2 + [make_student(gb.c10a2, f"Lê Thị Thêm{i:02d}") for i in range(12)]  # 15 students
    van_a2 = open_book(as_user, gb.gv_van, gb.c10a2.id, gb.van.id, gb.term1)
    typed(at(2024, 10, 5), gb.t1, gb.toan_a1, [(s.id, "tx1", "8") for s in gb.students_a1])
    typed(at(2024, 10, 5), gb.t2, gb.toan_a2, [(s.id, "tx1", "8") for s in big])
    typed(at(2024, 10, 6), gb.gv_van, gb.van_a1, [(s.id, "tx1", "7") for s in gb.students_a1])
    typed(at(2024, 10, 6), gb.gv_van, van_a2, [(s.id, "tx1", "7") for s in big])
    counts = {}
    for cls_id, gvcn in ((gb.c10a1.id, gb.gvcn), (gb.c10a2.id, gvcn2)):
        counts[cls_id] = _statements(app, lambda c=cls_id, g=gvcn: publish(as_user, g, c, "2024-10"))
    assert len(current(app, gb.c10a1.id, "2024-10")) == 3 and len(current(app, gb.c10a2.id, "2024-10")) == 15
    assert counts[gb.c10a1.id] == counts[gb.c10a2.id], counts
    # a re-publication that supersedes every student is bounded too
    typed(at(2024, 11, 5), gb.t1, gb.toan_a1, [(s.id, "tx2", "9") for s in gb.students_a1])
    typed(at(2024, 11, 5), gb.t2, gb.toan_a2, [(s.id, "tx2", "9") for s in big])
    set_test_date(as_user, gb.t1, gb.toan_a1, "tx2", date(2024, 10, 30))
    set_test_date(as_user, gb.t2, gb.toan_a2, "tx2", date(2024, 10, 30))
    again = {
        c: _statements(app, lambda c=c, g=g: publish(as_user, g, c, "2024-10"))
        for c, g in ((gb.c10a1.id, gb.gvcn), (gb.c10a2.id, gvcn2))
    }
    assert again[gb.c10a1.id] == again[gb.c10a2.id], again
    assert {s["version"] for s in current(app, gb.c10a2.id, "2024-10").values()} == {2}
