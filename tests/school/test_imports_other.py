"""Staff list and teaching assignment imports, and `flask import` mirroring the screens."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.school import imports
from app.school.models import Student, TeachingAssignment
from tests.school.conftest import (
    ROSTER_HEADER,
    count,
    events,
    make_xlsx,
    roster_row,
    upload,
)

STAFF_HEADER = ["Họ và tên", "Tên đăng nhập", "Email", "Điện thoại", "Tổ chuyên môn", "Vai trò"]


def staff_rows(*extra: list) -> list[list]:
    return [
        STAFF_HEADER,
        ["Lê Thị Thu Hà", "ha.ltt", "ha@truong.edu.vn", "0912345678", "Toán – Tin", "Giáo viên"],
        ["Phan Văn Bình", "Binh.PV", "", "", "ngữ văn", "Giáo viên, Phó hiệu trưởng"],
        *extra,
    ]


def preview(app, kind: str, rows):  # type: ignore[no-untyped-def]
    with app.app_context():
        return imports.preview(kind, make_xlsx(rows), imports.ImportOptions())


STAFF_ERRORS = [
    ("username taken", ["Ai Đó", "t1", "", "", "", ""], "tên đăng nhập 't1' đã có trong hệ thống"),
    ("username twice", ["Ai Đó", "ha.ltt", "", "", "", ""], "tên đăng nhập 'ha.ltt' trùng với dòng 2"),
    ("username accents", ["Ai Đó", "hà.lê", "", "", "", ""], "chỉ được gồm chữ không dấu"),
    ("unknown tổ", ["Ai Đó", "aido", "", "", "Tổ Hoá", ""], "tổ chuyên môn 'Tổ Hoá' không có"),
    ("unknown role", ["Ai Đó", "aido", "", "", "", "Bảo vệ"], "vai trò 'Bảo vệ' không hợp lệ"),
    ("head role", ["Ai Đó", "aido", "", "", "", "Tổ trưởng"], "màn hình Tổ chuyên môn"),
    ("bad email", ["Ai Đó", "aido", "ai@do", "", "", ""], "email 'ai@do' không hợp lệ"),
    ("bad phone", ["Ai Đó", "aido", "", "0123", "", ""], "số điện thoại '0123' không hợp lệ"),
    ("no name", ["", "aido", "", "", "", ""], "thiếu họ và tên"),
]


@pytest.mark.parametrize("case, row, message", STAFF_ERRORS, ids=[c[0] for c in STAFF_ERRORS])
def test_staff_rows_are_checked(app, school_fixture, case, row, message) -> None:
    result = preview(app, "staff", staff_rows(row))
    assert not result.ok
    assert any(m.startswith("Dòng 4: ") and message in m for m in result.messages), result.messages


def test_staff_import_creates_accounts_with_one_time_passwords(app, school_fixture, admin_client, client) -> None:
    before = len(events(app))
    url = upload(admin_client, "staff", make_xlsx(staff_rows())).headers["Location"]
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url)
    assert response.status_code == 200
    assert "chỉ hiển thị MỘT LẦN" in response.text
    passwords = dict(re.findall(r"<td>([a-z.]+)</td><td>[^<]+</td><td><code>([^<]+)</code>", response.text))
    assert set(passwords) == {"ha.ltt", "binh.pv"}
    with app.app_context():
        binh = db.session.scalar(select(User).where(User.username == "binh.pv"))
        assert binh.must_change_password and binh.department.name == "Ngữ văn"
        assert {r.value for r in binh.stored_roles} == {"giao_vien", "pho_hieu_truong"}
    actions = [e.action for e in events(app)[before:]]
    assert actions == ["user.created", "user.created", "import.staff"]
    # the shown password works, and the first page is the forced password change
    login = client.post("/login", data={"username": "ha.ltt", "password": passwords["ha.ltt"]})
    assert login.status_code == 303
    assert client.get("/").headers["Location"].endswith("/account/password")


def test_staff_import_with_an_error_creates_no_account(app, school_fixture, admin_client) -> None:
    url = upload(admin_client, "staff", make_xlsx(staff_rows(STAFF_ERRORS[0][1]))).headers["Location"]
    assert admin_client.post(url).status_code == 422
    assert count(app, User, User.username.in_(["ha.ltt", "binh.pv"])) == 0


ASSIGN_HEADER = ["Lớp", "Môn", "Tên đăng nhập GV"]


def test_assignment_rows_are_checked(app, school_fixture) -> None:
    result = preview(
        app,
        "assignments",
        [
            ASSIGN_HEADER,
            ["10A1", "Toán", "t2"],
            ["10A9", "Toán", "t1"],
            ["10A1", "Hoá học", "t1"],
            ["10A1", "VAN", "nobody"],
            ["10a1", "toán", "t1"],
            ["", "", ""],
        ]
        + [["10A2", "Ngữ văn", ""]],
    )
    assert result.messages == [
        "Dòng 3: lớp '10A9' không có trong năm học 2024-2025",
        "Dòng 4: môn 'Hoá học' không có trong danh sách môn học",
        "Dòng 5: không có giáo viên với tên đăng nhập 'nobody'",
        "Dòng 6: lớp 10A1 môn Toán đã được phân công ở dòng 2",
        "Dòng 8: thiếu tên đăng nhập giáo viên",
    ]


def test_assignment_import_creates_and_changes_with_one_event(app, school_fixture, make_subject) -> None:
    tin = make_subject("Tin học", "TIN")
    rows = [ASSIGN_HEADER, ["10A1", "Toán", "t2"], ["10A1", "TIN", "t1"], ["10A2", "Ngữ văn", "gvvan"]]
    before = len(events(app))
    with app.app_context():
        result = imports.run("assignments", None, make_xlsx(rows), imports.ImportOptions(), filename="pc.xlsx")
        db.session.commit()
    assert result.counts == {"created": 1, "changed": 1, "unchanged": 1}
    assert [e.action for e in events(app)[before:]] == ["import.assignments"]
    with app.app_context():
        pairs = {(a.class_id, a.subject_id): a.teacher_id for a in db.session.scalars(select(TeachingAssignment))}
    fx = school_fixture
    assert pairs[(fx.c10a1.id, fx.toan.id)] == fx.t2.id
    assert pairs[(fx.c10a1.id, tin.id)] == fx.t1.id


# --- flask import ---------------------------------------------------------------------------


def test_cli_import_prints_row_errors_and_exits_1(app, school_fixture, runner, tmp_path) -> None:
    path = tmp_path / "lop.xlsx"
    path.write_bytes(
        make_xlsx(
            [ROSTER_HEADER, roster_row("C-1", "Lê", "", "An"), roster_row("C-2", "Lê", "", "Bé", birth="31/02/2012")]
        )
    )
    result = runner.invoke(args=["import", "roster", str(path), "--class", "10a1"])
    assert result.exit_code == 1
    assert "Dòng 3: ngày sinh '31/02/2012' không tồn tại: tháng 2 không có ngày 31" in result.output
    assert count(app, Student, Student.student_code.like("C-%")) == 0


def test_cli_import_applies_a_clean_file(app, school_fixture, runner, tmp_path) -> None:
    path = tmp_path / "lop.xlsx"
    path.write_bytes(make_xlsx([ROSTER_HEADER, roster_row("C-1", "Lê", "", "An")]))
    result = runner.invoke(args=["import", "roster", str(path), "--class", "10A2", "--as", "admin"])
    assert result.exit_code == 0, result.output
    assert "Đã nhập 1 học sinh" in result.output
    assert count(app, Student, Student.student_code == "C-1") == 1
    event = events(app, "import.class_roster")[-1]
    assert event.actor_id == school_fixture.admin.id


def test_cli_import_rejects_wrong_files_and_unknown_classes(app, school_fixture, runner, tmp_path) -> None:
    csv = tmp_path / "lop.xlsx"
    csv.write_text("Mã HS,Họ,Tên\n")
    result = runner.invoke(args=["import", "roster", str(csv), "--class", "10A1"])
    assert result.exit_code == 1 and "CSV" in result.output
    good = tmp_path / "ok.xlsx"
    good.write_bytes(make_xlsx([ROSTER_HEADER, roster_row("C-1", "Lê", "", "An")]))
    result = runner.invoke(args=["import", "roster", str(good), "--class", "6A9"])
    assert result.exit_code == 1 and "Không có lớp 6A9" in result.output


def test_cli_staff_import_prints_the_initial_passwords(app, school_fixture, runner, tmp_path) -> None:
    path = tmp_path / "gv.xlsx"
    path.write_bytes(make_xlsx(staff_rows()))
    result = runner.invoke(args=["import", "staff", str(path)])
    assert result.exit_code == 0, result.output
    assert re.search(r"ha\.ltt\tLê Thị Thu Hà\t[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}", result.output)


def test_generated_passwords_pass_the_policy_for_the_username() -> None:
    from app.accounts.passwords import generate_password, password_problem

    for username in ("ab", "k7", "ha.ltt"):
        for _ in range(50):
            assert password_problem(generate_password(username), username=username) is None


def test_staff_import_racing_a_new_account_is_409_and_creates_nothing(
    app, school_fixture, admin_client, monkeypatch
) -> None:
    from app.accounts.services import AccountError
    from app.school.imports import staff

    url = upload(admin_client, "staff", make_xlsx(staff_rows())).headers["Location"]
    real = staff.accounts.create_user
    calls = []

    def racing(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:
            raise AccountError("Tên đăng nhập 'binh.pv' đã tồn tại.")
        return real(*args, **kwargs)

    monkeypatch.setattr(staff.accounts, "create_user", racing)
    response = admin_client.post(url)
    assert response.status_code == 409 and "Không có dòng nào được lưu" in response.text
    assert count(app, User, User.username.in_(["ha.ltt", "binh.pv"])) == 0
