"""The hiệu trưởng signs a whole class, or the whole school (every document waiting for the
hiệu trưởng), in one action: a background job with a progress bar (the row SigningJob).

- The password (or the token's PIN) is asked once, when the job starts: the key is opened
  then through services.sources (a PKCS#12 parsed once — pades.KeySigner, TOOLCHAIN.md —,
  the stored key, or a logged-in token session), the seal opened once; a wrong password or
  PIN, a missing token or an expired certificate is refused (422) before any row exists.
  The opened keys (`Keys`) are handed to the thread that runs the job, in this process's
  memory only — never written to the job's row, a file or a queue — and closed when the
  run ends (a token session logged out), or at once if the transaction that starts the job
  rolls back. So signing jobs always run on this process's threads, even with REDIS_URL
  set (an RQ worker would need the key in the queue).
- Each document is its own transaction, under the signing lock: the hiệu trưởng's signature
  (when it is still missing), then the seal; the item is marked done in that same
  transaction, so a job cut short (an error, a killed process) leaves every finished
  document signed and nothing half-done. Resuming asks for the password again (the key died
  with the thread) and signs only the items without an outcome; a document already signed
  at a step is never signed again (the order check and the (document, step) unique key).
- Progress (done of total, signed, sealed, skipped, where it stopped and why) is in the row:
  the page survives a reload, a logout and the death of the process.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import partial

from flask import Flask, current_app

from app.accounts.models import User
from app.audit import services as audit
from app.core import jobs as background
from app.core.authz import deny
from app.core.database import lock_for_update, unit_of_work
from app.core.errors import ConflictError, DomainError
from app.core.models import utcnow
from app.extensions import db
from app.school.models import SchoolClass
from app.signing import policy, queries
from app.signing.models import SigningJob, SigningJobItem
from app.signing.services import certificates, sources
from app.signing.services.keys import SigningKey
from app.signing.services.signing import PENDING, SIGN_LOCK_KEY, seal, sign

log = logging.getLogger(__name__)

POOL = "sodientu_signing_pool"


@dataclass(frozen=True)
class Keys:
    """What one run signs with, opened from the secret typed for it: in memory only."""

    actor_id: int
    own: SigningKey
    seal: SigningKey | None

    def close(self) -> None:
        self.own.close()
        if self.seal is not None:
            self.seal.close()

    def __repr__(self) -> str:  # never print a key into a log line
        return f"Keys(actor_id={self.actor_id}, {self.own.kind}, seal={self.seal is not None})"


def open_keys(actor: User, secret: str) -> Keys:
    """The actor's own key and the seal, opened once for a run (422 before anything when
    the password or PIN is wrong, the token missing, the certificate expired, the seal
    unreadable). The caller closes them (run_job does)."""
    own = sources.open_own(actor, secret)
    try:
        the_seal = sources.open_seal() if certificates.seal_configured() else None
    except BaseException:
        own.close()
        raise
    return Keys(actor_id=actor.id, own=own, seal=the_seal)


def _open_for_run(actor: User, secret: str) -> Keys:
    """open_keys, closed again if this transaction rolls back (the run never starts)."""
    keys = open_keys(actor, secret)
    background.after_rollback(db.session, keys.close)
    return keys


# ---------------------------------------------------------------------------- starting


def start_job(actor: User, cls: SchoolClass | None, secret: str) -> SigningJob:
    """A job over a class's documents (`cls`) or the school's (None) waiting for the hiệu
    trưởng; it runs once this transaction commits, with the keys opened now."""
    if not policy.is_bgh(actor):
        deny("signing.batch", "school_class" if cls else "school", cls.id if cls else 0)
    docs = queries.batch_documents(actor, cls.id if cls else None)
    where = f"lớp {cls.name}" if cls else "toàn trường"
    if not docs:
        raise DomainError(f"{where[0].upper()}{where[1:]} không có văn bản nào chờ hiệu trưởng ký.")
    keys = _open_for_run(actor, secret)
    job = SigningJob(
        scope="class" if cls else "school", scope_ref=cls.id if cls else 0, label=f"Ký và đóng dấu {where}",
        requested_by_id=actor.id, state="queued", total=len(docs), done=0, signed=0, sealed=0, skipped=0,
    )  # fmt: skip
    db.session.add(job)
    db.session.flush()
    db.session.add_all(SigningJobItem(job_id=job.id, position=n, document_id=d.id) for n, d in enumerate(docs, 1))
    audit.record(actor, "signing.job_started", job, changes={"scope": job.scope, "ref": job.scope_ref,
                 "total": job.total, "seal": keys.seal is not None, "key": keys.own.kind})  # fmt: skip
    _request_run(job, keys)
    return job


def resume_job(actor: User, job: SigningJob, secret: str) -> SigningJob:
    """Run a stopped (or interrupted) job on: its requester types the password (or PIN)
    again."""
    if not policy.can_resume_signing_job(actor, job.requested_by_id):
        deny("signing.job_resume", "signing_job", job.id)
    if job.state == "done":
        raise ConflictError("Đợt ký này đã xong.")
    if job.state in ("queued", "running") and not queries.interrupted(job):
        raise ConflictError("Đợt ký này đang chạy.")
    keys = _open_for_run(actor, secret)
    job.state, job.error, job.failed_code, job.heartbeat_at = "queued", None, None, utcnow()
    audit.record(actor, "signing.job_resumed", job, changes={"done": job.done, "total": job.total})
    _request_run(job, keys)
    return job


def _request_run(job: SigningJob, keys: Keys) -> None:
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    background.after_commit(db.session, partial(dispatch, app, job.id, keys))


def dispatch(app: Flask, job_id: int, keys: Keys) -> None:
    """A thread of this process runs the job (never RQ: the key cannot go into a queue)."""
    workers = int(app.config.get("SODIENTU_SIGNING_THREADS") or 4)
    background.submit(app, POOL, workers, run_job, job_id, keys)


def wait_idle(app: Flask) -> None:
    background.wait_idle(app, POOL)


# ---------------------------------------------------------------------------- running


def run_job(job_id: int, keys: Keys) -> None:
    """Run or resume a job to its end, one transaction per document (in an app context);
    the keys are closed when it ends, however it ends."""
    try:
        _run(job_id, keys)
    finally:
        keys.close()


def _run(job_id: int, keys: Keys) -> None:
    with unit_of_work():
        job = queries.get_job(job_id)
        if job is None or job.state not in ("queued", "running"):
            return
        job.state, job.heartbeat_at = "running", utcnow()
        job.started_at = job.started_at or utcnow()
        pending = [i.id for i in queries.pending_items(job)]
    pause = float(current_app.config.get("SODIENTU_SIGNING_PAUSE") or 0)
    for item_id in pending:
        try:
            with unit_of_work():
                job, item = queries.get_job(job_id), queries.job_item(item_id)
                assert job is not None and item is not None
                if job.state != "running":
                    return  # failed or finished by another runner
                run_item(job, item, keys)
        except Exception as exc:  # noqa: BLE001 — the job's row says where and why it stopped
            log.exception("signing job %s stopped on item %s", job_id, item_id)
            with unit_of_work():
                job, item = queries.get_job(job_id), queries.job_item(item_id)
                if job is not None and item is not None:
                    fail(job, item, exc)
            return
        finally:
            db.session.info.pop(PENDING, None)  # this document's revisions are on disk now
            db.session.remove()
        if pause:
            time.sleep(pause)
    with unit_of_work():
        job = queries.get_job(job_id)
        if job is not None and job.state == "running":
            finish(job)


def run_item(job: SigningJob, item: SigningJobItem, keys: Keys) -> None:
    """One document, in the caller's transaction: the hiệu trưởng's signature if it is
    missing, then the seal; the item done (or skipped: nothing left for this job)."""
    lock_for_update(db.session, SIGN_LOCK_KEY)
    db.session.refresh(item)
    if item.outcome is not None:
        return  # another runner did it
    me = db.session.get(User, keys.actor_id)
    assert me is not None
    doc, did = item.document, False
    if doc.status == "valid" and queries.next_step(doc.id) == "hieu_truong":
        sign(me, doc, key=keys.own)
        job.signed, did = job.signed + 1, True
    if doc.status == "valid" and keys.seal is not None and queries.next_step(doc.id) == "seal":
        seal(me, doc, key=keys.seal)
        job.sealed, did = job.sealed + 1, True
    item.outcome, item.finished_at = ("signed" if did else "skipped"), utcnow()
    job.skipped += 0 if did else 1
    job.done += 1
    job.heartbeat_at = utcnow()


def fail(job: SigningJob, item: SigningJobItem, error: BaseException) -> None:
    """The job stops on this document; the page names it and says why."""
    job.state, job.finished_at = "failed", utcnow()
    job.failed_code = item.document.code
    if isinstance(error, DomainError):
        job.error = error.message
    else:
        job.error = f"lỗi không mong đợi ({type(error).__name__}); xem nhật ký máy chủ."
    audit.record(job.requested_by, "signing.job_failed", job, changes={"done": job.done, "total": job.total,
                 "code": job.failed_code, "error": job.error})  # fmt: skip


def finish(job: SigningJob) -> None:
    job.state, job.finished_at, job.heartbeat_at = "done", utcnow(), utcnow()
    audit.record(job.requested_by, "signing.job_finished", job, changes={"done": job.done, "total": job.total,
                 "signed": job.signed, "sealed": job.sealed, "skipped": job.skipped})  # fmt: skip


ACTION_LABELS = {
    "signing.job_started": "Bắt đầu đợt ký số hàng loạt (cả lớp / toàn trường)",
    "signing.job_resumed": "Tiếp tục đợt ký số hàng loạt",
    "signing.job_finished": "Hoàn tất đợt ký số hàng loạt",
    "signing.job_failed": "Đợt ký số hàng loạt bị dừng",
}
