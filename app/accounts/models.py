from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from flask import g, has_app_context
from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.authz import Role
from app.core.models import Base, TimestampMixin, UTCDateTime, utcnow
from app.core.vn import person_sort_key, split_full_name

#: user id → ids of the departments the user leads; registered by app.school.models, so
#: accounts (below school in the layers) never imports school
DepartmentLookup = Callable[[int], list[int]]
_department_lookup: list[DepartmentLookup] = []


def register_department_lookup(lookup: DepartmentLookup) -> None:
    _department_lookup[:] = [lookup]


class User(TimestampMixin, Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20))
    position: Mapped[str | None] = mapped_column(String(80))  # chức vụ as printed
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)  # since the last sign-in
    last_failed_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    department = relationship("Department", foreign_keys=[department_id])

    # Flask-Login protocol -------------------------------------------------
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    @property
    def sign_in_locked(self) -> bool:
        """Locked after too many failed sign-ins (the admin sees it; the answer does not say)."""
        return self.locked_until is not None and self.locked_until > utcnow()

    def get_id(self) -> str:
        # the session version makes logout/password change/disable end every session
        return f"{self.id}:{self.session_version}"

    # Roles ------------------------------------------------------------------
    @property
    def stored_roles(self) -> frozenset[Role]:
        return frozenset(Role(r.role) for r in self.role_rows)

    @property
    def roles(self) -> frozenset[Role]:
        """Stored roles, plus tổ trưởng when the user leads a department (read from the DB)."""
        memo = g.setdefault("_user_roles", {}) if has_app_context() else {}
        if self.id not in memo:
            roles = set(self.stored_roles)
            if self.led_department_ids():
                roles.add(Role.HEAD)
            memo[self.id] = frozenset(roles)
        return memo[self.id]

    def led_department_ids(self) -> list[int]:
        """The tổ this user heads or deputises. Tổ are the school's: it registers the lookup."""
        lookup = _department_lookup[0] if _department_lookup else None
        return lookup(self.id) if lookup else []

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))

    @property
    def role_labels(self) -> str:
        order = list(Role)
        return ", ".join(r.label for r in sorted(self.roles, key=order.index))

    @property
    def sort_key(self) -> tuple[str, str, str, date]:
        return person_sort_key(*split_full_name(self.full_name))

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class UserRole(Base):
    __tablename__ = "user_role"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(30))

    user: Mapped[User] = relationship(back_populates="role_rows")


class LoginThrottle(Base):
    """Failed sign-ins of one (submitted username, client address) pair: each failure past a
    few makes the next attempt wait longer. The key is a hash, so usernames that do not
    exist and addresses are not kept in clear."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
