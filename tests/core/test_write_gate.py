"""core.write_gate: the writing threads of one process take turns on a lock instead of
sleeping in SQLite's busy handler — a waiting writer goes in as soon as the holder's
connection is back in the pool (or reads), and a writer that cannot have its turn (or
already has it through another connection of its thread) is left to SQLite's own lock,
as before. PostgreSQL has no such gate."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from app.core import write_gate
from app.core.database import reading, unit_of_work
from app.extensions import db


def _turn(app) -> threading.Lock:  # type: ignore[no-untyped-def]
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the write gate is SQLite's (PostgreSQL writers do not share one lock)")
        key = write_gate.database_key(db.engine.url.database)
    assert key is not None
    return write_gate.turn_of(key)


def _holds_turn() -> bool:
    return write_gate.INFO_KEY in db.session.connection().connection.info


def _wait_until(condition, seconds: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    for _ in range(int(seconds / 0.01)):
        if condition():
            return True
        threading.Event().wait(0.01)
    return condition()


def test_a_waiting_writer_goes_in_when_the_holder_is_done(app) -> None:  # type: ignore[no-untyped-def]
    turn = _turn(app)
    events: list[str] = []
    holding, release, second_started = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with app.app_context(), unit_of_work():
            db.session.execute(text("UPDATE school SET name = name"))
            events.append("first began")
            holding.set()
            release.wait(5)
            events.append("first commits")

    def second() -> None:
        holding.wait(5)
        second_started.set()
        with app.app_context(), unit_of_work():
            db.session.execute(text("SELECT 1"))
            events.append("second began")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    assert holding.wait(5) and second_started.wait(5)
    assert turn.locked()
    assert not _wait_until(lambda: "second began" in events, 0.3)  # queued behind the first
    release.set()
    for t in threads:
        t.join(10)
    assert events == ["first began", "first commits", "second began"]
    assert not turn.locked()


def test_the_turn_is_given_back_after_a_rollback(app) -> None:  # type: ignore[no-untyped-def]
    turn = _turn(app)
    with app.app_context():
        with pytest.raises(RuntimeError), unit_of_work():
            db.session.execute(text("SELECT 1"))
            assert _holds_turn() and turn.locked()
            raise RuntimeError("refused")
        assert not turn.locked()
        with unit_of_work():
            db.session.execute(text("SELECT 1"))
            assert _holds_turn()


def test_without_its_turn_in_time_a_writer_is_left_to_sqlite(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    turn = _turn(app)
    monkeypatch.setattr(write_gate, "WAIT_SECONDS", 0.05)
    assert turn.acquire(timeout=1)  # a holder that never gives its turn back (no SQLite lock)
    try:
        with app.app_context(), unit_of_work():
            db.session.execute(text("UPDATE school SET name = name"))  # SQLite's lock is free
            assert not _holds_turn()
    finally:
        turn.release()
    with app.app_context(), unit_of_work():
        db.session.execute(text("UPDATE school SET name = name"))
        assert _holds_turn()


def test_a_thread_holding_the_turn_never_queues_behind_itself(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _turn(app)

    def queued(_key: str) -> threading.Lock:
        raise AssertionError("a second connection of the holding thread queued for the turn")

    with app.app_context(), unit_of_work():
        db.session.execute(text("SELECT 1"))
        assert _holds_turn()
        monkeypatch.setattr(write_gate, "turn_of", queued)
        with db.engine.connect() as other:
            write_gate.enter(other)  # returns at once: SQLite's lock decides for this one
            assert write_gate.INFO_KEY not in other.connection.info


def test_a_connection_reading_after_its_write_gives_the_turn_back(app) -> None:  # type: ignore[no-untyped-def]
    turn = _turn(app)
    with app.app_context(), db.engine.connect() as conn:
        with conn.begin():  # outside a request: a write transaction
            conn.execute(text("UPDATE school SET name = name"))
            assert write_gate.INFO_KEY in conn.connection.info and turn.locked()
        with reading(), conn.begin():  # the same connection, still checked out, now only reads
            conn.execute(text("SELECT 1"))
            assert write_gate.INFO_KEY not in conn.connection.info
            assert not turn.locked()


def test_switched_off_the_writers_are_left_to_sqlite(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    turn = _turn(app)
    monkeypatch.setattr(write_gate, "ENABLED", False)  # SODIENTU_SQLITE_WRITE_GATE=off
    with app.app_context(), unit_of_work():
        db.session.execute(text("UPDATE school SET name = name"))
        assert not _holds_turn()
        assert not turn.locked()


def test_an_in_memory_database_has_no_turns() -> None:
    assert write_gate.database_key(":memory:") is None
    assert write_gate.database_key(None) is None
    assert write_gate.database_key("/srv/sodientu/instance/sodientu.db") == "/srv/sodientu/instance/sodientu.db"
