"""Backups and restore (issue 13.2, SECURITY.md test 37): `flask backup` while the app
serves, `flask backup --verify`, `flask restore` into an empty instance only. Runs on
SQLite and, with TEST_DATABASE_URL, on PostgreSQL (pg_dump / pg_restore)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import tarfile
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import url_for
from sqlalchemy import func, select, text

from app.audit import services as audit
from app.audit.models import AuditEvent
from app.extensions import db
from app.ops import backup
from tests.ops.conftest import db_digest, invoke, store_digest


def take_backup(app, out: Path, *extra: str) -> Path:  # type: ignore[no-untyped-def]
    code, output = invoke(app, "backup", "--output", str(out), *extra)
    assert code == 0, output
    assert "Đã sao lưu vào" in output
    return sorted(out.glob("sodientu-backup-*.tar.gz"), key=lambda p: p.stat().st_mtime_ns)[-1]


def members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar}  # type: ignore[union-attr]


def rewrite(archive: Path, dest: Path, change: Callable[[str, bytes], bytes | None], extra=()) -> Path:  # type: ignore[no-untyped-def]
    """Copy an archive member by member through `change` (None drops the member), plus `extra`."""
    with tarfile.open(dest, "w:gz") as out:
        for name, data in [*members(archive).items(), *extra]:
            new = change(name, data)
            if new is None:
                continue
            info = tarfile.TarInfo(name)
            info.size = len(new)
            out.addfile(info, io.BytesIO(new))
    return dest


def flip(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]


def checkpoint_dir(app) -> Path:  # type: ignore[no-untyped-def]
    return Path(app.config["SODIENTU_DATA_DIR"]) / "checkpoints"


def test_backup_then_restore_gives_identical_tables_files_and_a_valid_chain(
    app, stocked, make_target, tmp_path
) -> None:
    assert invoke(app, "audit", "checkpoint")[0] == 0
    tables, stored = db_digest(app), store_digest(app)
    assert len(stored) == 3
    archive = take_backup(app, tmp_path / "backups")
    assert stat.S_IMODE(os.stat(archive).st_mode) == 0o600

    target = make_target()
    code, out = invoke(target, "restore", str(archive))
    assert code == 0, out
    assert "Đã khôi phục cơ sở dữ liệu" in out and "3 tệp, 1 điểm neo" in out
    assert db_digest(target) == tables
    assert store_digest(target) == stored
    code, out = invoke(target, "audit", "verify", "--checkpoints", str(checkpoint_dir(target)))
    assert code == 0, out
    assert "OK: chuỗi nhật ký toàn vẹn" in out and "OK: chuỗi chứa đủ 1 điểm neo" in out
    with target.app_context():  # the restored database takes new rows (PostgreSQL: its sequences too)
        from app.accounts import services as accounts

        accounts.create_user(None, username="gv.moi", full_name="Lý Thị Mới", password="mat-khau-dai-2024-x")
        db.session.commit()
    assert invoke(target, "audit", "verify")[0] == 0


def test_the_restored_school_serves_its_files(app, stocked, make_target, tmp_path, login_as) -> None:
    from app.records.models import RecordFile

    archive = take_backup(app, tmp_path / "backups")
    target = make_target(migrated=True)  # a database already at head, with no rows, also counts as empty
    assert invoke(target, "restore", str(archive))[0] == 0
    with target.test_request_context():
        record_file = db.session.scalars(select(RecordFile).order_by(RecordFile.id)).first()
        sha = record_file.sha256
        url = url_for("records.download", record_id=record_file.version.record_id, file_id=record_file.id)
    response = login_as(stocked.t1, target.test_client()).get(url)
    body = response.data
    response.close()
    assert response.status_code == 200
    assert hashlib.sha256(body).hexdigest() == sha


def test_the_manifest_lists_every_member_with_its_sha256(app, stocked, tmp_path) -> None:
    invoke(app, "audit", "checkpoint")
    archive = take_backup(app, tmp_path / "backups")
    found = members(archive)
    manifest = json.loads(found["manifest.json"])
    with app.app_context():
        seq, head = audit.head()
        revision = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert manifest["format"] == "sodientu-backup/1"
    assert manifest["alembic_revision"] == revision and manifest["app_version"]
    assert manifest["audit_head"] == {"seq": seq, "hash": head}
    assert set(found) == set(manifest["members"]) | {"manifest.json", "manifest.hmac"}
    for name, entry in manifest["members"].items():
        assert entry == {"sha256": hashlib.sha256(found[name]).hexdigest(), "size": len(found[name])}
    assert sum(n.startswith("files/uploads/") for n in found) == 3
    assert sum(n.startswith("checkpoints/checkpoint-") for n in found) == 1
    assert manifest["database"]["member"] in found
    code, out = invoke(app, "backup", "--verify", str(archive))
    assert code == 0 and "toàn vẹn" in out and "chữ ký hợp lệ" in out


def _stored_member(found: dict[str, bytes]) -> str:
    return next(n for n in found if n.startswith("files/uploads/"))


@pytest.mark.parametrize(
    "case, expected",
    [
        ("file_changed", "sha256 hoặc kích thước không khớp bản kê (bị sửa)"),
        ("database_changed", "sha256 hoặc kích thước không khớp bản kê (bị sửa)"),
        ("manifest_recomputed", "Chữ ký của bản kê (manifest.hmac) không khớp"),
        ("member_removed", "Thiếu thành phần files/uploads/"),
        ("member_added", "không có trong bản kê (bị thêm vào)"),
        ("path_escape", "Thành phần lạ trong tệp sao lưu: '../../etc/cron.d/x'"),
        ("truncated", "Không đọc được tệp sao lưu"),
    ],
)
def test_verify_detects_a_tampered_archive(app, stocked, tmp_path, case: str, expected: str) -> None:
    archive = take_backup(app, tmp_path / "backups")
    found = members(archive)
    stored_name = _stored_member(found)
    db_member = json.loads(found["manifest.json"])["database"]["member"]
    bad = tmp_path / "bad.tar.gz"
    if case == "file_changed":
        rewrite(archive, bad, lambda n, d: flip(d) if n == stored_name else d)
    elif case == "database_changed":
        rewrite(archive, bad, lambda n, d: flip(d) if n == db_member else d)
    elif case == "manifest_recomputed":  # the attacker fixes the manifest too, but has no key
        manifest = json.loads(found["manifest.json"])
        changed = flip(found[stored_name])
        manifest["members"][stored_name] = {"sha256": hashlib.sha256(changed).hexdigest(), "size": len(changed)}
        fixed = json.dumps(manifest).encode()
        rewrite(archive, bad, lambda n, d: changed if n == stored_name else fixed if n == "manifest.json" else d)
    elif case == "member_removed":
        rewrite(archive, bad, lambda n, d: None if n == stored_name else d)
    elif case == "member_added":
        extra = b"not from the school"
        name = f"files/uploads/{hashlib.sha256(extra).hexdigest()[:2]}/{hashlib.sha256(extra).hexdigest()}"
        rewrite(archive, bad, lambda n, d: d, extra=[(name, extra)])
    elif case == "path_escape":
        rewrite(archive, bad, lambda n, d: d, extra=[("../../etc/cron.d/x", b"* * * * * root id")])
    else:
        bad.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    code, out = invoke(app, "backup", "--verify", str(bad))
    assert code == 1
    assert expected in out
    assert "HỎNG:" in out


def test_a_tampered_archive_is_not_restored(app, stocked, make_target, tmp_path) -> None:
    archive = take_backup(app, tmp_path / "backups")
    found = members(archive)
    stored_name = _stored_member(found)
    bad = rewrite(archive, tmp_path / "bad.tar.gz", lambda n, d: flip(d) if n == stored_name else d)
    target = make_target()
    code, out = invoke(target, "restore", str(bad))
    assert code == 1
    assert "Không khôi phục: tệp sao lưu không hợp lệ" in out and "Refusing to restore" in out
    assert store_digest(target) == {}
    with target.app_context():
        assert "user" not in db.inspect(db.engine).get_table_names()


def test_restore_refuses_a_target_that_holds_data(app, stocked, make_target, tmp_path) -> None:
    from app.accounts import services as accounts

    archive = take_backup(app, tmp_path / "backups")
    target = make_target(migrated=True)
    with target.app_context():
        accounts.create_user(None, username="co.giao", full_name="Trần Thị Cô Giáo", password="mat-khau-dai-2024-x")
        db.session.commit()
    before = db_digest(target)
    code, out = invoke(target, "restore", str(archive))
    assert code == 1
    assert "Không khôi phục: nơi nhận không trống — cơ sở dữ liệu đã có dữ liệu (bảng" in out
    assert "Refusing to restore: the target instance is not empty — the database holds data" in out
    assert "Hãy khôi phục vào một cơ sở dữ liệu trống và một thư mục dữ liệu trống." in out
    assert db_digest(target) == before


def test_restore_refuses_a_target_whose_file_store_is_not_empty(app, stocked, make_target, tmp_path) -> None:
    archive = take_backup(app, tmp_path / "backups")
    target = make_target()
    data = b"a file already there"
    sha = hashlib.sha256(data).hexdigest()
    path = Path(target.config["SODIENTU_DATA_DIR"]) / "uploads" / sha[:2] / sha
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    code, out = invoke(target, "restore", str(archive))
    assert code == 1
    assert "kho tệp đã có 1 tệp" in out and "the file store holds 1 files" in out
    assert store_digest(target) == {f"{sha[:2]}/{sha}": sha}


def test_restore_refuses_a_database_migrated_to_another_revision(app, stocked, make_target, tmp_path) -> None:
    archive = take_backup(app, tmp_path / "backups")
    target = make_target(migrated=True)
    with target.app_context():
        db.session.execute(text("UPDATE alembic_version SET version_num = '0005_gradebook'"))
        db.session.commit()
    code, out = invoke(target, "restore", str(archive))
    assert code == 1
    assert "cơ sở dữ liệu nhận đã được nâng cấp tới 0005_gradebook" in out


def test_restore_refuses_an_archive_newer_than_the_code(app, stocked, make_target, tmp_path) -> None:
    archive = take_backup(app, tmp_path / "backups")
    manifest = json.loads(members(archive)["manifest.json"])
    manifest["alembic_revision"] = "9999_from_the_future"
    data = json.dumps(manifest).encode()
    with app.app_context():
        signature = backup.manifest_signature(data).encode()
    newer = rewrite(
        archive,
        tmp_path / "newer.tar.gz",
        lambda n, d: data if n == "manifest.json" else signature if n == "manifest.hmac" else d,
    )
    code, out = invoke(make_target(), "restore", str(newer))
    assert code == 1
    assert "bản sao lưu ở phiên bản cơ sở dữ liệu 9999_from_the_future, mới hơn mã nguồn" in out


def test_an_archive_signed_with_another_key_restores_only_when_accepted(app, stocked, make_target, tmp_path) -> None:
    app.config["SODIENTU_CHECKPOINT_KEY"] = "khoa-cu-cua-truong"
    archive = take_backup(app, tmp_path / "backups")
    target = make_target(SODIENTU_CHECKPOINT_KEY="khoa-moi-tren-may-moi")
    code, out = invoke(target, "restore", str(archive))
    assert code == 1 and "Chữ ký của bản kê (manifest.hmac) không khớp" in out
    code, out = invoke(target, "restore", "--accept-unsigned", str(archive))
    assert code == 0, out
    assert db_digest(target) == db_digest(app)


def test_a_backup_taken_while_writes_go_on_is_a_consistent_snapshot(app, stocked, make_target, tmp_path) -> None:
    """SECURITY.md 37: writers keep appending audited changes during the backup; the archive
    holds exactly the chain up to its recorded head, and that chain verifies."""
    stop, written, errors = threading.Event(), [0], []

    def writer() -> None:
        try:
            with app.app_context():
                while not stop.is_set():
                    audit.record(None, "test.event", ("thing", written[0]), comment="Ghi trong lúc sao lưu")
                    db.session.commit()
                    written[0] += 1
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while written[0] < 20:
            threading.Event().wait(0.01)
        archive = take_backup(app, tmp_path / "backups")
        at_backup = written[0]
        while written[0] < at_backup + 20:
            threading.Event().wait(0.01)
    finally:
        stop.set()
        thread.join(30)
    assert errors == []
    head = json.loads(members(archive)["manifest.json"])["audit_head"]
    with app.app_context():
        assert db.session.scalar(select(func.max(AuditEvent.seq))) > head["seq"]  # writes went on after
    target = make_target()
    assert invoke(target, "restore", str(archive))[0] == 0
    with target.app_context():
        assert audit.head() == (head["seq"], head["hash"])
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == head["seq"]
    code, out = invoke(target, "audit", "verify")
    assert code == 0 and f"seq={head['seq']}" in out


def test_keep_rotates_old_archives(app, stocked, tmp_path) -> None:
    out = tmp_path / "backups"
    (out / "unrelated.tar.gz").parent.mkdir(parents=True)
    (out / "unrelated.tar.gz").write_bytes(b"keep me")
    start = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    with app.app_context():
        made = [backup.create(out, keep=2, now=start + timedelta(days=d)) for d in range(4)]
    assert [p.name for p in made[-1].removed] == [made[1].path.name]
    left = sorted(p.name for p in out.glob("sodientu-backup-*.tar.gz"))
    assert left == [made[2].path.name, made[3].path.name]
    assert (out / "unrelated.tar.gz").exists()
    assert not list(out.glob(".*"))  # no partial archive or work folder left behind


def test_two_backups_in_the_same_second_keep_both(app, stocked, tmp_path) -> None:
    at = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    with app.app_context():
        first = backup.create(tmp_path, now=at).path
        second = backup.create(tmp_path, now=at).path
    assert first != second and first.exists() and second.exists()
    assert second.name.endswith("-2.tar.gz")
