"""Record uploads: checked by content, then staged in the one file store (core.files).

`stage_uploads(file_storages) -> list[StoredFile]` is the entry point for user files: it
streams each upload into an anonymous temp file counting bytes (413 over
SODIENTU_UPLOAD_MAX_MB), has core.filecheck judge the content in a child process with
resource limits and a timeout (415/422/413 with a Vietnamese message), and only when
every file passed stages them with `files.stage_stream()`: they are moved into
uploads/<sha256[:2]>/<sha256> (0640) when the request's transaction commits and deleted
when it rolls back. A refused upload never reaches the store at all; a failed
transaction leaves nothing behind either. `stage_bytes()` stages server-generated files
(no sniffing needed). The original name is kept only as sanitised metadata (NFC, no
path, ≤ 255 chars, the extension of the detected type). Files are served by views as
attachments only.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from flask import current_app
from werkzeug.datastructures import FileStorage

from app.core import filecheck, files
from app.core.errors import DomainError
from app.extensions import db

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
CHECK_TIMEOUT_SECONDS = 15
FILECHECK = Path(filecheck.__file__).resolve()
EXTENSIONS = {
    "pdf": ".pdf",
    "docx": ".docx",
    "xlsx": ".xlsx",
    "pptx": ".pptx",
    "csv": ".csv",
    "txt": ".txt",
    "json": ".json",
}
MIME_BY_KIND = {**filecheck.MIME, "csv": "text/csv", "txt": "text/plain", "json": "application/json"}
WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


@dataclass(frozen=True)
class StoredFile:
    """A checked file staged in the store (in place once the transaction commits)."""

    sha256: str
    size: int
    mime: str
    kind: str
    original_name: str


class UploadError(DomainError):
    """A refused upload: 413 (too large), 415 (type not accepted) or 422, in Vietnamese."""


@dataclass(frozen=True)
class _Checked:
    upload: FileStorage
    spool: IO[bytes]
    kind: str
    mime: str


def max_bytes() -> int:
    return int(current_app.config["SODIENTU_UPLOAD_MAX_MB"]) * 1024 * 1024


def safe_name(name: str | None, kind: str) -> str:
    """Display/download name: NFC, no directories or control characters, ≤ 255 chars,
    ending with the extension of the type detected from the content."""
    text = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(c for c in text if unicodedata.category(c)[0] != "C").strip(" .")
    ext = EXTENSIONS.get(kind, "")
    stem = text[: -len(ext)] if ext and text.lower().endswith(ext) else text
    stem = stem.rstrip(" .") or "tep"
    if stem.split(".")[0].upper() in WINDOWS_RESERVED:
        stem = "_" + stem
    return stem[: 255 - len(ext)] + ext


def _display(name: str | None) -> str:
    text = safe_name(name, "")
    return text if len(text) <= 80 else text[:77] + "…"


def stage_upload(file_storage: FileStorage) -> StoredFile:
    """Check and stage one upload; raise UploadError and stage nothing if it is refused."""
    return stage_uploads([file_storage])[0]


def stage_uploads(file_storages: Sequence[FileStorage]) -> list[StoredFile]:
    """Check every file first; stage them only if all pass (all or nothing)."""
    with ExitStack() as stack:
        checked = [_spool_and_check(fs, stack.enter_context(tempfile.TemporaryFile())) for fs in file_storages]
        return [_stage(c) for c in checked]


def _stage(checked: _Checked) -> StoredFile:
    checked.spool.seek(0)
    staged = files.stage_stream(checked.spool, db.session())
    return StoredFile(
        staged.sha256, staged.size, checked.mime, checked.kind, safe_name(checked.upload.filename, checked.kind)
    )


def _spool_and_check(file_storage: FileStorage, spool: IO[bytes]) -> _Checked:
    limit = max_bytes()
    label = _display(file_storage.filename)
    size = 0
    while chunk := file_storage.stream.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise UploadError(f"Tệp “{label}” lớn hơn giới hạn {current_app.config['SODIENTU_UPLOAD_MAX_MB']} MB.", 413)
        spool.write(chunk)
    if size == 0:
        raise UploadError(f"Tệp “{label}” rỗng (0 byte). Hãy chọn đúng tệp cần nộp.", 422)
    spool.flush()
    kind, mime = _inspect(spool, label)
    return _Checked(file_storage, spool, kind, mime)


def stage_bytes(name: str, data: bytes, kind: str | None = None) -> StoredFile:
    """Stage a server-generated file (e.g. a grade book .xlsx) without content sniffing."""
    kind = kind or Path(name).suffix.lstrip(".").lower()
    staged = files.stage_bytes(data, db.session())
    mime = MIME_BY_KIND.get(kind, "application/octet-stream")
    return StoredFile(staged.sha256, staged.size, mime, kind, safe_name(name, kind))


def _inspect(tmp: IO[bytes], label: str) -> tuple[str, str]:
    """Run core/filecheck.py in a child process (rlimits set inside it) on the temp file."""
    tmp.seek(0)
    try:
        proc = subprocess.run(
            [sys.executable, "-I", str(FILECHECK)],
            stdin=tmp,
            capture_output=True,
            timeout=CHECK_TIMEOUT_SECONDS,
            check=False,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8"},
        )
    except subprocess.TimeoutExpired as exc:
        raise UploadError(
            f"Kiểm tra tệp “{label}” quá thời gian cho phép; tệp có thể bị hỏng hoặc quá phức tạp.", 422
        ) from exc
    verdict = _verdict(proc.stdout)
    if verdict is None:
        log.warning("file check failed (rc=%s): %r", proc.returncode, proc.stderr[-500:])
        raise UploadError(f"Không kiểm tra được nội dung tệp “{label}”; tệp có thể bị hỏng hoặc quá phức tạp.", 422)
    if not verdict.get("ok"):
        raise UploadError(f"Tệp “{label}”: {verdict['message']}", int(verdict["status"]))
    return str(verdict["kind"]), str(verdict["mime"])


def _verdict(stdout: bytes) -> dict[str, Any] | None:
    lines = stdout.decode("ascii", "replace").strip().splitlines()
    try:
        verdict = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        return None
    return verdict if isinstance(verdict, dict) else None
