"""Running report jobs: in this process (a bounded pool of threads, each with its own app
context) by default, or on RQ workers (`flask worker`) when REDIS_URL is set.

Nothing about a job lives in memory beyond the thread running it: the job's row holds its
state and progress, each chunk of items commits on its own (`_record_chunk`), so any
process can resume a job another one was running when it died.

A service that queues a job names it in the session (`batches.DISPATCH`); when that
transaction commits, `_dispatch_after_commit` hands the job to the runner — so a job is
never run before its row is visible, whoever queued it (a view, the CLI, a test).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.core import jobs as background
from app.core.database import reading, unit_of_work
from app.extensions import db
from app.reports import queries
from app.reports.models import ReportJobItem
from app.reports.services import batches, issuing, store

log = logging.getLogger(__name__)

QUEUE = "reports"
POOL = "sodientu_report_pool"
#: the app an RQ worker preloaded (`flask worker`), reused by every job it runs
_worker_app: Flask | None = None


def run_job(job_id: int) -> None:
    """Run or resume a job to its end, one transaction per item (call in an app context)."""
    store.sweep_temp()
    with unit_of_work():
        job = queries.get_job(job_id)
        if job is None or job.state not in ("queued", "running"):
            return
        pending = batches.begin_run(job)
    pause = float(current_app.config.get("SODIENTU_REPORT_PAUSE") or 0)
    chunk = max(1, int(current_app.config["SODIENTU_REPORT_CHUNK"]))
    for start in range(0, len(pending), chunk):
        ids = pending[start : start + chunk]
        try:
            drawn, failed = _draw_chunk(job_id, ids)
        except Exception as exc:  # noqa: BLE001 — the job's row says where and why it stopped
            _stop(job_id, ids[0], exc)
            return
        try:
            if not _record_chunk(job_id, ids, drawn, failed, pause):
                return
        finally:
            db.session.remove()
    with reading():
        job = queries.get_job(job_id)
        bundled = batches.bundle(job) if job is not None and job.state == "running" else None
    with unit_of_work():
        job = queries.get_job(job_id)
        if job is not None and job.state == "running":
            batches.finish(job, bundled)


def _draw_chunk(job_id: int, item_ids: list[int]) -> tuple[dict[int, issuing.Drawn | None], batches.ItemFailed | None]:
    """The chunk's documents drawn and stored in one read-only transaction (no write lock:
    other writers go on meanwhile). Should one fail, those before it are recorded and the
    job stops on it, naming its student (`batches.ItemFailed`)."""
    try:
        with reading():
            job = queries.get_job(job_id)
            assert job is not None
            return batches.draw_items(job, queries.items_by_id(item_ids)), None
    except batches.ItemFailed as failed:
        return {k: v for k, v in failed.drawn.items() if v is not None}, failed


def _record_chunk(
    job_id: int,
    item_ids: list[int],
    drawn: dict[int, issuing.Drawn | None],
    failed: batches.ItemFailed | None,
    pause: float,
) -> bool:
    """Record the chunk's drawn items in one short write transaction (the job's progress
    moves by a chunk when it commits); False once the job is no longer running (another
    runner finished or failed it, or it failed here).

    The job and the items are read under the write lock, so fresh: no other runner can
    record one of them meanwhile. Should drawing have failed on an item (`failed`), those
    before it are recorded and the job stops on it; should recording one fail, the chunk is
    rolled back, those before it are recorded again in their own transaction and the job
    stops on it."""
    at, done = item_ids[0], 0
    try:
        with unit_of_work(), db.session.no_autoflush:  # the items' and job's updates: one flush at commit
            job = queries.job_with_requester(job_id)
            if job is None or job.state != "running":
                return False
            for item in queries.items_by_id(item_ids):
                at = item.id
                if failed is not None and item.id == failed.item_id:
                    break
                if item.document_id is None:
                    batches.run_item(job, item, drawn.get(item.id))
                done += 1
    except Exception as exc:  # noqa: BLE001 — the job's row says where and why it stopped
        if done and not _record_chunk(job_id, item_ids[:done], drawn, None, 0.0):
            return False  # stopped on one of those
        _stop(job_id, at, exc)
        return False
    if failed is not None:
        _stop(job_id, failed.item_id, failed.cause)
        return False
    if pause:  # a throttle in seconds per document, taken outside the write transaction
        time.sleep(pause * done)
    return True


def _stop(job_id: int, item_id: int, exc: BaseException) -> None:
    log.exception("report job %s stopped on item %s", job_id, item_id, exc_info=exc)
    with unit_of_work():
        job, item = queries.get_job(job_id), db.session.get(ReportJobItem, item_id)
        if job is not None and item is not None:
            batches.fail(job, item, exc)


# ---------------------------------------------------------------------------- dispatch


def dispatch(app: Flask, job_id: int) -> None:
    if app.config.get("REDIS_URL"):
        queue(app).enqueue_call("app.reports.jobs.perform", args=(job_id,), timeout=6 * 3600, result_ttl=0)
        return
    workers = int(app.config.get("SODIENTU_REPORT_THREADS") or 2)
    background.submit(app, POOL, workers, run_job, job_id)


def wait_idle(app: Flask) -> None:
    """Let the in-process pool finish what it runs (tests, a clean shutdown)."""
    background.wait_idle(app, POOL)


@event.listens_for(Session, "after_commit")
def _dispatch_after_commit(session: Session) -> None:
    queued = session.info.pop(batches.DISPATCH, [])
    if queued and has_app_context():
        app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
        for job_id in queued:
            dispatch(app, job_id)


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    session.info.pop(batches.DISPATCH, None)


# ---------------------------------------------------------------------------- RQ


def queue(app: Flask) -> Any:
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE, connection=Redis.from_url(app.config["REDIS_URL"]))


def perform(job_id: int) -> None:
    """The RQ job, run in the app `flask worker` preloaded (a bare `rq worker` has none)."""
    app = _worker_app
    if app is None:
        raise RuntimeError("report jobs run on `flask worker` (it preloads the app), not a bare `rq worker`")
    with app.app_context():
        try:
            run_job(job_id)
        finally:
            db.session.remove()


def work(app: Flask, burst: bool = False) -> bool:
    """`flask worker`: an RQ SimpleWorker (no fork per job) on the preloaded app."""
    global _worker_app
    from rq import SimpleWorker

    _worker_app = app
    q = queue(app)
    return bool(SimpleWorker([q], connection=q.connection).work(burst=burst))
