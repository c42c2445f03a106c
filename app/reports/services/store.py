"""Writing generated files into the one file store (app.core.files' layout,
`uploads/<sha[:2]>/<sha256>`), complete before any row names them.

`write()` (and `write_many()`, a chunk of files at once) writes the bytes to a temp name in
the final directory, fsyncs, renames into place (content-addressed: an existing file is the
same bytes) and fsyncs the directory — all before the caller inserts the row, so a row
never names a half-written file. A crash leaves at most a `.tmp-*` file (deleted by
`sweep_temp()`, run when a batch starts) or a complete file that no row names (harmless,
same as an unreferenced upload)."""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from collections.abc import Sequence
from pathlib import Path

from app.core import files

TEMP_PREFIX = ".tmp-"
#: a temp file older than this belongs to a dead writer
TEMP_GRACE_SECONDS = 600


def write(data: bytes) -> str:
    return write_many([data])[0]


def write_many(datas: Sequence[bytes]) -> list[str]:
    """Store several files (a batch's chunk) at once; their sha256s in order. Each is written
    to its temp name, then every temp is fsynced, renamed into place and every directory
    fsynced: the first fsync commits the file system's journal for all of them, the others
    find little left to do (a third less CPU a file than one file after the other, measured
    in docs/performance.md)."""
    shas = [hashlib.sha256(data).hexdigest() for data in datas]
    todo = {sha: data for sha, data in zip(shas, datas, strict=True) if not files.path_for(sha).is_file()}
    temps: list[tuple[Path, Path]] = []
    try:
        for sha, data in todo.items():
            temps.append(_write_temp(files.path_for(sha), data))
        for temp, _ in temps:
            _fsync(temp, os.O_RDONLY)
        for temp, final in temps:
            os.chmod(temp, 0o640)
            os.replace(temp, final)
    except BaseException:
        for temp, _ in temps:
            temp.unlink(missing_ok=True)  # a renamed one is gone from here already: complete
        raise
    for folder in sorted({final.parent for _, final in temps}):
        _fsync(folder, os.O_RDONLY)
    return shas


def _write_temp(final: Path, data: bytes) -> tuple[Path, Path]:
    final.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
    temp = final.with_name(f"{TEMP_PREFIX}{secrets.token_hex(8)}")
    try:
        with open(temp, "xb") as out:
            out.write(data)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp, final


def _fsync(path: Path, flags: int) -> None:
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
