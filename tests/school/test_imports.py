"""Excel imports: every row checked, clear Vietnamese errors, all or nothing (SECURITY.md 16, 30)."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.core.xlsx import SpreadsheetRejected
from app.extensions import db
from app.school import imports
from app.school.imports import roster
from app.school.models import Guardian, Student
from tests.school.conftest import (
    ROSTER_HEADER,
    count,
    events,
    make_xlsx,
    roster_row,
    upload,
)


def preview(app, kind: str, rows, class_id=None):  # type: ignore[no-untyped-def]
    with app.app_context():
        return imports.preview(kind, make_xlsx(rows), imports.ImportOptions(class_id))


def good_rows() -> list[list]:
    return [
        ROSTER_HEADER,
        roster_row(
            "T-001",
            "Nguyễn",
            "Ngọc Bảo",
            "Anh",
            national_id="087313000001",
            father="Nguyễn Văn Hùng",
            father_phone="0912345678",
            father_job="Nông dân",
            mother="Trần Thị Lan",
            mother_phone="+84 987 654 321",
        ),
        roster_row("T-002", "Lê", "Văn", "Bình", gender="Nam", mother="Phạm Thị Hoa"),
    ]


# --- validation table (nothing is written by a preview) ------------------------------------

BAD_ROWS = [
    ("birth date Feb 31", {"birth": "31/02/2012"}, "ngày sinh '31/02/2012' không tồn tại: tháng 2 không có ngày 31"),
    ("birth date month 13", {"birth": "01/13/2012"}, "ngày sinh '01/13/2012' không tồn tại: không có tháng 13"),
    ("birth date words", {"birth": "mười hai"}, "ngày sinh 'mười hai' không đúng dạng dd/mm/yyyy"),
    ("birth date missing", {"birth": ""}, "thiếu ngày sinh"),
    ("birth date implausible", {"birth": "01/01/1950"}, "không hợp lý cho học sinh"),
    ("bad gender", {"gender": "Khác"}, "giới tính 'Khác' không hợp lệ (ghi Nam hoặc Nữ)"),
    (
        "11-digit số định danh",
        {"national_id": "08731300000"},
        "số định danh cá nhân '08731300000' phải gồm đúng 12 chữ số",
    ),
    ("letters in số định danh", {"national_id": "08731300000A"}, "phải gồm đúng 12 chữ số"),
    ("no tên", {"first": ""}, "thiếu tên học sinh"),
    ("no mã HS", {"code": ""}, "thiếu mã học sinh"),
    ("bad father phone", {"father": "Lê Văn A", "father_phone": "12345"}, "số điện thoại của cha '12345' không hợp lệ"),
    ("phone without a name", {"father_phone": "0912345678"}, "thiếu họ tên cha"),
    ("mã HS too long", {"code": "X" * 31}, "mã học sinh dài quá 30 ký tự"),
]


@pytest.mark.parametrize("case, change, message", BAD_ROWS, ids=[c[0] for c in BAD_ROWS])
def test_a_bad_row_is_reported_with_its_excel_line(app, school_fixture, case, change, message) -> None:
    fields = {"code": "T-009", "last": "Trần", "middle": "Thị", "first": "Mai", **change}
    bad = roster_row(fields.pop("code"), fields.pop("last"), fields.pop("middle"), fields.pop("first"), **fields)
    rows = good_rows() + [bad]
    result = preview(app, "roster", rows, school_fixture.c10a1.id)
    assert not result.ok
    assert [m for m in result.messages if m.startswith("Dòng 4: ")], result.messages
    assert any(message in m for m in result.messages), result.messages
    assert result.error_rows == 1


def test_the_issue_example_message_names_line_14(app, school_fixture) -> None:
    rows = [ROSTER_HEADER] + [roster_row(f"T-{i:03d}", "Phạm", "Văn", "Nam", gender="Nam") for i in range(2, 14)]
    rows.append(roster_row("T-014", "Võ", "Thị", "Hồng", birth="31/02/2012"))
    result = preview(app, "roster", rows, school_fixture.c10a1.id)
    # the format is right, the day does not exist: the message says so (issue 8, item 10)
    assert "Dòng 14: ngày sinh '31/02/2012' không tồn tại: tháng 2 không có ngày 31" in result.messages
    assert not any("dd/mm/yyyy" in m for m in result.messages)


def test_duplicate_student_codes_inside_the_file_and_an_existing_code_updates(app, school_fixture) -> None:
    existing = school_fixture.students_a1[0].student_code
    rows = good_rows() + [
        roster_row("T-001", "Đỗ", "", "Khoa", gender="Nam"),
        roster_row(existing, "Đỗ", "", "Khánh", gender="Nam"),
    ]
    result = preview(app, "roster", rows, school_fixture.c10a1.id)
    assert "Dòng 4: mã học sinh 'T-001' trùng với dòng 2" in result.messages
    # a mã học sinh already in the system is no longer an error: the row updates that student
    row5 = next(r for r in result.rows if r.line == 5)
    assert row5.errors == [] and row5.status == "update"
    assert ("Họ và tên", "Nguyễn Canary-A01 Bích", "Đỗ Khánh") in [(c.label, c.old, c.new) for c in row5.changes]


def test_duplicate_national_ids_are_refused(app, school_fixture) -> None:
    rows = good_rows() + [roster_row("T-003", "Hồ", "Thị", "Yến", national_id="087313000001")]
    result = preview(app, "roster", rows, school_fixture.c10a1.id)
    assert any("số định danh cá nhân '087313000001' trùng với dòng 2" in m for m in result.messages)


def test_excel_date_cells_numbers_and_one_full_name_column_are_accepted(app, school_fixture) -> None:
    rows = [
        ["STT", "Mã học sinh", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "SĐT mẹ", "Họ tên mẹ"],
        [1, 240001, "Nguyễn Thị Ngọc Ánh", datetime(2012, 3, 9), "nữ", "087312000123", 912345678, "Lê Thị Hạnh"],
        [2, 240002, "Trần   Văn  Đức", 41000, "NAM", None, None, None],
    ]
    result = preview(app, "roster", rows, school_fixture.c10a1.id)
    assert result.ok, result.messages
    first, second = (row.data for row in result.rows)
    assert first.fields["student_code"] == "240001"
    assert (first.fields["last_name"], first.fields["middle_name"], first.fields["first_name"]) == (
        "Nguyễn",
        "Thị Ngọc",
        "Ánh",
    )
    assert first.fields["birth_date"] == date(2012, 3, 9)
    assert first.guardians == [
        {"relation": "me", "full_name": "Lê Thị Hạnh", "phone": "0912345678", "occupation": None}
    ]
    assert second.fields["full_name"] == "Trần Văn Đức"
    assert second.fields["birth_date"] == date(2012, 4, 1)  # Excel serial 41000


def test_a_header_below_title_rows_is_found(app, school_fixture) -> None:
    rows = [["TRƯỜNG THCS NGUYỄN DU"], ["DANH SÁCH HỌC SINH LỚP 10A1"], *good_rows()]
    result = preview(app, "roster", rows, school_fixture.c10a1.id)
    assert result.ok, result.messages
    assert [r.line for r in result.rows] == [4, 5]


def test_missing_required_columns_are_named(app, school_fixture) -> None:
    rows = [["Mã HS", "Họ", "Tên"], ["T-001", "Lê", "An"]]
    result = preview(app, "roster", rows, school_fixture.c10a1.id)
    assert not result.ok
    assert result.messages == ["Thiếu cột bắt buộc: 'Ngày sinh', 'Giới tính'. Hãy dùng đúng tiêu đề cột như tệp mẫu."]


def test_no_header_at_all_is_a_clear_message(app, school_fixture) -> None:
    with app.app_context(), pytest.raises(SpreadsheetRejected) as caught:
        imports.preview("roster", make_xlsx([["a", "b"], [1, 2]]), imports.ImportOptions())
    assert "Không tìm thấy dòng tiêu đề" in caught.value.message


def test_class_column_must_match_the_chosen_class_or_exist(app, school_fixture) -> None:
    rows = [
        ROSTER_HEADER[:6] + ["Lớp"],
        ["T-001", "Lê", "", "An", "01/02/2012", "Nam", "10A2"],
        ["T-002", "Lê", "", "Ba", "01/02/2012", "Nam", "10A9"],
    ]
    chosen = preview(app, "roster", rows, school_fixture.c10a1.id)
    assert "Dòng 2: lớp '10A2' khác lớp đang nhập (10A1)" in chosen.messages
    by_column = preview(app, "roster", rows, None)
    assert "Dòng 3: lớp '10A9' không có trong năm học 2024-2025" in by_column.messages
    assert not any(m.startswith("Dòng 2") for m in by_column.messages)


def test_too_many_rows_is_a_file_error(app, school_fixture) -> None:
    app.config["SODIENTU_IMPORT_MAX_ROWS"] = 3
    rows = [ROSTER_HEADER] + [roster_row(f"T-{i}", "Lê", "", "An") for i in range(5)]
    result = preview(app, "roster", rows, school_fixture.c10a1.id)
    assert any("hơn 3 dòng dữ liệu" in m for m in result.file_errors)
    assert not result.ok


# --- wrong files -------------------------------------------------------------------------------


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


WRONG_FILES = [
    ("old .xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "định dạng Excel cũ (.xls)"),
    ("csv renamed", "Mã HS,Họ,Tên\nT1,Lê,An\n".encode(), "văn bản thường hoặc CSV"),
    ("exe renamed", b"MZ\x90\x00\x03" + b"\0" * 300, "chương trình máy tính"),
    ("pdf renamed", b"%PDF-1.7\n...", "Tệp là PDF"),
    ("docx renamed", _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<x/>"}), "văn bản Word (.docx)"),
    ("other zip", _zip({"hello.txt": b"hi"}), "không phải bảng tính Excel (.xlsx)"),
    ("broken zip", b"PK\x03\x04" + b"garbage" * 50, "bị hỏng"),
    (
        "macro workbook",
        _zip({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<x/>", "xl/vbaProject.bin": b"\0"}),
        "có macro",
    ),
    ("empty", b"", "rỗng"),
]


@pytest.mark.parametrize("case, data, message", WRONG_FILES, ids=[c[0] for c in WRONG_FILES])
def test_wrong_file_types_get_a_vietnamese_message_and_nothing_is_kept(
    app, school_fixture, admin_client, case, data, message, tmp_path
) -> None:
    before = count(app, Student)
    response = upload(admin_client, "roster", data, "danh-sach.xlsx", school_fixture.c10a1.id)
    assert response.status_code in (415, 422)
    assert message in response.text
    assert count(app, Student) == before
    folder = tmp_path / "instance" / "imports"
    assert not folder.exists() or not list(folder.glob("*.xlsx"))


def test_an_oversized_file_is_413(app, school_fixture, admin_client) -> None:
    app.config["SODIENTU_IMPORT_MAX_BYTES"] = 2048
    response = upload(admin_client, "roster", make_xlsx(good_rows()), class_id=school_fixture.c10a1.id)
    assert response.status_code == 413
    assert "Tệp quá lớn" in response.text


# --- apply: all or nothing, one summary event --------------------------------------------------


def test_a_valid_roster_is_imported_with_guardians_and_one_summary_event(app, school_fixture) -> None:
    before_events = len(events(app))
    with app.app_context():
        result = imports.run(
            "roster", None, make_xlsx(good_rows()), imports.ImportOptions(school_fixture.c10a1.id), filename="ds.xlsx"
        )
        db.session.commit()
    assert result.counts == {"students": 2, "guardians": 3, "updated": 0, "unchanged": 0}
    new_events = events(app)[before_events:]
    assert [e.action for e in new_events] == ["import.class_roster"]
    assert new_events[0].changes["students_created"] == [0, 2]
    assert new_events[0].subject_type == "class"
    assert new_events[0].file_sha256 and len(new_events[0].file_sha256) == 64
    with app.app_context():
        anh = db.session.scalar(select(Student).where(Student.student_code == "T-001"))
        assert anh.full_name == "Nguyễn Ngọc Bảo Anh"
        assert anh.national_id == "087313000001"
        assert sorted((g.relation, g.phone) for g in anh.guardians) == [("cha", "0912345678"), ("me", "0987654321")]
        assert anh.enrollments[0].class_id == school_fixture.c10a1.id


def test_one_bad_row_imports_nothing(app, school_fixture) -> None:
    rows = good_rows() + [roster_row("T-003", "Lê", "", "Cúc", birth="31/02/2012")]
    before = (count(app, Student), count(app, Guardian), len(events(app)))
    with app.app_context(), pytest.raises(imports.ImportRejected) as caught:
        imports.run("roster", None, make_xlsx(rows), imports.ImportOptions(school_fixture.c10a1.id), filename="ds.xlsx")
    assert "Dòng 4: ngày sinh '31/02/2012' không tồn tại" in caught.value.preview.messages[0]
    assert (count(app, Student), count(app, Guardian), len(events(app))) == before


def test_a_failure_while_applying_rolls_everything_back(app, school_fixture, monkeypatch) -> None:
    calls = []
    real = roster.build_student

    def flaky(entry):  # type: ignore[no-untyped-def]
        calls.append(entry)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(entry)

    monkeypatch.setattr(roster, "build_student", flaky)
    before = (count(app, Student), count(app, Guardian), len(events(app)))
    with app.app_context():
        with pytest.raises(RuntimeError):
            imports.run(
                "roster",
                None,
                make_xlsx(good_rows()),
                imports.ImportOptions(school_fixture.c10a1.id),
                filename="ds.xlsx",
            )
        db.session.rollback()
    assert (count(app, Student), count(app, Guardian), len(events(app))) == before


# --- the screens --------------------------------------------------------------------------------


def test_upload_preview_confirm_through_the_screens(app, school_fixture, admin_client) -> None:
    response = upload(admin_client, "roster", make_xlsx(good_rows()), "Lớp 10A1.xlsx", school_fixture.c10a1.id)
    assert response.status_code == 303
    preview_url = response.headers["Location"]
    page = admin_client.get(preview_url)
    assert page.status_code == 200
    assert "Nguyễn" in page.text and "Không có lỗi" in page.text
    assert "0873******01" in page.text and "087313000001" not in page.text  # masked in lists
    assert count(app, Student, Student.student_code.like("T-%")) == 0  # preview wrote nothing
    done = admin_client.post(preview_url)
    assert done.status_code == 200
    assert "Đã nhập 2 học sinh" in done.text
    assert count(app, Student, Student.student_code.like("T-%")) == 2
    assert admin_client.post(preview_url).status_code == 404  # the upload is gone: no double import


def test_confirming_a_file_with_errors_is_422_and_imports_nothing(app, school_fixture, admin_client) -> None:
    rows = good_rows() + [roster_row("T-003", "Lê", "", "Cúc", gender="?")]
    url = upload(admin_client, "roster", make_xlsx(rows), class_id=school_fixture.c10a1.id).headers["Location"]
    page = admin_client.get(url)
    assert "Dòng 4: giới tính &#39;?&#39; không hợp lệ" in page.text
    assert 'id="confirm-import"' not in page.text
    response = admin_client.post(url)
    assert response.status_code == 422
    assert count(app, Student, Student.student_code.like("T-%")) == 0


def test_confirm_revalidates_against_the_database(app, school_fixture, admin_client, make_student) -> None:
    url = upload(admin_client, "roster", make_xlsx(good_rows()), class_id=school_fixture.c10a1.id).headers["Location"]
    make_student(school_fixture.c10a2, "Hồ Văn Chen Ngang", student_code="T-002")
    response = admin_client.post(url)
    assert response.status_code == 422  # T-002 now exists, in 10A2: the row would move a class
    assert "Dòng 3: học sinh Hồ Văn Chen Ngang đang học lớp 10A2 năm học 2024-2025" in response.text
    assert count(app, Student, Student.student_code == "T-001") == 0


def test_a_database_failure_while_applying_is_409_and_nothing_is_kept(
    app, school_fixture, admin_client, monkeypatch
) -> None:
    from sqlalchemy.exc import IntegrityError

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise IntegrityError("INSERT", {}, Exception("unique"))

    url = upload(admin_client, "roster", make_xlsx(good_rows()), class_id=school_fixture.c10a1.id).headers["Location"]
    monkeypatch.setattr(roster.audit, "record", boom)
    response = admin_client.post(url)
    assert response.status_code == 409
    assert "Không có dòng nào được lưu" in response.text
    assert count(app, Student, Student.student_code.like("T-%")) == 0


def test_an_unexpected_failure_while_applying_is_500_and_nothing_is_kept(
    app, school_fixture, admin_client, monkeypatch
) -> None:
    url = upload(admin_client, "roster", make_xlsx(good_rows()), class_id=school_fixture.c10a1.id).headers["Location"]
    real = roster.build_student
    calls = []

    def flaky(entry):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("boom")
        return real(entry)

    monkeypatch.setattr(roster, "build_student", flaky)
    response = admin_client.post(url)
    assert response.status_code == 500
    assert count(app, Student, Student.student_code.like("T-%")) == 0
    assert events(app, "import.class_roster") == []


def test_the_preview_survives_restarts_and_is_bound_to_its_uploader(
    app, school_fixture, admin_client, make_user, login_as
) -> None:
    from app.core.authz import Role

    url = upload(admin_client, "roster", make_xlsx(good_rows()), class_id=school_fixture.c10a1.id).headers["Location"]
    token = url.rsplit("/", 1)[1]
    stored = list(_imports_dir(app).glob(f"{token}.*"))
    assert sorted(p.suffix for p in stored) == [".json", ".xlsx"]
    other_admin = login_as(make_user("admin2", roles=(Role.ADMIN,)))
    assert other_admin.get(url).status_code == 404
    assert other_admin.post(url).status_code == 404
    assert admin_client.get(url.replace("/roster/", "/staff/")).status_code == 404
    assert admin_client.get("/school/admin/imports/roster/..%2F..%2Fsecret").status_code == 404
    # a fresh app (another worker, or after a restart) finds the same preview
    from app import create_app
    from tests.conftest import BASE_CONFIG

    fresh = create_app(
        {
            **BASE_CONFIG,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SODIENTU_DATA_DIR": app.config["SODIENTU_DATA_DIR"],
        }
    )
    fresh.test_client_class = type(admin_client)
    client = login_as(school_fixture.admin, fresh.test_client())
    assert client.get(url).status_code == 200
    with fresh.app_context():
        db.engine.dispose()


def _imports_dir(app):  # type: ignore[no-untyped-def]
    from pathlib import Path

    return Path(app.config["SODIENTU_DATA_DIR"]) / "imports"


def test_cancel_discards_the_upload(app, school_fixture, admin_client) -> None:
    url = upload(admin_client, "roster", make_xlsx(good_rows()), class_id=school_fixture.c10a1.id).headers["Location"]
    response = admin_client.post(url + "/cancel")
    assert response.status_code == 303
    assert admin_client.get(url).status_code == 404
    assert not list(_imports_dir(app).glob("*.xlsx"))


def test_templates_have_a_header_an_example_and_notes(app, admin_client) -> None:
    from openpyxl import load_workbook

    for kind in ("roster", "staff", "assignments"):
        response = admin_client.get(f"/school/admin/imports/{kind}/template.xlsx")
        assert response.status_code == 200
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        workbook = load_workbook(io.BytesIO(response.data))
        assert workbook.sheetnames == ["Dữ liệu", "Hướng dẫn"]
        header = [c.value for c in workbook["Dữ liệu"][1]]
        module = imports.KINDS[kind]
        assert header == [c.label + (" *" if c.required else "") for c in module.COLUMNS] + ["Dòng mẫu"]
        assert any(c.value for c in workbook["Dữ liệu"][2])  # the example row
        assert workbook["Dữ liệu"][2][len(header) - 1].value.startswith("MẪU")  # marked as the sample


def _template(admin_client, kind: str) -> bytes:  # type: ignore[no-untyped-def]
    return admin_client.get(f"/school/admin/imports/{kind}/template.xlsx").data


def _without_sample_marker(data: bytes) -> bytes:
    """The template as a user who typed real data over row 2 leaves it: marker cell cleared."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook["Dữ liệu"]
    sheet.cell(row=2, column=sheet.max_column).value = None
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("kind", ["roster", "staff", "assignments"])
def test_an_unchanged_template_is_refused_with_a_row_message(app, school_fixture, admin_client, kind) -> None:
    """Issue 8 item 10: the template's sample row (student HS240001…) never imports: it is
    marked in a 'Dòng mẫu' column, and a marked row is refused (the whole file imports nothing)."""
    with app.app_context():
        result = imports.preview(kind, _template(admin_client, kind), imports.ImportOptions(school_fixture.c10a1.id))
    assert not result.ok
    assert result.messages[0].startswith("Dòng 2: đây là dòng mẫu của tệp mẫu (cột 'Dòng mẫu' ghi 'MẪU")
    assert result.rows[0].data is None
    before = (count(app, Student), count(app, User))
    class_id = school_fixture.c10a1.id if kind == "roster" else None
    url = upload(admin_client, kind, _template(admin_client, kind), class_id=class_id).headers["Location"]
    page = admin_client.get(url)
    assert "Không có lỗi" not in page.text and "đây là dòng mẫu" in page.text
    assert admin_client.post(url).status_code == 422
    assert (count(app, Student), count(app, User)) == before


def test_the_roster_template_example_row_is_itself_valid_data(app, school_fixture, admin_client) -> None:
    """Apart from its sample marker the example row is well-formed: clearing the marker (a
    user typing real data over row 2) leaves a file with no error."""
    data = _without_sample_marker(_template(admin_client, "roster"))
    with app.app_context():
        result = imports.preview("roster", data, imports.ImportOptions(school_fixture.c10a1.id))
    assert result.ok, result.messages


def test_zip_bombs_and_crowded_archives_are_refused_before_parsing(app, school_fixture) -> None:
    rows = make_xlsx(good_rows())
    with app.app_context():
        app.config["SODIENTU_IMPORT_MAX_UNCOMPRESSED"] = 4096  # this workbook inflates past 4 KB
        with pytest.raises(SpreadsheetRejected) as caught:
            imports.preview("roster", rows, imports.ImportOptions())
        assert caught.value.status == 413 and "quá lớn khi giải nén" in caught.value.message
        app.config["SODIENTU_IMPORT_MAX_UNCOMPRESSED"] = 80 * 2**20
        crowded = _zip(
            {
                "[Content_Types].xml": b"<x/>",
                "xl/workbook.xml": b"<x/>",
                **{f"xl/media/{i}.bin": b"" for i in range(500)},
            }
        )
        with pytest.raises(SpreadsheetRejected) as caught:
            imports.preview("roster", crowded, imports.ImportOptions())
        assert caught.value.status == 413
        slip = _zip({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<x/>", "../../evil.xml": b"<x/>"})
        with pytest.raises(SpreadsheetRejected, match="bất thường"):
            imports.preview("roster", slip, imports.ImportOptions())
