"""core.write_gate: SQLite's writers take turns on a lock file instead of sleeping in
SQLite's busy handler — a waiting writer goes in as soon as the holder's connection is
back in the pool, a killed holder gives its turn back, and a writer that cannot have its
turn (or already has it through another connection of its thread) is left to SQLite's
own lock, as before. PostgreSQL has no such gate."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading

import pytest
from sqlalchemy import text

from app.core import write_gate
from app.core.database import reading, unit_of_work
from app.extensions import db


def _sqlite_path(app) -> str:  # type: ignore[no-untyped-def]
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the write gate is SQLite's (PostgreSQL writers do not share one lock)")
        path = write_gate.gate_path(db.engine.url.database)
    assert path is not None
    return path


def _file_is_locked(path: str) -> bool:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _holds_turn() -> bool:
    return write_gate.INFO_KEY in db.session.connection().connection.info


def test_a_waiting_writer_goes_in_when_the_holder_is_done(app) -> None:  # type: ignore[no-untyped-def]
    path = _sqlite_path(app)
    events: list[str] = []
    holding, release = threading.Event(), threading.Event()

    def first() -> None:
        with app.app_context(), unit_of_work():
            db.session.execute(text("UPDATE school SET name = name"))
            events.append("first began")
            holding.set()
            release.wait(5)
            events.append("first commits")

    def second() -> None:
        holding.wait(5)
        with app.app_context(), unit_of_work():
            db.session.execute(text("SELECT 1"))
            events.append("second began")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    holding.wait(5)
    assert _file_is_locked(path)
    waiting = write_gate._process_turn(path)
    for _ in range(200):  # the second writer queues on the process's turn, not in SQLite
        if events == ["first began"] and waiting.locked():
            break
        threading.Event().wait(0.01)
    assert events == ["first began"]
    release.set()
    for t in threads:
        t.join(10)
    assert events == ["first began", "first commits", "second began"]
    assert not _file_is_locked(path)
    assert not waiting.locked()


def test_the_turn_is_given_back_after_a_rollback(app) -> None:  # type: ignore[no-untyped-def]
    path = _sqlite_path(app)
    with app.app_context():
        with pytest.raises(RuntimeError), unit_of_work():
            db.session.execute(text("SELECT 1"))
            assert _holds_turn() and _file_is_locked(path)
            raise RuntimeError("refused")
        assert not _file_is_locked(path)
        with unit_of_work():
            db.session.execute(text("SELECT 1"))
            assert _holds_turn()


def test_a_killed_holder_gives_its_turn_back(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = _sqlite_path(app)
    holder_code = (
        "import fcntl, os, sys, time\n"
        "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
        "print('held', flush=True)\n"
        "time.sleep(60)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", holder_code, path], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        monkeypatch.setattr(write_gate, "WAIT_SECONDS", 0.05)
        with app.app_context(), unit_of_work():
            # no turn within the (shortened) wait: SQLite's own lock decides, and it is free
            db.session.execute(text("UPDATE school SET name = name"))
            assert not _holds_turn()
    finally:
        holder.kill()
        holder.wait(10)
        if holder.stdout is not None:
            holder.stdout.close()
    with app.app_context(), unit_of_work():
        db.session.execute(text("UPDATE school SET name = name"))
        assert _holds_turn()


def test_a_thread_holding_the_turn_never_queues_behind_itself(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _sqlite_path(app)

    def queued(_path: str) -> threading.Lock:
        raise AssertionError("a second connection of the holding thread queued for the turn")

    with app.app_context(), unit_of_work():
        db.session.execute(text("SELECT 1"))
        assert _holds_turn()
        monkeypatch.setattr(write_gate, "_process_turn", queued)
        with db.engine.connect() as other:
            write_gate.enter(other)  # returns at once: SQLite's lock decides for this one
            assert write_gate.INFO_KEY not in other.connection.info


def test_an_in_memory_database_has_no_gate() -> None:
    assert write_gate.gate_path(":memory:") is None
    assert write_gate.gate_path(None) is None
    assert (
        write_gate.gate_path("/srv/sodientu/instance/sodientu.db") == "/srv/sodientu/instance/sodientu.db-writers.lock"
    )


def test_switched_off_the_writers_are_left_to_sqlite(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = _sqlite_path(app)
    monkeypatch.setattr(write_gate, "ENABLED", False)  # SODIENTU_SQLITE_WRITE_GATE=off
    with app.app_context(), unit_of_work():
        db.session.execute(text("UPDATE school SET name = name"))
        assert not _holds_turn()
        assert not _file_is_locked(path)


def test_a_connection_reading_after_its_write_gives_the_turn_back(app) -> None:  # type: ignore[no-untyped-def]
    path = _sqlite_path(app)
    with app.app_context(), db.engine.connect() as conn:
        with conn.begin():  # outside a request: a write transaction
            conn.execute(text("UPDATE school SET name = name"))
            assert write_gate.INFO_KEY in conn.connection.info and _file_is_locked(path)
        with reading(), conn.begin():  # the same connection, still checked out, now only reads
            conn.execute(text("SELECT 1"))
            assert write_gate.INFO_KEY not in conn.connection.info
            assert not _file_is_locked(path)
