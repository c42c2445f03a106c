# ruff: noqa: F811  (fixtures imported from tests/reports/test_issue_fixtures.py)
"""With REDIS_URL set, a job goes to Redis and `flask worker --burst` (an RQ SimpleWorker
on the preloaded app) runs it to done — against a real redis-server."""

from __future__ import annotations

import subprocess

from app.extensions import db
from tests.reports.test_crash import ROOT, flask, flask_env, job_row
from tests.reports.test_issue_fixtures import closed, documents, gb  # noqa: F401


def test_with_redis_the_job_is_queued_and_flask_worker_runs_it(app, closed, login_as, redis_url) -> None:
    from redis import Redis
    from rq import Queue

    from app.reports import jobs
    from app.reports.models import ReportJob

    ns = closed
    Queue(jobs.QUEUE, connection=Redis.from_url(redis_url)).empty()
    app.config["REDIS_URL"] = redis_url
    client = login_as(ns.gvcn)
    resp = client.post(f"/reports/classes/{ns.c10a1.id}/batch", data={"period": "hk1", "kind": "bao_lien_lac"})
    assert resp.status_code == 303
    job_id = int(resp.headers["Location"].rsplit("/", 1)[-1])
    assert app.extensions.get(jobs.POOL) is None  # nothing ran in this process
    assert job_row(app, job_id).state == "queued"
    assert Queue(jobs.QUEUE, connection=Redis.from_url(redis_url)).count == 1

    env = flask_env(app, REDIS_URL=redis_url)
    done = subprocess.run(flask("worker", "--burst"), env=env, cwd=ROOT, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    job = job_row(app, job_id)
    assert (job.state, job.done, job.total) == ("done", 3, 3) and job.merged_sha256
    assert sorted(d.student_id for d in documents(app)) == sorted(ns.ids)
    assert "3 / 3" in client.get(resp.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ReportJob, job_id) is not None


def test_flask_worker_refuses_to_start_without_redis(app, runner) -> None:
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code != 0 and "Chưa đặt REDIS_URL" in result.output
