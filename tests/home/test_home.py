"""The start page shows each role its own shortcuts and classes."""

from __future__ import annotations


def test_teacher_home_lists_their_classes_and_work_shortcuts(login_as, school_fixture) -> None:
    page = login_as(school_fixture.t1).get("/").text
    assert "Nhập sổ điểm" in page and "Hồ sơ của tôi" in page
    assert "Theo dõi toàn trường" not in page and "Quản trị trường" not in page
    assert "10A1" in page and "10A2" not in page


def test_principal_home_leads_to_school_wide_tracking(login_as, school_fixture) -> None:
    page = login_as(school_fixture.ht).get("/").text
    assert "Theo dõi toàn trường" in page and "Hồ sơ chờ duyệt" in page
    assert "Nhập sổ điểm" not in page
    assert "10A1" in page and "10A2" in page


def test_homeroom_teacher_sees_their_class_as_gvcn(login_as, school_fixture) -> None:
    page = login_as(school_fixture.gvcn).get("/").text
    assert "Lớp chủ nhiệm" in page and "10A1" in page


def test_only_the_most_specific_menu_entry_is_current(login_as, school_fixture) -> None:
    page = login_as(school_fixture.gvcn).get("/homeroom/").text
    assert page.count('aria-current="page"') == 1
    assert 'aria-current="page">Chủ nhiệm<' in page


# --- what waits for this person (issue 8.8) ------------------------------------------------


def _submit_plan(app, as_user, s, title: str = "Bài 5: Hệ phương trình") -> int:  # type: ignore[no-untyped-def]
    from datetime import date

    from app.extensions import db
    from app.records import services, uploads
    from app.records.models import RecordType
    from tests.records import samples

    with app.app_context():
        type_id = next(t.id for t in services.ensure_default_record_types() if t.code == "ke_hoach_bai_day")
        db.session.commit()

    def go(actor):  # type: ignore[no-untyped-def]
        files = [uploads.stage_bytes("giao-an.pdf", samples.pdf())]
        record_type = db.session.get(RecordType, type_id)
        return services.create_record(
            actor, record_type, title=title, files=files, submit=True,
            class_id=s.c10a1.id, subject_id=s.toan.id, lesson_date=date(2024, 11, 20),
        ).id  # fmt: skip

    return int(as_user(s.t1, go))


def test_a_returned_record_waits_on_the_teachers_home_with_the_reviewers_comment(
    app, as_user, login_as, school_fixture
) -> None:
    from app.extensions import db
    from app.records import services
    from app.records.models import Record

    s = school_fixture
    record_id = _submit_plan(app, as_user, s)
    reviewer_home = login_as(s.tt_toan).get("/").text
    assert 'id="todo-queue"' in reviewer_home and "1 hồ sơ chờ bạn duyệt" in reviewer_home

    def back(actor):  # type: ignore[no-untyped-def]
        record = db.session.get(Record, record_id)
        services.return_record(actor, record, seen_version=record.version, comment="Thiếu phần vận dụng.")

    as_user(s.tt_toan, back)
    home = login_as(s.t1).get("/").text
    returned = home[home.index('id="todo-returned"') :]
    assert "Bài 5: Hệ phương trình" in returned and "Thiếu phần vận dụng." in returned
    assert "Tải lên bản đã sửa" in returned
    assert "chờ bạn duyệt" not in login_as(s.tt_toan).get("/").text


def test_grade_books_of_a_term_about_to_lock_wait_on_the_teachers_home(app, login_as, school_fixture) -> None:
    from datetime import timedelta

    from app.extensions import db
    from app.gradebook import locking
    from app.school.models import Term

    s = school_fixture
    today = locking.today_local()
    with app.app_context():  # HK I running now, locking in 5 days
        term = db.session.get(
            Term, db.session.scalar(db.select(Term.id).where(Term.year_id == s.year.id, Term.number == 1))
        )
        term.start_date, term.end_date, term.lock_date = (
            today - timedelta(days=90),
            today + timedelta(days=3),
            today + timedelta(days=5),
        )
        db.session.commit()  # fmt: skip
    home = login_as(s.t1).get("/").text
    books = home[home.index('id="todo-books"') :]
    assert "Toán · 10A1 · Học kỳ I" in books and "sắp khoá" in books
    assert "Toán · 10A1" not in login_as(s.t2).get("/").text  # only the teacher's own books


def test_a_teacher_who_is_not_a_gvcn_has_no_homeroom_menu(login_as, school_fixture) -> None:
    nav = 'aria-label="Điều hướng chính"'
    teacher = login_as(school_fixture.t1).get("/").text
    assert ">Chủ nhiệm<" not in teacher[teacher.index(nav) :]
    gvcn = login_as(school_fixture.gvcn).get("/").text
    assert ">Chủ nhiệm<" in gvcn[gvcn.index(nav) :]
    principal = login_as(school_fixture.ht).get("/").text
    assert ">Chủ nhiệm<" in principal[principal.index(nav) :]


def test_nothing_waiting_says_so(login_as, school_fixture) -> None:
    assert 'id="todo-empty"' in login_as(school_fixture.admin).get("/").text
    assert 'id="todo-empty"' not in login_as(school_fixture.gv_van).get("/").text  # her term's books
