"""Uploaded import files between preview and confirm, without process memory.

Each upload is kept as SODIENTU_DATA_DIR/imports/<token>.xlsx with a <token>.json
beside it (owner, kind, class, file name, sha256, time). The token is random
(128 bits) and bound to the uploading user: anyone else gets "not found". Files
older than MAX_AGE are removed on the next upload.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from flask import current_app

TOKEN = re.compile(r"^[A-Za-z0-9_-]{22,64}$")
MAX_AGE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class StoredUpload:
    token: str
    user_id: int
    kind: str
    class_id: int | None
    filename: str
    sha256: str
    size: int
    created: float


def folder() -> Path:
    path = Path(current_app.config["SODIENTU_DATA_DIR"]) / "imports"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def save(user_id: int, kind: str, data: bytes, filename: str, class_id: int | None) -> StoredUpload:
    purge_expired()
    token = secrets.token_urlsafe(16)
    upload = StoredUpload(
        token,
        user_id,
        kind,
        class_id,
        safe_filename(filename),
        hashlib.sha256(data).hexdigest(),
        len(data),
        time.time(),
    )
    _write(folder() / f"{token}.xlsx", data)
    _write(folder() / f"{token}.json", json.dumps(asdict(upload)).encode())
    return upload


def load(token: str, user_id: int, kind: str) -> StoredUpload | None:
    """The upload if it exists, belongs to this user and kind, and has not expired."""
    if not TOKEN.match(token or ""):
        return None
    meta = folder() / f"{token}.json"
    try:
        upload = StoredUpload(**json.loads(meta.read_text()))
    except (OSError, ValueError, TypeError):
        return None
    if upload.user_id != user_id or upload.kind != kind:
        return None
    if time.time() - upload.created > MAX_AGE_SECONDS:
        discard(upload)
        return None
    return upload


def read(upload: StoredUpload) -> bytes:
    data = (folder() / f"{upload.token}.xlsx").read_bytes()
    if hashlib.sha256(data).hexdigest() != upload.sha256:
        raise OSError("stored import file changed on disk")
    return data


def discard(upload: StoredUpload) -> None:
    for suffix in (".xlsx", ".json"):
        (folder() / f"{upload.token}{suffix}").unlink(missing_ok=True)


def purge_expired() -> None:
    now = time.time()
    for path in folder().glob("*"):
        try:
            if now - path.stat().st_mtime > MAX_AGE_SECONDS:
                path.unlink(missing_ok=True)
        except OSError:
            continue


def safe_filename(name: str | None) -> str:
    """Only for display and the audit comment: no path, no control characters, ≤ 120 chars."""
    import unicodedata

    base = unicodedata.normalize("NFC", (name or "tep.xlsx").replace("\\", "/").rsplit("/", 1)[-1])
    cleaned = "".join(c for c in base if c.isprintable()).strip() or "tep.xlsx"
    return cleaned[:120]
