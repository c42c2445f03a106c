"""One authorization layer for every view.

Function level: each view declares who may call it with @allow(...) (or @public);
`enforce_endpoint_policy` runs before every request and denies anything undeclared,
so a new route without a policy is closed, not open (a test walks app.url_map).
Object level: per-domain `policy.can_x(user, obj)` functions, checked with
`require()` (403), and scoped queries that answer 404 for objects outside the
user's scope via `not_found()`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from typing import Any, NoReturn, TypeVar

from blinker import Namespace
from flask import abort, current_app, request
from flask_login import current_user

F = TypeVar("F", bound=Callable[..., Any])

signals = Namespace()
#: sent with (sender, reason=..., subject_type=..., subject_id=...) on every denial;
#: the audit package records it as `authz.denied`.
access_denied = signals.signal("access-denied")


class Role(enum.StrEnum):
    ADMIN = "quan_tri"
    PRINCIPAL = "hieu_truong"
    VICE_PRINCIPAL = "pho_hieu_truong"
    HEAD = "to_truong"  # derived: heads or deputises a department
    TEACHER = "giao_vien"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.ADMIN: "Quản trị hệ thống",
    Role.PRINCIPAL: "Hiệu trưởng",
    Role.VICE_PRINCIPAL: "Phó hiệu trưởng",
    Role.HEAD: "Tổ trưởng chuyên môn",
    Role.TEACHER: "Giáo viên",
}
#: roles stored on the user; Role.HEAD comes from the department a user leads
ASSIGNABLE_ROLES = (Role.ADMIN, Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.TEACHER)
BGH = frozenset({Role.PRINCIPAL, Role.VICE_PRINCIPAL})
ANY_STAFF = frozenset(Role)


def allow(*roles: Role | Iterable[Role]) -> Callable[[F], F]:
    """Declare which roles may call a view (function-level policy)."""
    allowed: set[Role] = set()
    for r in roles:
        allowed.update([r] if isinstance(r, Role) else r)

    def mark(view: F) -> F:
        view._allowed_roles = frozenset(allowed)  # type: ignore[attr-defined]
        return view

    return mark


def public(view: F) -> F:
    """Declare a view reachable without logging in (login, static, parent links, /verify)."""
    view._public = True  # type: ignore[attr-defined]
    return view


def view_policy(endpoint: str | None) -> tuple[bool, frozenset[Role] | None]:
    """(is_public, allowed roles or None when the view declares nothing)."""
    if endpoint is None:
        return True, None  # no route matched: let the 404 handler answer
    view = current_app.view_functions.get(endpoint)
    if endpoint == "static" or getattr(view, "_public", False):
        return True, None
    return False, getattr(view, "_allowed_roles", None)


def enforce_endpoint_policy() -> None:
    """before_request hook: login required by default, then the role check."""
    is_public, allowed = view_policy(request.endpoint)
    if is_public:
        return
    if not current_user.is_authenticated:
        abort(current_app.login_manager.unauthorized())  # type: ignore[attr-defined]
    if allowed is None or not (current_user.roles & allowed):
        deny("role")


def deny(reason: str, subject_type: str | None = None, subject_id: Any = None) -> NoReturn:
    access_denied.send(
        current_app._get_current_object(),  # type: ignore[attr-defined]
        reason=reason,
        subject_type=subject_type,
        subject_id=subject_id,
    )
    abort(403)


def require(allowed: bool, reason: str = "policy") -> None:
    if not allowed:
        deny(reason)


def not_found(subject_type: str, subject_id: Any) -> NoReturn:
    """Missing or out of scope look the same from outside: 404, and a trace inside."""
    access_denied.send(
        current_app._get_current_object(),  # type: ignore[attr-defined]
        reason="not_found_or_out_of_scope",
        subject_type=subject_type,
        subject_id=subject_id,
    )
    abort(404)


def found(obj: Any, subject_type: str, subject_id: Any) -> Any:
    if obj is None:
        not_found(subject_type, subject_id)
    return obj
