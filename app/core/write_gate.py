"""SQLite's writers of one process taking turns without sleeping.

SQLite lets one writer in at a time; the others wait in its busy handler, which sleeps
1, 2, 5, 10, 15, 20, 25… ms between tries. A cell save holds the write lock for its whole
request (a few ms), so under `make run` (one process, eight threads) a waiting save slept
longer than the save it waited for, and the thread that had just finished, already back
with its next request, often won again: at 16 connections some saves waited 1.3–1.8 s
(docs/performance.md, "SQLite writers taking turns").

Before BEGIN IMMEDIATE a writing thread queues on a lock of its process, one per database
file, woken as soon as the thread before it gives its turn back — when its connection
returns to the pool after the commit or rollback, or begins a read-only transaction.
Processes still meet only at SQLite's own lock: a lock file shared by processes was
measured too, and two sync workers lost 15–25 % of their saturated save rate to the
hand-overs between processes. SQLite's lock stays the rule in every case: a writer that
does not get its turn within the busy timeout, or whose thread already holds the turn
through another connection, goes straight to BEGIN IMMEDIATE and SQLite decides.

`SODIENTU_SQLITE_WRITE_GATE=off` (environment, read at start-up) leaves the turns to
SQLite alone: the benchmark `bench/write_turns.py` compares both.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.pool import Pool

ENABLED = os.environ.get("SODIENTU_SQLITE_WRITE_GATE", "on").strip().lower() != "off"
WAIT_SECONDS = 10.0  # SQLite's busy_timeout (core.database.SQLITE_PRAGMAS)
INFO_KEY = "sodientu_write_turn"

_turns: dict[str, threading.Lock] = {}
_turns_guard = threading.Lock()
_local = threading.local()


def database_key(database: str | None) -> str | None:
    """The database file the turns are taken for (None for an in-memory database)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return os.path.abspath(database)


def enter(conn: Connection) -> None:
    """Wait for this thread's write turn on the connection's database, or until the busy timeout."""
    if not ENABLED:
        return
    info = conn.connection.info
    mine = _held_by_this_thread()
    if INFO_KEY in info or mine:
        return  # this connection has the turn already, or another one of this thread does
    key = database_key(conn.engine.url.database)
    if key is None:
        return
    turn = turn_of(key)
    if turn.acquire(timeout=WAIT_SECONDS):
        mine.append(turn)
        info[INFO_KEY] = (turn, mine)


def leave(info: dict[str, Any]) -> None:
    """Give the turn back (a no-op when this connection does not hold it)."""
    held = info.pop(INFO_KEY, None)
    if held is None:
        return
    turn, holders = held
    holders.remove(turn)
    turn.release()


def turn_of(key: str) -> threading.Lock:
    with _turns_guard:
        return _turns.setdefault(key, threading.Lock())


def _held_by_this_thread() -> list[threading.Lock]:
    mine: list[threading.Lock] | None = getattr(_local, "turns", None)
    if mine is None:
        mine = _local.turns = []
    return mine


@event.listens_for(Pool, "checkin")
def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
    leave(record.info)


@event.listens_for(Pool, "close")
def _on_close(_dbapi_connection: Any, record: Any) -> None:
    leave(record.info)


@event.listens_for(Pool, "invalidate")
def _on_invalidate(_dbapi_connection: Any, record: Any, _exception: Any) -> None:
    leave(record.info)
