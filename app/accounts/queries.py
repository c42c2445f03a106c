"""Reads of staff accounts: by username, by id (or 404), the staff lists."""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.models import User
from app.core.authz import found
from app.core.vn import fold, nfc
from app.extensions import db


def normalise_username(username: str) -> str:
    return nfc(username).strip().lower()


def find_by_username(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == normalise_username(username)))


def get_user(user_id: int) -> User:
    """The account (every staff account is the admin's to manage), or 404."""
    return found(db.session.get(User, user_id), "user", user_id)


def count_users() -> int:
    return db.session.scalar(select(func.count()).select_from(User)) or 0


def count_active() -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(User.active.is_(True))) or 0


def active_staff() -> list[User]:
    """Active accounts in R25 order (tên, chữ đệm, họ)."""
    return sorted(db.session.scalars(select(User).where(User.active.is_(True))), key=lambda u: u.sort_key)


def active_members_by_department() -> dict[int, list[User]]:
    """Active accounts of each tổ (by department id), each list in R25 order."""
    members: dict[int, list[User]] = {}
    for user in db.session.scalars(select(User).where(User.active.is_(True), User.department_id.is_not(None))):
        assert user.department_id is not None
        members.setdefault(user.department_id, []).append(user)
    return {k: sorted(v, key=lambda u: u.sort_key) for k, v in members.items()}


def staff_matching(query: str = "", department_id: int | None = None) -> list[User]:
    """The staff list: active first, then R25 order; `query` matches name or username
    without accents ('toan mot' finds 'Lê Văn Toán Một')."""
    stmt = select(User)
    if department_id:
        stmt = stmt.where(User.department_id == department_id)
    people = list(db.session.scalars(stmt))
    if query:
        needle = fold(query)
        people = [u for u in people if needle in fold(u.full_name) or needle in fold(u.username)]
    return sorted(people, key=lambda u: (not u.active, u.sort_key))
