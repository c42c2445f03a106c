"""Signing in and out (SECURITY.md 23, issue 8.13).

One answer for every refusal: an unknown username, a wrong password, a disabled account
and a locked account all get BAD_LOGIN, after the same hashing work, so the answer never
tells whether a username exists and nobody can tell a locked account from a wrong guess.

Guessing is slowed at two levels:
- per (username, client address): after SLOWDOWN_AFTER failures every further attempt
  must wait twice as long as the one before (2 s, 4 s, 8 s … at most 15 minutes) — a
  colleague mistyping is barely delayed, a script on one machine is stopped, and nobody
  else is locked out;
- per account, whatever the address: only after LOCK_AFTER failures (50) since the last
  sign-in is the account locked for LOCK_MINUTES. The admin sees the lock on the staff
  list; the owner gets a notice, after their next sign-in, of how many failed attempts
  there were and when.
Requests per client address are limited separately by Flask-Limiter (shared storage).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, request
from sqlalchemy import delete

from app.accounts import passwords
from app.accounts.models import LoginThrottle, User
from app.accounts.queries import find_by_username, normalise_username
from app.accounts.services.users import HASH_CHANGED
from app.audit import services as audit
from app.core.models import apply_changes, utcnow
from app.core.vn import format_datetime
from app.extensions import db

BAD_LOGIN = "Tên đăng nhập hoặc mật khẩu không đúng."
MAX_WAIT_SECONDS = 15 * 60


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    error: str | None
    notice: str | None = None  # shown after the sign-in: failed attempts since the last one


def authenticate(username: str, password: str) -> LoginResult:
    now = utcnow()
    throttle = _throttle_row(username)
    wait = _wait_seconds(throttle, now)
    if wait:
        return LoginResult(None, f"{BAD_LOGIN} Vui lòng đợi {wait} giây rồi thử lại.")
    user = find_by_username(username)
    ok = passwords.verify_password(user.password_hash if user else None, password)
    locked = bool(user and user.locked_until and user.locked_until > now)
    if not user or not ok or not user.active or locked:
        reason = "locked" if locked else "disabled" if user and ok else "bad_credentials"
        _record_failure(user, username, throttle, reason, now)
        return LoginResult(None, BAD_LOGIN)
    return _succeed(user, password, throttle, now)


def _succeed(user: User, password: str, throttle: LoginThrottle | None, now: datetime) -> LoginResult:
    notice = _failures_notice(user)
    if throttle is not None:
        db.session.delete(throttle)
    changes = apply_changes(user, failed_logins=0, last_failed_login_at=None, locked_until=None, last_login_at=now)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
        changes["password_hash"] = HASH_CHANGED
    audit.record(user, "auth.success", user, changes=changes)
    return LoginResult(user, None, notice)


def _failures_notice(user: User) -> str | None:
    if not user.failed_logins:
        return None
    last = format_datetime(user.last_failed_login_at) if user.last_failed_login_at else ""
    locked = " Tài khoản đã bị khoá tạm thời vì số lần sai quá nhiều." if user.locked_until else ""
    return (
        f"Có {user.failed_logins} lần đăng nhập sai vào tài khoản của bạn kể từ lần đăng nhập trước "
        f"(lần gần nhất lúc {last}).{locked} Nếu đó không phải bạn, hãy đổi mật khẩu ngay."
    )


def _record_failure(
    user: User | None, username: str, throttle: LoginThrottle | None, reason: str, now: datetime
) -> None:
    failures = _count_failure(username, throttle, now)
    if user is None:
        changes = {"username": normalise_username(username)[:60], "reason": reason, "attempts_from_here": failures}
        audit.record(None, "auth.failed", ("user", None), changes=changes)
        return
    cfg = current_app.config
    attempts = user.failed_logins + 1
    values: dict[str, object] = {"failed_logins": attempts, "last_failed_login_at": now}
    if attempts >= cfg["SODIENTU_LOGIN_LOCK_AFTER"] and not (user.locked_until and user.locked_until > now):
        values["locked_until"] = now + timedelta(minutes=cfg["SODIENTU_LOGIN_LOCK_MINUTES"])
    changed = apply_changes(user, **values)
    audit.record(None, "auth.failed", user, changes={"reason": reason, "attempts_from_here": failures, **changed})


# --- the per (username, address) slowdown ------------------------------------------------


def _key(username: str) -> str:
    material = f"{normalise_username(username)[:60]}|{request.remote_addr or '-'}"
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _throttle_row(username: str) -> LoginThrottle | None:
    return db.session.get(LoginThrottle, _key(username))


def _wait_seconds(throttle: LoginThrottle | None, now: datetime) -> int:
    """Seconds still to wait before this (username, address) may try again; 0 = now."""
    after = current_app.config["SODIENTU_LOGIN_SLOWDOWN_AFTER"]
    if throttle is None or throttle.failures < after:
        return 0
    delay = min(2 ** (throttle.failures - after + 1), MAX_WAIT_SECONDS)
    remaining = (throttle.last_failure_at + timedelta(seconds=delay) - now).total_seconds()
    return max(0, int(remaining + 0.999))


def _count_failure(username: str, throttle: LoginThrottle | None, now: datetime) -> int:
    if throttle is None:
        throttle = LoginThrottle(key=_key(username), failures=0, last_failure_at=now)
        db.session.add(throttle)
    throttle.failures += 1
    throttle.last_failure_at = now
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.last_failure_at < now - timedelta(days=1)))
    return throttle.failures


def logout(user: User) -> None:
    changes = apply_changes(user, session_version=user.session_version + 1)
    audit.record(user, "auth.logout", user, changes=changes)
