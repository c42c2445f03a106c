"""SQLite's writers taking turns without sleeping: a lock file next to the database.

SQLite lets one writer in at a time; the others wait in its busy handler, which sleeps
1, 2, 5, 10, 15, 20, 25… ms between tries. A cell save holds the write lock for its whole
request (a few ms), so a waiting save slept longer than the save it waited for, and the
writer that had just finished, already back with its next request, often won again: some
saves waited seconds (docs/performance.md, "SQLite writers taking turns").

Before BEGIN IMMEDIATE a writer queues for its turn: the threads of one process on a
lock of that process (woken as soon as it is free), then the processes on an exclusive
`flock` of `<database>-writers.lock`, asked every 0.2 ms (every 1 ms after the first
2 ms). The turn is given back when the connection returns to the pool after its commit or
rollback, or begins a read-only transaction; the kernel drops the flock of a killed
process. SQLite's own lock stays the rule: a writer that does not get its turn within the
busy timeout, or whose thread already holds the turn through another connection, goes
straight to BEGIN IMMEDIATE and SQLite decides, as before.

`SODIENTU_SQLITE_WRITE_GATE=off` (environment, read at start-up) leaves the turns to
SQLite alone: the benchmark `bench/write_turns.py` compares both.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.pool import Pool

ENABLED = os.environ.get("SODIENTU_SQLITE_WRITE_GATE", "on").strip().lower() != "off"
WAIT_SECONDS = 10.0  # SQLite's busy_timeout (core.database.SQLITE_PRAGMAS)
POLL_SECONDS = 0.0002  # a save holds its turn a few ms: most waits end within the first 2 ms
SLOW_POLL_SECONDS = 0.001  # then less often: polling steals CPU from the writer it waits for
FAST_POLL_FOR = 0.002
INFO_KEY = "sodientu_write_turn"

_turns: dict[str, threading.Lock] = {}
_turns_guard = threading.Lock()
_local = threading.local()


def gate_path(database: str | None) -> str | None:
    """The lock file of a SQLite database file (None for an in-memory database)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return f"{os.path.abspath(database)}-writers.lock"


def enter(conn: Connection) -> None:
    """Wait for this database's write turn, or until the busy timeout."""
    if not ENABLED:
        return
    info = conn.connection.info
    mine = _held_by_this_thread()
    if INFO_KEY in info or mine:
        return  # this connection has the turn already, or another one of this thread does
    path = gate_path(conn.engine.url.database)
    if path is None:
        return
    deadline = time.monotonic() + WAIT_SECONDS
    turn = _process_turn(path)
    if not turn.acquire(timeout=WAIT_SECONDS):
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    if not _lock_file(fd, deadline):
        os.close(fd)
        turn.release()
        return
    mine.append(fd)
    info[INFO_KEY] = (fd, turn, mine)


def leave(info: dict[str, Any]) -> None:
    """Give the turn back (a no-op when this connection does not hold it)."""
    held = info.pop(INFO_KEY, None)
    if held is None:
        return
    fd, turn, holders = held
    holders.remove(fd)
    os.close(fd)  # closing the file drops its flock
    turn.release()


def _held_by_this_thread() -> list[int]:
    mine: list[int] | None = getattr(_local, "fds", None)
    if mine is None:
        mine = _local.fds = []
    return mine


def _process_turn(path: str) -> threading.Lock:
    with _turns_guard:
        return _turns.setdefault(path, threading.Lock())


def _lock_file(fd: int, deadline: float) -> bool:
    start = time.monotonic()
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            now = time.monotonic()
            if now > deadline:
                return False
            time.sleep(POLL_SECONDS if now - start < FAST_POLL_FOR else SLOW_POLL_SECONDS)


@event.listens_for(Pool, "checkin")
def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
    leave(record.info)


@event.listens_for(Pool, "close")
def _on_close(_dbapi_connection: Any, record: Any) -> None:
    leave(record.info)


@event.listens_for(Pool, "invalidate")
def _on_invalidate(_dbapi_connection: Any, record: Any, _exception: Any) -> None:
    leave(record.info)
