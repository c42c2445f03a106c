"""Issue 8.12 / SECURITY.md A: the login limit holds across real gunicorn workers.

Two sync workers each used to count with memory://, so 40 wrong passwords from one address
were accepted. Here a real `gunicorn -w 2` serves the app on SQLite, once with the default
database counter and once with Redis (REDIS_URL), and 40 wrong sign-ins from one address —
sent eight at a time so both workers take some — see at most the configured 20 accepted.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 20  # SODIENTU_LOGIN_RATE's default, "20 per minute"
ATTEMPTS = 40


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """The suite's redis-server (make test starts one), else one started here."""
    if os.environ.get("TEST_REDIS_URL"):
        yield os.environ["TEST_REDIS_URL"]
        return
    server = shutil.which("redis-server")
    assert server, "redis-server is needed (make test installs it)"
    port = _free_port()
    command = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    try:
        _wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)


def _wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"nothing listens on {port}")


def _serve(tmp_path: Path, extra_env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int, Path]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        "SECRET_KEY": "test-only-secret-key-for-two-workers",
        "SODIENTU_DATA_DIR": str(tmp_path),
        "FLASK_APP": "app:create_app",
        **extra_env,
    }
    env.pop("REDIS_URL", None) if "REDIS_URL" not in extra_env else None
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    port = _free_port()
    log = tmp_path / "access.log"
    gunicorn = [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--access-logfile", str(log)]
    gunicorn += ["--access-logformat", "%(p)s %(m)s %(U)s %(s)s", "app:create_app()"]
    proc = subprocess.Popen(gunicorn, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for_port(port)
    return proc, port, log


def _sign_in_attempt(base: str, n: int) -> int:
    """One browser: fetch the form (for its CSRF token), post a wrong password."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login", timeout=30).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token, "the login form has its CSRF token"
    body = urllib.parse.urlencode({"csrf_token": token.group(1), "username": f"khong-co-{n}", "password": "sai"})
    try:
        return int(opener.open(f"{base}/login", data=body.encode(), timeout=30).status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def _attack(port: int) -> list[int]:
    base = f"http://127.0.0.1:{port}"
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda n: _sign_in_attempt(base, n), range(ATTEMPTS)))


def _workers_that_answered_logins(log: Path) -> set[str]:
    lines = [line.split() for line in log.read_text().splitlines()]
    return {pid for pid, method, path, _status in lines if method == "POST" and path == "/login"}


@pytest.mark.parametrize("storage", ["database", "redis"])
def test_forty_wrong_sign_ins_over_two_workers_meet_one_limit(tmp_path, storage, request) -> None:
    extra = {"REDIS_URL": request.getfixturevalue("redis_url")} if storage == "redis" else {}
    if storage == "redis":
        import redis

        redis.Redis.from_url(extra["REDIS_URL"]).flushdb()  # a fresh window for this run
    proc, port, log = _serve(tmp_path, extra)
    try:
        statuses = _attack(port)
    finally:
        proc.terminate()
        proc.wait(20)
    refused = statuses.count(429)
    answered = [s for s in statuses if s != 429]
    assert set(answered) <= {200, 422}, statuses  # the login page again, saying the sign-in failed
    assert len(answered) <= LIMIT, f"{len(answered)} wrong sign-ins accepted over two workers: {statuses}"
    assert refused >= ATTEMPTS - LIMIT
    assert len(_workers_that_answered_logins(log)) == 2, "both workers took sign-ins"
