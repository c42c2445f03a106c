"""The one file store: content-addressed, outside the web root, in step with the database.

    <DATA_DIR>/uploads/<sha256[:2]>/<sha256>     a stored file, mode 0640, never rewritten
    <DATA_DIR>/uploads/.incoming/                  files of transactions still in flight

`stage_stream()` and `stage_bytes()` write the bytes to .incoming (`tmp-*` while being
written, then fsynced and renamed `<sha256>.<random>.ready`) and return their sha256 and
size; nothing is visible yet. When the current database transaction commits, the staged
files are moved into place (and the directory fsynced); when it rolls back they are
deleted. So a refused or failed request leaves no file behind, and a file appears only
once a committed row can name it.

A crash between the commit and the move leaves a `.ready` file: `sweep()` (`flask files
sweep`) moves it into place when a registered column refers to its sha256 and deletes it
otherwise; half-written `tmp-*` files are deleted. Domains declare the columns that refer
to stored files with `register_reference(Model.column)`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from flask import Response, current_app, send_file
from sqlalchemy import event, select
from sqlalchemy.orm import InstrumentedAttribute, Session, SessionTransaction

from app.core.errors import DomainError

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
SHA256 = re.compile(r"^[0-9a-f]{64}$")
PENDING = "sodientu_staged_files"
#: a `.ready` file younger than this may belong to a transaction still running
SWEEP_GRACE_SECONDS = 3600

_references: list[InstrumentedAttribute[Any]] = []


class FileTooLarge(DomainError):
    status = 413


@dataclass(frozen=True)
class StagedFile:
    sha256: str
    size: int
    staged_path: Path


def register_reference(column: InstrumentedAttribute[Any]) -> None:
    """Declare a column that holds the sha256 of a stored file (for `sweep()`)."""
    if column not in _references:
        _references.append(column)


def reference_columns() -> list[InstrumentedAttribute[Any]]:
    """The registered columns naming stored files (a backup checks it holds what they name)."""
    return list(_references)


def root() -> Path:
    return Path(current_app.config["SODIENTU_DATA_DIR"]) / "uploads"


def path_for(sha256: str) -> Path:
    """Where a stored file lives; ValueError for anything that is not a sha256."""
    if not SHA256.match(sha256 or ""):
        raise ValueError("not a sha256 hex digest")
    return root() / sha256[:2] / sha256


def exists(sha256: str) -> bool:
    return path_for(sha256).is_file()


#: every download: never rendered by the browser, never cached (SECURITY.md test 32)
ATTACHMENT_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "Cache-Control": "private, no-store",
}


def content_disposition(name: str) -> str:
    """RFC 6266 attachment with an ASCII fallback and the exact name per RFC 5987."""
    plain = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    plain = re.sub(r"[^A-Za-z0-9._ ()-]", "_", plain.encode("ascii", "ignore").decode())
    plain = plain.strip(" .") or "tep"
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


def attachment(body: bytes | Path, name: str, mimetype: str) -> Response:
    """A download: bytes, or a stored file's path; always an attachment with the headers above."""
    if isinstance(body, Path):
        response = send_file(body, mimetype=mimetype, conditional=False, etag=False, max_age=0)
    else:
        response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(name)
    response.headers.update(ATTACHMENT_HEADERS)
    return response


def _incoming() -> Path:
    folder = root() / ".incoming"
    folder.mkdir(parents=True, exist_ok=True, mode=0o750)
    return folder


def stage_stream(stream: IO[bytes], session: Session, *, limit: int | None = None, too_large: str = "") -> StagedFile:
    """Copy a stream into .incoming (fsynced), to be stored when `session` commits.

    Over `limit` bytes: FileTooLarge(too_large) and nothing is kept.
    """
    digest, size = hashlib.sha256(), 0
    temp = _incoming() / f"tmp-{secrets.token_hex(8)}"
    try:
        with open(temp, "xb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if limit is not None and size > limit:
                    raise FileTooLarge(too_large or None)
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o640)
        ready = temp.with_name(f"{digest.hexdigest()}.{secrets.token_hex(4)}.ready")
        os.replace(temp, ready)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    staged = StagedFile(digest.hexdigest(), size, ready)
    if not session.in_transaction():
        session.begin()  # so that its end — commit or rollback — decides the file's fate
    session.info.setdefault(PENDING, []).append(staged)
    return staged


def stage_bytes(data: bytes, session: Session) -> StagedFile:
    """Server-generated bytes (a grade book's .xlsx, a PDF), stored when `session` commits."""
    import io

    return stage_stream(io.BytesIO(data), session)


def _promote(staged: StagedFile) -> None:
    final = path_for(staged.sha256)
    if final.exists():
        staged.staged_path.unlink(missing_ok=True)
        return
    final.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
    os.replace(staged.staged_path, final)
    dir_fd = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


@event.listens_for(Session, "after_commit")
def _store_staged(session: Session) -> None:
    for staged in session.info.pop(PENDING, []):
        try:
            _promote(staged)
        except OSError:  # the row is committed: sweep() finishes the move
            log.exception("staged file %s not moved into place", staged.sha256)


@event.listens_for(Session, "after_transaction_end")
def _drop_staged(session: Session, transaction: SessionTransaction) -> None:
    """The outermost transaction ended without a commit (after_commit empties the list)."""
    if transaction.parent is not None:
        return  # a savepoint or subtransaction: the outer transaction still decides
    for staged in session.info.pop(PENDING, []):
        staged.staged_path.unlink(missing_ok=True)


@dataclass(frozen=True)
class SweepResult:
    stored: int
    deleted: int


def sweep(session: Session, grace_seconds: int = SWEEP_GRACE_SECONDS) -> SweepResult:
    """Finish or undo what a crash left in .incoming (see the module docstring)."""
    folder = root() / ".incoming"
    if not folder.is_dir():
        return SweepResult(0, 0)
    cutoff = time.time() - grace_seconds
    old = [p for p in folder.iterdir() if p.is_file() and p.stat().st_mtime < cutoff]
    ready = {p: p.name.split(".", 1)[0] for p in old if p.name.endswith(".ready")}
    referenced = _referenced(session, set(ready.values()))
    stored = deleted = 0
    for path in old:
        sha = ready.get(path)
        if sha is not None and sha in referenced:
            _promote(StagedFile(sha, path.stat().st_size, path))
            stored += 1
        else:
            path.unlink(missing_ok=True)
            deleted += 1
    return SweepResult(stored, deleted)


def _referenced(session: Session, shas: Iterable[str]) -> set[str]:
    wanted = {s for s in shas if SHA256.match(s)}
    found: set[str] = set()
    for column in _references if wanted else []:
        found.update(session.scalars(select(column).where(column.in_(wanted))))
    return found
