"""Staff management by quản trị (school screens, accounts services): create, edit roles/tổ,
reset password, disable/enable."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.accounts.models import User
from app.audit.models import AuditEvent
from app.extensions import db

PASSWORD = "mat-khau-rat-dai-2024"
#: every field of the staff form, blank (the forms refuse a POST that omits one)
BLANK = {"full_name": "", "username": "", "email": "", "phone": "", "position": "", "department_id": ""}


def actions(app) -> list[str]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def user(app, username: str) -> User:  # type: ignore[no-untyped-def]
    with app.app_context():
        found = db.session.scalar(select(User).where(User.username == username))
        db.session.refresh(found)
        roles = found.stored_roles  # load before detaching
        db.session.expunge(found)
        found._roles = roles  # type: ignore[attr-defined]
        return found


def test_staff_list_shows_roles_tổ_and_state(login_as, school_fixture) -> None:
    fx = school_fixture
    for viewer in (fx.admin, fx.ht):
        page = login_as(viewer).get("/school/admin/staff")
        assert page.status_code == 200
        assert "Lê Văn Toán Một" in page.text and "Hiệu trưởng" in page.text
    assert "Đặt lại mật khẩu" in login_as(fx.admin).get("/school/admin/staff").text
    assert "Đặt lại mật khẩu" not in login_as(fx.ht).get("/school/admin/staff").text
    search = login_as(fx.admin).htmx("GET", "/school/admin/staff?q=toan mot")
    assert search.status_code == 200 and "<html" not in search.text
    assert "Lê Văn Toán Một" in search.text and "Phạm Thị Toán Hai" not in search.text


def test_teachers_and_bgh_cannot_manage_staff(app, login_as, school_fixture) -> None:
    fx = school_fixture
    for who in (fx.t1, fx.tt_toan, fx.ht):
        client = login_as(who)
        assert client.post(f"/school/admin/staff/{fx.t2.id}/password").status_code == 403
        assert client.post(f"/school/admin/staff/{fx.t2.id}/active", data={"active": "0"}).status_code == 403
        assert client.get("/school/admin/staff/new").status_code == 403
    assert login_as(fx.t1).get("/school/admin/staff").status_code == 403


def test_create_staff_shows_the_initial_password_once(app, login_as, school_fixture, client) -> None:
    fx = school_fixture
    admin = login_as(fx.admin)
    response = admin.post(
        "/school/admin/staff/new",
        data={
            "full_name": "Huỳnh Thị Mỹ Dung",
            "username": "dung.htm",
            "email": "",
            "phone": "0912345678",
            "position": "Giáo viên",
            "department_id": str(fx.dept_van.id),
            "roles": ["giao_vien"],
            "temporary_password": "",
        },
    )
    assert response.status_code == 200
    password = re.search(r'id="one-time-password">([^<]+)<', response.text).group(1)
    assert len(password) >= 12
    assert password not in admin.get("/school/admin/staff").text
    created = user(app, "dung.htm")
    assert created.must_change_password and created.department_id == fx.dept_van.id
    assert actions(app)[-1] == "user.created"
    assert client.post("/login", data={"username": "dung.htm", "password": password}).status_code == 303
    assert client.get("/").headers["Location"].endswith("/account/password")


def test_create_staff_errors_are_422_in_vietnamese(app, login_as, school_fixture) -> None:
    admin = login_as(school_fixture.admin)
    bad = admin.htmx(
        "POST",
        "/school/admin/staff/new",
        data={"full_name": "", "username": "có dấu", "email": "x@", "phone": "123", "roles": []},
    )
    assert bad.status_code == 422 and "<html" not in bad.text
    for message in (
        "Vui lòng nhập họ và tên.",
        "Tên đăng nhập gồm 2–60 ký tự",
        "Email không hợp lệ",
        "Số điện thoại &#39;123&#39; không hợp lệ",
        "Chọn ít nhất một vai trò.",
    ):
        assert message in bad.text, message
    taken = admin.post(
        "/school/admin/staff/new",
        data={**BLANK, "temporary_password": "", "full_name": "Ai Đó", "username": "t1", "roles": ["giao_vien"]},
    )
    assert taken.status_code == 422 and "Tên đăng nhập &#39;t1&#39; đã tồn tại." in taken.text


def test_edit_roles_and_tổ_ends_the_users_sessions(app, login_as, school_fixture) -> None:
    fx = school_fixture
    t2_client = login_as(fx.t2)
    assert t2_client.get("/").status_code == 200
    response = login_as(fx.admin).post(
        f"/school/admin/staff/{fx.t2.id}/edit",
        data={
            "full_name": "Phạm Thị Toán Hai",
            "username": "t2",
            "email": "t2@truong.edu.vn",
            "phone": "",
            "position": "",
            "department_id": str(fx.dept_toan.id),
            "roles": ["giao_vien", "pho_hieu_truong"],
        },
    )
    assert response.status_code == 303
    changed = user(app, "t2")
    assert {r.value for r in changed._roles} == {"giao_vien", "pho_hieu_truong"}
    assert changed.department_id == fx.dept_toan.id
    assert actions(app)[-1] == "user.updated"
    assert t2_client.get("/").status_code == 302  # the role change took effect on every session


def test_admin_cannot_remove_their_own_admin_role(login_as, school_fixture) -> None:
    fx = school_fixture
    response = login_as(fx.admin).post(
        f"/school/admin/staff/{fx.admin.id}/edit",
        data={**BLANK, "full_name": "Quản Trị Viên", "username": "admin", "roles": ["giao_vien"]},
    )
    assert response.status_code == 422
    assert "không thể tự bỏ quyền quản trị" in response.text


def test_reset_password_forces_a_change_and_ends_sessions(app, login_as, school_fixture, client) -> None:
    fx = school_fixture
    victim = login_as(fx.t1)
    assert victim.get("/").status_code == 200
    response = login_as(fx.admin).htmx(
        "POST", f"/school/admin/staff/{fx.t1.id}/password", data={"temporary_password": ""}
    )
    assert response.status_code == 200 and "<html" not in response.text
    assert response.text.lstrip().startswith(f'<tr id="user-{fx.t1.id}-row"')
    temporary = re.search(r"chỉ hiện một lần\): <code>([^<]+)</code>", response.text).group(1)
    assert actions(app)[-1] == "user.password_reset"
    assert victim.get("/").status_code == 302  # the old session is gone
    assert client.post("/login", data={"username": "t1", "password": PASSWORD}).status_code == 422
    assert client.post("/login", data={"username": "t1", "password": temporary}).status_code == 303
    assert client.get("/").headers["Location"].endswith("/account/password")
    weak = login_as(fx.admin).htmx(
        "POST", f"/school/admin/staff/{fx.t2.id}/password", data={"temporary_password": "123456789"}
    )
    assert weak.status_code == 422 and "quá dễ đoán" in weak.text


def test_disable_and_enable_an_account(app, login_as, school_fixture, client) -> None:
    fx = school_fixture
    victim = login_as(fx.t1)
    admin = login_as(fx.admin)
    response = admin.htmx("POST", f"/school/admin/staff/{fx.t1.id}/active", data={"active": "0"})
    assert response.status_code == 200 and "Đã khoá" in response.text
    assert actions(app)[-1] == "user.disabled"
    assert victim.get("/").status_code == 302
    assert victim.htmx("GET", "/").status_code == 401
    assert client.post("/login", data={"username": "t1", "password": PASSWORD}).status_code == 422
    again = admin.post(f"/school/admin/staff/{fx.t1.id}/active", data={"active": "1"})
    assert again.status_code == 303
    assert actions(app)[-1] == "user.enabled"
    assert client.post("/login", data={"username": "t1", "password": PASSWORD}).status_code == 303


def test_admin_cannot_disable_themselves(app, login_as, school_fixture) -> None:
    fx = school_fixture
    response = login_as(fx.admin).htmx("POST", f"/school/admin/staff/{fx.admin.id}/active", data={"active": "0"})
    assert response.status_code == 422
    assert "không thể tự khoá" in response.text
    assert user(app, "admin").active


def test_unknown_staff_member_is_404(login_as, school_fixture) -> None:
    admin = login_as(school_fixture.admin)
    assert admin.get("/school/admin/staff/999999/edit").status_code == 404
    assert admin.post("/school/admin/staff/999999/password").status_code == 404
