"""Audit checkpoints: the chain's head, signed, kept outside the database (SECURITY.md D-4, test 21).

A hash chain shows that rows were not changed relative to one another. Whoever can write
the database can still delete its last rows, or rewrite a stretch of it and recompute
every hash after it, and `flask audit verify` says OK. A checkpoint is the head
(seq, hash, time) at one moment, signed with an HMAC key the database does not hold
(SODIENTU_CHECKPOINT_KEY) and written to a directory outside the database's
(SODIENTU_CHECKPOINT_DIR). Later the chain must still contain every checkpoint: be at
least `seq` rows long and hold the checkpoint's hash at that seq.

    <CHECKPOINT_DIR>/checkpoint-20261124T030000123456Z-seq4236.json
    {"format": "sodientu-audit-checkpoint/1", "seq": 4236, "hash": "<sha256 hex>",
     "created_at": "2026-11-24T03:00:00.123456Z", "key_source": "SODIENTU_CHECKPOINT_KEY",
     "key_id": "<16 hex>", "signature": "<HMAC-SHA256 hex of the other fields, canonical JSON>"}

The signing key is derived from the configured secret (HMAC(secret, PURPOSE)) so that the
same secret never signs two kinds of things; `key_id` tells "signed with another key"
from "modified" without revealing anything about the key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app

from app.audit import queries, services
from app.core.vn import LOCAL_TZ

FORMAT = "sodientu-audit-checkpoint/1"
PURPOSE = b"sodientu audit checkpoint v1"
KEY_ENV = "SODIENTU_CHECKPOINT_KEY"
#: the BGH dashboard warns when the newest checkpoint is older than this
MAX_AGE = timedelta(hours=24)
NAME = re.compile(r"^checkpoint-\d{8}T\d{12}Z-seq\d+\.json$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
MAX_FILE_BYTES = 64 * 1024
#: how many of the newest files the dashboard reads to find the newest valid checkpoint
DASHBOARD_SCAN = 50
NO_RECENT = "Chưa có điểm neo nhật ký nào trong 24 giờ qua"


@dataclass(frozen=True)
class SigningKey:
    key: bytes
    source: str  # "SODIENTU_CHECKPOINT_KEY" or "SECRET_KEY"
    key_id: str

    @property
    def is_fallback(self) -> bool:
        return self.source != KEY_ENV


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    created_at: datetime
    name: str

    @property
    def local_time(self) -> str:
        return self.created_at.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M:%S")


@dataclass
class Loaded:
    """The checkpoints of a directory whose signature holds, and what is wrong with the rest."""

    checkpoints: list[Checkpoint] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Report:
    checked: int
    problems: list[str]
    latest: Checkpoint | None

    @property
    def ok(self) -> bool:
        return not self.problems and self.checked > 0


def signing_key(config: Mapping[str, Any] | None = None, purpose: bytes = PURPOSE) -> SigningKey:
    """The HMAC key for `purpose`, derived from SODIENTU_CHECKPOINT_KEY (SECRET_KEY when unset)."""
    config = config if config is not None else current_app.config
    secret, source = config.get(KEY_ENV), KEY_ENV
    if secret in (None, ""):
        secret, source = config["SECRET_KEY"], "SECRET_KEY"
    key = hmac.new(str(secret).encode("utf-8"), purpose, hashlib.sha256).digest()
    key_id = hmac.new(key, b"key-id", hashlib.sha256).hexdigest()[:16]
    return SigningKey(key, source, key_id)


def directory(config: Mapping[str, Any] | None = None) -> Path:
    config = config if config is not None else current_app.config
    configured = config.get("SODIENTU_CHECKPOINT_DIR")
    return Path(configured) if configured else Path(config["SODIENTU_DATA_DIR"]) / "checkpoints"


def sign(payload: Mapping[str, Any], key: SigningKey) -> str:
    body = services.canonical_json({k: v for k, v in payload.items() if k != "signature"})
    return hmac.new(key.key, body.encode("utf-8"), hashlib.sha256).hexdigest()


def write(folder: Path | None = None, *, now: datetime | None = None) -> tuple[Checkpoint, Path]:
    """Sign the current head and write it (temp file, fsync, rename, directory fsync)."""
    folder = folder or directory()
    key = signing_key()
    seq, head_hash = services.head()
    created = (now or datetime.now(UTC)).astimezone(UTC)
    payload: dict[str, Any] = {
        "format": FORMAT,
        "seq": seq,
        "hash": head_hash,
        "created_at": created.strftime(TIME_FORMAT),
        "key_source": key.source,
        "key_id": key.key_id,
    }
    payload["signature"] = sign(payload, key)
    name = f"checkpoint-{created.strftime('%Y%m%dT%H%M%S%f')}Z-seq{seq}.json"
    folder.mkdir(parents=True, exist_ok=True, mode=0o750)
    path = folder / name
    temp = folder / f".tmp-{secrets.token_hex(6)}"
    with open(temp, "x", encoding="utf-8") as out:
        json.dump(payload, out, ensure_ascii=False, indent=1, sort_keys=True)
        out.write("\n")
        out.flush()
        os.fsync(out.fileno())
    os.chmod(temp, 0o640)
    os.replace(temp, path)
    _fsync_dir(folder)
    return Checkpoint(seq, head_hash, created, name), path


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def files_in(folder: Path) -> list[Path]:
    """Checkpoint files, oldest first (their names begin with the UTC time)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix == ".json" and not p.name.startswith("."))


def read(path: Path, key: SigningKey) -> Checkpoint | str:
    """The checkpoint in this file, or the sentence saying why it cannot be trusted."""
    name = path.name
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return f"{name}: tệp quá lớn, không phải điểm neo"
        data = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return f"{name}: không đọc được (không phải JSON hợp lệ)"
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return f"{name}: không phải điểm neo nhật ký ({FORMAT})"
    seq, head_hash, created = data.get("seq"), data.get("hash"), data.get("created_at")
    try:
        when = datetime.strptime(str(created), TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        when = None
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0 or not SHA256.match(str(head_hash)) or not when:
        return f"{name}: nội dung không hợp lệ (seq, hash hoặc thời điểm)"
    if not hmac.compare_digest(str(data.get("signature", "")), sign(data, key)):
        if data.get("key_id") != key.key_id:
            return f"{name}: chữ ký không hợp lệ — được ký bằng một khoá khác với khoá hiện tại ({key.source})"
        return f"{name}: chữ ký không hợp lệ — nội dung điểm neo đã bị sửa"
    return Checkpoint(seq, str(head_hash), when, name)


def load(folder: Path) -> Loaded:
    key, loaded = signing_key(), Loaded()
    for path in files_in(folder):
        found = read(path, key)
        if isinstance(found, Checkpoint):
            loaded.checkpoints.append(found)
        else:
            loaded.problems.append(found)
    return loaded


def gaps(checkpoints: list[Checkpoint], head_seq: int, stored: Mapping[int, str]) -> list[str]:
    """What the chain lacks of each checkpoint (pure): rows deleted after a checkpoint, or a
    stretch rewritten (the hash at the checkpoint's seq is another one). `stored` holds the
    chain's hash at each checkpoint's seq."""
    problems, last_ok = [], 0
    for cp in sorted(checkpoints, key=lambda c: (c.seq, c.created_at)):
        if cp.seq == 0:
            continue
        if cp.seq > head_seq:
            problems.append(
                f"Điểm neo {cp.name} (lúc {cp.local_time}) ghi seq={cp.seq} nhưng chuỗi chỉ còn {head_seq} dòng: "
                f"thiếu các dòng seq={head_seq + 1}…{cp.seq} (bị xoá)"
            )
        elif stored.get(cp.seq) != cp.hash:
            problems.append(
                f"Dòng seq={cp.seq} không mang mã băm của điểm neo {cp.name} (lúc {cp.local_time}): "
                f"nhật ký đã bị viết lại trong khoảng seq={last_ok + 1}…{cp.seq}"
            )
        else:
            last_ok = cp.seq
    return problems


def verify(folder: Path) -> Report:
    """Check the chain in the database against every checkpoint in `folder`."""
    loaded = load(folder)
    head_seq, _ = services.head()
    stored = queries.hashes_at({cp.seq for cp in loaded.checkpoints if 0 < cp.seq <= head_seq})
    problems = loaded.problems + gaps(loaded.checkpoints, head_seq, stored)
    if not loaded.checkpoints and not loaded.problems:
        problems.append(f"Không có điểm neo nào trong {folder}")
    latest = max(loaded.checkpoints, key=lambda c: c.created_at, default=None)
    return Report(len(loaded.checkpoints), problems, latest)


@dataclass(frozen=True)
class AnchorStatus:
    """What the BGH dashboard shows: the newest valid checkpoint, whether it is recent,
    whether the chain still holds it, and whether unreadable files were skipped."""

    latest: Checkpoint | None
    recent: bool
    matches: bool | None
    skipped: int

    @property
    def warning(self) -> str | None:
        return None if self.recent else NO_RECENT


def status(now: datetime | None = None) -> AnchorStatus:
    now = now or datetime.now(UTC)
    key, skipped, latest = signing_key(), 0, None
    for path in reversed(files_in(directory())[-DASHBOARD_SCAN:]):
        found = read(path, key)
        if isinstance(found, Checkpoint):
            latest = found
            break
        skipped += 1
    if latest is None:
        return AnchorStatus(None, False, None, skipped)
    stored = queries.hashes_at({latest.seq}) if latest.seq else {0: services.GENESIS}
    return AnchorStatus(latest, now - latest.created_at <= MAX_AGE, stored.get(latest.seq) == latest.hash, skipped)


def beside_database(folder: Path) -> bool:
    """Is this directory inside the SQLite database's directory (lost or rewritten with it)?"""
    from app.extensions import db

    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return False
    db_dir = Path(url.database).resolve().parent
    target = folder.resolve()
    return target == db_dir or db_dir in target.parents
