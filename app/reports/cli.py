"""`flask worker [--burst]` (an RQ worker that preloads the app), `flask reports run JOB`,
`flask reports resume` (every queued or interrupted job, in this process)."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from app.reports import jobs, queries

reports_cli = AppGroup("reports", help="Báo liên lạc, học bạ, sổ theo dõi: các đợt in hàng loạt.")


def register(app: Flask) -> None:
    app.cli.add_command(worker_command)
    app.cli.add_command(reports_cli)


@click.command("worker")
@with_appcontext
@click.option("--burst", is_flag=True, help="Chạy hết các việc đang chờ rồi thoát.")
def worker_command(burst: bool) -> None:
    """Chạy một worker RQ (cần REDIS_URL) in báo liên lạc, học bạ theo lô; nạp ứng dụng một lần."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config.get("REDIS_URL"):
        raise click.ClickException("Chưa đặt REDIS_URL: các đợt in chạy ngay trong ứng dụng, không cần worker.")
    jobs.work(app, burst=burst)


@reports_cli.command("run")
@click.argument("job_id", type=int)
def run_command(job_id: int) -> None:
    """Chạy (hoặc chạy tiếp) một đợt in ngay trong tiến trình này."""
    jobs.run_job(job_id)
    job = queries.get_job(job_id)
    if job is None:
        raise click.ClickException(f"Không có đợt in {job_id}.")
    click.echo(f"Đợt in {job_id}: {job.state_label} ({job.done}/{job.total}).")


@reports_cli.command("resume")
def resume_command() -> None:
    """Chạy tiếp mọi đợt in đang chờ hoặc bị gián đoạn (sau khi máy chủ khởi động lại)."""
    ids = [j.id for j in queries.interrupted_jobs()]
    for job_id in ids:
        jobs.run_job(job_id)
    click.echo(f"Đã chạy tiếp {len(ids)} đợt in.")
