"""Ops fixtures: a second, empty instance to restore into (SQLite file or a second
PostgreSQL database), a school with stored files, digests of every table and of the file
store, an attacker's raw connection to the audit table, and a throw-away redis-server."""

from __future__ import annotations

import hashlib
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, text

from app import create_app
from app.extensions import db
from tests.conftest import BASE_CONFIG, TEST_DATABASE_URL, CSRFClient, empty_postgres_database
from tests.records.conftest import make_record, rec  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]


def db_digest(app: Flask) -> dict[str, str]:
    """sha256 of an ordered dump of EVERY table (the audit trail included), per table."""
    digests = {}
    with app.app_context():
        for table in db.metadata.sorted_tables:
            rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
            digests[table.name] = hashlib.sha256(f"{table.name}:{rows!r}".encode()).hexdigest()
        db.session.remove()
    return digests


def store_digest(app: Flask) -> dict[str, str]:
    """{path under uploads/: sha256 of its bytes} of the stored files."""
    root = Path(app.config["SODIENTU_DATA_DIR"]) / "uploads"
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.glob("??/*"))
        if p.is_file()
    }


@pytest.fixture
def make_target(tmp_path: Path, template_db: str):  # type: ignore[no-untyped-def]
    """make_target(migrated=False, **config) → an app on an empty database and data directory.

    migrated=True: the database already has the schema at head (as after `flask db upgrade`)."""
    made: list[Flask] = []

    def _make(migrated: bool = False, name: str = "target", **config: Any) -> Flask:
        data = tmp_path / f"{name}-data"
        data.mkdir()
        if TEST_DATABASE_URL:
            uri = empty_postgres_database("_restore")
            if migrated:
                _migrate(uri)
        else:
            path = tmp_path / f"{name}.db"
            if migrated:
                shutil.copyfile(template_db, path)
            uri = f"sqlite:///{path}"
        target = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": uri, "SODIENTU_DATA_DIR": str(data), **config})
        target.test_client_class = CSRFClient
        made.append(target)
        return target

    yield _make
    for target in made:
        with target.app_context():
            db.engine.dispose()


def _migrate(uri: str) -> None:
    from flask_migrate import upgrade

    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": uri})
    with app.app_context():
        upgrade(revision="heads")
        db.engine.dispose()


@pytest.fixture
def stocked(app: Flask, make_record, rec):  # type: ignore[no-untyped-def]  # noqa: F811
    """The harness school with three records whose files are in the store, and a few audit events."""
    from tests.records import samples

    ids = [
        make_record(rec.t1, title="Bài 1: Mệnh đề", files=[("giao-an-1.pdf", samples.pdf(text="Một"))]),
        make_record(rec.t1, title="Bài 2: Tập hợp", files=[("giao-an-2.pdf", samples.pdf(pages=2, text="Hai"))]),
        make_record(
            rec.t2,
            class_id=rec.c10a2.id,
            title="Bài 3: Hàm số",
            submit=True,
            files=[("giao-an-3.pdf", samples.pdf(text="Ba"))],
        ),
    ]
    rec.record_ids = ids
    return rec


def invoke(app: Flask, *args: str) -> tuple[int, str]:
    """Run a flask command on this app: (exit code, what it printed — stdout and stderr in order)."""
    result = app.test_cli_runner().invoke(args=list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


@contextmanager
def attacker(app: Flask) -> Iterator[Any]:
    """A raw connection with the audit table's append-only triggers out of the way."""
    with app.app_context(), db.engine.begin() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_event_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS audit_event_no_delete"))
        yield conn
        if postgres:
            conn.execute(text("ALTER TABLE audit_event ENABLE TRIGGER USER"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
