"""Crash safety during grade entry (issue 13.4, SECURITY.md test 36, P0 half): teachers keep
saving cells against a real `gunicorn -w 2` that is SIGKILLed — master and workers at once,
mid-request — and restarted, several times. Every save that got HTTP 200 must be in the
database afterwards, exactly where the client was told (the cell's history holds its value
at the version it was given), `PRAGMA integrity_check` stays "ok" and `flask audit verify`
passes after each kill; the audit trail holds one grade.changed event per stored change."""

from __future__ import annotations

import http.client
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from app.audit.models import AuditEvent
from app.extensions import db
from app.gradebook.models import Score, ScoreHistory
from tests.conftest import BASE_CONFIG
from tests.gradebook.conftest import gb  # noqa: F401
from tests.ops.conftest import ROOT, free_port, invoke

KILLS = 3
COLUMNS = (("tx", 1), ("tx", 2), ("tx", 3), ("tx", 4), ("gk", 1), ("ck", 1))


def value_for(version: int) -> Decimal:
    """The value written as a cell's `version`-th change (never twice the same in a row)."""
    return Decimal((version * 37) % 100 + 1) / 10


class Client(threading.Thread):
    """One teacher saving the cells it owns, one after the other, as the grid does."""

    def __init__(self, port: int, book: int, cells: list[tuple[int, str, int]], auth: dict[str, str], app: Any):
        super().__init__(daemon=True)
        self.url = f"http://127.0.0.1:{port}/gradebook/{book}/cells"
        self.book, self.cells, self.auth, self.app = book, cells, auth, app
        self.versions: dict[tuple[int, str, int], int | None] = dict.fromkeys(cells)
        self.acked: list[tuple[tuple[int, str, int], int, Decimal]] = []
        self.unexpected: list[str] = []
        self.stop = threading.Event()

    def stored_version(self, cell: tuple[int, str, int]) -> int:
        student, kind, idx = cell
        with self.app.app_context():
            found = db.session.scalar(
                select(Score.version).where(
                    Score.gradebook_id == self.book, Score.student_id == student, Score.kind == kind, Score.idx == idx
                )
            )
            db.session.remove()
        return found or 0

    def run(self) -> None:
        i = 0
        while not self.stop.is_set():
            cell = self.cells[i % len(self.cells)]
            i += 1
            version = self.versions[cell]
            if version is None:  # after a lost answer: what is stored is the truth
                version = self.versions[cell] = self.stored_version(cell)
            value = value_for(version + 1)
            student, kind, idx = cell
            column = kind if kind != "tx" else f"tx{idx}"
            body = urllib.parse.urlencode(
                {"student_id": student, "column": column, "value": str(value).replace(".", ","), "version": version}
            ).encode()
            request = urllib.request.Request(self.url, data=body, headers=self.auth, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    status = response.status
                    response.read()
            except urllib.error.HTTPError as exc:
                status = exc.code
                exc.close()
            except (OSError, http.client.HTTPException):  # killed mid-request (even mid-body), or not listening yet
                self.versions[cell] = None
                time.sleep(0.05)
                continue
            if status == 200:
                self.acked.append((cell, version + 1, value))
                self.versions[cell] = version + 1
            elif status == 409:  # an earlier save committed although its answer was lost
                self.versions[cell] = None
            else:
                self.unexpected.append(f"{status} for {cell}")
                self.versions[cell] = None


def _start(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "app:create_app()"]
    proc = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert proc.poll() is None, "gunicorn exited at start"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                if response.status == 200:
                    return proc
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not answer within 90 s")


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the master and its workers at once (the process group we started)."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def _database_checks(app: Any) -> None:
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        db.session.remove()
    code, out = invoke(app, "audit", "verify")
    assert code == 0, out


def test_every_acknowledged_save_survives_sigkill_of_gunicorn(app, gb, login_as, tmp_path: Path) -> None:  # noqa: F811
    client = login_as(gb.t1)
    auth = {
        "X-CSRFToken": client.csrf_token(),
        "HX-Request": "true",
        "Cookie": f"{app.config['SESSION_COOKIE_NAME']}={client.get_cookie(app.config['SESSION_COOKIE_NAME']).value}",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    cells = [(s.id, kind, idx) for s in gb.students_a1 for kind, idx in COLUMNS]
    env = {k: v for k, v in os.environ.items() if k not in ("WEB_CONCURRENCY", "RATELIMIT_STORAGE_URI", "REDIS_URL")}
    env.update(
        PYTHONPATH=str(ROOT),
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        SECRET_KEY=BASE_CONFIG["SECRET_KEY"],
        SODIENTU_DATA_DIR=app.config["SODIENTU_DATA_DIR"],
    )
    port, rng = free_port(), random.Random(36)
    clients = [Client(port, gb.toan_a1, cells[i::2], auth, app) for i in range(2)]
    proc = _start(port, env)
    for c in clients:
        c.start()
    try:
        for _ in range(KILLS):
            time.sleep(rng.uniform(1.0, 2.5))
            _kill(proc)
            _database_checks(app)
            proc = _start(port, env)
        time.sleep(1.0)
    finally:
        for c in clients:
            c.stop.set()
        for c in clients:
            c.join(30)
        if proc.poll() is None:
            _kill(proc)
    _database_checks(app)

    acked = [a for c in clients for a in c.acked]
    assert [u for c in clients for u in c.unexpected] == []
    print(f"acknowledged saves: {len(acked)} over {KILLS} kills")
    assert len(acked) >= 20, "too few saves went through to prove anything"
    with app.app_context():
        for (student, kind, idx), version, value in acked:
            history = db.session.scalars(
                select(ScoreHistory.new_value)
                .where(
                    ScoreHistory.gradebook_id == gb.toan_a1,
                    ScoreHistory.student_id == student,
                    ScoreHistory.kind == kind,
                    ScoreHistory.idx == idx,
                )
                .order_by(ScoreHistory.id)
            ).all()
            assert len(history) >= version, f"acknowledged save lost: {(student, kind, idx)} v{version}"
            assert history[version - 1] == value
        changes = db.session.scalar(select(func.count()).where(AuditEvent.action == "grade.changed"))
        stored = db.session.scalar(select(func.count()).select_from(ScoreHistory))
        assert changes == stored  # each stored change has its audit event, and no event is without one
