"""Writing generated files into the one file store (app.core.files' layout,
`uploads/<sha[:2]>/<sha256>`), complete before any row names them.

`write()` writes the bytes to a temp name in the final directory, fsyncs, renames into
place (content-addressed: an existing file is the same bytes) and fsyncs the directory —
all before the caller inserts the row, so a row never names a half-written file. A crash
leaves at most a `.tmp-*` file (deleted by `sweep_temp()`, run when a batch starts) or a
complete file that no row names (harmless, same as an unreferenced upload)."""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from pathlib import Path

from app.core import files

TEMP_PREFIX = ".tmp-"
#: a temp file older than this belongs to a dead writer
TEMP_GRACE_SECONDS = 600


def write(data: bytes) -> str:
    sha = hashlib.sha256(data).hexdigest()
    final = files.path_for(sha)
    if final.is_file():
        return sha
    final.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
    temp = final.with_name(f"{TEMP_PREFIX}{secrets.token_hex(8)}")
    try:
        with open(temp, "xb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o640)
        os.replace(temp, final)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    dir_fd = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return sha


def path_of(sha: str) -> Path:
    return files.path_for(sha)


def sweep_temp(grace_seconds: int = TEMP_GRACE_SECONDS) -> int:
    """Delete the temp files of writers that died (older than the grace period)."""
    root = files.root()
    if not root.is_dir():
        return 0
    cutoff, removed = time.time() - grace_seconds, 0
    for temp in root.glob(f"*/{TEMP_PREFIX}*"):
        if temp.stat().st_mtime < cutoff:
            temp.unlink(missing_ok=True)
            removed += 1
    return removed
