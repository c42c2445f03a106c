"""`flask restore ARCHIVE`: an archive of `flask backup` into an EMPTY instance.

Empty means: the configured database has no table with a row (a new SQLite file, or a
database just created — or migrated, at the archive's own revision — with nothing in it;
rate-limit counters do not count) and the file store has no stored file. Anything else is
refused, so a restore can never overwrite a school's data.

Order: the target is checked, the archive is verified and extracted (under the data
directory, so that files are renamed into place, not copied), the database is restored
(SQLite: the backup API writes the snapshot into the target file; PostgreSQL:
`pg_restore --clean --if-exists --single-transaction --no-owner --no-acl`), then the
stored files, then the checkpoints (added beside those already there). Stop the app
(gunicorn, RQ workers) before restoring.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import column, func, inspect, select, table

from app.audit import checkpoints
from app.core import files
from app.extensions import db
from app.ops import backup

#: tables whose rows do not make an instance "in use"
IGNORED_TABLES = frozenset({"alembic_version", "rate_limit_counter", "sqlite_sequence"})


class RestoreRefused(RuntimeError):
    pass


@dataclass(frozen=True)
class Restored:
    dialect: str
    audit_seq: int
    files: int
    checkpoints: int
    alembic_revision: str | None
    warnings: list[str]


def _refused(vi: str, en: str) -> RestoreRefused:
    return RestoreRefused(f"{vi}\n{en}")


def target_contents() -> tuple[list[str], int, str | None]:
    """(tables holding rows, stored files, alembic revision) of the configured instance."""
    engine = db.engine
    names = inspect(engine).get_table_names()
    used, revision = [], None
    with engine.connect() as conn:
        for name in sorted(set(names) - IGNORED_TABLES):
            if conn.execute(select(func.count()).select_from(table(name))).scalar():
                used.append(name)
        if "alembic_version" in names:
            revision = conn.execute(select(table("alembic_version", column("version_num")).c.version_num)).scalar()
    stored = sum(1 for _ in backup.stored_files(files.root()))
    return used, stored, revision


def check_target_empty() -> str | None:
    """Refuse a target holding data; returns the target's alembic revision (if migrated)."""
    used, stored, revision = target_contents()
    if used or stored:
        tables = ", ".join(used[:6]) + ("…" if len(used) > 6 else "")
        vi = "Không khôi phục: nơi nhận không trống —"
        en = "Refusing to restore: the target instance is not empty —"
        if used:
            vi += f" cơ sở dữ liệu đã có dữ liệu (bảng {tables})"
            en += f" the database holds data (tables {tables})"
        if stored:
            vi += f"{',' if used else ''} kho tệp đã có {stored} tệp ({files.root()})"
            en += f"{',' if used else ''} the file store holds {stored} files ({files.root()})"
        raise _refused(
            vi + ". Hãy khôi phục vào một cơ sở dữ liệu trống và một thư mục dữ liệu trống.",
            en + ". Restore into an empty database and an empty data directory.",
        )
    return revision


def _known_revision(revision: str | None) -> None:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    if revision is None:
        return
    scripts = ScriptDirectory(current_app.extensions["migrate"].directory)
    try:
        scripts.get_revision(revision)
    except CommandError:
        raise _refused(
            f"Không khôi phục: bản sao lưu ở phiên bản cơ sở dữ liệu {revision}, mới hơn mã nguồn đang cài. "
            "Hãy cài phiên bản Sổ điện tử mới hơn trước.",
            f"Refusing to restore: the archive's schema revision {revision} is unknown to this code (newer). "
            "Install the newer release first.",
        ) from None


def restore(archive: Path, *, accept_unsigned: bool = False) -> Restored:
    target_revision = check_target_empty()
    data_dir = Path(current_app.config["SODIENTU_DATA_DIR"])
    data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".sodientu-restore-", dir=data_dir) as tmp:
        report = backup.verify(archive, Path(tmp), extract_all=True)
        problems = report.problems_but_signature() if accept_unsigned else report.problems
        if problems or report.manifest is None:
            raise _refused(
                "Không khôi phục: tệp sao lưu không hợp lệ —\n  " + "\n  ".join(problems),
                "Refusing to restore: the archive does not verify (see above).",
            )
        manifest = report.manifest
        revision = manifest.get("alembic_revision")
        _known_revision(revision)
        if target_revision is not None and target_revision != revision:
            raise _refused(
                f"Không khôi phục: cơ sở dữ liệu nhận đã được nâng cấp tới {target_revision}, bản sao lưu ở "
                f"{revision}. Hãy dùng một cơ sở dữ liệu mới tạo (chưa chạy flask db upgrade).",
                f"Refusing to restore: the target database is at revision {target_revision}, the archive at "
                f"{revision}. Use a newly created database (before flask db upgrade).",
            )
        database = manifest["database"]
        _restore_database(database["dialect"], Path(tmp) / database["member"])
        stored = _restore_files(Path(tmp) / "files" / "uploads")
        anchors = _restore_checkpoints(Path(tmp) / "checkpoints")
    return Restored(database["dialect"], int(manifest["audit_head"]["seq"]), stored, anchors, revision, report.warnings)


def _restore_database(dialect: str, snapshot: Path) -> None:
    current = db.engine.dialect.name
    if current != dialect:
        raise _refused(
            f"Không khôi phục: bản sao lưu là cơ sở dữ liệu {dialect}, nơi nhận là {current}.",
            f"Refusing to restore: the archive holds a {dialect} database, the target is {current}.",
        )
    db.session.remove()
    db.engine.dispose()
    if dialect == "sqlite":
        _restore_sqlite(snapshot)
    else:
        _restore_postgres(snapshot)
    db.engine.dispose()


def _restore_sqlite(snapshot: Path) -> None:
    target_path = backup.sqlite_path()
    target_path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{snapshot}?mode=ro", uri=True)
    target = sqlite3.connect(target_path, timeout=30)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
        integrity = target.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        target.close()
        source.close()
    if integrity != "ok":
        raise backup.BackupError(f"Cơ sở dữ liệu sau khôi phục không toàn vẹn: {integrity}")


def _restore_postgres(snapshot: Path) -> None:
    url = db.engine.url
    command = [
        backup.pg_tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--single-transaction",
        "--exit-on-error",
        "--no-owner",
        "--no-acl",
        "--no-password",
        f"--dbname={url.database}",
        str(snapshot),
    ]
    done = subprocess.run(command, env=backup.libpq_env(url), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise backup.BackupError(f"pg_restore thất bại: {done.stderr.strip()[-800:]}")


def _restore_files(extracted: Path) -> int:
    """Rename each extracted file into the store (0640, directory fsynced)."""
    count, root = 0, files.root()
    for sha, path in backup.stored_files(extracted):
        final = root / sha[:2] / sha
        final.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
        os.chmod(path, 0o640)
        os.replace(path, final)
        count += 1
    for folder in {p.parent for p in root.glob("??/*")}:
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    return count


def _restore_checkpoints(extracted: Path) -> int:
    """Add the archive's checkpoints to the checkpoint directory (never replacing a file)."""
    if not extracted.is_dir():
        return 0
    folder, count = checkpoints.directory(), 0
    folder.mkdir(parents=True, exist_ok=True, mode=0o750)
    for path in sorted(extracted.glob("*.json")):
        final = folder / path.name
        if not final.exists():
            shutil.copy2(path, final)
            os.chmod(final, 0o640)
            count += 1
    return count
