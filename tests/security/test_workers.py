"""Issue 8.12 / SECURITY.md A: the login limit holds across real gunicorn workers.

Two sync workers each used to count with memory://, so 40 wrong passwords from one address
were accepted. Here a real `gunicorn -w 2` serves the app on SQLite, once with the default
database counter and once with Redis (REDIS_URL), and 40 wrong sign-ins from one address —
sent eight at a time so both workers take some — see at most the configured 20 accepted.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
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
    if "REDIS_URL" not in extra_env:
        env.pop("REDIS_URL", None)  # the database counter run must not inherit the caller's Redis
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


# --- 13 and 14 on two workers: the per-account slowdown and the probe limit are shared -----

PASSWORD = "mat-khau-dung-2024-rat-dai"


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory) -> Iterator[tuple[int, Path]]:
    tmp = tmp_path_factory.mktemp("workers")
    proc, port, _log = _serve(tmp, {"SODIENTU_PROBE_LIMIT": "30"})
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp / 'app.db'}",
        "SECRET_KEY": "x",
        "FLASK_APP": "app:create_app",
    }
    for username in ("gv1", "gv2"):
        command = [sys.executable, "-m", "flask", "create-user", username, "--full-name", f"Giáo viên {username}"]
        subprocess.run([*command, "--password", PASSWORD], cwd=ROOT, env=env, check=True, capture_output=True)
    try:
        yield port, tmp / "app.db"
    finally:
        proc.terminate()
        proc.wait(20)


def _browser(base: str) -> tuple[urllib.request.OpenerDirector, str]:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(f"{base}/login", timeout=30).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token
    return opener, token.group(1)


def _post_login(base: str, username: str, password: str) -> tuple[int, str]:
    opener, token = _browser(base)
    body = urllib.parse.urlencode({"csrf_token": token, "username": username, "password": password}).encode()
    try:
        response = opener.open(f"{base}/login", data=body, timeout=30)
        return int(response.status), response.read().decode()
    except urllib.error.HTTPError as error:
        return int(error.code), error.read().decode()


def _message(page: str) -> str:
    found = re.search(r"Tên đăng nhập hoặc mật khẩu không đúng\.[^<]*", page)
    return found.group(0).strip() if found else ""


def _sql(db_file: Path, query: str) -> list[tuple]:
    import sqlite3

    with sqlite3.connect(db_file) as conn:
        return conn.execute(query).fetchall()


def test_the_slowdown_per_account_and_address_holds_on_every_worker(two_workers) -> None:
    port, db_file = two_workers
    base = f"http://127.0.0.1:{port}"
    unknown = _message(_post_login(base, "khong-ton-tai", "sai")[1])
    answers = []
    with ThreadPoolExecutor(max_workers=2) as pool:  # two at a time: both workers answer
        for pair in ([0, 1], [2, 3], [4, 5]):
            answers += list(pool.map(lambda _n: _post_login(base, "gv1", "sai"), pair))
    messages = [_message(page) for _status, page in answers]
    assert unknown == "Tên đăng nhập hoặc mật khẩu không đúng."
    assert messages.count(unknown) == 3  # the same words for an existing account: nothing tells them apart
    assert all(m.startswith(unknown + " Vui lòng đợi") for m in messages if m != unknown)
    # the right password while the wait runs is refused too, whichever worker takes it
    status, page = _post_login(base, "gv1", PASSWORD)
    assert "Vui lòng đợi" in _message(page) and status != 303
    failed, locked = _sql(db_file, "SELECT failed_logins, locked_until FROM user WHERE username = 'gv1'")[0]
    assert failed == 3 and locked is None  # counted once per real try; no account-wide lock at 3


def test_a_prober_is_counted_once_per_minute_and_stopped_on_every_worker(two_workers) -> None:
    port, db_file = two_workers
    base = f"http://127.0.0.1:{port}"
    opener, token = _browser(base)
    body = urllib.parse.urlencode({"csrf_token": token, "username": "gv2", "password": PASSWORD}).encode()
    assert opener.open(f"{base}/login", data=body, timeout=30).status == 200  # followed the redirect home
    audit_before = _sql(db_file, "SELECT count(*) FROM audit_event")[0][0]

    def probe(n: int) -> int:
        try:
            return int(opener.open(f"{base}/school/classes/{900000 + n}", timeout=30).status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(probe, range(80)))
    assert set(statuses) <= {404, 429}
    assert 1 <= statuses.count(429) and statuses.count(404) <= 2 * 30  # 30 a minute (a minute may turn over)
    user_id = _sql(db_file, "SELECT id FROM user WHERE username = 'gv2'")[0][0]
    open_tallies = _sql(db_file, f"SELECT count FROM denial_tally WHERE actor_key = {user_id}")
    sealed = _sql(db_file, f"SELECT changes FROM audit_event WHERE action = 'authz.denied' AND actor_id = {user_id}")
    sealed_counts = [json.loads(changes)["count"] for (changes,) in sealed]
    # every refusal counted, in at most two rows (a minute may turn over), none lost between workers
    assert len(open_tallies) + len(sealed_counts) <= 2
    assert sum(c for (c,) in open_tallies) + sum(sealed_counts) == 80
    assert _sql(db_file, "SELECT count(*) FROM audit_event")[0][0] - audit_before <= 2  # not 80 chain appends
