"""Several gunicorn workers with a per-process rate limiter are refused at start-up
(issue 13.1), tested with a real `gunicorn -w 2 'app:create_app()'`: through
gunicorn.conf.py's on_starting hook (read from the working directory) and, without that
file, through create_app's own guard in each worker. The shared limiter storages
(the default database counter, Redis) start normally with several workers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import create_app
from app.ops import serving
from tests.conftest import BASE_CONFIG, TEST_DATABASE_URL
from tests.ops.conftest import ROOT, free_port

REFUSED_VI = "Không khởi động: 2 tiến trình (workers) nhưng bộ đếm giới hạn đăng nhập nằm trong bộ nhớ"
REFUSED_EN = "Refusing to start: 2 workers with an in-memory rate limiter (memory://)"


@pytest.fixture
def database(template_db: str, tmp_path: Path) -> str:
    """A migrated database the server can read (/healthz reads alembic_version)."""
    if TEST_DATABASE_URL:
        return TEST_DATABASE_URL
    copy = tmp_path / "served.db"
    shutil.copyfile(template_db, copy)
    return f"sqlite:///{copy}"


def _env(database: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("WEB_CONCURRENCY", "REDIS_URL", "RATELIMIT_STORAGE_URI")}
    env.update(
        PYTHONPATH=str(ROOT),
        DATABASE_URL=database,
        SECRET_KEY="gunicorn-test-secret",
        SODIENTU_DATA_DIR=str(tmp_path / "data"),
        **extra,
    )
    return env


def gunicorn(port: int, *args: str) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{port}", *args, "app:create_app()"]


def refused(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=90, check=False)
    return done


@pytest.fixture
def serve() -> Iterator:  # type: ignore[type-arg]
    """serve(command, env) → the port once /healthz answers; the server is stopped afterwards."""
    started: list[subprocess.Popen[bytes]] = []

    def _serve(command: list[str], env: dict[str, str], port: int) -> tuple[int, str]:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        started.append(proc)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(proc.stderr.read().decode() if proc.stderr else "gunicorn exited")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                    return response.status, response.read().decode()
            except OSError:
                time.sleep(0.2)
        raise AssertionError("gunicorn did not answer /healthz within 60 s")

    yield _serve
    for proc in started:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


def test_two_workers_on_memory_storage_are_refused_by_the_gunicorn_hook(database, tmp_path) -> None:
    port = free_port()
    done = refused(gunicorn(port, "-w", "2"), _env(database, tmp_path, RATELIMIT_STORAGE_URI="memory://"))
    assert done.returncode != 0
    assert REFUSED_VI in done.stderr and REFUSED_EN in done.stderr
    assert "Hãy đặt REDIS_URL" in done.stderr
    assert "Booting worker" not in done.stderr  # stopped before forking anything
    assert "Listening at" not in done.stderr


def test_without_the_config_file_each_worker_refuses_in_create_app(database, tmp_path) -> None:
    port = free_port()
    done = refused(
        gunicorn(port, "-c", "/dev/null", "-w", "2"), _env(database, tmp_path, RATELIMIT_STORAGE_URI="memory://")
    )
    assert done.returncode != 0
    assert REFUSED_VI in done.stderr and "ServingRefused" in done.stderr


def test_two_workers_on_the_shared_database_counter_start_and_answer_healthz(database, tmp_path, serve) -> None:
    port = free_port()
    status, body = serve(gunicorn(port, "-w", "2"), _env(database, tmp_path), port)
    assert (status, body.strip()) == (200, '{"status":"ok"}')


def test_one_worker_may_count_in_memory(database, tmp_path, serve) -> None:
    port = free_port()
    status, _ = serve(gunicorn(port, "-w", "1"), _env(database, tmp_path, RATELIMIT_STORAGE_URI="memory://"), port)
    assert status == 200


def test_web_concurrency_alone_is_enough_for_create_app_to_refuse(monkeypatch) -> None:
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    config = {**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://", "RATELIMIT_STORAGE_URI": "memory://"}
    with pytest.raises(serving.ServingRefused, match="Không khởi động: 3 tiến trình"):
        create_app(config)
    monkeypatch.setenv("WEB_CONCURRENCY", "1")
    assert create_app(config).config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_refusal_is_only_for_memory_storage_with_several_workers() -> None:
    assert serving.refusal({"RATELIMIT_STORAGE_URI": "sodientu-db://"}, 8) is None
    assert serving.refusal({"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0", "REDIS_URL": "redis://x"}, 8) is None
    assert serving.refusal({"RATELIMIT_STORAGE_URI": "memory://"}, 1) is None
    message = serving.refusal({"RATELIMIT_STORAGE_URI": "memory://"}, 4)
    assert message and "4 tiến trình" in message and "và chưa đặt REDIS_URL" in message
    # REDIS_URL does not help while the limiter itself is told to count in memory
    with_redis = serving.refusal({"RATELIMIT_STORAGE_URI": "memory://", "REDIS_URL": "redis://x"}, 2)
    assert with_redis and "chưa đặt REDIS_URL" not in with_redis


def test_redis_url_moves_the_default_limiter_to_redis() -> None:
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://", "REDIS_URL": "redis://127.0.0.1:1/0"})
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:1/0"
    assert serving.refusal(app.config, 4) is None
