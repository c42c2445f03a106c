"""Argon2id password hashing (SECURITY.md 3.6) and the password policy."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_LENGTH = 8
MAX_LENGTH = 128
COMMON_PASSWORDS = frozenset({
    "12345678", "123456789", "1234567890", "123456a@", "123456aa", "password", "password1",
    "matkhau", "matkhau1", "matkhau123", "giaovien", "giaovien1", "giaovien123", "qwerty123",
    "11111111", "88888888", "abc12345", "iloveyou", "hocsinh", "hocsinh123", "truonghoc",
    "admin123", "admin1234", "sodientu", "vietnam1", "abcd1234",
})  # fmt: skip


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg["SODIENTU_ARGON2_TIME_COST"],
        memory_cost=cfg["SODIENTU_ARGON2_MEMORY_KIB"],
        parallelism=cfg["SODIENTU_ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Constant work whether or not the user exists (a dummy hash stands in)."""
    hasher = _hasher()
    try:
        return hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)


def _dummy_hash() -> str:
    key = "_sodientu_dummy_hash"
    if key not in current_app.extensions:
        current_app.extensions[key] = _hasher().hash("không-có-người-dùng-này")
    return current_app.extensions[key]


def password_problem(password: str, *, username: str = "", school_words: tuple[str, ...] = ()) -> str | None:
    """A Vietnamese sentence saying what is wrong with a new password, or None."""
    if len(password) < MIN_LENGTH:
        return f"Mật khẩu cần ít nhất {MIN_LENGTH} ký tự."
    if len(password) > MAX_LENGTH:
        return f"Mật khẩu dài tối đa {MAX_LENGTH} ký tự."
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or (username and username.lower() in lowered):
        return "Mật khẩu này quá dễ đoán. Hãy chọn một cụm từ dài hơn, khó đoán hơn."
    if any(word and word.lower() in lowered for word in school_words):
        return "Mật khẩu không nên chứa tên trường hoặc tên đăng nhập."
    return None


PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def generate_password(username: str = "") -> str:
    """A random initial password, easy to read aloud: 'k7mq-2xpt-9rha' (≈ 62 bits)."""
    while True:
        groups = ("".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(4)) for _ in range(3))
        password = "-".join(groups)
        if password_problem(password, username=username) is None:
            return password
