"""The GVCN's class book (app.homeroom): all subjects' results, học tập with the R7 adjustment explained,
rèn luyện per term and R8 for the year, attendance (R12), exemptions (R13), danh hiệu and
end-of-year decisions with summer results (R9–R11), missing grade books flagged."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.extensions import db
from tests.gradebook.conftest import handle_of

SCORED = [
    ("Vật lí", "LY"),
    ("Hoá học", "HOA"),
    ("Sinh học", "SINH"),
    ("Lịch sử", "SU"),
    ("Địa lí", "DIA"),
    ("Tiếng Anh", "ANH"),
]


@pytest.fixture
def hr(gb, app, as_user, make_subject, make_assignment):  # type: ignore[no-untyped-def]
    """10A1 with 8 scored subjects (Toán, Văn + 6) and GDTC (comment), all books opened."""
    from app.school.models import AssessmentKind

    subjects = {"TOAN": gb.toan, "VAN": gb.van}
    for name, code in SCORED:
        subjects[code] = make_subject(name, code, gb.dept_toan.id, periods=70)
        make_assignment(gb.t1, gb.c10a1, subjects[code])
    subjects["GDTC"] = make_subject(
        "Giáo dục thể chất", "GDTC", gb.dept_toan.id, kind=AssessmentKind.COMMENT, periods=70
    )
    make_assignment(gb.t1, gb.c10a1, subjects["GDTC"])
    teacher = {code: (gb.gv_van if code == "VAN" else gb.t1) for code in subjects}
    books = {}
    for code, subject in subjects.items():
        for term in (gb.term1, gb.term2):
            if code == "TOAN" and term == gb.term1:
                books[(code, term)] = gb.toan_a1
            elif code == "VAN" and term == gb.term1:
                books[(code, term)] = gb.van_a1
            else:
                books[(code, term)] = gb.open_book(teacher[code], gb.c10a1, subject, term)
    gb.subjects, gb.books, gb.teacher = subjects, books, teacher
    return gb


def set_term(app, as_user, hr, term: int, student, values: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    """Every cell of each subject's grade book = the given value (so ĐTBmhk = that value)."""
    from app.gradebook.grid import grid_columns, regular_count
    from app.gradebook.services import entry
    from app.gradebook.values import parse_cell

    for code, raw in values.items():
        book = hr.books[(code, term)]

        def run(actor, book=book, raw=raw):  # type: ignore[no-untyped-def]
            handle = handle_of(app, actor, book)
            cols = grid_columns(regular_count(handle.subject, handle.school_class.grade_level))
            cell = parse_cell(raw, handle.subject.is_comment)
            writes = [
                entry.CellWrite(
                    student.id,
                    c,
                    cell,
                    (entry.current_cell(book, student.id, c) or type("V", (), {"version": 0})).version,
                )
                for c in cols
            ]
            entry.save_batch(actor, handle, writes)

        as_user(hr.teacher[code], run)


GOLDEN_KHA = {
    "TOAN": "9",
    "VAN": "9",
    "LY": "9",
    "HOA": "9",
    "SINH": "9",
    "SU": "9",
    "DIA": "9",
    "ANH": "4",
    "GDTC": "Đ",
}


def _line(html: str, student) -> str:  # type: ignore[no-untyped-def]
    match = re.search(rf'<tr data-student="{student.id}">(.*?)</tr>', html, re.S)
    assert match, "row not found"
    return match.group(1)


def test_gvcn_sees_all_subjects_and_the_r7_adjustment_explained(hr, app, as_user, login_as) -> None:
    s = hr.students_a1[0]
    set_term(app, as_user, hr, hr.term1, s, GOLDEN_KHA)
    page = login_as(hr.gvcn).get(f"/homeroom/{hr.c10a1.id}?period=1")
    assert page.status_code == 200
    row = _line(page.text, s)
    assert row.count(">9,0<") == 7 and ">4,0<" in row and ">Đ<" in row
    assert "<strong>Khá</strong>" in row and "điều chỉnh" in row
    assert "Tính theo khoản 2: Đạt" in row and "Tiếng Anh (4,0)" in row
    # the other students have no results yet: flagged, never guessed
    other = _line(page.text, hr.students_a1[1])
    assert "Chưa đủ kết quả (9 môn)" in other
    assert 'id="homeroom-flags"' in page.text and "thiếu kết quả của 2 học sinh" in page.text


def test_homeroom_scope(hr, login_as) -> None:
    url = f"/homeroom/{hr.c10a1.id}"
    assert login_as(hr.ht).get(url).status_code == 200
    for who in (hr.t1, hr.t2, hr.tt_toan, hr.gv_van):
        r = login_as(who).get(url)
        assert r.status_code == 404 and "Canary" not in r.text
    frag = login_as(hr.gvcn).htmx("GET", url)
    assert frag.status_code == 200 and "<html" not in frag.text


def test_conduct_is_entered_per_term_versioned_and_the_year_follows_r8(hr, login_as, audit_rows) -> None:
    c = login_as(hr.gvcn)
    s = hr.students_a1[0]
    url = f"/homeroom/{hr.c10a1.id}/conduct"
    r = c.htmx("POST", url, data={"student_id": s.id, "term_id": hr.term1, "level": "D", "version": 0})
    assert r.status_code == 200 and 'value="D" selected' in r.text
    stale = c.htmx("POST", url, data={"student_id": s.id, "term_id": hr.term1, "level": "T", "version": 0})
    assert stale.status_code == 409 and 'value="D" selected' in stale.text
    assert (
        c.htmx("POST", url, data={"student_id": s.id, "term_id": hr.term2, "level": "T", "version": 0}).status_code
        == 200
    )
    year = c.get(f"/homeroom/{hr.c10a1.id}?period=year")
    assert "Đạt / Tốt" in _line(year.text, s) and "→ <strong>Khá</strong>" in _line(year.text, s)  # R8
    assert len(audit_rows("conduct.changed")) == 2
    foreign = c.htmx(
        "POST",
        url,
        data={"student_id": hr.students_a2[0].id, "term_id": hr.term1, "level": "T", "version": 0},
    )
    assert foreign.status_code == 404
    assert (
        login_as(hr.ht)
        .post(url, data={"student_id": s.id, "term_id": hr.term1, "level": "T", "version": 1})
        .status_code
        == 403
    )
    assert (
        login_as(hr.t1)
        .post(url, data={"student_id": s.id, "term_id": hr.term1, "level": "T", "version": 1})
        .status_code
        == 404
    )


def test_gvcn_remark_per_term(hr, login_as, audit_rows) -> None:
    c = login_as(hr.gvcn)
    s = hr.students_a1[0]
    url = f"/homeroom/{hr.c10a1.id}/remark"
    r = c.htmx(
        "POST",
        url,
        data={"student_id": s.id, "term_id": hr.term1, "text": "Chăm ngoan", "version": 0},
    )
    assert r.status_code == 200 and 'value="Chăm ngoan"' in r.text
    assert audit_rows("homeroom_remark.changed")[0][3]["text"] == ["", "Chăm ngoan"]


def test_attendance_running_count_and_warnings(hr, login_as, app, as_user) -> None:
    from app.gradebook.locking import today_local
    from app.homeroom import services as homeroom
    from app.school.models import SchoolClass, SchoolYear

    s = hr.students_a1[0]
    c = login_as(hr.gvcn)
    with app.app_context():
        year = db.session.get(SchoolYear, hr.year.id)
        start, end = year.start_date, min(year.end_date, today_local())
    url = f"/homeroom/{hr.c10a1.id}/attendance"
    r = c.htmx("POST", url, data={"student_id": s.id, "day": start.isoformat(), "status": "excused"})
    assert r.status_code == 200 and "<html" not in r.text
    assert (
        c.htmx(
            "POST",
            url,
            data={
                "student_id": s.id,
                "day": (start + timedelta(days=1)).isoformat(),
                "status": "unexcused",
            },
        ).status_code
        == 200
    )
    future = c.htmx(
        "POST",
        url,
        data={
            "student_id": s.id,
            "day": (today_local() + timedelta(days=1)).isoformat(),
            "status": "excused",
        },
    )
    assert future.status_code == 422

    def many(actor):  # type: ignore[no-untyped-def]
        cls = db.session.get(SchoolClass, hr.c10a1.id)
        for i in range(2, 30):
            homeroom.set_attendance(actor, cls, s.id, start + timedelta(days=i), "excused", end)

    as_user(hr.gvcn, many)
    page = c.get(f"{url}?day={start.isoformat()}")
    assert "Cảnh báo: 30/45" in page.text
    summary = c.get(f"/homeroom/{hr.c10a1.id}?period=1")
    assert "29/1" in _line(summary.text, s) and "30/45" in _line(summary.text, s)
    # back to present removes the buổi
    assert (
        c.htmx("POST", url, data={"student_id": s.id, "day": start.isoformat(), "status": "present"}).status_code == 200
    )
    assert "Cảnh báo" not in c.get(f"{url}?day={start.isoformat()}").text


def test_exemption_only_for_the_practical_part_approved_by_the_principal(hr, login_as, app, audit_rows) -> None:
    from app.gradebook.models import Exemption

    c = login_as(hr.gvcn)
    s = hr.students_a1[0]
    url = f"/homeroom/{hr.c10a1.id}/exemptions"
    bad = c.post(url, data={"student_id": s.id, "subject_id": hr.toan.id, "reason": "Đau chân"})
    assert bad.status_code == 422 and "Chỉ miễn phần thực hành" in bad.text
    ok = c.post(
        url,
        data={
            "student_id": s.id,
            "subject_id": hr.subjects["GDTC"].id,
            "term_id": hr.term1,
            "reason": "Gãy tay, có giấy của bệnh viện",
        },
    )
    assert ok.status_code == 303
    assert audit_rows("exemption.requested")[0][3]["reason"] == "(đã ghi, dữ liệu nhạy cảm)"
    with app.app_context():
        e = db.session.query(Exemption).one()
        eid, version = e.id, e.version
    assert (
        c.post(f"/homeroom/exemptions/{eid}/decide", data={"action": "approve", "version": version}).status_code == 403
    )
    assert (
        login_as(hr.ht)
        .post(f"/homeroom/exemptions/{eid}/decide", data={"action": "approve", "version": version})
        .status_code
        == 303
    )
    grid = login_as(hr.t1).get(f"/gradebook/{hr.books[('GDTC', hr.term1)]}")
    assert "Miễn TH" in _line_grid(grid.text, s)
    assert "Gãy tay" not in grid.text  # the reason stays with the GVCN and BGH
    assert "Gãy tay" in login_as(hr.ht).get(url).text


def _line_grid(html: str, student) -> str:  # type: ignore[no-untyped-def]
    return re.search(rf'<tr data-student="{student.id}">(.*?)</tr>', html, re.S).group(1)


def test_year_end_title_decision_and_summer_results(hr, app, as_user, login_as) -> None:
    good, weak = hr.students_a1[0], hr.students_a1[1]
    excellent = {code: "9,5" for code in GOLDEN_KHA} | {"GDTC": "Đ"}
    failing = {code: "4" for code in GOLDEN_KHA} | {
        "TOAN": "6",
        "VAN": "6",
        "LY": "6",
        "HOA": "6",
        "SINH": "6",
        "GDTC": "Đ",
    }
    for term in (hr.term1, hr.term2):
        set_term(app, as_user, hr, term, good, excellent)
        set_term(app, as_user, hr, term, weak, failing)
    c = login_as(hr.gvcn)
    conduct = f"/homeroom/{hr.c10a1.id}/conduct"
    for s, level in ((good, "T"), (weak, "C")):
        for term in (hr.term1, hr.term2):
            c.htmx(
                "POST",
                conduct,
                data={"student_id": s.id, "term_id": term, "level": level, "version": 0},
            )
    page = c.get(f"/homeroom/{hr.c10a1.id}?period=year")
    good_row, weak_row = _line(page.text, good), _line(page.text, weak)
    assert "Học sinh Xuất sắc" in good_row and "Được lên lớp" in good_row
    assert "Rèn luyện trong kỳ nghỉ hè" in weak_row
    summer = f"/homeroom/{hr.c10a1.id}/summer"
    r = c.htmx("POST", summer, data={"student_id": weak.id, "value": "D", "version": 0})
    assert r.status_code == 200 and "Kiểm tra lại" in r.text  # summer Đạt → re-tests next
    assert 'hx-swap-oob="true"' in r.text
    # kiểm tra lại in every subject below 5,0: SU, DIA, ANH
    for code in ("SU", "DIA", "ANH"):
        r = c.htmx(
            "POST",
            summer,
            data={
                "student_id": weak.id,
                "subject_id": hr.subjects[code].id,
                "value": "6,5",
                "version": 0,
            },
        )
        assert r.status_code == 200
    bad = c.htmx(
        "POST",
        summer,
        data={"student_id": weak.id, "subject_id": hr.toan.id, "value": "9", "version": 0},
    )
    assert bad.status_code == 422 and "không thuộc diện kiểm tra lại" in bad.text
    page = c.get(f"/homeroom/{hr.c10a1.id}?period=year")
    weak_row = _line(page.text, weak)
    assert "Được lên lớp" in weak_row and "Rèn luyện sau hè: Đạt (cả năm: Chưa đạt)" in weak_row
    assert "Học tập sau kiểm tra lại: Đạt (trước: Chưa đạt)" in weak_row
    assert "4,0 <small" in weak_row  # the original kept beside the re-test result


def test_missing_grade_books_are_flagged(gb, login_as) -> None:
    page = login_as(gb.gvcn).get(f"/homeroom/{gb.c10a1.id}?period=2")
    assert "chưa mở sổ điểm" in page.text
    flags = re.search(r'id="homeroom-flags"(.*?)</div>', page.text, re.S).group(1)
    assert "Toán" in flags and "Ngữ văn" in flags


def test_settings_change_the_r7_reading(hr, app, as_user, login_as) -> None:
    s = hr.students_a1[0]
    set_term(app, as_user, hr, hr.term1, s, GOLDEN_KHA | {"GDTC": "CĐ", "ANH": "9"})
    url = f"/homeroom/{hr.c10a1.id}?period=1"
    assert "<strong>Khá</strong>" in _line(login_as(hr.gvcn).get(url).text, s)
    r = login_as(hr.ht).post(
        "/gradebook/settings",
        data={"adjustment_reading": "one_step_above_computed", "missed_test_rule": "zero"},
    )  # box unticked
    assert r.status_code == 303
    assert "<strong>Đạt</strong>" in _line(login_as(hr.gvcn).get(url).text, s)
    assert login_as(hr.t1).post("/gradebook/settings", data={}).status_code == 403
