"""Evidence files (correction requests, exemptions): checked by content, stored by hash.

Stored as <DATA_DIR>/uploads/<sha256[:2]>/<sha256> (DESIGN.md convention 10), written to
a temp file, fsynced and renamed into place; served only through permission-checked views
as attachments (nosniff, sandbox CSP, no-store).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Response, current_app, send_file
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
_SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    name: str
    content_type: str


def _root() -> Path:
    return Path(current_app.config["SODIENTU_DATA_DIR"]) / "uploads"


def path_for(sha256: str) -> Path:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a sha256")
    return _root() / sha256[:2] / sha256


def sniff(data: bytes) -> tuple[str, str] | None:
    for magic, ctype, ext in _SIGNATURES:
        if data.startswith(magic):
            return ctype, ext
    return None


def clean_name(name: str | None, ext: str) -> str:
    base = unicodedata.normalize("NFC", os.path.basename((name or "").replace("\\", "/")))
    base = "".join(c for c in base if c.isprintable() and c not in '/\\:*?"<>|').strip(" .")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return (stem[:200] or "minh-chung") + ext


def store_upload(upload: Any) -> StoredFile | None:
    """A werkzeug FileStorage (or None / empty) → StoredFile; 413 / 415 on bad input."""
    if upload is None or not getattr(upload, "filename", ""):
        return None
    data = upload.stream.read(MAX_EVIDENCE_BYTES + 1)
    if not data:
        return None
    if len(data) > MAX_EVIDENCE_BYTES:
        raise RequestEntityTooLarge("Tệp minh chứng quá lớn (tối đa 5 MB).")
    kind = sniff(data)
    if kind is None:
        raise UnsupportedMediaType("Minh chứng chỉ nhận tệp PDF, JPG hoặc PNG.")
    sha = hashlib.sha256(data).hexdigest()
    target = path_for(sha)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o640)
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return StoredFile(sha, clean_name(upload.filename, kind[1]), kind[0])


def evidence_columns(evidence: StoredFile | None) -> dict[str, str | None]:
    """The evidence_* columns shared by correction requests and exemptions."""
    return {
        "evidence_sha256": evidence.sha256 if evidence else None,
        "evidence_name": evidence.name if evidence else None,
        "evidence_type": evidence.content_type if evidence else None,
    }


def send_evidence(sha256: str, name: str, content_type: str) -> Response:
    response = send_file(path_for(sha256), mimetype=content_type, as_attachment=True, download_name=name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cache-Control"] = "private, no-store"
    return response
