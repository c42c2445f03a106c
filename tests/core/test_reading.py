"""core.database.reading(): a job's read-only stretch (drawing a PDF) holds no write lock,
so another process's writes go on meanwhile; whatever it touched is rolled back."""

from __future__ import annotations

import sqlite3

from sqlalchemy import text

from app.core.database import reading, unit_of_work
from app.extensions import db


def _other_writer_gets_the_lock(app) -> bool:  # type: ignore[no-untyped-def]
    """Another connection to the same SQLite file tries BEGIN IMMEDIATE without waiting."""
    path = db.engine.url.database
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


def test_reading_takes_no_write_lock_and_keeps_nothing(app) -> None:
    from app.accounts.models import User

    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
        with reading():
            assert db.session.execute(text("SELECT 1")).scalar() == 1
            if sqlite:
                assert _other_writer_gets_the_lock(app)
            db.session.add(User(username="tam-thoi", full_name="Tạm Thời", email="t@example.com", password_hash="x"))
            db.session.flush()
        assert db.session.scalar(db.select(User).where(User.username == "tam-thoi")) is None
        if sqlite:  # outside a request a transaction is a write transaction (BEGIN IMMEDIATE)
            with unit_of_work():
                db.session.execute(text("SELECT 1"))
                assert not _other_writer_gets_the_lock(app)
