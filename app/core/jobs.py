"""What background jobs share (report batches in app.reports.jobs, signing batches in
app.signing.jobs): a bounded pool of threads per kind of job in this process, each run in
its own app context; "run this once the transaction commits" (a job is never started
before its row is visible); and when a job whose row says it runs is considered dead.

A job's state and progress live in its row, never here: these helpers hold only what a
running thread needs, for as long as it runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.core.database import db
from app.core.models import utcnow

log = logging.getLogger(__name__)

#: a running job whose runner has not reported for this long was interrupted
STALE_AFTER = timedelta(minutes=2)
#: session.info key: callables to run after the transaction commits
AFTER_COMMIT = "sodientu_after_commit"
#: session.info key: callables to run if the transaction rolls back instead (release what
#: the after-commit callables would have taken over, e.g. an open token session)
AFTER_ROLLBACK = "sodientu_after_rollback"


def interrupted(state: str, seen: datetime | None) -> bool:
    """Queued or running, but its runner stopped reporting (killed): it may be resumed."""
    return state in ("queued", "running") and seen is not None and utcnow() - seen > STALE_AFTER


def after_commit(session: Session | Any, fn: Callable[[], None]) -> None:
    """Call `fn` once `session`'s transaction commits (dropped on rollback)."""
    session.info.setdefault(AFTER_COMMIT, []).append(fn)


def after_rollback(session: Session | Any, fn: Callable[[], None]) -> None:
    """Call `fn` if `session`'s transaction rolls back (dropped on commit)."""
    session.info.setdefault(AFTER_ROLLBACK, []).append(fn)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    session.info.pop(AFTER_ROLLBACK, None)
    for fn in session.info.pop(AFTER_COMMIT, []):
        fn()


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    session.info.pop(AFTER_COMMIT, None)
    for fn in session.info.pop(AFTER_ROLLBACK, []):
        try:
            fn()
        except Exception:  # noqa: BLE001 — a cleanup must not hide the rollback's cause
            log.exception("after-rollback cleanup %s failed", getattr(fn, "__qualname__", fn))


def submit(app: Flask, pool_key: str, workers: int, fn: Callable[..., None], *args: Any) -> None:
    """Run `fn(*args)` on the pool `pool_key` of this process, inside an app context;
    an exception is logged (a thread's would vanish) and the session removed after."""
    pool = app.extensions.get(pool_key)
    if pool is None:
        pool = app.extensions[pool_key] = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=pool_key)
    pool.submit(_in_context, app, fn, *args)


def _in_context(app: Flask, fn: Callable[..., None], *args: Any) -> None:
    with app.app_context():
        try:
            fn(*args)
        except Exception:  # noqa: BLE001 — a thread's exception would vanish silently
            log.exception("background job %s%r crashed", getattr(fn, "__qualname__", fn), args[:1])
        finally:
            db.session.remove()


def wait_idle(app: Flask, pool_key: str) -> None:
    """Let the pool finish what it runs (tests, a clean shutdown)."""
    pool = app.extensions.pop(pool_key, None)
    if pool is not None:
        pool.shutdown(wait=True)
