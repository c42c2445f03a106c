"""`flask backup`: one archive holding a consistent database snapshot, the stored files
and the audit checkpoints, with a manifest of sha256s (issue 13.2, SECURITY.md test 37).

    sodientu-backup-20261124-030000-seq4236.tar.gz     mode 0600 (it holds personal data)
      db/sodientu.sqlite3 | db/postgresql.dump          the snapshot
      files/uploads/<sha[:2]>/<sha256>                  the content-addressed store (core.files)
      checkpoints/checkpoint-….json                     audit checkpoints (audit.checkpoints)
      manifest.json                                     sha256 and size of every member, app
                                                        version, alembic revision, audit head
      manifest.hmac                                     HMAC-SHA256 of manifest.json

The snapshot is taken while the app serves:
- SQLite: the online backup API (`sqlite3.Connection.backup`) copies the database in one
  step inside one read transaction (WAL: writers carry on), then the copy is switched to a
  single self-contained file (journal_mode=DELETE) and must pass `PRAGMA integrity_check`.
  Copying the file with `cp` while a `-wal` file exists is NOT a backup.
- PostgreSQL: a read-only REPEATABLE READ transaction exports its snapshot; the audit head,
  the alembic revision and the files the rows refer to are read in it, and `pg_dump
  --snapshot` dumps exactly that state (custom format).

Stored files are never rewritten, so copying them after the snapshot is consistent; a file
that a snapshot row names but that is still being moved into place is taken from the
store's `.incoming` folder, and any still missing is named in the manifest.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from flask import current_app
from sqlalchemy import text
from sqlalchemy.engine import URL, Connection

from app.audit import checkpoints
from app.audit.services import GENESIS
from app.core import files
from app.extensions import db

FORMAT = "sodientu-backup/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.hmac"
DB_SQLITE = "db/sodientu.sqlite3"
DB_POSTGRES = "db/postgresql.dump"
PURPOSE = b"sodientu backup manifest v1"
ARCHIVE = re.compile(r"^sodientu-backup-\d{8}-\d{6}-seq\d+(-\d+)?\.tar\.gz$")
STORED_MEMBER = re.compile(r"^files/uploads/([0-9a-f]{2})/([0-9a-f]{64})$")
CHECKPOINT_MEMBER = re.compile(r"^checkpoints/[A-Za-z0-9][A-Za-z0-9._-]{0,150}\.json$")
CHUNK = 1024 * 1024


class BackupError(RuntimeError):
    pass


@dataclass
class Snapshot:
    path: Path
    member: str
    dialect: str
    alembic_revision: str | None
    audit_seq: int
    audit_hash: str
    referenced: set[str]
    integrity: str = "ok"


@dataclass
class Backup:
    path: Path
    manifest: dict[str, Any]
    removed: list[Path] = field(default_factory=list)


# --- the snapshot -------------------------------------------------------------------------


def _reference_queries() -> list[str]:
    """SELECTs of every column naming a stored file."""
    found = []
    for attr in files.reference_columns():
        column = attr.property.columns[0]
        found.append(f'SELECT DISTINCT "{column.name}" FROM "{column.table.name}" WHERE "{column.name}" IS NOT NULL')
    return found


def _facts(run: Callable[[str], list[Any]]) -> tuple[str | None, int, str, set[str]]:
    """(alembic revision, audit head seq, head hash, referenced sha256s) of a snapshot."""
    revision = run("SELECT version_num FROM alembic_version")
    head = run("SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1")
    referenced = {str(row[0]) for sql in _reference_queries() for row in run(sql)}
    seq, head_hash = (int(head[0][0]), str(head[0][1])) if head else (0, GENESIS)
    return (str(revision[0][0]) if revision else None), seq, head_hash, referenced


def sqlite_path() -> Path:
    database = db.engine.url.database
    if not database or database == ":memory:":
        raise BackupError("Cơ sở dữ liệu SQLite trong bộ nhớ: không có gì để sao lưu.")
    return Path(database)


def _sqlite_snapshot(work: Path) -> Snapshot:
    dest = work / "sodientu.sqlite3"
    source = sqlite3.connect(sqlite_path(), timeout=30)
    target = sqlite3.connect(dest)
    try:
        source.backup(target)  # one step: one consistent read of the whole database
        target.execute("PRAGMA journal_mode=DELETE")  # the copy is one self-contained file
        integrity = target.execute("PRAGMA integrity_check").fetchone()[0]
        if integrity != "ok":
            raise BackupError(f"Bản chụp cơ sở dữ liệu không toàn vẹn (integrity_check: {integrity}).")
        facts = _facts(lambda sql: target.execute(sql).fetchall())
    finally:
        target.close()
        source.close()
    return Snapshot(dest, DB_SQLITE, "sqlite", *facts)


def libpq_env(url: URL) -> dict[str, str]:
    """The connection for pg_dump/pg_restore as libpq variables (no password on a command line)."""
    env = dict(os.environ)
    for name, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
        ("PGSSLMODE", url.query.get("sslmode")),
    ):
        if value:
            env[name] = str(value)
    return env


def pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"Không tìm thấy {name}: hãy cài gói postgresql-client cùng phiên bản với máy chủ PostgreSQL."
        )
    return found


def _postgres_snapshot(work: Path) -> Snapshot:
    dest = work / "postgresql.dump"
    engine = db.engine
    with engine.connect() as plain:
        conn: Connection = plain.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with conn.begin():
            snapshot_id = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            facts = _facts(lambda sql: list(conn.execute(text(sql)).all()))
            command = [pg_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot_id}", f"--file={dest}"]
            done = subprocess.run(
                [*command, "--no-password"], env=libpq_env(engine.url), capture_output=True, text=True, check=False
            )
            if done.returncode != 0:
                raise BackupError(f"pg_dump thất bại: {done.stderr.strip()[-500:]}")
    return Snapshot(dest, DB_POSTGRES, "postgresql", *facts)


def take_snapshot(work: Path) -> Snapshot:
    dialect = db.engine.dialect.name
    if dialect == "sqlite":
        return _sqlite_snapshot(work)
    if dialect == "postgresql":
        return _postgres_snapshot(work)
    raise BackupError(f"Không hỗ trợ sao lưu cơ sở dữ liệu {dialect}.")


# --- the archive --------------------------------------------------------------------------


class _Hashing:
    """A reader that hashes what passes through it."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream, self.digest, self.size = stream, hashlib.sha256(), 0

    def read(self, n: int = -1) -> bytes:
        chunk = self.stream.read(n)
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk


def _info(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(mtime), 0o640
    return info


def _add_path(tar: tarfile.TarFile, path: Path, name: str, members: dict[str, dict[str, Any]]) -> str:
    stat = path.stat()
    with open(path, "rb") as source:
        reader = _Hashing(source)
        tar.addfile(_info(name, stat.st_size, stat.st_mtime), reader)
    if reader.size != stat.st_size:
        raise BackupError(f"{path} thay đổi trong khi sao lưu.")
    members[name] = {"sha256": reader.digest.hexdigest(), "size": reader.size}
    return str(members[name]["sha256"])


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    import io

    tar.addfile(_info(name, len(data), datetime.now(UTC).timestamp()), io.BytesIO(data))


def stored_files(root: Path) -> Iterable[tuple[str, Path]]:
    """(sha256, path) of every file in the store (not the in-flight `.incoming`)."""
    if not root.is_dir():
        return
    for folder in sorted(root.iterdir()):
        if not folder.is_dir() or not re.fullmatch(r"[0-9a-f]{2}", folder.name):
            continue
        for path in sorted(folder.iterdir()):
            if path.is_file() and files.SHA256.match(path.name) and path.name.startswith(folder.name):
                yield path.name, path


def _add_store(tar: tarfile.TarFile, members: dict[str, dict[str, Any]], referenced: set[str]) -> tuple[int, list[str]]:
    """Add the store; returns (files added, referenced sha256s that are nowhere)."""
    root, added, problems = files.root(), set(), []
    for sha, path in stored_files(root):
        digest = _add_path(tar, path, f"files/uploads/{sha[:2]}/{sha}", members)
        if digest != sha:
            problems.append(sha)
        added.add(sha)
    missing = []
    for sha in sorted(referenced - added):
        candidates = sorted((root / ".incoming").glob(f"{sha}.*.ready")) if files.SHA256.match(sha) else []
        final = root / sha[:2] / sha
        source = final if final.is_file() else (candidates[0] if candidates else None)
        if source is None:
            missing.append(sha)
            continue
        if _add_path(tar, source, f"files/uploads/{sha[:2]}/{sha}", members) != sha:
            problems.append(sha)
        added.add(sha)
    if problems:
        raise BackupError(f"Tệp trong kho không khớp mã băm của tên: {', '.join(problems[:5])}")
    return len(added), missing


def _add_checkpoints(tar: tarfile.TarFile, members: dict[str, dict[str, Any]]) -> int:
    count = 0
    for path in checkpoints.files_in(checkpoints.directory()):
        if CHECKPOINT_MEMBER.match(f"checkpoints/{path.name}"):
            _add_path(tar, path, f"checkpoints/{path.name}", members)
            count += 1
    return count


def app_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sodientu")
    except PackageNotFoundError:
        return "0+unknown"


def manifest_key() -> checkpoints.SigningKey:
    return checkpoints.signing_key(purpose=PURPOSE)


def manifest_signature(data: bytes) -> str:
    return hmac.new(manifest_key().key, data, hashlib.sha256).hexdigest()


def default_output() -> Path:
    configured = current_app.config.get("SODIENTU_BACKUP_DIR")
    return Path(configured) if configured else Path(current_app.config["SODIENTU_DATA_DIR"]) / "backups"


def create(output: Path, *, keep: int | None = None, now: datetime | None = None) -> Backup:
    """Write one archive into `output` (written as a hidden .partial, fsynced, then renamed)."""
    created = (now or datetime.now(UTC)).astimezone(UTC)
    output.mkdir(parents=True, exist_ok=True, mode=0o700)
    work = Path(tempfile.mkdtemp(prefix=".sodientu-backup-", dir=output))
    partial: Path | None = None
    try:
        snap = take_snapshot(work)
        name = f"sodientu-backup-{created:%Y%m%d-%H%M%S}-seq{snap.audit_seq}.tar.gz"
        partial = output / f".{name}.partial"
        members: dict[str, dict[str, Any]] = {}
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
                _add_path(tar, snap.path, snap.member, members)
                stored, missing = _add_store(tar, members, snap.referenced)
                anchors = _add_checkpoints(tar, members)
                manifest = _manifest(snap, created, members, stored, missing, anchors)
                data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
                _add_bytes(tar, MANIFEST, data)
                _add_bytes(tar, SIGNATURE, manifest_signature(data).encode("ascii"))
            raw.flush()
            os.fsync(raw.fileno())
        final = _free_name(output, name)
        os.replace(partial, final)
        _fsync_dir(output)
    except BaseException:
        if partial is not None:
            partial.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    removed = rotate(output, keep) if keep else []
    return Backup(final, manifest, removed)


def _manifest(
    snap: Snapshot,
    created: datetime,
    members: dict[str, dict[str, Any]],
    stored: int,
    missing: list[str],
    anchors: int,
) -> dict[str, Any]:
    key = manifest_key()
    return {
        "format": FORMAT,
        "created_at": created.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "app_version": app_version(),
        "alembic_revision": snap.alembic_revision,
        "database": {"dialect": snap.dialect, "member": snap.member, "integrity_check": snap.integrity},
        "audit_head": {"seq": snap.audit_seq, "hash": snap.audit_hash},
        "files": {"count": stored, "missing": missing},
        "checkpoints": anchors,
        "signature": {"algorithm": "HMAC-SHA256", "key_source": key.source, "key_id": key.key_id},
        "members": members,
    }


def _free_name(output: Path, name: str) -> Path:
    """`name`, or name-2, name-3… when two backups fall in the same second."""
    final, n = output / name, 1
    while final.exists():
        n += 1
        final = output / name.replace(".tar.gz", f"-{n}.tar.gz")
    return final


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def rotate(output: Path, keep: int) -> list[Path]:
    """Delete all but the `keep` newest archives of ours in `output` (names sort by time)."""
    archives = sorted(
        (p for p in output.iterdir() if p.is_file() and ARCHIVE.match(p.name)),
        key=lambda p: (p.name[: len("sodientu-backup-20261124-030000")], p.stat().st_mtime_ns),
    )
    doomed = archives[:-keep] if keep > 0 else []
    for path in doomed:
        path.unlink()
    return doomed


# --- checking an archive ------------------------------------------------------------------


@dataclass
class Report:
    manifest: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    signed: bool | None = None  # None: no signature in the archive
    signature_problem: str | None = None  # also in `problems`
    extracted: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and self.signed is True

    def problems_but_signature(self) -> list[str]:
        return [p for p in self.problems if p != self.signature_problem]


def _allowed(name: str) -> bool:
    return name in (MANIFEST, SIGNATURE, DB_SQLITE, DB_POSTGRES) or bool(
        STORED_MEMBER.match(name) or CHECKPOINT_MEMBER.match(name)
    )


def verify(archive: Path, into: Path, *, extract_all: bool = False) -> Report:
    """Check every member against the manifest (sha256, size, no member missing or added),
    the manifest's signature and the snapshot itself; the database member (and with
    extract_all every member) is written under `into`."""
    report = Report()
    seen: dict[str, dict[str, Any]] = {}
    small: dict[str, bytes] = {}
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            for member in tar:
                _read_member(tar, member, into, extract_all, report, seen, small)
    except (tarfile.TarError, OSError, EOFError) as exc:
        report.problems.append(f"Không đọc được tệp sao lưu: {exc}")
        return report
    manifest_bytes = small.get(MANIFEST)
    if manifest_bytes is None:
        report.problems.append("Thiếu manifest.json: không phải bản sao lưu Sổ điện tử, hoặc bị cắt cụt.")
        return report
    try:
        manifest = json.loads(manifest_bytes)
    except ValueError:
        report.problems.append("manifest.json không phải JSON hợp lệ.")
        return report
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        report.problems.append(f"manifest.json không đúng định dạng {FORMAT}.")
        return report
    report.manifest, report.extracted = manifest, into
    _check_signature(manifest_bytes, small.get(SIGNATURE), report)
    _check_members(manifest, seen, report)
    if not report.problems:
        _check_snapshot(manifest, into, report)
    missing = (manifest.get("files") or {}).get("missing") or []
    if missing:
        report.warnings.append(f"Lúc sao lưu thiếu {len(missing)} tệp mà dữ liệu nhắc tới: {', '.join(missing[:5])}")
    return report


def _read_member(
    tar: tarfile.TarFile,
    member: tarfile.TarInfo,
    into: Path,
    extract_all: bool,
    report: Report,
    seen: dict[str, dict[str, Any]],
    small: dict[str, bytes],
) -> None:
    name = member.name
    if not member.isfile() or not _allowed(name):
        report.problems.append(f"Thành phần lạ trong tệp sao lưu: {name!r}")
        return
    if name in seen:
        report.problems.append(f"Thành phần xuất hiện hai lần: {name}")
        return
    source = tar.extractfile(member)
    assert source is not None  # a regular file
    digest, size = hashlib.sha256(), 0
    keep = name in (MANIFEST, SIGNATURE)
    write = extract_all or name in (DB_SQLITE, DB_POSTGRES)
    target = into / name
    chunks = []
    out = None
    if write and not keep:
        target.parent.mkdir(parents=True, exist_ok=True)
        out = open(target, "xb")  # closed below
    try:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if keep:
                if size > 16 * 1024 * 1024:
                    report.problems.append(f"{name} quá lớn.")
                    return
                chunks.append(chunk)
            elif out is not None:
                out.write(chunk)
        if out is not None:
            out.flush()
            os.fsync(out.fileno())
    finally:
        if out is not None:
            out.close()
    seen[name] = {"sha256": digest.hexdigest(), "size": size}
    if keep:
        small[name] = b"".join(chunks)


def _check_signature(data: bytes, signature: bytes | None, report: Report) -> None:
    if signature is None:
        report.signed = None
        report.signature_problem = "Thiếu chữ ký manifest.hmac."
    else:
        report.signed = hmac.compare_digest(signature.decode("ascii", "replace").strip(), manifest_signature(data))
        if not report.signed:
            report.signature_problem = (
                "Chữ ký của bản kê (manifest.hmac) không khớp: tệp sao lưu đã bị sửa, hoặc khoá "
                "SODIENTU_CHECKPOINT_KEY (SECRET_KEY) ở đây khác khoá lúc sao lưu."
            )
    if report.signature_problem:
        report.problems.append(report.signature_problem)


def _check_members(manifest: dict[str, Any], seen: dict[str, dict[str, Any]], report: Report) -> None:
    listed = manifest.get("members")
    if not isinstance(listed, dict):
        report.problems.append("manifest.json không liệt kê các thành phần.")
        return
    for name, expected in sorted(listed.items()):
        got = seen.get(name)
        if got is None:
            report.problems.append(f"Thiếu thành phần {name}")
        elif got != expected:
            report.problems.append(f"{name}: sha256 hoặc kích thước không khớp bản kê (bị sửa)")
    for name in sorted(set(seen) - set(listed) - {MANIFEST, SIGNATURE}):
        report.problems.append(f"Thành phần {name} không có trong bản kê (bị thêm vào)")
    for name, got in seen.items():
        found = STORED_MEMBER.match(name)
        if found and got["sha256"] != found.group(2):
            report.problems.append(f"{name}: nội dung không khớp mã băm trong tên tệp")
    database = manifest.get("database") or {}
    if database.get("member") not in (DB_SQLITE, DB_POSTGRES) or database.get("member") not in seen:
        report.problems.append("Tệp sao lưu không có bản chụp cơ sở dữ liệu.")


def _check_snapshot(manifest: dict[str, Any], into: Path, report: Report) -> None:
    """The snapshot opens: SQLite passes integrity_check and holds the recorded audit head;
    a PostgreSQL dump is listed by pg_restore."""
    database = manifest["database"]
    path = into / database["member"]
    head = manifest.get("audit_head") or {}
    if database["member"] == DB_SQLITE:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
            row = conn.execute("SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1").fetchone()
        except sqlite3.DatabaseError as exc:
            report.problems.append(f"Bản chụp SQLite không mở được: {exc}")
            return
        finally:
            conn.close()
        if integrity != "ok":
            report.problems.append(f"Bản chụp SQLite không toàn vẹn: {integrity}")
        seq, head_hash = (row[0], row[1]) if row else (0, GENESIS)
        if (seq, head_hash) != (head.get("seq"), head.get("hash")):
            report.problems.append("Đầu chuỗi nhật ký trong bản chụp khác với bản kê.")
        return
    tool = shutil.which("pg_restore")
    if tool is None:
        report.warnings.append("Không có pg_restore: chưa kiểm tra được bản dump PostgreSQL.")
        return
    done = subprocess.run([tool, "--list", str(path)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        report.problems.append(f"pg_restore không đọc được bản dump: {done.stderr.strip()[-300:]}")
