# ruff: noqa: F811  (fixtures imported from tests/reports/test_issue_fixtures.py)
"""A batch whose worker is killed (SIGKILL) mid-way: every document row names a complete
file whose sha256 matches, and running the job again finishes it with exactly one
document per student (SECURITY.md test 33)."""

from __future__ import annotations

import hashlib
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select

from app.extensions import db
from tests.reports.test_issue_fixtures import closed, documents, file_bytes, gb  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]


def flask_env(app, **extra: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        FLASK_APP="app",
        PYTHONPATH=str(ROOT),
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        SODIENTU_DATA_DIR=app.config["SODIENTU_DATA_DIR"],
        SECRET_KEY=app.config["SECRET_KEY"],
        **extra,
    )
    return env


def flask(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", *args]


def queued_job(as_user, ns) -> int:  # type: ignore[no-untyped-def]
    from app.reports import queries
    from app.reports.services import batches
    from app.school.models import SchoolClass

    def start(a):  # type: ignore[no-untyped-def]
        cls = db.session.get(SchoolClass, ns.c10a1.id)
        job = batches.start_job(a, "bao_lien_lac", "class", cls.id, queries.issuable_period(cls, "hk1"))
        db.session.info.pop(batches.DISPATCH, None)  # run by the subprocess below
        return job.id

    return int(as_user(ns.gvcn, start))


def job_row(app, job_id: int):  # type: ignore[no-untyped-def]
    from app.reports.models import ReportJob

    with app.app_context():
        job = db.session.get(ReportJob, job_id)
        db.session.expunge(job)
        return job


def assert_every_row_names_a_complete_file(app) -> None:  # type: ignore[no-untyped-def]
    for doc in documents(app):
        data = file_bytes(app, doc.sha256)
        assert hashlib.sha256(data).hexdigest() == doc.sha256
        assert data.rstrip().endswith(b"%%EOF") and len(PdfReader(io.BytesIO(data)).pages) == 1


def test_a_killed_batch_serves_no_half_written_file_and_resumes_without_duplicates(app, closed, as_user) -> None:
    from app.reports.models import ReportJobItem

    ns = closed
    job_id = queued_job(as_user, ns)
    env = flask_env(app, SODIENTU_REPORT_PAUSE="0.5", SODIENTU_REPORT_CHUNK="1")  # one document a transaction
    proc = subprocess.Popen(flask("reports", "run", str(job_id)), env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while job_row(app, job_id).done < 1:
        assert proc.poll() is None, "the batch stopped before it was killed"
        assert time.monotonic() < deadline, "the batch never started"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    killed = job_row(app, job_id)
    assert killed.state == "running" and 1 <= killed.done < killed.total == 3
    assert_every_row_names_a_complete_file(app)
    assert len(documents(app)) == killed.done
    verified = subprocess.run(flask("audit", "verify"), env=flask_env(app), cwd=ROOT, capture_output=True)
    assert verified.returncode == 0, verified.stdout.decode() + verified.stderr.decode()  # the chain survives the kill

    done = subprocess.run(flask("reports", "run", str(job_id)), env=flask_env(app), cwd=ROOT, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
    assert "Đã xong (3/3)" in done.stdout.decode()
    job = job_row(app, job_id)
    assert job.state == "done" and job.done == 3 and job.merged_sha256 and job.zip_sha256
    docs = documents(app)
    assert sorted(d.student_id for d in docs) == sorted(ns.ids)  # one each: no duplicates
    assert_every_row_names_a_complete_file(app)
    verified = subprocess.run(flask("audit", "verify"), env=flask_env(app), cwd=ROOT, capture_output=True)
    assert verified.returncode == 0, verified.stdout.decode() + verified.stderr.decode()
    with app.app_context():
        items = db.session.scalars(select(ReportJobItem).where(ReportJobItem.job_id == job_id)).all()
        assert sorted(i.document_id for i in items) == sorted(d.id for d in docs)
    assert len(PdfReader(io.BytesIO(file_bytes(app, job.merged_sha256))).pages) == 3
    from app.reports.services import store

    with app.app_context():
        store.sweep_temp(grace_seconds=0)  # what a killed writer may leave: deleted, nothing else
        assert list(Path(app.config["SODIENTU_DATA_DIR"], "uploads").glob("*/.tmp-*")) == []
    assert_every_row_names_a_complete_file(app)
