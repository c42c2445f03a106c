"""Staff accounts: create, edit, passwords, enable/disable.

States: active ↔ disabled; must_change_password set by an admin reset, cleared by the
user's own change. Invariants: passwords are stored only as Argon2id hashes; bumping
`session_version` ends every existing session of the user (logout, password change,
reset, disable, role change). Every change writes one audit event, built after the last
field change and naming every column it changed (a password hash is never copied:
"(cũ)" → "(mới)"). Services flush, never commit; refusals are `AccountError` (422).
"""

from __future__ import annotations

from typing import Any

from app.accounts import passwords, policy
from app.accounts.models import User, UserRole
from app.accounts.queries import find_by_username, normalise_username
from app.audit import services as audit
from app.core.authz import ASSIGNABLE_ROLES, Role
from app.core.errors import DomainError
from app.core.models import apply_changes
from app.core.vn import nfc
from app.extensions import db

#: the Vietnamese label of every action this domain writes (registered with audit)
ACTION_LABELS = {
    "auth.success": "Đăng nhập",
    "auth.failed": "Đăng nhập không thành công",
    "auth.logout": "Đăng xuất",
    "user.created": "Tạo tài khoản",
    "user.updated": "Sửa tài khoản",
    "user.password_changed": "Đổi mật khẩu",
    "user.password_reset": "Đặt lại mật khẩu",
    "user.enabled": "Mở khoá tài khoản",
    "user.disabled": "Khoá tài khoản",
}
#: what an audit event shows for a password hash that changed
HASH_CHANGED = ["(cũ)", "(mới)"]


class AccountError(DomainError):
    """A user-facing refusal, with a Vietnamese message (422)."""


def create_user(
    actor: User | None,
    *,
    username: str,
    full_name: str,
    password: str,
    roles: tuple[Role, ...] = (Role.TEACHER,),
    department_id: int | None = None,
    email: str | None = None,
    phone: str | None = None,
    position: str | None = None,
    must_change_password: bool = True,
    check_policy: bool = True,
    password_hash: str | None = None,
) -> User:
    username = normalise_username(username)
    if not username or not username.replace(".", "").replace("_", "").isalnum():
        raise AccountError("Tên đăng nhập chỉ gồm chữ, số, dấu chấm hoặc gạch dưới.")
    if find_by_username(username):
        raise AccountError(f"Tên đăng nhập '{username}' đã tồn tại.")
    # password_hash: a hash computed once and shared (the demo accounts); skips hashing
    if password_hash is None and check_policy and (problem := passwords.password_problem(password, username=username)):
        raise AccountError(problem)
    user = User(
        username=username,
        full_name=nfc(full_name).strip(),
        email=email,
        phone=phone,
        position=position,
        department_id=department_id,
        password_hash=password_hash or passwords.hash_password(password),
        must_change_password=must_change_password,
    )
    user.role_rows = [UserRole(role=_assignable(r).value) for r in roles]
    db.session.add(user)
    db.session.flush()
    given = {"email": email, "phone": phone, "position": position}
    audit.record(
        actor,
        "user.created",
        user,
        changes={
            "username": [None, username],
            "full_name": [None, user.full_name],
            "roles": [None, sorted(r.value for r in roles)],
            "department_id": [None, department_id],
            "must_change_password": [None, must_change_password],
            **{key: [None, value] for key, value in given.items() if value},
        },
    )
    return user


def _assignable(role: Role) -> Role:
    if role not in ASSIGNABLE_ROLES:
        raise AccountError("Vai trò tổ trưởng được gán qua tổ chuyên môn, không gán trực tiếp.")
    return role


def update_user(
    actor: User,
    user: User,
    *,
    full_name: str,
    email: str | None,
    phone: str | None,
    position: str | None,
    department_id: int | None,
    roles: tuple[Role, ...],
) -> dict[str, list[Any]]:
    old_roles = sorted(r.value for r in user.stored_roles)
    new_roles = sorted({_assignable(r).value for r in roles})
    dropping_admin = Role.ADMIN.value in old_roles and Role.ADMIN.value not in new_roles
    if dropping_admin and not policy.can_drop_own_admin_role(actor, user):
        raise AccountError("Bạn không thể tự bỏ quyền quản trị của chính mình.")
    diff = apply_changes(
        user, full_name=nfc(full_name).strip(), email=email, phone=phone, position=position, department_id=department_id
    )
    if old_roles != new_roles:
        # in place: replacing the list would INSERT a kept role before DELETEing its old row
        for row in [r for r in user.role_rows if r.role not in new_roles]:
            user.role_rows.remove(row)
        user.role_rows.extend(UserRole(role=r) for r in new_roles if r not in old_roles)
        diff["roles"] = [old_roles, new_roles]
        # a role change takes effect now, on every session
        diff.update(apply_changes(user, session_version=user.session_version + 1))
    if diff:
        db.session.flush()
        audit.record(actor, "user.updated", user, changes=diff)
    return diff


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not passwords.verify_password(user.password_hash, current_password):
        raise AccountError("Mật khẩu hiện tại không đúng.")
    if current_password == new_password:
        raise AccountError("Mật khẩu mới phải khác mật khẩu hiện tại.")
    if problem := passwords.password_problem(new_password, username=user.username):
        raise AccountError(problem)
    user.password_hash = passwords.hash_password(new_password)
    changes = apply_changes(user, must_change_password=False, session_version=user.session_version + 1)
    audit.record(user, "user.password_changed", user, changes={"password_hash": HASH_CHANGED, **changes})


def reset_password(actor: User, user: User, temporary_password: str) -> None:
    if problem := passwords.password_problem(temporary_password, username=user.username):
        raise AccountError(problem)
    user.password_hash = passwords.hash_password(temporary_password)
    changes = apply_changes(
        user,
        must_change_password=True,
        failed_logins=0,
        locked_until=None,
        session_version=user.session_version + 1,
    )
    audit.record(actor, "user.password_reset", user, changes={"password_hash": HASH_CHANGED, **changes})


def set_active(actor: User, user: User, active: bool) -> None:
    if not active and not policy.can_disable(actor, user):
        raise AccountError("Bạn không thể tự khoá tài khoản của chính mình.")
    if user.active == active:
        return
    changes = apply_changes(user, active=active, session_version=user.session_version + 1)
    audit.record(actor, "user.enabled" if active else "user.disabled", user, changes=changes)
