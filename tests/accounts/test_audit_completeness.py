"""Every column an accounts service changes is named in its audit event (a password hash
by name only: "(cũ)" → "(mới)", never its value)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from app.accounts import services
from app.accounts.models import User
from app.audit.models import AuditEvent
from app.core.authz import Role
from app.extensions import db

PASSWORD = "mat-khau-rat-dai-2024"


def _user(actor: Any, ident: int) -> User:
    return db.session.get(User, ident)


CHANGES = [
    (
        "update",
        lambda actor, ident: services.update_user(
            actor,
            _user(actor, ident),
            full_name="Tên Mới",
            email="moi@truong.edu.vn",
            phone="0912345678",
            position="Tổ phó",
            department_id=None,
            roles=(Role.TEACHER, Role.VICE_PRINCIPAL),
        ),
    ),
    ("login", lambda actor, ident: services.authenticate("nguoi.dung", PASSWORD)),
    ("failed login", lambda actor, ident: services.authenticate("nguoi.dung", "sai-mat-khau-roi")),
    ("logout", lambda actor, ident: services.logout(_user(actor, ident))),
    (
        "password change",
        lambda actor, ident: services.change_password(_user(actor, ident), PASSWORD, "mot-cum-tu-moi-dai-hon"),
    ),
    ("reset", lambda actor, ident: services.reset_password(actor, _user(actor, ident), "mat-khau-tam-dai-2025")),
    ("disable", lambda actor, ident: services.set_active(actor, _user(actor, ident), False)),
]


@pytest.mark.parametrize("name, change", CHANGES, ids=[c[0] for c in CHANGES])
def test_every_account_change_audits_every_column_it_changes(
    app, make_user, as_user, assert_changes_audited, name, change
) -> None:
    admin = make_user("quan.tri", roles=(Role.ADMIN,))
    person = make_user("nguoi.dung", must_change_password=True)
    events = assert_changes_audited(User, person.id, lambda: as_user(admin, lambda actor: change(actor, person.id)))
    assert len(events) == 1, [e.action for e in events]
    hashes = [v for e in events for k, v in (e.changes or {}).items() if k == "password_hash"]
    assert all(v == ["(cũ)", "(mới)"] for v in hashes)


def test_the_lockout_names_the_lock_and_the_reset_counter(app, make_user, as_user, assert_changes_audited) -> None:
    app.config["SODIENTU_LOGIN_LOCK_AFTER"] = 2
    person = make_user("nguoi.dung")
    as_user(None, lambda _: services.authenticate("nguoi.dung", "sai-mat-khau-roi"))
    (event,) = assert_changes_audited(
        User, person.id, lambda: as_user(None, lambda _: services.authenticate("nguoi.dung", "sai-mat-khau-roi"))
    )
    assert event.changes["failed_logins"] == [1, 2] and event.changes["attempts_from_here"] == 2
    assert event.changes["locked_until"][0] is None and event.changes["locked_until"][1]
    assert event.changes["last_failed_login_at"][1]
    assert event.changes["reason"] == "bad_credentials"


def test_a_created_account_names_what_was_set(app, make_user, as_user) -> None:
    admin = make_user("quan.tri", roles=(Role.ADMIN,))
    ident = as_user(
        admin,
        lambda actor: (
            services.create_user(
                actor,
                username="moi.tao",
                full_name="Người Mới Tạo",
                password=PASSWORD,
                email="moi@truong.edu.vn",
                phone="0912345678",
                position="Giáo viên",
            ).id
        ),
    )
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "user.created", AuditEvent.subject_id == str(ident))
        )
        assert {"username", "full_name", "roles", "email", "phone", "position", "must_change_password"} <= set(
            event.changes
        )
        assert "password_hash" not in event.changes and PASSWORD not in str(event.changes)
