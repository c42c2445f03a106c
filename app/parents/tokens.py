"""Link tokens and the parent's view cookie (SECURITY.md D-2).

A token is `secrets.token_urlsafe(32)` (256 random bits); only its sha256 is stored and
looked up, so a lookup costs the same whatever the input (no prefix-timing oracle).
After the POST from the landing page the parent holds a signed, short-lived cookie naming
the link (its id and the first 16 hex of its hash): the token leaves the URL, and every
request re-reads the link, so a revoked or replaced link stops at once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

TOKEN_BYTES = 32
#: what a token looks like (token_urlsafe(32) is 43 characters); anything else is a 404 at once
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,100}$")
SALT = "parents.view"


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True)
class CookieClaim:
    link_id: int
    hash_prefix: str


def cookie_name() -> str:
    return "__Host-pview" if current_app.config["SODIENTU_HTTPS"] else "sodientu_pview"


def max_age() -> int:
    return int(current_app.config["SODIENTU_PARENT_COOKIE_MINUTES"]) * 60


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def sign_claim(link_id: int, hashed: str) -> str:
    return _serializer().dumps({"l": link_id, "h": hashed[:16]})


def read_claim(value: str | None) -> CookieClaim | None:
    if not value:
        return None
    try:
        data: Any = _serializer().loads(value, max_age=max_age())
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("l"), int) or not isinstance(data.get("h"), str):
        return None
    return CookieClaim(data["l"], data["h"])
