"""Account services — the only writers of users and sign-in state (they flush, never commit).

- users.py   create and edit accounts, roles, passwords, enable/disable;
- signin.py  signing in (one answer for every refusal, slowdown, lock) and out.
"""

from __future__ import annotations

from app.accounts.queries import count_users, find_by_username, normalise_username
from app.accounts.services.signin import BAD_LOGIN, LoginResult, authenticate, logout
from app.accounts.services.users import (
    ACTION_LABELS,
    HASH_CHANGED,
    AccountError,
    change_password,
    create_user,
    reset_password,
    set_active,
    update_user,
)

__all__ = [
    "ACTION_LABELS",
    "BAD_LOGIN",
    "HASH_CHANGED",
    "AccountError",
    "LoginResult",
    "authenticate",
    "change_password",
    "count_users",
    "create_user",
    "find_by_username",
    "logout",
    "normalise_username",
    "reset_password",
    "set_active",
    "update_user",
]
