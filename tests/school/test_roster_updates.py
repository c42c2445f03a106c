"""Roster import of students already in the system (matched by mã học sinh): the preview
shows Thêm mới / Cập nhật (old → new per field) / Không đổi, confirming applies all rows or
none, each changed student is audited as the student form does, and the stored sensitive
values never appear in the preview."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.school import imports, services
from app.school.models import Enrollment, GuardianRelation, SchoolClass, SchoolYear, Student
from tests.school.conftest import events, make_xlsx, upload
from tests.security.conftest import db_digest

HEADER = ["Mã HS", "Số đăng bộ", "Họ", "Chữ đệm", "Tên", "Ngày sinh", "Giới tính", "Dân tộc", "Số định danh cá nhân",
          "Họ tên mẹ", "Điện thoại mẹ"]  # fmt: skip


def row(code: str, last: str, middle: str, first: str, **cells: Any) -> list[Any]:
    values = {"register": "", "birth": "17/05/2012", "gender": "Nữ", "ethnicity": "", "national_id": "",
              "mother": "", "mother_phone": "", **cells}  # fmt: skip
    return [code, values["register"], last, middle, first, values["birth"], values["gender"], values["ethnicity"],
            values["national_id"], values["mother"], values["mother_phone"]]  # fmt: skip


def _student(app, code: str) -> Student:  # type: ignore[no-untyped-def]
    with app.app_context():
        student = db.session.scalar(select(Student).where(Student.student_code == code))
        assert student is not None
        student.guardians  # noqa: B018  (loaded before the session closes)
        db.session.expunge(student)
        return student


def _preview(app, rows: list[list[Any]], class_id: int):  # type: ignore[no-untyped-def]
    with app.app_context():
        return imports.preview("roster", make_xlsx(rows), imports.ImportOptions(class_id))


def _run(app, rows: list[list[Any]], class_id: int):  # type: ignore[no-untyped-def]
    with app.app_context():
        result = imports.run("roster", None, make_xlsx(rows), imports.ImportOptions(class_id), filename="ds.xlsx")
        db.session.commit()
        return result


def _lines(preview: Any, line: int) -> list[tuple[str, str, str]]:
    found = next(r for r in preview.rows if r.line == line)
    assert found.errors == [], found.errors
    return [(c.label, c.old, c.new) for c in found.changes]


def _prepare(app, fx) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """Two 10A1 students: A with dân tộc, số định danh and a mother; B untouched."""
    a, b = fx.students_a1[0], fx.students_a1[1]
    with app.app_context():
        student = db.session.get(Student, a.id)
        services.update_student(
            None, student, ethnicity="Kinh", national_id="087312000001", register_number="0007/2024"
        )
        services.add_guardian(
            None, student, relation=GuardianRelation.MOTHER, full_name="Lê Thị Mẹ", phone="0912345678"
        )
        db.session.commit()
    return a.student_code, b.student_code


def test_the_preview_says_new_update_or_unchanged_with_old_and_new_values(app, school_fixture) -> None:
    fx = school_fixture
    a, b = _prepare(app, fx)
    rows = [
        HEADER,
        row(a, "Nguyễn", "Canary-A01", "Bích", birth="18/05/2012", register="0008/2024", mother_phone="0987654321"),
        row(b, "Nguyễn", "Canary-A02", "Bích"),
        row("T-NEW", "Phan", "Thị", "Mới"),
    ]
    preview = _preview(app, rows, fx.c10a1.id)
    assert preview.ok, preview.messages
    assert [(r.line, r.status, r.note) for r in preview.rows] == [
        (2, "update", "Cập nhật"),
        (3, "same", "Không đổi"),
        (4, "new", "Thêm mới vào lớp 10A1"),
    ]
    assert _lines(preview, 2) == [
        ("Số đăng bộ", "0007/2024", "0008/2024"),
        ("Ngày sinh", "17/05/2012", "18/05/2012"),
        ("Điện thoại mẹ", "0912345678", "0987654321"),
    ]
    assert (preview.count("new"), preview.count("update"), preview.count("same")) == (1, 1, 1)


def test_stored_sensitive_values_are_never_shown_in_the_preview(app, school_fixture, admin_client) -> None:
    fx = school_fixture
    a, _ = _prepare(app, fx)
    rows = [HEADER, row(a, "Nguyễn", "Canary-A01", "Bích", ethnicity="Hoa", national_id="087312000999")]
    preview = _preview(app, rows, fx.c10a1.id)
    assert _lines(preview, 2) == [
        ("Dân tộc", "(đã có, ẩn)", "Hoa"),
        ("Số định danh cá nhân", "(đã có, ẩn)", "0873******99"),
    ]
    url = upload(admin_client, "roster", make_xlsx(rows), class_id=fx.c10a1.id).headers["Location"]
    page = admin_client.get(url).text
    assert "Cập nhật" in page and "<del>(đã có, ẩn)</del> → <ins>Hoa</ins>" in page
    assert "Kinh" not in page and "087312000001" not in page and "0873******01" not in page
    assert "087312000999" not in page  # the new number is masked too


def test_empty_cells_and_absent_columns_keep_what_is_stored(app, school_fixture) -> None:
    fx = school_fixture
    a, _ = _prepare(app, fx)
    # no register/ethnicity/national id/mother values, and no address column at all
    preview = _preview(app, [HEADER, row(a, "Nguyễn", "Canary-A01", "Bích")], fx.c10a1.id)
    assert [(r.status, r.changes) for r in preview.rows] == [("same", [])]
    _run(app, [HEADER, row(a, "Nguyễn", "Canary-A01", "Bích")], fx.c10a1.id)
    student = _student(app, a)
    assert (student.ethnicity, student.national_id, student.register_number) == ("Kinh", "087312000001", "0007/2024")
    assert [(g.relation, g.phone) for g in student.guardians] == [("me", "0912345678")]


def test_confirming_applies_the_updates_with_one_event_per_changed_student(app, school_fixture) -> None:
    fx = school_fixture
    a, b = _prepare(app, fx)
    head = len(events(app))
    rows = [
        HEADER,
        row(a, "Nguyễn", "Ngọc", "Bích", national_id="087312000999", mother="Lê Thị Mẹ", mother_phone="0987654321"),
        row(b, "Nguyễn", "Canary-A02", "Bích"),
        row("T-NEW", "Phan", "Thị", "Mới", mother="Phan Thị Bà"),
    ]
    result = _run(app, rows, fx.c10a1.id)
    assert result.counts == {"students": 1, "guardians": 1, "updated": 1, "unchanged": 1}
    assert result.summary == (
        "Đã nhập 1 học sinh và 1 cha/mẹ/người giám hộ vào lớp 10A1. Đã cập nhật 1 học sinh. 1 học sinh không đổi."
    )
    written = events(app)[head:]
    assert [e.action for e in written] == ["student.updated", "guardian.updated", "import.class_roster"]
    updated = written[0]
    assert updated.subject_id == str(fx.students_a1[0].id)
    assert updated.changes["full_name"] == ["Nguyễn Canary-A01 Bích", "Nguyễn Ngọc Bích"]
    assert updated.changes["national_id"] == ["(cũ)", "(mới)"]  # as the student form writes it
    assert written[-1].changes["students_updated"] == [0, 1]
    with app.app_context():
        chain = " ".join(str(e.changes) for e in db.session.scalars(select(AuditEvent)))
    assert "087312000999" not in chain and "087312000001" not in chain
    student = _student(app, a)
    assert student.full_name == "Nguyễn Ngọc Bích" and student.national_id == "087312000999"
    assert [g.phone for g in student.guardians] == ["0987654321"]


def test_one_bad_row_applies_no_update(app, school_fixture) -> None:
    fx = school_fixture
    a, _ = _prepare(app, fx)
    before = db_digest(app)
    rows = [
        HEADER,
        row(a, "Nguyễn", "Ngọc", "Bích", birth="19/05/2012"),
        row("T-BAD", "Lê", "", "Sai", birth="31/02/2012"),
    ]
    with app.app_context(), pytest.raises(imports.ImportRejected) as refused:
        imports.run("roster", None, make_xlsx(rows), imports.ImportOptions(fx.c10a1.id), filename="ds.xlsx")
    assert "Dòng 3: ngày sinh '31/02/2012' không tồn tại" in refused.value.preview.messages[0]
    assert db_digest(app) == before
    assert _student(app, a).birth_date == date(2012, 5, 17)


def test_what_an_update_may_not_change_is_a_row_error(app, school_fixture) -> None:
    fx = school_fixture
    a, b = _prepare(app, fx)
    with app.app_context():
        services.update_student(None, db.session.get(Student, fx.students_a1[1].id), moet_id="MOET-B")
        db.session.commit()
    header = [*HEADER, "Mã định danh Bộ"]
    rows = [
        header,
        [*row(b, "Nguyễn", "Canary-A02", "Bích"), "MOET-OTHER"],  # a granted mã định danh Bộ
        [*row(a, "Nguyễn", "Canary-A01", "Bích"), "MOET-B"],  # B's mã for A
        [*row("T-3", "Lê", "", "Ba", register="0007/2024"), ""],  # A's số đăng bộ for a new student
    ]
    messages = _preview(app, rows, fx.c10a1.id).messages
    assert (
        "Dòng 2: mã định danh Bộ 'MOET-OTHER' khác mã đã cấp cho học sinh này (MOET-B); mã đã cấp không đổi được"
        in messages
    )
    assert "Dòng 3: mã định danh Bộ 'MOET-B' đã có ở một học sinh khác trong hệ thống" in messages
    assert "Dòng 4: số đăng bộ '0007/2024' đã có ở một học sinh khác trong hệ thống" in messages


def test_a_student_of_last_year_is_placed_in_this_years_class(app, school_fixture, make_year) -> None:
    fx = school_fixture
    code = fx.students_a1[0].student_code
    later = make_year(2025)
    with app.app_context():
        c11 = services.create_class(None, db.session.get(SchoolYear, later.id), "11A1", 11)
        db.session.commit()
        c11_id = c11.id
    preview = _preview(app, [HEADER, row(code, "Nguyễn", "Canary-A01", "Bích")], c11_id)
    assert _lines(preview, 2) == [("Lớp", "—", "11A1")]
    _run(app, [HEADER, row(code, "Nguyễn", "Canary-A01", "Bích")], c11_id)
    assert events(app)[-2].action == "student.enrolled"
    with app.app_context():
        rows = db.session.execute(
            select(SchoolClass.name, Enrollment.start_date, Enrollment.end_date)
            .join(Enrollment, Enrollment.class_id == SchoolClass.id)
            .where(Enrollment.student_id == fx.students_a1[0].id)
            .order_by(Enrollment.start_date)
        ).all()
    assert rows == [("10A1", date(2024, 9, 5), None), ("11A1", date(2025, 9, 5), None)]


def test_a_student_who_left_school_is_not_put_back_by_a_file(app, school_fixture) -> None:
    fx = school_fixture
    code = fx.students_a1[0].student_code
    with app.app_context():
        student = db.session.get(Student, fx.students_a1[0].id)
        (current,) = student.enrollments
        services.end_enrollment(None, current, kind="thoi_hoc", on=date(2025, 2, 1), reason="Gia đình xin nghỉ")
        db.session.commit()
    messages = _preview(app, [HEADER, row(code, "Nguyễn", "Canary-A01", "Bích")], fx.c10a1.id).messages
    assert messages == [
        "Dòng 2: học sinh Nguyễn Canary-A01 Bích đã rời lớp 10A1 (thôi học) sau ngày 31/01/2025; "
        "không xếp lại lớp từ tệp được"
    ]


def test_an_admin_export_imports_back_as_unchanged(app, admin_client, school_fixture) -> None:
    """The export leaves out what the quản trị may not read; importing it back changes nothing."""
    fx = school_fixture
    _prepare(app, fx)
    data = admin_client.get(f"/school/classes/{fx.c10a1.id}/export.xlsx").data
    header = [c.value for c in load_workbook(io.BytesIO(data)).worksheets[0][1]]
    assert "Số đăng bộ" in header and "Dân tộc" not in header and "Số định danh cá nhân" not in header
    before = db_digest(app)
    with app.app_context():
        preview = imports.preview("roster", data, imports.ImportOptions(fx.c10a1.id))
    assert preview.ok, preview.messages
    assert [r.status for r in preview.rows] == ["same"] * 3
    result = _run_bytes(app, data, fx.c10a1.id)
    assert result.summary == "3 học sinh không đổi."
    assert db_digest(app) == before  # nothing changed (the summary event aside)


def _run_bytes(app, data: bytes, class_id: int):  # type: ignore[no-untyped-def]
    with app.app_context():
        result = imports.run("roster", None, data, imports.ImportOptions(class_id), filename="xuat.xlsx")
        db.session.commit()
        return result


def test_updates_through_the_screens(app, school_fixture, admin_client) -> None:
    fx = school_fixture
    a, _ = _prepare(app, fx)
    rows = [HEADER, row(a, "Nguyễn", "Canary-A01", "Bích", register="0100/2024"), row("T-NEW", "Phan", "Thị", "Mới")]
    url = upload(admin_client, "roster", make_xlsx(rows), class_id=fx.c10a1.id).headers["Location"]
    page = admin_client.get(url).text
    assert 'id="import-counts"' in page and "Thêm mới: <strong>1</strong> · Cập nhật: <strong>1</strong>" in page
    assert "Số đăng bộ: <del>0007/2024</del> → <ins>0100/2024</ins>" in page
    done = admin_client.post(url)
    assert done.status_code == 200
    assert "Đã nhập 1 học sinh" in done.text and "Đã cập nhật 1 học sinh." in done.text
    assert _student(app, a).register_number == "0100/2024"


def test_a_full_name_column_keeps_how_a_stored_name_is_split(app, school_fixture) -> None:
    fx = school_fixture
    with app.app_context():
        student = db.session.get(Student, fx.students_a1[0].id)
        services.update_student(None, student, last_name="Tôn Nữ", middle_name="Thị", first_name="Hà",
                                full_name="Tôn Nữ Thị Hà")  # fmt: skip
        db.session.commit()
        code = student.student_code
    rows = [["Mã HS", "Họ và tên", "Ngày sinh", "Giới tính"], [code, "Tôn Nữ Thị Hà", "17/05/2012", "Nữ"]]
    preview = _preview(app, rows, fx.c10a1.id)
    assert [(r.status, r.changes) for r in preview.rows] == [("same", [])]  # not re-split as họ "Tôn"
    renamed = _preview(app, [rows[0], [code, "Tôn Nữ Thị Hằng", "17/05/2012", "Nữ"]], fx.c10a1.id)
    assert _lines(renamed, 2) == [("Họ và tên", "Tôn Nữ Thị Hà", "Tôn Nữ Thị Hằng")]
