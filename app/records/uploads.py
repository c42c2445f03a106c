"""The upload store: checked by content, content-addressed, outside the web root.

`store_upload(file_storage) -> StoredFile` is the one entry point for user files (records,
and the grade book's correction evidence): it streams the upload into an anonymous temp
file counting bytes (413 over SODIENTU_UPLOAD_MAX_MB), has filecheck.py judge the content
in a child process with resource limits and a timeout (415/422/413 with a Vietnamese
message), and only then writes it atomically to
SODIENTU_DATA_DIR/uploads/<sha256[:2]>/<sha256> (mode 0640). A rejected upload leaves
nothing behind. `store_bytes()` stores server-generated files (no sniffing needed).
The original name is kept only as sanitised metadata (NFC, no path, ≤ 255 chars, the
extension of the detected type). Files are served by views as attachments only.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from flask import current_app

from app.core import filecheck

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
CHECK_TIMEOUT_SECONDS = 15
FILECHECK = Path(filecheck.__file__).resolve()
EXTENSIONS = {"pdf": ".pdf", "docx": ".docx", "xlsx": ".xlsx", "pptx": ".pptx", "csv": ".csv", "txt": ".txt"}
MIME_BY_KIND = {**filecheck.MIME, "csv": "text/csv", "txt": "text/plain"}
WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    mime: str
    kind: str
    original_name: str


class UploadError(Exception):
    """A refused upload: HTTP status (413, 415 or 422) and a Vietnamese sentence."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def max_bytes() -> int:
    return int(current_app.config["SODIENTU_UPLOAD_MAX_MB"]) * 1024 * 1024


def upload_root() -> Path:
    return Path(current_app.config["SODIENTU_DATA_DIR"]) / "uploads"


def blob_path(sha256: str) -> Path:
    if not _SHA256.match(sha256 or ""):
        raise ValueError("not a sha256 hex digest")
    return upload_root() / sha256[:2] / sha256


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


def store_upload(file_storage: Any) -> StoredFile:
    """Check and store one werkzeug FileStorage; raise UploadError and store nothing if bad."""
    return store_uploads([file_storage])[0]


def store_uploads(file_storages: list[Any]) -> list[StoredFile]:
    """Check every file first; store them only if all pass (all or nothing)."""
    with ExitStack() as stack:
        checked = []
        for fs in file_storages:
            tmp = stack.enter_context(tempfile.TemporaryFile())
            checked.append((fs, tmp, *_spool_and_check(fs, tmp)))
        stored = []
        for fs, tmp, sha256, size, kind, mime in checked:
            _persist(tmp, sha256)
            stored.append(StoredFile(sha256, size, mime, kind, safe_name(fs.filename, kind)))
        return stored


def _spool_and_check(file_storage: Any, tmp: IO[bytes]) -> tuple[str, int, str, str]:
    limit = max_bytes()
    label = _display(file_storage.filename)
    digest, size = hashlib.sha256(), 0
    while chunk := file_storage.stream.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise UploadError(413, f"Tệp “{label}” lớn hơn giới hạn {current_app.config['SODIENTU_UPLOAD_MAX_MB']} MB.")
        digest.update(chunk)
        tmp.write(chunk)
    if size == 0:
        raise UploadError(422, f"Tệp “{label}” rỗng (0 byte). Hãy chọn đúng tệp cần nộp.")
    tmp.flush()
    kind, mime = _inspect(tmp, label)
    return digest.hexdigest(), size, kind, mime


def content_disposition(name: str) -> str:
    """RFC 6266 attachment with an ASCII fallback and the exact name per RFC 5987."""
    plain = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    plain = re.sub(r"[^A-Za-z0-9._ ()-]", "_", plain.encode("ascii", "ignore").decode())
    plain = plain.strip(" .") or "tep"
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


def store_bytes(name: str, data: bytes, kind: str | None = None) -> StoredFile:
    """Store a server-generated file (e.g. a grade book .xlsx) without content sniffing."""
    kind = kind or Path(name).suffix.lstrip(".").lower()
    sha256 = hashlib.sha256(data).hexdigest()
    with tempfile.TemporaryFile() as tmp:
        tmp.write(data)
        tmp.flush()
        _persist(tmp, sha256)
    mime = MIME_BY_KIND.get(kind, "application/octet-stream")
    return StoredFile(sha256, len(data), mime, kind, safe_name(name, kind))


def _inspect(tmp: IO[bytes], label: str) -> tuple[str, str]:
    """Run filecheck.py in a child process (rlimits set inside it) on the temp file."""
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
            422, f"Kiểm tra tệp “{label}” quá thời gian cho phép; tệp có thể bị hỏng hoặc quá phức tạp."
        ) from exc
    verdict = _verdict(proc.stdout)
    if verdict is None:
        log.warning("file check failed (rc=%s): %r", proc.returncode, proc.stderr[-500:])
        raise UploadError(422, f"Không kiểm tra được nội dung tệp “{label}”; tệp có thể bị hỏng hoặc quá phức tạp.")
    if not verdict.get("ok"):
        raise UploadError(int(verdict["status"]), f"Tệp “{label}”: {verdict['message']}")
    return str(verdict["kind"]), str(verdict["mime"])


def _verdict(stdout: bytes) -> dict[str, Any] | None:
    lines = stdout.decode("ascii", "replace").strip().splitlines()
    try:
        verdict = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        return None
    return verdict if isinstance(verdict, dict) else None


def _persist(tmp: IO[bytes], sha256: str) -> None:
    """Write to uploads/.incoming, fsync, then rename into place (never a half file)."""
    final = blob_path(sha256)
    if final.exists():
        return
    final.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
    incoming = upload_root() / ".incoming"
    incoming.mkdir(exist_ok=True, mode=0o750)
    fd, tmp_path = tempfile.mkstemp(dir=incoming)
    try:
        with os.fdopen(fd, "wb") as out:
            tmp.seek(0)
            shutil.copyfileobj(tmp, out, CHUNK)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp_path, 0o640)
        os.replace(tmp_path, final)
    except BaseException:
        Path(tmp_path).unlink(missing_ok=True)
        raise
    dir_fd = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
