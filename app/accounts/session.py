"""Session rules checked on every request (SECURITY.md 24, D-7).

Flask-Login's user id carries the user's session version: logout, password change,
reset and disable bump it, so every old cookie stops working. On top of that: an
idle timeout, an absolute lifetime, and the forced password change after a reset.
"""

from __future__ import annotations

import time
from functools import cache

from flask import Response, current_app, redirect, request, session, url_for
from flask_login import current_user, logout_user
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response as WerkzeugResponse

from app.accounts.models import User
from app.core.htmx import login_redirect
from app.extensions import db, login_manager

ALLOWED_DURING_FORCED_CHANGE = frozenset({"accounts.change_password", "accounts.logout", "static"})


def current_actor() -> User:
    """The signed-in staff member (views are login-required by default, see core.authz)."""
    user: User = current_user._get_current_object()
    return user


@cache
def _user_stmt() -> Select[User]:
    """The signed-in user and its stored roles in one statement (the roles' own select-in
    would be a second), built once per process: every request runs it."""
    return select(User).where(User.id == bindparam("user_id")).options(joinedload(User.role_rows))


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    try:
        user_id, version = (int(part) for part in session_id.split(":"))
    except ValueError:
        return None
    user = db.session.scalars(_user_stmt(), {"user_id": user_id}).unique().first()
    if user is None or not user.active or user.session_version != version:
        return None
    return user


@login_manager.unauthorized_handler
def unauthorized() -> Response:
    return login_redirect(url_for("accounts.login", next=request.full_path if request.method == "GET" else None))


def start_session(user: User) -> None:
    from flask_login import login_user

    session.clear()  # no fixation: nothing from before the login survives
    login_user(user)
    now = int(time.time())
    session["login_at"] = now
    session["seen_at"] = now
    session.permanent = True


def check_session() -> Response | WerkzeugResponse | None:
    """before_request: end expired sessions, force the password change after a reset."""
    if not current_user.is_authenticated:
        return None
    now = int(time.time())
    cfg = current_app.config
    idle = cfg["SODIENTU_IDLE_MINUTES"] * 60
    absolute = int(cfg["PERMANENT_SESSION_LIFETIME"].total_seconds())
    if now - session.get("seen_at", 0) > idle or now - session.get("login_at", 0) > absolute:
        logout_user()
        session.clear()
        return login_redirect(url_for("accounts.login", expired=1))
    session["seen_at"] = now
    if current_user.must_change_password and request.endpoint not in ALLOWED_DURING_FORCED_CHANGE:
        return redirect(url_for("accounts.change_password"))
    return None
