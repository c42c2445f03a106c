"""Evidence files (correction requests, exemptions): checked by content, kept in the one
file store (core.files: `uploads/<sha256[:2]>/<sha256>`, 0640, staged and moved into place
only when the request's transaction commits — a refused or failed request leaves no
file). Served only through permission-checked views as attachments (nosniff, sandbox
CSP, no-store).
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from typing import IO, cast

from flask import Response, abort
from werkzeug.datastructures import FileStorage

from app.core import files
from app.core.errors import DomainError
from app.extensions import db

MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
TOO_LARGE = "Tệp minh chứng quá lớn (tối đa {} MB); hãy chụp hoặc quét lại với độ phân giải thấp hơn."
_SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)
_HEAD = 16


class EvidenceRejected(DomainError):
    """415: the evidence is not a PDF, JPG or PNG (by its content, not its name)."""

    status = 415
    default_message = "Minh chứng chỉ nhận tệp PDF, JPG hoặc PNG."


@dataclass(frozen=True)
class Evidence:
    sha256: str
    name: str
    content_type: str


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


class _Prefixed:
    """A stream whose first bytes were already read (to sniff them)."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self.head, self.rest = head, rest

    def read(self, size: int = -1) -> bytes:
        if self.head:
            chunk, self.head = self.head, b""
            return chunk
        return self.rest.read(size)


def stage_evidence(upload: FileStorage | None) -> Evidence | None:
    """An uploaded evidence file (or None / an empty field) → Evidence, staged in the store
    until the current transaction commits; EvidenceRejected (415) / FileTooLarge (413)."""
    if upload is None or not upload.filename:
        return None
    head = upload.stream.read(_HEAD)
    if not head:
        return None
    kind = sniff(head)
    if kind is None:
        raise EvidenceRejected()
    staged = files.stage_stream(
        cast(IO[bytes], _Prefixed(head, upload.stream)),
        db.session(),
        limit=MAX_EVIDENCE_BYTES,
        too_large=TOO_LARGE.format(max(1, MAX_EVIDENCE_BYTES // (1024 * 1024))),
    )
    return Evidence(staged.sha256, clean_name(upload.filename, kind[1]), kind[0])


def evidence_columns(evidence: Evidence | None) -> dict[str, str | None]:
    """The evidence_* columns shared by correction requests and exemptions."""
    return {
        "evidence_sha256": evidence.sha256 if evidence else None,
        "evidence_name": evidence.name if evidence else None,
        "evidence_type": evidence.content_type if evidence else None,
    }


def send_evidence(sha256: str | None, name: str | None, content_type: str | None) -> Response:
    """A stored evidence file as an inert attachment; 404 when there is none."""
    if not sha256 or not files.exists(sha256):
        abort(404)
    return files.attachment(files.path_for(sha256), name or "minh-chung", content_type or "application/octet-stream")
