"""Signing in and out, passwords, sessions (SECURITY.md tests 23, 24, 5)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from app.accounts import passwords
from app.accounts.models import User
from app.audit.models import AuditEvent
from app.core.authz import Role
from app.extensions import db

PASSWORD = "mat-khau-rat-dai-2024"


def login(client, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"username": username, "password": password})


def actions(app) -> list[str]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def session_cookie(client) -> str | None:  # type: ignore[no-untyped-def]
    cookie = client.get_cookie("sodientu_session")
    return cookie.value if cookie else None


def test_login_success_rotates_the_session_and_is_audited(app, client, make_user) -> None:
    make_user("co.lan")
    client.get("/login")
    with client.session_transaction() as sess:
        sess["planted"] = "by-attacker"
    before = session_cookie(client)
    response = login(client, "co.lan")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert session_cookie(client) != before
    with client.session_transaction() as sess:
        assert "planted" not in sess
    assert client.get("/").status_code == 200
    assert actions(app)[-1] == "auth.success"


def test_unknown_user_and_wrong_password_get_the_same_answer(app, client, make_user) -> None:
    make_user("co.lan")
    wrong = login(client, "co.lan", "sai-mat-khau-roi")
    unknown = login(client, "khong.ai", "sai-mat-khau-roi")
    assert wrong.status_code == unknown.status_code == 422
    message = "Tên đăng nhập hoặc mật khẩu không đúng."
    assert message in wrong.text and message in unknown.text
    assert actions(app)[-2:] == ["auth.failed", "auth.failed"]


def _alert(response) -> str:  # type: ignore[no-untyped-def]
    import re

    return re.findall(r'<p class="flash flash-error" role="alert">([^<]*)</p>', response.text)[0]


def _clock(monkeypatch, start):  # type: ignore[no-untyped-def]
    """The sign-in service's clock, moved by hand: moved(seconds=…)."""
    from datetime import timedelta

    from app.accounts.services import signin

    now = [start]
    monkeypatch.setattr(signin, "utcnow", lambda: now[0])

    def move(**delta: float) -> None:
        now[0] = now[0] + timedelta(**delta)

    return move


def test_repeated_failures_from_one_place_wait_longer_each_time_with_one_answer_for_all(
    app, client, make_user, monkeypatch
) -> None:
    """Issue 8.13: from the 3rd failure on (per username and address) each attempt waits
    twice as long; an unknown username is slowed the same way, so nothing tells them apart."""
    from app.core.models import utcnow

    make_user("co.lan")
    move = _clock(monkeypatch, utcnow())
    for name in ("co.lan", "khong.ai"):
        for _ in range(3):
            assert login(client, name, "sai-mat-khau-roi").status_code == 422
        waiting = login(client, name)  # even the right password: wait first
        assert waiting.status_code == 422 and "Vui lòng đợi 2 giây" in waiting.text
    move(seconds=2)
    assert login(client, "co.lan", "sai-mat-khau-roi").status_code == 422  # the 4th failure: 4 s now
    assert "Vui lòng đợi 4 giây" in login(client, "co.lan").text
    other_place = app.test_client()  # another teacher's machine is not slowed
    other_place.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    assert login(other_place, "co.lan").status_code == 303
    move(seconds=4)
    assert login(client, "co.lan").status_code == 303  # the wait is over: the right password works


def test_the_account_locks_only_at_a_much_higher_threshold_and_never_says_so(
    app, make_user, monkeypatch, login_as
) -> None:
    """The lock is account-wide, after LOCK_AFTER failures from anywhere; the answer is the
    same as for a wrong password; the admin sees the lock; the owner gets a notice later."""
    from app.core.models import utcnow

    app.config.update(SODIENTU_LOGIN_LOCK_AFTER=6, SODIENTU_LOGIN_LOCK_MINUTES=60)
    make_user("co.lan")
    admin = make_user("quan.tri", roles=(Role.ADMIN,))
    move = _clock(monkeypatch, utcnow())
    for i in range(6):  # six machines, two tries each would be throttled: one try each
        place = app.test_client()
        place.environ_base["REMOTE_ADDR"] = f"10.0.1.{i}"
        wrong = login(place, "co.lan", "sai-mat-khau-roi")
        assert wrong.status_code == 422 and "Tên đăng nhập hoặc mật khẩu không đúng." in wrong.text
    locked = login(app.test_client(), "co.lan")  # the right password, while locked
    unknown = login(app.test_client(), "khong.ai", "sai-mat-khau-roi")
    assert locked.status_code == unknown.status_code == 422
    assert _alert(locked) == _alert(unknown) == "Tên đăng nhập hoặc mật khẩu không đúng."
    assert "khoá" not in locked.text
    staff = login_as(admin).get("/school/admin/staff").text
    assert "Tạm khoá đăng nhập đến" in staff
    move(minutes=61)
    owner = app.test_client()
    signed_in = login(owner, "co.lan")
    assert signed_in.status_code == 303
    home = owner.get("/").text
    assert "Có 7 lần đăng nhập sai vào tài khoản của bạn" in home and "đổi mật khẩu" in home
    assert "Có 7 lần" not in owner.get("/").text  # said once


def test_login_is_rate_limited_per_ip(app, make_user) -> None:
    app.config["SODIENTU_LOGIN_RATE"] = "3 per minute"
    client = app.test_client()
    codes = [login(client, "ai.do", "sai-mat-khau-roi").status_code for _ in range(4)]
    assert codes == [422, 422, 422, 429]


def test_logout_ends_the_stolen_cookie_too(app, client, make_user) -> None:
    make_user("co.lan")
    login(client, "co.lan")
    stolen = session_cookie(client)
    response = client.post("/logout")
    assert response.status_code == 303
    assert response.headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    thief = app.test_client()
    thief.set_cookie("sodientu_session", stolen)
    replay = thief.get("/")
    assert replay.status_code == 302
    assert "/login" in replay.headers["Location"]


def test_password_change_signs_out_other_sessions(app, make_user) -> None:
    make_user("co.lan")
    phone, laptop = app.test_client(), app.test_client()
    login(phone, "co.lan")
    login(laptop, "co.lan")
    response = laptop.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "mot-cau-rat-dai-moi-2025",
            "confirm": "mot-cau-rat-dai-moi-2025",
        },
    )
    assert response.status_code == 303
    assert laptop.get("/").status_code == 200  # the changing session continues
    assert phone.get("/").status_code == 302  # the other one is gone
    assert login(app.test_client(), "co.lan", "mot-cau-rat-dai-moi-2025").status_code == 303


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("ngan", "ít nhất 8 ký tự"),
        ("matkhau123", "quá dễ đoán"),
        ("co.lan-2024-abc", "quá dễ đoán"),
    ],
)
def test_weak_new_passwords_are_refused_with_a_reason(app, client, make_user, new, message) -> None:
    make_user("co.lan")
    login(client, "co.lan")
    response = client.post(
        "/account/password", data={"current_password": PASSWORD, "new_password": new, "confirm": new}
    )
    assert response.status_code == 422
    assert message in response.text


def test_admin_reset_forces_a_password_change_at_next_login(app, client, make_user) -> None:
    from app.accounts import services

    admin = make_user("quantri", roles=(Role.ADMIN,))
    make_user("co.lan")
    with app.app_context():
        services.reset_password(
            db.session.get(User, admin.id),
            db.session.scalar(select(User).where(User.username == "co.lan")),
            "tam-thoi-12345",
        )
        db.session.commit()
    assert login(client, "co.lan", "tam-thoi-12345").status_code == 303
    forced = client.get("/school/classes")
    assert forced.status_code == 302
    assert forced.headers["Location"].endswith("/account/password")
    client.post(
        "/account/password",
        data={
            "current_password": "tam-thoi-12345",
            "new_password": "cau-moi-that-dai-2025",
            "confirm": "cau-moi-that-dai-2025",
        },
    )
    assert client.get("/school/classes").status_code == 200


def test_disabled_account_loses_its_live_session(app, login_as, make_user) -> None:
    from app.accounts import services

    admin = make_user("quantri", roles=(Role.ADMIN,))
    teacher = make_user("co.lan")
    client = login_as(teacher)
    assert client.get("/").status_code == 200
    with app.app_context():
        services.set_active(db.session.get(User, admin.id), db.session.get(User, teacher.id), False)
        db.session.commit()
    assert client.get("/").status_code == 302
    assert client.htmx("GET", "/").status_code == 401


def test_idle_session_expires_and_htmx_gets_401_with_redirect(app, login_as, make_user) -> None:
    client = login_as(make_user("co.lan"))
    with client.session_transaction() as sess:
        sess["seen_at"] = int(time.time()) - 31 * 60
    response = client.htmx("POST", "/logout")
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")
    assert client.get("/").status_code == 302


def test_absolute_session_lifetime_is_enforced(app, login_as, make_user) -> None:
    client = login_as(make_user("co.lan"))
    with client.session_transaction() as sess:
        sess["login_at"] = int(time.time()) - 11 * 3600
    assert client.get("/").status_code == 302


def test_role_change_takes_effect_on_the_next_request(app, login_as, make_user) -> None:
    from app.accounts import services

    admin = make_user("quantri", roles=(Role.ADMIN,))
    client = login_as(admin)
    assert client.get("/school/admin").status_code == 200
    with app.app_context():
        other_admin = make_user("quantri2", roles=(Role.ADMIN,))
        services.update_user(
            db.session.get(User, other_admin.id),
            db.session.get(User, admin.id),
            full_name="Quản Trị",
            email=None,
            phone=None,
            position=None,
            department_id=None,
            roles=(Role.TEACHER,),
        )
        db.session.commit()
    # the role change bumped the session version: the old cookie no longer signs in
    assert client.get("/school/admin").status_code == 302


def test_csrf_is_required_on_posts_in_header_or_form(app, login_as, make_user) -> None:
    client = login_as(make_user("co.lan"))
    assert client.post("/logout", csrf=False).status_code == 400
    other = app.test_client()
    foreign_token = other.csrf_token()
    assert client.post("/logout", csrf=False, headers={"X-CSRFToken": foreign_token}).status_code == 400
    assert client.post("/logout", csrf=False, data={"csrf_token": client.csrf_token()}).status_code == 303


def test_session_cookie_flags_plain_http(client, make_user) -> None:
    make_user("co.lan")
    login(client, "co.lan")
    cookie = client.get_cookie("sodientu_session")
    assert cookie.http_only and cookie.same_site == "Lax"


def test_https_deployment_uses_host_prefixed_secure_cookies(template_db, tmp_path) -> None:
    from app import create_app

    app = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "SODIENTU_HTTPS": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    )
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_default_password_hash_is_argon2id_at_owasp_cost(template_db) -> None:
    from app import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        stored = passwords.hash_password("mot-cau-dai-de-nho")
        assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
        assert passwords.verify_password(stored, "mot-cau-dai-de-nho")
        assert not passwords.verify_password(stored, "sai")
        assert not passwords.verify_password(None, "mot-cau-dai-de-nho")


def test_weaker_stored_hash_is_upgraded_on_login(app, client, make_user) -> None:
    make_user("co.lan")  # created with the cheap test cost
    app.config["SODIENTU_ARGON2_TIME_COST"] = 2
    assert login(client, "co.lan").status_code == 303
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "co.lan"))
        assert ",t=2," in user.password_hash


def test_open_redirect_after_login_is_refused(client, make_user) -> None:
    make_user("co.lan")
    response = client.post("/login?next=//evil.example/x", data={"username": "co.lan", "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_change_and_its_audit_row_commit_together_or_not_at_all(app, client, make_user, monkeypatch) -> None:
    """SECURITY.md test 20: if the audit write fails, the change it describes rolls back."""
    from app.audit import services as audit

    make_user("co.lan")
    login(client, "co.lan")
    with app.app_context():
        before = db.session.scalar(select(User.password_hash).where(User.username == "co.lan"))

    def broken_record(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit, "record", broken_record)
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "mot-cau-rat-dai-moi-2025",
            "confirm": "mot-cau-rat-dai-moi-2025",
        },
    )
    assert response.status_code == 500
    assert "chưa được lưu" in response.text
    with app.app_context():
        after = db.session.scalar(select(User.password_hash).where(User.username == "co.lan"))
    assert after == before
